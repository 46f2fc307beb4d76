/**
 * Shape checks and small helpers shared by the linear-algebra primitives
 * (`solve`, `triangularSolve`, `cholesky`, `inv`, `det`, `logdet`): matrices
 * live in the last two axes, leading axes are a batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, showShape } from '../core/errors.js';
import type { BatchDim, Params, Primitive } from '../core/primitive.js';
import { ConcreteTensor, type AbstractValue, type AnyTensor } from '../core/tensor.js';
import { add } from './add.js';
import { reshape } from './reshape.js';
import { batchSizeOf, materialize, moveBatchToFront } from './batching.js';
import { apply1, requireDtype } from './define.js';
import { mul } from './mul.js';
import { transpose } from './transpose.js';

/** Checks that `a` is a float32 batch of square matrices `[...B, n, n]`; returns n. */
export function checkSquare(op: string, name: string, a: AbstractValue): number {
  requireDtype(op, name, a, ['float32']);
  const s = a.shape;
  if (s.length < 2 || s[s.length - 1] !== s[s.length - 2]) {
    throw new ShapeError(op, `${name} must be a square matrix [n, n] (or a batch [..., n, n]), got ${showShape(s)}`);
  }
  return s[s.length - 1]!;
}

/** Checks a right-hand side `b` `[...B, n, k]` against `a` `[...B, n, n]`; errors show `given` (the user's shape, e.g. a vector's). */
export function checkRhs(op: string, a: AbstractValue, b: AbstractValue, given: readonly number[] = b.shape): void {
  requireDtype(op, 'b', b, ['float32']);
  const n = a.shape[a.shape.length - 1]!;
  const batch = a.shape.slice(0, -2);
  const ok = b.shape.length === a.shape.length && b.shape[b.shape.length - 2] === n && batch.every((d, i) => d === b.shape[i]);
  if (!ok) {
    throw new ShapeError(
      op,
      `b must have shape [${[...batch, n].join(', ')}, k] (or [${[...batch, n].join(', ')}]) to match a ${showShape(a.shape)}, got ${showShape(given)}`,
    );
  }
}

/** The shape of a vector right-hand side `[..., n]` as a one-column matrix `[..., n, 1]`. */
export function asColumn(shape: readonly number[]): number[] {
  return [...shape, 1];
}

/** Swaps the last two axes (matrix transpose over a batch). */
export function mT(x: AnyTensor): AnyTensor {
  const perm = [...Array(x.rank).keys()];
  perm.push(perm.splice(-2, 1)[0]!);
  return transpose(x, perm);
}

/** (x + xᵀ) / 2 over the last two axes. */
export function symmetrize(x: AnyTensor): AnyTensor {
  return mul(add(x, mT(x)), 0.5);
}

/**
 * A constant n×n mask: `lower`/`upper` triangle with the diagonal, or `phi`,
 * the strict lower triangle plus half the diagonal (the Φ of Cholesky's rule).
 */
export function triangleMask(n: number, kind: 'lower' | 'upper' | 'phi'): AnyTensor {
  const v = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) v[i * n + j] = kind === 'phi' ? 0.5 : 1;
      else if (kind === 'upper' ? j > i : j < i) v[i * n + j] = 1;
    }
  }
  return new ConcreteTensor(tf.tensor2d(v, [n, n]));
}

/**
 * The vmap rule of the linear-algebra primitives: they already map over
 * leading batch axes, so the vmapped axis becomes the first of them. Every
 * input gets it (an unbatched input is broadcast along it), since `a` and `b`
 * must have equal batch axes.
 */
export function leadingBatchRule(prim: Primitive) {
  return (args: readonly AnyTensor[], dims: readonly BatchDim[], params: Params): [AnyTensor, BatchDim] => {
    const size = batchSizeOf(args, dims);
    const moved = args.map((x, i) => (dims[i] === null ? materialize(x, null, size) : moveBatchToFront(x, dims[i]!)));
    return [apply1(prim, moved, params), 0];
  };
}

/**
 * The vmap rule of `solve`/`triangularSolve`: when only the right-hand side
 * is batched, the examples become extra columns of one solve (one
 * factorization instead of one per example); otherwise `leadingBatchRule`.
 */
export function rhsBatchRule(prim: Primitive) {
  return (args: readonly AnyTensor[], dims: readonly BatchDim[], params: Params): [AnyTensor, BatchDim] => {
    const [a, b] = args as [AnyTensor, AnyTensor];
    if (dims[0] !== null) return leadingBatchRule(prim)(args, dims, params);
    const front = moveBatchToFront(b, dims[1]!); // [B, ...P, n, k]
    const [size, ...example] = front.shape as number[];
    const r = front.rank;
    // [B, ...P, n, k] → [...P, n, B, k] → [...P, n, B·k]
    const toColumns = [...Array(r - 3).keys()].map((i) => i + 1).concat([r - 2, 0, r - 1]);
    const columns = reshape(transpose(front, toColumns), [...example.slice(0, -1), size! * example[example.length - 1]!]);
    const x = apply1(prim, [a, columns], params) as AnyTensor;
    // Back: [...P, n, B·k] → [...P, n, B, k] → [B, ...P, n, k]
    const split = reshape(x, [...example.slice(0, -1), size!, example[example.length - 1]!]);
    const fromColumns = [r - 2, ...[...Array(r - 2).keys()], r - 1];
    return [transpose(split, fromColumns), 0];
  };
}
