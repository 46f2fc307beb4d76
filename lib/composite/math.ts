/**
 * Elementwise math and reductions of the NumPy/JAX surface, as composites of
 * primitives (so `jvp`, `grad`, `vmap` and `jit` come from those primitives'
 * rules): predicates (`isnan`, `isinf`, `isfinite`), rounding (`floor`,
 * `ceil`, `trunc`) and the divisions built on it (`floorDivide`,
 * `remainder`, `fmod`), exponentials and logarithms in other bases,
 * hyperbolic and inverse trigonometric functions, `logaddexp`, boolean
 * reductions (`all`, `any`), moments (`variance` exported as `var`, `std`)
 * and running products (`cumprod`, `cumulativeSum`).
 */
import type { Checked, Dtype, Reduce, ReduceResult, Shape } from '../../typelevel/index.js';
import { ShapeError } from '../core/errors.js';
import type { BinaryOp } from '../core/signatures.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { abs } from '../primitives/abs.js';
import { add } from '../primitives/add.js';
import { asin } from '../primitives/asin.js';
import { broadcastTo } from '../primitives/broadcastTo.js';
import { cast } from '../primitives/cast.js';
import { cumsum } from '../primitives/cumsum.js';
import { coerceOperands, normalizeAxis, requireDtype, type TensorLike } from '../primitives/define.js';
import { scoped } from '../core/memory.js';
import { div } from '../primitives/div.js';
import { equal } from '../primitives/equal.js';
import { exp } from '../primitives/exp.js';
import { greater } from '../primitives/greater.js';
import { less } from '../primitives/less.js';
import { log } from '../primitives/log.js';
import { log1p } from '../primitives/log1p.js';
import { maximum } from '../primitives/maximum.js';
import { mul } from '../primitives/mul.js';
import { neg } from '../primitives/neg.js';
import { notEqual } from '../primitives/notEqual.js';
import { pad } from '../primitives/pad.js';
import { pow } from '../primitives/pow.js';
import { prod } from '../primitives/prod.js';
import { reshape } from '../primitives/reshape.js';
import { sign } from '../primitives/sign.js';
import { stopGradient } from '../primitives/stopGradient.js';
import { sub } from '../primitives/sub.js';
import { reduceAxes, reducedShape, sum } from '../primitives/sum.js';
import { full } from '../core/creation.js';
import { transpose } from '../primitives/transpose.js';
import { where } from '../primitives/where.js';
import { mean, toFloat } from './mean.js';
import { lowerTriangleMask } from './arrays.js';

/** Float32 values at or above 2^23 in magnitude are already integers. */
const EXACT_INT = 2 ** 23;

// ---------------------------------------------------------------- predicates

/**
 * `true` where `x` is NaN (`jnp.isnan`); int32 input gives all `false`.
 * @example
 * ```ts
 * fx.isnan(fx.tensor([1, NaN])); // [false, true]
 * ```
 * @public
 */
export function isnan<S extends Shape>(x: Tensor<S, 'float32' | 'int32'>): Tensor<S, 'bool'> {
  requireDtype('isnan', 'x', x, ['float32', 'int32']);
  return notEqual(x as AnyTensor, x as AnyTensor);
}

/**
 * `true` where `x` is +Infinity or -Infinity (`jnp.isinf`).
 * @example
 * ```ts
 * fx.isinf(fx.tensor([1, -Infinity, NaN])); // [false, true, false]
 * ```
 * @public
 */
export function isinf<S extends Shape>(x: Tensor<S, 'float32' | 'int32'>): Tensor<S, 'bool'> {
  return scoped(() => {
    requireDtype('isinf', 'x', x, ['float32', 'int32']);
    if (x.dtype === 'int32') return notEqual(x as AnyTensor, x as AnyTensor);
    return equal(abs(x as AnyTensor), Infinity);
  });
}

/**
 * `true` where `x` is neither infinite nor NaN (`jnp.isfinite`).
 * @example
 * ```ts
 * fx.isfinite(fx.tensor([1, Infinity, NaN])); // [true, false, false]
 * ```
 * @public
 */
export function isfinite<S extends Shape>(x: Tensor<S, 'float32' | 'int32'>): Tensor<S, 'bool'> {
  return scoped(() => {
    requireDtype('isfinite', 'x', x, ['float32', 'int32']);
    if (x.dtype === 'int32') return equal(x as AnyTensor, x as AnyTensor);
    return less(abs(x as AnyTensor), Infinity);
  });
}

// ---------------------------------------------------------------- rounding

/** Rounds toward zero through an int32 cast where that is exact; large values are integers already. */
function truncFloat(x: AnyTensor): AnyTensor {
  const t = cast(cast(x, 'int32'), 'float32');
  return where(less(abs(x), EXACT_INT), t, x);
}

function floorFloat(x: AnyTensor): AnyTensor {
  const t = truncFloat(x);
  return sub(t, cast(greater(t, x), 'float32'));
}

/**
 * The largest integer ≤ x, elementwise (`jnp.floor`); NaN and ±Infinity pass
 * through. Derivative 0 (as JAX).
 * @example
 * ```ts
 * fx.floor(fx.tensor([1.5, -1.5])); // [1, -2]
 * ```
 * @public
 */
export function floor<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('floor', 'x', x, ['float32']);
    return floorFloat(stopGradient(x as AnyTensor));
  });
}

/**
 * The smallest integer ≥ x, elementwise (`jnp.ceil`). Derivative 0.
 * @example
 * ```ts
 * fx.ceil(fx.tensor([1.5, -1.5])); // [2, -1]
 * ```
 * @public
 */
export function ceil<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('ceil', 'x', x, ['float32']);
    return neg(floorFloat(neg(stopGradient(x as AnyTensor))));
  });
}

/**
 * Rounds toward zero, elementwise (`jnp.trunc`). Derivative 0.
 * @example
 * ```ts
 * fx.trunc(fx.tensor([1.5, -1.5])); // [1, -1]
 * ```
 * @public
 */
export function trunc<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('trunc', 'x', x, ['float32']);
    return truncFloat(stopGradient(x as AnyTensor));
  });
}

/** floor(a / b) for float32 or int32 operands (int32 through float32: exact below 2^24). */
function floorQuotient(a: AnyTensor, b: AnyTensor): AnyTensor {
  return floorFloat(stopGradient(div(toFloat(a), toFloat(b))));
}

/**
 * `floor(a / b)` elementwise with broadcasting (`jnp.floor_divide`, Python's
 * `//`); int32 operands give int32 (computed through float32, exact while
 * |a / b| < 2^24). Derivative 0.
 * @example
 * ```ts
 * fx.floorDivide(fx.tensor([7, -7]), 2); // [3, -4]
 * ```
 * @public
 */
export const floorDivide: BinaryOp<'float32' | 'int32'> = scopedBinary((a: TensorLike, b: TensorLike): AnyTensor => {
  const [x, y] = coerceOperands('floorDivide', a, b);
  const q = floorQuotient(x!, y!);
  return x!.dtype === 'int32' ? cast(q, 'int32') : q;
}) as never;

/**
 * The remainder with the sign of the divisor (`jnp.remainder`, Python's `%`):
 * `a − floor(a / b) · b`, elementwise with broadcasting. Derivatives 1 in `a`
 * and `−floor(a / b)` in `b`. Computed from a float32 quotient, so it is
 * exact while |a / b| < 2^24.
 * @example
 * ```ts
 * fx.remainder(fx.tensor([7, -7]), 3); // [1, 2]
 * ```
 * @public
 */
export const remainder: BinaryOp<'float32' | 'int32'> = scopedBinary((a: TensorLike, b: TensorLike): AnyTensor => {
  const [x, y] = coerceOperands('remainder', a, b);
  const q = floorQuotient(x!, y!);
  return sub(x!, mul(x!.dtype === 'int32' ? cast(q, 'int32') : q, y!));
}) as never;

/**
 * The remainder with the sign of the dividend (`jnp.fmod`, C's `fmod`):
 * `a − trunc(a / b) · b`, elementwise with broadcasting. Derivatives 1 in `a`
 * and `−trunc(a / b)` in `b`.
 * @example
 * ```ts
 * fx.fmod(fx.tensor([7, -7]), 3); // [1, -1]
 * ```
 * @public
 */
export const fmod: BinaryOp<'float32' | 'int32'> = scopedBinary((a: TensorLike, b: TensorLike): AnyTensor => {
  const [x, y] = coerceOperands('fmod', a, b);
  const q = truncFloat(stopGradient(div(toFloat(x!), toFloat(y!))));
  return sub(x!, mul(x!.dtype === 'int32' ? cast(q, 'int32') : q, y!));
}) as never;

// ---------------------------------------------------------------- exponentials and logarithms

/**
 * 2^x elementwise (`jnp.exp2`).
 * @example
 * ```ts
 * fx.exp2(fx.tensor([3, -1])); // [8, 0.5]
 * ```
 * @public
 */
export function exp2<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => exp(mul(x, Math.LN2)));
}

/**
 * Base-2 logarithm (`jnp.log2`).
 * @example
 * ```ts
 * fx.log2(fx.tensor([8, 0.5])); // [3, -1]
 * ```
 * @public
 */
export function log2<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => div(log(x), Math.LN2));
}

/**
 * Base-10 logarithm (`jnp.log10`).
 * @example
 * ```ts
 * fx.log10(fx.tensor([100, 0.1])); // [2, -1]
 * ```
 * @public
 */
export function log10<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => div(log(x), Math.LN10));
}

/**
 * The real cube root, negative for negative x (`jnp.cbrt`):
 * `sign(x) · |x|^(1/3)`. Derivative `1 / (3 · cbrt(x)²)`, NaN at x = 0
 * (where the true derivative is +Inf).
 * @example
 * ```ts
 * fx.cbrt(fx.tensor([8, -27])); // [2, -3]
 * ```
 * @public
 */
export function cbrt<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('cbrt', 'x', x, ['float32']);
    return mul(sign(x), pow(abs(x), 1 / 3));
  });
}

/**
 * `log(exp(a) + exp(b))` elementwise with broadcasting, computed stably as
 * `max(a, b) + log1p(exp(−|a − b|))` (`jnp.logaddexp`): finite for large
 * inputs, `-Infinity` when both are `-Infinity`. Derivatives: the softmax
 * weights `exp(a − out)`, `exp(b − out)` (½ each where a = b).
 * @example
 * ```ts
 * fx.logaddexp(fx.tensor([1000]), fx.tensor([1000])); // [1000.6931]
 * ```
 * @public
 */
export const logaddexp: BinaryOp<'float32'> = scopedBinary((a: TensorLike, b: TensorLike): AnyTensor => {
  const [x, y] = coerceOperands('logaddexp', a, b);
  requireDtype('logaddexp', 'a', x!, ['float32']);
  requireDtype('logaddexp', 'b', y!, ['float32']);
  const delta = sub(x!, y!);
  // a − b is NaN when both are the same infinity; then a + b is the answer (as JAX).
  return where(notEqual(delta, delta), add(x!, y!), add(maximum(x!, y!), log1p(exp(neg(abs(delta))))));
}) as never;

/**
 * `log2(2^a + 2^b)` elementwise, computed stably (`jnp.logaddexp2`).
 * @example
 * ```ts
 * fx.logaddexp2(fx.tensor([3]), fx.tensor([3])); // [4]
 * ```
 * @public
 */
export const logaddexp2: BinaryOp<'float32'> = scopedBinary((a: TensorLike, b: TensorLike): AnyTensor => {
  const [x, y] = coerceOperands('logaddexp2', a, b);
  return div(logaddexp(mul(x!, Math.LN2), mul(y!, Math.LN2)), Math.LN2);
}) as never;

// ---------------------------------------------------------------- hyperbolic and inverse trigonometric

/**
 * Elementwise arccosine in [0, π] (`jnp.arccos`), as `π/2 − asin(x)`; NaN
 * outside [-1, 1]. Derivative: −1 / √(1 − x²).
 * @example
 * ```ts
 * fx.acos(fx.tensor([1, 0])); // [0, π/2]
 * ```
 * @public
 */
export function acos<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => sub(Math.PI / 2, asin(x)));
}

// ---------------------------------------------------------------- boolean reductions

function truthCount(op: string, x: AnyTensor, axes: number[], keepDims: boolean): AnyTensor {
  requireDtype(op, 'x', x, ['bool', 'float32', 'int32']);
  const truth = x.dtype === 'bool' ? x : notEqual(x, 0);
  return sum(cast(truth, 'int32'), axes, keepDims);
}

/**
 * Whether every element is true (non-zero) over `axis` (a number, a list, or
 * all axes when omitted), keeping reduced axes when `keepDims` (`jnp.all`).
 * True over zero elements.
 * @example
 * ```ts
 * fx.all(fx.tensor([[true, false], [true, true]]), 1); // [false, true]
 * ```
 * @public
 */
export function all<S extends Shape, const A extends number | number[] | undefined = undefined, K extends boolean = false>(
  x: Tensor<S, Dtype>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
): Tensor<Reduce<S, A, K>, 'bool'> {
  return scoped(() => {
    const axes = reduceAxes('all', x.rank, axis);
    const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
    // Over zero elements the answer is known from shapes alone (and empty sums differ between backends).
    if (count === 0) return full(reducedShape(x.shape, axes, keepDims ?? false), true, 'bool') as never;
    return equal(truthCount('all', x as AnyTensor, axes, keepDims ?? false), count) as never;
  });
}

/**
 * Whether any element is true (non-zero) over `axis` (`jnp.any`). False over
 * zero elements.
 * @example
 * ```ts
 * fx.any(fx.tensor([[true, false], [false, false]]), 1); // [true, false]
 * ```
 * @public
 */
export function any<S extends Shape, const A extends number | number[] | undefined = undefined, K extends boolean = false>(
  x: Tensor<S, Dtype>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
): Tensor<Reduce<S, A, K>, 'bool'> {
  return scoped(() => {
    const axes = reduceAxes('any', x.rank, axis);
    if (axes.some((a) => x.shape[a] === 0)) return full(reducedShape(x.shape, axes, keepDims ?? false), false, 'bool') as never;
    return greater(truthCount('any', x as AnyTensor, axes, keepDims ?? false), 0) as never;
  });
}

// ---------------------------------------------------------------- moments

/** Options of `var` and `std`. @public */
export interface MomentOptions {
  /** Delta degrees of freedom: the sum of squares is divided by `n − ddof` (default 0; 1 gives the unbiased variance). */
  readonly ddof?: number;
}

/**
 * The variance over `axis` (a number, a list, or all axes when omitted):
 * `Σ (x − mean)² / (n − ddof)` (`jnp.var`; exported as `fx.var`, `var`
 * being a reserved word for a declaration). int32 and bool are promoted to
 * float32. With `n − ddof ≤ 0` the result is NaN or Infinity, as NumPy.
 * @example
 * ```ts
 * fx.var(fx.tensor([1, 2, 3, 4]));              // 1.25
 * fx.var(fx.tensor([1, 2, 3, 4]), 0, false, { ddof: 1 }); // 1.6667
 * ```
 * @public
 */
export function variance<S extends Shape, const A extends number | number[] | undefined = undefined, K extends boolean = false>(
  x: Tensor<S>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
  options?: MomentOptions,
): Tensor<Reduce<S, A, K>, 'float32'> {
  return scoped(() => {
    const xf = toFloat(x as AnyTensor);
    const axes = reduceAxes('var', x.rank, axis);
    const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
    const ddof = options?.ddof ?? 0;
    const centered = sub(xf, mean(xf, axes, true));
    return div(sum(mul(centered, centered), axes, keepDims ?? false), count - ddof) as never;
  });
}

/**
 * The standard deviation, `√var` (`jnp.std`), with the same `axis`,
 * `keepDims` and `ddof` as {@link variance}. Its derivative at zero spread
 * is +Inf/NaN, as `sqrt` at 0.
 * @example
 * ```ts
 * fx.std(fx.tensor([1, 3])); // 1
 * ```
 * @public
 */
export function std<S extends Shape, const A extends number | number[] | undefined = undefined, K extends boolean = false>(
  x: Tensor<S>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
  options?: MomentOptions,
): Tensor<Reduce<S, A, K>, 'float32'> {
  return scoped(() => pow(variance(x as AnyTensor, axis as never, keepDims, options), 0.5) as never);
}

// ---------------------------------------------------------------- running products and sums

/**
 * Running products along `axis` (`jnp.cumprod`); with no axis the tensor is
 * flattened first. Exact derivatives also where elements are 0: computed
 * as `prod` over a triangular mask (no division), which costs n² work and
 * memory per row of length n along the axis.
 * @example
 * ```ts
 * fx.cumprod(fx.tensor([1, 2, 3, 4])); // [1, 2, 6, 24]
 * ```
 * @public
 */
export function cumprod<S extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>, axis?: undefined): Tensor<[number], D>;
/** @public */
export function cumprod<S extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>, axis: number): Tensor<S, D>;
export function cumprod(x: AnyTensor, axis?: number): AnyTensor {
  return scoped(() => {
    requireDtype('cumprod', 'x', x, ['float32', 'int32']);
    if (axis === undefined) return cumprod(reshape(x, [x.size]), 0);
    const ax = normalizeAxis('cumprod', axis, x.rank);
    const last = x.rank - 1;
    const perm = [...Array(x.rank).keys()];
    [perm[ax], perm[last]] = [perm[last]!, perm[ax]!];
    const moved = transpose(x, perm);
    const n = moved.shape[last]!;
    // rows[..., i, j] = x[..., j] where j ≤ i, else 1; the product over j is the running product.
    const rows = broadcastTo(reshape(moved, [...moved.shape.slice(0, -1), 1, n]), [...moved.shape, n]);
    const out = prod(where(lowerTriangleMask(n, n, 0), rows, 1), -1);
    return transpose(out, perm);
  });
}

/**
 * Running sums along `axis` (`jnp.cumulative_sum`): as {@link cumsum}, but
 * `axis` may be omitted only for a 1-D (or 0-D) input, and
 * `includeInitial` prepends a 0, so the result is one longer along `axis`.
 * @example
 * ```ts
 * fx.cumulativeSum(fx.tensor([1, 2, 3]));                   // [1, 3, 6]
 * fx.cumulativeSum(fx.tensor([1, 2, 3]), 0, true);          // [0, 1, 3, 6]
 * ```
 * @public
 */
export function cumulativeSum<S extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>, axis?: number, includeInitial = false): Tensor<number[], D> {
  return scoped(() => {
    requireDtype('cumulativeSum', 'x', x, ['float32', 'int32']);
    if (axis === undefined && x.rank > 1) throw new ShapeError('cumulativeSum', `axis is required for an input of rank ${x.rank} (x has shape [${x.shape.join(', ')}])`);
    const xs = (x.rank === 0 ? reshape(x as AnyTensor, [1]) : x) as AnyTensor;
    const ax = normalizeAxis('cumulativeSum', axis ?? 0, xs.rank);
    const c = cumsum(xs, ax);
    if (!includeInitial) return c as never;
    return pad(c, (xs.shape as number[]).map((_, i) => (i === ax ? [1, 0] : [0, 0]) as [number, number]) as never) as never;
  });
}

/** A binary composite run inside a scope: its intermediates and the scalars made for JS numbers are freed when it returns. */
function scopedBinary<A, B>(f: (a: A, b: B) => AnyTensor): (a: A, b: B) => AnyTensor {
  return (a, b) => scoped(() => f(a, b));
}
