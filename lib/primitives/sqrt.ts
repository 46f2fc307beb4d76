/**
 * `sqrt`: elementwise square root. Derivative: 1/(2·sqrt x), from the output.
 * At x = 0 the derivative is +Inf, the true limit (see docs/conventions.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { div } from './div.js';
import { mul } from './mul.js';

export const sqrtPrimitive: Primitive = unaryPrimitive('sqrt', tf.sqrt, (_x, t, y) => div(t, mul(y, 2)), floatLowering(([x]) => sc.sqrt(x!)));

/**
 * Elementwise square root (NaN for negative x). Derivative: 1/(2·sqrt x),
 * which is +Inf at x = 0: fluxion keeps the true limit instead of inventing a
 * finite value, so a gradient through sqrt(0) is +Inf (and 0·Inf = NaN where a
 * zero cotangent meets it). Use `sqrt(x + eps)` when x can be 0.
 * @example
 * ```ts
 * fx.sqrt(fx.tensor([4, 9])); // [2, 3]
 * ```
 * @public
 */
export function sqrt<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return apply1(sqrtPrimitive, [x]);
}
