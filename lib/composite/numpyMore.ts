/**
 * The NumPy/JAX surface, part 6: index arithmetic (`unravelIndex`,
 * `ravelMultiIndex`), selection (`choose`, `piecewise`), integer number
 * theory (`gcd`, `lcm`), `vander`, the window functions (`hanning`,
 * `hamming`, `blackman`, `bartlett`), `divmod`, `modf`, `isposinf`,
 * `isneginf` and `cumulativeProd`. Composites of primitives.
 */
import type { Dtype, Shape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { scoped } from '../core/memory.js';
import { full, ones, tensor } from '../core/creation.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { fori } from '../control/loops.js';
import { abs } from '../primitives/abs.js';
import { add } from '../primitives/add.js';
import { broadcastTo } from '../primitives/broadcastTo.js';
import { broadcastShapes, normalizeAxis, requireDtype } from '../primitives/define.js';
import { equal } from '../primitives/equal.js';
import { less } from '../primitives/less.js';
import { maximum } from '../primitives/maximum.js';
import { minimum } from '../primitives/minimum.js';
import { mul } from '../primitives/mul.js';
import { pad } from '../primitives/pad.js';
import { reshape } from '../primitives/reshape.js';
import { sub } from '../primitives/sub.js';
import { where } from '../primitives/where.js';
import { cumprod, floorDivide, isinf, isnan, remainder, trunc } from './math.js';
import { arange } from '../core/creation.js';
import { concat } from '../primitives/concat.js';
import { cumsum } from '../primitives/cumsum.js';
import { cast } from '../primitives/cast.js';
import { notEqual } from '../primitives/notEqual.js';
import { greater } from '../primitives/greater.js';
import { sort } from '../primitives/sort.js';
import { sum } from '../primitives/sum.js';
import { take } from '../primitives/gather.js';
import { conv } from './conv.js';
import { flip } from './arrays.js';
import { div } from '../primitives/div.js';
import { exp } from '../primitives/exp.js';
import { slice } from '../primitives/slice.js';
import { sqrt } from '../primitives/sqrt.js';
import { takeAlongAxis } from './arrays.js';
import { stack } from './stack.js';

type T = AnyTensor;

// ---------------------------------------------------------------- index arithmetic

/** Out-of-range handling of `choose` and `ravelMultiIndex`. @public */
export type IndexMode = 'clip' | 'wrap';

function checkDims(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(op, `shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/**
 * The coordinates of flat indices in an array of `shape`
 * (`jnp.unravel_index`), one int32 tensor per axis (C order). Negative
 * indices count from the end; indices out of range are clamped into it, as
 * JAX's (which cannot raise under jit). Exact while the flat size is below 2^24.
 * @example
 * ```ts
 * const [r, c] = fx.unravelIndex(fx.argmax(fx.ravel(m)), m.shape); // position of the largest entry
 * fx.unravelIndex(fx.tensor([5, 7], 'int32'), [2, 4]); // [[1, 1], [1, 3]]
 * ```
 * @public
 */
export function unravelIndex<S extends Shape>(indices: Tensor<S, 'int32'>, shape: readonly number[]): Tensor<S, 'int32'>[] {
  return scoped(() => {
    requireDtype('unravelIndex', 'indices', indices, ['int32']);
    checkDims('unravelIndex', shape);
    const size = shape.reduce((s, d) => s * d, 1);
    if (size === 0) throw new ShapeError('unravelIndex', `cannot unravel into the empty shape ${showShape(shape)}`);
    let idx: T = where(less(indices as T, 0), add(indices as T, size), indices as T);
    idx = maximum(minimum(idx, size - 1), 0);
    const out: T[] = [];
    for (let a = shape.length - 1; a >= 0; a--) {
      out.unshift(remainder(idx as never, shape[a]!) as T);
      idx = floorDivide(idx as never, shape[a]!) as T;
    }
    return out as never;
  });
}

/**
 * The flat (C-order) index of coordinates `multiIndex` (one int32 tensor per
 * axis, broadcast together) in an array of shape `dims`
 * (`jnp.ravel_multi_index`). Coordinates out of range are clipped (default)
 * or wrapped; NumPy's and JAX's default `'raise'` needs a host read, so it is
 * not offered.
 * @example
 * ```ts
 * fx.ravelMultiIndex([fx.tensor([1, 1], 'int32'), fx.tensor([1, 3], 'int32')], [2, 4]); // [5, 7]
 * ```
 * @public
 */
export function ravelMultiIndex(multiIndex: readonly Tensor<Shape, 'int32'>[], dims: readonly number[], mode: IndexMode = 'clip'): Tensor<number[], 'int32'> {
  return scoped(() => {
    checkDims('ravelMultiIndex', dims);
    if (multiIndex.length !== dims.length) throw new ShapeError('ravelMultiIndex', `got ${multiIndex.length} coordinate tensors for ${dims.length} dims`);
    if (mode !== 'clip' && mode !== 'wrap') throw new ShapeError('ravelMultiIndex', `mode must be 'clip' or 'wrap', got ${JSON.stringify(mode)}`);
    let flat: T | undefined;
    multiIndex.forEach((c, a) => {
      requireDtype('ravelMultiIndex', `multiIndex[${a}]`, c, ['int32']);
      const d = dims[a]!;
      const i = mode === 'clip' ? maximum(minimum(c as T, d - 1), 0) : (remainder(c as never, d) as T);
      flat = flat === undefined ? i : add(mul(flat, d), i);
    });
    return (flat ?? tensor(0, 'int32' as never)) as never;
  });
}

// ---------------------------------------------------------------- selection

/**
 * Picks, at each position, the entry of `choices[a]` (`jnp.choose`): `a`
 * (int32) and the choices broadcast together. Out-of-range `a` is clipped
 * (default) or wrapped. Differentiable in the choices.
 * @example
 * ```ts
 * fx.choose(fx.tensor([0, 1, 0], 'int32'), [fx.tensor([1, 2, 3]), fx.tensor([10, 20, 30])]); // [1, 20, 3]
 * ```
 * @public
 */
export function choose<D extends Dtype>(a: Tensor<Shape, 'int32'>, choices: readonly Tensor<Shape, D>[], mode: IndexMode = 'clip'): Tensor<number[], D> {
  return scoped(() => {
    requireDtype('choose', 'a', a, ['int32']);
    if (choices.length === 0) throw new ShapeError('choose', 'choices must hold at least one tensor');
    if (mode !== 'clip' && mode !== 'wrap') throw new ShapeError('choose', `mode must be 'clip' or 'wrap', got ${JSON.stringify(mode)}`);
    const shape = choices.reduce<number[]>((s, c) => broadcastShapes('choose', s, c.shape), [...a.shape]);
    const n = choices.length;
    const idx = mode === 'clip' ? maximum(minimum(a as T, n - 1), 0) : (remainder(a as never, n) as T);
    const stacked = stack(choices.map((c) => broadcastTo(c as T, shape)) as never, 0) as T;
    const at = reshape(broadcastTo(idx, shape), [1, ...shape]);
    return reshape(takeAlongAxis(stacked as never, at as never, 0) as T, shape) as never;
  });
}

/**
 * A function defined piecewise (`jnp.piecewise`): where `condlist[i]`
 * holds, `funclist[i]` (a function of `x` or a constant); one extra entry
 * in `funclist` is the value where no condition holds (default 0). Later
 * conditions win where several hold, as NumPy. Every function is evaluated
 * on all of `x` (as JAX's), so a branch that is NaN where it is not
 * selected gives NaN derivatives there; make such branches safe.
 * @example
 * ```ts
 * const x = fx.tensor([-2, 0.5, 3]);
 * // −x below 0, x/2 above 1, 1 elsewhere (the extra entry):
 * fx.piecewise(x, [fx.less(x, 0), fx.greater(x, 1)], [(v) => fx.neg(v), (v) => fx.mul(v, 0.5), 1]); // [2, 1, 1.5]
 * ```
 * @public
 */
export function piecewise<S extends Shape>(
  x: Tensor<S, 'float32'>,
  condlist: readonly Tensor<Shape, 'bool'>[],
  funclist: readonly (number | ((x: Tensor<S, 'float32'>) => Tensor<Shape, 'float32'>))[],
): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('piecewise', 'x', x, ['float32']);
    const n = condlist.length;
    if (funclist.length !== n && funclist.length !== n + 1) {
      throw new ShapeError('piecewise', `funclist must have ${n} or ${n + 1} entries for ${n} conditions, got ${funclist.length}`);
    }
    const value = (f: number | ((x: Tensor<S, 'float32'>) => Tensor<Shape, 'float32'>)): T =>
      typeof f === 'number' ? (full(x.shape as never, f) as T) : broadcastTo(f(x) as T, x.shape);
    let out: T = funclist.length === n + 1 ? value(funclist[n]!) : (full(x.shape as never, 0) as T);
    condlist.forEach((c, i) => {
      requireDtype('piecewise', `condlist[${i}]`, c, ['bool']);
      out = where(broadcastTo(c as T, x.shape), value(funclist[i]!), out);
    });
    return out as never;
  });
}

// ---------------------------------------------------------------- integers

/** Euclid's algorithm on int32 takes at most 46 steps (consecutive Fibonacci numbers below 2^31), plus one to order the pair. */
const EUCLID_STEPS = 47;

/**
 * The greatest common divisor of int32 `a` and `b`, elementwise and
 * non-negative (`jnp.gcd`; `gcd(0, 0) = 0`). Euclid's algorithm in a
 * `fori` loop of 47 steps (enough for any int32 pair; vmap and jit see a static loop); exact while the values are below
 * 2^24 in magnitude (the remainder goes through a float32 quotient).
 * @example
 * ```ts
 * fx.gcd(fx.tensor([12, 7, 0], 'int32'), fx.tensor([18, 5, 4], 'int32')); // [6, 1, 4]
 * ```
 * @public
 */
export function gcd(a: Tensor<Shape, 'int32'>, b: Tensor<Shape, 'int32'>): Tensor<number[], 'int32'> {
  return scoped(() => {
    requireDtype('gcd', 'a', a, ['int32']);
    requireDtype('gcd', 'b', b, ['int32']);
    const shape = broadcastShapes('gcd', a.shape, b.shape);
    const init: [T, T] = [broadcastTo(abs(a as T), shape), broadcastTo(abs(b as T), shape)];
    // A fixed 47 steps (Euclid needs at most 46 for int32; finished entries stay put), so vmap and jit see one static loop.
    const [g] = fori(
      0,
      EUCLID_STEPS,
      (_i: number, [x, y]: [T, T]): [T, T] => {
        const zero = equal(y, 0);
        const safe = where(zero, 1, y);
        return [where(zero, x, y), where(zero, 0, remainder(x as never, safe as never) as T)];
      },
      init,
    );
    return g as never;
  });
}

/**
 * The least common multiple of int32 `a` and `b`, elementwise and
 * non-negative (`jnp.lcm`; 0 when either is 0): `|a| / gcd · |b|`.
 * @example
 * ```ts
 * fx.lcm(fx.tensor([4, 6, 0], 'int32'), fx.tensor([6, 8, 3], 'int32')); // [12, 24, 0]
 * ```
 * @public
 */
export function lcm(a: Tensor<Shape, 'int32'>, b: Tensor<Shape, 'int32'>): Tensor<number[], 'int32'> {
  return scoped(() => {
    const g = gcd(a, b) as T;
    const zero = equal(g, 0);
    return where(zero, 0, mul(floorDivide(abs(a as T) as never, where(zero, 1, g) as never) as T, abs(b as T))) as never;
  });
}

/**
 * The floor quotient and remainder together (`jnp.divmod`):
 * `[floorDivide(a, b), remainder(a, b)]`.
 * @example
 * ```ts
 * fx.divmod(fx.tensor([7, -7]), 2); // [[3, -4], [1, 1]]
 * ```
 * @public
 */
export function divmod(a: Tensor<Shape, 'float32' | 'int32'>, b: Tensor<Shape, 'float32' | 'int32'> | number): [Tensor<number[], 'float32' | 'int32'>, Tensor<number[], 'float32' | 'int32'>] {
  return scoped(() => [floorDivide(a as never, b as never), remainder(a as never, b as never)] as never);
}

/**
 * The fractional and integral parts, both with `x`'s sign (`jnp.modf`):
 * `[x − trunc(x), trunc(x)]`; for ±Infinity `[±0, ±Infinity]`.
 * @example
 * ```ts
 * fx.modf(fx.tensor([2.5, -1.25])); // [[0.5, -0.25], [2, -1]]
 * ```
 * @public
 */
export function modf<S extends Shape>(x: Tensor<S, 'float32'>): [Tensor<S, 'float32'>, Tensor<S, 'float32'>] {
  return scoped(() => {
    requireDtype('modf', 'x', x, ['float32']);
    const whole = trunc(x) as T;
    // ±Infinity: the fractional part is a zero with x's sign (x − trunc(x) would be NaN).
    const signedZero = where(less(x as T, 0), -0, 0);
    return [where(isinf(x as T), signedZero, sub(x as T, whole)), whole] as never;
  });
}

/**
 * `true` where `x` is +Infinity (`jnp.isposinf`).
 * @example
 * ```ts
 * fx.isposinf(fx.tensor([Infinity, -Infinity, 1])); // [true, false, false]
 * ```
 * @public
 */
export function isposinf<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'bool'> {
  return scoped(() => equal(x as T, Infinity) as never);
}

/**
 * `true` where `x` is −Infinity (`jnp.isneginf`).
 * @example
 * ```ts
 * fx.isneginf(fx.tensor([Infinity, -Infinity, 1])); // [false, true, false]
 * ```
 * @public
 */
export function isneginf<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'bool'> {
  return scoped(() => equal(x as T, -Infinity) as never);
}

/**
 * Running products along `axis` (`jnp.cumulative_prod`): like `cumprod`,
 * with `includeInitial` prepending the empty product 1; the axis is
 * required for rank > 1.
 * @example
 * ```ts
 * fx.cumulativeProd(fx.tensor([2, 3, 4]), 0, true); // [1, 2, 6, 24]
 * ```
 * @public
 */
export function cumulativeProd<S extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>, axis?: number, includeInitial = false): Tensor<number[], D> {
  return scoped(() => {
    requireDtype('cumulativeProd', 'x', x, ['float32', 'int32']);
    if (axis === undefined && x.rank > 1) throw new ShapeError('cumulativeProd', `axis is required for an input of rank ${x.rank} (x has shape ${showShape(x.shape)})`);
    const xs = (x.rank === 0 ? reshape(x as T, [1]) : x) as T;
    const ax = normalizeAxis('cumulativeProd', axis ?? 0, xs.rank);
    const c = cumprod(xs as never, ax) as T;
    if (!includeInitial) return c as never;
    return pad(c, (xs.shape as number[]).map((_: number, i: number) => (i === ax ? [1, 0] : [0, 0]) as [number, number]) as never, 1 as never) as never;
  });
}

// ---------------------------------------------------------------- Vandermonde and windows

/**
 * The Vandermonde matrix of the 1-D `x` (`jnp.vander`): columns `x^(N−1), …, x, 1`
 * (with `increasing`, `1, x, …, x^(N−1)`); `N` defaults to `x`'s length.
 * Powers by repeated products, so exact at 0 and differentiable.
 * @example
 * ```ts
 * fx.vander(fx.tensor([1, 2, 3]), 3); // [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
 * ```
 * @public
 */
export function vander(x: Tensor<[number], 'float32'>, N?: number, increasing = false): Tensor<[number, number], 'float32'> {
  return scoped(() => {
    requireDtype('vander', 'x', x, ['float32']);
    if (x.rank !== 1) throw new ShapeError('vander', `x must be 1-D, got ${showShape(x.shape)}`);
    const n = N ?? x.shape[0]!;
    if (!Number.isInteger(n) || n < 0) throw new ShapeError('vander', `N must be a non-negative integer, got ${n}`);
    if (n === 0) return full([x.shape[0]!, 0] as never, 0) as never;
    const cols: T[] = [ones(x.shape as never) as T];
    for (let i = 1; i < n; i++) cols.push(mul(cols[i - 1]!, x as T));
    if (!increasing) cols.reverse();
    return stack(cols as never, 1) as never;
  });
}

function windowOf(op: string, M: number, w: (n: number, M: number) => number): Tensor<[number], 'float32'> {
  if (!Number.isInteger(M)) throw new ShapeError(op, `M must be an integer, got ${M}`);
  if (M < 1) return tensor(new Float32Array(0), [0]) as never;
  if (M === 1) return tensor([1]) as never;
  return tensor(Array.from({ length: M }, (_, n) => w(n, M))) as never;
}

/**
 * The Hann window of length `M` (`jnp.hanning`): `0.5 − 0.5 cos(2πn/(M−1))`,
 * computed in float64 on the host.
 * @example
 * ```ts
 * fx.hanning(5); // [0, 0.5, 1, 0.5, 0]
 * ```
 * @public
 */
export function hanning(M: number): Tensor<[number], 'float32'> {
  return windowOf('hanning', M, (n, m) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (m - 1)));
}

/**
 * The Hamming window of length `M` (`jnp.hamming`): `0.54 − 0.46 cos(2πn/(M−1))`.
 * @example
 * ```ts
 * fx.hamming(3); // [0.08, 1, 0.08]
 * ```
 * @public
 */
export function hamming(M: number): Tensor<[number], 'float32'> {
  return windowOf('hamming', M, (n, m) => 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (m - 1)));
}

/**
 * The Blackman window of length `M` (`jnp.blackman`):
 * `0.42 − 0.5 cos(2πn/(M−1)) + 0.08 cos(4πn/(M−1))`.
 * @example
 * ```ts
 * fx.blackman(3); // [~0, 1, ~0]
 * ```
 * @public
 */
export function blackman(M: number): Tensor<[number], 'float32'> {
  return windowOf('blackman', M, (n, m) => 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (m - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (m - 1)));
}

/**
 * The Bartlett (triangular) window of length `M` (`jnp.bartlett`):
 * `1 − |2n/(M−1) − 1|`.
 * @example
 * ```ts
 * fx.bartlett(5); // [0, 0.5, 1, 0.5, 0]
 * ```
 * @public
 */
export function bartlett(M: number): Tensor<[number], 'float32'> {
  return windowOf('bartlett', M, (n, m) => 1 - Math.abs((2 * n) / (m - 1) - 1));
}

// ---------------------------------------------------------------- 1-D convolution and correlation

/** Output size of `convolve` and `correlate`, as NumPy's `mode`. @public */
export type ConvolveMode = 'full' | 'same' | 'valid';

/** Σ_n x[n + j − (m − 1)] · y[n] for j = 0 … |x| + |y| − 2 (x the longer), sliced by NumPy's mode. */
function correlateCore(op: string, x: T, y: T, mode: ConvolveMode): T {
  const [n, m] = [x.shape[0]!, y.shape[0]!];
  const full = reshape(conv(reshape(x, [1, n, 1]) as never, reshape(y, [m, 1, 1]) as never, { padding: [[m - 1, m - 1]] }) as T, [n + m - 1]);
  if (mode === 'full') return full;
  if (mode === 'same') return slice(full, [m - 1 - (m >> 1)], [n]);
  if (mode === 'valid') return slice(full, [m - 1], [n - m + 1]);
  throw new ShapeError(op, `mode must be 'full', 'same' or 'valid', got ${JSON.stringify(mode)}`);
}

function check1d(op: string, a: Tensor<Shape, 'float32'>, v: Tensor<Shape, 'float32'>): void {
  requireDtype(op, 'a', a, ['float32']);
  requireDtype(op, 'v', v, ['float32']);
  if (a.rank !== 1 || v.rank !== 1 || a.shape[0] === 0 || v.shape[0] === 0) {
    throw new ShapeError(op, `a and v must be non-empty 1-D tensors, got ${showShape(a.shape)} and ${showShape(v.shape)}`);
  }
}

/**
 * The discrete linear convolution of two 1-D tensors (`jnp.convolve`):
 * `(a ∗ v)[k] = Σ_m a[m] · v[k − m]`; `mode` `'full'` (default, length
 * N + M − 1), `'same'` (max(N, M), centred as NumPy) or `'valid'`. Lowered to
 * `fx.conv`, so differentiable in both operands and batched by vmap.
 * @example
 * ```ts
 * fx.convolve(fx.tensor([1, 2, 3]), fx.tensor([0, 1, 0.5])); // [0, 1, 2.5, 4, 1.5]
 * ```
 * @public
 */
export function convolve(a: Tensor<[number], 'float32'>, v: Tensor<[number], 'float32'>, mode: ConvolveMode = 'full'): Tensor<[number], 'float32'> {
  return scoped(() => {
    check1d('convolve', a, v);
    const [x, y] = v.shape[0]! > a.shape[0]! ? [v, a] : [a, v];
    return correlateCore('convolve', x as T, flip(y as T, 0) as T, mode) as never;
  });
}

/**
 * The cross-correlation of two 1-D tensors (`jnp.correlate`):
 * `c[k] = Σ_n a[n + k] · v[n]`; `mode` `'valid'` (default, as NumPy),
 * `'same'` or `'full'`. Differentiable in both operands.
 * @example
 * ```ts
 * fx.correlate(fx.tensor([1, 2, 3]), fx.tensor([0, 1, 0.5]), 'full'); // [0.5, 2, 3.5, 3, 0]
 * ```
 * @public
 */
export function correlate(a: Tensor<[number], 'float32'>, v: Tensor<[number], 'float32'>, mode: ConvolveMode = 'valid'): Tensor<[number], 'float32'> {
  return scoped(() => {
    check1d('correlate', a, v);
    if (a.shape[0]! >= v.shape[0]!) return correlateCore('correlate', a as T, v as T, mode) as never;
    // NumPy swaps the operands and reverses the result when v is longer.
    return flip(correlateCore('correlate', v as T, a as T, mode), 0) as never;
  });
}

// ---------------------------------------------------------------- Bessel I0 and the Kaiser window

/**
 * The modified Bessel function of the first kind of order 0 (`jnp.i0`), by
 * the polynomial approximations of Abramowitz and Stegun 9.8.1–9.8.2
 * (relative error below 2e-7, about float32's). A composite, so
 * differentiable (its derivative is that of the approximation, within a
 * few float32 ulps of I1).
 * @example
 * ```ts
 * fx.i0(fx.tensor([0, 1, 5])); // [1, 1.2661, 27.2399]
 * ```
 * @public
 */
export function i0<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('i0', 'x', x, ['float32']);
    const ax = abs(x as T);
    const small = less(ax, 3.75);
    const horner = (t: T, cs: readonly number[]) => cs.reduceRight<T>((acc, c) => add(mul(acc, t), c), full(t.shape as never, 0) as T);
    const ts = mul(div(x as T, 3.75), div(x as T, 3.75));
    const near = horner(ts, [1, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.0360768, 0.0045813]);
    const safe = where(small, 3.75, ax); // the far branch on |x| ≥ 3.75 only (no division by 0 in the unused branch)
    const u = div(3.75, safe);
    const poly = horner(u, [0.39894228, 0.01328592, 0.00225319, -0.00157565, 0.00916281, -0.02057706, 0.02635537, -0.01647633, 0.00392377]);
    const far = mul(div(exp(safe), sqrt(safe)), poly);
    return where(small, near, far) as never;
  });
}

/** I0 in float64 on the host (power series; for the Kaiser window). */
function i0Host(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500 && term > 1e-17 * sum; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

/**
 * The Kaiser window of length `M` with shape parameter `beta`
 * (`jnp.kaiser`): `I0(β √(1 − (2n/(M−1) − 1)²)) / I0(β)`, computed on the
 * host in float64.
 * @example
 * ```ts
 * fx.kaiser(5, 6); // [0.0149, 0.4172, 1, 0.4172, 0.0149]
 * ```
 * @public
 */
export function kaiser(M: number, beta: number): Tensor<[number], 'float32'> {
  if (!Number.isFinite(beta)) throw new ShapeError('kaiser', `beta must be a finite number, got ${beta}`);
  return windowOf('kaiser', M, (n, m) => {
    const r = (2 * n) / (m - 1) - 1;
    return i0Host(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Host(beta);
  });
}

// ---------------------------------------------------------------- value-dependent selections with a static size

/** The static output size of `nonzero`, `argwhere`, `flatnonzero`, `unique` (JAX's `size=`), and the fill for unused slots. @public */
export interface SizeOptions {
  /** The number of results (required: shapes are static). Extra results are dropped; missing ones are filled. */
  readonly size: number;
  /** The value of the slots beyond the real results (default 0; `unique`: the minimum of `x`). */
  readonly fillValue?: number;
}

function checkSize(op: string, options: SizeOptions | undefined): number {
  const size = options?.size;
  if (!Number.isInteger(size) || size! < 0) {
    throw new ShapeError(op, `options.size must be a non-negative integer (the static number of results, as JAX's size=), got ${size}`);
  }
  return size!;
}

/**
 * For a 1-D `mask` of length n (bool, or int32 0/1): the positions of its first `size` true
 * entries (int32 [size]) and which of the `size` slots are real. One
 * comparison per (entry, slot) pair: exact and vectorized.
 */
function compact(mask: T, size: number): [T, T] {
  const n = mask.shape[0]!;
  const rank = sub(cumsum(cast(mask, 'int32'), 0), 1); // the k of the k-th true entry
  const slots = reshape(arange(size) as T, [1, size]);
  // int32 products rather than logicalAnd (a where on bools): jit of that where after cumsum gave zeros (reported to the lead).
  const hit = mul(reshape(mask.dtype === 'int32' ? mask : cast(mask, 'int32'), [n, 1]), cast(equal(reshape(rank, [n, 1]), slots), 'int32')); // [n, size]
  const idx = sum(mul(hit, reshape(arange(n) as T, [n, 1])), 0);
  return [idx, greater(sum(hit, 0), 0)];
}

function truthy(x: T): T {
  return x.dtype === 'bool' ? x : notEqual(x, 0);
}

/**
 * The flat indices of the non-zero entries of `x` (`jnp.flatnonzero` with
 * JAX's `size`), int32 [size], padded with `fillValue` (default 0).
 * @example
 * ```ts
 * fx.flatnonzero(fx.tensor([[0, 3], [4, 0]]), { size: 3, fillValue: -1 }); // [1, 2, -1]
 * ```
 * @public
 */
export function flatnonzero(x: Tensor, options: SizeOptions): Tensor<[number], 'int32'> {
  return scoped(() => {
    const size = checkSize('flatnonzero', options);
    const [idx, filled] = compact(truthy(reshape(x as T, [x.size])), size);
    return where(filled, idx, options.fillValue ?? 0) as never;
  });
}

/**
 * The coordinates of the non-zero entries of `x`, one int32 [size] tensor per
 * axis (`jnp.nonzero` with JAX's `size`, C order), padded with `fillValue`
 * (default 0). The static `size` is required: the count depends on the values.
 * @example
 * ```ts
 * const [r, c] = fx.nonzero(fx.tensor([[0, 3], [4, 0]]), { size: 2 }); // r [0, 1], c [1, 0]
 * ```
 * @public
 */
export function nonzero(x: Tensor, options: SizeOptions): Tensor<[number], 'int32'>[] {
  return scoped(() => {
    if (x.rank === 0) throw new ShapeError('nonzero', 'x must have rank >= 1 (as JAX); reshape a scalar to [1]');
    const size = checkSize('nonzero', options);
    const [idx, filled] = compact(truthy(reshape(x as T, [x.size])), size);
    const coords = x.size === 0 ? x.shape.map(() => idx) : (unravelIndex(idx as never, x.shape) as T[]);
    return coords.map((c) => where(filled, c, options.fillValue ?? 0)) as never;
  });
}

/**
 * The coordinates of the non-zero entries as rows, int32 [size, rank]
 * (`jnp.argwhere` with JAX's `size`), padded with `fillValue`.
 * @example
 * ```ts
 * fx.argwhere(fx.tensor([[0, 3], [4, 0]]), { size: 2 }); // [[0, 1], [1, 0]]
 * ```
 * @public
 */
export function argwhere(x: Tensor, options: SizeOptions): Tensor<[number, number], 'int32'> {
  return scoped(() => {
    const xs = x.rank === 0 ? reshape(x as T, [1]) : (x as T);
    return stack(nonzero(xs as never, options) as never, 1) as never;
  });
}

/**
 * The sorted distinct values of the flattened `x` (`jnp.unique` with JAX's
 * `size`): the first `size` of them, padded with `fillValue` (default: the
 * minimum of `x`, as JAX). NaNs count as one value (NumPy's `equal_nan`).
 * Differentiable in float32 `x` (each result is one entry of the sort).
 * @example
 * ```ts
 * fx.unique(fx.tensor([3, 1, 3, 2]), { size: 4 }); // [1, 2, 3, 1]
 * ```
 * @public
 */
export function unique<D extends 'float32' | 'int32'>(x: Tensor<Shape, D>, options: SizeOptions): Tensor<[number], D> {
  return scoped(() => {
    requireDtype('unique', 'x', x, ['float32', 'int32']);
    const size = checkSize('unique', options);
    const n = x.size;
    if (n === 0) {
      if (size > 0 && options.fillValue === undefined) throw new ShapeError('unique', 'x is empty: give options.fillValue for the padding');
      return full([size] as never, options.fillValue ?? 0, x.dtype as never) as never;
    }
    const sorted = sort(reshape(x as T, [n]) as never, 0) as T;
    // 1 where a sorted entry starts a new value, as int32 arithmetic (not logicalAnd/Or: a where on bools
    // followed by cumsum came out wrong under jit on cpu; reported to the lead).
    let first: T = full([1] as never, 1, 'int32' as never) as T;
    if (n > 1) {
      const cur = slice(sorted, [1], [n - 1]);
      const prev = slice(sorted, [0], [n - 1]);
      let differs = cast(notEqual(cur, prev), 'int32');
      if (x.dtype === 'float32') differs = mul(differs, sub(1, mul(cast(isnan(cur), 'int32'), cast(isnan(prev), 'int32'))));
      first = concat([first, differs], 0);
    }
    const [idx, filled] = compact(first, size);
    const values = take(sorted, idx as never) as T;
    const fill = options.fillValue ?? (take(sorted, 0) as T);
    return where(filled, values, fill) as never;
  });
}
