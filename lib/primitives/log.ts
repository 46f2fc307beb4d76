/** `log`: Elementwise natural logarithm. Derivative: 1/x. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { div } from './div.js';

export const logPrimitive: Primitive = unaryPrimitive('log', tf.log, (x, t) => div(t, x), floatLowering(([x]) => sc.log(x!)));

/**
 * Elementwise natural logarithm. Derivative: 1/x.
 * @example
 * ```ts
 * fx.log(fx.tensor([1, Math.E])); // [0, 1]
 * ```
 * @public
 */
export function log<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(logPrimitive, [x]);
}
