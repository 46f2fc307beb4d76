/**
 * `expm`: the matrix exponential of `[..., n, n]` matrices by Padé
 * approximation with scaling and squaring in float64 on the host (Higham
 * 2005, the algorithm of SciPy's and JAX's `expm`: degree 3, 5, 7, 9 or 13
 * chosen from ‖A‖₁, then 2ˢ squarings). Derivative: the Fréchet derivative
 * d exp(A)[dA] = L(A, dA) (primitive `expmFrechet`, the block-matrix
 * identity), exact to float64 before rounding; it is linear in dA with its
 * own transpose and jvp, so reverse mode and higher orders follow.
 */
import type { Dim } from '../../typelevel/index.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { expmKernel } from './decompositionKernels.js';
import { apply1 } from './define.js';
import { expmFrechetPrimitive } from './expmFrechet.js';
import { checkSquare, leadingBatchRule } from './linalgCommon.js';
import { kernelOnly } from '../core/lowering.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';
import { expmOnnx } from '../onnx/linalg.js';

export const expmPrimitive: Primitive = definePrimitive({
  lowering: kernelOnly('a matrix function: its own kernel'),
  name: 'expm',
  onnx: expmOnnxForm,
  abstractEval([a]) {
    checkSquare('expm', 'a', a!);
    return { shape: a!.shape, dtype: 'float32' };
  },
  impl: ([a]) => expmKernel(a!),
  batch: (args, dims, params) => leadingBatchRule(expmPrimitive)(args, dims, params),
  jvp([a], [ta]) {
    const y = apply1(expmPrimitive, [a!]);
    return [y, ta ? apply1(expmFrechetPrimitive, [a!, ta as AnyTensor]) : null];
  },
});

/**
 * The matrix exponential exp(a) = Σ aᵏ/k! of `a` `[..., n, n]` (SciPy's and
 * JAX's `expm`: Padé approximation with scaling and squaring, Higham 2005),
 * computed in float64 on cpu and wasm (not on webgpu). Derivative: the
 * Fréchet derivative, computed as the upper-right block of
 * exp([[a, da], [0, a]]).
 * @example
 * ```ts
 * fx.linalg.expm(fx.tensor([[0, 1], [0, 0]])); // [[1, 1], [0, 1]]
 * ```
 * @public
 */
export function expm<Bt extends Dim[], N extends Dim>(a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>): Tensor<[...Bt, N, N], 'float32'> {
  return apply1(expmPrimitive, [a]);
}

/**
 * The Fréchet derivative of the matrix exponential at `a` in direction `e`
 * (SciPy's `expm_frechet` without the value): d/dt exp(a + t·e) at t = 0.
 * Linear in `e`; differentiable in both.
 * @example
 * ```ts
 * fx.linalg.expmFrechet(fx.zeros([2, 2]), fx.eye(2)); // the identity
 * ```
 * @public
 */
export function expmFrechet<Bt extends Dim[], N extends Dim>(a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>, e: Tensor<[...Bt, N, NoInfer<N>], 'float32'>): Tensor<[...Bt, N, N], 'float32'> {
  return apply1(expmFrechetPrimitive, [a, e]);
}

/** ONNX: scaling and squaring with the [7/7] Padé approximant in float32 (lib/onnx/linalg.ts). */
function expmOnnxForm(g: OnnxBuilder, eq: OnnxEquation): void {
  g.node('Identity', [expmOnnx(g, eq.inputs[0]!, eq.inAvals[0]!.shape)], eq.outputs);
}
