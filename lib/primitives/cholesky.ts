/**
 * `cholesky`: the lower-triangular L with L·Lᵀ = A for symmetric positive
 * definite A (batched over leading axes). The input is symmetrized first,
 * (A + Aᵀ)/2, in the value and in the rule alike, so the derivative is the
 * exact derivative of the function computed, for any direction dA.
 *
 * Structured rule (not the differentiated factorization loop), with
 * S = sym(dA): dL = L·Φ(L⁻¹ S L⁻ᵀ), Φ taking the lower triangle with the
 * diagonal halved. Every operation on the tangent (symmetrize, triangular
 * solves against the constant L, masking, product with L) is linear with a
 * transpose rule, so reverse mode and higher orders follow.
 */
import type { Dim } from '../../typelevel/index.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1 } from './define.js';
import { checkSquare, leadingBatchRule, mT, symmetrize, triangleMask } from './linalgCommon.js';
import { choleskyKernel } from './linalgKernels.js';
import { matmul } from './matmul.js';
import { mul } from './mul.js';
import { triangularSolvePrimitive } from './triangularSolve.js';
import { kernelOnly } from '../core/lowering.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';
import { choleskyPartsOnnx, nanWhere } from '../onnx/linalg.js';

export const choleskyPrimitive: Primitive = definePrimitive({
  lowering: kernelOnly('a matrix decomposition: its own kernel'),
  name: 'cholesky',
  onnx: choleskyOnnx,
  abstractEval([a]) {
    checkSquare('cholesky', 'a', a!);
    return { shape: a!.shape, dtype: 'float32' };
  },
  impl: ([a]) => choleskyKernel(a!),
  batch: (args, dims, params) => leadingBatchRule(choleskyPrimitive)(args, dims, params),
  jvp([a], [ta]) {
    const l = apply1(choleskyPrimitive, [a!]);
    if (!ta) return [l, null];
    const n = a!.shape[a!.rank - 1]!;
    const lower = { lower: true, transposeA: false };
    // L⁻¹ S L⁻ᵀ as two triangular solves: Y = L⁻¹S, then L⁻¹Yᵀ (S symmetric).
    const y = apply1(triangularSolvePrimitive, [l, symmetrize(ta as AnyTensor)], lower);
    const z = apply1(triangularSolvePrimitive, [l, mT(y as AnyTensor)], lower);
    const phi = mul(z as AnyTensor, triangleMask(n, 'phi'));
    return [l, matmul(l as AnyTensor, phi)];
  },
});

/**
 * The Cholesky factor: lower-triangular `L` with `L · Lᵀ = a`, for `a`
 * symmetric positive definite (`[n, n]` or a batch `[..., n, n]`). The input
 * is symmetrized, `(a + aᵀ)/2`, so an asymmetric direction in a gradient
 * check or a tangent is handled consistently. Not positive definite: every
 * entry of that factor is NaN (no error). Computed in float64 on cpu/wasm,
 * as tfjs ops on webgpu. Derivative: dL = L·Φ(L⁻¹·sym(da)·L⁻ᵀ), Φ = lower
 * triangle with the diagonal halved.
 * @example
 * ```ts
 * fx.cholesky(fx.tensor([[4, 2], [2, 2]])); // [[2, 0], [1, 1]]
 * ```
 * @public
 */
export function cholesky<Bt extends Dim[], N extends Dim>(a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>): Tensor<[...Bt, N, N], 'float32'> {
  return apply1(choleskyPrimitive, [a]);
}

/** ONNX: outer-product Cholesky of (A + Aᵀ)/2 as a `Loop` over the columns (lib/onnx/linalg.ts); a non-positive pivot makes that factor all NaN. */
function choleskyOnnx(g: OnnxBuilder, eq: OnnxEquation): void {
  const shape = eq.inAvals[0]!.shape;
  const { l, failed } = choleskyPartsOnnx(g, eq.inputs[0]!, shape);
  nanWhere(g, failed, shape.length - 2, l, shape.length, eq.outputs);
}
