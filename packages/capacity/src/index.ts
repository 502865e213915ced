export { calibrate, type Calibration } from './calibration.js';
export {
  DEFAULT_FLEET,
  edgeCapacity,
  environmentsHeld,
  projectFleet,
  type Bound,
  type FleetInput,
  type FleetPlan,
  type Limit,
  type NodeSpec,
} from './fleet.js';
export * from './measured.js';
export { planText, replayTable } from './report.js';
export {
  fanoutLatencyMs,
  replay,
  replayError,
  sharedMessageUs,
  TOLERANCE,
  type ReplayRow,
} from './replay.js';
export { lineChart, type Chart, type Series } from './svg.js';
