/** `broadcastTo`: repeats size-1 (and missing leading) axes up to a shape. Linear. */
import * as tf from '@tensorflow/tfjs-core';
import type { BroadcastToResult, Checked, Dtype, Shape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1, sameShape, shapeOf, unbroadcast } from './define.js';
import { batchedWithRank } from './batching.js';
import { freshHandle } from '../core/alias.js';
import { broadcastAccess, broadcastMap, copyThrough } from '../compile/hostKernels.js';
import type { Slots, Step } from '../core/lowering.js';
import type { Equation } from '../core/ir.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';

export interface BroadcastParams extends Record<string, unknown> {
  readonly shape: readonly number[];
}

export const broadcastToPrimitive: Primitive<BroadcastParams> = definePrimitive({
  // The host kernel beats tfjs-wasm's inside mixed programs too (0.14 ms there for [128, 1] → [128, 10]).
  lowering: { kind: 'host', lower: (eq, slots) => lowerBroadcast(eq, slots), mixed: (eq, slots) => lowerBroadcast(eq, slots) },
  name: 'broadcastTo',
  onnx: broadcastToOnnx,
  abstractEval([x], { shape }) {
    const from = x!.shape;
    const lead = shape.length - from.length;
    const ok = lead >= 0 && from.every((d, i) => d === 1 || d === shape[lead + i]);
    if (!ok) throw new ShapeError('broadcastTo', `cannot broadcast ${showShape(from)} to ${showShape(shape)}`);
    return { shape, dtype: x!.dtype };
  },
  // tfjs-wasm runs broadcastTo as Tile, ~40× slower than a broadcasting add into zeros (1M elements: 127 ms vs 3 ms).
  impl: ([x], { shape }) =>
    tf.getBackend() === 'wasm' && x!.dtype !== 'bool' ? tf.add(tf.zeros(shape as number[], x!.dtype), x!) : tf.broadcastTo(x!, shape as number[]),
  jvp: ([x], [t], params) => [apply1(broadcastToPrimitive, [x!], params), t ? apply1(broadcastToPrimitive, [t], params) : null],
  transpose: (ct, [x]) => [unbroadcast(ct, shapeOf(x!))],
  batch([x], [d], { shape }) {
    const aligned = batchedWithRank(x!, d!, shape.length);
    return [apply1(broadcastToPrimitive, [aligned], { shape: [aligned.shape[0], ...shape] }), 0];
  },
  showParams: ({ shape }) => `shape=[${shape.join(',')}]`,
});

/**
 * Broadcasts `x` to `shape` (NumPy rules: size-1 axes repeat, missing leading axes are added).
 * A literal shape that `x` does not broadcast to is a compile-time error
 * (`shape error: cannot broadcast [2, 3] to [4, 3]`).
 * @example
 * ```ts
 * fx.broadcastTo(fx.tensor([1, 2, 3]), [2, 3]); // [[1, 2, 3], [1, 2, 3]]
 * ```
 * @public
 */
export function broadcastTo<S extends Shape, D extends Dtype, const T extends Shape>(
  x: Tensor<S, D>,
  shape: T & Checked<BroadcastToResult<S, T>>,
): Tensor<T, D> {
  if (sameShape(x.shape, shape)) return freshHandle(x) as unknown as Tensor<T, D>;
  return apply1(broadcastToPrimitive, [x], { shape: shape as readonly number[] });
}

// ------------------------------------------------------------------ host lowering (jit on cpu and wasm)

function lowerBroadcast(eq: Equation, slots: Slots): Step {
  const inShape = eq.inputs[0]!.aval.shape;
  const outShape = eq.outputs[0]!.aval.shape;
  const access = broadcastAccess(inShape, outShape);
  const [a] = slots.ins;
  const [o] = slots.outs;
  if (access.kind === 'scalar') return (env) => env[o!]!.fill(env[a!]![0]!);
  if (access.kind === 'same') return (env) => env[o!]!.set(env[a!]!);
  // Two common forms as block copies instead of an index map (W9: [16, 64, 1] → [16, 64, 128] took
  // 2.6 ms through the map): each value repeated over trailing axes (`fill`), or the whole operand
  // repeated over leading axes (`set`).
  const padded = [...Array<number>(outShape.length - inShape.length).fill(1), ...inShape];
  const split = padded.findIndex((d, i) => d !== outShape[i]);
  const rest = padded.slice(split);
  const inSize = padded.reduce((x, y) => x * y, 1);
  const outSize = outShape.reduce((x, y) => x * y, 1);
  if (split > 0 && rest.every((d) => d === 1)) {
    const run = outSize / inSize;
    return (env) => {
      const x = env[a!]!;
      const out = env[o!]!;
      for (let r = 0; r < inSize; r++) out.fill(x[r]!, r * run, (r + 1) * run);
    };
  }
  const lead = padded.findIndex((d) => d !== 1);
  if (lead > 0 && padded.slice(lead).every((d, i) => d === outShape[lead + i]) && inSize >= 16) {
    return (env) => {
      const x = env[a!]!;
      const out = env[o!]!;
      for (let at = 0; at < outSize; at += inSize) out.set(x as never, at);
    };
  }
  return copyThrough(broadcastMap(inShape, outShape), slots);
}

/** ONNX: `Expand` to the static result shape. */
function broadcastToOnnx(g: OnnxBuilder, eq: OnnxEquation<BroadcastParams>): void {
  g.node('Expand', [eq.inputs[0]!, g.ints(eq.outAvals[0]!.shape)], eq.outputs);
}
