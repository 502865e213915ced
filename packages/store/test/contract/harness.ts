import { afterEach, beforeEach } from 'node:test';
import type { Store } from '@vexil/store';

/** What each implementation's test file gives the contract suite, fresh for every test. */
export interface StoreHarness {
  store: Store;
  /** Opens another Store on the same data (absent for the memory store). */
  reopen?: () => Promise<Store>;
  /** Closes everything the harness opened and deletes its data. */
  cleanup: () => Promise<void>;
}

export type OpenStore = () => Promise<StoreHarness>;

/** The current test's harness, opened before and cleaned up after each test of the suite. */
export interface StoreContext {
  readonly store: Store;
  readonly harness: StoreHarness;
}

export function useStore(open: OpenStore): StoreContext {
  let current: StoreHarness | undefined;
  beforeEach(async () => {
    current = await open();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  const harness = () => {
    if (current === undefined) throw new Error('no store outside a test');
    return current;
  };
  return {
    get store() {
      return harness().store;
    },
    get harness() {
      return harness();
    },
  };
}
