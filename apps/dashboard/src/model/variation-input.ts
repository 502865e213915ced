import type { JsonValue } from '../api/types.js';

// Creating a flag: its kind decides how variation values are typed in, and the key is made
// from the name until someone edits it.

export type FlagKind = 'boolean' | 'string' | 'number' | 'json';

export function parseVariationValue(
  kind: FlagKind,
  text: string,
): { ok: true; value: JsonValue } | { ok: false; error: string } {
  switch (kind) {
    case 'boolean':
      return text === 'true' || text === 'false'
        ? { ok: true, value: text === 'true' }
        : { ok: false, error: 'true or false' };
    case 'string':
      return { ok: true, value: text };
    case 'number': {
      const n = Number(text.trim());
      return text.trim() !== '' && Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, error: `"${text}" is not a number` };
    }
    case 'json':
      try {
        return { ok: true, value: JSON.parse(text) as JsonValue };
      } catch {
        return { ok: false, error: `"${text}" is not valid JSON` };
      }
  }
}

/** "New checkout flow!" -> "new-checkout-flow": a valid key (letters, digits, ".", "_", "-"). */
export function keyFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|-+$/g, '')
    .slice(0, 256);
}

export const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Tags typed as "a, b c": split on commas and spaces, without duplicates. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((t) => t !== ''))];
}
