/** `expm1`: elementwise e^x − 1, accurate for small x. Derivative: e^x = y + 1. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { add } from './add.js';
import { mul } from './mul.js';

// The output is already computed: e^x = expm1(x) + 1 costs one add instead of an exp.
/**
 * expm1 as a kernel accurate on every backend: tfjs-webgpu computes exp(x) − 1, which loses everything
 * below 1e-7. Kahan's correction (u − 1)·x / log(u), u = exp(x), for |x| < 0.5 there.
 */
export function expm1Kernel(x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'webgpu') return tf.expm1(x);
  return tf.tidy(() => {
    const u = tf.exp(x);
    const um1 = tf.sub(u, 1);
    const corrected = tf.where(tf.equal(um1, 0), x, tf.div(tf.mul(um1, x), tf.log(u)));
    return tf.where(tf.less(tf.abs(x), 0.5), corrected, um1);
  });
}

export const expm1Primitive: Primitive = unaryPrimitive('expm1', expm1Kernel, (_x, t, y) => mul(t, add(y, 1)), floatLowering(([x]) => sc.expm1(x!)));

/**
 * Elementwise e^x − 1, accurate for |x| much smaller than 1. Derivative: e^x.
 * @example
 * ```ts
 * fx.expm1(fx.tensor([0, 1])); // [0, 1.718…]
 * ```
 * @public
 */
export function expm1<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(expm1Primitive, [x]);
}
