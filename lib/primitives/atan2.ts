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
import { sc, type Scalar } from '../core/scalar.js';
import { floatLowering } from '../core/lowering.js';
import { apply1, binaryPrimitive, coerce, type TensorLike } from './define.js';
import { broadcastTo } from './broadcastTo.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { neg } from './neg.js';

/** Whether `v`'s sign bit is set (−0 included, NaN excluded): v < 0, or v = 0 with 1/v = −∞. */
const signBit = (v: Scalar): Scalar => sc.or(sc.lt(v, sc.lit(0)), sc.and(sc.eq(v, sc.lit(0)), sc.lt(sc.div(sc.lit(1), v), sc.lit(0))));
const isInf = (v: Scalar): Scalar => sc.eq(sc.abs(v), sc.lit(Infinity));

/**
 * atan2 through atan(y/x) and the quadrant, with `Math.atan2`'s special
 * values: ±0 and ±∞ operands give ±0, ±π/2, ±π/4, ±3π/4 or ±π by the signs.
 */
function atan2Expr(y: Scalar, x: Scalar): Scalar {
  const pi = sc.select(signBit(y), sc.lit(-Math.PI), sc.lit(Math.PI));
  const xNegative = signBit(x);
  const q = sc.atan(sc.div(y, x));
  const general = sc.select(xNegative, sc.add(q, pi), q);
  // y/x is 0/0 or ∞/∞ there: the answer is fixed by the signs.
  const bothZero = sc.and(sc.eq(x, sc.lit(0)), sc.eq(y, sc.lit(0)));
  const bothInfinite = sc.and(isInf(x), isInf(y));
  const quarter = sc.mul(pi, sc.select(xNegative, sc.lit(0.75), sc.lit(0.25)));
  return sc.select(bothZero, sc.select(xNegative, pi, y), sc.select(bothInfinite, quarter, general));
}

export const atan2Primitive: Primitive = binaryPrimitive('atan2', tf.atan2, {
  lowering: floatLowering(([y, x]) => atan2Expr(y!, x!)),
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
