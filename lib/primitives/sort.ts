/**
 * `sort`: ascending sort along the last axis, with the permutation. Two
 * outputs: the sorted values and the int32 positions they came from (NoDiff).
 * The values are differentiable through the permutation: their tangent is the
 * input tangent gathered at the sort indices (`takeAlongLastAxis`, built on
 * the linear `take` primitive, whose transpose scatter-adds), so reverse mode
 * sends each cotangent back to the position its value came from.
 *
 * Ties: the sort is stable, equal values keep their input order (lower index
 * first), identically on cpu, wasm and webgpu: the kernel is tfjs `topk` on
 * the order-reversed input, and tfjs `topk` puts the lower index first among
 * equal values on all three backends (checked by this primitive's tests).
 * NaN sorts last, after +Infinity, NaNs in input order (NumPy's rule).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dtype, ReduceResult, Shape } from '../../typelevel/index.js';
import { DtypeError, ShapeError, showShape } from '../core/errors.js';
import type { Primitive } from '../core/primitive.js';
import { ConcreteTensor, sizeOf, type AbstractValue, type AnyTensor, type Tensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { add } from './add.js';
import { moveBatchToFront } from './batching.js';
import { normalizeAxis, requireDtype } from './define.js';
import { take } from './gather.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';
import { scoped } from '../core/memory.js';
import { kernelOnly } from '../core/lowering.js';
import { castTo, emptyOutputs, nanPartition, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';

/**
 * `out[..., j] = x[..., indices[..., j]]`: picks along the last axis with a
 * different index list per row (NumPy `take_along_axis`). Linear in `x`;
 * built from `reshape` and `take` on the flattened rows, so its derivative
 * rules are theirs. `indices` has `x`'s leading shape and any last dim.
 */
export function takeAlongLastAxis(x: AnyTensor, indices: AnyTensor): AnyTensor {
  const n = x.shape[x.rank - 1]!;
  const rows = sizeOf(x.shape.slice(0, -1));
  const k = indices.shape[indices.rank - 1]!;
  const offsets = new Int32Array(rows * k);
  for (let r = 0; r < rows; r++) offsets.fill(r * n, r * k, (r + 1) * k);
  const flatIndices = add(indices, new ConcreteTensor(tf.tensor(offsets, indices.shape as number[], 'int32')) as AnyTensor);
  return take(reshape(x, [rows * n]) as AnyTensor, flatIndices);
}

/** Order-reversing map that is exact and overflow-free: −x for floats, −1 − x (bitwise not) for int32. */
function reverseOrder(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'int32' ? tf.sub(tf.scalar(-1, 'int32'), x) : tf.neg(x);
}

/**
 * `x[..., indices[..., j]]` row by row along the last axis (tfjs tensors,
 * same leading shape), as one gather from the flattened rows (tfjs-wasm's
 * gather with batch dims mixes up rows).
 */
export function gatherLast(x: tf.Tensor, indices: tf.Tensor): tf.Tensor {
  const n = x.shape[x.rank - 1]!;
  const rows = x.size / Math.max(n, 1);
  const offsets = tf.reshape(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(n, 'int32')), [...indices.shape.slice(0, -1), 1]);
  return tf.reshape(tf.gather(tf.reshape(x, [x.size]), tf.add(indices, offsets)), indices.shape);
}

/**
 * The positions of each row (last axis) with the `first` ones before the
 * others, each group in input order: a stable partition (tfjs `topk` puts the
 * lower index first among equal values).
 */
export function stablePartition(first: tf.Tensor): tf.Tensor {
  return tf.topk(tf.cast(first, 'float32'), first.shape[first.rank - 1]!).indices;
}

function checkSortable(op: string, x: AbstractValue): void {
  requireDtype(op, 'x', x, ['float32', 'int32']);
  if (x.shape.length === 0) throw new ShapeError(op, `x must have at least one axis, got a scalar (shape ${showShape(x.shape)})`);
}

export const sortPrimitive: Primitive = {
  name: 'sort',
  onnx: sortOnnx,
  lowering: kernelOnly('a sort: tfjs kernel'),
  abstractEval([x]) {
    checkSortable('sort', x!);
    return [
      { shape: x!.shape, dtype: x!.dtype },
      { shape: x!.shape, dtype: 'int32' },
    ];
  },
  impl([x]) {
    const n = x!.shape[x!.rank - 1]!;
    if (x!.dtype !== 'float32') {
      const { values, indices } = tf.topk(reverseOrder(x!), n);
      return [reverseOrder(values), indices];
    }
    // NaN sorts last (NumPy), after +Infinity: first a stable partition that puts the NaNs after the
    // numbers, then a stable sort of that row with NaN read as +Infinity.
    const order = stablePartition(tf.logicalNot(tf.isNaN(x!)));
    const row = gatherLast(x!, order);
    const key = tf.where(tf.isNaN(row), tf.scalar(-Infinity), tf.neg(row));
    const indices = gatherLast(order, tf.topk(key, n).indices);
    return [gatherLast(x!, indices), indices];
  },
  // vmap: the sorted axis is the last one, so the vmapped axis can go first.
  batch: ([x], [d]) => [bind(sortPrimitive, [moveBatchToFront(x!, d!)]), [0, 0]],
  jvp([x], [t]) {
    const [values, indices] = bind(sortPrimitive, [x!]);
    return [
      [values!, indices!],
      [t ? takeAlongLastAxis(t as AnyTensor, indices as AnyTensor) : null, null],
    ];
  },
};

/** Sorts along `axis` by moving it last; returns [values, indices] in the input's layout. */
function sortAlong(x: AnyTensor, axis: number | undefined): [AnyTensor, AnyTensor] {
  if (!(x.dtype === 'float32' || x.dtype === 'int32')) {
    throw new DtypeError('sort', `x must be float32 or int32, got ${x.dtype} (shape ${showShape(x.shape)})`);
  }
  if (x.rank === 0) throw new ShapeError('sort', `x must have at least one axis, got a scalar (shape ${showShape(x.shape)})`);
  const ax = normalizeAxis('sort', axis ?? -1, x.rank);
  const last = x.rank - 1;
  const perm = [...Array(x.rank).keys()];
  perm[ax] = last;
  perm[last] = ax;
  const moved = ax === last ? x : transpose(x, perm);
  const [values, indices] = bind(sortPrimitive, [moved]) as [AnyTensor, AnyTensor];
  return ax === last ? [values, indices] : [transpose(values, perm), transpose(indices, perm)];
}

/**
 * The values of `x` sorted ascending along `axis` (default the last).
 * Differentiable: the gradient of each sorted value flows back to the
 * position it came from. Ties keep their input order (stable sort), on every
 * backend; NaN sorts last (NumPy). `float32` or `int32`.
 * @example
 * ```ts
 * fx.sort(fx.tensor([3, 1, 2])); // [1, 2, 3]
 * ```
 * @public
 */
export function sort<S extends Shape, D extends 'float32' | 'int32', const A extends number = -1>(x: Tensor<S, D>, axis?: A & Checked<ReduceResult<S, A>>): Tensor<S, D> {
  return scoped(() => {
    return sortAlong(x, axis as number | undefined)[0] as Tensor<S, D>;
  });
}

/**
 * The positions (int32, NoDiff) that sort `x` ascending along `axis`
 * (default the last): `fx.sort(x)` equals `x` taken at these positions.
 * Stable: among equal values the lower index comes first.
 * @example
 * ```ts
 * fx.argsort(fx.tensor([3, 1, 2])); // [1, 2, 0]
 * ```
 * @public
 */
export function argsort<S extends Shape, D extends Exclude<Dtype, 'bool'>, const A extends number = -1>(x: Tensor<S, D>, axis?: A & Checked<ReduceResult<S, A>>): Tensor<S, 'int32'> {
  return scoped(() => {
    return sortAlong(x, axis as number | undefined)[1] as Tensor<S, 'int32'>;
  });
}

/**
 * ONNX: ascending along the last axis, stable, NaN last in input order (the
 * impl's algorithm: a NaN partition, then a stable ascending `TopK` with NaN
 * read as +Infinity). Outputs the values and int32 positions.
 */
function sortOnnx(g: OnnxBuilder, eq: OnnxEquation): void {
  const [x] = eq.inputs as [string];
  const n = eq.inAvals[0]!.shape.at(-1)!;
  if (n === 0 || eq.outAvals[0]!.shape.includes(0)) return emptyOutputs(g, eq);
  const ascending = (key: string) => g.ops('TopK', [key, g.ints([n])], 2, { axis: { int: -1 }, largest: { int: 0 }, sorted: { int: 1 } })[1]!;
  let indices: string;
  if (eq.inAvals[0]!.dtype === 'float32') {
    const order = nanPartition(g, x, n, false);
    const row = g.op('GatherElements', [x, order], { axis: { int: -1 } });
    const key = g.op('Where', [g.op('IsNaN', [row]), g.scalar(Infinity, 'float32'), row]);
    indices = g.op('GatherElements', [order, ascending(key)], { axis: { int: -1 } });
  } else indices = ascending(x);
  g.node('GatherElements', [x, indices], [eq.outputs[0]!], { axis: { int: -1 } });
  g.node('Cast', [indices], [eq.outputs[1]!], castTo('int32'));
}
