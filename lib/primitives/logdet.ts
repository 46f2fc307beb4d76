/**
 * `logdet`: log det A for symmetric positive definite A, as 2·Σ log diag(L)
 * with L the Cholesky factor of (A + Aᵀ)/2 (batched: `[..., n, n]` → `[...]`).
 * Structured derivative tr(S⁻¹·dA) = Σ (S⁻¹ ⊙ dA) with S = sym(A) (S⁻¹ is
 * symmetric, so pairing it with dA equals pairing it with sym(dA)).
 */
import type { Dim } from '../../typelevel/index.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1 } from './define.js';
import { invPrimitive } from './inv.js';
import { checkSquare, leadingBatchRule, symmetrize } from './linalgCommon.js';
import { logdetKernel } from './linalgKernels.js';
import { mul } from './mul.js';
import { sum } from './sum.js';
import { kernelOnly } from '../core/lowering.js';
import { filled, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';
import { choleskyPartsOnnx, nanWhere } from '../onnx/linalg.js';

export const logdetPrimitive: Primitive = definePrimitive({
  lowering: kernelOnly('a matrix decomposition: its own kernel'),
  name: 'logdet',
  onnx: logdetOnnx,
  abstractEval([a]) {
    checkSquare('logdet', 'a', a!);
    return { shape: a!.shape.slice(0, -2), dtype: 'float32' };
  },
  impl: ([a]) => logdetKernel(a!),
  batch: (args, dims, params) => leadingBatchRule(logdetPrimitive)(args, dims, params),
  jvp([a], [ta]) {
    const y = apply1(logdetPrimitive, [a!]);
    if (!ta) return [y, null];
    const sInv = symmetrize(apply1(invPrimitive, [symmetrize(a! as AnyTensor)]) as AnyTensor);
    return [y, sum(mul(sInv, ta as AnyTensor), [-2, -1])];
  },
});

/**
 * The log-determinant of a symmetric positive definite matrix (`[n, n]` →
 * `[]`, batches `[..., n, n]` → `[...]`), computed stably from the Cholesky
 * factor: 2·Σ log Lᵢᵢ, so it neither overflows nor underflows where `det`
 * would. The input is symmetrized like `fx.cholesky`'s. Not positive
 * definite: NaN (for a general matrix use `fx.log(fx.abs(fx.det(a)))`).
 * Derivative: tr(a⁻¹ · da).
 * @example
 * ```ts
 * fx.logdet(fx.tensor([[2, 0], [0, 3]])); // log 6 ≈ 1.7918
 * ```
 * @public
 */
export function logdet<Bt extends Dim[], N extends Dim>(a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>): Tensor<Bt, 'float32'> {
  return apply1(logdetPrimitive, [a]);
}

/** ONNX: 2·Σ log diag(L) of the Cholesky factor (lib/onnx/linalg.ts); NaN where A is not positive definite; 0 for 0×0 matrices. */
function logdetOnnx(g: OnnxBuilder, eq: OnnxEquation): void {
  const shape = eq.inAvals[0]!.shape;
  const n = shape.at(-1)!;
  if (n === 0) return void filled(g, eq.outAvals[0]!.shape, 'float32', 0, eq.outputs);
  const { l, failed } = choleskyPartsOnnx(g, eq.inputs[0]!, shape);
  const eye = g.op('EyeLike', [filled(g, [n, n], 'float32')]);
  const diagonal = g.op('ReduceSum', [g.op('Mul', [l, eye]), g.ints([-1])], { keepdims: { int: 0 } });
  const value = g.op('Mul', [g.scalar(2, 'float32'), g.op('ReduceSum', [g.op('Log', [diagonal]), g.ints([-1])], { keepdims: { int: 0 } })]);
  nanWhere(g, failed, shape.length - 2, value, shape.length - 2, eq.outputs);
}
