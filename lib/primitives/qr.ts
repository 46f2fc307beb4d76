/**
 * `qr`: A = Q·R for `[..., m, n]` matrices, by Householder reflections in
 * float64 on the host (LAPACK's geqrf + orgqr conventions, so R's diagonal
 * may be negative, as NumPy's). Outputs `[q, r]`: reduced (Q m×k, R k×n,
 * k = min(m, n)) or complete (Q m×m, R m×n).
 *
 * Derivative (JAX's `qr_jvp_rule`, j-towns.github.io/papers/qr-derivative.pdf),
 * for m ≥ n: with X = dA·R⁻¹ and C = Qᵀ·X, Ω = tril(C, −1) − tril(C, −1)ᵀ,
 *   dQ = Q·(Ω − C) + X,   dR = (C − Ω)·R.
 * As JAX, m < n and complete Q of a non-square A are not differentiable.
 */
import type { Dim } from '../../typelevel/index.js';
import { ShapeError, showShape, TransformError } from '../core/errors.js';
import type { Primitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { add } from './add.js';
import { leadingBatchRuleMulti, mm, mT, subT, tril } from './decompositionCommon.js';
import { qrKernel } from './decompositionKernels.js';
import { requireDtype } from './define.js';
import { triangularSolvePrimitive } from './triangularSolve.js';
import type { MinDim } from './svd.js';
import { kernelOnly } from '../core/lowering.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';
import { qrOnnx } from '../onnx/linalg.js';

export interface QrParams extends Record<string, unknown> {
  /** Q is m×m (else m×k). */
  readonly complete: boolean;
}

function checkMatrix(op: string, a: { shape: readonly number[]; dtype: string }): void {
  requireDtype(op, 'a', a as never, ['float32']);
  if (a.shape.length < 2) throw new ShapeError(op, `a must be a matrix [m, n] (or a batch [..., m, n]), got ${showShape(a.shape)}`);
}

/** X·R⁻¹ for upper-triangular square R: (R⁻ᵀ·Xᵀ)ᵀ, a triangular solve with Rᵀ. */
export function rightSolveUpper(x: AnyTensor, r: AnyTensor): AnyTensor {
  return mT(bind(triangularSolvePrimitive, [r, mT(x)], { lower: false, transposeA: true })[0]!);
}

export const qrPrimitive: Primitive<QrParams> = {
  name: 'qr',
  onnx: qrOnnxForm,
  lowering: kernelOnly('a matrix decomposition: its own kernel'),
  abstractEval([a], { complete }) {
    checkMatrix('qr', a!);
    const batch = a!.shape.slice(0, -2);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const cols = complete ? m : Math.min(m, n);
    return [
      { shape: [...batch, m, cols], dtype: 'float32' },
      { shape: [...batch, cols, n], dtype: 'float32' },
    ];
  },
  impl: ([a], { complete }) => qrKernel(a!, complete),
  batch: (args, dims, params) => leadingBatchRuleMulti(qrPrimitive)(args, dims, params),
  jvp([a], [ta], params) {
    const [q, r] = bind(qrPrimitive, [a!], params) as [AnyTensor, AnyTensor];
    if (!ta) return [[q, r], [null, null]];
    const [m, n] = a!.shape.slice(-2) as [number, number];
    if (m < n || (params.complete && m !== n)) {
      throw new TransformError(
        `qr: the derivative is implemented for m ≥ n with reduced Q only (as in JAX); a is ${showShape(a!.shape)}${params.complete ? ' with mode "complete"' : ''}`,
      );
    }
    const x = rightSolveUpper(ta as AnyTensor, r);
    const c = mm(mT(q), x);
    const low = tril(c, -1);
    const omega = subT(low, mT(low));
    const dq = add(mm(q, subT(omega, c)) as never, x as never) as AnyTensor;
    const dr = mm(subT(c, omega), r);
    return [
      [q, r],
      [dq, dr],
    ];
  },
  showParams: ({ complete }) => (complete ? 'complete' : 'reduced'),
};

/** Options of `qr`. @public */
export interface QrOptions {
  /** `'reduced'` (default): q `[m, k]`, r `[k, n]`; `'complete'`: q `[m, m]`, r `[m, n]` (NumPy's modes). */
  readonly mode?: 'reduced' | 'complete';
}

/**
 * QR decomposition `a = q · r` of `a` `[..., m, n]`: `q` with orthonormal
 * columns, `r` upper triangular. Householder reflections in float64 on cpu
 * and wasm (not on webgpu), with LAPACK's signs (NumPy's results; r's
 * diagonal may be negative). Differentiable for m ≥ n in the reduced mode
 * (JAX's rule; docs/linalg.md).
 * @example
 * ```ts
 * const [q, r] = fx.linalg.qr(fx.tensor([[3, 1], [4, 2]])); // r = [[-5, -2.2], [0, 0.4]]
 * ```
 * @public
 */
export function qr<Bt extends Dim[], M extends Dim, N extends Dim>(
  a: Tensor<[...Bt, M, N], 'float32'>,
  options?: { readonly mode?: 'reduced' },
): [Tensor<[...Bt, M, MinDim<M, N>], 'float32'>, Tensor<[...Bt, MinDim<M, N>, N], 'float32'>];
/** @public */
export function qr<Bt extends Dim[], M extends Dim, N extends Dim>(
  a: Tensor<[...Bt, M, N], 'float32'>,
  options: { readonly mode: 'complete' },
): [Tensor<[...Bt, M, M], 'float32'>, Tensor<[...Bt, M, N], 'float32'>];
export function qr(a: AnyTensor, options: QrOptions = {}): AnyTensor[] {
  checkMatrix('qr', a);
  const mode = options.mode ?? 'reduced';
  if (mode !== 'reduced' && mode !== 'complete') throw new Error(`qr: mode must be 'reduced' or 'complete', got ${JSON.stringify(mode)}`);
  return bind(qrPrimitive, [a], { complete: mode === 'complete' });
}

/** ONNX: Householder reflections in the host kernel's convention, as a `Loop` over the columns (lib/onnx/linalg.ts). */
function qrOnnxForm(g: OnnxBuilder, eq: OnnxEquation<QrParams>): void {
  const { q, r } = qrOnnx(g, eq.inputs[0]!, eq.inAvals[0]!.shape, eq.params.complete);
  g.node('Identity', [q], [eq.outputs[0]!]);
  g.node('Identity', [r], [eq.outputs[1]!]);
}
