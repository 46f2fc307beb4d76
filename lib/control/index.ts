/** Control flow usable under every transformation, including `jit`. */
export { cond } from './cond.js';
export { whileLoop, type WhileOptions } from './whileLoop.js';
export { fori, scan, type ScanOptions, type Unstacked } from './loops.js';
