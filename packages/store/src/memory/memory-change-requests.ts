import { changeRequestLimit } from '../change-requests.js';
import type { ChangeRequestQuery, ChangeRequestRecord } from '../change-requests.js';
import { compareStrings } from '../internal/compare-strings.js';
import { notFound } from '../internal/errors.js';
import { jsonCopy } from '../internal/json-copy.js';
import type { Tables } from './memory-tables.js';

// The memory store's change requests (approvals), by id.

export function listChangeRequests(
  tables: Tables,
  query: ChangeRequestQuery,
): ChangeRequestRecord[] {
  const found = [...tables.changeRequests.values()].filter(
    (r) =>
      r.projectKey === query.projectKey &&
      (query.flagKey === undefined || r.flagKey === query.flagKey) &&
      (query.status === undefined || r.status === query.status),
  );
  found.sort((a, b) => b.createdAt - a.createdAt || compareStrings(b.id, a.id));
  return jsonCopy(found.slice(0, changeRequestLimit(query.limit)));
}

export function getChangeRequest(tables: Tables, id: string): ChangeRequestRecord | undefined {
  const found = tables.changeRequests.get(id);
  return found === undefined ? undefined : jsonCopy(found);
}

export function putChangeRequest(
  tables: Tables,
  writable: () => Map<string, ChangeRequestRecord>,
  request: ChangeRequestRecord,
): void {
  if (!tables.projects.has(request.projectKey)) throw notFound(`project "${request.projectKey}"`);
  writable().set(request.id, jsonCopy(request));
}
