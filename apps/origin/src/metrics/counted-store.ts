import { StoreError, type Store, type StoreErrorCode } from '@vexil/store';

/** Outcomes the API answers with 404 or 409: the store worked. */
const EXPECTED = new Set<StoreErrorCode>(['VERSION_CONFLICT', 'ALREADY_EXISTS', 'NOT_FOUND']);

/**
 * The store, counting its failures by operation (the Store method's name; inside a transaction,
 * the transaction method's). An error thrown by a transaction's own work (an ApiError, say)
 * is not the store's; a failure to begin or commit counts as `transaction`.
 */
export function countStoreErrors(store: Store, count: (operation: string) => void): Store {
  /** Errors already counted, or thrown by transaction work: counted at most once, at the source. */
  const seen = new WeakSet<object>();
  const failed = (operation: string, e: unknown) => {
    if (typeof e === 'object' && e !== null) {
      if (seen.has(e)) return;
      seen.add(e);
    }
    if (!(e instanceof StoreError && EXPECTED.has(e.code))) count(operation);
  };
  const fromWork = (e: unknown) => {
    if (typeof e === 'object' && e !== null) seen.add(e);
    return e;
  };

  function counted<T extends object>(target: T, inTransaction: boolean): T {
    const wrappers = new Map<string, unknown>();
    return new Proxy(target, {
      get(t, prop) {
        const value: unknown = Reflect.get(t, prop);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        let wrapper = wrappers.get(prop);
        if (wrapper === undefined) {
          const method = value as (...args: unknown[]) => unknown;
          wrapper =
            prop === 'transaction' && !inTransaction
              ? (work: (tx: object) => Promise<unknown>) =>
                  call('transaction', () =>
                    method.call(t, (tx: object) =>
                      work(counted(tx, true)).catch((e: unknown) => {
                        throw fromWork(e);
                      }),
                    ),
                  )
              : (...args: unknown[]) => call(prop, () => method.apply(t, args));
          wrappers.set(prop, wrapper);
        }
        return wrapper;
      },
    });
  }

  function call(operation: string, run: () => unknown): unknown {
    let result: unknown;
    try {
      result = run();
    } catch (e) {
      failed(operation, e);
      throw e;
    }
    if (!(result instanceof Promise)) return result;
    return result.catch((e: unknown) => {
      failed(operation, e);
      throw e;
    });
  }

  return counted(store, false);
}
