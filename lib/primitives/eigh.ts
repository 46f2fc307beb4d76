/**
 * `eigh`: eigenvalues (ascending) and eigenvectors (columns) of a symmetric
 * matrix, batched over leading axes. The input is symmetrized, (A + Aᵀ)/2,
 * in the value and in the rule alike. Computed by Jacobi rotations in float64
 * on the host (see decompositionKernels.ts); its ONNX form runs the same
 * rotations in the same order (lib/onnx/linalg.ts).
 *
 * Derivative (JAX's `_eigh_jvp_rule`), with S = sym(dA) and M = Vᵀ S V:
 * dw = diag(M), dV = V (F ∘ M), F_ij = 1/(w_j − w_i) off the diagonal.
 * JAX sets only the diagonal of F to 0 and lets exactly equal eigenvalues
 * give ±inf (and NaN in dV); fluxion sets F_ij = 0 wherever the gap is not
 * resolved in float32, |w_j − w_i| ≤ ε₃₂·max|w| (docs/linalg.md).
 * Every step is made of differentiable ops on the primal outputs, so higher
 * orders follow.
 */
import type { Dim } from '../../typelevel/index.js';
import type { Primitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { scope } from '../core/memory.js';
import { diagPart, leadingBatchRuleMulti, mm, mT, mulT, reciprocalGaps } from './decompositionCommon.js';
import { eighKernel } from './decompositionKernels.js';
import { checkSquare, symmetrize } from './linalgCommon.js';
import { kernelOnly } from '../core/lowering.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';
import { eighOnnx } from '../onnx/linalg.js';

export const eighPrimitive: Primitive = {
  name: 'eigh',
  lowering: kernelOnly('a matrix decomposition: its own kernel'),
  onnx: eighOnnxForm,
  abstractEval([a]) {
    checkSquare('eigh', 'a', a!);
    return [
      { shape: a!.shape.slice(0, -1), dtype: 'float32' },
      { shape: a!.shape, dtype: 'float32' },
    ];
  },
  impl: ([a]) => eighKernel(a!),
  batch: (args, dims, params) => leadingBatchRuleMulti(eighPrimitive)(args, dims, params),
  jvp([a], [ta]) {
    const [w, v] = bind(eighPrimitive, [a!]) as [AnyTensor, AnyTensor];
    if (!ta) return [[w, v], [null, null]];
    const m = mm(mT(v), mm(symmetrize(ta), v));
    return [
      [w, v],
      [diagPart(m), mm(v, mulT(reciprocalGaps(w), m))],
    ];
  },
};

/**
 * Eigenvalues and eigenvectors of a symmetric matrix `a` (`[n, n]` or a batch
 * `[..., n, n]`), as `[w, v]`: `w` ascending, `v` with the eigenvectors as
 * columns (`a · v[:, i] = w[i] · v[:, i]`). The input is symmetrized,
 * `(a + aᵀ)/2`. Computed by Jacobi rotations in float64 on cpu and wasm (not
 * available on webgpu). Sign convention: each eigenvector's largest-magnitude
 * component is positive. Derivatives: dw = diag(vᵀ·da·v), dv = v·(F ∘ vᵀ·da·v)
 * with F_ij = 1/(w_j − w_i), and 0 where the two eigenvalues are equal to
 * float32 resolution (see docs/linalg.md).
 * @example
 * ```ts
 * const [w, v] = fx.linalg.eigh(fx.tensor([[2, 1], [1, 2]])); // w = [1, 3]
 * ```
 * @public
 */
export function eigh<Bt extends Dim[], N extends Dim>(
  a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>,
): [Tensor<[...Bt, N], 'float32'>, Tensor<[...Bt, N, N], 'float32'>] {
  const [w, v] = bind(eighPrimitive, [a]);
  return [w as never, v as never];
}

/**
 * The eigenvalues of a symmetric matrix, ascending (`[..., n, n]` →
 * `[..., n]`); the first output of `eigh`. Derivative dw = diag(vᵀ·da·v),
 * which stays finite for repeated eigenvalues.
 * @example
 * ```ts
 * fx.linalg.eigvalsh(fx.tensor([[2, 0], [0, -1]])); // [-1, 2]
 * ```
 * @public
 */
export function eigvalsh<Bt extends Dim[], N extends Dim>(a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>): Tensor<[...Bt, N], 'float32'> {
  // The eigenvectors are computed too; free them (only w is returned).
  return scope(() => bind(eighPrimitive, [a])[0]) as never;
}

/** ONNX: Jacobi rotations in float64 in the host kernel's convention, as nested `Loop`s over sweeps and round-robin rounds (lib/onnx/linalg.ts). */
function eighOnnxForm(g: OnnxBuilder, eq: OnnxEquation): void {
  const { w, v } = eighOnnx(g, eq.inputs[0]!, eq.inAvals[0]!.shape);
  g.node('Identity', [w], [eq.outputs[0]!]);
  g.node('Identity', [v], [eq.outputs[1]!]);
}
