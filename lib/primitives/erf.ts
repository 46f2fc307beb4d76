/** `erf`: elementwise Gauss error function. Derivative: 2/√π · e^(−x²). */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { exp } from './exp.js';
import { mul } from './mul.js';
import { neg } from './neg.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

// erf x ≈ x·P(x²) on |x| < 0.9, near-minimax relative error 1.2e-8 (the fit of lib/compile/fastmath.ts's ferf).
const ERF_SPLIT = 0.9;
const ERF_SMALL = [1.128379153804758, -0.3761252329427288, 0.1128214093499387, -0.026778912353221454, 0.005011967029559139, -0.0006090378764036022];

/**
 * erf on tfjs tensors, relative-accurate for small |x|. tfjs-cpu's and
 * tfjs-webgpu's erf is Abramowitz–Stegun 7.1.26, whose absolute error 1.5e-7
 * is a large relative error near 0 (erf(1e-8) = 1.228e-8 for 1.128e-8);
 * below |x| = 0.9 the odd polynomial runs instead. tfjs-wasm's erf is libm's
 * and accurate everywhere.
 */
function erfKernel(x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() === 'wasm') return tf.erf(x);
  const z = tf.mul(x, x);
  let p: tf.Tensor = tf.scalar(ERF_SMALL[ERF_SMALL.length - 1]!);
  for (let i = ERF_SMALL.length - 2; i >= 0; i--) p = tf.add(tf.mul(p, z), tf.scalar(ERF_SMALL[i]!));
  return tf.where(tf.less(tf.abs(x), tf.scalar(ERF_SPLIT)), tf.mul(x, p), tf.erf(x));
}

export const erfPrimitive: Primitive = unaryPrimitive('erf', erfKernel, (x, t) => mul(t, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI)), floatLowering(([x]) => sc.erf(x!)));

/**
 * Elementwise error function erf(x) = 2/√π ∫₀ˣ e^(−u²) du (TensorFlow.js's
 * kernel is accurate to about 1e-7). Derivative: 2/√π · e^(−x²).
 * @example
 * ```ts
 * fx.erf(fx.tensor([0, 1])); // [0, 0.8427…]
 * ```
 * @public
 */
export function erf<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(erfPrimitive, [x]);
}
