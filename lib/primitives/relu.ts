/** `relu`: elementwise max(x, 0). Derivative: 1 for x > 0, 0 for x ≤ 0 (relu'(0) = 0). */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { greater } from './greater.js';
import { where } from './where.js';

// Selecting the tangent (instead of multiplying by a 0/1 mask) keeps the rule
// linear in t through `where`, whose transpose routes the cotangent back.
// The lowering tests x ≤ 0 (not x < 0) so that relu(−0) is +0, as the kernel and Math.max(x, 0).
export const reluPrimitive: Primitive = unaryPrimitive('relu', tf.relu, (x, t) => where(greater(x, 0), t, 0), floatLowering(([x]) => sc.select(sc.le(x!, sc.lit(0)), sc.lit(0), x!)));

/**
 * Elementwise rectified linear unit max(x, 0). Derivative: 1 where x > 0 and
 * 0 where x ≤ 0; at the kink relu'(0) = 0, as in JAX and PyTorch (see
 * docs/conventions.md).
 * @example
 * ```ts
 * fx.relu(fx.tensor([-1, 0, 2])); // [0, 0, 2]
 * ```
 * @public
 */
export function relu<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(reluPrimitive, [x]);
}
