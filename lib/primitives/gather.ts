/**
 * `gather` (public names `take` and `gather`): picks slices of `x` along one
 * axis at integer positions. Linear in `x` (the indices are NoDiff); the
 * transpose scatter-adds the cotangent back, so repeated indices accumulate.
 *
 * Out-of-range indices are a `ShapeError` naming the index, the op and the
 * shapes, whenever the index values can be read without a GPU round trip:
 * always on cpu and wasm; on webgpu while the indices still live on the host
 * (for example a tensor made by `fx.tensor` and not yet used by a GPU kernel).
 * Indices already on the GPU are not checked there: out-of-range positions
 * read 0 (tfjs-webgpu's behaviour).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dim, Dtype, Gather, GatherResult, SameType, Shape, When } from '../../typelevel/index.js';
import { ConcretizationError, ShapeError, TransformError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive, LinearInput } from '../core/primitive.js';
import { ConcreteTensor, Tensor as TensorClass, type AnyTensor, type Tensor } from '../core/tensor.js';
import { apply1, constant, normalizeAxis, requireDtype, shapeOf } from './define.js';
import { add } from './add.js';
import { moveBatchToFront } from './batching.js';
import { mul } from './mul.js';
import { reshape } from './reshape.js';
import { scatter } from './scatter.js';
import { slicePrimitive } from './slice.js';
import { transpose } from './transpose.js';
import { arange } from '../core/creation.js';
import { scoped } from '../core/memory.js';
import { around, sizeOf } from '../compile/hostKernels.js';
import type { Slots, Step } from '../core/lowering.js';
import type { Equation } from '../core/ir.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';

export interface GatherParams extends Record<string, unknown> {
  /** The (non-negative) axis of `x` that is indexed. */
  readonly axis: number;
}

/**
 * The values of an int32 tensor when they can be read without a GPU round
 * trip (cpu, wasm, or webgpu data still on the host); otherwise `null`.
 */
export function hostIndexValues(t: tf.Tensor): ArrayLike<number> | null {
  if (tf.getBackend() === 'webgpu') {
    // tfjs-webgpu keeps uploaded-but-unused data in `tensorMap[...].values`; reading it is free.
    const backend = tf.backend() as unknown as { tensorMap?: { get(id: object): { values?: ArrayLike<number> | null } | undefined } };
    return backend.tensorMap?.get(t.dataId)?.values ?? null;
  }
  return t.dataSync() as Int32Array;
}

/** Throws a `ShapeError` naming the first index outside `[0, dim)` (when the values are readable, see above). */
export function checkIndexRange(op: string, indices: tf.Tensor, dim: number, where: string): void {
  const values = hostIndexValues(indices);
  if (values) checkIndexValues(op, values, indices.shape, dim, where);
}

/** `checkIndexRange` on values already on the host (jit's host lowering reads them in place). */
export function checkIndexValues(op: string, values: ArrayLike<number>, shape: readonly number[], dim: number, where: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v < dim)) {
      throw new ShapeError(op, `index ${v} at position ${i} of indices ${showShape(shape)} is out of range [0, ${dim}) for ${where}`);
    }
  }
}

/**
 * `checkIndexRange` for a fluxion tensor, before any kernel uses it (on
 * webgpu the values are only readable until then). Skipped for values that
 * have no single concrete value here (abstract under jit, batched under
 * vmap): the kernels check those when they run.
 */
export function checkIndexTensor(op: string, indices: AnyTensor, dim: number, where: string): void {
  let concrete: ConcreteTensor;
  try {
    concrete = indices._concrete(op);
  } catch (e) {
    if (e instanceof ConcretizationError || e instanceof TransformError) return;
    throw e;
  }
  checkIndexRange(op, concrete._tf, dim, where);
}

/** The runtime twin of the gather shape rule: `x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]`. */
export function gatherShape(x: readonly number[], indices: readonly number[], axis: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < axis; i++) out.push(x[i]!);
  for (const d of indices) out.push(d);
  for (let i = axis + 1; i < x.length; i++) out.push(x[i]!);
  return out;
}

export const gatherPrimitive: Primitive<GatherParams> = definePrimitive({
  // In the wasm mixed plan the same step runs on tfjs-wasm's heap: its GatherV2 took 4–5 ms for W9's
  // embedding ([64, 128] by [16, 64] indices) against 0.1 ms for row copies.
  lowering: { kind: 'host', lower: (eq, slots) => lowerGather(eq, slots), mixed: (eq, slots) => lowerGather(eq, slots) },
  name: 'gather',
  onnx: gatherOnnx,
  abstractEval([x, indices], { axis }) {
    requireDtype('take', 'indices', indices!, ['int32']);
    if (!(axis >= 0 && axis < x!.shape.length)) {
      throw new ShapeError('take', `axis ${axis} is out of range for x of shape ${showShape(x!.shape)}`);
    }
    return { shape: gatherShape(x!.shape, indices!.shape, axis), dtype: x!.dtype };
  },
  impl([x, indices], { axis }) {
    checkIndexRange('take', indices!, x!.shape[axis]!, `axis ${axis} of x ${showShape(x!.shape)}`);
    // Gather with flat indices, then reshape: avoids backend differences with rank-0 and rank>1 indices.
    const flat = tf.gather(x!, tf.reshape(indices!, [indices!.size]), axis);
    return tf.reshape(flat, gatherShape(x!.shape, indices!.shape, axis));
  },
  jvp([x, indices], [t], params) {
    const y = apply1(gatherPrimitive, [x!, indices!], params);
    return [y, t ? apply1(gatherPrimitive, [t, indices!], params) : null];
  },
  transpose(ct, [x, indices], { axis }) {
    if (indices instanceof LinearInput) throw new TransformError('take: the indices cannot be linear (they are int32)');
    return [scatter(indices as AnyTensor, ct, shapeOf(x!), axis), null];
  },
  batch([x, indices], [dx, di], { axis }) {
    if (di === null) return [apply1(gatherPrimitive, [moveBatchToFront(x!, dx!), indices!], { axis: axis + 1 }), 0];
    // Only the indices are batched: their axes (batch included) land at `axis`.
    if (dx === null) return [apply1(gatherPrimitive, [x!, indices!], { axis }), axis + di!];
    // Both: gather from x with its batch and indexed axes merged, offsetting each example's indices.
    const xs = moveBatchToFront(x!, dx!);
    const idx = moveBatchToFront(indices!, di!);
    const [size, dim] = [xs.shape[0]!, xs.shape[axis + 1]!];
    checkIndexTensor('take', idx, dim, `axis ${axis} of each example of x ${showShape(xs.shape.slice(1))}`);
    const rest = range(1, xs.rank).filter((i) => i !== axis + 1);
    const merged = reshape(transpose(xs, [0, axis + 1, ...rest]), [size * dim, ...rest.map((i) => xs.shape[i]!)]);
    const gathered = apply1(gatherPrimitive, [merged, exampleOffsets(idx, dim)], { axis: 0 });
    // [B, ...I, ...pre, ...post] → [B, ...pre, ...I, ...post]
    const r = idx.rank - 1;
    return [transpose(gathered, [0, ...range(1 + r, 1 + r + axis), ...range(1, 1 + r), ...range(1 + r + axis, gathered.rank)]), 0];
  },
  showParams: ({ axis }) => `axis=${axis}`,
});

/** Checks a JS number index (negative counts from the end) and returns it as a position in `[0, dim)`. */
export function numberIndex(op: string, index: number, dim: number, where: string): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < -dim || index >= dim) {
    throw new ShapeError(op, `index ${String(index)} is out of range [${-dim}, ${dim}) for ${where}`);
  }
  return index < 0 ? index + dim : index;
}

/** `[a, a + 1, …, b - 1]`. */
export function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
}

/** Indices `[B, ...I]` of per-example arrays of length `dim`, shifted to address the examples stacked end to end. */
export function exampleOffsets(indices: AnyTensor, dim: number): AnyTensor {
  const starts = reshape(mul(arange(indices.shape[0]!), dim), [indices.shape[0]!, ...indices.shape.slice(1).map(() => 1)] as never);
  return add(indices, starts as AnyTensor);
}

/** Turns a JS number index into an int32 scalar (see `numberIndex`); a tensor passes through. */
export function indexTensor(op: string, index: AnyTensor | number, dim: number, where: string): AnyTensor {
  if (index instanceof TensorClass) return index;
  return constant(numberIndex(op, index, dim, where), 'int32');
}

/** The shape that indices add to a gather: an int32 tensor's shape, or none for a JS number. @public */
export type IndicesShape<I> = I extends Tensor<infer S extends Shape, 'int32'> ? S : [];

/**
 * Slices of `x` along `axis` (default 0) at the positions in `indices`
 * (an `int32` tensor of any shape, each entry in `[0, x.shape[axis])`); the
 * result's shape is `x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]`.
 * A JS number picks one position (negative counts from the end) and removes
 * the axis. Differentiable in `x` (the adjoint scatter-adds, so repeated
 * indices accumulate); `indices` are NoDiff. Out-of-range indices throw a
 * `ShapeError` (see the module notes for webgpu).
 * @example
 * ```ts
 * fx.take(fx.tensor([10, 20, 30]), fx.tensor([2, 0], 'int32')); // [30, 10]
 * ```
 * @public
 */
export function take<N extends Dim, R extends Dim[], I extends Shape, D extends Dtype, const A extends number = 0>(
  x: Tensor<[N, ...R], D>,
  indices: Tensor<I, 'int32'>,
  axis?: A,
  ...check: When<SameType<A, 0>, []>
): Tensor<[...I, ...R], D>;
/** @public */
export function take<N extends Dim, R extends Dim[], D extends Dtype, const A extends number = 0>(x: Tensor<[N, ...R], D>, index: number, axis?: A, ...check: When<SameType<A, 0>, []>): Tensor<R, D>;
/**
 * Any axis; a literal axis out of range is a compile-time error
 * (`shape error: axis 2 is out of range for a tensor of rank 2`). The
 * overloads above apply only to axis 0 (see `When`), so a bad axis is
 * reported by this one alone. @public
 */
export function take<S extends Shape, Ix extends Tensor<Shape, 'int32'> | number, D extends Dtype, const A extends number = 0>(
  x: Tensor<S, D>,
  indices: Ix,
  axis?: A & Checked<GatherResult<S, IndicesShape<Ix>, A>>,
): Tensor<Gather<S, IndicesShape<Ix>, A>, D>;
export function take(x: AnyTensor, indices: AnyTensor | number, axis = 0): AnyTensor {
  const ax = normalizeAxis('take', axis, x.rank);
  if (typeof indices === 'number') return takeStatic(x, indices, ax);
  return scoped(() => {
    const where = `axis ${ax} of x ${showShape(x.shape)}`;
    requireDtype('take', 'indices', indices, ['int32']);
    checkIndexTensor('take', indices, x.shape[ax]!, where);
    return apply1(gatherPrimitive, [x, indices], { axis: ax });
  });
}

/**
 * `take` at a JS number: a static slice of one position and a reshape dropping
 * the axis (as JAX rewrites static indexing). Its adjoint is a pad, one kernel
 * where a scatter takes several, and no index tensor is made. Runs for every
 * element picked in a host loop, so it opens no scope: the slice, if concrete,
 * is freed here (the reshape shares its data).
 */
function takeStatic(x: AnyTensor, index: number, ax: number): AnyTensor {
  const shape = x.shape as readonly number[];
  const dim = shape[ax]!;
  const at = Number.isInteger(index) && index >= -dim && index < dim ? (index < 0 ? index + dim : index) : numberIndex('take', index, dim, `axis ${ax} of x ${showShape(shape)}`);
  const begin = shape.map((_, a) => (a === ax ? at : 0));
  const size = shape.map((d, a) => (a === ax ? 1 : d));
  const sliced = apply1(slicePrimitive, [x], { begin, size });
  const out = reshape(sliced, gatherShape(shape, [], ax));
  if (sliced !== out && sliced instanceof ConcreteTensor) sliced.dispose();
  return out;
}

/**
 * Another name for {@link take}.
 * @example
 * ```ts
 * fx.gather(fx.tensor([[1, 2], [3, 4]]), fx.tensor([1], 'int32'), 1); // [[2], [4]]
 * ```
 * @public
 */
export const gather: typeof take = take;

// ------------------------------------------------------------------ host lowering (jit on cpu and wasm)

/** Gather along one axis; an out-of-range index is the same `ShapeError` as on tfjs kernels. */
function lowerGather(eq: Equation, slots: Slots): Step {
  const axis = eq.params['axis'] as number;
  const xShape = eq.inputs[0]!.aval.shape;
  const [outer, dim, inner] = around(xShape, axis);
  const count = sizeOf(eq.inputs[1]!.aval.shape);
  const where = `axis ${axis} of x ${showShape(xShape)}`;
  const [a, b] = slots.ins;
  const [o] = slots.outs;
  return (env) => {
    const x = env[a!]!;
    const idx = env[b!]!;
    const out = env[o!]!;
    checkIndexValues('take', idx, eq.inputs[1]!.aval.shape, dim, where);
    let p = 0;
    for (let u = 0; u < outer; u++) {
      for (let j = 0; j < count; j++) {
        const from = (u * dim + idx[j]!) * inner;
        if (inner >= 16) {
          // A row at a time (a memcpy), where a loop costs more than the call.
          out.set(x.subarray(from, from + inner), p);
          p += inner;
        } else for (let w = 0; w < inner; w++) out[p++] = x[from + w]!;
      }
    }
  };
}

/** ONNX: `Gather` along the axis. Out-of-range indices are an error in ONNX Runtime as in fluxion; negative ones wrap there (fluxion rejects them). */
function gatherOnnx(g: OnnxBuilder, eq: OnnxEquation<GatherParams>): void {
  g.node('Gather', eq.inputs, eq.outputs, { axis: { int: eq.params.axis } });
}
