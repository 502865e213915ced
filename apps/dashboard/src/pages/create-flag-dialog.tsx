import { useState, type FormEvent } from 'react';
import { enc, errorMessage } from '../api/client.js';
import type { Flag, FlagInput, Variation } from '../api/types.js';
import { useApi } from '../app/api-context.js';
import { ConfirmDialog } from '../components/dialog.js';
import { FieldError } from '../components/notice.js';
import {
  KEY_PATTERN,
  keyFromName,
  parseTags,
  parseVariationValue,
  type FlagKind,
} from '../model/variation-input.js';

interface Props {
  open: boolean;
  project: string;
  onClose(): void;
  onCreated(flag: Flag): void;
}

interface Row {
  value: string;
  name: string;
}

const BOOLEAN_ROWS: Row[] = [
  { value: 'true', name: '' },
  { value: 'false', name: '' },
];

/** Creates a flag: name, key, kind and variations. Its targeting starts off everywhere. */
export function CreateFlagDialog({ open, project, onClose, onCreated }: Props) {
  const api = useApi();
  const [name, setName] = useState('');
  const [key, setKey] = useState<string | undefined>();
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState('');
  const [kind, setKind] = useState<FlagKind>('boolean');
  const [rows, setRows] = useState<Row[]>(BOOLEAN_ROWS);
  const [temporary, setTemporary] = useState(true);
  // Which client-side SDKs get the flag; server-side SDKs get every flag.
  const [browser, setBrowser] = useState(false);
  const [mobile, setMobile] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const flagKey = key ?? keyFromName(name);

  const reset = () => {
    setName('');
    setKey(undefined);
    setDescription('');
    setTags('');
    setKind('boolean');
    setRows(BOOLEAN_ROWS);
    setBrowser(false);
    setMobile(true);
    setError(undefined);
  };
  const changeKind = (next: FlagKind) => {
    setKind(next);
    setRows(
      next === 'boolean'
        ? BOOLEAN_ROWS
        : [
            { value: '', name: '' },
            { value: '', name: '' },
          ],
    );
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!KEY_PATTERN.test(flagKey)) {
      setError(
        'The key must start with a letter or digit and hold only letters, digits, ".", "_" or "-".',
      );
      return;
    }
    const variations: Variation[] = [];
    for (const [i, row] of rows.entries()) {
      const parsed = parseVariationValue(kind, row.value);
      if (!parsed.ok) {
        setError(`Variation ${i + 1}: ${parsed.error}`);
        return;
      }
      variations.push(
        row.name.trim() === ''
          ? { value: parsed.value }
          : { value: parsed.value, name: row.name.trim() },
      );
    }
    const input: FlagInput = {
      key: flagKey,
      name: name.trim() === '' ? flagKey : name.trim(),
      description,
      tags: parseTags(tags),
      variations,
      temporary,
      clientSideAvailability: { usingEnvironmentId: browser, usingMobileKey: mobile },
    };
    setBusy(true);
    setError(undefined);
    try {
      const flag = await api.post<Flag>(`/projects/${enc(project)}/flags`, input);
      reset();
      onCreated(flag);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog
      open={open}
      title="Create a flag"
      onClose={onClose}
      confirm="Create flag"
      form="create-flag"
      disabled={busy}
    >
      <form id="create-flag" className="form" onSubmit={(e) => void submit(e)}>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Key
          <input
            value={flagKey}
            onChange={(e) => setKey(e.target.value)}
            spellCheck={false}
            aria-describedby="flag-key-hint"
            required
          />
        </label>
        <p id="flag-key-hint" className="hint">
          What code asks for. It cannot be changed later.
        </p>
        <label>
          Description
          <textarea rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label>
          Tags
          <input
            value={tags}
            onChange={(e) => setTags(e.target.value)}
            placeholder="checkout, beta"
          />
        </label>
        <fieldset>
          <legend>Variations</legend>
          <label className="field-inline">
            <span>Kind</span>
            <select value={kind} onChange={(e) => changeKind(e.target.value as FlagKind)}>
              <option value="boolean">Boolean</option>
              <option value="string">String</option>
              <option value="number">Number</option>
              <option value="json">JSON</option>
            </select>
          </label>
          {rows.map((row, i) => (
            <div key={i} className="row">
              <label className="grow">
                Value {i + 1}
                <input
                  value={row.value}
                  readOnly={kind === 'boolean'}
                  onChange={(e) =>
                    setRows(rows.map((r, j) => (j === i ? { ...r, value: e.target.value } : r)))
                  }
                />
              </label>
              <label className="grow">
                Name {i + 1} (optional)
                <input
                  value={row.name}
                  onChange={(e) =>
                    setRows(rows.map((r, j) => (j === i ? { ...r, name: e.target.value } : r)))
                  }
                />
              </label>
              {kind !== 'boolean' && rows.length > 2 && (
                <button
                  type="button"
                  className="button button-small"
                  aria-label={`Remove variation ${i + 1}`}
                  onClick={() => setRows(rows.filter((_, j) => j !== i))}
                >
                  Remove
                </button>
              )}
            </div>
          ))}
          {kind !== 'boolean' && (
            <button
              type="button"
              className="button button-small"
              onClick={() => setRows([...rows, { value: '', name: '' }])}
            >
              Add variation
            </button>
          )}
        </fieldset>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={temporary}
            onChange={(e) => setTemporary(e.target.checked)}
          />
          Temporary (a release flag to remove once rolled out)
        </label>
        <fieldset aria-describedby="flag-client-side-hint">
          <legend>Client-side SDKs</legend>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={browser}
              onChange={(e) => setBrowser(e.target.checked)}
            />
            Available to client-side SDKs (browsers, with the client-side ID)
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={mobile} onChange={(e) => setMobile(e.target.checked)} />
            Available to mobile SDKs (mobile key)
          </label>
          <p id="flag-client-side-hint" className="hint">
            Server-side SDKs get every flag. Browser and mobile SDKs get only the flags marked for
            them, and serve their default value for the others. This applies to every environment;
            each environment&apos;s targeting can change it later.
          </p>
        </fieldset>
        <FieldError error={error} preLine />
      </form>
    </ConfirmDialog>
  );
}
