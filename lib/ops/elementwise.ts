/** Ops of the elementwise group, re-exported from their primitive files. */
export { abs } from '../primitives/abs.js';
export { sign } from '../primitives/sign.js';
export { log1p } from '../primitives/log1p.js';
export { expm1 } from '../primitives/expm1.js';
export { tan } from '../primitives/tan.js';
export { sqrt } from '../primitives/sqrt.js';
export { rsqrt } from '../primitives/rsqrt.js';
export { square } from '../primitives/square.js';
export { pow } from '../primitives/pow.js';
export { maximum } from '../primitives/maximum.js';
export { minimum } from '../primitives/minimum.js';
export { clip } from '../primitives/clip.js';
export { relu } from '../primitives/relu.js';
export { sigmoid } from '../primitives/sigmoid.js';
export { softplus } from '../primitives/softplus.js';
export { erf } from '../primitives/erf.js';
export { where } from '../primitives/where.js';

// Comparisons: bool results, NoDiff.
export { equal } from '../primitives/equal.js';
export { notEqual } from '../primitives/notEqual.js';
export { less } from '../primitives/less.js';
export { lessEqual } from '../primitives/lessEqual.js';
export { greater } from '../primitives/greater.js';
export { greaterEqual } from '../primitives/greaterEqual.js';
export type { ComparisonOp } from '../core/comparisonSignature.js';
