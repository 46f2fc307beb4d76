/**
 * Untyped helpers for the derivative rules of the decompositions (`eigh`,
 * `svd`, `qr`, `lu`): matrix products, diagonals, triangles and the
 * "reciprocal gap" matrix of eigen/singular values, all written with fluxion
 * ops so the rules built from them are themselves differentiable.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BatchDim, Params, Primitive } from '../core/primitive.js';
import { ConcreteTensor, type AnyTensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { abs } from './abs.js';
import { moveBatchToFront } from './batching.js';
import { div } from './div.js';
import { greater } from './greater.js';
import { mT } from './linalgCommon.js';
import { matmul } from './matmul.js';
import { maxOf } from './max.js';
import { mul } from './mul.js';
import { reshape } from './reshape.js';
import { sub } from './sub.js';
import { sum } from './sum.js';
import { where } from './where.js';
import { slice } from './slice.js';
import { pad } from './pad.js';
import { oneHot } from './oneHot.js';

type T = AnyTensor;

export const mm = (a: T, b: T): T => matmul(a as never, b as never) as T;
export const mulT = (a: T, b: T | number): T => mul(a as never, b as never) as T;
export const subT = (a: T, b: T | number): T => sub(a as never, b as never) as T;
export const divT = (a: T | number, b: T | number): T => div(a as never, b as never) as T;
export { mT };

/** A constant float32 tensor. */
export function constantOf(values: ArrayLike<number>, shape: number[]): T {
  return new ConcreteTensor(tf.tensor(Float32Array.from(values), shape, 'float32'));
}

/** The n×n identity (optionally rectangular rows×cols). */
export function eyeOf(rows: number, cols = rows): T {
  const v = new Float32Array(rows * cols);
  for (let i = 0; i < Math.min(rows, cols); i++) v[i * cols + i] = 1;
  return constantOf(v, [rows, cols]);
}

/** The diagonal of a batch of square matrices `[..., n, n]` → `[..., n]`. */
export function diagPart(x: T): T {
  const n = x.shape[x.rank - 1]!;
  return sum(mulT(x, eyeOf(n)) as never, -1 as never) as T;
}

/** `[..., n]` → `[..., n, n]` with the vector on the diagonal. */
export function diagEmbed(v: T): T {
  const n = v.shape[v.rank - 1]!;
  return mulT(reshape(v as never, [...v.shape, 1] as never) as T, eyeOf(n));
}

/** A constant mask of the entries (i, j) with j − i ≥ k (`upper`) or j − i ≤ k (`lower`). */
export function bandMask(rows: number, cols: number, kind: 'upper' | 'lower', k = 0): T {
  const v = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) v[i * cols + j] = (kind === 'upper' ? j - i >= k : j - i <= k) ? 1 : 0;
  return constantOf(v, [rows, cols]);
}

/** The lower triangle of the last two axes, below diagonal k (NumPy `tril`). */
export function tril(x: T, k = 0): T {
  return mulT(x, bandMask(x.shape[x.rank - 2]!, x.shape[x.rank - 1]!, 'lower', k));
}

/** The upper triangle of the last two axes, from diagonal k (NumPy `triu`). */
export function triu(x: T, k = 0): T {
  return mulT(x, bandMask(x.shape[x.rank - 2]!, x.shape[x.rank - 1]!, 'upper', k));
}

/** float32 machine epsilon. */
export const EPS32 = 2 ** -23;

/**
 * F with F_ij = 1 / (e_j − e_i) for the values `e` `[..., n]` (a gap matrix
 * `[..., n, n]`), and 0 where the gap is not resolved in float32:
 * |e_j − e_i| ≤ ε₃₂·max|e| (one float32 ulp at the scale of the largest value) (this includes the diagonal). `e` enters through
 * differentiable ops, so the rule using F has derivatives of its own; the
 * mask does not (a comparison).
 */
export function reciprocalGaps(e: T): T {
  const n = e.shape[e.rank - 1]!;
  const row = reshape(e as never, [...e.shape.slice(0, -1), 1, n] as never) as T;
  const col = reshape(e as never, [...e.shape.slice(0, -1), n, 1] as never) as T;
  const gap = subT(row, col); // gap[i, j] = e_j − e_i
  const scale = maxOf(abs(e as never) as T, -1, true); // [..., 1]
  const tol = mulT(reshape(scale as never, [...e.shape.slice(0, -1), 1, 1] as never) as T, EPS32);
  const resolved = greater(abs(gap as never) as never, tol as never) as T;
  const safe = where(resolved as never, gap as never, 1 as never) as T;
  return where(resolved as never, divT(1, safe) as never, 0 as never) as T;
}

/**
 * The vmap rule of multi-output decompositions that already map over leading
 * batch axes: the vmapped axis becomes the first batch axis of every output.
 */
export function leadingBatchRuleMulti(prim: Primitive) {
  return (args: readonly T[], dims: readonly BatchDim[], params: Params): [T[], BatchDim[]] => {
    const outs = bind(prim, [moveBatchToFront(args[0]!, dims[0]!)], params);
    return [outs, outs.map(() => 0)];
  };
}

/** The block of the last two axes starting at (r0, c0) with `rows`×`cols` entries (−1: to the end). */
export function block(x: T, r0: number, c0: number, rows: number, cols: number): T {
  const lead = x.shape.slice(0, -2);
  return slice(x as never, [...lead.map(() => 0), r0, c0] as never, [...lead, rows, cols] as never) as T;
}

/** Pads the last two axes with zeros: `rows` = [before, after], `cols` = [before, after]. */
export function padMatrix(x: T, rows: readonly [number, number], cols: readonly [number, number]): T {
  return pad(x as never, [...x.shape.slice(0, -2).map(() => [0, 0] as const), rows, cols] as never) as T;
}

/** The float32 permutation matrix P with (P·A)[i] = A[perm[i]], from int32 `perm` `[..., m]`. */
export function permutationMatrix(perm: T): T {
  return oneHot(perm as never, perm.shape[perm.rank - 1]!) as T;
}
