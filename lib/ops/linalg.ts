/** Ops of the linalg group, re-exported from their primitive files. */
export { solve } from '../primitives/solve.js';
export { triangularSolve, type TriangularSolveOptions } from '../primitives/triangularSolve.js';
export { cholesky } from '../primitives/cholesky.js';
export { inv } from '../primitives/inv.js';
export { det } from '../primitives/det.js';
export { logdet } from '../primitives/logdet.js';
export { sort, argsort } from '../primitives/sort.js';
export { topk, type TopkResult } from '../primitives/topk.js';
export { conv2d, type Conv2dPadding } from '../primitives/conv2d.js';
