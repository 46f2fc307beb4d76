/**
 * `expmFrechet`: the Fréchet derivative L(A, E) of the matrix exponential at
 * A in direction E, the upper-right block of exp([[A, E], [0, A]]) (Higham's
 * block-matrix identity), computed in float64 on the host. Batched over
 * leading axes.
 *
 * Linear in E, with transpose L(A, ·)ᵀ = L(Aᵀ, ·) (the exponential's Fréchet
 * derivative is self-adjoint up to transposing A). Its jvp in A uses the
 * same identity one level up: with B = [[A, E], [0, A]],
 * d_A L(A, E)[F] = the upper-right block of L(B, [[F, 0], [0, F]]).
 */
import { TransformError } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor } from '../core/tensor.js';
import { add } from './add.js';
import { concat } from './concat.js';
import { block, constantOf, padMatrix } from './decompositionCommon.js';
import { expmFrechetKernel } from './decompositionKernels.js';
import { apply1, LinearInput } from './define.js';
import { checkSquare, leadingBatchRule, mT } from './linalgCommon.js';
import { ShapeError, showShape } from '../core/errors.js';
import { kernelOnly } from '../core/lowering.js';
import { filled, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';
import { expmOnnx } from '../onnx/linalg.js';

const cat = (xs: AnyTensor[], axis: number): AnyTensor => concat(xs as never, axis as never) as AnyTensor;

export const expmFrechetPrimitive: Primitive = definePrimitive({
  lowering: kernelOnly('a matrix function: its own kernel'),
  name: 'expmFrechet',
  onnx: expmFrechetOnnx,
  abstractEval([a, e]) {
    checkSquare('expmFrechet', 'a', a!);
    checkSquare('expmFrechet', 'e', e!);
    if (a!.shape.length !== e!.shape.length || a!.shape.some((d, i) => d !== e!.shape[i])) {
      throw new ShapeError('expmFrechet', `e must have the shape of a ${showShape(a!.shape)}, got ${showShape(e!.shape)}`);
    }
    return { shape: a!.shape, dtype: 'float32' };
  },
  impl: ([a, e]) => expmFrechetKernel(a!, e!),
  batch: (args, dims, params) => leadingBatchRule(expmFrechetPrimitive)(args, dims, params),
  jvp([a, e], [ta, te]) {
    const l = apply1(expmFrechetPrimitive, [a!, e!]);
    if (!ta && !te) return [l, null];
    let dl: AnyTensor | null = te ? apply1(expmFrechetPrimitive, [a!, te]) : null;
    if (ta) {
      const n = a!.shape[a!.rank - 1]!;
      const zero = constantOf(new Float32Array(a!.shape.reduce((p: number, d: number) => p * d, 1)), [...a!.shape]);
      const big = cat([cat([a!, e!], -1), cat([zero, a!], -1)], -2);
      const dir = add(padMatrix(ta, [0, n], [0, n]) as never, padMatrix(ta, [n, 0], [n, 0]) as never) as AnyTensor;
      const part = block(apply1(expmFrechetPrimitive, [big, dir]), 0, n, n, n);
      dl = dl ? (add(dl as never, part as never) as AnyTensor) : part;
    }
    return [l, dl];
  },
  transpose(ct, [a, e]) {
    if (a instanceof LinearInput || !(e instanceof LinearInput)) {
      throw new TransformError('expmFrechet: can only transpose with respect to the direction e (it is linear only in e)');
    }
    return [null, apply1(expmFrechetPrimitive, [mT(a!), ct])];
  },
});

/** ONNX: the upper-right block of exp([[A, E], [0, A]]) (the expm form on the 2n × 2n block matrix). */
function expmFrechetOnnx(g: OnnxBuilder, eq: OnnxEquation): void {
  const [a, e] = eq.inputs as [string, string];
  const shape = eq.inAvals[0]!.shape;
  const rank = shape.length;
  const n = shape[rank - 1]!;
  const top = g.op('Concat', [a, e], { axis: { int: rank - 1 } });
  const bottom = g.op('Concat', [filled(g, shape, 'float32'), a], { axis: { int: rank - 1 } });
  const block = g.op('Concat', [top, bottom], { axis: { int: rank - 2 } });
  const big = expmOnnx(g, block, [...shape.slice(0, -2), 2 * n, 2 * n]);
  g.node('Slice', [big, g.ints([0, n]), g.ints([n, 2 * n]), g.ints([rank - 2, rank - 1])], eq.outputs);
}
