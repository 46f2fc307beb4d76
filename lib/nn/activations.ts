/**
 * Activation functions of `jax.nn`, as composites of primitives (so every
 * transformation applies): `gelu`, `leakyRelu`, `elu`, `selu`, `silu`
 * (= `swish`), `softSign`, `log1mexp`, `standardize`, `relu6`, `hardTanh`,
 * `hardSigmoid`, `hardSilu`, `logSigmoid`, `celu`, `glu`, `mish`,
 * `squareplus`, `sparsePlus`. Where a branch could
 * produce Inf/NaN for inputs it does not select, the input is masked first
 * ("double where"), so derivatives stay finite.
 */
import type { Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { abs } from '../primitives/abs.js';
import { add } from '../primitives/add.js';
import { requireDtype } from '../primitives/define.js';
import { div } from '../primitives/div.js';
import { erf } from '../primitives/erf.js';
import { exp } from '../primitives/exp.js';
import { expm1 } from '../primitives/expm1.js';
import { greater } from '../primitives/greater.js';
import { greaterEqual } from '../primitives/greaterEqual.js';
import { less } from '../primitives/less.js';
import { lessEqual } from '../primitives/lessEqual.js';
import { relu } from '../primitives/relu.js';
import { softplus } from '../primitives/softplus.js';
import { sqrt } from '../primitives/sqrt.js';
import { square } from '../primitives/square.js';
import { log } from '../primitives/log.js';
import { log1p } from '../primitives/log1p.js';
import { mul } from '../primitives/mul.js';
import { neg } from '../primitives/neg.js';
import { rsqrt } from '../primitives/rsqrt.js';
import { sigmoid } from '../primitives/sigmoid.js';
import { sub } from '../primitives/sub.js';
import { reduceAxes } from '../primitives/sum.js';
import { tanh } from '../primitives/tanh.js';
import { where } from '../primitives/where.js';
import { mean } from '../composite/mean.js';
import { split } from '../composite/arrays.js';
import { scoped } from '../core/memory.js';

/** Options of `gelu`. @public */
export interface GeluOptions {
  /** Use the tanh approximation (default true, as `jax.nn.gelu`); false gives the exact erf form. */
  readonly approximate?: boolean;
}

/**
 * The Gaussian error linear unit (`jax.nn.gelu`): `x · Φ(x)`. With
 * `approximate: true` (the default, as JAX) it is
 * `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`; with `false` the exact
 * `½x(1 + erf(x/√2))`.
 * @example
 * ```ts
 * fx.nn.gelu(fx.tensor([-1, 0, 1]));                         // [-0.1588, 0, 0.8412]
 * fx.nn.gelu(fx.tensor([-1, 0, 1]), { approximate: false }); // [-0.1587, 0, 0.8413]
 * ```
 * @public
 */
export function gelu<S extends Shape>(x: Tensor<S, 'float32'>, options?: GeluOptions): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.gelu', 'x', x, ['float32']);
    const half = mul(x, 0.5);
    if (options?.approximate === false) return mul(half, add(erf(mul(x, Math.SQRT1_2)), 1));
    const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(half, add(tanh(inner), 1));
  });
}

/**
 * Leaky ReLU (`jax.nn.leaky_relu`): `x` for x ≥ 0, `negativeSlope · x`
 * otherwise (default slope 0.01); derivative 1 at 0.
 * @example
 * ```ts
 * fx.nn.leakyRelu(fx.tensor([-2, 3]), 0.1); // [-0.2, 3]
 * ```
 * @public
 */
export function leakyRelu<S extends Shape>(x: Tensor<S, 'float32'>, negativeSlope = 0.01): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.leakyRelu', 'x', x, ['float32']);
    return where(greaterEqual(x, 0), x, mul(x, negativeSlope));
  });
}

/** `alpha · (eˣ − 1)` for the non-positive inputs only (masked first, so large x never overflows). */
function negativeExpm1(x: AnyTensor, alpha: number): AnyTensor {
  const positive = greater(x, 0);
  return where(positive, x, mul(expm1(where(positive, 0, x)), alpha));
}

/**
 * Exponential linear unit (`jax.nn.elu`): `x` for x > 0, `alpha · (eˣ − 1)`
 * otherwise (default alpha 1).
 * @example
 * ```ts
 * fx.nn.elu(fx.tensor([-1, 2])); // [-0.6321, 2]
 * ```
 * @public
 */
export function elu<S extends Shape>(x: Tensor<S, 'float32'>, alpha = 1): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.elu', 'x', x, ['float32']);
    return negativeExpm1(x, alpha) as never;
  });
}

/** SELU's constants (Klambauer et al. 2017), as in JAX. */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * Scaled exponential linear unit (`jax.nn.selu`):
 * `scale · elu(x, alpha)` with alpha ≈ 1.6733, scale ≈ 1.0507.
 * @example
 * ```ts
 * fx.nn.selu(fx.tensor([-1, 1])); // [-1.1113, 1.0507]
 * ```
 * @public
 */
export function selu<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.selu', 'x', x, ['float32']);
    return mul(negativeExpm1(x, SELU_ALPHA), SELU_SCALE) as never;
  });
}

/**
 * Sigmoid linear unit (`jax.nn.silu`, also `swish`): `x · sigmoid(x)`.
 * @example
 * ```ts
 * fx.nn.silu(fx.tensor([0, 1])); // [0, 0.7311]
 * ```
 * @public
 */
export function silu<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.silu', 'x', x, ['float32']);
    return mul(x, sigmoid(x));
  });
}

/**
 * Alias of {@link silu} (`jax.nn.swish`).
 * @example
 * ```ts
 * fx.nn.swish(fx.tensor([1])); // [0.7311]
 * ```
 * @public
 */
export const swish: typeof silu = silu;

/**
 * Soft sign (`jax.nn.soft_sign`): `x / (|x| + 1)`.
 * @example
 * ```ts
 * fx.nn.softSign(fx.tensor([-3, 1])); // [-0.75, 0.5]
 * ```
 * @public
 */
export function softSign<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.softSign', 'x', x, ['float32']);
    return div(x, add(abs(x), 1));
  });
}

/**
 * `log(1 − e⁻ˣ)` for x > 0, accurately at both ends (`jax.nn.log1mexp`):
 * `log(−expm1(−x))` for x ≤ log 2 and `log1p(−e⁻ˣ)` above (Mächler 2012).
 * −Infinity at 0, NaN for x < 0.
 * @example
 * ```ts
 * fx.nn.log1mexp(fx.tensor([Math.LN2])); // [-0.6931]  (log ½)
 * ```
 * @public
 */
export function log1mexp<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.log1mexp', 'x', x, ['float32']);
    const large = greater(x, Math.LN2);
    // Each branch sees a safe input where it is not selected, so neither feeds Inf/NaN into the derivative.
    const small = log(neg(expm1(neg(where(large, Math.LN2, x)))));
    const big = log1p(neg(exp(neg(where(large, x, 1)))));
    return where(large, big, small);
  });
}

/** Options of `standardize`. @public */
export interface StandardizeOptions {
  /** The mean to subtract (default: the mean of `x` over `axis`). */
  readonly mean?: Tensor;
  /** The variance to divide by (default: the biased variance of `x` over `axis`). */
  readonly variance?: Tensor;
  /** Added to the variance before the square root (default 1e-5, as JAX). */
  readonly epsilon?: number;
}

/**
 * Zero mean, unit variance over `axis` (default -1; a list for several)
 * (`jax.nn.standardize`): `(x − mean) / √(variance + epsilon)`.
 * @example
 * ```ts
 * fx.nn.standardize(fx.tensor([1, 2, 3])); // ≈ [-1.2247, 0, 1.2247]
 * ```
 * @public
 */
export function standardize<S extends Shape>(x: Tensor<S, 'float32'>, axis: number | readonly number[] = -1, options?: StandardizeOptions): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.standardize', 'x', x, ['float32']);
    const axes = reduceAxes('nn.standardize', x.rank, axis as number | number[]);
    const m = (options?.mean ?? mean(x as AnyTensor, axes, true)) as AnyTensor;
    const centered = sub(x as AnyTensor, m);
    const v = (options?.variance ?? mean(mul(centered, centered), axes, true)) as AnyTensor;
    return mul(centered, rsqrt(add(v, options?.epsilon ?? 1e-5))) as never;
  });
}

/**
 * ReLU capped at 6 (`jax.nn.relu6`): `min(max(x, 0), 6)`; derivative 0 at 0
 * and at 6 (as JAX).
 * @example
 * ```ts
 * fx.nn.relu6(fx.tensor([-1, 3, 9])); // [0, 3, 6]
 * ```
 * @public
 */
export function relu6<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.relu6', 'x', x, ['float32']);
    return where(less(x, 6), relu(x), 6);
  });
}

/**
 * Hard tanh (`jax.nn.hard_tanh`): `x` clipped to [-1, 1].
 * @example
 * ```ts
 * fx.nn.hardTanh(fx.tensor([-2, 0.5, 2])); // [-1, 0.5, 1]
 * ```
 * @public
 */
export function hardTanh<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.hardTanh', 'x', x, ['float32']);
    return where(greater(x, 1), 1, where(less(x, -1), -1, x));
  });
}

/**
 * Hard sigmoid (`jax.nn.hard_sigmoid`): `relu6(x + 3) / 6`.
 * @example
 * ```ts
 * fx.nn.hardSigmoid(fx.tensor([-4, 0, 4])); // [0, 0.5, 1]
 * ```
 * @public
 */
export function hardSigmoid<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => div(relu6(add(x, 3)), 6));
}

/**
 * Hard SiLU, also hard swish (`jax.nn.hard_silu`): `x · hardSigmoid(x)`.
 * @example
 * ```ts
 * fx.nn.hardSilu(fx.tensor([-4, 1, 4])); // [0, 0.6667, 4]
 * ```
 * @public
 */
export function hardSilu<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => mul(x, hardSigmoid(x)));
}

/**
 * `log(sigmoid(x))`, stably (`jax.nn.log_sigmoid`): `−softplus(−x)`.
 * @example
 * ```ts
 * fx.nn.logSigmoid(fx.tensor([-1000, 0])); // [-1000, -0.6931]
 * ```
 * @public
 */
export function logSigmoid<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.logSigmoid', 'x', x, ['float32']);
    return neg(softplus(neg(x)));
  });
}

/**
 * Continuously differentiable ELU (`jax.nn.celu`): `x` for x > 0,
 * `alpha · (e^(x/alpha) − 1)` otherwise (default alpha 1).
 * @example
 * ```ts
 * fx.nn.celu(fx.tensor([-1, 2]), 2); // [-0.7869, 2]
 * ```
 * @public
 */
export function celu<S extends Shape>(x: Tensor<S, 'float32'>, alpha = 1): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.celu', 'x', x, ['float32']);
    return mul(negativeExpm1(div(x, alpha), 1), alpha) as never;
  });
}

/**
 * Gated linear unit (`jax.nn.glu`): splits `x` in two halves `a`, `b`
 * along `axis` (default -1, of even size) and returns `a · sigmoid(b)`.
 * @example
 * ```ts
 * fx.nn.glu(fx.tensor([1, 2, 0, 0])); // [0.5, 1]
 * ```
 * @public
 */
export function glu<S extends Shape>(x: Tensor<S, 'float32'>, axis = -1): Tensor<number[], 'float32'> {
  return scoped(() => {
    requireDtype('nn.glu', 'x', x, ['float32']);
    const [a, b] = split(x as AnyTensor, 2, axis) as [AnyTensor, AnyTensor];
    return mul(a, sigmoid(b));
  });
}

/**
 * Mish (`jax.nn.mish`): `x · tanh(softplus(x))`.
 * @example
 * ```ts
 * fx.nn.mish(fx.tensor([0, 1])); // [0, 0.8651]
 * ```
 * @public
 */
export function mish<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.mish', 'x', x, ['float32']);
    return mul(x, tanh(softplus(x)));
  });
}

/**
 * Squareplus (`jax.nn.squareplus`): `(x + √(x² + b)) / 2`, a smooth ReLU (default b = 4).
 * @example
 * ```ts
 * fx.nn.squareplus(fx.tensor([0])); // [1]
 * ```
 * @public
 */
export function squareplus<S extends Shape>(x: Tensor<S, 'float32'>, b = 4): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.squareplus', 'x', x, ['float32']);
    return mul(add(x, sqrt(add(mul(x, x), b))), 0.5);
  });
}

/**
 * Sparse plus (`jax.nn.sparse_plus`): 0 for x ≤ −1, `(x + 1)² / 4` on
 * (−1, 1), `x` for x ≥ 1 (continuously differentiable).
 * @example
 * ```ts
 * fx.nn.sparsePlus(fx.tensor([-2, 0, 2])); // [0, 0.25, 2]
 * ```
 * @public
 */
export function sparsePlus<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.sparsePlus', 'x', x, ['float32']);
    const middle = mul(square(add(x, 1)), 0.25);
    return where(lessEqual(x, -1), 0, where(greaterEqual(x, 1), x, middle));
  });
}

/**
 * Sparse sigmoid (`jax.nn.sparse_sigmoid`), the derivative of
 * {@link sparsePlus}: 0 for x ≤ −1, `(x + 1) / 2` on (−1, 1), 1 for x ≥ 1.
 * Its derivative is ½ inside and 0 at and beyond ±1 (JAX's `where` form).
 * @example
 * ```ts
 * fx.nn.sparseSigmoid(fx.tensor([-2, 0, 0.5, 2])); // [0, 0.5, 0.75, 1]
 * ```
 * @public
 */
export function sparseSigmoid<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('nn.sparseSigmoid', 'x', x, ['float32']);
    return where(lessEqual(x, -1), 0, where(greaterEqual(x, 1), 1, mul(add(x, 1), 0.5)));
  });
}
