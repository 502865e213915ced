import jsonPatch from 'fast-json-patch';
import type { AuditEntry, AuditQuery } from '@vexil/store';
import { ApiError } from '../http/api-error.js';
import type { Route } from '../http/router.js';
import { read, type ApiDeps } from './deps.js';
import { queryInteger, ref } from './schemas.js';

function withDiff(entry: AuditEntry) {
  const diffable = (v: unknown) => (typeof v === 'object' && v !== null ? v : {});
  return { ...entry, diff: jsonPatch.compare(diffable(entry.before), diffable(entry.after)) };
}

export function auditRoutes(deps: ApiDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/audit',
      summary: 'The audit log, newest first: who changed what, when, with a before/after diff',
      tag: 'audit',
      role: 'reader',
      query: {
        project: { type: 'string', description: 'project key' },
        environment: { type: 'string', description: 'environment key' },
        flag: { type: 'string', description: 'flag key' },
        segment: { type: 'string', description: 'segment key' },
        filter: { type: 'string', description: 'payload filter key' },
        from: queryInteger('Unix ms, inclusive'),
        to: queryInteger('Unix ms, exclusive'),
        before: queryInteger('only entries with a smaller id (paging: pass nextBefore)'),
        limit: queryInteger(
          'at most this many entries, 1 to 1000 (default 100)',
          '^[1-9][0-9]{0,14}$',
        ),
      },
      responses: { 200: { description: 'entries', schema: ref('AuditPage') } },
      handle: async ({ query }) => {
        const q: AuditQuery = { limit: Math.min(Number(query['limit'] ?? 100), 1000) };
        if (query['project'] !== undefined) q.projectKey = query['project'];
        if (query['environment'] !== undefined) q.environmentKey = query['environment'];
        const resources = (['flag', 'segment', 'filter'] as const).filter(
          (kind) => query[kind] !== undefined,
        );
        if (resources.length > 1) {
          throw new ApiError(
            'VALIDATION_FAILED',
            'filter by one of flag, segment or filter, not several: an entry is about one resource',
          );
        }
        const [resource] = resources;
        if (resource !== undefined) {
          q.resourceKind = resource;
          q.resourceKey = query[resource]!;
        }
        if (query['from'] !== undefined) q.from = Number(query['from']);
        if (query['to'] !== undefined) q.to = Number(query['to']);
        if (query['before'] !== undefined) q.before = Number(query['before']);
        const entries = await read(() => deps.store.listAudit(q));
        const last = entries[entries.length - 1];
        const page =
          entries.length === q.limit && last !== undefined ? { nextBefore: last.id } : {};
        return { body: { items: entries.map(withDiff), ...page } };
      },
    },
  ];
}
