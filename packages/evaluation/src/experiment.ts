import type { Flag } from '@vexil/protocol';
import type { Reason } from './result.js';

/**
 * Whether a result counts as an experiment for analytics: full events and reasons are sent for
 * it (upstream: go-server-sdk-evaluation isExperiment, js-core isExperiment.ts).
 */
export function isExperiment(flag: Flag, reason: Reason): boolean {
  switch (reason.kind) {
    case 'FALLTHROUGH':
      return reason.inExperiment === true || flag.trackEventsFallthrough === true;
    case 'RULE_MATCH':
      return reason.inExperiment === true || flag.rules?.[reason.ruleIndex]?.trackEvents === true;
    default:
      return false;
  }
}
