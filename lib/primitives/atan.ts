/** `atan`: elementwise arctangent. Derivative: 1 / (1 + x²), finite everywhere. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { add } from './add.js';
import { div } from './div.js';
import { mul } from './mul.js';

export const atanPrimitive: Primitive = unaryPrimitive('atan', tf.atan, (x, t) => div(t, add(mul(x, x), 1)), floatLowering(([x]) => sc.atan(x!)));

/**
 * Elementwise arctangent, in radians in (-π/2, π/2) (`jnp.arctan`).
 * Derivative: 1 / (1 + x²).
 * @example
 * ```ts
 * fx.atan(fx.tensor([0, 1])); // [0, π/4]
 * ```
 * @public
 */
export function atan<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(atanPrimitive, [x]);
}
