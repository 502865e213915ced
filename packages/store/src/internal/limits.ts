/** Audit pages: 100 entries unless asked, never more than 1000 (one request, one bounded read). */
export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 1000;

export function auditLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return AUDIT_DEFAULT_LIMIT;
  return Math.min(AUDIT_MAX_LIMIT, Math.max(0, Math.floor(limit)));
}

/** A negative or fractional limit means "none" / its floor in every implementation alike. */
export function changeLimit(limit: number): number {
  if (!Number.isFinite(limit)) return limit > 0 ? Number.MAX_SAFE_INTEGER : 0;
  return Math.max(0, Math.floor(limit));
}

/** Directory mark pages: at least one mark, so a caller always makes progress, at most 10,000. */
const DIRECTORY_MARKS_MAX_LIMIT = 10_000;

export function directoryMarkLimit(limit: number): number {
  if (!Number.isFinite(limit)) return limit > 0 ? DIRECTORY_MARKS_MAX_LIMIT : 1;
  return Math.min(DIRECTORY_MARKS_MAX_LIMIT, Math.max(1, Math.floor(limit)));
}
