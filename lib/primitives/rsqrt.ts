/** `rsqrt`: elementwise 1/sqrt(x). Derivative: −½·x^(−3/2) = −½·y³, from the output. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { mul } from './mul.js';

export const rsqrtPrimitive: Primitive = unaryPrimitive('rsqrt', tf.rsqrt, (_x, t, y) => mul(t, mul(mul(y, mul(y, y)), -0.5)), floatLowering(([x]) => sc.div(sc.lit(1), sc.sqrt(x!))));

/**
 * Elementwise reciprocal square root 1/sqrt(x) (+Inf at 0, NaN for negative
 * x). Derivative: −½·x^(−3/2) (−Inf at 0).
 * @example
 * ```ts
 * fx.rsqrt(fx.tensor([4, 0.25])); // [0.5, 2]
 * ```
 * @public
 */
export function rsqrt<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(rsqrtPrimitive, [x]);
}
