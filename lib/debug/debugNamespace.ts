/** `fx.debug`: switches for debugging modes. */
export { nans } from './nans.js';
