import type { RandomSource } from './scheduler.js';

/**
 * Shuffles `items` in place (Fisher–Yates) and returns them: every order is equally likely,
 * which sorting with a random comparator does not give (its bias depends on the sort algorithm).
 */
export function shuffle<T>(items: T[], random: RandomSource): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
