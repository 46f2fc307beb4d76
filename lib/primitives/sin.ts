/** `sin`: Elementwise sine. Derivative: cos x. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { mul } from './mul.js';
import { cos } from './cos.js';

export const sinPrimitive: Primitive = unaryPrimitive('sin', tf.sin, (x, t) => mul(t, cos(x)), floatLowering(([x]) => sc.sin(x!)));

/**
 * Elementwise sine. Derivative: cos x.
 * @example
 * ```ts
 * fx.sin(fx.tensor([0])); // [0]
 * ```
 * @public
 */
export function sin<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(sinPrimitive, [x]);
}
