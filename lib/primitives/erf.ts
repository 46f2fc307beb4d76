/** `erf`: elementwise Gauss error function. Derivative: 2/√π · e^(−x²). */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { apply1, unaryPrimitive } from './define.js';
import { exp } from './exp.js';
import { mul } from './mul.js';
import { neg } from './neg.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

export const erfPrimitive: Primitive = unaryPrimitive('erf', tf.erf, (x, t) => mul(t, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI)));

/**
 * Elementwise error function erf(x) = 2/√π ∫₀ˣ e^(−u²) du (TensorFlow.js's
 * kernel is accurate to about 1e-7). Derivative: 2/√π · e^(−x²).
 * @example
 * ```ts
 * fx.erf(fx.tensor([0, 1])); // [0, 0.8427…]
 * ```
 * @public
 */
export function erf<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(erfPrimitive, [x]);
}
