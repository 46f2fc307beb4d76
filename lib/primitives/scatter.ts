/**
 * `scatter`: builds a tensor of a given shape, zero except at the positions
 * `indices` along one axis, where the `updates` slices are added (repeated
 * indices accumulate). It is the transpose of `gather` and linear in
 * `updates`; its own transpose is `gather`. The public op is `scatterAdd`
 * (`x` plus the scatter), and `at(x, idx).set/.add/.mul` build on it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '../../typelevel/index.js';
import { DtypeError, ShapeError, TransformError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive, LinearInput } from '../core/primitive.js';
import { sizeOf, type AnyTensor, type Tensor } from '../core/tensor.js';
import { add } from './add.js';
import { apply1, normalizeAxis, requireDtype, sameShape } from './define.js';
import { materialize, moveBatchToFront } from './batching.js';
import { checkIndexRange, checkIndexTensor, exampleOffsets, gatherPrimitive, gatherShape, indexTensor, numberIndex, range } from './gather.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';
import { scoped } from '../core/memory.js';
import { around } from '../compile/hostKernels.js';
import type { Slots, Step } from '../core/lowering.js';
import type { Equation } from '../core/ir.js';
import { checkIndexValues } from './gather.js';
import { castTo, filled, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';

export interface ScatterParams extends Record<string, unknown> {
  /** The shape of the result. */
  readonly shape: readonly number[];
  /** The (non-negative) axis the indices address. */
  readonly axis: number;
}

/** Checks that `updates` has the shape a gather of `shape` at `indices` would have. */
function checkUpdates(op: string, shape: readonly number[], indices: readonly number[], updates: readonly number[], axis: number): void {
  const want = gatherShape(shape, indices, axis);
  if (!sameShape(want, updates)) {
    throw new ShapeError(
      op,
      `updates have shape ${showShape(updates)} but indices ${showShape(indices)} into axis ${axis} of ${showShape(shape)} need ${showShape(want)}`,
    );
  }
}

export const scatterPrimitive: Primitive<ScatterParams> = definePrimitive({
  lowering: { kind: 'host', lower: (eq, slots) => lowerScatter(eq, slots) },
  name: 'scatter',
  onnx: scatterOnnx,
  abstractEval([indices, updates], { shape, axis }) {
    requireDtype('scatterAdd', 'indices', indices!, ['int32']);
    requireDtype('scatterAdd', 'updates', updates!, ['float32', 'int32']);
    if (!(axis >= 0 && axis < shape.length)) throw new ShapeError('scatterAdd', `axis ${axis} is out of range for shape ${showShape(shape)}`);
    checkUpdates('scatterAdd', shape, indices!.shape, updates!.shape, axis);
    return { shape, dtype: updates!.dtype };
  },
  impl([indices, updates], { shape, axis }) {
    const dim = shape[axis]!;
    checkIndexRange('scatterAdd', indices!, dim, `axis ${axis} of shape ${showShape(shape)}`);
    const n = indices!.size;
    const before = sizeOf(shape.slice(0, axis));
    const after = sizeOf(shape.slice(axis + 1));
    if (n === 0 || sizeOf(shape) === 0) return tf.zeros(shape as number[], updates!.dtype);
    // scatterND addresses the leading axis: bring the indexed axis to the front, scatter, move it back.
    let u = tf.reshape(updates!, [before, n, after]);
    if (before > 1) u = tf.transpose(u, [1, 0, 2]);
    else u = tf.reshape(u, [n, 1, after]);
    let out = tf.scatterND(tf.reshape(indices!, [n, 1]), u, [dim, before, after]);
    if (before > 1) out = tf.transpose(out, [1, 0, 2]);
    return tf.reshape(out, shape as number[]);
  },
  jvp([indices, updates], [, t], params) {
    const y = apply1(scatterPrimitive, [indices!, updates!], params);
    return [y, t ? apply1(scatterPrimitive, [indices!, t], params) : null];
  },
  transpose(ct, [indices], { axis }) {
    if (indices instanceof LinearInput) throw new TransformError('scatterAdd: the indices cannot be linear (they are int32)');
    return [null, apply1(gatherPrimitive, [ct, indices!], { axis })];
  },
  batch([indices, updates], [di, du], { shape, axis }) {
    if (di === null) {
      const u = moveBatchToFront(updates!, du!);
      return [apply1(scatterPrimitive, [indices!, u], { shape: [u.shape[0]!, ...shape], axis: axis + 1 }), 0];
    }
    // Batched indices: scatter into the examples stacked along the indexed axis, offsetting each example's indices.
    const idx = moveBatchToFront(indices!, di!);
    const [size, dim] = [idx.shape[0]!, shape[axis]!];
    checkIndexTensor('scatterAdd', idx, dim, `axis ${axis} of each example of shape ${showShape(shape)}`);
    const u = materialize(updates!, du!, size); // [B, ...pre, ...I, ...post]
    const r = idx.rank - 1;
    const front = transpose(u, [0, ...range(1 + axis, 1 + axis + r), ...range(1, 1 + axis), ...range(1 + axis + r, u.rank)]);
    const rest = shape.filter((_, i) => i !== axis);
    const stacked = apply1(scatterPrimitive, [exampleOffsets(idx, dim), front], { shape: [size * dim, ...rest], axis: 0 });
    const split = reshape(stacked, [size, dim, ...rest]);
    return [transpose(split, [0, ...range(2, 2 + axis), 1, ...range(2 + axis, split.rank)]), 0];
  },
  showParams: ({ shape, axis }) => `shape=[${shape.join(',')}], axis=${axis}`,
});

/**
 * Zeros of `shape` with the `updates` slices added at `indices` along `axis`
 * (repeated indices accumulate). Internal building block of `scatterAdd` and `at`.
 */
export function scatter(indices: AnyTensor, updates: AnyTensor, shape: readonly number[], axis: number): AnyTensor {
  return apply1(scatterPrimitive, [indices, updates], { shape: shape.slice(), axis });
}

/**
 * `x` with `updates` added at the positions `indices` along `axis` (default
 * 0): `out[..., indices[p], ...] += updates[..., p, ...]`, so `updates` has
 * the shape `take(x, indices, axis)` would have. Repeated indices accumulate.
 * Differentiable in `x` and `updates` (the adjoint for `updates` is a
 * gather); `indices` are NoDiff. Out-of-range indices throw a `ShapeError`.
 * @example
 * ```ts
 * fx.scatterAdd(fx.zeros([3]), fx.tensor([0, 2, 0], 'int32'), fx.tensor([1, 2, 3])); // [4, 0, 2]
 * ```
 * @public
 */
export function scatterAdd<S extends Shape, D extends 'float32' | 'int32'>(
  x: Tensor<S, D>,
  indices: Tensor<Shape, 'int32'> | number,
  updates: Tensor<Shape, NoInfer<D>>,
  axis = 0,
): Tensor<S, D> {
  return scoped(() => {
    const ax = normalizeAxis('scatterAdd', axis, x.rank);
    const where = `axis ${ax} of x ${showShape(x.shape)}`;
    if (updates.dtype !== x.dtype) throw new DtypeError('scatterAdd', `updates are ${updates.dtype} but x is ${x.dtype}`);
    // Every check before the index tensor is made, so nothing leaks on error.
    if (typeof indices === 'number') numberIndex('scatterAdd', indices, x.shape[ax]!, where);
    else checkIndexTensor('scatterAdd', indices, x.shape[ax]!, where);
    checkUpdates('scatterAdd', x.shape, typeof indices === 'number' ? [] : indices.shape, updates.shape, ax);
    const idx = indexTensor('scatterAdd', indices, x.shape[ax]!, where);
    return add(x as AnyTensor, scatter(idx, updates, x.shape, ax)) as Tensor<S, D>;
  });
}

// ------------------------------------------------------------------ host lowering (jit on cpu and wasm)

/** Scatter-add along one axis into zeros (repeated indices accumulate; out-of-range ones are a `ShapeError`). */
function lowerScatter(eq: Equation, slots: Slots): Step {
  const axis = eq.params['axis'] as number;
  const shape = eq.params['shape'] as readonly number[];
  const [outer, dim, inner] = around(shape, axis);
  const count = sizeOf(eq.inputs[0]!.aval.shape);
  const where = `axis ${axis} of shape ${showShape(shape)}`;
  const [b, a] = slots.ins;
  const [o] = slots.outs;
  return (env) => {
    const idx = env[b!]!;
    const upd = env[a!]!;
    const out = env[o!]!;
    checkIndexValues('scatterAdd', idx, eq.inputs[0]!.aval.shape, dim, where);
    out.fill(0);
    let p = 0;
    for (let u = 0; u < outer; u++) {
      for (let j = 0; j < count; j++) {
        const to = (u * dim + idx[j]!) * inner;
        for (let w = 0; w < inner; w++) out[to + w] = out[to + w]! + upd[p++]!;
      }
    }
  };
}

/**
 * ONNX, as the impl: the indexed axis moved to the front, `ScatterND` with
 * add reduction (repeated indices accumulate), moved back.
 */
function scatterOnnx(g: OnnxBuilder, eq: OnnxEquation<ScatterParams>): void {
  const { shape, axis } = eq.params;
  const dtype = eq.outAvals[0]!.dtype;
  const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  const n = size(eq.inAvals[0]!.shape);
  if (n === 0 || size(shape) === 0) return void filled(g, shape, dtype, 0, eq.outputs);
  const [dim, before, after] = [shape[axis]!, size(shape.slice(0, axis)), size(shape.slice(axis + 1))];
  const indices = g.op('Reshape', [g.op('Cast', [eq.inputs[0]!], castTo('int64')), g.ints([n, 1])]);
  const updates = g.op('Transpose', [g.op('Reshape', [eq.inputs[1]!, g.ints([before, n, after])])], { perm: { ints: [1, 0, 2] } });
  const scattered = g.op('ScatterND', [filled(g, [dim, before, after], dtype), indices, updates], { reduction: { string: 'add' } });
  g.node('Reshape', [g.op('Transpose', [scattered], { perm: { ints: [1, 0, 2] } }), g.ints(shape)], eq.outputs);
}
