/**
 * `dotProductAttention` (JAX's `jax.nn.dot_product_attention` layout and
 * options) and `embedding` (a table lookup whose gradient scatter-adds into
 * the looked-up rows). Composites of `matmul`, a stable softmax, `where` and
 * `take`, so every transformation applies.
 */
import type { Dim, Shape } from '../../typelevel/index.js';
import { DtypeError, ShapeError, showShape } from '../core/errors.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { add } from '../primitives/add.js';
import { broadcastTo } from '../primitives/broadcastTo.js';
import { broadcastShapes } from '../primitives/define.js';
import { take } from '../primitives/gather.js';
import { matmul } from '../primitives/matmul.js';
import { mul } from '../primitives/mul.js';
import { reshape } from '../primitives/reshape.js';
import { transpose } from '../primitives/transpose.js';
import { where } from '../primitives/where.js';
import { lowerTriangleMask } from '../composite/arrays.js';
import { softmax } from '../composite/softmax.js';
import { scoped } from '../core/memory.js';

/** Options of `dotProductAttention`. @public */
export interface AttentionOptions {
  /** Added to the logits; broadcastable to `[B, N, T, S]`. */
  readonly bias?: Tensor;
  /** A bool tensor broadcastable to `[B, N, T, S]`: false positions are left out of the softmax. */
  readonly mask?: Tensor;
  /** Query position t attends only to key positions s ≤ t (JAX's `is_causal`). */
  readonly causal?: boolean;
  /** Multiplies the logits (default `1 / √H`). */
  readonly scale?: number;
}

/** The most negative float32: masked logits get it, so a fully masked row is uniform rather than NaN (as JAX). */
const MASKED = -3.4028234663852886e38;

/**
 * Scaled dot-product attention, multi-head, in JAX's layout
 * (`jax.nn.dot_product_attention`): `query` `[B, T, N, H]`, `key` and `value`
 * `[B, S, K, H]` (the batch axis may be left out of all three), where the
 * `N` query heads are split into `K` groups that share a key/value head
 * (N a multiple of K: multi-query and grouped-query attention). Computes
 * `softmax(scale · q·kᵀ + bias, masked) · v` over the key positions, with a
 * stable softmax; the result has the query's shape.
 * @example
 * ```ts
 * const q = fx.ones([2, 5, 4, 8]), kv = fx.ones([2, 7, 4, 8]);
 * fx.nn.dotProductAttention(q, kv, kv, { causal: true }); // Tensor<[2, 5, 4, 8], 'float32'>
 * ```
 * @public
 */
export function dotProductAttention<B extends Dim, T extends Dim, N extends Dim, H extends Dim, S extends Dim, K extends Dim>(
  query: Tensor<[B, T, N, H], 'float32'>,
  key: Tensor<[NoInfer<B>, S, K, NoInfer<H>], 'float32'>,
  value: Tensor<[NoInfer<B>, NoInfer<S>, NoInfer<K>, NoInfer<H>], 'float32'>,
  options?: AttentionOptions,
): Tensor<[B, T, N, H], 'float32'>;
/** Without the batch axis: `[T, N, H]`, `[S, K, H]`, `[S, K, H]`. @public */
export function dotProductAttention<T extends Dim, N extends Dim, H extends Dim, S extends Dim, K extends Dim>(
  query: Tensor<[T, N, H], 'float32'>,
  key: Tensor<[S, K, NoInfer<H>], 'float32'>,
  value: Tensor<[NoInfer<S>, NoInfer<K>, NoInfer<H>], 'float32'>,
  options?: AttentionOptions,
): Tensor<[T, N, H], 'float32'>;
export function dotProductAttention(query: AnyTensor, key: AnyTensor, value: AnyTensor, options: AttentionOptions = {}): AnyTensor {
  return scoped(() => {
    const op = 'nn.dotProductAttention';
    for (const [name, x] of [['query', query], ['key', key], ['value', value]] as const) {
      if (x.dtype !== 'float32') throw new DtypeError(op, `${name} must be float32, got ${x.dtype}`);
    }
    if (query.rank === 3 && key.rank === 3 && value.rank === 3) {
      const batched = (x: AnyTensor): AnyTensor => reshape(x, [1, ...x.shape]);
      const out = dotProductAttention(batched(query), batched(key), batched(value), options as never) as AnyTensor;
      return reshape(out, query.shape);
    }
    if (query.rank !== 4 || key.rank !== 4 || value.rank !== 4) {
      throw new ShapeError(op, `query, key and value must all be [B, T, N, H] / [B, S, K, H] (or all without B), got ${showShape(query.shape)}, ${showShape(key.shape)}, ${showShape(value.shape)}`);
    }
    const [b, t, n, h] = query.shape as [number, number, number, number];
    const [bk, s, k, hk] = key.shape as [number, number, number, number];
    if (bk !== b || hk !== h || showShape(value.shape) !== showShape(key.shape) || k === 0 || n % k !== 0) {
      throw new ShapeError(op, `key and value must be [${b}, S, K, ${h}] with the query's heads ${n} a multiple of K, got query ${showShape(query.shape)}, key ${showShape(key.shape)}, value ${showShape(value.shape)}`);
    }
    const g = n / k;
    // q: [B, T, K, G, H] → [B, K, G, T, H]; k: [B, S, K, H] → [B, K, 1, H, S]; v → [B, K, 1, S, H].
    const q = transpose(reshape(query, [b, t, k, g, h]), [0, 2, 3, 1, 4]);
    const kt = reshape(transpose(key, [0, 2, 3, 1]), [b, k, 1, h, s]);
    const v = reshape(transpose(value, [0, 2, 1, 3]), [b, k, 1, s, h]);
    let logits = mul(matmul(q, kt), options.scale ?? 1 / Math.sqrt(h)) as AnyTensor; // [B, K, G, T, S]
    const grouped = (x: AnyTensor, name: string): AnyTensor => {
      // Broadcast a [B, N, T, S]-compatible tensor, then split N into K groups of G.
      let full: number[];
      try {
        full = broadcastShapes(op, x.shape, [b, n, t, s]);
      } catch {
        throw new ShapeError(op, `${name} ${showShape(x.shape)} must broadcast to [B, N, T, S] = ${showShape([b, n, t, s])}`);
      }
      if (showShape(full) !== showShape([b, n, t, s])) throw new ShapeError(op, `${name} ${showShape(x.shape)} must broadcast to [B, N, T, S] = ${showShape([b, n, t, s])}`);
      return reshape(broadcastTo(x, [b, n, t, s]), [b, k, g, t, s]);
    };
    if (options.bias) logits = add(logits, grouped(options.bias as AnyTensor, 'bias'));
    let keep: AnyTensor | undefined;
    if (options.mask) {
      if (options.mask.dtype !== 'bool') throw new DtypeError(op, `mask must be bool, got ${options.mask.dtype}`);
      keep = grouped(options.mask as AnyTensor, 'mask');
    }
    if (options.causal) {
      const causal = lowerTriangleMask(t, s, 0);
      keep = keep ? where(keep, causal, keep) : causal; // logical and of two bool masks
    }
    if (keep) logits = where(keep, logits, MASKED);
    const probs = softmax(logits, -1);
    const out = matmul(probs, v) as AnyTensor; // [B, K, G, T, H]
    return reshape(transpose(out, [0, 3, 1, 2, 4]), [b, t, n, h]);
  });
}

/**
 * Looks up rows of an embedding `table` `[V, E]` at int32 `ids` of any shape:
 * the result is `[...ids.shape, E]`. The gradient with respect to the table
 * scatter-adds into the looked-up rows (repeated ids accumulate; rows never
 * looked up get 0). Out-of-range ids are a `ShapeError`.
 * @example
 * ```ts
 * const table = fx.tensor([[0, 0], [1, 1], [2, 2]]);
 * fx.nn.embedding(table, fx.tensor([[2, 0]], 'int32')); // [[[2, 2], [0, 0]]]
 * ```
 * @public
 */
export function embedding<V extends Dim, E extends Dim, I extends Shape>(table: Tensor<[V, E], 'float32'>, ids: Tensor<I, 'int32'>): Tensor<[...I, E], 'float32'> {
  if (table.rank !== 2) throw new ShapeError('nn.embedding', `table must be [V, E], got ${showShape(table.shape)}`);
  if (ids.dtype !== 'int32') throw new DtypeError('nn.embedding', `ids must be int32, got ${ids.dtype} (shape ${showShape(ids.shape)})`);
  return take(table as AnyTensor, ids as AnyTensor) as never;
}
