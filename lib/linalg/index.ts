/**
 * `fx.linalg`: the linear-algebra namespace, named as `jax.numpy.linalg` /
 * `numpy.linalg` in camelCase. It holds the decompositions and the functions
 * built on them, and re-exports the solvers that are also top-level names
 * (`fx.solve`, `fx.cholesky`, `fx.inv`, `fx.det`, `fx.logdet`,
 * `fx.triangularSolve`).
 */
export { solve } from '../primitives/solve.js';
export { triangularSolve, type TriangularSolveOptions } from '../primitives/triangularSolve.js';
export { cholesky } from '../primitives/cholesky.js';
export { inv } from '../primitives/inv.js';
export { det } from '../primitives/det.js';
export { logdet } from '../primitives/logdet.js';
export { eigh, eigvalsh } from '../primitives/eigh.js';
export { svd, svdvals, type SvdOptions, type MinDim } from '../primitives/svd.js';
export { qr, type QrOptions } from '../primitives/qr.js';
export { lu, luFactor, luSolve, slogdet, norm, matrixPower, multiDot, pinv, lstsq, type NormOrd, type PinvOptions, type LstsqOptions } from './functions.js';
export { expm, expmFrechet } from '../primitives/expm.js';
