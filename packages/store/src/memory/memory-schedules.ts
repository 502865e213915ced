import { compareStrings } from '../internal/compare-strings.js';
import { notFound } from '../internal/errors.js';
import { jsonCopy } from '../internal/json-copy.js';
import type { ScheduleQuery, ScheduleRecord } from '../schedule-records.js';
import type { Tables } from './memory-tables.js';

// Scheduled changes in the memory store. Its transactions run one at a time: reading is locking.

const byRunAt = (a: ScheduleRecord, b: ScheduleRecord) =>
  a.runAt - b.runAt || compareStrings(a.id, b.id);

export function listSchedules(tables: Tables, query: ScheduleQuery): ScheduleRecord[] {
  const found = [...tables.schedules.values()].filter(
    (s) =>
      s.projectKey === query.projectKey &&
      (query.flagKey === undefined || s.flagKey === query.flagKey) &&
      (query.status === undefined || s.status === query.status),
  );
  return jsonCopy(found.sort(byRunAt));
}

export function getSchedule(
  tables: Tables,
  projectKey: string,
  id: string,
): ScheduleRecord | undefined {
  const found = tables.schedules.get(id);
  return found === undefined || found.projectKey !== projectKey ? undefined : jsonCopy(found);
}

export function putSchedule(
  tables: Tables,
  writable: () => Map<string, ScheduleRecord>,
  schedule: ScheduleRecord,
): void {
  if (!tables.projects.has(schedule.projectKey)) throw notFound(`project "${schedule.projectKey}"`);
  writable().set(schedule.id, jsonCopy(schedule));
}

export function dueSchedules(tables: Tables, dueBy: number, limit: number): ScheduleRecord[] {
  const due = [...tables.schedules.values()].filter(
    (s) => s.status === 'pending' && s.runAt <= dueBy,
  );
  return jsonCopy(due.sort(byRunAt).slice(0, Math.max(0, limit)));
}
