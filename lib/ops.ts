/** Every op, re-exported from its primitive file (or composite module). */
export { add } from './primitives/add.js';
export { sub } from './primitives/sub.js';
export { mul } from './primitives/mul.js';
export { div } from './primitives/div.js';
export { neg } from './primitives/neg.js';
export { exp } from './primitives/exp.js';
export { log } from './primitives/log.js';
export { sin } from './primitives/sin.js';
export { cos } from './primitives/cos.js';
export { tanh } from './primitives/tanh.js';
export { sum } from './primitives/sum.js';
export { reshape } from './primitives/reshape.js';
export { broadcastTo } from './primitives/broadcastTo.js';
export { transpose } from './primitives/transpose.js';
export { matmul } from './primitives/matmul.js';
export { cast } from './primitives/cast.js';
export { stopGradient } from './primitives/stopGradient.js';
export { slice } from './primitives/slice.js';
export { pad } from './primitives/pad.js';
export { concat } from './primitives/concat.js';
export * from './ops/elementwise.js';
export * from './ops/shape.js';
export * from './ops/linalg.js';
export * from './debug/index.js';
// General convolutions and window reductions (JAX's conv_general_dilated, conv_transpose, reduce_window; Flax's pools).
export { conv, convTranspose, type ConvOptions, type ConvTransposeOptions } from './composite/conv.js';
export { reduceWindow, maxPool, avgPool, type ReduceWindowOptions, type PoolOptions, type WindowedShape } from './composite/pool.js';
export type { WindowPadding } from './composite/windows.js';
