import type { JsonObject } from '@vexil/protocol';
import type { FilterRecord, FlagRecord } from '@vexil/store';

// Payload filters live per project. The edges get each one as an item of every environment's
// change log (kind `filter`), already resolved to the flag keys it serves, so a change that
// moves a flag into or out of a filter is ordered with the flag changes around it, replays
// with them, and needs nothing but the item on the edge.

/** Whether the filter serves the flag: named by key, or carrying one of its tags; never archived. */
export function filterIncludes(filter: FilterRecord, flag: FlagRecord | undefined): boolean {
  if (flag === undefined || flag.archived) return false;
  return filter.flagKeys.includes(flag.key) || flag.tags.some((t) => filter.tags.includes(t));
}

/** The keys of the project's flags the filter serves, sorted. */
export function resolveFilter(filter: FilterRecord, flags: readonly FlagRecord[]): string[] {
  return flags
    .filter((f) => filterIncludes(filter, f))
    .map((f) => f.key)
    .sort();
}

/** The SDK-side item: `{key, version, flags}`; edges serve exactly these flag keys. */
export function sdkFilter(key: string, flags: readonly string[], version: number): JsonObject {
  return { key, version, flags: [...flags] };
}

/** The API's representation: the definition, and the flags it serves now. */
export function filterRepresentation(
  filter: FilterRecord,
  flags: readonly FlagRecord[],
): JsonObject {
  const { projectKey: _p, ...definition } = filter;
  return { ...definition, flags: resolveFilter(filter, flags) } as unknown as JsonObject;
}
