/**
 * `dot`: NumPy's `dot` for every rank: scalars multiply, vectors contract,
 * and N-d operands contract the last axis of `a` with the second-to-last of
 * `b`; a composite of `mul`+`sum` (two vectors) or `matmul` after reshapes.
 */
import type { Dim, Shape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { sizeOf, type AnyTensor, type Tensor } from '../core/tensor.js';
import { requireDtype } from '../primitives/define.js';
import { matmul } from '../primitives/matmul.js';
import { mul } from '../primitives/mul.js';
import { reshape } from '../primitives/reshape.js';
import { sum } from '../primitives/sum.js';
import { scoped } from '../core/memory.js';
import { transpose } from '../primitives/transpose.js';

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
/**
 * Any ranks, as NumPy: a scalar operand multiplies; otherwise the last axis of
 * `a` contracts with the second-to-last of `b` (its only axis when 1-D), and
 * the result's shape is `a.shape[:-1] + b.shape[:-2] + b.shape[-1:]`.
 * @example
 * ```ts
 * fx.dot(fx.zeros([2, 3, 4]), fx.zeros([5, 4, 6])); // shape [2, 3, 5, 6]
 * ```
 * @public
 */
export function dot(a: Tensor<Shape, 'float32'>, b: Tensor<Shape, 'float32'>): Tensor<number[], 'float32'>;
export function dot(a: AnyTensor, b: AnyTensor): AnyTensor {
  return scoped(() => {
    requireDtype('dot', 'a', a, ['float32']);
    requireDtype('dot', 'b', b, ['float32']);
    if (a.rank === 0 || b.rank === 0) return mul(a, b);
    const k = a.shape[a.rank - 1]!;
    const kAxis = b.rank === 1 ? 0 : b.rank - 2;
    const k2 = b.shape[kAxis]!;
    if (k !== k2) throw new ShapeError('dot', `inner dims ${k} and ${k2} differ (a ${showShape(a.shape)}, b ${showShape(b.shape)})`);
    if (a.rank === 1 && b.rank === 1) return sum(mul(a, b));
    if (a.rank === 2 && b.rank === 2) return matmul(a, b);
    const aRows = a.shape.slice(0, -1);
    const bRest = b.rank === 1 ? [] : [...b.shape.slice(0, -2), b.shape[b.rank - 1]!];
    // b as [K, rest]: move its contracted axis to the front, then flatten the others.
    const bFront = b.rank === 1 ? reshape(b, [k, 1]) : reshape(transpose(b, [kAxis, ...[...Array(b.rank).keys()].filter((i) => i !== kAxis)]), [k, sizeOf(bRest)]);
    const out = matmul(reshape(a, [sizeOf(aRows), k]), bFront);
    return reshape(out, [...aRows, ...bRest]);
  });
}
