export { VexilWebProviderError, type VexilWebProviderErrorCode } from './errors.js';
export { STORED_CHARACTERS, STORED_CONTEXTS } from './flag-cache.js';
export {
  WEB_PROVIDER_DEFAULTS,
  type FlagStorage,
  type SecureModeHash,
  type VexilWebProviderOptions,
} from './options.js';
export { VexilWebProvider } from './provider.js';
