import { OTHER_FLAGS } from './edge-metric-catalogue.js';

/** Counts one evaluation of a flag: its variation index, or undefined when it served none. */
export type CountEvaluation = (flagKey: string, variation: number | undefined) => void;

/**
 * Evaluation counts by flag and variation, with a bound on label cardinality: the first `limit`
 * distinct flag keys get their own label, later ones are counted together as `_other` (a flag
 * keeps its label until the process restarts). Counting is a map lookup and an array increment,
 * since client streams evaluate per connection; the counter is built from this at scrape time.
 */
export class EvaluationCounts {
  /** flag key -> counts by variation index + 1 (index 0: no variation). */
  private readonly byFlag = new Map<string, number[]>();
  private readonly other: number[] = [];

  constructor(private readonly limit: number) {}

  readonly count: CountEvaluation = (flagKey, variation) => {
    let row = this.byFlag.get(flagKey);
    if (row === undefined) row = this.row(flagKey);
    const i = variation === undefined ? 0 : variation + 1;
    row[i] = (row[i] ?? 0) + 1;
  };

  private row(flagKey: string): number[] {
    if (this.byFlag.size >= this.limit) return this.other;
    const row: number[] = [];
    this.byFlag.set(flagKey, row);
    return row;
  }

  /** Every non-zero count with its labels. */
  *entries(): Generator<{ flag: string; variation: string; count: number }> {
    const rows: [string, number[]][] = [...this.byFlag, [OTHER_FLAGS, this.other]];
    for (const [flag, row] of rows) {
      for (let i = 0; i < row.length; i++) {
        const count = row[i];
        if (count !== undefined && count > 0)
          yield { flag, variation: i === 0 ? 'none' : String(i - 1), count };
      }
    }
  }
}
