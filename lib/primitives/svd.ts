/**
 * `svd`: singular value decomposition A = U·diag(s)·Vᵀ of `[..., m, n]`
 * matrices, by one-sided Jacobi in float64 on the host (see
 * decompositionKernels.ts; the ONNX form in lib/onnx/linalg.ts rotates the
 * same column pairs in the same order). Outputs `[u, s, vh]` (NumPy's order), or `[s]`
 * without `computeUv`.
 *
 * Derivative (JAX's `_svd_jvp_rule`), from the reduced factors (k = min(m, n)),
 * with dS = Uᵀ·dA·V:
 *   ds = diag(dS)
 *   dU = U·(F ∘ (dS·S + S·dSᵀ)) [+ (I − UUᵀ)·dA·V·S⁻¹ when m > n]
 *   dV = V·(F ∘ (S·dS + dSᵀ·S)) [+ (I − VVᵀ)·dAᵀ·U·S⁻¹ when n > m]
 * with F_ij = 1/(s_j² − s_i²) off the diagonal and 0 where the gap is not
 * resolved in float32 (JAX: ±inf there; see docs/linalg.md). As JAX, the
 * derivative of full (non-square) U or V is not implemented: the extra
 * columns are not unique.
 */
import type { Compare, Dim } from '../../typelevel/index.js';
import { TransformError } from '../core/errors.js';
import type { Primitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { diagPart, divT, leadingBatchRuleMulti, mm, mT, mulT, reciprocalGaps, subT } from './decompositionCommon.js';
import { svdKernel } from './decompositionKernels.js';
import { add } from './add.js';
import { requireDtype } from './define.js';
import { ShapeError, showShape } from '../core/errors.js';
import { reshape } from './reshape.js';
import { kernelOnly } from '../core/lowering.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';
import { svdOnnx } from '../onnx/linalg.js';

export interface SvdParams extends Record<string, unknown> {
  /** U is m×m and Vᵀ n×n (else m×k and k×n). */
  readonly fullMatrices: boolean;
  /** Return `[u, s, vh]` (else `[s]`). */
  readonly computeUv: boolean;
}

function checkMatrix(op: string, a: { shape: readonly number[]; dtype: string }): void {
  requireDtype(op, 'a', a as never, ['float32']);
  if (a.shape.length < 2) throw new ShapeError(op, `a must be a matrix [m, n] (or a batch [..., m, n]), got ${showShape(a.shape)}`);
}

export const svdPrimitive: Primitive<SvdParams> = {
  name: 'svd',
  lowering: kernelOnly('a matrix decomposition: its own kernel'),
  onnx: svdOnnxForm,
  abstractEval([a], { fullMatrices, computeUv }) {
    checkMatrix('svd', a!);
    const batch = a!.shape.slice(0, -2);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const k = Math.min(m, n);
    const s = { shape: [...batch, k], dtype: 'float32' as const };
    if (!computeUv) return [s];
    return [{ shape: [...batch, m, fullMatrices ? m : k], dtype: 'float32' }, s, { shape: [...batch, fullMatrices ? n : k, n], dtype: 'float32' }];
  },
  impl: ([a], { fullMatrices, computeUv }) => svdKernel(a!, fullMatrices, computeUv),
  batch: (args, dims, params) => leadingBatchRuleMulti(svdPrimitive)(args, dims, params),
  jvp([a], [ta], params) {
    const outs = bind(svdPrimitive, [a!], params);
    if (!ta) return [outs, outs.map(() => null)];
    const [m, n] = a!.shape.slice(-2) as [number, number];
    if (params.computeUv && params.fullMatrices && m !== n) {
      throw new TransformError(
        `svd: the derivative of full (non-square) U and V is not implemented (their extra columns are not unique), as in JAX; use fullMatrices: false (a is ${showShape(a!.shape)})`,
      );
    }
    const [u, s, vt] = params.computeUv && !params.fullMatrices ? (outs as [AnyTensor, AnyTensor, AnyTensor]) : (bind(svdPrimitive, [a!], { fullMatrices: false, computeUv: true }) as [AnyTensor, AnyTensor, AnyTensor]);
    const v = mT(vt);
    const dA = ta as AnyTensor;
    const dS = mm(mT(u), mm(dA, v));
    const ds = diagPart(dS);
    if (!params.computeUv) return [outs, [ds]];
    const k = s.shape[s.rank - 1]!;
    const row = reshape(s as never, [...s.shape.slice(0, -1), 1, k] as never) as AnyTensor; // s_j at (i, j)
    const col = reshape(s as never, [...s.shape.slice(0, -1), k, 1] as never) as AnyTensor; // s_i at (i, j)
    const f = reciprocalGaps(mulT(s, s));
    const dSS = mulT(dS, row);
    const SdS = mulT(dS, col);
    let dU = mm(u, mulT(f, add(dSS as never, mT(dSS) as never) as AnyTensor));
    let dV = mm(v, mulT(f, add(SdS as never, mT(SdS) as never) as AnyTensor));
    if (m > n) {
      const dAV = mm(dA, v);
      dU = add(dU as never, divT(subT(dAV, mm(u, mm(mT(u), dAV))), row) as never) as AnyTensor;
    }
    if (n > m) {
      const dAtU = mm(mT(dA), u);
      dV = add(dV as never, divT(subT(dAtU, mm(v, mm(vt, dAtU))), row) as never) as AnyTensor;
    }
    return [outs, [dU, ds, mT(dV)]];
  },
  showParams: ({ fullMatrices, computeUv }) => `${fullMatrices ? 'full' : 'reduced'}${computeUv ? '' : ', values only'}`,
};

/** The smaller of two dims: a literal when both are literals, else `number`. @public */
export type MinDim<M extends Dim, N extends Dim> = [M] extends [N] ? M : Compare<M, N> extends 'lt' ? M : Compare<M, N> extends 'gt' ? N : number;

/** Options of `svd`. @public */
export interface SvdOptions {
  /** `u` is `[m, m]` and `vh` `[n, n]` (default `false`: `[m, k]` and `[k, n]`, k = min(m, n)). Not differentiable when m ≠ n. */
  readonly fullMatrices?: boolean;
  /** `false`: return only the singular values (as `svdvals`; JAX's `compute_uv=False`). Default `true`. */
  readonly computeUv?: boolean;
}

/**
 * Singular value decomposition `a = u · diag(s) · vh` of `a` `[..., m, n]`:
 * `[u, s, vh]` with `s` `[..., k]` descending (k = min(m, n)), `u` with
 * orthonormal columns, `vh` with orthonormal rows. Reduced factors by
 * default (`fullMatrices: true` gives square `u` and `vh`; unlike NumPy the
 * default is reduced, since only reduced factors are differentiable for
 * non-square `a`). Computed by one-sided Jacobi in float64 on cpu and wasm
 * (not on webgpu), accurate also for tiny singular values. Sign convention:
 * each right singular vector (row of `vh`) has its largest-magnitude
 * component positive, and `u[:, i] = a · vh[i]ᵀ / s[i]`. Derivative: JAX's
 * rule (docs/linalg.md); repeated singular values give a finite derivative
 * that omits the rotation inside the repeated block, a zero singular value of
 * a non-square matrix gives a non-finite one (as JAX). `computeUv: false`
 * returns only `s`.
 * @example
 * ```ts
 * const [u, s, vh] = fx.linalg.svd(fx.tensor([[3, 0], [0, -2]])); // s = [3, 2]
 * ```
 * @public
 */
export function svd<Bt extends Dim[], M extends Dim, N extends Dim>(
  a: Tensor<[...Bt, M, N], 'float32'>,
  options: SvdOptions & { readonly computeUv: false },
): Tensor<[...Bt, MinDim<M, N>], 'float32'>;
/** @public */
export function svd<Bt extends Dim[], M extends Dim, N extends Dim>(
  a: Tensor<[...Bt, M, N], 'float32'>,
  options?: SvdOptions & { readonly fullMatrices?: false; readonly computeUv?: true },
): [Tensor<[...Bt, M, MinDim<M, N>], 'float32'>, Tensor<[...Bt, MinDim<M, N>], 'float32'>, Tensor<[...Bt, MinDim<M, N>, N], 'float32'>];
/** @public */
export function svd<Bt extends Dim[], M extends Dim, N extends Dim>(
  a: Tensor<[...Bt, M, N], 'float32'>,
  options: SvdOptions & { readonly fullMatrices: true; readonly computeUv?: true },
): [Tensor<[...Bt, M, M], 'float32'>, Tensor<[...Bt, MinDim<M, N>], 'float32'>, Tensor<[...Bt, N, N], 'float32'>];
export function svd(a: AnyTensor, options: SvdOptions = {}): AnyTensor[] | AnyTensor {
  checkMatrix('svd', a);
  if (options.computeUv === false) return bind(svdPrimitive, [a], { fullMatrices: false, computeUv: false })[0]!;
  return bind(svdPrimitive, [a], { fullMatrices: options.fullMatrices ?? false, computeUv: true });
}

/**
 * The singular values of `a` `[..., m, n]`, descending (`[..., min(m, n)]`).
 * Derivative ds = diag(uᵀ·da·v), finite also for repeated singular values.
 * @example
 * ```ts
 * fx.linalg.svdvals(fx.tensor([[0, 2], [1, 0]])); // [2, 1]
 * ```
 * @public
 */
export function svdvals<Bt extends Dim[], M extends Dim, N extends Dim>(a: Tensor<[...Bt, M, N], 'float32'>): Tensor<[...Bt, MinDim<M, N>], 'float32'> {
  checkMatrix('svdvals', a);
  return bind(svdPrimitive, [a], { fullMatrices: false, computeUv: false })[0] as never;
}

/** ONNX: one-sided Jacobi in float64 in the host kernel's convention, as nested `Loop`s over sweeps and round-robin rounds (lib/onnx/linalg.ts). */
function svdOnnxForm(g: OnnxBuilder, eq: OnnxEquation<SvdParams>): void {
  const { fullMatrices, computeUv } = eq.params;
  const { u, s, vt } = svdOnnx(g, eq.inputs[0]!, eq.inAvals[0]!.shape, fullMatrices, computeUv);
  if (!computeUv) {
    g.node('Identity', [s], [eq.outputs[0]!]);
    return;
  }
  g.node('Identity', [u], [eq.outputs[0]!]);
  g.node('Identity', [s], [eq.outputs[1]!]);
  g.node('Identity', [vt], [eq.outputs[2]!]);
}
