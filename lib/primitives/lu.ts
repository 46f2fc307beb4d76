/**
 * `lu`: LU decomposition with partial pivoting of `[..., m, n]` matrices, as
 * JAX's `lax.linalg.lu`: outputs `[lu, pivots, permutation]` — `lu` holds
 * unit-lower L (below the diagonal) and U (on and above it), `pivots` the
 * LAPACK row interchanges (int32, k = min(m, n)), `permutation` the row order
 * (int32, P·A = L·U with (P·A)[i] = A[permutation[i]]). float64 on the host.
 *
 * Derivative (JAX's `_lu_jvp_rule`): with X = P·dA, Λ = L⁻¹·X·U⁻¹
 * (U padded to n×n with an identity block when m < n, L to m×m when m > n),
 * d(lu) = L·tril(Λ, −1) + triu(Λ)·U. The integer outputs have no tangent.
 */
import { ShapeError, showShape } from '../core/errors.js';
import type { Primitive } from '../core/primitive.js';
import type { AnyTensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { add } from './add.js';
import { block, eyeOf, leadingBatchRuleMulti, mm, padMatrix, permutationMatrix, tril, triu } from './decompositionCommon.js';
import { luKernel } from './decompositionKernels.js';
import { requireDtype } from './define.js';
import { rightSolveUpper } from './qr.js';
import { triangularSolvePrimitive } from './triangularSolve.js';
import { kernelOnly } from '../core/lowering.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';
import { luOnnx } from '../onnx/linalg.js';

const plus = (a: AnyTensor, b: AnyTensor): AnyTensor => add(a as never, b as never) as AnyTensor;

/** Checks a float32 batch of matrices `[..., m, n]`. */
export function checkMatrix(op: string, a: { shape: readonly number[]; dtype: string }): void {
  requireDtype(op, 'a', a as never, ['float32']);
  if (a.shape.length < 2) throw new ShapeError(op, `a must be a matrix [m, n] (or a batch [..., m, n]), got ${showShape(a.shape)}`);
}

/** The unit-lower m×m factor L and the upper n×n factor U (identity-padded) of a packed `lu` `[..., m, n]`. */
export function unpackLu(lu: AnyTensor): { l: AnyTensor; u: AnyTensor } {
  const [m, n] = lu.shape.slice(-2) as [number, number];
  const k = Math.min(m, n);
  const l0 = tril(k < n ? block(lu, 0, 0, m, k) : lu, -1); // m×k
  const l = plus(m > k ? padMatrix(l0, [0, 0], [0, m - k]) : l0, eyeOf(m));
  const u0 = triu(k < m ? block(lu, 0, 0, k, n) : lu); // k×n
  const u = n > k ? plus(padMatrix(u0, [0, n - k], [0, 0]), padMatrix(eyeOf(n - k), [k, 0], [k, 0])) : u0;
  return { l, u };
}

export const luPrimitive: Primitive = {
  name: 'lu',
  onnx: luOnnxForm,
  lowering: kernelOnly('a matrix decomposition: its own kernel'),
  abstractEval([a]) {
    checkMatrix('lu', a!);
    const batch = a!.shape.slice(0, -2);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    return [
      { shape: a!.shape, dtype: 'float32' },
      { shape: [...batch, Math.min(m, n)], dtype: 'int32' },
      { shape: [...batch, m], dtype: 'int32' },
    ];
  },
  impl: ([a]) => luKernel(a!),
  batch: (args, dims, params) => leadingBatchRuleMulti(luPrimitive)(args, dims, params),
  jvp([a], [ta]) {
    const outs = bind(luPrimitive, [a!]) as [AnyTensor, AnyTensor, AnyTensor];
    if (!ta) return [outs, [null, null, null]];
    const [lu, , perm] = outs;
    const x = mm(permutationMatrix(perm), ta as AnyTensor);
    const { l, u } = unpackLu(lu);
    const la = bind(triangularSolvePrimitive, [l, x], { lower: true, transposeA: false })[0]!;
    const lau = rightSolveUpper(la, u);
    return [outs, [plus(mm(l, tril(lau, -1)), mm(triu(lau), u)), null, null]];
  },
};

/** ONNX: LU with partial pivoting in the host kernel's convention, as a `Loop` over the columns (lib/onnx/linalg.ts). */
function luOnnxForm(g: OnnxBuilder, eq: OnnxEquation): void {
  const { lu, pivots, perm } = luOnnx(g, eq.inputs[0]!, eq.inAvals[0]!.shape);
  [lu, pivots, perm].forEach((v, i) => g.node('Identity', [v], [eq.outputs[i]!]));
}
