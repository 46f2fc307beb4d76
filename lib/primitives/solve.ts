/**
 * `solve`: X = A⁻¹B for square A (batched over leading axes). Structured
 * derivative from matrix calculus, not from differentiating the elimination:
 * dX = A⁻¹(dB − dA·X). Linear in B, with transpose solve(A, ·)ᵀ = solve(Aᵀ, ·),
 * so reverse mode is the usual adjoint solve.
 */
import type { Dim } from '../../typelevel/index.js';
import { TransformError } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1, LinearInput } from './define.js';
import { asColumn, checkRhs, checkSquare, mT, rhsBatchRule } from './linalgCommon.js';
import { solveKernel } from './linalgKernels.js';
import { matmul } from './matmul.js';
import { neg } from './neg.js';
import { reshape } from './reshape.js';
import { sub } from './sub.js';
import { kernelOnly } from '../core/lowering.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';
import { gaussJordanOnnx } from '../onnx/linalg.js';

export const solvePrimitive: Primitive = definePrimitive({
  lowering: kernelOnly('a matrix decomposition: its own kernel'),
  name: 'solve',
  onnx: solveOnnx,
  abstractEval([a, b]) {
    checkSquare('solve', 'a', a!);
    checkRhs('solve', a!, b!);
    return { shape: b!.shape, dtype: 'float32' };
  },
  impl: ([a, b]) => solveKernel(a!, b!),
  batch: (args, dims, params) => rhsBatchRule(solvePrimitive)(args, dims, params),
  jvp([a, b], [ta, tb]) {
    const x = apply1(solvePrimitive, [a!, b!]);
    if (!ta && !tb) return [x, null];
    const dAx = ta ? matmul(ta as AnyTensor, x as AnyTensor) : null;
    const rhs = dAx ? (tb ? sub(tb as AnyTensor, dAx) : neg(dAx)) : tb!;
    return [x, apply1(solvePrimitive, [a!, rhs])];
  },
  transpose(ct, [a]) {
    if (a instanceof LinearInput) {
      throw new TransformError('solve: cannot transpose with respect to the matrix a (solve is linear only in the right-hand side b)');
    }
    return [null, apply1(solvePrimitive, [mT(a!), ct])];
  },
});

/**
 * Solves `a · x = b` for `x`, with `a` square (`[n, n]`, or a batch
 * `[..., n, n]`) and `b` a matrix `[n, k]` or a vector `[n]` (batched like
 * `a`). Runs LU with partial pivoting in float64 on cpu/wasm and Gauss-Jordan
 * with partial pivoting as tfjs ops on webgpu. Derivatives follow
 * dx = a⁻¹(db − da·x). A singular `a` gives non-finite (Inf/NaN) values, not
 * an error.
 * @example
 * ```ts
 * fx.solve(fx.tensor([[2, 0], [0, 4]]), fx.tensor([2, 4])); // [1, 1]
 * ```
 * @public
 */
export function solve<Bt extends Dim[], N extends Dim, K extends Dim>(
  a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>,
  b: Tensor<[...Bt, NoInfer<N>, K], 'float32'>,
): Tensor<[...Bt, N, K], 'float32'>;
export function solve<Bt extends Dim[], N extends Dim>(
  a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>,
  b: Tensor<[...Bt, NoInfer<N>], 'float32'>,
): Tensor<[...Bt, N], 'float32'>;
export function solve(a: AnyTensor, b: AnyTensor): AnyTensor {
  checkSquare('solve', 'a', a);
  if (b.rank === a.rank - 1) {
    checkRhs('solve', a, { shape: asColumn(b.shape), dtype: b.dtype }, b.shape);
    const x = apply1(solvePrimitive, [a, reshape(b, asColumn(b.shape))]);
    return reshape(x as AnyTensor, b.shape as number[] as never);
  }
  return apply1(solvePrimitive, [a, b]);
}

/** ONNX: Gauss-Jordan with partial pivoting on [A | B] as a `Loop` over the columns (lib/onnx/linalg.ts); NaN for a singular A. */
function solveOnnx(g: OnnxBuilder, eq: OnnxEquation): void {
  const [a, b] = eq.inputs as [string, string];
  g.node('Identity', [gaussJordanOnnx(g, a, eq.inAvals[0]!.shape, b, eq.inAvals[1]!.shape.at(-1)!).x], eq.outputs);
}
