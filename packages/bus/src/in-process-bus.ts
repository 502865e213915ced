import type { Change, DirectoryRecord } from '@vexil/protocol';
import type { ChangeBus, SubscribeOptions, Subscription } from './change-bus.js';
import { BusError } from './errors.js';

export interface InProcessBusOptions {
  /** Changes retained per environment for replay (default 10,000). */
  readonly retainPerEnvironment?: number;
}

interface Topic {
  /** Retained changes in seq order (a bounded window). */
  history: Change[];
  last: number;
  listeners: Set<(change: Change) => void>;
}

/**
 * The bus of `vexil start`: one process, no network. Delivery is synchronous inside publish,
 * in seq order; a listener that throws does not affect the others or the publisher.
 */
export function createInProcessBus(options: InProcessBusOptions = {}): ChangeBus {
  const retain = options.retainPerEnvironment ?? 10_000;
  const topics = new Map<string, Topic>();
  const directory = new Map<string, DirectoryRecord>();
  const directoryListeners = new Set<(record: DirectoryRecord) => void>();
  const changeWatchers = new Set<(change: Change) => void>();
  let revision = 0;
  let closed = false;

  const topic = (environmentId: string): Topic => {
    let t = topics.get(environmentId);
    if (t === undefined) {
      t = { history: [], last: 0, listeners: new Set() };
      topics.set(environmentId, t);
    }
    return t;
  };

  /** Writes after close are refused as the NATS bus refuses them, so callers handle one error. */
  const ensureOpen = () => {
    if (closed) throw new BusError('CLOSED', 'the in-process bus is closed');
  };

  const writeDirectory = (record: DirectoryRecord) => {
    directory.set(record.key, record);
    for (const listener of directoryListeners) deliver(listener, record);
  };

  const deliver = <T>(listener: (value: T) => void, value: T) => {
    try {
      listener(value);
    } catch {
      // A subscriber's failure is its own; the bus keeps delivering to the others.
    }
  };

  return {
    kind: 'inprocess',
    get connected() {
      return !closed;
    },
    async publish(change) {
      ensureOpen();
      const t = topic(change.environmentId);
      if (change.seq <= t.last) return;
      t.last = change.seq;
      t.history.push(change);
      if (t.history.length > retain) t.history.splice(0, t.history.length - retain);
      for (const listener of t.listeners) deliver(listener, change);
      for (const watcher of changeWatchers) deliver(watcher, change);
    },
    async lastPublishedSeq(environmentId) {
      return topics.get(environmentId)?.last ?? 0;
    },
    async putDirectoryEntry(key, entry) {
      ensureOpen();
      writeDirectory({ key, entry: structuredClone(entry), revision: ++revision });
    },
    async deleteDirectoryEntry(key) {
      ensureOpen();
      if (directory.get(key)?.entry !== undefined) writeDirectory({ key, revision: ++revision });
    },
    async getDirectoryEntry(key) {
      return structuredClone(directory.get(key) ?? { key, revision: 0 });
    },
    subscribe(subscribeOptions: SubscribeOptions, onChange): Subscription {
      const t = topic(subscribeOptions.environmentId);
      let active = true;
      const listener = (change: Change) => {
        if (active) onChange(change);
      };
      // Replay and attach in one synchronous step: nothing can be published in between.
      queueMicrotask(() => {
        if (!active) return;
        const after = subscribeOptions.afterSeq;
        if (after !== undefined)
          for (const change of t.history) if (change.seq > after) deliver(listener, change);
        t.listeners.add(listener);
      });
      return {
        close() {
          active = false;
          t.listeners.delete(listener);
        },
      };
    },
    watchChanges(onChange): Subscription {
      const watcher = (change: Change) => onChange(change);
      changeWatchers.add(watcher);
      return { ready: Promise.resolve(), close: () => changeWatchers.delete(watcher) };
    },
    watchDirectory(onRecord): Subscription {
      const listener = (record: DirectoryRecord) => onRecord(structuredClone(record));
      directoryListeners.add(listener);
      return {
        ready: Promise.resolve(),
        close: () => directoryListeners.delete(listener),
      };
    },
    async close() {
      closed = true;
      for (const t of topics.values()) t.listeners.clear();
      directoryListeners.clear();
      changeWatchers.clear();
    },
  };
}
