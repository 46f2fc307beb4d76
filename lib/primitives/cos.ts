/** `cos`: Elementwise cosine. Derivative: −sin x. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { sin } from './sin.js';

export const cosPrimitive: Primitive = unaryPrimitive('cos', tf.cos, (x, t) => neg(mul(t, sin(x))), floatLowering(([x]) => sc.cos(x!)));

/**
 * Elementwise cosine. Derivative: −sin x.
 * @example
 * ```ts
 * fx.cos(fx.tensor([0])); // [1]
 * ```
 * @public
 */
export function cos<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(cosPrimitive, [x]);
}
