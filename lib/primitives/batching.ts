/**
 * Helpers for `vmap` batch rules, shared by primitive files: moving a batch
 * axis to the front, aligning ranks, materializing an unbatched value, and
 * the rule of elementwise primitives.
 */
import type { BatchDim, Params, Primitive } from '../core/primitive.js';
import type { AnyTensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { broadcastTo } from './broadcastTo.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';

/** The batch size of a batch rule's inputs: the length of the first batched input's batch axis. */
export function batchSizeOf(values: readonly { readonly shape: readonly number[] }[], dims: readonly BatchDim[]): number {
  const at = dims.findIndex((d) => d !== null);
  return values[at]!.shape[dims[at]!]!;
}

/** Moves the batch axis of `x` to position 0 (no-op when it is there). */
export function moveBatchToFront(x: AnyTensor, dim: number): AnyTensor {
  if (dim === 0) return x;
  const perm = [dim, ...[...Array(x.rank).keys()].filter((i) => i !== dim)];
  return transpose(x, perm);
}

/** Batch axis at 0, with size-1 axes inserted after it so the example has rank `rank`. */
export function batchedWithRank(x: AnyTensor, dim: number, rank: number): AnyTensor {
  const front = moveBatchToFront(x, dim);
  const missing = rank - (front.rank - 1);
  if (missing <= 0) return front;
  return reshape(front, [front.shape[0], ...Array(missing).fill(1), ...front.shape.slice(1)]);
}

/** A batched value with its batch axis at 0, materializing the batch for unbatched values. */
export function materialize(x: AnyTensor, dim: BatchDim, size: number): AnyTensor {
  if (dim !== null) return moveBatchToFront(x, dim);
  return broadcastTo(reshape(x, [1, ...x.shape]), [size, ...x.shape]);
}

/**
 * The batch rule of elementwise primitives with broadcasting (unary, binary,
 * where, comparisons): batched operands get their batch axis first and the
 * rank of the widest example, so trailing-axis broadcasting lines up.
 */
export function elementwiseBatch(prim: Primitive) {
  return (args: readonly AnyTensor[], dims: readonly BatchDim[], params: Params): [AnyTensor[], BatchDim[]] => {
    const rank = Math.max(...args.map((x, i) => x.rank - (dims[i] === null ? 0 : 1)));
    const aligned = args.map((x, i) => (dims[i] === null ? x : batchedWithRank(x, dims[i]!, rank)));
    return [bind(prim, aligned, params), [0]];
  };
}

