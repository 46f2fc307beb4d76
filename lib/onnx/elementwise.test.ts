/**
 * The scalar-op → ONNX translator (lib/onnx/elementwise.ts) on hand-written
 * expressions, through test primitives that declare only an elementwise
 * lowering: the signed-zero rules of its selects, the algebra's saturating
 * cast, bool selects, and expressions that read no operand. Each model runs
 * in onnxruntime-node; expected values are computed in plain JS.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import * as fx from '../index.js';
import { definePrimitive, type Primitive } from '../core/primitive.js';
import { elementwise } from '../core/lowering.js';
import { sc, type Scalar } from '../core/scalar.js';
import { apply1 } from '../primitives/define.js';
import type { Dtype } from '../../typelevel/index.js';

/** A one-output primitive whose only rules are its shape rule and an elementwise expression (never evaluated eagerly here). */
function testPrimitive(name: string, out: Dtype, expr: (args: readonly Scalar[]) => Scalar): Primitive {
  return definePrimitive({
    name,
    lowering: elementwise(expr),
    abstractEval: ([x]) => ({ shape: x!.shape, dtype: out }),
    impl: ([x]) => tf.zeros(x!.shape, out),
  });
}

/** Exports `prim` applied to a float32 vector, runs it in ONNX Runtime, returns the output values. */
async function run(prim: Primitive, values: readonly number[]): Promise<number[]> {
  const bytes = fx.exportOnnx((x: fx.Tensor) => apply1(prim, [x]), fx.tensor([...values]));
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const out = await session.run({ 'args[0]': new ort.Tensor('float32', Float32Array.from(values), [values.length]) });
  await session.release();
  return Array.from(out.out!.data as ArrayLike<number>, Number);
}

const show = (v: number) => (Object.is(v, -0) ? '-0' : String(v));
const X = [-0, 0, -2, 3, NaN, -Infinity];

describe('ONNX translation of the scalar-op algebra', () => {
  it('select keeps −0 from its first branch (operands swapped when the other branch is a literal)', async () => {
    // x ≤ 0 ? x : 7 — the first branch may be −0, the second cannot.
    const p = testPrimitive('tSelectLiteral', 'float32', ([x]) => sc.select(sc.le(x!, sc.lit(0)), x!, sc.lit(7)));
    expect((await run(p, X)).map(show)).toEqual(X.map((x) => show(x <= 0 ? x : 7)));
  });

  it('select keeps −0 from either branch when both may be −0 (the sign bit applied by a product with ±1)', async () => {
    // x ≤ 0 ? x : −x — both branches may be −0; NaN and infinities pass through.
    const p = testPrimitive('tSelectBoth', 'float32', ([x]) => sc.select(sc.le(x!, sc.lit(0)), x!, sc.neg(x!)));
    expect((await run(p, X)).map(show)).toEqual(X.map((x) => show(x <= 0 ? x : -x)));
  });

  it('cast float32 → int32 truncates and saturates, NaN → 0; → bool is x ≠ 0 (NaN → true)', async () => {
    const toInt = testPrimitive('tCastInt', 'int32', ([x]) => sc.cast(x!, 'int32'));
    const values = [-2.7, 2.7, -0, NaN, Infinity, -Infinity, 3e9, -3e9, 2147483520];
    const sat = (v: number) => (Number.isNaN(v) ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(v) + 0)));
    expect(await run(toInt, values)).toEqual(values.map(sat));
    const toBool = testPrimitive('tCastBool', 'bool', ([x]) => sc.cast(x!, 'bool'));
    expect(await run(toBool, [0, -0, 1, NaN, -Infinity])).toEqual([0, 0, 1, 1, 1]);
  });

  it('bool selects (no bool Where in ONNX Runtime) and logic', async () => {
    // (x > 0) ? (x < 2) : (x ≠ x)
    const p = testPrimitive('tBoolSelect', 'bool', ([x]) => sc.select(sc.gt(x!, sc.lit(0)), sc.lt(x!, sc.lit(2)), sc.ne(x!, x!)));
    const values = [1, 3, -1, NaN];
    expect(await run(p, values)).toEqual(values.map((x) => ((x > 0 ? x < 2 : x !== x) ? 1 : 0)));
  });

  it('an expression that reads no operand is expanded to the result shape; round32 adds nothing', async () => {
    const constant = testPrimitive('tConstant', 'float32', () => sc.round32(sc.add(sc.lit(1.5), sc.lit(2))));
    expect(await run(constant, [5, 6, 7])).toEqual([3.5, 3.5, 3.5]);
  });

  it('expm1 and log1p ops keep their accuracy near 0 and the sign of −0', async () => {
    const e = testPrimitive('tExpm1', 'float32', ([x]) => sc.expm1(x!));
    const l = testPrimitive('tLog1p', 'float32', ([x]) => sc.log1p(x!));
    const values = [-0, 1e-7, -1e-7, 0.3, -0.3, 2, Infinity];
    const ge = await run(e, values);
    const gl = await run(l, values);
    values.forEach((x, i) => {
      const we = Math.fround(Math.expm1(x));
      const wl = Math.fround(Math.log1p(x));
      expect(show(ge[i]!) === show(we) || Math.abs(ge[i]! - we) <= 2e-7 * Math.abs(we), `expm1(${show(x)}) = ${ge[i]}, want ${we}`).toBe(true);
      expect(show(gl[i]!) === show(wl) || Math.abs(gl[i]! - wl) <= 2e-7 * Math.abs(wl), `log1p(${show(x)}) = ${gl[i]}, want ${wl}`).toBe(true);
    });
  });
});
