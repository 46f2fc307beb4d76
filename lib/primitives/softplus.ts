/** `softplus`: elementwise log(1 + e^x), computed stably. Derivative: sigmoid(x). */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { log1pKernel } from './log1p.js';
import { mul } from './mul.js';
import { sigmoid } from './sigmoid.js';

// log(1 + e^x) = max(x, 0) + log1p(e^−|x|): e^−|x| ≤ 1 never overflows, and
// an accurate log1p keeps the small tail (softplus(−20) ≈ e^−20); the same
// formula on every backend.
const stableSoftplus = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.add(tf.relu(x), log1pKernel(tf.exp(tf.neg(tf.abs(x))))));

export const softplusPrimitive: Primitive = unaryPrimitive('softplus', stableSoftplus, (x, t) => mul(t, sigmoid(x)), floatLowering(([x]) => sc.add(sc.max(x!, sc.lit(0)), sc.log1p(sc.exp(sc.neg(sc.abs(x!)))))));

/**
 * Elementwise softplus log(1 + e^x), a smooth ReLU; computed as
 * max(x, 0) + log1p(e^−|x|) so it neither overflows for large x nor loses the
 * tail for very negative x. Derivative: sigmoid(x).
 * @example
 * ```ts
 * fx.softplus(fx.tensor([0, 100])); // [0.693…, 100]
 * ```
 * @public
 */
export function softplus<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(softplusPrimitive, [x]);
}
