/** `neg`: elementwise −x. Linear. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Dtype, Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { numericLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';

export const negPrimitive: Primitive = unaryPrimitive('neg', tf.neg, (_x, t) => neg(t), numericLowering(([x]) => sc.neg(x!)), ['float32', 'int32'], (ct) => neg(ct));

/**
 * Elementwise negation.
 * @example
 * ```ts
 * fx.neg(fx.tensor([1, -2])); // [-1, 2]
 * ```
 * @public
 */
export function neg<S extends Shape, D extends Exclude<Dtype, 'bool'>>(x: Tensor<S, D>): Tensor<S, D> {
  return apply1(negPrimitive, [x]);
}
