import { useState } from 'react';
import type { PatchOp } from '../api/types.js';
import { ApiError } from '../api/client.js';

// One editing session of a document (a flag's targeting in one environment, a segment):
// the version it was loaded at, the draft, the patch between them, and the save steps:
// review -> save with If-Match -> done, or a 409 -> reload the latest and replay the edit.

export type SaveState =
  | { step: 'editing' }
  | { step: 'review' }
  | { step: 'saving' }
  /** 409 VERSION_MISMATCH: someone saved a newer version meanwhile. */
  | { step: 'conflict'; error: ApiError }
  | { step: 'failed'; error: unknown };

/** Whether a failed save is the optimistic-concurrency conflict that a reapply resolves. */
export function isVersionConflict(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 409 && e.code === 'VERSION_MISMATCH';
}

export interface Versioned<T> {
  readonly doc: T;
  readonly version: number;
}

export interface EditSessionOptions<T> {
  readonly loaded: Versioned<T>;
  patch(original: T, draft: T): PatchOp[];
  /** `comment`: why, for the audit log (optional). */
  save(ops: readonly PatchOp[], version: number, comment?: string): Promise<Versioned<T>>;
  loadLatest(): Promise<Versioned<T>>;
  reapply(original: T, draft: T, latest: T): { document: T; conflicts: readonly string[] };
  onSaved?(saved: Versioned<T>): void;
}

export interface EditSession<T> {
  readonly original: T;
  readonly draft: T;
  readonly ops: readonly PatchOp[];
  readonly state: SaveState;
  readonly overwrites: readonly string[];
  /**
   * A newer version someone saved while this draft was open (seen live, through `upstream`):
   * `reapply` merges it into the draft, `discard` takes it instead.
   */
  readonly behind: Versioned<T> | undefined;
  edit(draft: T): void;
  review(): void;
  save(comment?: string): void;
  close(): void;
  reapply(): void;
  discard(): void;
  /**
   * The document as the server has it now (a live update). Taken at once when there is no draft
   * or when it changed nothing this session edits (only its version moves); otherwise kept as
   * `behind` until the user merges or discards.
   */
  upstream(latest: Versioned<T>): void;
}

export function useEditSession<T>(options: EditSessionOptions<T>): EditSession<T> {
  const [base, setBase] = useState(options.loaded);
  const [draft, setDraft] = useState(options.loaded.doc);
  const [state, setState] = useState<SaveState>({ step: 'editing' });
  const [overwrites, setOverwrites] = useState<readonly string[]>([]);
  const [behind, setBehind] = useState<Versioned<T>>();
  const ops = options.patch(base.doc, draft);

  const restart = (loaded: Versioned<T>) => {
    setBase(loaded);
    setDraft(loaded.doc);
    setOverwrites([]);
    setBehind(undefined);
  };
  const fail = (error: unknown) =>
    setState(isVersionConflict(error) ? { step: 'conflict', error } : { step: 'failed', error });

  return {
    original: base.doc,
    draft,
    ops,
    state,
    overwrites,
    behind,
    edit: setDraft,
    review: () => setState({ step: 'review' }),
    close: () => setState({ step: 'editing' }),
    save(comment?: string) {
      setState({ step: 'saving' });
      options.save(ops, base.version, comment).then((saved) => {
        restart(saved);
        setState({ step: 'editing' });
        options.onSaved?.(saved);
      }, fail);
    },
    reapply() {
      options.loadLatest().then((latest) => {
        const { document, conflicts } = options.reapply(base.doc, draft, latest.doc);
        setBase(latest);
        setDraft(document);
        setOverwrites(conflicts);
        setBehind(undefined);
        setState({ step: 'review' });
      }, fail);
    },
    discard() {
      options.loadLatest().then((latest) => {
        restart(latest);
        setState({ step: 'editing' });
        options.onSaved?.(latest);
      }, fail);
    },
    upstream(latest) {
      // Its own save comes back this way too: by then the session is at that version.
      if (latest.version <= base.version || state.step === 'saving') return;
      if (options.patch(base.doc, latest.doc).length === 0) {
        setBase(latest);
        return;
      }
      if (ops.length === 0 && state.step === 'editing') restart(latest);
      else setBehind(latest);
    },
  };
}
