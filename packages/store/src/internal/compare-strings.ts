/** Code-unit order, matching the SQL stores' binary ("C") collation of keys for ASCII keys. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
