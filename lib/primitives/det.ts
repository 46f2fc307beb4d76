/**
 * `det`: the determinant (batched over leading axes: `[..., n, n]` → `[...]`).
 * Structured derivative d det A = det A · tr(A⁻¹·dA), written as
 * det A · Σ (A⁻ᵀ ⊙ dA): a product with constants and a sum, both linear in
 * the tangent.
 */
import type { Dim } from '../../typelevel/index.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1 } from './define.js';
import { invPrimitive } from './inv.js';
import { checkSquare, leadingBatchRule, mT } from './linalgCommon.js';
import { detKernel } from './linalgKernels.js';
import { mul } from './mul.js';
import { sum } from './sum.js';
import { kernelOnly } from '../core/lowering.js';
import { filled, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';

export const detPrimitive: Primitive = definePrimitive({
  lowering: kernelOnly('a matrix decomposition: its own kernel'),
  name: 'det',
  onnx: detOnnx,
  abstractEval([a]) {
    checkSquare('det', 'a', a!);
    return { shape: a!.shape.slice(0, -2), dtype: 'float32' };
  },
  impl: ([a]) => detKernel(a!),
  batch: (args, dims, params) => leadingBatchRule(detPrimitive)(args, dims, params),
  jvp([a], [ta]) {
    const d = apply1(detPrimitive, [a!]) as AnyTensor;
    if (!ta) return [d, null];
    const trace = sum(mul(mT(apply1(invPrimitive, [a!])), ta as AnyTensor), [-2, -1]);
    return [d, mul(d, trace)];
  },
});

/**
 * The determinant of a square matrix (`[n, n]` → `[]`, batches
 * `[..., n, n]` → `[...]`), from an LU factorization with partial pivoting.
 * A singular matrix gives exactly 0; its derivative goes through the inverse
 * and is then non-finite. For log-determinants of SPD matrices use
 * `fx.logdet`. Derivative: det(a) · tr(a⁻¹ · da).
 * @example
 * ```ts
 * fx.det(fx.tensor([[1, 2], [3, 4]])); // -2
 * ```
 * @public
 */
export function det<Bt extends Dim[], N extends Dim>(a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>): Tensor<Bt, 'float32'> {
  return apply1(detPrimitive, [a]);
}

/** ONNX: `Det` (LU with partial pivoting in ONNX Runtime); the determinant of a 0×0 matrix is 1. */
function detOnnx(g: OnnxBuilder, eq: OnnxEquation): void {
  if (eq.inAvals[0]!.shape.at(-1) === 0) return void filled(g, eq.outAvals[0]!.shape, 'float32', 1, eq.outputs);
  g.node('Det', eq.inputs, eq.outputs);
}
