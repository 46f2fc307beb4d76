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

export const sumPrimitive: Primitive<ReduceParams> = definePrimitive({
  name: 'sum',
  abstractEval([x], { axes, keepDims }) {
    requireDtype('sum', 'x', x!, ['float32', 'int32']);
    return { shape: reducedShape(x!.shape, axes, keepDims), dtype: x!.dtype };
  },
  // An empty sum is 0 (tfjs-wasm's kernel returns freed memory there).
  impl: ([x], { axes, keepDims }) => (x!.size === 0 ? tf.zeros(reducedShape(x!.shape, axes, keepDims), x!.dtype) : tf.sum(x!, axes as number[], keepDims)),
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
