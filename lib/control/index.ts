/** Control flow usable under every transformation, including `jit`. */
export { cond } from './cond.js';
export { whileLoop } from './whileLoop.js';
export { fori, scan, type Unstacked } from './loops.js';
