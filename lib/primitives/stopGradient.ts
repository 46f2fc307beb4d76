/**
 * `stopGradient`: the identity on values whose derivative is zero. Under
 * every transformation the output's tangent is a symbolic zero, so the
 * gradient of anything upstream through this path is structurally zero.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dtype, Shape } from '../../typelevel/index.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1 } from './define.js';
import { elementwise } from '../core/lowering.js';

export const stopGradientPrimitive: Primitive = definePrimitive({
  // The identity: an alias alone, nothing inside a loop.
  lowering: elementwise(([x]) => x),
  name: 'stopGradient',
  abstractEval: ([x]) => x!,
  impl: ([x]) => tf.clone(x!),
  jvp: ([x]) => [apply1(stopGradientPrimitive, [x!]), null],
  batch: ([x], [d]) => [apply1(stopGradientPrimitive, [x!]), d!],
});

/**
 * The value of `x`, treated as a constant by differentiation.
 * @example
 * ```ts
 * fx.grad((x) => fx.mul(fx.stopGradient(x), x))(fx.scalar(3)); // 3, not 6
 * ```
 * @public
 */
export function stopGradient<S extends Shape, D extends Dtype>(x: Tensor<S, D>): Tensor<S, D> {
  return apply1(stopGradientPrimitive, [x]);
}
