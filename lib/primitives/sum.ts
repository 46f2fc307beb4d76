/** `sum`: reduction by addition over axes. Linear; transpose broadcasts back. */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dtype, Reduce, ReduceResult, Shape } from '../../typelevel/index.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { ShapeError } from '../core/errors.js';
import { apply1, normalizeAxis, requireDtype } from './define.js';
import { broadcastTo } from './broadcastTo.js';
import { reshape } from './reshape.js';
import { moveBatchToFront } from './batching.js';
import { sc } from '../core/scalar.js';
import { reductionForm } from '../onnx/forms.js';

/** Parameters of a reduction: sorted, non-negative axes; whether reduced axes stay as size 1. */
export interface ReduceParams extends Record<string, unknown> {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

/**
 * Normalizes the public `axis` argument of a reduction (undefined = all axes)
 * to sorted axes, or throws a `ShapeError` naming `op` and the bad axis: not
 * an integer or a list of integers, out of range, or repeated (NumPy's
 * "duplicate value in axis"; `[0, -2]` on a matrix names axis 0 twice).
 */
export function reduceAxes(op: string, rank: number, axis?: number | readonly number[]): number[] {
  if (axis === undefined) return [...Array(rank).keys()];
  if (typeof axis !== 'number' && !Array.isArray(axis)) {
    throw new ShapeError(op, `axis must be an integer or a list of integers, got ${showValue(axis)}`);
  }
  const list: readonly number[] = typeof axis === 'number' ? [axis] : axis;
  const axes = list.map((a) => normalizeAxis(op, a, rank));
  const repeated = axes.find((a, i) => axes.indexOf(a) !== i);
  if (repeated !== undefined) throw new ShapeError(op, `axis ${repeated} appears more than once in the axes ${showValue(axis)} (rank ${rank})`);
  return axes.sort((a, b) => a - b);
}

function showValue(x: unknown): string {
  return typeof x === 'string' ? `the string ${JSON.stringify(x)}` : Array.isArray(x) ? `[${x.map(showValue).join(', ')}]` : String(x);
}

/** The shape after reducing `axes` (size-1 axes kept when `keepDims`). */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** Elements summed one after another in float32 before partial sums are added: the block of `blockedSum` (8 to 24: one dividing the width where there is one). */
export const SUM_BLOCK = 16;

/** The block for `width` elements: 16, or the nearest size in [8, 24] dividing `width`. */
function blockForWidth(width: number): number {
  for (let d = 0; d <= SUM_BLOCK / 2; d++) {
    if (width % (SUM_BLOCK + d) === 0) return SUM_BLOCK + d;
    if (width % (SUM_BLOCK - d) === 0 && SUM_BLOCK - d >= SUM_BLOCK / 2) return SUM_BLOCK - d;
  }
  return SUM_BLOCK;
}

/**
 * `tf.sum` with a float32 error that grows with log(n), not n: tfjs-wasm's
 * kernel adds the elements one after another in float32, so the mean of
 * 20,000 equal values was off by 1.7e-4 relative (now 7e-8). Here the reduced elements
 * are cut into blocks of `SUM_BLOCK`, each block summed, and the partial sums
 * summed the same way (a blocked pairwise sum). tfjs-cpu's kernel accumulates
 * in float64 already and runs as it is; int32 sums are exact.
 */
function blockedSum(x: tf.Tensor, axes: readonly number[], keepDims: boolean): tf.Tensor {
  const shape = reducedShape(x.shape, axes, keepDims);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  if (x.dtype !== 'float32' || n <= SUM_BLOCK || tf.getBackend() === 'cpu') return tf.sum(x, axes as number[], keepDims);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const moved = perm.every((p, i) => p === i) ? x : tf.transpose(x, perm);
  const rows = x.size / n;
  let partial = tf.reshape(moved, [rows, n]);
  for (let width = n; width > SUM_BLOCK; ) {
    // A block size dividing the width saves padding (a copy); else pad with zeros.
    const block = blockForWidth(width);
    const blocks = Math.ceil(width / block);
    const padded = blocks * block > width ? tf.pad(partial, [[0, 0], [0, blocks * block - width]]) : partial;
    partial = tf.sum(tf.reshape(padded, [rows, blocks, block]), 2);
    width = blocks;
  }
  return tf.reshape(tf.sum(partial, 1), shape);
}

export const sumPrimitive: Primitive<ReduceParams> = definePrimitive({
  lowering: { kind: 'reduce', init: 0, combine: (acc, x) => sc.add(acc, x) },
  name: 'sum',
  onnx: reductionForm('ReduceSum', true),
  abstractEval([x], { axes, keepDims }) {
    requireDtype('sum', 'x', x!, ['float32', 'int32']);
    return { shape: reducedShape(x!.shape, axes, keepDims), dtype: x!.dtype };
  },
  // An empty sum is 0 (tfjs-wasm's kernel returns freed memory there).
  impl: ([x], { axes, keepDims }) => (x!.size === 0 ? tf.zeros(reducedShape(x!.shape, axes, keepDims), x!.dtype) : blockedSum(x!, axes, keepDims)),
  jvp: ([x], [t], params) => [apply1(sumPrimitive, [x!], params), t ? apply1(sumPrimitive, [t], params) : null],
  transpose(ct, [x], { axes, keepDims }) {
    const shape = x instanceof Object && 'aval' in x ? x.aval.shape : (x as Tensor).shape;
    const kept = keepDims ? ct : reshape(ct, reducedShape(shape, axes, true));
    return [broadcastTo(kept, shape as number[])];
  },
  batch: ([x], [d], { axes, keepDims }) => [
    apply1(sumPrimitive, [moveBatchToFront(x!, d!)], { axes: axes.map((a) => a + 1), keepDims }),
    0,
  ],
  showParams: ({ axes, keepDims }) => `axes=[${axes.join(',')}]${keepDims ? ', keepDims' : ''}`,
});

/**
 * Sum over `axis` (a number, a list, or all axes when omitted).
 * @example
 * ```ts
 * fx.sum(fx.tensor([[1, 2], [3, 4]]), 1); // [3, 7]
 * fx.sum(fx.tensor([[1, 2], [3, 4]]));    // 10
 * ```
 * @public
 */
export function sum<S extends Shape, D extends Exclude<Dtype, 'bool'>, const A extends number | number[] | undefined = undefined, K extends boolean = false>(
  x: Tensor<S, D>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
): Tensor<Reduce<S, A, K>, D> {
  return apply1(sumPrimitive, [x], { axes: reduceAxes('sum', x.rank, axis), keepDims: keepDims ?? false });
}
