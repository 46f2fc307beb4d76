/** `expm1`: elementwise e^x − 1, accurate for small x. Derivative: e^x = y + 1. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { apply1, unaryPrimitive } from './define.js';
import { add } from './add.js';
import { mul } from './mul.js';

// The output is already computed: e^x = expm1(x) + 1 costs one add instead of an exp.
export const expm1Primitive: Primitive = unaryPrimitive('expm1', tf.expm1, (_x, t, y) => mul(t, add(y, 1)));

/**
 * Elementwise e^x − 1, accurate for |x| much smaller than 1. Derivative: e^x.
 * @example
 * ```ts
 * fx.expm1(fx.tensor([0, 1])); // [0, 1.718…]
 * ```
 * @public
 */
export function expm1<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(expm1Primitive, [x]);
}
