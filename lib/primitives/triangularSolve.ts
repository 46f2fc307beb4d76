/**
 * `triangularSolve`: X with op(A)·X = B for triangular A, op(A) = A or Aᵀ.
 * Only the selected triangle of A (diagonal included) is read; the other
 * entries are ignored and get a zero derivative. Derivative:
 * dX = op(A)⁻¹(dB − op(dA△)·X), dA△ the tangent masked to the triangle.
 * Linear in B, with transpose: solve with op(A)ᵀ, i.e. `transposeA` flipped.
 */
import type { Dim } from '../../typelevel/index.js';
import { TransformError } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { apply1, LinearInput } from './define.js';
import { asColumn, checkRhs, checkSquare, mT, rhsBatchRule, triangleMask } from './linalgCommon.js';
import { triangularSolveKernel } from './linalgKernels.js';
import { matmul } from './matmul.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { reshape } from './reshape.js';
import { sub } from './sub.js';
import { add } from './add.js';
import { ShapeError, showShape } from '../core/errors.js';
import { kernelOnly } from '../core/lowering.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';
import { triangularSolveOnnx } from '../onnx/linalg.js';

export interface TriangularSolveParams extends Record<string, unknown> {
  /** A is lower triangular (else upper). */
  readonly lower: boolean;
  /** Solve with Aᵀ instead of A. */
  readonly transposeA: boolean;
}

export const triangularSolvePrimitive: Primitive<TriangularSolveParams> = definePrimitive({
  lowering: kernelOnly('a triangular solve: its own kernel'),
  name: 'triangularSolve',
  onnx: triangularSolveOnnxForm,
  abstractEval([a, b]) {
    checkSquare('triangularSolve', 'a', a!);
    checkRhs('triangularSolve', a!, b!);
    return { shape: b!.shape, dtype: 'float32' };
  },
  impl: ([a, b], { lower, transposeA }) => triangularSolveKernel(a!, b!, lower, transposeA),
  batch: (args, dims, params) => rhsBatchRule(triangularSolvePrimitive)(args, dims, params),
  jvp([a, b], [ta, tb], params) {
    const x = apply1(triangularSolvePrimitive, [a!, b!], params);
    if (!ta && !tb) return [x, null];
    let rhs = tb;
    if (ta) {
      const n = a!.shape[a!.rank - 1]!;
      const tri = mul(ta as AnyTensor, triangleMask(n, params.lower ? 'lower' : 'upper'));
      const dAx = matmul(params.transposeA ? mT(tri) : tri, x as AnyTensor);
      rhs = tb ? sub(tb as AnyTensor, dAx) : neg(dAx);
    }
    return [x, apply1(triangularSolvePrimitive, [a!, rhs!], params)];
  },
  transpose(ct, [a], { lower, transposeA }) {
    if (a instanceof LinearInput) {
      throw new TransformError('triangularSolve: cannot transpose with respect to the matrix a (it is linear only in the right-hand side b)');
    }
    return [null, apply1(triangularSolvePrimitive, [a!, ct], { lower, transposeA: !transposeA })];
  },
  showParams: ({ lower, transposeA }) => `${lower ? 'lower' : 'upper'}${transposeA ? ', transposeA' : ''}`,
});

/** Options of `triangularSolve`. @public */
export interface TriangularSolveOptions {
  /** `a` is lower triangular (default `true`, as `tf.linalg.triangular_solve`); `false`: upper. */
  readonly lower?: boolean;
  /** Solve `aᵀ · x = b` instead of `a · x = b` (default `false`). */
  readonly transposeA?: boolean;
  /**
   * `true` (default): solve `op(a) · x = b`, `b` `[n, k]` or `[n]`. `false`:
   * solve `x · op(a) = b` (JAX's `left_side=False`), `b` `[k, n]` or `[n]`
   * (a row); computed as `op(a)ᵀ · xᵀ = bᵀ`.
   */
  readonly leftSide?: boolean;
  /** Take the diagonal of `a` as all ones without reading it (default `false`); the diagonal then gets no gradient. */
  readonly unitDiagonal?: boolean;
}

/**
 * Solves `a · x = b` (or `aᵀ · x = b` with `transposeA`) for triangular `a`
 * by substitution. Only the chosen triangle of `a` is read, diagonal
 * included; the other entries are ignored and get zero gradient. `a` is
 * `[n, n]` (or a batch `[..., n, n]`), `b` is `[n, k]` or `[n]`. A zero on
 * the diagonal gives non-finite values.
 * @example
 * ```ts
 * fx.triangularSolve(fx.tensor([[2, 0], [1, 1]]), fx.tensor([2, 3])); // [1, 2]
 * ```
 * @public
 */
export function triangularSolve<Bt extends Dim[], N extends Dim, K extends Dim>(
  a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>,
  b: Tensor<[...Bt, NoInfer<N>, K], 'float32'>,
  options?: TriangularSolveOptions,
): Tensor<[...Bt, N, K], 'float32'>;
export function triangularSolve<Bt extends Dim[], N extends Dim>(
  a: Tensor<[...Bt, N, NoInfer<N>], 'float32'>,
  b: Tensor<[...Bt, NoInfer<N>], 'float32'>,
  options?: TriangularSolveOptions,
): Tensor<[...Bt, N], 'float32'>;
export function triangularSolve(a: AnyTensor, b: AnyTensor, options: TriangularSolveOptions = {}): AnyTensor {
  const params = { lower: options.lower ?? true, transposeA: options.transposeA ?? false };
  const n = checkSquare('triangularSolve', 'a', a);
  if (options.unitDiagonal) {
    const diag = mul(triangleMask(n, 'lower'), triangleMask(n, 'upper')); // the identity
    a = add(sub(a, mul(a, diag)), diag);
  }
  if (options.leftSide === false) {
    // x · op(a) = b  ⇔  op(a)ᵀ · xᵀ = bᵀ
    const flipped = { ...params, transposeA: !params.transposeA };
    if (b.rank === a.rank - 1) {
      checkRhs('triangularSolve', a, { shape: asColumn(b.shape), dtype: b.dtype }, b.shape);
      const x = apply1(triangularSolvePrimitive, [a, reshape(b, asColumn(b.shape))], flipped);
      return reshape(x as AnyTensor, b.shape as number[] as never);
    }
    const bt = mT(b);
    const batch = a.shape.slice(0, -2);
    if (bt.rank !== a.rank || bt.shape[bt.rank - 2] !== n || !batch.every((d: number, i: number) => d === bt.shape[i])) {
      throw new ShapeError('triangularSolve', `with leftSide: false, b must have shape [${[...batch, 'k', n].join(', ')}] (or [${[...batch, n].join(', ')}]) to match a ${showShape(a.shape)}, got ${showShape(b.shape)}`);
    }
    return mT(apply1(triangularSolvePrimitive, [a, bt], flipped));
  }
  if (b.rank === a.rank - 1) {
    checkRhs('triangularSolve', a, { shape: asColumn(b.shape), dtype: b.dtype }, b.shape);
    const x = apply1(triangularSolvePrimitive, [a, reshape(b, asColumn(b.shape))], params);
    return reshape(x as AnyTensor, b.shape as number[] as never);
  }
  return apply1(triangularSolvePrimitive, [a, b], params);
}

/** ONNX: substitution as a `Loop` over the rows (lib/onnx/linalg.ts). */
function triangularSolveOnnxForm(g: OnnxBuilder, eq: OnnxEquation<TriangularSolveParams>): void {
  const [a, b] = eq.inputs as [string, string];
  g.node('Identity', [triangularSolveOnnx(g, a, b, eq.inAvals[0]!.shape, eq.inAvals[1]!.shape, eq.params.lower, eq.params.transposeA)], eq.outputs);
}
