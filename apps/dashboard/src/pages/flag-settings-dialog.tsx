import { useEffect, useRef, useState, type FormEvent } from 'react';
import { enc, errorMessage } from '../api/client.js';
import type { Flag, FlagSettingsInput } from '../api/types.js';
import { useApi } from '../app/api-context.js';
import { ConfirmDialog } from '../components/dialog.js';
import { FieldError } from '../components/notice.js';
import {
  environmentsServing,
  kindOf,
  moveRow,
  newRow,
  rowsOf,
  sameVariations,
  variationEdits,
  type VariationRow,
} from '../model/variation-edit.js';
import { parseTags } from '../model/variation-input.js';

interface Props {
  project: string;
  flag: Flag;
  onClose(): void;
  onSaved(flag: Flag): void;
}

const KIND_NAMES = { boolean: 'Boolean', string: 'String', number: 'Number', json: 'JSON' };

/**
 * Edits a flag's name, description, tags, lifetime and variations. Variations can be renamed,
 * edited, reordered, added and removed: each row keeps the index of the variation it was, so
 * the targeting of every environment follows it; removing one still in use is refused by the
 * API, whose message (naming where it is used) is shown as it is.
 */
export function FlagSettingsDialog({ project, flag, onClose, onSaved }: Props) {
  const api = useApi();
  const kind = kindOf(flag.variations);
  const [name, setName] = useState(flag.name);
  const [description, setDescription] = useState(flag.description);
  const [tags, setTags] = useState(flag.tags.join(', '));
  const [temporary, setTemporary] = useState(flag.temporary);
  const [rows, setRows] = useState<VariationRow[]>(() => rowsOf(flag.variations));
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // The form scrolls inside the dialog: bring a new error into view where it is read.
  const errorRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (error !== undefined) errorRef.current?.scrollIntoView({ block: 'nearest' });
  }, [error]);
  const setRow = (i: number, part: Partial<VariationRow>) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, ...part } : r)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = variationEdits(kind, rows);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    const input: FlagSettingsInput = {};
    if (name.trim() !== flag.name) input.name = name.trim();
    if (description !== flag.description) input.description = description;
    const newTags = parseTags(tags);
    if (newTags.join() !== flag.tags.join()) input.tags = newTags;
    if (temporary !== flag.temporary) input.temporary = temporary;
    if (!sameVariations(flag.variations, parsed.edits)) input.variations = parsed.edits;
    if (Object.keys(input).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const saved = await api.patchJson<Flag>(
        `/projects/${enc(project)}/flags/${enc(flag.key)}/settings`,
        input,
        flag.version,
      );
      onSaved(saved);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog
      wide
      title={`Settings of ${flag.key}`}
      onClose={onClose}
      confirm="Save settings"
      form="flag-settings"
      disabled={busy || name.trim() === ''}
    >
      <form id="flag-settings" className="form" onSubmit={(e) => void submit(e)}>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
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
            aria-describedby="settings-tags-hint"
          />
        </label>
        <p id="settings-tags-hint" className="hint">
          Separated by commas or spaces. Payload filters can serve flags by tag.
        </p>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={temporary}
            onChange={(e) => setTemporary(e.target.checked)}
          />
          Temporary (a release flag to remove once rolled out)
        </label>
        <fieldset>
          <legend>Variations ({KIND_NAMES[kind]})</legend>
          <p className="hint">
            Targeting follows each variation when you reorder or edit it. A variation that an
            environment serves, or that another flag requires, cannot be removed.
          </p>
          {rows.map((row, i) => {
            const serving = row.from === undefined ? [] : environmentsServing(flag, row.from);
            const n = i + 1;
            return (
              <div
                key={row.id}
                className="variation-row"
                role="group"
                aria-label={`Variation ${n}`}
              >
                <div className="row">
                  <label className="grow">
                    Value {n}
                    <input
                      value={row.value}
                      readOnly={kind === 'boolean'}
                      spellCheck={false}
                      onChange={(e) => setRow(i, { value: e.target.value })}
                    />
                  </label>
                  <label className="grow">
                    Name {n} (optional)
                    <input value={row.name} onChange={(e) => setRow(i, { name: e.target.value })} />
                  </label>
                  <label className="grow">
                    Description {n} (optional)
                    <input
                      value={row.description}
                      onChange={(e) => setRow(i, { description: e.target.value })}
                    />
                  </label>
                </div>
                <div className="row">
                  <span className="hint grow">
                    {row.from === undefined
                      ? 'New variation'
                      : serving.length > 0
                        ? `Served in ${serving.join(', ')}`
                        : 'Not served in any environment'}
                  </span>
                  <span className="button-group">
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Move variation ${n} up`}
                      disabled={i === 0}
                      onClick={() => setRows(moveRow(rows, i, -1))}
                    >
                      ↑ Up
                    </button>
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Move variation ${n} down`}
                      disabled={i === rows.length - 1}
                      onClick={() => setRows(moveRow(rows, i, 1))}
                    >
                      ↓ Down
                    </button>
                    {kind !== 'boolean' && (
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={`Remove variation ${n}`}
                        disabled={rows.length === 1}
                        onClick={() => setRows(rows.filter((_, j) => j !== i))}
                      >
                        Remove
                      </button>
                    )}
                  </span>
                </div>
              </div>
            );
          })}
          {kind !== 'boolean' && (
            <button
              type="button"
              className="button button-small"
              onClick={() => setRows([...rows, newRow()])}
            >
              Add variation
            </button>
          )}
        </fieldset>
        <FieldError ref={errorRef} error={error} preLine />
      </form>
    </ConfirmDialog>
  );
}
