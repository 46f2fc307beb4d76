/** `outer`: the outer product of two vectors; a composite of `reshape` and broadcasting `mul`. */
import type { Dim } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { requireDtype } from '../primitives/define.js';
import { mul } from '../primitives/mul.js';
import { reshape } from '../primitives/reshape.js';
import { scoped } from '../core/memory.js';

/**
 * The outer product of float32 vectors: `out[i, j] = a[i] · b[j]`, shape `[M, N]`.
 * @example
 * ```ts
 * fx.outer(fx.tensor([1, 2]), fx.tensor([3, 4, 5])); // [[3, 4, 5], [6, 8, 10]]
 * ```
 * @public
 */
export function outer<M extends Dim, N extends Dim>(a: Tensor<[M], 'float32'>, b: Tensor<[N], 'float32'>): Tensor<[M, N], 'float32'> {
  return scoped(() => {
    requireDtype('outer', 'a', a, ['float32']);
    requireDtype('outer', 'b', b, ['float32']);
    if (a.rank !== 1 || b.rank !== 1) throw new ShapeError('outer', `expects two vectors, got a ${showShape(a.shape)} and b ${showShape(b.shape)}`);
    const column: AnyTensor = reshape(a as AnyTensor, [a.shape[0], 1] as number[]);
    const row: AnyTensor = reshape(b as AnyTensor, [1, b.shape[0]] as number[]);
    return mul(column, row) as never;
  });
}
