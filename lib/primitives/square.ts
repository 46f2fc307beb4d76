/** `square`: elementwise x² (float32 or int32). Derivative: 2x. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { numericLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { mul } from './mul.js';

export const squarePrimitive: Primitive = unaryPrimitive('square', tf.square, (x, t) => mul(t, mul(x, 2)), numericLowering(([x]) => sc.mul(x!, x!)), ['float32', 'int32']);

/**
 * Elementwise square x² (float32 or int32). Derivative: 2x.
 * @example
 * ```ts
 * fx.square(fx.tensor([-2, 3])); // [4, 9]
 * ```
 * @public
 */
export function square<S extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>): Tensor<S, D> {
  return apply1(squarePrimitive, [x]);
}
