/** `tan`: elementwise tangent. Derivative: 1 + tan² x (from the output, no cos needed). */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { add } from './add.js';
import { mul } from './mul.js';

export const tanPrimitive: Primitive = unaryPrimitive('tan', tf.tan, (_x, t, y) => mul(t, add(mul(y, y), 1)), floatLowering(([x]) => sc.tan(x!)));

/**
 * Elementwise tangent (radians). Derivative: 1 + tan² x.
 * @example
 * ```ts
 * fx.tan(fx.tensor([0, Math.PI / 4])); // [0, 1]
 * ```
 * @public
 */
export function tan<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(tanPrimitive, [x]);
}
