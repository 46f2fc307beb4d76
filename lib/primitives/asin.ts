/**
 * `asin`: elementwise arcsine on [-1, 1] (NaN outside). Derivative:
 * 1 / √(1 − x²), +Inf at x = ±1 (the true limit, as `sqrt` at 0).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { mul } from './mul.js';
import { rsqrt } from './rsqrt.js';
import { sub } from './sub.js';

export const asinPrimitive: Primitive = unaryPrimitive('asin', tf.asin, (x, t) => mul(t, rsqrt(sub(1, mul(x, x)))), floatLowering(([x]) => sc.atan(sc.div(x!, sc.sqrt(sc.sub(sc.lit(1), sc.mul(x!, x!)))))));

/**
 * Elementwise arcsine, in radians in [-π/2, π/2] (`jnp.arcsin`); NaN outside
 * [-1, 1]. Derivative: 1 / √(1 − x²) (+Inf at ±1).
 * @example
 * ```ts
 * fx.asin(fx.tensor([0, 1])); // [0, π/2]
 * ```
 * @public
 */
export function asin<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(asinPrimitive, [x]);
}
