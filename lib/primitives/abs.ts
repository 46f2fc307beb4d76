/** `abs`: elementwise |x| (float32 or int32). Derivative: sign(x), so the subgradient at 0 is 0. */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { Shape } from '../../typelevel/index.js';
import type { Tensor } from '../core/tensor.js';
import { sc } from '../core/scalar.js';
import { numericLowering } from '../core/lowering.js';
import { apply1, unaryPrimitive } from './define.js';
import { mul } from './mul.js';
import { sign } from './sign.js';

export const absPrimitive: Primitive = unaryPrimitive('abs', tf.abs, (x, t) => mul(t, sign(x)), numericLowering(([x]) => sc.abs(x!)), ['float32', 'int32']);

/**
 * Elementwise absolute value (float32 or int32). Derivative: sign(x); at
 * x = 0 fluxion uses the subgradient 0 (see docs/conventions.md).
 * @example
 * ```ts
 * fx.abs(fx.tensor([-2, 0, 3])); // [2, 0, 3]
 * ```
 * @public
 */
export function abs<S extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>): Tensor<S, D> {
  return apply1(absPrimitive, [x]);
}
