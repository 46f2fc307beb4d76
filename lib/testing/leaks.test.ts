/**
 * The leak matrix: every public function of `fluxion` (and of `fx.nn`,
 * `fx.linalg`, `fx.optim`, `fx.random`, `fx.debug`), called eagerly outside any scope with
 * its result disposed, leaves `fx.memory()` as it was. The list of functions
 * is generated from the module's exports: a new export without an entry in
 * `SAMPLES` (or a commented reason in `EXCLUDED`) fails the first test, so no
 * op can skip the check. Then every transformation with a throwing body,
 * every transformation and control-flow op on a body that makes tensors of its
 * own, and long loops of each transformation on a small function (10,000
 * iterations; 1,000 on webgpu, where each op is a GPU dispatch).
 */
import { beforeAll, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend } from './backends.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = fx.Tensor<any, any>;
type Call = () => unknown;

/** Frees a result: tensors, pullbacks and linear maps (anything with `dispose`), nested arrays and objects. */
function release(x: unknown, seen = new Set<unknown>()): void {
  if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return;
  if (seen.has(x)) return;
  seen.add(x);
  if (x instanceof fx.Tensor) return x.dispose();
  if (typeof (x as { dispose?: unknown }).dispose === 'function') (x as { dispose(): void }).dispose();
  if (typeof x === 'function') return;
  if (Array.isArray(x)) return x.forEach((v) => release(v, seen));
  if (Object.getPrototypeOf(x) === Object.prototype) Object.values(x).forEach((v) => release(v, seen));
}

/** Inputs the samples share, made once per backend (they are not part of what is measured). */
interface Inputs {
  v: Any; // [4] float32, positive
  w: Any; // [4] float32
  m: Any; // [3, 3] float32, symmetric positive definite
  r: Any; // [3, 2] float32
  s: Any; // [] float32
  i: Any; // [2] int32 indices
  b: Any; // [4] bool
  img: Any; // [1, 4, 4, 1] NHWC
  filt: Any; // [2, 2, 1, 1]
  one: Any; // [] float32 1
  yes: Any; // [] bool true
  z12: Any; // [1, 2] zeros
  labels: Any; // [3] int32 class indices
  ones4: Any; // [4] ones
  ones22: Any; // [2, 2] ones
  ones33: Any; // [3, 3] ones
  z2: Any; // [2] zeros
  p4: Any; // [4] probabilities
  f4: Any; // [4] float32, fractional, mixed signs
  g4: Any; // [4] float32, all > 1
  n4: Any; // [4] float32 with NaN and ±Infinity
  c3: Any; // [3] float32
  i32: Any; // [3, 2] int32 indices along axis 1
  q3: Any; // [3, 1, 2] attention query/key/value [T, N, H]
  bn: { scale: Any; bias: Any }; // [2] per-channel (the last axis of r)
  stats: { mean: Any; var: Any }; // [2] running batch statistics
  dense: { w: Any; b: Any };
  conv: { w: Any; b: Any };
  norm: { gamma: Any; beta: Any };
}

function makeInputs(): Inputs {
  return {
    v: fx.tensor([0.5, 1, 1.5, 2]),
    w: fx.tensor([1, -2, 3, -4]),
    m: fx.tensor([[4, 1, 0], [1, 3, 1], [0, 1, 2]]),
    r: fx.tensor([[1, 2], [3, 4], [5, 6]]),
    s: fx.scalar(0.7),
    i: fx.tensor([2, 0], 'int32'),
    b: fx.tensor([1, 0, 1, 0], 'bool'),
    img: fx.tensor([[[[1], [2], [3], [4]], [[5], [6], [7], [8]], [[9], [10], [11], [12]], [[13], [14], [15], [16]]]]),
    filt: fx.tensor([[[[1]], [[0]]], [[[0]], [[-1]]]]),
    one: fx.scalar(1),
    yes: fx.scalar(1, 'bool'),
    z12: fx.zeros([1, 2]),
    labels: fx.tensor([1, 0, 1], 'int32'),
    ones4: fx.ones([4]),
    ones22: fx.ones([2, 2]),
    ones33: fx.ones([3, 3]),
    z2: fx.zeros([2]),
    p4: fx.tensor([0.1, 0.5, 0.7, 0.9]),
    f4: fx.tensor([-1.5, 0.3, 2.7, -0.6]),
    g4: fx.tensor([1.5, 2, 3, 4]),
    n4: fx.tensor([1, NaN, -Infinity, Infinity]),
    c3: fx.tensor([1, 2, 3]),
    i32: fx.tensor([[1, 0], [0, 1], [1, 1]], 'int32'),
    q3: fx.tensor([[[0.1, 0.2]], [[0.3, -0.4]], [[-0.5, 0.6]]]),
    bn: { scale: fx.tensor([1, 2]), bias: fx.tensor([0, 0.5]) },
    stats: { mean: fx.zeros([2]), var: fx.ones([2]) },
    dense: { w: fx.ones([2, 3]), b: fx.zeros([3]) },
    conv: { w: fx.tensor([[[[1]], [[0]]], [[[0]], [[-1]]]]), b: fx.zeros([1]) },
    norm: fx.nn.layerNormInit(2) as any,
  };
}

// The samples call through an untyped view: they exercise runtime behaviour, the types are tested elsewhere.
const u: any = fx;

const sq = (x: Any) => u.sum(u.mul(x, x));

/**
 * One eager call per public function of `fluxion`. To add an export: give it
 * an entry here that calls it once with small arguments (or add it to
 * `EXCLUDED` with a reason if it makes no tensors).
 */
const SAMPLES: Record<string, (t: Inputs) => unknown> = {
  // creation
  tensor: () => u.tensor([1, 2]),
  zeros: () => u.zeros([2, 2]),
  ones: () => u.ones([3]),
  full: () => u.full([2], 3),
  scalar: () => u.scalar(2),
  arange: () => u.arange(5),
  linspace: () => u.linspace(0, 1, 5),
  eye: () => u.eye(3),
  // elementwise, with a JS number operand where the op takes one
  add: ({ v }) => u.add(v, 2),
  sub: ({ v }) => u.sub(3, v),
  mul: ({ v }) => u.mul(v, 2),
  div: ({ v }) => u.div(v, 2),
  pow: ({ v }) => u.pow(v, 2),
  maximum: ({ v }) => u.maximum(v, 1),
  minimum: ({ v, w }) => u.minimum(v, w),
  neg: ({ v }) => u.neg(v),
  exp: ({ v }) => u.exp(v),
  expm1: ({ v }) => u.expm1(v),
  log: ({ v }) => u.log(v),
  log1p: ({ v }) => u.log1p(v),
  sin: ({ v }) => u.sin(v),
  cos: ({ v }) => u.cos(v),
  tan: ({ v }) => u.tan(v),
  tanh: ({ v }) => u.tanh(v),
  sigmoid: ({ v }) => u.sigmoid(v),
  softplus: ({ v }) => u.softplus(v),
  relu: ({ w }) => u.relu(w),
  abs: ({ w }) => u.abs(w),
  sign: ({ w }) => u.sign(w),
  sqrt: ({ v }) => u.sqrt(v),
  rsqrt: ({ v }) => u.rsqrt(v),
  square: ({ v }) => u.square(v),
  erf: ({ v }) => u.erf(v),
  clip: ({ w }) => u.clip(w, -1, 1),
  where: ({ b, v }) => u.where(b, v, 0),
  cast: ({ v }) => u.cast(v, 'int32'),
  stopGradient: ({ v }) => u.stopGradient(v),
  // comparisons
  equal: ({ v }) => u.equal(v, 1),
  notEqual: ({ v, w }) => u.notEqual(v, w),
  greater: ({ v }) => u.greater(v, 1),
  greaterEqual: ({ v }) => u.greaterEqual(v, 1),
  less: ({ v }) => u.less(v, 1),
  lessEqual: ({ v }) => u.lessEqual(v, 1),
  // reductions and composites
  sum: ({ r }) => u.sum(r, 0),
  mean: ({ v }) => u.mean(v),
  max: ({ r }) => u.max(r, 1),
  min: ({ r }) => u.min(r),
  prod: ({ v }) => u.prod(v),
  argmax: ({ w }) => u.argmax(w),
  argmin: ({ w }) => u.argmin(w),
  cumsum: ({ v }) => u.cumsum(v),
  softmax: ({ v }) => u.softmax(v),
  logSoftmax: ({ v }) => u.logSoftmax(v),
  logsumexp: ({ v }) => u.logsumexp(v),
  sort: ({ w }) => u.sort(w),
  argsort: ({ w }) => u.argsort(w),
  topk: ({ w }) => u.topk(w, 2),
  // shape and indexing
  reshape: ({ r }) => u.reshape(r, [2, 3]),
  broadcastTo: ({ v }) => u.broadcastTo(v, [2, 4]),
  transpose: ({ r }) => u.transpose(r),
  expandDims: ({ v }) => u.expandDims(v, 0),
  squeeze: ({ z12 }) => u.squeeze(z12),
  slice: ({ r }) => u.slice(r, [1, 0], [2, 2]),
  pad: ({ v }) => u.pad(v, [[1, 1]]),
  concat: ({ v, w }) => u.concat([v, w]),
  stack: ({ v, w }) => u.stack([v, w]),
  take: ({ r, i }) => u.take(r, i),
  gather: ({ r }) => u.gather(r, 1),
  scatterAdd: ({ r, i, ones22 }) => u.scatterAdd(r, i, ones22),
  oneHot: ({ i }) => u.oneHot(i, 3),
  at: ({ v }) => u.at(v, 0).set(1),
  // linear algebra
  matmul: ({ m, r }) => u.matmul(m, r),
  dot: ({ v, w }) => u.dot(v, w),
  outer: ({ v, w }) => u.outer(v, w),
  conv2d: ({ img, filt }) => u.conv2d(img, filt, 1, 'same'),
  solve: ({ m, r }) => u.solve(m, r),
  triangularSolve: ({ m, r }) => u.triangularSolve(m, r),
  cholesky: ({ m }) => u.cholesky(m),
  inv: ({ m }) => u.inv(m),
  det: ({ m }) => u.det(m),
  logdet: ({ m }) => u.logdet(m),
  // control flow
  cond: ({ s, yes }) => u.cond(yes, (x: Any) => u.mul(x, 2), (x: Any) => u.neg(x), s),
  fori: ({ s }) => u.fori(0, 10, (_i: number, c: Any) => u.add(c, 1), s),
  scan: ({ r, z2 }) => u.scan((c: Any, x: Any) => [u.add(c, x), u.mul(x, 2)], z2, r),
  whileLoop: ({ s }) => u.whileLoop((c: Any) => u.less(c, 10), (c: Any) => u.add(u.mul(c, 2), 1), s),
  // solvers
  fixedPoint: ({ s }) => u.fixedPoint((x: Any, p: Any) => u.mul(u.cos(x), p), s, s),
  root: ({ s }) => u.root((x: Any, p: Any) => u.sub(u.mul(x, x), p), s, s),
  odeint: ({ s }) => u.odeint((y: Any, _t: Any, k: Any) => u.mul(u.neg(k), y), s, [0, 0.5, 1], s),
  // transformations (applied to a small function, called once)
  grad: ({ v }) => u.grad(sq)(v),
  valueAndGrad: ({ v }) => u.valueAndGrad(sq)(v),
  vjp: ({ v }) => u.vjp((x: Any) => u.sin(x), v),
  jvp: ({ v, w }) => u.jvp((x: Any) => u.sin(x), [v], [w]),
  linearize: ({ v }) => u.linearize((x: Any) => u.sin(x), v),
  jacfwd: ({ v }) => u.jacfwd((x: Any) => u.sin(x))(v),
  jacrev: ({ v }) => u.jacrev((x: Any) => u.sin(x))(v),
  hessian: ({ v }) => u.hessian(sq)(v),
  vmap: ({ r }) => u.vmap((x: Any) => u.sum(u.mul(x, 2)))(r),
  jit: ({ v }) => {
    const f = u.jit((x: Any) => u.add(u.mul(x, 2), 1));
    const out = f(v);
    f.clear();
    return out;
  },
  checkpoint: ({ v }) => u.grad(u.checkpoint((x: Any) => u.sum(u.sin(x))))(v),
  customJvp: ({ v }) => u.grad(u.customJvp((x: Any) => u.sum(u.exp(x)), ([x]: Any[], [t]: Any[]) => [u.sum(u.exp(x)), u.sum(u.mul(t, u.exp(x)))]) as any)(v),
  customVjp: ({ v, ones4 }) => u.grad(u.customVjp((x: Any) => u.sum(x), (x: Any) => [u.sum(x), null], (_res: null, g: Any) => [u.mul(ones4, g)]) as any)(v),
  makeIR: ({ v }) => u.makeIR((x: Any) => u.add(x, 1))(v),
  exportOnnx: ({ v }) => u.exportOnnx(u.grad(sq), v),
  // debugging tools
  checkGrads: ({ v }) => u.checkGrads((x: Any) => u.sum(u.sin(x)), [v]),
  checkCustomRule: ({ v }) =>
    u.checkCustomRule(u.customJvp((x: Any) => u.sum(u.exp(x)), ([x]: Any[], [t]: Any[]) => [u.sum(u.exp(x)), u.sum(u.mul(t, u.exp(x)))]) as any, [v]),
  gradDiagnostics: ({ v }) => u.gradDiagnostics(sq)(v),
  memoryProfile: ({ v }) => u.memoryProfile(sq)(v),
  scope: ({ v }) => u.scope(() => u.mul(u.add(v, 1), 2)),
  // NumPy-style math (lib/composite/math.ts, extras.ts), with a JS number operand where the op takes one
  asin: ({ p4 }) => u.asin(p4),
  acos: ({ p4 }) => u.acos(p4),
  atan: ({ w }) => u.atan(w),
  atan2: ({ v, w }) => u.atan2(w, v),
  sinh: ({ w }) => u.sinh(w),
  cosh: ({ w }) => u.cosh(w),
  asinh: ({ w }) => u.asinh(w),
  acosh: ({ g4 }) => u.acosh(g4),
  atanh: ({ p4 }) => u.atanh(p4),
  floor: ({ f4 }) => u.floor(f4),
  ceil: ({ f4 }) => u.ceil(f4),
  trunc: ({ f4 }) => u.trunc(f4),
  round: ({ f4 }) => u.round(f4),
  floorDivide: ({ w }) => u.floorDivide(w, 3),
  remainder: ({ w }) => u.remainder(w, 3),
  fmod: ({ w }) => u.fmod(w, 3),
  exp2: ({ w }) => u.exp2(w),
  log2: ({ v }) => u.log2(v),
  log10: ({ v }) => u.log10(v),
  cbrt: ({ w }) => u.cbrt(w),
  logaddexp: ({ v, w }) => u.logaddexp(v, w),
  logaddexp2: ({ v }) => u.logaddexp2(v, 1),
  hypot: ({ v }) => u.hypot(v, 2),
  copysign: ({ v, w }) => u.copysign(v, w),
  heaviside: ({ w }) => u.heaviside(w, 0.5),
  fmax: ({ v }) => u.fmax(v, 1),
  fmin: ({ v, w }) => u.fmin(v, w),
  reciprocal: ({ v }) => u.reciprocal(v),
  deg2rad: ({ w }) => u.deg2rad(w),
  rad2deg: ({ w }) => u.rad2deg(w),
  signbit: ({ w }) => u.signbit(w),
  isnan: ({ w }) => u.isnan(w),
  isinf: ({ w }) => u.isinf(w),
  isfinite: ({ w }) => u.isfinite(w),
  nanToNum: ({ n4 }) => u.nanToNum(n4, { posinf: 9 }),
  isclose: ({ v, w }) => u.isclose(v, w),
  allclose: ({ v, w }) => u.allclose(v, w),
  logicalAnd: ({ b, w }) => u.logicalAnd(b, w),
  logicalOr: ({ b, w }) => u.logicalOr(b, w),
  logicalXor: ({ b, w }) => u.logicalXor(b, w),
  logicalNot: ({ b }) => u.logicalNot(b),
  // NumPy-style reductions and statistics
  all: ({ b }) => u.all(b),
  any: ({ r }) => u.any(r, 1),
  variance: ({ r }) => u.variance(r, 0),
  var: ({ r }) => u.var(r, 0),
  std: ({ r }) => u.std(r),
  average: ({ v, w }) => u.average(w, 0, v),
  ptp: ({ r }) => u.ptp(r, 1),
  countNonzero: ({ w }) => u.countNonzero(w),
  nansum: ({ n4 }) => u.nansum(n4),
  nanmean: ({ n4 }) => u.nanmean(n4),
  nanmax: ({ n4 }) => u.nanmax(n4),
  nanmin: ({ n4 }) => u.nanmin(n4),
  median: ({ w }) => u.median(w),
  quantile: ({ r }) => u.quantile(r, [0.3, 0.6], 0, true, { method: 'nearest' }),
  percentile: ({ w }) => u.percentile(w, 30),
  // numpyStats.ts (branch numpy)
  sinc: ({ f4 }) => u.sinc(f4),
  nanvar: ({ n4 }) => u.nanvar(n4, 0, false, { ddof: 1 }),
  nanstd: ({ n4 }) => u.nanstd(n4),
  nanprod: ({ n4 }) => u.nanprod(n4),
  nancumsum: ({ n4 }) => u.nancumsum(n4),
  nancumprod: ({ n4 }) => u.nancumprod(n4, 0),
  nanargmax: ({ n4 }) => u.nanargmax(n4),
  nanargmin: ({ n4 }) => u.nanargmin(n4, 0, true),
  nanquantile: ({ n4 }) => u.nanquantile(n4, [0.2, 0.7], 0, false, { method: 'midpoint' }),
  nanpercentile: ({ n4 }) => u.nanpercentile(n4, 40),
  nanmedian: ({ n4 }) => u.nanmedian(n4),
  histogram: ({ w, v }) => u.histogram(w, 3, { weights: v, density: true }),
  histogramBinEdges: ({ w }) => u.histogramBinEdges(w, 4),
  histogram2d: ({ w, f4 }) => u.histogram2d(w, f4, [2, 3]),
  trapezoid: ({ r, c3 }) => u.trapezoid(r, c3, 1, 0),
  polyval: ({ c3, w }) => u.polyval(c3, w),
  flipud: ({ r }) => u.flipud(r),
  fliplr: ({ r }) => u.fliplr(r),
  dsplit: ({ q3 }) => u.dsplit(q3, 2),
  // numpyMore.ts (branch numpy)
  unravelIndex: ({ i }) => u.unravelIndex(i, [2, 2]),
  ravelMultiIndex: ({ i }) => u.ravelMultiIndex([i, i], [3, 3], 'wrap'),
  choose: ({ i, z2 }) => u.choose(i, [z2, z2], 'wrap'),
  piecewise: ({ w, b }) => u.piecewise(w, [b], [(x: Any) => u.neg(x), 1]),
  gcd: ({ i }) => u.gcd(i, i),
  lcm: ({ i }) => u.lcm(i, i),
  divmod: ({ w }) => u.divmod(w, 3),
  modf: ({ n4 }) => u.modf(n4),
  isposinf: ({ n4 }) => u.isposinf(n4),
  isneginf: ({ n4 }) => u.isneginf(n4),
  cumulativeProd: ({ r }) => u.cumulativeProd(r, 1, true),
  vander: ({ c3 }) => u.vander(c3, 4, true),
  hanning: () => u.hanning(5),
  hamming: () => u.hamming(5),
  blackman: () => u.blackman(5),
  bartlett: () => u.bartlett(5),
  convolve: ({ w, c3 }) => u.convolve(w, c3, 'same'),
  correlate: ({ w, c3 }) => u.correlate(c3, w, 'full'),
  i0: ({ g4 }) => u.i0(g4),
  kaiser: () => u.kaiser(6, 5),
  nonzero: ({ r }) => u.nonzero(r, { size: 4 }),
  flatnonzero: ({ w }) => u.flatnonzero(w, { size: 2, fillValue: -1 }),
  argwhere: ({ b }) => u.argwhere(b, { size: 3 }),
  unique: ({ n4 }) => u.unique(n4, { size: 5 }),
  cumprod: ({ r }) => u.cumprod(r, 1),
  cumulativeSum: ({ r }) => u.cumulativeSum(r, 0, true),
  diff: ({ w }) => u.diff(w, 2),
  cov: ({ r }) => u.cov(r),
  corrcoef: ({ m }) => u.corrcoef(m),
  // NumPy-style array manipulation
  zerosLike: ({ r }) => u.zerosLike(r),
  onesLike: ({ i }) => u.onesLike(i),
  fullLike: ({ v }) => u.fullLike(v, 3),
  tri: () => u.tri(3, 2, 1),
  logspace: () => u.logspace(0, 2, 3),
  geomspace: () => u.geomspace(1, 8, 4),
  flip: ({ r }) => u.flip(r, 0),
  roll: ({ w }) => u.roll(w, 1),
  rot90: ({ r }) => u.rot90(r),
  moveaxis: ({ r }) => u.moveaxis(r, 0, 1),
  swapaxes: ({ r }) => u.swapaxes(r, 0, 1),
  ravel: ({ r }) => u.ravel(r),
  atleast1d: ({ s }) => u.atleast1d(s),
  atleast2d: ({ v }) => u.atleast2d(v),
  atleast3d: ({ r }) => u.atleast3d(r),
  split: ({ w }) => u.split(w, 2),
  arraySplit: ({ w }) => u.arraySplit(w, 3),
  hsplit: ({ r }) => u.hsplit(r, 2),
  vsplit: ({ r }) => u.vsplit(r, [1]),
  tile: ({ v }) => u.tile(v, [2, 1]),
  repeat: ({ r }) => u.repeat(r, 2, 1),
  append: ({ v, w }) => u.append(v, w),
  vstack: ({ v, w }) => u.vstack([v, w]),
  hstack: ({ v, w }) => u.hstack([v, w]),
  dstack: ({ v, w }) => u.dstack([v, w]),
  columnStack: ({ v, w }) => u.columnStack([v, w]),
  takeAlongAxis: ({ r, i32 }) => u.takeAlongAxis(r, i32, 1),
  meshgrid: ({ v, c3 }) => u.meshgrid([v, c3]),
  tril: ({ m }) => u.tril(m),
  triu: ({ m }) => u.triu(m, 1),
  diagonal: ({ m }) => u.diagonal(m, 1),
  diag: ({ v }) => u.diag(v, -1),
  trace: ({ m }) => u.trace(m),
  select: ({ b, v, w }) => u.select([b, b], [v, w], -1),
  // searching and binning (lib/composite/search.ts)
  searchsorted: ({ v, w }) => u.searchsorted(v, w, 'right'),
  digitize: ({ v, w }) => u.digitize(w, v),
  interp: ({ v, w, p4 }) => u.interp(w, v, p4, { left: 0 }),
  bincount: ({ i, z2 }) => u.bincount(i, 4, z2),
  // contractions (lib/composite/contract.ts, extras.ts)
  einsum: ({ m, r }) => u.einsum('ij,jk->ik', m, r),
  tensordot: ({ m, r }) => u.tensordot(m, r, 1),
  matvec: ({ m, c3 }) => u.matvec(m, c3),
  vecmat: ({ c3, r }) => u.vecmat(c3, r),
  inner: ({ v, w }) => u.inner(v, w),
  vdot: ({ v, w }) => u.vdot(v, w),
  kron: ({ r, ones22 }) => u.kron(r, ones22),
  cross: ({ m, c3 }) => u.cross(m, c3),
  // convolution and pooling (lib/composite/conv.ts, pool.ts)
  conv: ({ img, filt }) => u.conv(img, filt, { padding: 'SAME', strides: [1, 2] }),
  convTranspose: ({ img, filt }) => u.convTranspose(img, filt, 2),
  reduceWindow: ({ w }) => u.reduceWindow(w, 'max', [2]),
  maxPool: ({ img }) => u.maxPool(img, [2, 2], { strides: 2 }),
  avgPool: ({ img }) => u.avgPool(img, [3, 3], { padding: 'SAME' }),
  // a transformation with auxiliary data
  vjpWithAux: ({ v }) => u.vjpWithAux((x: Any) => [u.sin(x), u.cos(x)], v),
};

/** Async public functions: awaited. */
const ASYNC_SAMPLES: Record<string, (t: Inputs) => Promise<unknown>> = {
  checkGradsAsync: ({ v }) => u.checkGradsAsync((x: Any) => u.sum(u.sin(x)), [v]),
  checkCustomRuleAsync: ({ v }) =>
    u.checkCustomRuleAsync(u.customJvp((x: Any) => u.sum(u.exp(x)), ([x]: Any[], [t]: Any[]) => [u.sum(u.exp(x)), u.sum(u.mul(t, u.exp(x)))]) as any, [v]),
};

/** Functions that make no tensors, with why they need no sample. */
const EXCLUDED: Record<string, string> = {
  memory: 'reads the counters this test uses',
  setBackend: 'switches the backend (the suites do that)',
  getBackend: 'returns a name',
  binomialSchedule: 'returns numbers (a loop schedule), makes no tensors',
  setDefaultJitTarget: 'changes the target of later jit calls (a setting), makes no tensors',
};

const NN: Record<string, (t: Inputs) => unknown> = {
  fans: () => u.nn.fans([3, 4]),
  uniform: () => u.nn.uniform(u.random.key(1), [3]),
  normal: () => u.nn.normal(u.random.key(1), [3]),
  glorotUniform: () => u.nn.glorotUniform(u.random.key(1), [3, 2]),
  glorotNormal: () => u.nn.glorotNormal(u.random.key(1), [3, 2]),
  heNormal: () => u.nn.heNormal(u.random.key(1), [3, 2]),
  heUniform: () => u.nn.heUniform(u.random.key(1), [3, 2]),
  xavierUniform: () => u.nn.xavierUniform(u.random.key(1), [3, 2]),
  xavierNormal: () => u.nn.xavierNormal(u.random.key(1), [3, 2]),
  denseInit: () => u.nn.denseInit(u.random.key(1), 3, 2),
  conv2dInit: () => u.nn.conv2dInit(u.random.key(1), [2, 2, 1, 3]),
  layerNormInit: () => u.nn.layerNormInit(4),
  mlpInit: () => u.nn.mlpInit(u.random.key(1), [4, 3, 2]),
  dense: ({ r, dense }) => u.nn.dense(dense as any, r),
  conv2d: ({ img, conv }) => u.nn.conv2d(conv as any, img),
  layerNorm: ({ r, norm }) => u.nn.layerNorm(norm as any, r),
  dropout: ({ v }) => u.nn.dropout(u.random.key(2), v, 0.5),
  mse: ({ v, w }) => u.nn.mse(v, w),
  softmaxCrossEntropy: ({ r, labels }) => u.nn.softmaxCrossEntropy(r as any, labels as any),
  sigmoidBinaryCrossEntropy: ({ w, p4 }) => u.nn.sigmoidBinaryCrossEntropy(w, p4),
  // activations (lib/nn/activations.ts)
  gelu: ({ w }) => u.nn.gelu(w),
  leakyRelu: ({ w }) => u.nn.leakyRelu(w, 0.1),
  elu: ({ w }) => u.nn.elu(w, 0.5),
  selu: ({ w }) => u.nn.selu(w),
  celu: ({ w }) => u.nn.celu(w, 2),
  silu: ({ w }) => u.nn.silu(w),
  swish: ({ w }) => u.nn.swish(w),
  softSign: ({ w }) => u.nn.softSign(w),
  log1mexp: ({ v }) => u.nn.log1mexp(v),
  relu6: ({ w }) => u.nn.relu6(w),
  hardTanh: ({ f4 }) => u.nn.hardTanh(f4),
  hardSigmoid: ({ w }) => u.nn.hardSigmoid(w),
  hardSilu: ({ w }) => u.nn.hardSilu(w),
  logSigmoid: ({ w }) => u.nn.logSigmoid(w),
  glu: ({ r }) => u.nn.glu(r),
  mish: ({ w }) => u.nn.mish(w),
  squareplus: ({ w }) => u.nn.squareplus(w),
  sparsePlus: ({ f4 }) => u.nn.sparsePlus(f4),
  sparseSigmoid: ({ f4 }) => u.nn.sparseSigmoid(f4),
  standardize: ({ r }) => u.nn.standardize(r),
  // normalization, attention, embedding (lib/nn/normalization.ts, attention.ts)
  rmsNorm: ({ r, bn }) => u.nn.rmsNorm({ scale: bn.scale }, r),
  groupNorm: ({ r, bn }) => u.nn.groupNorm(bn, r, 2),
  batchNorm: ({ r, bn, stats }) => u.nn.batchNorm(bn, r, stats, { training: true }),
  dotProductAttention: ({ q3 }) => u.nn.dotProductAttention(q3, q3, q3, { causal: true }),
  embedding: ({ r, i }) => u.nn.embedding(r, i),
};

/** `fx.linalg` (decompositions run in float64 on the host: on webgpu they throw a BackendError, and must not leak either). */
const LINALG: Record<string, (t: Inputs) => unknown> = {
  solve: ({ m, r }) => u.linalg.solve(m, r),
  triangularSolve: ({ m, r }) => u.linalg.triangularSolve(m, r),
  cholesky: ({ m }) => u.linalg.cholesky(m),
  inv: ({ m }) => u.linalg.inv(m),
  det: ({ m }) => u.linalg.det(m),
  logdet: ({ m }) => u.linalg.logdet(m),
  eigh: ({ m }) => u.linalg.eigh(m),
  eigvalsh: ({ m }) => u.linalg.eigvalsh(m),
  svd: ({ r }) => u.linalg.svd(r),
  svdvals: ({ r }) => u.linalg.svdvals(r),
  qr: ({ r }) => u.linalg.qr(r, { mode: 'complete' }),
  lu: ({ r }) => u.linalg.lu(r),
  luFactor: ({ m }) => u.linalg.luFactor(m),
  luSolve: ({ m, c3 }) => {
    const factor = u.linalg.luFactor(m);
    try {
      return u.linalg.luSolve(factor, c3);
    } finally {
      release(factor); // the sample's own input, not what is measured
    }
  },
  slogdet: ({ m }) => u.linalg.slogdet(m),
  norm: ({ m }) => u.linalg.norm(m, 'fro'),
  matrixPower: ({ m }) => u.linalg.matrixPower(m, -2),
  multiDot: ({ m, r }) => u.linalg.multiDot([m, m, r]),
  pinv: ({ r }) => u.linalg.pinv(r),
  lstsq: ({ r, c3 }) => u.linalg.lstsq(r, c3),
  expm: ({ m }) => u.linalg.expm(m),
  expmFrechet: ({ m, ones33 }) => u.linalg.expmFrechet(m, ones33),
};

const optimizerStep = (make: () => fx.optim.Optimizer<any>) => ({ v, w }: Inputs) => {
  const opt = make();
  const state = opt.init({ p: v });
  const [p, s2] = opt.update({ p: w }, state, { p: v });
  release(state);
  return [p, s2];
};

const OPTIM: Record<string, (t: Inputs) => unknown> = {
  sgd: optimizerStep(() => u.optim.sgd({ learningRate: 0.1 })),
  momentum: optimizerStep(() => u.optim.momentum({ learningRate: 0.1, momentum: 0.9 })),
  adam: optimizerStep(() => u.optim.adam({ learningRate: 0.1 })),
  adamw: optimizerStep(() => u.optim.adamw({ learningRate: 0.1, weightDecay: 0.01 })),
  globalNorm: ({ v, w }) => u.optim.globalNorm({ a: v, b: w }),
  clipByGlobalNorm: ({ v, w }) => u.optim.clipByGlobalNorm({ a: v, b: w }, 1),
  constant: ({ s }) => u.optim.constant(0.1)(s),
  exponentialDecay: ({ s }) => u.optim.exponentialDecay(0.1, 0.5, 10)(s),
  cosineDecay: ({ s }) => u.optim.cosineDecay(0.1, 10)(s),
  dispose: () => u.optim.dispose([u.ones([2]), { a: u.zeros([1]) }]), // frees what it is given: the two tensors made here
};

const RANDOM: Record<string, (t: Inputs) => unknown> = {
  key: () => u.random.key(3),
  split: () => u.random.split(u.random.key(3)),
  fold: () => u.random.fold(u.random.key(3), 1),
  bits: () => u.random.bits(u.random.key(3), 4),
  isKey: () => u.random.isKey(u.random.key(3)),
};

const DEBUG: Record<string, (t: Inputs) => unknown> = {
  nans: ({ v }) => {
    u.debug.nans(true);
    try {
      return u.exp(v);
    } finally {
      u.debug.nans(false);
    }
  },
};

/** The public functions of a namespace (error classes and other classes excluded: they make no tensors). */
function functionsOf(ns: object): string[] {
  return Object.entries(ns)
    .filter(([, v]) => typeof v === 'function' && !/^class\b/.test(Function.prototype.toString.call(v)) && !(v as { prototype?: unknown }).prototype?.constructor?.name?.match(/Error$/))
    .map(([k]) => k)
    .sort();
}

function missing(ns: object, table: object, where: string, excluded: object = {}): string[] {
  return functionsOf(ns)
    .filter((k) => !(k in table) && !(k in excluded))
    .map((k) => `${where}.${k}`);
}

it('every public function has a leak sample (add new exports to SAMPLES in lib/testing/leaks.test.ts, or to EXCLUDED with a reason)', () => {
  const absent = [
    ...missing(fx, { ...SAMPLES, ...ASYNC_SAMPLES, nn: 0, optim: 0, random: 0, debug: 0, linalg: 0 }, 'fx', EXCLUDED),
    ...missing(fx.nn, NN, 'fx.nn'),
    ...missing(fx.linalg, LINALG, 'fx.linalg'),
    ...missing(fx.optim, OPTIM, 'fx.optim'),
    ...missing(fx.random, RANDOM, 'fx.random'),
    ...missing(fx.debug, DEBUG, 'fx.debug'),
  ];
  expect(
    absent,
    `these exports have no entry in the leak matrix: ${absent.join(', ')}. ` +
      'Add a one-call sample for each to SAMPLES (or NN/OPTIM/RANDOM/DEBUG) in lib/testing/leaks.test.ts, or to EXCLUDED with a reason if it makes no tensors.',
  ).toEqual([]);
});

/** Synchronous readback is what webgpu lacks in Node: functions that need it throw there (and must not leak either). */
const noSyncReadback = /webgpu backend in Node|webgpu backend cannot do in Node/;
/** The decompositions run in float64 on the host and have no webgpu kernel (a BackendError by design). */
const noWebgpuKernel = /webgpu backend in Node|webgpu backend cannot do in Node|has no webgpu kernel/;

/** Tensors left behind by one eager call of `call` whose result is then freed (or which threw an allowed error). */
function leftBehind(call: Call, allowed?: RegExp): number {
  const attempt = () => {
    try {
      release(call());
    } catch (e) {
      if (!allowed?.test((e as Error).message)) throw e;
    }
  };
  attempt(); // first call: kernels compile, caches fill
  const before = fx.memory().tensors;
  attempt();
  return fx.memory().tensors - before;
}

describeEachBackend('leak matrix', (backend) => {
  let inputs: Inputs;
  beforeAll(() => {
    inputs = makeInputs();
  });

  const tables: [string, Record<string, (t: Inputs) => unknown>][] = [
    ['fx', SAMPLES],
    ['fx.nn', NN],
    ['fx.linalg', LINALG],
    ['fx.optim', OPTIM],
    ['fx.random', RANDOM],
    ['fx.debug', DEBUG],
  ];
  for (const [where, table] of tables) {
    it(`${where}: one eager call outside any scope, result disposed, leaves fx.memory() unchanged`, () => {
      const leaks: string[] = [];
      for (const [name, sample] of Object.entries(table)) {
        try {
          const n = leftBehind(() => sample(inputs), backend === 'webgpu' ? (where === 'fx.linalg' ? noWebgpuKernel : noSyncReadback) : undefined);
          if (n !== 0) leaks.push(`${where}.${name} (+${n})`);
        } catch (e) {
          leaks.push(`${where}.${name} threw ${(e as Error).message}`);
        }
      }
      expect(leaks, `leaked or threw: ${leaks.join(', ')}`).toEqual([]);
    });
  }

  it('async functions: awaited, result disposed, leave fx.memory() unchanged', async () => {
    const leaks: string[] = [];
    for (const [name, sample] of Object.entries(ASYNC_SAMPLES)) {
      release(await sample(inputs));
      const before = fx.memory().tensors;
      release(await sample(inputs));
      const n = fx.memory().tensors - before;
      if (n !== 0) leaks.push(`fx.${name} (+${n})`);
    }
    expect(leaks).toEqual([]);
  });
});

class UserError extends Error {}

/** A body that computes (residuals, JS-number constants, a captured tensor) and then throws. */
const throwing = (x: Any): Any => {
  const y = u.mul(u.sin(x), 2);
  u.sum(u.mul(y, y));
  throw new UserError('thrown by the user');
};

/** Every transformation applied to the throwing body, called on `v`. */
const THROWING: Record<string, (v: Any) => unknown> = {
  grad: (v) => u.grad(throwing)(v),
  valueAndGrad: (v) => u.valueAndGrad(throwing)(v),
  vjp: (v) => u.vjp(throwing, v),
  jvp: (v) => u.jvp(throwing, [v], [v]),
  linearize: (v) => u.linearize(throwing, v),
  jacfwd: (v) => u.jacfwd(throwing)(v),
  jacrev: (v) => u.jacrev(throwing)(v),
  hessian: (v) => u.hessian(throwing)(v),
  vmap: (v) => u.vmap(throwing)(v),
  jit: (v) => u.jit(throwing)(v),
  checkpoint: (v) => u.grad((x: Any) => u.sum(u.checkpoint(throwing)(x)))(v),
  customJvp: (v) => u.grad(u.customJvp(throwing, ([x]: Any[]) => [throwing(x!), x]))(v),
  customJvpRule: (v) => u.jvp(u.customJvp((x: Any) => u.sum(u.sin(x)), ([x]: Any[]) => [throwing(x!), x]), [v], [v]),
  customVjp: (v) => u.grad(u.customVjp(throwing, (x: Any) => [throwing(x), null], (_r: null, g: Any) => [g]))(v),
  customVjpBackward: (v) => u.grad(u.customVjp((x: Any) => u.sum(u.sin(x)), (x: Any) => [u.sum(u.sin(x)), x], (r: Any) => [throwing(r)]))(v),
  makeIR: (v) => u.makeIR(throwing)(v),
  exportOnnx: (v) => u.exportOnnx(throwing, v),
  'grad of grad': (v) => u.grad((x: Any) => u.sum(u.grad(throwing)(x)))(v),
};

describeEachBackend('leaks: a throwing body', (backend) => {
  let v: Any;
  beforeAll(() => {
    v = fx.tensor([0.5, 1, 1.5, 2]);
  });

  it('every transformation with a throwing body leaves fx.memory() unchanged, and the error reaches the caller', () => {
    const leaks: string[] = [];
    for (const [name, call] of Object.entries(THROWING)) {
      const attempt = () => {
        try {
          release(call(v));
        } catch (e) {
          if (!(e instanceof UserError)) throw new Error(`${name}: expected the user's error, got ${(e as Error).message}`);
          return;
        }
        throw new Error(`${name}: the user's error did not reach the caller`);
      };
      attempt();
      const before = fx.memory().tensors;
      attempt();
      const n = fx.memory().tensors - before;
      if (n !== 0) leaks.push(`${name} (+${n})`);
    }
    expect(leaks).toEqual([]);
  });

  // fx.debug.nans reads results back synchronously, which webgpu cannot do in Node.
  it.skipIf(backend === 'webgpu')('an eager NaNError (fx.debug.nans) leaves fx.memory() unchanged', () => {
    fx.debug.nans(true);
    try {
      const neg = fx.neg(v);
      expect(() => fx.log(neg)).toThrow(fx.NaNError);
      const before = fx.memory().tensors;
      expect(() => fx.log(neg)).toThrow(fx.NaNError);
      expect(fx.memory().tensors - before).toBe(0);
      neg.dispose();
    } finally {
      fx.debug.nans(false);
    }
  });
});

/** Each transformation applied once to a tiny function (result freed by the caller). */
const tiny = (x: Any): Any => u.sum(u.mul(u.sin(x), x));
const LOOPED: Record<string, (x: Any) => unknown> = {
  grad: (x) => u.grad(tiny)(x),
  valueAndGrad: (x) => u.valueAndGrad(tiny)(x),
  vjp: (x) => {
    const [y, pullback] = u.vjp(tiny, x);
    const ct = pullback(y);
    pullback.dispose();
    return [y, ct];
  },
  jvp: (x) => u.jvp(tiny, [x], [x]),
  linearize: (x) => {
    const [y, lin] = u.linearize(tiny, x);
    const t = lin(x);
    lin.dispose();
    return [y, t];
  },
  jacfwd: (x) => u.jacfwd(tiny)(x),
  jacrev: (x) => u.jacrev(tiny)(x),
  hessian: (x) => u.hessian(tiny)(x),
  vmap: (x) => u.vmap(tiny)(x),
  jit: (() => {
    const f = fx.jit(tiny);
    return (x: Any) => f(x);
  })(),
  checkpoint: (x) => u.grad(u.checkpoint(tiny))(x),
  customJvp: (x) => u.grad(u.customJvp(tiny, ([p]: Any[], [t]: Any[]) => [tiny(p!), u.sum(u.mul(t, u.add(u.sin(p), u.mul(p, u.cos(p)))))]))(x),
  customVjp: (x) => u.grad(u.customVjp(tiny, (p: Any) => [tiny(p), p], (p: Any, g: Any) => [u.mul(g, u.add(u.sin(p), u.mul(p, u.cos(p))))]))(x),
};

describeEachBackend('leaks: long loops of each transformation', (backend) => {
  // Every op is a GPU dispatch on webgpu (SwiftShader in CI): 1,000 iterations there, checked at 100 and 1,000.
  const [n, checkAt] = backend === 'webgpu' ? [1000, 100] : [10_000, 1000];
  let x: Any;
  beforeAll(() => {
    x = fx.tensor([0.3, -0.8]);
  });

  for (const [name, call] of Object.entries(LOOPED)) {
    it(`${n} eager calls of ${name} stay flat (checked at ${checkAt} and ${n})`, () => {
      release(call(x));
      const start = fx.memory();
      const seen: Record<number, number> = {};
      for (let i = 1; i <= n; i++) {
        release(call(x));
        if (i === checkAt || i === n) seen[i] = fx.memory().tensors - start.tensors;
      }
      expect(seen).toEqual({ [checkAt]: 0, [n]: 0 });
      expect(fx.memory().bytes).toBe(start.bytes);
    });
  }
});

/** A body that makes tensors of its own (a fresh constant and a JS-number scalar) besides its result. */
const making = (x: Any): Any => u.add(u.mul(x, 2), u.tensor([1, 2, 3, 4]));
let yes: Any; // [] bool true
let rows: Any; // [2, 2]
const MAKING: Record<string, (v: Any) => unknown> = {
  grad: (v) => u.grad((x: Any) => u.sum(making(x)))(v),
  vjp: (v) => u.vjp(making, v),
  jvp: (v) => u.jvp(making, [v], [v]),
  linearize: (v) => u.linearize(making, v),
  jacfwd: (v) => u.jacfwd(making)(v),
  jacrev: (v) => u.jacrev(making)(v),
  hessian: (v) => u.hessian((x: Any) => u.sum(making(x)))(v),
  vmap: (v) => u.vmap((x: Any) => u.sum(u.mul(making(x), x)))(v),
  jit: (v) => {
    const f = u.jit(making);
    const out = f(v);
    f.clear();
    return out;
  },
  checkpoint: (v) => u.checkpoint(making)(v),
  customJvp: (v) => u.customJvp(making, ([x]: Any[], [t]: Any[]) => [making(x!), t])(v),
  customVjp: (v) => u.customVjp(making, (x: Any) => [making(x), null], (_r: null, g: Any) => [g])(v),
  cond: (v) => u.cond(yes, making, making, v),
  fori: (v) => u.fori(0, 3, (_i: number, c: Any) => making(c), v),
  whileLoop: (v) => u.whileLoop((c: Any) => u.less(u.sum(c), 100), making, v),
  scan: (v) => u.scan((c: Any, row: Any) => [making(c), u.sum(row)], v, rows),
  makeIR: (v) => u.makeIR(making)(v),
};

describeEachBackend('leaks: a body that makes tensors of its own', (backend) => {
  let v: Any;
  beforeAll(() => {
    v = fx.tensor([0.5, 1, 1.5, 2]);
    yes = fx.scalar(1, 'bool');
    rows = fx.tensor([[1, 2], [3, 4]]);
  });

  it('every transformation and control-flow op, called eagerly on it, frees what the body made besides the result', () => {
    const leaks: string[] = [];
    for (const [name, call] of Object.entries(MAKING)) {
      const n = leftBehind(() => call(v), backend === 'webgpu' ? noSyncReadback : undefined);
      if (n !== 0) leaks.push(`${name} (+${n})`);
    }
    expect(leaks).toEqual([]);
  });
});
