/** `exp`: Elementwise e^x. Derivative: e^x. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { mul } from './mul.js';

export const expPrimitive: Primitive = unaryPrimitive('exp', tf.exp, (_x, t, y) => mul(t, y), floatLowering(([x]) => sc.exp(x!)));

/**
 * Elementwise e^x. Derivative: e^x.
 * @example
 * ```ts
 * fx.exp(fx.tensor([0, 1])); // [1, 2.718…]
 * ```
 * @public
 */
export function exp<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(expPrimitive, [x]);
}
