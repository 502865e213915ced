import type { InsightCount, StoreReader } from '@vexil/store';

// Which reported insight counts the origin keeps: those of flags and variations that exist.
// Edges check this against their own state already; the origin checks again because an edge
// token is a credential like any other, and so an environment's insight rows per bucket stay
// bounded by its flags' variations, whoever reports. Counts for what was deleted meanwhile are
// dropped, not an error: they are statistics.
//
// Every edge reports every few seconds, each report naming the same flags, so a flag's number of
// variations is kept for a short while instead of read again for every report: a flag deleted or
// a variation removed in that window can still gather counts. Environments are read for every
// report: counts of a deleted one would break the batch's insert (its rows go with it).

const TTL_MS = 30_000;
/** Past this many remembered answers, all are forgotten (a burst of distinct flags). */
const MAX_ENTRIES = 100_000;

interface Remembered {
  readonly value: number;
  readonly until: number;
}

export class InsightCheck {
  /** By project and flag key: the flag's number of variations (0: no such flag). */
  private readonly variations = new Map<string, Remembered>();

  constructor(
    private readonly store: StoreReader,
    private readonly now: () => number,
  ) {}

  async known(counts: readonly InsightCount[]): Promise<InsightCount[]> {
    const t = this.now();
    const projects = new Map<string, string | undefined>();
    const kept: InsightCount[] = [];
    for (const c of counts) {
      if (!projects.has(c.environmentId))
        projects.set(
          c.environmentId,
          (await this.store.getEnvironmentById(c.environmentId))?.projectKey,
        );
      const projectKey = projects.get(c.environmentId);
      if (projectKey === undefined) continue;
      const n = await this.remember(`${projectKey}\n${c.flagKey}`, t, async () => {
        return (await this.store.getFlag(projectKey, c.flagKey))?.variations.length ?? 0;
      });
      if (n > 0 && (c.variation === null || c.variation < n)) kept.push(c);
    }
    return kept;
  }

  private async remember(key: string, t: number, read: () => Promise<number>): Promise<number> {
    const hit = this.variations.get(key);
    if (hit !== undefined && hit.until > t) return hit.value;
    if (this.variations.size >= MAX_ENTRIES) this.variations.clear();
    const value = await read();
    this.variations.set(key, { value, until: t + TTL_MS });
    return value;
  }
}
