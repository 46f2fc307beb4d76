/** Control flow usable under every transformation, including `jit`. */
export { cond } from './cond.js';
export { whileLoop, type WhileOptions } from './whileLoop.js';
export { fori, scan, binomialSchedule, type BinomialSchedule, type ScanOptions, type Unstacked } from './loops.js';
export type { LoopCheckpoint } from './loopReport.js';
