export { bucketOf } from './bucket.js';
export { checkFlag, checkSegment, type Issue } from './check.js';
export { evaluate } from './evaluate.js';
export { isExperiment } from './experiment.js';
export type { BigSegmentMembership, Lookup } from './lookup.js';
export { compileRegex, regexError } from './regex.js';
export {
  errorResult,
  type BigSegmentsStatus,
  type ErrorKind,
  type EvalResult,
  type Reason,
  type ReasonKind,
} from './result.js';
export { compareSemVer, parseSemVer, type SemVer } from './semver.js';
export { toTimestamp } from './timestamp.js';
