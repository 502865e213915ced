import { jsonCopy } from '../internal/json-copy.js';
import { directoryMarkLimit } from '../internal/limits.js';
import { Mutex } from '../internal/mutex.js';
import type { DirectoryMark } from '../records.js';
import type { Store, StoreTransaction } from '../store.js';
import { MemoryReader } from './memory-reader.js';
import { Draft, emptyTables, type Tables } from './memory-tables.js';
import { MemoryTransaction } from './memory-transaction.js';

export interface MemoryStoreOptions {
  /** Clock for `committedAt`; tests pass a fake one. */
  now?: () => number;
}

/**
 * A Store held in process memory, for tests and demos; nothing survives the process. Reads
 * outside transactions see the last committed state only.
 */
export function openMemoryStore(options: MemoryStoreOptions = {}): Promise<Store> {
  return Promise.resolve(new MemoryStore({ committed: emptyTables() }, options.now ?? Date.now));
}

class MemoryStore extends MemoryReader implements Store {
  readonly kind = 'memory';
  private readonly writers = new Mutex();

  constructor(
    private readonly state: { committed: Tables },
    private readonly now: () => number,
  ) {
    super(() => state.committed);
  }

  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.writers.run(async () => {
      const draft = new Draft(this.state.committed);
      try {
        const result = await work(new MemoryTransaction(draft, this.now));
        this.state.committed = draft.finish();
        return result;
      } finally {
        draft.finish();
      }
    });
  }

  async listDirectoryMarks(limit: number): Promise<DirectoryMark[]> {
    return jsonCopy(this.view().directoryMarks.slice(0, directoryMarkLimit(limit)));
  }

  deleteDirectoryMarks(ids: readonly number[]): Promise<void> {
    const handled = new Set(ids);
    // Among the writers: a running transaction's commit replaces the committed tables with its
    // draft, which would bring back marks deleted in the meantime.
    return this.writers.run(async () => {
      const { committed } = this.state;
      const directoryMarks = committed.directoryMarks.filter((mark) => !handled.has(mark.id));
      this.state.committed = { ...committed, directoryMarks };
    });
  }

  async close(): Promise<void> {
    // Let a running transaction settle; there is nothing else to release.
    await this.writers.run(async () => undefined);
  }
}
