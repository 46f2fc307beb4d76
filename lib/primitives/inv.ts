/**
 * `inv`: the matrix inverse (batched over leading axes). Structured
 * derivative d(A⁻¹) = −A⁻¹·dA·A⁻¹, using the primal output.
 */
import type { Dim } from '../../typelevel/index.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1 } from './define.js';
import { checkSquare, leadingBatchRule } from './linalgCommon.js';
import { invKernel } from './linalgKernels.js';
import { matmul } from './matmul.js';
import { neg } from './neg.js';
import { kernelOnly } from '../core/lowering.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';
import { gaussJordanOnnx } from '../onnx/linalg.js';

export const invPrimitive: Primitive = definePrimitive({
  lowering: kernelOnly('a matrix decomposition: its own kernel'),
  name: 'inv',
  onnx: invOnnx,
  abstractEval([a]) {
    checkSquare('inv', 'a', a!);
    return { shape: a!.shape, dtype: 'float32' };
  },
  impl: ([a]) => invKernel(a!),
  batch: (args, dims, params) => leadingBatchRule(invPrimitive)(args, dims, params),
  jvp([a], [ta]) {
    const y = apply1(invPrimitive, [a!]) as AnyTensor;
    return [y, ta ? neg(matmul(matmul(y, ta as AnyTensor), y)) : null];
  },
});

/**
 * The inverse of a square matrix (`[n, n]` or a batch `[..., n, n]`), by
 * elimination with partial pivoting (float64 on cpu/wasm, tfjs ops on
 * webgpu). Prefer `fx.solve(a, b)` to `fx.matmul(fx.inv(a), b)`. A singular
 * matrix gives non-finite (Inf/NaN) entries, not an error. Derivative:
 * −a⁻¹·da·a⁻¹.
 * @example
 * ```ts
 * fx.inv(fx.tensor([[2, 0], [0, 4]])); // [[0.5, 0], [0, 0.25]]
 * ```
 * @public
 */
export function inv<Bt extends Dim[], N extends Dim>(a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>): Tensor<[...Bt, N, N], 'float32'> {
  return apply1(invPrimitive, [a]);
}

/** ONNX: Gauss-Jordan with partial pivoting on [A | I] as a `Loop` over the columns (lib/onnx/linalg.ts); NaN for a singular A. */
function invOnnx(g: OnnxBuilder, eq: OnnxEquation): void {
  const shape = eq.inAvals[0]!.shape;
  g.node('Identity', [gaussJordanOnnx(g, eq.inputs[0]!, shape, null, shape.at(-1)!).x], eq.outputs);
}
