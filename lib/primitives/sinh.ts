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
 * tfjs's Sinh (`Math.sinh`/libm on cpu and wasm); tfjs-webgpu writes
 * (eˣ − e⁻ˣ)/2, which cancels near 0, so there it is (expm1 x − expm1 −x)/2.
 */
function sinhKernel(x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'webgpu') return tf.sinh(x);
  return tf.tidy(() => tf.mul(tf.sub(expm1Kernel(x), expm1Kernel(tf.neg(x))), 0.5));
}

export const sinhPrimitive: Primitive = unaryPrimitive(
  'sinh',
  sinhKernel,
  (x, t) => mul(t, cosh(x)),
  // (expm1 x − expm1 −x)/2 in float64: no cancellation near 0, no overflow before float32's range ends.
  floatLowering(([x]) => sc.mul(sc.sub(sc.expm1(x!), sc.expm1(sc.neg(x!))), sc.lit(0.5))),
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
