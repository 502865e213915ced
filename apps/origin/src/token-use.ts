import type { Logger } from '@vexil/protocol';
import type { Store, TokenRecord } from '@vexil/store';

// When each API token was last used: `lastUsedAt`, listed by GET /api/v1/tokens so an admin can
// see which tokens are idle before revoking them. A request never waits for it: the write runs
// after authentication, at most once per token per `intervalMs` (a token in steady use costs
// one small write a minute, not one per request), and a failure to record is only logged.

export interface TokenUseRecorder {
  /** The token authenticated a request now. */
  used(token: TokenRecord): void;
  /** Resolves when no recording is in flight (tests, shutdown). */
  idle(): Promise<void>;
}

export interface TokenUseOptions {
  readonly store: Store;
  readonly now: () => number;
  readonly logger: Logger;
  /** Least time between two recordings of one token; default one minute. */
  readonly intervalMs?: number;
}

export function tokenUseRecorder(options: TokenUseOptions): TokenUseRecorder {
  const { store, now, logger } = options;
  const interval = options.intervalMs ?? 60_000;
  /** The last time recorded (or being recorded) per token id, by this origin. */
  const recorded = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();

  async function record(id: string, at: number): Promise<void> {
    await store.transaction(async (tx) => {
      // Read again, locked: a revocation committed meanwhile must not be written over.
      const token = await tx.getTokenForUpdate(id);
      if (token === undefined || token.revokedAt !== undefined) return;
      if ((token.lastUsedAt ?? 0) >= at) return;
      // The directory carries no use times: edges need not hear of this write.
      await tx.putToken({ ...token, lastUsedAt: at }, { directory: false });
    });
  }

  return {
    used(token) {
      const at = now();
      const last = Math.max(token.lastUsedAt ?? 0, recorded.get(token.id) ?? 0);
      if (at - last < interval && last !== 0) return;
      recorded.set(token.id, at);
      const pending = record(token.id, at).catch((e: unknown) => {
        recorded.delete(token.id);
        logger.warn({ err: e, tokenId: token.id }, 'could not record the use of an API token');
      });
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
