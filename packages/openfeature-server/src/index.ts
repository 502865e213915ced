export { VexilProviderError, type VexilProviderErrorCode } from './errors.js';
export { PROVIDER_DEFAULTS, type BootstrapData, type VexilProviderOptions } from './options.js';
export { VexilProvider } from './vexil-provider.js';
