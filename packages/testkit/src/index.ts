export {
  allPairs,
  DEFAULT_SIZES,
  generateDataSet,
  samplePairs,
  type DataSet,
  type DataSetSizes,
  type EvalPair,
} from './ld-data/data-set.js';
export { generateContexts, type ContextSet } from './ld-data/contexts.js';
export { generateFlags } from './ld-data/flags.js';
export { createRandom, type Random } from './ld-data/random.js';
export { generateSegments } from './ld-data/segments.js';
export { serviceSkip, services } from './services.js';
