/**
 * More of the NumPy/JAX surface, as composites: axis moves (`moveaxis`,
 * `swapaxes`, `ravel`, `rot90`, `atleast1d/2d/3d`), `*Like` constructors,
 * logical ops, `round` (half to even), `hypot`, `copysign`, `heaviside`,
 * `fmax`/`fmin`, `nanToNum`, `isclose`/`allclose`, unit conversions,
 * products (`cross`, `kron`, `inner`), and statistics (`average`, `ptp`,
 * `countNonzero`, `nansum`, `nanmean`; quantiles are in numpyStats.ts).
 */
import type { Dtype, Shape } from '../../typelevel/index.js';
import { full } from '../core/creation.js';
import { ShapeError, showShape } from '../core/errors.js';
import type { BinaryOp } from '../core/signatures.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { abs } from '../primitives/abs.js';
import { add } from '../primitives/add.js';
import { broadcastTo } from '../primitives/broadcastTo.js';
import { concat } from '../primitives/concat.js';
import { cast } from '../primitives/cast.js';
import { coerceOperands, normalizeAxis, requireDtype, type TensorLike } from '../primitives/define.js';
import { scoped } from '../core/memory.js';
import { div } from '../primitives/div.js';
import { equal } from '../primitives/equal.js';
import { greater } from '../primitives/greater.js';
import { less } from '../primitives/less.js';
import { lessEqual } from '../primitives/lessEqual.js';
import { max } from '../primitives/max.js';
import { maximum } from '../primitives/maximum.js';
import { min } from '../primitives/min.js';
import { minimum } from '../primitives/minimum.js';
import { mul } from '../primitives/mul.js';
import { neg } from '../primitives/neg.js';
import { notEqual } from '../primitives/notEqual.js';
import { reshape } from '../primitives/reshape.js';
import { log1p } from '../primitives/log1p.js';
import { sqrt } from '../primitives/sqrt.js';
import { sub } from '../primitives/sub.js';
import { reduceAxes, sum } from '../primitives/sum.js';
import { take } from '../primitives/gather.js';
import { transpose } from '../primitives/transpose.js';
import { where } from '../primitives/where.js';
import { flip, split } from './arrays.js';
import { all, floor, isfinite, isnan, remainder } from './math.js';
import { tensordot } from './contract.js';

// ---------------------------------------------------------------- axes

/**
 * Moves axis `source` to position `destination`, keeping the others in order (`jnp.moveaxis`).
 * @example
 * ```ts
 * fx.moveaxis(fx.zeros([2, 3, 4]), 0, -1).shape; // [3, 4, 2]
 * ```
 * @public
 */
export function moveaxis<S extends Shape, D extends Dtype>(x: Tensor<S, D>, source: number, destination: number): Tensor<number[], D> {
  const s = normalizeAxis('moveaxis', source, x.rank);
  const d = normalizeAxis('moveaxis', destination, x.rank);
  const rest = [...Array(x.rank).keys()].filter((i) => i !== s);
  rest.splice(d, 0, s);
  return transpose(x as AnyTensor, rest);
}

/**
 * Exchanges two axes (`jnp.swapaxes`).
 * @example
 * ```ts
 * fx.swapaxes(fx.zeros([2, 3, 4]), 0, 2).shape; // [4, 3, 2]
 * ```
 * @public
 */
export function swapaxes<S extends Shape, D extends Dtype>(x: Tensor<S, D>, axis1: number, axis2: number): Tensor<number[], D> {
  const a = normalizeAxis('swapaxes', axis1, x.rank);
  const b = normalizeAxis('swapaxes', axis2, x.rank);
  const perm = [...Array(x.rank).keys()];
  [perm[a], perm[b]] = [b, a];
  return transpose(x as AnyTensor, perm);
}

/**
 * The elements in row-major order as a vector (`jnp.ravel`).
 * @example
 * ```ts
 * fx.ravel(fx.tensor([[1, 2], [3, 4]])); // [1, 2, 3, 4]
 * ```
 * @public
 */
export function ravel<S extends Shape, D extends Dtype>(x: Tensor<S, D>): Tensor<[number], D> {
  return reshape(x as AnyTensor, [x.size]);
}

/**
 * Rotates by 90° `k` times in the plane of `axes` (default the first two),
 * from the first axis toward the second (`jnp.rot90`).
 * @example
 * ```ts
 * fx.rot90(fx.tensor([[1, 2], [3, 4]])); // [[2, 4], [1, 3]]
 * ```
 * @public
 */
export function rot90<S extends Shape, D extends Dtype>(x: Tensor<S, D>, k = 1, axes: readonly [number, number] = [0, 1]): Tensor<number[], D> {
  return scoped(() => {
    if (x.rank < 2) throw new ShapeError('rot90', `x must have rank >= 2, got shape ${showShape(x.shape)}`);
    if (!Number.isInteger(k)) throw new ShapeError('rot90', `k must be an integer, got ${k}`);
    const [a, b] = [normalizeAxis('rot90', axes[0], x.rank), normalizeAxis('rot90', axes[1], x.rank)];
    if (a === b) throw new ShapeError('rot90', `the two axes must differ, both are ${a}`);
    const turns = ((k % 4) + 4) % 4;
    const t = x as AnyTensor;
    if (turns === 0) return t;
    if (turns === 2) return flip(t, [a, b]) as never;
    // one turn: flip along b, then swap a and b; three turns: swap first, then flip along b.
    return (turns === 1 ? swapaxes(flip(t, b), a, b) : flip(swapaxes(t, a, b) as AnyTensor, b)) as never;
  });
}

/**
 * `x` with at least one axis (`jnp.atleast_1d`): a scalar becomes `[1]`.
 * @example
 * ```ts
 * fx.atleast1d(fx.scalar(3)).shape; // [1]
 * ```
 * @public
 */
export function atleast1d<S extends Shape, D extends Dtype>(x: Tensor<S, D>): Tensor<number[], D> {
  return x.rank >= 1 ? (x as AnyTensor) : reshape(x as AnyTensor, [1]);
}

/**
 * `x` with at least two axes (`jnp.atleast_2d`): `[n]` becomes `[1, n]`.
 * @example
 * ```ts
 * fx.atleast2d(fx.tensor([1, 2])).shape; // [1, 2]
 * ```
 * @public
 */
export function atleast2d<S extends Shape, D extends Dtype>(x: Tensor<S, D>): Tensor<number[], D> {
  return x.rank >= 2 ? (x as AnyTensor) : reshape(x as AnyTensor, x.rank === 0 ? [1, 1] : [1, x.shape[0]!]);
}

/**
 * `x` with at least three axes (`jnp.atleast_3d`): `[n]` → `[1, n, 1]`, `[m, n]` → `[m, n, 1]`.
 * @example
 * ```ts
 * fx.atleast3d(fx.zeros([2, 3])).shape; // [2, 3, 1]
 * ```
 * @public
 */
export function atleast3d<S extends Shape, D extends Dtype>(x: Tensor<S, D>): Tensor<number[], D> {
  const t = x as AnyTensor;
  if (t.rank >= 3) return t;
  return reshape(t, t.rank === 0 ? [1, 1, 1] : t.rank === 1 ? [1, t.shape[0]!, 1] : [...t.shape, 1]);
}

// ---------------------------------------------------------------- constructors like another tensor

/**
 * Zeros with `x`'s shape and dtype (`jnp.zeros_like`).
 * @example
 * ```ts
 * fx.zerosLike(fx.tensor([1, 2])); // [0, 0]
 * ```
 * @public
 */
export function zerosLike<S extends Shape, D extends Dtype>(x: Tensor<S, D>): Tensor<S, D> {
  return full(x.shape as S, x.dtype === 'bool' ? false : 0, x.dtype) as never;
}

/**
 * Ones with `x`'s shape and dtype (`jnp.ones_like`).
 * @example
 * ```ts
 * fx.onesLike(fx.tensor([1, 2])); // [1, 1]
 * ```
 * @public
 */
export function onesLike<S extends Shape, D extends Dtype>(x: Tensor<S, D>): Tensor<S, D> {
  return full(x.shape as S, x.dtype === 'bool' ? true : 1, x.dtype) as never;
}

/**
 * `value` everywhere, with `x`'s shape and dtype (`jnp.full_like`).
 * @example
 * ```ts
 * fx.fullLike(fx.tensor([1, 2]), 7); // [7, 7]
 * ```
 * @public
 */
export function fullLike<S extends Shape, D extends Dtype>(x: Tensor<S, D>, value: number | boolean): Tensor<S, D> {
  return full(x.shape as S, value, x.dtype) as never;
}

// ---------------------------------------------------------------- logical

function truth(x: AnyTensor): AnyTensor {
  return x.dtype === 'bool' ? x : notEqual(x, 0);
}

/**
 * Elementwise logical and; non-bool inputs count as true where non-zero (`jnp.logical_and`).
 * @example
 * ```ts
 * fx.logicalAnd(fx.tensor([true, true]), fx.tensor([true, false])); // [true, false]
 * ```
 * @public
 */
export function logicalAnd(a: Tensor, b: Tensor): Tensor<number[], 'bool'> {
  return scoped(() => {
    const [x, y] = [truth(a as AnyTensor), truth(b as AnyTensor)];
    return where(x, y, x);
  });
}

/**
 * Elementwise logical or (`jnp.logical_or`).
 * @example
 * ```ts
 * fx.logicalOr(fx.tensor([false, true]), fx.tensor([false, false])); // [false, true]
 * ```
 * @public
 */
export function logicalOr(a: Tensor, b: Tensor): Tensor<number[], 'bool'> {
  return scoped(() => {
    const [x, y] = [truth(a as AnyTensor), truth(b as AnyTensor)];
    return where(x, x, y);
  });
}

/**
 * Elementwise logical exclusive or (`jnp.logical_xor`).
 * @example
 * ```ts
 * fx.logicalXor(fx.tensor([true, true]), fx.tensor([true, false])); // [false, true]
 * ```
 * @public
 */
export function logicalXor(a: Tensor, b: Tensor): Tensor<number[], 'bool'> {
  return scoped(() => notEqual(truth(a as AnyTensor), truth(b as AnyTensor)));
}

/**
 * Elementwise logical not (`jnp.logical_not`).
 * @example
 * ```ts
 * fx.logicalNot(fx.tensor([true, false])); // [false, true]
 * ```
 * @public
 */
export function logicalNot<S extends Shape>(x: Tensor<S>): Tensor<S, 'bool'> {
  return equal(truth(x as AnyTensor), 0);
}

// ---------------------------------------------------------------- elementwise

/**
 * Rounds to the nearest integer, ties to even (`jnp.round`, IEEE's default);
 * derivative 0. Exact (no `x + 0.5` rounding error).
 * @example
 * ```ts
 * fx.round(fx.tensor([0.5, 1.5, 2.5, -0.5, 0.49999997])); // [0, 2, 2, -0, 0]
 * ```
 * @public
 */
export function round<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('round', 'x', x, ['float32']);
    const f = floor(x);
    const frac = sub(x, f); // exact in float32
    const odd = equal(remainder(f, 2), 1);
    const up = logicalOr(greater(frac, 0.5), logicalAnd(equal(frac, 0.5), odd));
    return add(f, cast(up, 'float32')) as never;
  });
}

/**
 * `√(a² + b²)` elementwise with broadcasting, without overflow or underflow
 * in the squares (`jnp.hypot`); +Infinity if either is infinite.
 * @example
 * ```ts
 * fx.hypot(fx.tensor([3, 3e30]), fx.tensor([4, 4e30])); // [5, 5e30]
 * ```
 * @public
 */
export const hypot: BinaryOp<'float32'> = scopedBinary((a: TensorLike, b: TensorLike): AnyTensor => {
  const [x, y] = coerceOperands('hypot', a, b).map((v) => abs(v)) as [AnyTensor, AnyTensor];
  const hi = maximum(x, y);
  const lo = minimum(x, y);
  const zero = equal(hi, 0);
  const safeHi = where(zero, 1, hi);
  const ratio = div(lo, safeHi);
  const r = where(zero, hi, mul(hi, sqrt(add(mul(ratio, ratio), 1))));
  return where(equal(hi, Infinity), Infinity, r);
}) as never;

/**
 * `|a|` with the sign of `b` (`jnp.copysign`); `b = −0` counts as negative.
 * @example
 * ```ts
 * fx.copysign(fx.tensor([2, -3]), fx.tensor([-1, 1])); // [-2, 3]
 * ```
 * @public
 */
export const copysign: BinaryOp<'float32'> = scopedBinary((a: TensorLike, b: TensorLike): AnyTensor => {
  const [x, y] = coerceOperands('copysign', a, b) as [AnyTensor, AnyTensor];
  // −0: 1 / −0 = −Infinity is the only way to see its sign.
  const negative = where(equal(y, 0), less(div(1, y), 0), less(y, 0));
  const m = abs(x);
  return where(negative, neg(m), m);
}) as never;

/**
 * The Heaviside step (`jnp.heaviside`): 0 for x < 0, `h0` at 0, 1 for x > 0.
 * @example
 * ```ts
 * fx.heaviside(fx.tensor([-1, 0, 2]), 0.5); // [0, 0.5, 1]
 * ```
 * @public
 */
export const heaviside: BinaryOp<'float32'> = scopedBinary((x: TensorLike, h0: TensorLike): AnyTensor => {
  const [v, h] = coerceOperands('heaviside', x, h0) as [AnyTensor, AnyTensor];
  return where(less(v, 0), 0, where(greater(v, 0), 1, h));
}) as never;

/**
 * Elementwise maximum that ignores NaN (`jnp.fmax`): NaN only where both are NaN.
 * @example
 * ```ts
 * fx.fmax(fx.tensor([NaN, 1]), fx.tensor([2, NaN])); // [2, 1]
 * ```
 * @public
 */
export const fmax: BinaryOp<'float32'> = scopedBinary((a: TensorLike, b: TensorLike): AnyTensor => {
  const [x, y] = coerceOperands('fmax', a, b) as [AnyTensor, AnyTensor];
  return where(isnan(x), y, where(isnan(y), x, maximum(x, y)));
}) as never;

/**
 * Elementwise minimum that ignores NaN (`jnp.fmin`).
 * @example
 * ```ts
 * fx.fmin(fx.tensor([NaN, 1]), fx.tensor([2, NaN])); // [2, 1]
 * ```
 * @public
 */
export const fmin: BinaryOp<'float32'> = scopedBinary((a: TensorLike, b: TensorLike): AnyTensor => {
  const [x, y] = coerceOperands('fmin', a, b) as [AnyTensor, AnyTensor];
  return where(isnan(x), y, where(isnan(y), x, minimum(x, y)));
}) as never;

/** Options of `nanToNum`. @public */
export interface NanToNumOptions {
  /** Replaces NaN (default 0). */
  readonly nan?: number;
  /** Replaces +Infinity (default the largest float32). */
  readonly posinf?: number;
  /** Replaces −Infinity (default the most negative float32). */
  readonly neginf?: number;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Replaces NaN and infinities by finite numbers (`jnp.nan_to_num`).
 * @example
 * ```ts
 * fx.nanToNum(fx.tensor([NaN, Infinity, 1])); // [0, 3.4028235e38, 1]
 * ```
 * @public
 */
export function nanToNum<S extends Shape>(x: Tensor<S, 'float32'>, options: NanToNumOptions = {}): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nanToNum', 'x', x, ['float32']);
    const t = x as AnyTensor;
    const noNan = where(isnan(t), options.nan ?? 0, t);
    return where(equal(t, Infinity), options.posinf ?? FLOAT32_MAX, where(equal(t, -Infinity), options.neginf ?? -FLOAT32_MAX, noNan)) as never;
  });
}

/** Tolerances of `isclose` and `allclose`. @public */
export interface CloseOptions {
  /** Relative tolerance, times `|b|` (default 1e-5). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  readonly atol?: number;
  /** Whether NaN equals NaN (default false). */
  readonly equalNan?: boolean;
}

/**
 * `|a − b| ≤ atol + rtol · |b|` elementwise (`jnp.isclose`); equal
 * infinities are close, NaN is close to NaN only with `equalNan`.
 * @example
 * ```ts
 * fx.isclose(fx.tensor([1, 1]), fx.tensor([1 + 1e-7, 1.1])); // [true, false]
 * ```
 * @public
 */
export function isclose(a: Tensor<Shape, 'float32'>, b: Tensor<Shape, 'float32'>, options: CloseOptions = {}): Tensor<number[], 'bool'> {
  return scoped(() => {
    const [x, y] = [a as AnyTensor, b as AnyTensor];
    const within = lessEqual(abs(sub(x, y)), add(mul(abs(y), options.rtol ?? 1e-5), options.atol ?? 1e-8));
    const same = equal(x, y); // covers equal infinities
    // An infinity is close only to itself (the tolerance would be infinite too).
    const finite = logicalAnd(isfinite(x), isfinite(y));
    const close = where(finite, logicalOr(same, within), same);
    return options.equalNan ? where(isnan(x), isnan(y), close) : close;
  });
}

/**
 * Whether every element pair is close (`jnp.allclose`): a scalar bool.
 * @example
 * ```ts
 * fx.allclose(fx.tensor([1, 2]), fx.tensor([1, 2 + 1e-6])); // true
 * ```
 * @public
 */
export function allclose(a: Tensor<Shape, 'float32'>, b: Tensor<Shape, 'float32'>, options: CloseOptions = {}): Tensor<[], 'bool'> {
  return scoped(() => all(isclose(a, b, options) as AnyTensor) as never);
}

/**
 * Degrees to radians (`jnp.deg2rad`, also `radians`).
 * @example
 * ```ts
 * fx.deg2rad(fx.tensor([180])); // [π]
 * ```
 * @public
 */
export function deg2rad<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return mul(x, Math.PI / 180);
}

/**
 * Radians to degrees (`jnp.rad2deg`, also `degrees`).
 * @example
 * ```ts
 * fx.rad2deg(fx.tensor([Math.PI])); // [180]
 * ```
 * @public
 */
export function rad2deg<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return mul(x, 180 / Math.PI);
}

/**
 * `1 / x` elementwise (`jnp.reciprocal`).
 * @example
 * ```ts
 * fx.reciprocal(fx.tensor([2, 4])); // [0.5, 0.25]
 * ```
 * @public
 */
export function reciprocal<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return div(1, x);
}

// ---------------------------------------------------------------- products

/**
 * The cross product of 3-vectors along `axis` (default -1), with broadcasting
 * of the other axes (`jnp.cross` for 3-vectors).
 * @example
 * ```ts
 * fx.cross(fx.tensor([1, 0, 0]), fx.tensor([0, 1, 0])); // [0, 0, 1]
 * ```
 * @public
 */
export function cross(a: Tensor<Shape, 'float32'>, b: Tensor<Shape, 'float32'>, axis = -1): Tensor<number[], 'float32'> {
  return scoped(() => {
    const [x, y] = [a as AnyTensor, b as AnyTensor];
    const ax = normalizeAxis('cross', axis, x.rank);
    const by = normalizeAxis('cross', axis, y.rank);
    if (x.shape[ax] !== 3 || y.shape[by] !== 3) throw new ShapeError('cross', `axis ${axis} must have size 3 in both, got a ${showShape(x.shape)} and b ${showShape(y.shape)}`);
    const c = (t: AnyTensor, at: number, i: number) => take(t, i, at as never) as AnyTensor;
    const [a0, a1, a2] = [0, 1, 2].map((i) => c(x, ax, i)) as [AnyTensor, AnyTensor, AnyTensor];
    const [b0, b1, b2] = [0, 1, 2].map((i) => c(y, by, i)) as [AnyTensor, AnyTensor, AnyTensor];
    const parts = [sub(mul(a1, b2), mul(a2, b1)), sub(mul(a2, b0), mul(a0, b2)), sub(mul(a0, b1), mul(a1, b0))].map((p) => reshape(p, [...p.shape.slice(0, ax), 1, ...p.shape.slice(ax)]));
    return concat(parts, ax as never) as AnyTensor;
  });
}

/**
 * The Kronecker product (`jnp.kron`): for equal ranks, block `(i, j)` of the
 * result is `a[i, j] · b`; a lower-rank operand gains leading size-1 axes.
 * @example
 * ```ts
 * fx.kron(fx.tensor([[1, 2]]), fx.tensor([[1], [10]])); // [[1, 2], [10, 20]]
 * ```
 * @public
 */
export function kron(a: Tensor<Shape, 'float32'>, b: Tensor<Shape, 'float32'>): Tensor<number[], 'float32'> {
  return scoped(() => {
    const rank = Math.max(a.rank, b.rank);
    const pad = (s: readonly number[]) => [...Array<number>(rank - s.length).fill(1), ...s];
    const sa = pad(a.shape);
    const sb = pad(b.shape);
    const x = reshape(a as AnyTensor, sa.flatMap((d) => [d, 1]));
    const y = reshape(b as AnyTensor, sb.flatMap((d) => [1, d]));
    return reshape(mul(x, y), sa.map((d, i) => d * sb[i]!));
  });
}

/**
 * The inner product over the last axes of both (`jnp.inner`): the result's
 * shape is `a.shape[:-1] + b.shape[:-1]`.
 * @example
 * ```ts
 * fx.inner(fx.tensor([1, 2, 3]), fx.tensor([4, 5, 6])); // 32
 * ```
 * @public
 */
export function inner(a: Tensor<Shape, 'float32'>, b: Tensor<Shape, 'float32'>): Tensor<number[], 'float32'> {
  return scoped(() => {
    if (a.rank === 0 || b.rank === 0) return mul(a as AnyTensor, b as AnyTensor);
    return tensordot(a, b, [[-1], [-1]]);
  });
}

// ---------------------------------------------------------------- statistics

/**
 * The weighted average over `axis` (`jnp.average`): `Σ w·x / Σ w`. `weights`
 * has `x`'s shape, or is 1-D along a single `axis`; without weights it is `mean`.
 * @example
 * ```ts
 * fx.average(fx.tensor([1, 2, 3]), 0, fx.tensor([3, 1, 0])); // 1.25
 * ```
 * @public
 */
export function average(x: Tensor<Shape, 'float32'>, axis?: number | readonly number[], weights?: Tensor<Shape, 'float32'>): Tensor<number[], 'float32'> {
  return scoped(() => {
    const t = x as AnyTensor;
    const axes = reduceAxes('average', t.rank, axis as number | number[] | undefined);
    let w: AnyTensor;
    if (!weights) w = full(t.shape, 1);
    else if (weights.rank === 1 && t.rank > 1) {
      if (axes.length !== 1 || weights.shape[0] !== t.shape[axes[0]!]) {
        throw new ShapeError('average', `1-D weights ${showShape(weights.shape)} need one axis of x ${showShape(t.shape)} of the same length`);
      }
      w = reshape(weights as AnyTensor, t.shape.map((d: number, i: number) => (i === axes[0] ? d : 1)));
    } else {
      if (showShape(weights.shape) !== showShape(t.shape)) throw new ShapeError('average', `weights ${showShape(weights.shape)} must have x's shape ${showShape(t.shape)} (or be 1-D along one axis)`);
      w = weights as AnyTensor;
    }
    const wb = broadcastTo(w, t.shape);
    return div(sum(mul(t, wb), axes), sum(wb, axes));
  });
}

/**
 * The range `max − min` over `axis` (`jnp.ptp`, "peak to peak").
 * @example
 * ```ts
 * fx.ptp(fx.tensor([[1, 5], [2, 3]]), 1); // [4, 1]
 * ```
 * @public
 */
export function ptp(x: Tensor<Shape, 'float32' | 'int32'>, axis?: number | readonly number[], keepDims = false): Tensor<number[], 'float32' | 'int32'> {
  return scoped(() => {
    const a = axis as number | number[] | undefined;
    return sub(max(x as AnyTensor, a as never, keepDims), min(x as AnyTensor, a as never, keepDims));
  });
}

/**
 * The number of non-zero (true) elements over `axis`, as int32 (`jnp.count_nonzero`).
 * @example
 * ```ts
 * fx.countNonzero(fx.tensor([[0, 1], [2, 3]])); // 3
 * ```
 * @public
 */
export function countNonzero(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor<number[], 'int32'> {
  return scoped(() => {
    const t = x as AnyTensor;
    return sum(cast(truth(t), 'int32'), reduceAxes('countNonzero', t.rank, axis as number | number[] | undefined), keepDims);
  });
}

/**
 * The sum over `axis` ignoring NaN (`jnp.nansum`): NaN counts as 0; its
 * gradient there is 0.
 * @example
 * ```ts
 * fx.nansum(fx.tensor([1, NaN, 2])); // 3
 * ```
 * @public
 */
export function nansum(x: Tensor<Shape, 'float32'>, axis?: number | readonly number[], keepDims = false): Tensor<number[], 'float32'> {
  return scoped(() => {
    const t = x as AnyTensor;
    return sum(where(isnan(t), 0, t), reduceAxes('nansum', t.rank, axis as number | number[] | undefined), keepDims);
  });
}

/**
 * The mean over `axis` of the non-NaN elements (`jnp.nanmean`); NaN where
 * every element is NaN.
 * @example
 * ```ts
 * fx.nanmean(fx.tensor([1, NaN, 2])); // 1.5
 * ```
 * @public
 */
export function nanmean(x: Tensor<Shape, 'float32'>, axis?: number | readonly number[], keepDims = false): Tensor<number[], 'float32'> {
  return scoped(() => {
    const t = x as AnyTensor;
    const axes = reduceAxes('nanmean', t.rank, axis as number | number[] | undefined);
    const ok = logicalNot(isnan(t));
    return div(sum(where(ok, t, 0), axes, keepDims), sum(cast(ok, 'float32'), axes, keepDims));
  });
}

// ---------------------------------------------------------------- inverse hyperbolic

/**
 * Inverse hyperbolic sine (`jnp.arcsinh`, `asinh`):
 * `log(x + √(x² + 1))`, computed for x ≥ 0 as `log1p(x + x²/(1 + √(x² + 1)))`
 * (accurate near 0 and for large x) and by oddness for x < 0.
 * Derivative: `1 / √(x² + 1)`.
 * @example
 * ```ts
 * fx.asinh(fx.tensor([0, 1])); // [0, 0.8814]
 * ```
 * @public
 */
export function asinh<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('asinh', 'x', x, ['float32']);
    // f(v) = log1p(v + v²/(1 + √(v² + 1))) is accurate for v ≥ 0 (no cancellation); asinh is odd.
    const f = (v: AnyTensor) => log1p(add(v, div(mul(v, v), add(sqrt(add(mul(v, v), 1)), 1))));
    const t = x as AnyTensor;
    return where(less(t, 0), neg(f(neg(t))), f(t)) as never;
  });
}

/**
 * Inverse hyperbolic cosine (`jnp.arccosh`, `acosh`) for x ≥ 1 (NaN below):
 * `log(x + √(x² − 1))`, computed as `log1p(t + √(t·(t + 2)))` with
 * `t = x − 1` for accuracy near 1. Derivative `1 / √(x² − 1)` (+Inf at 1).
 * @example
 * ```ts
 * fx.acosh(fx.tensor([1, 2])); // [0, 1.3170]
 * ```
 * @public
 */
export function acosh<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('acosh', 'x', x, ['float32']);
    const t = sub(x as AnyTensor, 1);
    return log1p(add(t, sqrt(mul(t, add(t, 2))))) as never;
  });
}

/**
 * Inverse hyperbolic tangent (`jnp.arctanh`, `atanh`) on (−1, 1):
 * `½ · (log1p(x) − log1p(−x))`; ±Infinity at ±1, NaN outside. Derivative `1 / (1 − x²)`.
 * @example
 * ```ts
 * fx.atanh(fx.tensor([0, 0.5])); // [0, 0.5493]
 * ```
 * @public
 */
export function atanh<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('atanh', 'x', x, ['float32']);
    // ½(log1p(x) − log1p(−x)): exact ±Infinity at ±1 on every backend (the quotient 2x/(1 − x) is not exact
    // on webgpu, whose division has 2.5 ulp of error, which turned atanh(−1) into −44).
    return mul(sub(log1p(x as AnyTensor), log1p(mul(x as AnyTensor, -1))), 0.5) as never;
  });
}


// ---------------------------------------------------------------- NaN-ignoring extrema, percentile, vdot, splits

/**
 * The maximum over `axis` ignoring NaN (`jnp.nanmax`); NaN where every element is NaN.
 * @example
 * ```ts
 * fx.nanmax(fx.tensor([1, NaN, 3])); // 3
 * ```
 * @public
 */
export function nanmax(x: Tensor<Shape, 'float32'>, axis?: number | readonly number[], keepDims = false): Tensor<number[], 'float32'> {
  return scoped(() => {
    const t = x as AnyTensor;
    const axes = reduceAxes('nanmax', t.rank, axis as number | number[] | undefined);
    const nan = isnan(t);
    const m = max(where(nan, -Infinity, t), axes as never, keepDims) as AnyTensor;
    return where(all(nan, axes as never, keepDims) as AnyTensor, NaN, m);
  });
}

/**
 * The minimum over `axis` ignoring NaN (`jnp.nanmin`); NaN where every element is NaN.
 * @example
 * ```ts
 * fx.nanmin(fx.tensor([1, NaN, 3])); // 1
 * ```
 * @public
 */
export function nanmin(x: Tensor<Shape, 'float32'>, axis?: number | readonly number[], keepDims = false): Tensor<number[], 'float32'> {
  return scoped(() => {
    const t = x as AnyTensor;
    const axes = reduceAxes('nanmin', t.rank, axis as number | number[] | undefined);
    const nan = isnan(t);
    const m = min(where(nan, Infinity, t), axes as never, keepDims) as AnyTensor;
    return where(all(nan, axes as never, keepDims) as AnyTensor, NaN, m);
  });
}

/**
 * The dot product of the flattened operands (`jnp.vdot`; real values, so no conjugation).
 * @example
 * ```ts
 * fx.vdot(fx.tensor([[1, 2], [3, 4]]), fx.tensor([[1, 1], [1, 1]])); // 10
 * ```
 * @public
 */
export function vdot(a: Tensor<Shape, 'float32'>, b: Tensor<Shape, 'float32'>): Tensor<[], 'float32'> {
  return scoped(() => {
    if (a.size !== b.size) throw new ShapeError('vdot', `operands have ${a.size} and ${b.size} elements (a ${showShape(a.shape)}, b ${showShape(b.shape)})`);
    return sum(mul(reshape(a as AnyTensor, [a.size]), reshape(b as AnyTensor, [b.size]))) as never;
  });
}

/**
 * Splits into `n` nearly equal parts along `axis` (`jnp.array_split`): the
 * first `size % n` parts get one extra element.
 * @example
 * ```ts
 * fx.arraySplit(fx.tensor([1, 2, 3, 4, 5]), 3); // [[1, 2], [3, 4], [5]]
 * ```
 * @public
 */
export function arraySplit<S extends Shape, D extends Dtype>(x: Tensor<S, D>, sections: number | readonly number[], axis = 0): Tensor<number[], D>[] {
  if (typeof sections !== 'number') return split(x, sections, axis);
  const a = normalizeAxis('arraySplit', axis, x.rank);
  if (!Number.isInteger(sections) || sections <= 0) throw new ShapeError('arraySplit', `sections must be a positive integer, got ${sections}`);
  const n = x.shape[a]!;
  const base = Math.floor(n / sections);
  const extra = n % sections;
  const cuts: number[] = [];
  let at = 0;
  for (let i = 0; i < sections - 1; i++) {
    at += base + (i < extra ? 1 : 0);
    cuts.push(at);
  }
  return split(x, cuts, a);
}

/**
 * Stacks 1-D inputs as columns of a matrix (2-D inputs are joined along
 * axis 1), as `jnp.column_stack`.
 * @example
 * ```ts
 * fx.columnStack([fx.tensor([1, 2]), fx.tensor([3, 4])]); // [[1, 3], [2, 4]]
 * ```
 * @public
 */
export function columnStack<D extends Dtype>(xs: readonly Tensor<Shape, D>[]): Tensor<number[], D> {
  return scoped(() => {
    if (xs.length === 0) throw new ShapeError('columnStack', 'needs at least one tensor');
    return concat(xs.map((x) => (x.rank < 2 ? reshape(x as AnyTensor, [x.size, 1]) : (x as AnyTensor))), 1 as never) as never;
  });
}

/** A binary composite run inside a scope: its intermediates and the scalars made for JS numbers are freed when it returns. */
function scopedBinary<A, B>(f: (a: A, b: B) => AnyTensor): (a: A, b: B) => AnyTensor {
  return (a, b) => scoped(() => f(a, b));
}
