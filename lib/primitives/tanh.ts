/** `tanh`: Elementwise hyperbolic tangent. Derivative: 1 − tanh² x. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { mul } from './mul.js';
import { sub } from './sub.js';

export const tanhPrimitive: Primitive = unaryPrimitive('tanh', tf.tanh, (_x, t, y) => mul(t, sub(1, mul(y, y))), floatLowering(([x]) => sc.tanh(x!)));

/**
 * Elementwise hyperbolic tangent. Derivative: 1 − tanh² x.
 * @example
 * ```ts
 * fx.tanh(fx.tensor([0])); // [0]
 * ```
 * @public
 */
export function tanh<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(tanhPrimitive, [x]);
}
