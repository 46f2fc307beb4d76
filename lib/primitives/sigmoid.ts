/** `sigmoid`: elementwise logistic 1/(1 + e^−x). Derivative: y·(1 − y), from the output. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { mul } from './mul.js';
import { sub } from './sub.js';

// The tfjs kernels compute 1/(1 + e^−x): e^−x overflows to +Inf for very
// negative x, giving 1/Inf = 0, never NaN, so the kernel is stable as is.
export const sigmoidPrimitive: Primitive = unaryPrimitive('sigmoid', tf.sigmoid, (_x, t, y) => mul(t, mul(y, sub(1, y))), floatLowering(([x]) => sc.div(sc.lit(1), sc.add(sc.lit(1), sc.exp(sc.neg(x!))))));

/**
 * Elementwise logistic sigmoid 1/(1 + e^−x), finite for every x (0 and 1 in
 * the far tails). Derivative: σ(x)·(1 − σ(x)).
 * @example
 * ```ts
 * fx.sigmoid(fx.tensor([0, 100, -100])); // [0.5, 1, 0]
 * ```
 * @public
 */
export function sigmoid<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(sigmoidPrimitive, [x]);
}
