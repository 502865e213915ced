export { ensureAdminToken, newApiToken, seedDemoProject, type DemoProject } from './bootstrap.js';
export { ApiError, type ApiErrorCode } from './http/api-error.js';
export type { Actor } from './http/router.js';
export { silentLogger, type Logger } from '@vexil/protocol';
export {
  defaultInsightRetention,
  startInsightRetention,
  type InsightRetention,
} from './insight-retention.js';
export {
  startScheduleRunner,
  type ScheduleRunner,
  type ScheduleRunnerOptions,
} from './schedule-runner.js';
export { startPublisher, type ChangePublisher, type PublisherOptions } from './publisher.js';
export { createOrigin, SYSTEM_ACTOR, type Origin, type OriginOptions } from './origin.js';
export { ORIGIN_METRICS } from './metrics/origin-metric-catalogue.js';
export { EVENT_STREAM_DEFAULTS, type ChangeEvent, type EventStreamLimits } from './api/events.js';
