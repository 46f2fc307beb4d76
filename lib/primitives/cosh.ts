/** `cosh`: elementwise hyperbolic cosine (eˣ + e⁻ˣ)/2. Derivative: sinh. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { floatLowering } from '../core/lowering.js';
import { sc } from '../core/scalar.js';
import { apply1, unaryPrimitive } from './define.js';
import { mul } from './mul.js';
import { sinh } from './sinh.js';

/**
 * tfjs's Cosh on cpu and wasm. tfjs-webgpu's overflows from |x| = 88.7 (cosh
 * stays finite to 89.4) and gives +∞ for NaN: there it is (eˣ + e⁻ˣ)/2 up
 * to |x| = 10 and h·(h/2) with h = e^(|x|/2) beyond, NaN passed through.
 */
function coshKernel(x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'webgpu') return tf.cosh(x);
  return tf.tidy(() => {
    const a = tf.abs(x);
    const h = tf.exp(tf.mul(a, 0.5));
    const small = tf.mul(tf.add(tf.exp(a), tf.exp(tf.neg(a))), 0.5);
    return tf.where(tf.isNaN(x), x, tf.where(tf.greater(a, 10), tf.mul(h, tf.mul(h, 0.5)), small));
  });
}

export const coshPrimitive: Primitive = unaryPrimitive(
  'cosh',
  coshKernel,
  (x, t) => mul(t, sinh(x)),
  // (eˣ + e⁻ˣ)/2 up to |x| = 10, h·(h/2) with h = e^(|x|/2) beyond: finite to the end of float32's
  // range even where a float32 kernel (WGSL) computes it.
  floatLowering(([x]) => {
    const a = sc.abs(x!);
    const h = sc.exp(sc.mul(a, sc.lit(0.5)));
    return sc.select(sc.gt(a, sc.lit(10)), sc.mul(h, sc.mul(h, sc.lit(0.5))), sc.mul(sc.add(sc.exp(a), sc.exp(sc.neg(a))), sc.lit(0.5)));
  }),
);

/**
 * Elementwise hyperbolic cosine `(eˣ + e⁻ˣ) / 2` (`jnp.cosh`). Derivative: sinh x.
 * @example
 * ```ts
 * fx.cosh(fx.tensor([0, 1])); // [1, 1.5431]
 * ```
 * @public
 */
export function cosh<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(coshPrimitive, [x]);
}
