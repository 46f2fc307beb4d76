/** `slice`: a contiguous block, TensorFlow.js convention (`begin`, `size`, -1 = to the end). Linear; transpose pads. */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dtype, Shape, SliceResult, SliceShape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1, shapeOf } from './define.js';
import { pad } from './pad.js';
import { moveBatchToFront } from './batching.js';
import { copyThrough, gatherMap, sizeOf, stridesOf } from '../compile/hostKernels.js';
import type { Slots, Step } from '../core/lowering.js';
import type { Equation } from '../core/ir.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';

export interface SliceParams extends Record<string, unknown> {
  readonly begin: readonly number[];
  readonly size: readonly number[];
}

/** Resolves `-1` sizes and checks bounds; the runtime twin of `Slice`. */
export function resolveSlice(shape: readonly number[], begin: readonly number[], size: readonly number[]): number[] {
  if (begin.length !== shape.length || size.length !== shape.length) {
    throw new ShapeError('slice', `begin ${showShape(begin)} and size ${showShape(size)} must both have rank ${shape.length} (x ${showShape(shape)})`);
  }
  return shape.map((d, i) => {
    const b = begin[i]!;
    const s = size[i] === -1 ? d - b : size[i]!;
    if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || s < 0 || b + s > d) {
      throw new ShapeError('slice', `block begin ${showShape(begin)} size ${showShape(size)} does not fit in ${showShape(shape)} (axis ${i})`);
    }
    return s;
  });
}

export const slicePrimitive: Primitive<SliceParams> = definePrimitive({
  // Also in the wasm mixed plan: tfjs-wasm's Slice copies its whole input out of the heap first
  // (`readSync`; W9's three [16, 64, 128] slices of a [16, 64, 384] tensor).
  lowering: { kind: 'host', lower: (eq, slots) => lowerSlice(eq, slots), mixed: (eq, slots) => lowerSlice(eq, slots) },
  name: 'slice',
  onnx: sliceOnnx,
  abstractEval: ([x], { begin, size }) => ({ shape: resolveSlice(x!.shape, begin, size), dtype: x!.dtype }),
  impl: ([x], { begin, size }) => tf.slice(x!, begin as number[], size as number[]),
  jvp: ([x], [t], params) => [apply1(slicePrimitive, [x!], params), t ? apply1(slicePrimitive, [t], params) : null],
  transpose(ct, [x], { begin }) {
    const shape = shapeOf(x!);
    return [pad(ct, shape.map((d, i) => [begin[i]!, d - begin[i]! - ct.shape[i]!] as [number, number]))];
  },
  batch([x], [d], { begin, size }) {
    const front = moveBatchToFront(x!, d!);
    return [apply1(slicePrimitive, [front], { begin: [0, ...begin], size: [front.shape[0], ...size] }), 0];
  },
  showParams: ({ begin, size }) => `begin=[${begin.join(',')}], size=[${size.join(',')}]`,
});

/**
 * The block starting at `begin` with extent `size` per axis (`-1`: to the end).
 * @example
 * ```ts
 * fx.slice(fx.tensor([1, 2, 3, 4]), [1], [2]); // [2, 3]
 * ```
 * @public
 */
export function slice<S extends Shape, D extends Dtype, const B extends number[], const Z extends number[]>(
  x: Tensor<S, D>,
  begin: B,
  size: Z & Checked<SliceResult<S, B, Z>>,
): Tensor<SliceShape<S, B, Z>, D> {
  return apply1(slicePrimitive, [x], { begin: begin as readonly number[], size: resolveSlice(x.shape, begin as readonly number[], size) });
}

// ------------------------------------------------------------------ host lowering (jit on cpu and wasm)

function lowerSlice(eq: Equation, slots: Slots): Step {
  const begin = eq.params['begin'] as readonly number[];
  const inStrides = stridesOf(eq.inputs[0]!.aval.shape);
  const base = begin.reduce((s, b, a) => s + b * inStrides[a]!, 0);
  const outShape = eq.outputs[0]!.aval.shape;
  // A slice along the leading axes only is one contiguous range.
  const contiguous = outShape.every((d, a) => a === 0 || d === eq.inputs[0]!.aval.shape[a]) && begin.every((b, a) => a === 0 || b === 0);
  if (contiguous) {
    const n = sizeOf(outShape);
    const [x] = slots.ins;
    const [o] = slots.outs;
    return (env) => env[o!]!.set(env[x!]!.subarray(base, base + n));
  }
  // Otherwise runs of whole trailing axes (and a range of the last sliced axis) as block copies, where runs are long.
  const inShape = eq.inputs[0]!.aval.shape;
  let cut = outShape.length - 1;
  while (cut > 0 && outShape[cut] === inShape[cut]) cut--;
  const run = sizeOf(outShape.slice(cut));
  if (run >= 8) {
    const starts = gatherMap(outShape.slice(0, cut), inStrides.slice(0, cut), base);
    const [x] = slots.ins;
    const [o] = slots.outs;
    return (env) => {
      const src = env[x!]!;
      const out = env[o!]!;
      for (let r = 0; r < starts.length; r++) out.set(src.subarray(starts[r]!, starts[r]! + run) as never, r * run);
    };
  }
  return copyThrough(gatherMap(outShape, inStrides, base), slots);
}

/** ONNX: `Slice` with static starts/ends on every axis. */
function sliceOnnx(g: OnnxBuilder, eq: OnnxEquation<SliceParams>): void {
  const { begin } = eq.params;
  const size = eq.outAvals[0]!.shape;
  g.node('Slice', [eq.inputs[0]!, g.ints(begin), g.ints(begin.map((b, i) => b + size[i]!)), g.ints(begin.map((_, i) => i))], eq.outputs);
}
