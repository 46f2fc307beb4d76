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

export const coshPrimitive: Primitive = unaryPrimitive(
  'cosh',
  (x) => tf.cosh(x),
  (x, t) => mul(t, sinh(x)),
  // In float64, e^89 does not overflow: cosh stays finite up to float32's range, as tfjs's Cosh.
  floatLowering(([x]) => sc.mul(sc.add(sc.exp(x!), sc.exp(sc.neg(x!))), sc.lit(0.5))),
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
