import { useEffect, useState } from 'react';
import { enc, errorMessage } from '../api/client.js';
import type { Segment } from '../api/types.js';
import { useApi, useSession } from '../app/api-context.js';
import { newId } from '../app/ids.js';
import { useLastChange } from '../app/live.js';
import { navigate } from '../app/navigation.js';
import { routePath } from '../app/routes.js';
import { useEditSession } from '../app/use-edit-session.js';
import { useResource } from '../app/use-resource.js';
import { ChangedBanner } from '../components/changed-banner.js';
import { ClauseSuggestions } from '../components/clause-editor.js';
import { ConfirmDialog } from '../components/dialog.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { ReviewDialog } from '../components/review-dialog.js';
import { SaveBar } from '../components/save-bar.js';
import { TagsInput } from '../components/tags-input.js';
import { ValuesInput } from '../components/values-input.js';
import { clauseProblems } from '../editor/clauses.js';
import { documentPatch, reapplyEdit } from '../editor/targeting-patch.js';
import { describeSegmentChanges } from '../model/change-description.js';
import { SegmentRulesEditor } from '../segments/segment-rules-editor.js';
import { SegmentTargetsEditor } from '../segments/segment-targets-editor.js';

interface Props {
  project: string;
  env: string;
  segmentKey: string;
}

const READ_ONLY = ['key', 'version', 'createdAt', 'updatedAt'];

/** One segment: who is included or excluded, and rules that include contexts. */
export function SegmentPage({ project, env, segmentKey }: Props) {
  const api = useApi();
  const path = `/projects/${enc(project)}/environments/${enc(env)}/segments/${enc(segmentKey)}`;
  const segment = useResource(`segment:${project}:${env}:${segmentKey}`, (signal) =>
    api.get<Segment>(path, signal),
  );
  const others = useResource(`segments:${project}:${env}`, (signal) =>
    api
      .get<{ items: Segment[] }>(
        `/projects/${enc(project)}/environments/${enc(env)}/segments`,
        signal,
      )
      .then((r) => r.items.map((s) => s.key).filter((k) => k !== segmentKey)),
  );
  if (segment.error !== undefined) return <ErrorNotice error={segment.error} />;
  if (segment.data === undefined || others.data === undefined)
    return <Loading what="the segment" />;
  return (
    <SegmentEditor
      key={segmentKey}
      path={path}
      project={project}
      env={env}
      loaded={segment.data}
      segmentKeys={others.data}
    />
  );
}

interface EditorProps {
  path: string;
  project: string;
  env: string;
  loaded: Segment;
  segmentKeys: readonly string[];
}

function SegmentEditor({ path, project, env, loaded, segmentKeys }: EditorProps) {
  const api = useApi();
  const { environments } = useSession();
  const envName = environments.find((e) => e.key === env)?.name ?? env;
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>();
  const versioned = (s: Segment) => ({ doc: s, version: s.version });
  const session = useEditSession<Segment>({
    loaded: versioned(loaded),
    patch: (original, draft) => documentPatch(original, draft, READ_ONLY),
    save: async (ops, version, comment) =>
      versioned(await api.patch<Segment>(path, ops, version, comment)),
    loadLatest: async () => versioned(await api.get<Segment>(path)),
    reapply: (original, draft, latest) => reapplyEdit(original, draft, latest, READ_ONLY),
  });
  // Reloaded live when someone else saves the segment: take it, or keep the draft and say so.
  useEffect(() => session.upstream(versioned(loaded)), [loaded.version]);
  const lastChange = useLastChange(
    (c) => c.kind === 'segment' && c.environmentKey === env && c.key === loaded.key,
  );
  const s = session.draft;
  const set = (part: Partial<Segment>) => session.edit({ ...s, ...part });
  const problems = s.rules.flatMap((rule, i) =>
    rule.clauses.flatMap((c, j) =>
      clauseProblems(c, segmentKeys).map((m) => `Rule ${i + 1}, condition ${j + 1}: ${m}`),
    ),
  );

  const remove = async () => {
    try {
      await api.delete(path, session.original.version);
      navigate(routePath({ page: 'segments', project, env }));
    } catch (e) {
      setDeleteError(e);
    }
  };

  return (
    <article aria-labelledby="segment-title">
      <ClauseSuggestions />
      {session.behind !== undefined && (
        <ChangedBanner
          what={`this segment in ${envName}`}
          change={lastChange}
          version={session.behind.version}
          conflicts={
            reapplyEdit(session.original, session.draft, session.behind.doc, READ_ONLY).conflicts
          }
          onMerge={session.reapply}
          onDiscard={session.discard}
        />
      )}
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={routePath({ page: 'segments', project, env })}>Segments</Link>{' '}
        <span aria-hidden="true">/</span> <span>{loaded.key}</span>
      </nav>
      <div className="page-header">
        <h1 id="segment-title">{s.name}</h1>
        <code className="key">{loaded.key}</code>
        <span className="muted">
          in {envName}, version {session.original.version}
        </span>
        <button type="button" className="button button-danger" onClick={() => setDeleting(true)}>
          Delete segment
        </button>
      </div>
      <div className="card form">
        <label>
          Name
          <input value={s.name} onChange={(e) => set({ name: e.target.value })} />
        </label>
        <label>
          Description
          <textarea
            rows={2}
            value={s.description ?? ''}
            onChange={(e) => set({ description: e.target.value })}
          />
        </label>
        <TagsInput tags={s.tags ?? []} onChange={(tags) => set({ tags })} />
      </div>
      <h2>Included and excluded</h2>
      <div className="grid-2">
        <ValuesInput
          label="Included user keys"
          kind="string"
          values={s.included}
          onChange={(v) => set({ included: v.map(String) })}
        />
        <ValuesInput
          label="Excluded user keys"
          kind="string"
          values={s.excluded}
          onChange={(v) => set({ excluded: v.map(String) })}
        />
      </div>
      <SegmentTargetsEditor
        label="Included contexts of other kinds"
        targets={s.includedContexts}
        onChange={(includedContexts) => set({ includedContexts })}
      />
      <SegmentTargetsEditor
        label="Excluded contexts of other kinds"
        targets={s.excludedContexts}
        onChange={(excludedContexts) => set({ excludedContexts })}
      />
      <h2>Rules</h2>
      <p className="muted">A context not listed above is in the segment if a rule matches it.</p>
      <SegmentRulesEditor
        rules={s.rules}
        segmentKeys={segmentKeys}
        newId={newId}
        onChange={(rules) => set({ rules })}
      />
      <SaveBar
        changes={session.ops.length}
        problems={problems}
        onDiscard={() => session.edit(session.original)}
        onReview={session.review}
      />
      <ReviewDialog
        state={session.state}
        subject={`segment "${loaded.key}" in ${envName}`}
        ops={session.ops}
        changes={
          session.state.step === 'editing'
            ? []
            : describeSegmentChanges(session.original, session.draft)
        }
        overwrites={session.overwrites}
        onSave={session.save}
        onClose={session.close}
        onReapply={session.reapply}
        onDiscard={session.discard}
      />
      <ConfirmDialog
        open={deleting}
        title={`Delete segment "${loaded.key}"?`}
        onClose={() => setDeleting(false)}
        confirm="Delete"
        tone="danger"
        onConfirm={() => void remove()}
      >
        <p>Rules that use it will no longer match anyone in {envName}.</p>
        {deleteError !== undefined && <p className="field-error">{errorMessage(deleteError)}</p>}
      </ConfirmDialog>
    </article>
  );
}
