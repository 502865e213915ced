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
  save(ops: readonly PatchOp[], version: number): Promise<Versioned<T>>;
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
  edit(draft: T): void;
  review(): void;
  save(): void;
  close(): void;
  reapply(): void;
  discard(): void;
}

export function useEditSession<T>(options: EditSessionOptions<T>): EditSession<T> {
  const [base, setBase] = useState(options.loaded);
  const [draft, setDraft] = useState(options.loaded.doc);
  const [state, setState] = useState<SaveState>({ step: 'editing' });
  const [overwrites, setOverwrites] = useState<readonly string[]>([]);
  const ops = options.patch(base.doc, draft);

  const restart = (loaded: Versioned<T>) => {
    setBase(loaded);
    setDraft(loaded.doc);
    setOverwrites([]);
  };
  const fail = (error: unknown) =>
    setState(isVersionConflict(error) ? { step: 'conflict', error } : { step: 'failed', error });

  return {
    original: base.doc,
    draft,
    ops,
    state,
    overwrites,
    edit: setDraft,
    review: () => setState({ step: 'review' }),
    close: () => setState({ step: 'editing' }),
    save() {
      setState({ step: 'saving' });
      options.save(ops, base.version).then((saved) => {
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
  };
}
