export { serviceSkip, services } from './services.js';
