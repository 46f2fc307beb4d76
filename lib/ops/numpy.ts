/**
 * The NumPy/JAX surface (issue #19): ops named after `jnp.*` in camelCase,
 * composites of primitives unless noted. See docs/numpy-map.md.
 */
export { atan } from '../primitives/atan.js';
export { asin } from '../primitives/asin.js';
export { atan2 } from '../primitives/atan2.js';
export { sinh } from '../primitives/sinh.js';
export { cosh } from '../primitives/cosh.js';
export {
  isnan, isinf, isfinite, floor, ceil, trunc, floorDivide, remainder, fmod,
  exp2, log2, log10, cbrt, logaddexp, logaddexp2, acos,
  all, any, variance, variance as var, std, type MomentOptions, cumprod, cumulativeSum,
} from '../composite/math.js';
export { flip, roll, split, tile, repeat, append, vstack, hstack, dstack, takeAlongAxis, meshgrid, tril, triu, diagonal, diag, trace, diff } from '../composite/arrays.js';
export { tensordot, matvec, vecmat, einsum } from '../composite/contract.js';
export {
  moveaxis, swapaxes, ravel, rot90, atleast1d, atleast2d, atleast3d, zerosLike, onesLike, fullLike,
  logicalAnd, logicalOr, logicalXor, logicalNot, round, hypot, copysign, heaviside, fmax, fmin, nanToNum,
  isclose, allclose, deg2rad, rad2deg, reciprocal, cross, kron, inner, average, ptp, countNonzero,
  nansum, nanmean, type NanToNumOptions, type CloseOptions,
  asinh, acosh, atanh, nanmax, nanmin, vdot, arraySplit, columnStack,
} from '../composite/extras.js';
export { searchsorted, digitize, interp, bincount, cov, corrcoef, tri, logspace, geomspace, signbit, select, hsplit, vsplit, type InterpOptions } from '../composite/search.js';
export {
  sinc, nanvar, nanstd, nanprod, nancumsum, nancumprod, nanargmax, nanargmin,
  quantile, percentile, median, nanquantile, nanpercentile, nanmedian, type QuantileMethod, type QuantileOptions,
  histogram, histogramBinEdges, histogram2d, type Bins, type HistogramOptions, trapezoid, polyval, flipud, fliplr, dsplit,
} from '../composite/numpyStats.js';
export {
  unravelIndex, ravelMultiIndex, choose, piecewise, gcd, lcm, divmod, modf, isposinf, isneginf, cumulativeProd,
  vander, hanning, hamming, blackman, bartlett, type IndexMode,
  convolve, correlate, type ConvolveMode, i0, kaiser,
  nonzero, flatnonzero, argwhere, unique, type SizeOptions,
} from '../composite/numpyMore.js';
