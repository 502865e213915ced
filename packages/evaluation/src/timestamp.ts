import type { JsonValue } from '@vexil/protocol';

// Timestamps for `before`/`after` (docs/evaluation.md, "Operators"; upstream:
// go-server-sdk-evaluation ldmodel/parse_time.go): a JSON number is Unix milliseconds; a string
// must be RFC 3339 with a time and a zone (`Z` or `+hh:mm`); anything else never matches.
// Go requires the zone's minutes, where JavaScript's Date.parse would accept "-07": we follow Go.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

// Context values are compared against many clauses and flags: remember recent parses.
const MAX_CACHED = 4096;
const cache = new Map<string, number | undefined>();

/** Unix milliseconds (with sub-millisecond fraction), or undefined when not a timestamp. */
export function toTimestamp(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  if (cache.has(value)) return cache.get(value);
  const parsed = parseRfc3339(value);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(value, parsed);
  return parsed;
}

function parseRfc3339(value: string): number | undefined {
  const m = RFC3339.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(
    Number,
  ) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0-99 to 1900-1999.
  if (year < 100) ms = new Date(ms).setUTCFullYear(year);
  if (m[7] !== undefined) ms += Number(`0.${m[7]}`) * 1000;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
    ms += m[9] === '+' ? -offset : offset;
  }
  return ms;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
