/** `log1p`: elementwise log(1 + x), accurate for small x. Derivative: 1/(1 + x). */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { add } from './add.js';
import { div } from './div.js';

/**
 * log1p as a TensorFlow.js kernel, accurate on every backend: tfjs-wasm and
 * tfjs-webgpu compute log(1 + x), which loses everything below 1e-7 (20%
 * error at x = 1e-7). Goldberg's correction log(u)·x/(u − 1), u = 1 + x,
 * cancels the rounding of 1 + x (to about 1e-7 relative error on cpu, wasm and
 * webgpu); it is applied only for |x| < 0.5, where log(1 + x) alone loses
 * digits, so large, infinite and NaN inputs keep plain log(1 + x).
 */
export function log1pKernel(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const u = tf.add(x, 1);
    const rounded = tf.sub(u, 1);
    const corrected = tf.where(tf.equal(rounded, 0), x, tf.div(tf.mul(tf.log(u), x), rounded));
    return tf.where(tf.less(tf.abs(x), 0.5), corrected, tf.log(u));
  });
}

export const log1pPrimitive: Primitive = unaryPrimitive('log1p', log1pKernel, (x, t) => div(t, add(x, 1)), floatLowering(([x]) => sc.log1p(x!)));

/**
 * Elementwise log(1 + x), accurate to about 1e-7 relative error on every
 * backend, also for |x| much smaller than 1. Derivative: 1/(1 + x).
 * @example
 * ```ts
 * fx.log1p(fx.tensor([0, Math.E - 1])); // [0, 1]
 * ```
 * @public
 */
export function log1p<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(log1pPrimitive, [x]);
}
