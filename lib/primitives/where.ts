/**
 * `where`: elementwise selection `cond ? a : b`, broadcasting all three
 * operands. Linear in `(a, b)` for a fixed `cond`, so it has a transpose rule:
 * derivative rules of other primitives (relu, clip, pow…) select tangents with
 * it, and reverse mode transposes those selections.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Broadcast, BroadcastResult, Checked, Dtype, Shape, TypeError } from '../../typelevel/index.js';
import { DtypeError, TransformError } from '../core/errors.js';
import { definePrimitive, type Primitive } from '../core/primitive.js';
import { Tensor as TensorClass, type AbstractValue, type AnyTensor, type Tensor } from '../core/tensor.js';
import { apply1, broadcastShapes, coerce, LinearInput, requireDtype, sameShape, unbroadcast, type MaybeZero, type TensorLike } from './define.js';
import { broadcastTo } from './broadcastTo.js';
import { elementwiseBatch } from './batching.js';
import { elementwise } from '../core/lowering.js';
import { sc } from '../core/scalar.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';

/** The broadcast of `a` and `b`, then with `cond`: the result shape of `where`, or the first error. */
type WhereResult<C extends Shape, A extends Shape, B extends Shape> = BroadcastResult<A, B> extends infer R ? (R extends Shape ? BroadcastResult<C, R> : R) : never;

/** `unknown` unless `a` and `b` are tensors of different dtypes (a JS number takes the other's). */
type WhereDtypeCheck<DA, DB> = [DA] extends [never]
  ? unknown
  : [DB] extends [never]
    ? unknown
    : [DB] extends [DA]
      ? unknown
      : TypeError<`dtype error: where needs a and b of one dtype, got ${DA & string} and ${DB & string}`>;

export const wherePrimitive: Primitive = definePrimitive({
  lowering: elementwise(([c, a, b]) => (c!.dtype === 'bool' && a!.dtype === b!.dtype ? sc.select(c!, a!, b!) : undefined)),
  name: 'where',
  onnx: whereOnnx,
  abstractEval([cond, a, b]) {
    requireDtype('where', 'cond', cond!, ['bool']);
    if (a!.dtype !== b!.dtype) {
      throw new DtypeError('where', `a and b differ in dtype: a is ${a!.dtype}, b is ${b!.dtype}; convert one with fx.cast`);
    }
    const shape = broadcastShapes('where', broadcastShapes('where', cond!.shape, a!.shape), b!.shape);
    return { shape, dtype: a!.dtype };
  },
  // tfjs-wasm's Select drops bool operands (it returns all false), so bools
  // are selected as int32; the core casts the result back to bool.
  impl([cond, a, b]) {
    const [x, y] = a!.dtype === 'bool' ? [tf.cast(a!, 'int32'), tf.cast(b!, 'int32')] : [a!, b!];
    if (tf.getBackend() !== 'wasm') return tf.where(cond!, x, y);
    // tf.where broadcasts its operands with tfjs-wasm's Tile, ~40× slower than a broadcasting add into (−)zeros
    // (a relu gradient's select(c, ct, 0) took 9 ms for 200k elements); Select then takes same-shaped operands.
    const shape = tf.broadcast_util.assertAndGetBroadcastShape(tf.broadcast_util.assertAndGetBroadcastShape(cond!.shape, x.shape), y.shape);
    const full = (t: tf.Tensor) => t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
    // Adding −0 is the identity on every float (−0 + −0 = −0, where +0 would turn −0 into +0).
    const spread = (t: tf.Tensor) => (full(t) ? t : tf.add(t.dtype === 'float32' ? tf.fill(shape, -0, 'float32') : tf.zeros(shape, t.dtype), t));
    const condition = full(cond!) ? cond! : tf.cast(spread(tf.cast(cond!, 'int32')), 'bool');
    return tf.engine().runKernel('Select', { condition, t: spread(x), e: spread(y) }) as tf.Tensor;
  },
  jvp([cond, a, b], [, ta, tb]) {
    const y = apply1(wherePrimitive, [cond!, a!, b!]);
    if (!ta && !tb) return [y, null];
    // A symbolic zero becomes a scalar 0: selecting it is cheaper than materializing zeros.
    const t = select(cond!, ta ?? 0, tb ?? 0);
    return [y, sameShape(t.shape, y.shape) ? t : broadcastTo(t, y.shape)];
  },
  transpose(ct, [cond, a, b]) {
    if (cond instanceof LinearInput) throw new TransformError('where: the condition cannot be linear (it is a bool mask)');
    const c = cond as AnyTensor;
    const cotangent = (x: AnyTensor | LinearInput, onTrue: boolean): MaybeZero => {
      if (!(x instanceof LinearInput)) return null;
      return unbroadcast(onTrue ? select(c, ct, 0) : select(c, 0, ct), x.aval.shape);
    };
    return [null, cotangent(a!, true), cotangent(b!, false)];
  },
});
wherePrimitive.batch = elementwiseBatch(wherePrimitive);

/** `where` on already-validated operands; numbers take the other operand's dtype (float32 if none). */
function select(cond: AnyTensor, a: TensorLike, b: TensorLike): AnyTensor {
  return apply1(wherePrimitive, [cond, ...coerce('where', a, b)]);
}

/**
 * Elementwise selection: `a` where `cond` is true, `b` elsewhere. `cond` is a
 * `bool` tensor (NoDiff); `a` and `b` share a dtype (a JS number takes the
 * other operand's dtype); all three broadcast (NumPy rules). The derivative
 * flows to `a` where `cond` holds and to `b` elsewhere; `cond` gets none.
 * @example
 * ```ts
 * const x = fx.tensor([-1, 2]);
 * fx.where(fx.greater(x, 0), x, 0); // [0, 2]
 * ```
 * @public
 */
export function where<S extends Shape, D extends Dtype>(cond: Tensor<S, 'bool'>, a: Tensor<S, D>, b: Tensor<S, NoInfer<D>> | number): Tensor<S, D>;
/** @public */
export function where<S extends Shape, D extends Dtype>(cond: Tensor<S, 'bool'>, a: number, b: Tensor<S, D>): Tensor<S, D>;
/** @public */
export function where<C extends Shape, A extends Shape = [], B extends Shape = [], DA extends Dtype = never, DB extends Dtype = never>(
  cond: Tensor<C, 'bool'>,
  a: (Tensor<A, DA> | number) & Checked<BroadcastResult<C, A>>,
  b: (Tensor<B, DB> | number) & Checked<WhereResult<C, A, B>> & WhereDtypeCheck<DA, DB>,
): Tensor<Extract<Broadcast<C, Extract<Broadcast<A, B>, Shape>>, Shape>, [DA] extends [never] ? ([DB] extends [never] ? 'float32' : DB) : DA>;
export function where(cond: AnyTensor, a: TensorLike, b: TensorLike): AnyTensor {
  // Check everything before JS numbers become tensors, so a failed call allocates nothing.
  const ref = a instanceof TensorClass ? a.dtype : b instanceof TensorClass ? b.dtype : 'float32';
  const aval = (x: unknown, name: string): AbstractValue => {
    if (x instanceof TensorClass) return x;
    if (typeof x === 'number') return { shape: [], dtype: ref };
    throw new DtypeError('where', `${name} must be a Tensor${name === 'cond' ? '' : ' or a number'}, got ${x === null ? 'null' : typeof x}`);
  };
  wherePrimitive.abstractEval([aval(cond, 'cond'), aval(a, 'a'), aval(b, 'b')], {});
  return select(cond, a, b);
}

/**
 * ONNX: one plain `Where` (the form derived from the select expression
 * would add a sign-bit fix: ONNX Runtime's `Where` returns +0 for a −0
 * taken from its first branch; docs/onnx.md). Kept plain because `where`
 * routes every masked gradient, where the extra nodes would cost a pass
 * over the tensor each.
 */
function whereOnnx(g: OnnxBuilder, eq: OnnxEquation): void {
  const [c, a, b] = eq.inputs as [string, string, string];
  // ONNX Runtime has no bool Where: (c ∧ a) ∨ (¬c ∧ b), expanded to the result shape.
  if (eq.outAvals[0]!.dtype !== 'bool') return g.node('Where', eq.inputs, eq.outputs);
  const chosen = g.op('Or', [g.op('And', [c, a]), g.op('And', [g.op('Not', [c]), b])]);
  g.node('Expand', [chosen, g.ints(eq.outAvals[0]!.shape)], eq.outputs);
}
