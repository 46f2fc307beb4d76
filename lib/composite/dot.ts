/**
 * `dot`: the product of vectors and matrices in NumPy's `dot` sense for
 * ranks 1 and 2; a composite of `mul`+`sum` (two vectors) or `matmul`.
 */
import type { Dim } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { requireDtype } from '../primitives/define.js';
import { matmul } from '../primitives/matmul.js';
import { mul } from '../primitives/mul.js';
import { reshape } from '../primitives/reshape.js';
import { sum } from '../primitives/sum.js';
import { scoped } from '../core/memory.js';

/**
 * `a · b` for float32 vectors and matrices: vector·vector → scalar (the inner
 * product), matrix·vector `[M, K]·[K]` → `[M]`, vector·matrix `[K]·[K, N]` →
 * `[N]`, matrix·matrix → `matmul`. The inner dims must agree (a compile-time
 * error for literal dims, a `ShapeError` at run time).
 * @example
 * ```ts
 * fx.dot(fx.tensor([1, 2, 3]), fx.tensor([4, 5, 6])); // 32
 * ```
 * @public
 */
export function dot<K extends Dim>(a: Tensor<[K], 'float32'>, b: Tensor<[NoInfer<K>], 'float32'>): Tensor<[], 'float32'>;
/** @public */
export function dot<M extends Dim, K extends Dim>(a: Tensor<[M, K], 'float32'>, b: Tensor<[NoInfer<K>], 'float32'>): Tensor<[M], 'float32'>;
/** @public */
export function dot<K extends Dim, N extends Dim>(a: Tensor<[K], 'float32'>, b: Tensor<[NoInfer<K>, N], 'float32'>): Tensor<[N], 'float32'>;
/** @public */
export function dot<M extends Dim, K extends Dim, N extends Dim>(a: Tensor<[M, K], 'float32'>, b: Tensor<[NoInfer<K>, N], 'float32'>): Tensor<[M, N], 'float32'>;
export function dot(a: AnyTensor, b: AnyTensor): AnyTensor {
  return scoped(() => {
    requireDtype('dot', 'a', a, ['float32']);
    requireDtype('dot', 'b', b, ['float32']);
    if (a.rank < 1 || a.rank > 2 || b.rank < 1 || b.rank > 2) {
      throw new ShapeError('dot', `expects vectors or matrices, got a ${showShape(a.shape)} and b ${showShape(b.shape)} (use fx.matmul for batches)`);
    }
    const k = a.shape[a.rank - 1]!;
    const k2 = b.shape[0]!;
    if (k !== k2) throw new ShapeError('dot', `inner dims ${k} and ${k2} differ (a ${showShape(a.shape)}, b ${showShape(b.shape)})`);
    if (a.rank === 1 && b.rank === 1) return sum(mul(a, b));
    if (a.rank === 2 && b.rank === 2) return matmul(a, b);
    if (a.rank === 2) return reshape(matmul(a, reshape(b, [k, 1])), [a.shape[0]!]);
    return reshape(matmul(reshape(a, [1, k]), b), [b.shape[1]!]);
  });
}
