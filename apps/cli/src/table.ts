// Plain-text output for people: aligned tables for lists, aligned "label  value" blocks for
// single resources. Machine readers use --json instead, so nothing here is a stable format.

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  /** Cut longer values with an ellipsis (for free text such as descriptions). */
  readonly maxWidth?: number;
}

const GAP = '  ';

export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row), c.maxWidth)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => r[i]!.length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join(GAP)
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

export type Field = readonly [label: string, value: string | undefined];

/**
 * `label  value` lines with the values aligned (at least at `minWidth`, to line up several
 * blocks); fields whose value is undefined are left out.
 */
export function formatFields(fields: readonly Field[], minWidth = 0): string {
  const present = fields.filter((f): f is readonly [string, string] => f[1] !== undefined);
  const width = Math.max(minWidth, ...present.map(([label]) => label.length));
  return present.map(([label, value]) => `${label.padEnd(width)}${GAP}${value}`).join('\n') + '\n';
}

function cell(value: string, maxWidth: number | undefined): string {
  const flat = value.replace(/\s+/g, ' ');
  return maxWidth !== undefined && flat.length > maxWidth
    ? `${flat.slice(0, maxWidth - 1)}…`
    : flat;
}

/** Unix milliseconds as `2025-06-01 12:34:56Z` (UTC, second precision). */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** A JSON value, compactly, for variation values and the like. */
export function formatValue(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}
