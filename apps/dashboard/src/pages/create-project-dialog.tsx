import { useState, type FormEvent } from 'react';
import { enc, errorMessage } from '../api/client.js';
import type { Environment, Project } from '../api/types.js';
import { useApi, useSession } from '../app/api-context.js';
import { navigate } from '../app/navigation.js';
import { routePath } from '../app/routes.js';
import { ConfirmDialog } from '../components/dialog.js';
import { FieldError } from '../components/notice.js';
import { KEY_PATTERN, keyFromName } from '../model/variation-input.js';

/** Environment names typed as "Production, Test": without blanks or repeats. */
export function environmentNames(text: string): string[] {
  return [...new Set(text.split(',').map((n) => n.trim()))].filter((n) => n !== '');
}

/** "New project" in the header: creates a project with its environments, then switches to it. */
export function NewProjectButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button button-quiet" onClick={() => setOpen(true)}>
        New project
      </button>
      {open && <CreateProjectDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function CreateProjectDialog({ onClose }: { onClose(): void }) {
  const api = useApi();
  const { refreshScope } = useSession();
  const [name, setName] = useState('');
  const [key, setKey] = useState<string | undefined>();
  const [envs, setEnvs] = useState('Production, Test');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const projectKey = key ?? keyFromName(name);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!KEY_PATTERN.test(projectKey)) {
      setError(
        'The key must start with a letter or digit and hold only letters, digits, ".", "_" or "-".',
      );
      return;
    }
    const names = environmentNames(envs);
    const envKeys = names.map(keyFromName);
    const bad = names.find((_, i) => !KEY_PATTERN.test(envKeys[i]!));
    if (names.length === 0 || bad !== undefined) {
      setError(
        bad === undefined
          ? 'Give the project at least one environment, such as Production.'
          : `Name the environment "${bad}" with at least one letter or digit.`,
      );
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.post<Project>('/projects', { key: projectKey, name: name.trim() });
      const created: Environment[] = [];
      for (const [i, envName] of names.entries()) {
        created.push(
          await api.post<Environment>(`/projects/${enc(projectKey)}/environments`, {
            key: envKeys[i],
            name: envName,
          }),
        );
      }
      refreshScope();
      const env = created.find((x) => x.key === 'production') ?? created[0]!;
      navigate(routePath({ page: 'flags', project: projectKey, env: env.key }));
      onClose();
    } catch (err) {
      // The project may exist already (its environments failed): say so, and refresh the list.
      refreshScope();
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog
      title="Create a project"
      onClose={onClose}
      confirm="Create project"
      form="create-project"
      disabled={busy || name.trim() === ''}
    >
      <form id="create-project" className="form" onSubmit={(e) => void submit(e)}>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={256} />
        </label>
        <label>
          Key
          <input
            value={projectKey}
            onChange={(e) => setKey(e.target.value)}
            spellCheck={false}
            aria-describedby="project-key-hint"
            required
          />
        </label>
        <p id="project-key-hint" className="hint">
          In API paths and SDK configuration. It cannot be changed later.
        </p>
        <label>
          Environments
          <input
            value={envs}
            onChange={(e) => setEnvs(e.target.value)}
            aria-describedby="project-envs-hint"
          />
        </label>
        <p id="project-envs-hint" className="hint">
          Separated by commas. Each gets its own targeting and SDK keys; add more later on the
          Environments page.
        </p>
        <FieldError error={error} preLine />
      </form>
    </ConfirmDialog>
  );
}

/** A project without environments (made with the CLI or the API): its first one. */
export function NoEnvironments({ project }: { project: string }) {
  const api = useApi();
  const { refreshScope } = useSession();
  const [name, setName] = useState('Production');
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const key = keyFromName(name);
    if (!KEY_PATTERN.test(key)) {
      setError('Name the environment with at least one letter or digit.');
      return;
    }
    try {
      await api.post(`/projects/${enc(project)}/environments`, { key, name: name.trim() });
      refreshScope();
      navigate(routePath({ page: 'flags', project, env: key }));
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section aria-labelledby="no-envs-title">
      <h1 id="no-envs-title">No environments yet</h1>
      <p>
        Project <code className="key">{project}</code> has no environments. Flags are targeted and
        served per environment: create the first one.
      </p>
      <form className="toolbar" onSubmit={(e) => void submit(e)}>
        <label className="field-inline">
          <span>New environment</span>
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit" className="button button-primary" disabled={name.trim() === ''}>
          Create environment
        </button>
        <FieldError error={error} />
      </form>
    </section>
  );
}
