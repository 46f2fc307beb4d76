/** `sinh`: elementwise hyperbolic sine (eˣ − e⁻ˣ)/2, accurate near 0. Derivative: cosh. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { floatLowering } from '../core/lowering.js';
import { sc } from '../core/scalar.js';
import { apply1, unaryPrimitive } from './define.js';
import { expm1Kernel } from './expm1.js';
import { mul } from './mul.js';
import { cosh } from './cosh.js';

/**
 * tfjs's Sinh (`Math.sinh`/libm on cpu and wasm). tfjs-webgpu writes
 * (eˣ − e⁻ˣ)/2 in float32, which cancels near 0 and overflows from |x| = 88.7
 * (sinh stays finite to 89.4): there it is (expm1 x − expm1 −x)/2 up to
 * |x| = 10 and sign(x)·h·(h/2) with h = e^(|x|/2) beyond.
 */
function sinhKernel(x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'webgpu') return tf.sinh(x);
  return tf.tidy(() => {
    const a = tf.abs(x);
    const h = tf.exp(tf.mul(a, 0.5));
    const big = tf.mul(tf.sign(x), tf.mul(h, tf.mul(h, 0.5)));
    const small = tf.mul(tf.sub(expm1Kernel(x), expm1Kernel(tf.neg(x))), 0.5);
    return tf.where(tf.isNaN(x), x, tf.where(tf.greater(a, 10), big, small));
  });
}

export const sinhPrimitive: Primitive = unaryPrimitive(
  'sinh',
  sinhKernel,
  (x, t) => mul(t, cosh(x)),
  // (expm1 x − expm1 −x)/2 up to |x| = 10 (no cancellation near 0), sign(x)·h·(h/2) with h = e^(|x|/2)
  // beyond, which stays finite to the end of float32's range where a float32 kernel (WGSL) computes it.
  floatLowering(([x]) => {
    const a = sc.abs(x!);
    const h = sc.exp(sc.mul(a, sc.lit(0.5)));
    const big = sc.mul(h, sc.mul(h, sc.lit(0.5)));
    const small = sc.mul(sc.sub(sc.expm1(x!), sc.expm1(sc.neg(x!))), sc.lit(0.5));
    return sc.select(sc.gt(a, sc.lit(10)), sc.select(sc.lt(x!, sc.lit(0)), sc.neg(big), big), small);
  }),
);

/**
 * Elementwise hyperbolic sine `(eˣ − e⁻ˣ) / 2`, accurate near 0 (`jnp.sinh`).
 * Derivative: cosh x.
 * @example
 * ```ts
 * fx.sinh(fx.tensor([0, 1])); // [0, 1.1752]
 * ```
 * @public
 */
export function sinh<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(sinhPrimitive, [x]);
}
