/**
 * Searching, binning, interpolation and covariance of the NumPy/JAX
 * surface, all with static shapes: `searchsorted`, `digitize`, `interp`,
 * `bincount` (with a `length`, as JAX requires under `jit`), `cov`,
 * `corrcoef`; plus `tri`, `logspace`, `geomspace`, `signbit`, `select`,
 * `hsplit`, `vsplit`. Comparisons against every element (O(n·m)) stand in
 * for binary search: simple, exact, and vectorized on every backend.
 */
import type { Dtype, Shape } from '../../typelevel/index.js';
import { tensor } from '../core/creation.js';
import { ShapeError, showShape } from '../core/errors.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { add } from '../primitives/add.js';
import { broadcastTo } from '../primitives/broadcastTo.js';
import { cast } from '../primitives/cast.js';
import { clip } from '../primitives/clip.js';
import { div } from '../primitives/div.js';
import { equal } from '../primitives/equal.js';
import { take } from '../primitives/gather.js';
import { greater } from '../primitives/greater.js';
import { less } from '../primitives/less.js';
import { lessEqual } from '../primitives/lessEqual.js';
import { matmul } from '../primitives/matmul.js';
import { mul } from '../primitives/mul.js';
import { oneHot } from '../primitives/oneHot.js';
import { reshape } from '../primitives/reshape.js';
import { sqrt } from '../primitives/sqrt.js';
import { sub } from '../primitives/sub.js';
import { sum } from '../primitives/sum.js';
import { transpose } from '../primitives/transpose.js';
import { where } from '../primitives/where.js';
import { diagonal, lowerTriangleMask, split } from './arrays.js';
import { mean } from './mean.js';
import { scoped } from '../core/memory.js';

/**
 * Insertion positions of `v` into the sorted 1-D `a` that keep it sorted
 * (`jnp.searchsorted`): with `side: 'left'` (default) the first suitable
 * position (the count of `a < v`), with `'right'` the last (`a ≤ v`).
 * int32, shaped like `v`. Costs one comparison per pair.
 * @example
 * ```ts
 * fx.searchsorted(fx.tensor([1, 2, 2, 3]), fx.tensor([2, 2.5])); // [1, 3]
 * ```
 * @public
 */
export function searchsorted<S extends Shape, D extends 'float32' | 'int32'>(a: Tensor<[number], D>, v: Tensor<S, D>, side: 'left' | 'right' = 'left'): Tensor<S, 'int32'> {
  return scoped(() => {
    if (a.rank !== 1) throw new ShapeError('searchsorted', `a must be 1-D (sorted), got ${showShape(a.shape)}`);
    if (side !== 'left' && side !== 'right') throw new ShapeError('searchsorted', `side must be 'left' or 'right', got ${JSON.stringify(side)}`);
    const col = reshape(v as AnyTensor, [...v.shape, 1]);
    const below = side === 'left' ? less(a as AnyTensor, col) : lessEqual(a as AnyTensor, col);
    return sum(cast(below, 'int32'), -1) as never;
  });
}

/**
 * The bin of each `x` for increasing bin edges `bins` (`jnp.digitize`):
 * `i` such that `bins[i−1] ≤ x < bins[i]` (with `right`: `bins[i−1] < x ≤ bins[i]`);
 * 0 below the first edge, `bins.length` above the last. int32.
 * @example
 * ```ts
 * fx.digitize(fx.tensor([0.5, 1, 2.5]), fx.tensor([1, 2, 3])); // [0, 1, 2]
 * ```
 * @public
 */
export function digitize<S extends Shape>(x: Tensor<S, 'float32'>, bins: Tensor<[number], 'float32'>, right = false): Tensor<S, 'int32'> {
  return scoped(() => searchsorted(bins, x, right ? 'left' : 'right'));
}

/** Options of `interp`. @public */
export interface InterpOptions {
  /** The value below `xp[0]` (default `fp[0]`). */
  readonly left?: number;
  /** The value above `xp[-1]` (default `fp[-1]`). */
  readonly right?: number;
}

/**
 * Piecewise-linear interpolation (`jnp.interp`): the values at `x` of the
 * polyline through `(xp[i], fp[i])`, `xp` increasing; constant `fp[0]` /
 * `fp[-1]` (or `left` / `right`) outside. Differentiable in `x`, `xp` and `fp`.
 * @example
 * ```ts
 * fx.interp(fx.tensor([0.5, 2]), fx.tensor([0, 1, 3]), fx.tensor([0, 10, 30])); // [5, 20]
 * ```
 * @public
 */
export function interp<S extends Shape>(x: Tensor<S, 'float32'>, xp: Tensor<[number], 'float32'>, fp: Tensor<[number], 'float32'>, options: InterpOptions = {}): Tensor<S, 'float32'> {
  return scoped(() => {
    if (xp.rank !== 1 || fp.rank !== 1 || xp.shape[0] !== fp.shape[0] || xp.shape[0]! < 1) {
      throw new ShapeError('interp', `xp and fp must be 1-D of one non-zero length, got ${showShape(xp.shape)} and ${showShape(fp.shape)}`);
    }
    const n = xp.shape[0]!;
    const t = x as AnyTensor;
    const [xs, fs] = [xp as AnyTensor, fp as AnyTensor];
    const first = take(xs, 0) as AnyTensor;
    const last = take(xs, n - 1) as AnyTensor;
    const leftValue = (options.left ?? take(fs, 0)) as AnyTensor;
    const rightValue = (options.right ?? take(fs, n - 1)) as AnyTensor;
    let y: AnyTensor;
    if (n === 1) y = broadcastLike(take(fs, 0) as AnyTensor, t);
    else {
      const hi = clip(searchsorted(xs, t, 'right'), 1, n - 1);
      const lo = sub(hi, 1);
      const [x0, x1, f0, f1] = [take(xs, lo), take(xs, hi), take(fs, lo), take(fs, hi)] as AnyTensor[];
      y = add(f0!, mul(div(sub(t, x0!), sub(x1!, x0!)), sub(f1!, f0!)));
    }
    const below = where(less(t, first), leftValue, y);
    return where(greater(t, last), rightValue, below) as never;
  });
}

/**
 * Counts of each value `0 … length−1` in the int32 vector `x`
 * (`jnp.bincount` with JAX's `length`); with `weights`, sums of the weights
 * instead (float32). Values outside the range are not counted.
 * @example
 * ```ts
 * fx.bincount(fx.tensor([0, 2, 2], 'int32'), 4); // [1, 0, 2, 0]
 * ```
 * @public
 */
export function bincount(x: Tensor<[number], 'int32'>, length: number, weights?: Tensor<[number], 'float32'>): Tensor<[number], 'float32' | 'int32'> {
  return scoped(() => {
    if (x.rank !== 1 || x.dtype !== 'int32') throw new ShapeError('bincount', `x must be a 1-D int32 tensor, got ${x.dtype} ${showShape(x.shape)}`);
    if (weights && showShape(weights.shape) !== showShape(x.shape)) throw new ShapeError('bincount', `weights ${showShape(weights.shape)} must have x's shape ${showShape(x.shape)}`);
    const hot = oneHot(x as AnyTensor, length) as AnyTensor; // out-of-range values give a zero row
    if (!weights) return cast(sum(hot, 0), 'int32') as never;
    return sum(mul(hot, reshape(weights as AnyTensor, [x.shape[0]!, 1])), 0) as never;
  });
}

/**
 * The covariance matrix (`jnp.cov`): rows of `m` are variables and columns
 * observations (`rowVar: false` swaps them); divided by `n − ddof`
 * (default ddof 1, unbiased).
 * @example
 * ```ts
 * fx.cov(fx.tensor([[0, 1, 2], [2, 1, 0]])); // [[1, -1], [-1, 1]]
 * ```
 * @public
 */
export function cov(m: Tensor<Shape, 'float32'>, options: { readonly rowVar?: boolean; readonly ddof?: number } = {}): Tensor<number[], 'float32'> {
  return scoped(() => {
    let x = m as AnyTensor;
    if (x.rank === 1) x = reshape(x, [1, x.shape[0]!]);
    if (x.rank !== 2) throw new ShapeError('cov', `m must be 1-D or 2-D, got ${showShape(m.shape)}`);
    if (options.rowVar === false) x = transpose(x, [1, 0]);
    const n = x.shape[1]!;
    const centered = sub(x, mean(x, 1, true) as AnyTensor);
    const c = div(matmul(centered, transpose(centered, [1, 0])), n - (options.ddof ?? 1));
    return (m.rank === 1 ? reshape(c, []) : c) as never;
  });
}

/**
 * Pearson correlation coefficients (`jnp.corrcoef`): `cov` normalized by the
 * standard deviations, with the same row/column convention.
 * @example
 * ```ts
 * fx.corrcoef(fx.tensor([[0, 1, 2], [2, 1, 0]])); // [[1, -1], [-1, 1]]
 * ```
 * @public
 */
export function corrcoef(m: Tensor<Shape, 'float32'>, options: { readonly rowVar?: boolean } = {}): Tensor<number[], 'float32'> {
  return scoped(() => {
    const c = cov(m, options) as AnyTensor;
    if (c.rank === 0) return div(c, c) as never;
    const d = sqrt(diagonal(c)) as AnyTensor;
    const k = d.shape[0]!;
    return div(div(c, reshape(d, [k, 1])), reshape(d, [1, k])) as never;
  });
}

/**
 * The `n × m` float32 matrix with ones at and below diagonal `k` (`jnp.tri`).
 * @example
 * ```ts
 * fx.tri(3); // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
 * ```
 * @public
 */
export function tri(n: number, m = n, k = 0): Tensor<[number, number], 'float32'> {
  return scoped(() => {
    if (!Number.isInteger(n) || n < 0 || !Number.isInteger(m) || m < 0 || !Number.isInteger(k)) throw new ShapeError('tri', `n, m must be non-negative integers and k an integer, got ${n}, ${m}, ${k}`);
    return cast(lowerTriangleMask(n, m, k), 'float32') as never;
  });
}

function hostSpaced(op: string, num: number, values: (i: number) => number): AnyTensor {
  if (!Number.isInteger(num) || num < 0) throw new ShapeError(op, `num must be a non-negative integer, got ${num}`);
  return tensor(Float32Array.from({ length: num }, (_, i) => values(i)), [num]);
}

/**
 * `base ** linspace(start, stop, num)` (`jnp.logspace`; default 50 values, base 10), computed on the host in float64.
 * @example
 * ```ts
 * fx.logspace(0, 2, 3); // [1, 10, 100]
 * ```
 * @public
 */
export function logspace(start: number, stop: number, num = 50, endpoint = true, base = 10): Tensor<[number], 'float32'> {
  const div0 = endpoint ? num - 1 : num;
  const step = div0 > 0 ? (stop - start) / div0 : 0;
  return hostSpaced('logspace', num, (i) => base ** (endpoint && i === num - 1 ? stop : start + i * step)) as never;
}

/**
 * `num` values in geometric progression from `start` to `stop` (`jnp.geomspace`; default 50), both non-zero and of one sign.
 * @example
 * ```ts
 * fx.geomspace(1, 1000, 4); // [1, 10, 100, 1000]
 * ```
 * @public
 */
export function geomspace(start: number, stop: number, num = 50, endpoint = true): Tensor<[number], 'float32'> {
  if (start === 0 || stop === 0 || Math.sign(start) !== Math.sign(stop)) throw new ShapeError('geomspace', `start and stop must be non-zero and of one sign, got ${start}, ${stop}`);
  const sgn = Math.sign(start);
  const [a, b] = [Math.log(Math.abs(start)), Math.log(Math.abs(stop))];
  const div0 = endpoint ? num - 1 : num;
  const step = div0 > 0 ? (b - a) / div0 : 0;
  return hostSpaced('geomspace', num, (i) => (i === 0 ? start : endpoint && i === num - 1 ? stop : sgn * Math.exp(a + i * step))) as never;
}

/**
 * Whether the sign bit is set (`jnp.signbit`): true for negative numbers and −0.
 * @example
 * ```ts
 * fx.signbit(fx.tensor([-1, -0, 0, 2])); // [true, true, false, false]
 * ```
 * @public
 */
export function signbit<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'bool'> {
  return scoped(() => {
    const t = x as AnyTensor;
    return where(equal(t, 0), less(div(1, t), 0), less(t, 0)) as never;
  });
}

/**
 * Picks, elementwise, from the first choice whose condition holds, else
 * `defaultValue` (`jnp.select`).
 * @example
 * ```ts
 * const x = fx.tensor([-1, 0, 2]);
 * fx.select([fx.less(x, 0), fx.greater(x, 0)], [fx.neg(x), fx.mul(x, 10)], 5); // [1, 5, 20]
 * ```
 * @public
 */
export function select<D extends Dtype>(conditions: readonly Tensor<Shape, 'bool'>[], choices: readonly Tensor<Shape, D>[], defaultValue = 0): Tensor<number[], D> {
  return scoped(() => {
    if (conditions.length !== choices.length) throw new ShapeError('select', `${conditions.length} conditions for ${choices.length} choices`);
    let out: AnyTensor | number = defaultValue;
    for (let i = conditions.length - 1; i >= 0; i--) out = where(conditions[i] as AnyTensor, choices[i] as AnyTensor, out as never) as AnyTensor;
    return out as never;
  });
}

/**
 * `split` along axis 1 (axis 0 for vectors), as `jnp.hsplit`.
 * @example
 * ```ts
 * fx.hsplit(fx.tensor([[1, 2, 3, 4]]), 2); // [[[1, 2]], [[3, 4]]]
 * ```
 * @public
 */
export function hsplit<S extends Shape, D extends Dtype>(x: Tensor<S, D>, sections: number | readonly number[]): Tensor<number[], D>[] {
  return split(x, sections, x.rank === 1 ? 0 : 1);
}

/**
 * `split` along axis 0, as `jnp.vsplit` (x of rank ≥ 2).
 * @example
 * ```ts
 * fx.vsplit(fx.tensor([[1], [2]]), 2); // [[[1]], [[2]]]
 * ```
 * @public
 */
export function vsplit<S extends Shape, D extends Dtype>(x: Tensor<S, D>, sections: number | readonly number[]): Tensor<number[], D>[] {
  if (x.rank < 2) throw new ShapeError('vsplit', `x must have rank >= 2, got ${showShape(x.shape)}`);
  return split(x, sections, 0);
}

function broadcastLike(v: AnyTensor, like: AnyTensor): AnyTensor {
  return broadcastTo(v, like.shape);
}
