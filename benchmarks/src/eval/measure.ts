import { performance } from 'node:perf_hooks';
import type { RoundOutcome } from './rounds.js';

// Runs contenders in alternating rounds so that each sees the same machine conditions (thermal
// state, other load, GC pressure left by the previous round): warm-up rounds first, untimed, then
// timed rounds until the count is reached or the time budget runs out. The order flips every
// round (A B, B A, ...) so neither contender always runs right after the other.

export interface Contender {
  readonly name: string;
  round(): RoundOutcome | Promise<RoundOutcome>;
}

export interface MeasureOptions {
  readonly warmupRounds: number;
  readonly rounds: number;
  /** Timed rounds stop early once this has passed, after at least `minRounds`. */
  readonly budgetMs: number;
  readonly minRounds: number;
}

export interface Measurement {
  readonly name: string;
  /** Evaluations per second of each timed round, in order. */
  readonly perRound: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Checksums of every round, warm-up included: all equal when the rounds did the same work. */
  readonly checksums: readonly number[];
}

export async function measure(
  contenders: readonly Contender[],
  options: MeasureOptions,
): Promise<Measurement[]> {
  const perRound = contenders.map((): number[] => []);
  const checksums = contenders.map((): number[] => []);
  const started = performance.now();
  const total = options.warmupRounds + options.rounds;
  for (let round = 0; round < total; round++) {
    const timed = round >= options.warmupRounds;
    const timedSoFar = round - options.warmupRounds;
    if (timed && timedSoFar >= options.minRounds && performance.now() - started > options.budgetMs)
      break;
    const order = contenders.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const t0 = performance.now();
      const outcome = await contenders[i]!.round();
      const seconds = (performance.now() - t0) / 1000;
      checksums[i]!.push(outcome.checksum);
      if (timed) perRound[i]!.push(outcome.evaluations / seconds);
    }
  }
  return contenders.map((c, i) => {
    const rates = perRound[i]!;
    return {
      name: c.name,
      perRound: rates,
      median: median(rates),
      min: Math.min(...rates),
      max: Math.max(...rates),
      checksums: checksums[i]!,
    };
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
