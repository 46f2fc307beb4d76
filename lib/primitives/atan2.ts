/**
 * `atan2`: the angle of the point (x, y), elementwise with broadcasting.
 * Derivatives: ∂/∂y = x / (x² + y²), ∂/∂x = −y / (x² + y²); at the origin
 * both are NaN (0/0), as JAX.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Primitive } from '../core/primitive.js';
import type { BinaryOp } from '../core/signatures.js';
import type { AnyTensor } from '../core/tensor.js';
import { add } from './add.js';
import { apply1, binaryPrimitive, coerce, type TensorLike } from './define.js';
import { broadcastTo } from './broadcastTo.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { neg } from './neg.js';

export const atan2Primitive: Primitive = binaryPrimitive('atan2', tf.atan2, {
  dtypes: ['float32'],
  jvp(y, x, ty, tx, out) {
    const r2 = add(mul(x, x), mul(y, y));
    const dy = ty ? mul(ty, div(x, r2)) : null;
    const dx = tx ? mul(tx, div(neg(y), r2)) : null;
    const t = dy && dx ? add(dy, dx) : (dy ?? dx)!;
    return broadcastTo(t, out.shape);
  },
});

/**
 * The angle in radians, in [-π, π], of the point `(x, y)` — note the order,
 * `y` first, as `jnp.arctan2(y, x)` — with NumPy broadcasting (float32).
 * @example
 * ```ts
 * fx.atan2(fx.tensor([1, 1, -1]), fx.tensor([1, -1, 0])); // [π/4, 3π/4, -π/2]
 * ```
 * @public
 */
export const atan2: BinaryOp<'float32'> = ((y: TensorLike, x: TensorLike): AnyTensor => apply1(atan2Primitive, coerce('atan2', y, x))) as never;
