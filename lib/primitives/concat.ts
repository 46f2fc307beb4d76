/** `concat`: joins tensors along an existing axis. Linear in every operand; transpose slices. */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Concat, ConcatResult, Dtype, Shape } from '../../typelevel/index.js';
import { DtypeError, ShapeError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive, LinearInput } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { zerosLike } from '../core/creation.js';
import { apply1, normalizeAxis, shapeOf } from './define.js';
import { slice } from './slice.js';
import { batchSizeOf, materialize } from './batching.js';
import { scatterMap } from '../compile/hostKernels.js';
import type { Slots, Step } from '../core/lowering.js';
import type { Equation } from '../core/ir.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';

export interface ConcatParams extends Record<string, unknown> {
  readonly axis: number;
}

export const concatPrimitive: Primitive<ConcatParams> = definePrimitive({
  lowering: { kind: 'host', lower: (eq, slots) => lowerConcat(eq, slots) },
  name: 'concat',
  onnx: concatOnnx,
  abstractEval(xs, { axis }) {
    if (xs.length === 0) throw new ShapeError('concat', 'needs at least one tensor');
    const first = xs[0]!;
    xs.forEach((x, i) => {
      if (x.dtype !== first.dtype) throw new DtypeError('concat', `tensor ${i} is ${x.dtype} but tensor 0 is ${first.dtype}`);
      const ok = x.shape.length === first.shape.length && x.shape.every((d, j) => j === axis || d === first.shape[j]);
      if (!ok) throw new ShapeError('concat', `tensor ${i} has shape ${showShape(x.shape)}, incompatible with tensor 0's ${showShape(first.shape)} off axis ${axis}`);
    });
    const shape = first.shape.slice();
    shape[axis] = xs.reduce((n, x) => n + x.shape[axis]!, 0);
    return { shape, dtype: first.dtype };
  },
  impl: (xs, { axis }) => tf.concat(xs as tf.Tensor[], axis),
  jvp(xs, ts, params) {
    const y = apply1(concatPrimitive, xs, params);
    if (ts.every((t) => t === null)) return [y, null];
    return [y, apply1(concatPrimitive, ts.map((t, i) => t ?? zerosLike(xs[i]!)), params)];
  },
  transpose(ct, xs, { axis }) {
    let offset = 0;
    return xs.map((x) => {
      const shape = shapeOf(x);
      const begin = shape.map((_, j) => (j === axis ? offset : 0));
      offset += shape[axis]!;
      return x instanceof LinearInput ? slice(ct, begin, shape.slice()) : null;
    });
  },
  batch(xs, dims, { axis }) {
    const size = batchSizeOf(xs, dims);
    return [apply1(concatPrimitive, xs.map((x, i) => materialize(x, dims[i]!, size)), { axis: axis + 1 }), 0];
  },
  showParams: ({ axis }) => `axis=${axis}`,
});

/**
 * Joins tensors along `axis` (default 0); other dims must agree.
 * @example
 * ```ts
 * fx.concat([fx.zeros([2, 3]), fx.ones([1, 3])]); // Tensor<[3, 3], 'float32'>
 * ```
 * @public
 */
export function concat<const T extends readonly Tensor<Shape, Dtype>[], const A extends number = 0>(
  xs: T & Checked<ConcatResult<{ [K in keyof T]: T[K]['shape'] }, A>>,
  axis?: A,
): Tensor<Concat<{ [K in keyof T]: T[K]['shape'] }, A>, T[number]['dtype']> {
  if (xs.length === 0) throw new ShapeError('concat', 'needs at least one tensor');
  const ax = normalizeAxis('concat', axis ?? 0, xs[0]!.rank);
  if (xs.length === 1) return xs[0] as never;
  return apply1(concatPrimitive, xs as readonly Tensor[], { axis: ax });
}

// ------------------------------------------------------------------ host lowering (jit on cpu and wasm)

function lowerConcat(eq: Equation, slots: Slots): Step {
  const axis = eq.params['axis'] as number;
  const outShape = eq.outputs[0]!.aval.shape;
  let at = 0;
  const maps = eq.inputs.map((v) => {
    const offsets = outShape.map((_, a) => (a === axis ? at : 0));
    at += v.aval.shape[axis]!;
    return scatterMap(v.aval.shape, outShape, offsets);
  });
  const [o] = slots.outs;
  return (env) => {
    const out = env[o!]!;
    maps.forEach((map, j) => {
      const x = env[slots.ins[j]!]!;
      for (let i = 0; i < map.length; i++) out[map[i]!] = x[i]!;
    });
  };
}

/** ONNX: `Concat` along the axis. */
function concatOnnx(g: OnnxBuilder, eq: OnnxEquation<ConcatParams>): void {
  g.node('Concat', eq.inputs, eq.outputs, { axis: { int: eq.params.axis } });
}
