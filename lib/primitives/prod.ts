/**
 * `prod`: the product of elements over axes.
 *
 * Derivative: `dy = Σ_i t_i · Π_{j≠i} x_j`. The "product of the others" is
 * NOT computed as `y / x_i` (that divides by zero): it is the product of an
 * exclusive prefix product and an exclusive suffix product, each a
 * log-step (Hillis–Steele) scan of multiplications. So the derivative is
 * exact with zeros in the input, to every order: with one zero the gradient
 * is the product of the other elements at the zero and 0 elsewhere; with two
 * or more zeros the gradient is 0 (and the Hessian still sees the pairs).
 * The scan costs O(n log n) multiplications for a reduction of length n.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dtype, Reduce, ReduceResult, Shape } from '../../typelevel/index.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { moveBatchToFront } from './batching.js';
import { apply1, requireDtype } from './define.js';
import { mul } from './mul.js';
import { pad } from './pad.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { inversePerm, transpose } from './transpose.js';
import { reduceAxes, reducedShape, sum, type ReduceParams } from './sum.js';
import { sc } from '../core/scalar.js';
import { reductionForm } from '../onnx/forms.js';

/** Shifts along the last axis by `s` (towards the end when `s > 0`), filling with 1. */
function shiftFillOne(p: AnyTensor, s: number): AnyTensor {
  const shape = p.shape as readonly number[];
  const n = shape[shape.length - 1]!;
  const lead = shape.slice(0, -1);
  const k = Math.abs(s);
  const begin = [...lead.map(() => 0), s > 0 ? 0 : k];
  const kept = slice(p, begin, [...lead, n - k] as never);
  const none: [number, number] = [0, 0];
  return pad(kept, [...lead.map(() => none), s > 0 ? [k, 0] : [0, k]] as never, 1);
}

/** Running product along the last axis, from the start (`dir = 1`) or from the end (`dir = -1`). */
function scanProduct(x: AnyTensor, dir: 1 | -1): AnyTensor {
  const n = x.shape[x.rank - 1]!;
  let p = x;
  for (let s = 1; s < n; s *= 2) p = mul(p, shiftFillOne(p, dir * s));
  return p;
}

/** `out_i = Π_{j ≠ i} x_j` over `axes` (same shape as `x`), without division. */
export function productOfOthers(x: AnyTensor, axes: readonly number[]): AnyTensor {
  const shape = x.shape as readonly number[];
  const keptAxes = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...keptAxes, ...axes];
  const moved = transpose(x, perm);
  const n = axes.reduce((m, a) => m * shape[a]!, 1);
  if (n === 0) return x;
  const flat: AnyTensor = reshape(moved, [...keptAxes.map((a) => shape[a]!), n] as never);
  const before = shiftFillOne(scanProduct(flat, 1), 1);
  const after = shiftFillOne(scanProduct(flat, -1), -1);
  return transpose(reshape(mul(before, after), moved.shape), inversePerm(perm));
}

export const prodPrimitive: Primitive<ReduceParams> = definePrimitive({
  lowering: { kind: 'reduce', init: 1, combine: (acc, x) => sc.mul(acc, x) },
  name: 'prod',
  onnx: reductionForm('ReduceProd', false),
  abstractEval([x], { axes, keepDims }) {
    requireDtype('prod', 'x', x!, ['float32', 'int32']);
    return { shape: reducedShape(x!.shape, axes, keepDims), dtype: x!.dtype };
  },
  // Reshape to the declared shape: tfjs-webgpu's prod ignores keepDims.
  // An empty product is 1 (tfjs-wasm's kernel returns freed memory there).
  impl: ([x], { axes, keepDims }) =>
    x!.size === 0 ? tf.ones(reducedShape(x!.shape, axes, keepDims), x!.dtype) : tf.reshape(tf.prod(x!, axes as number[]), reducedShape(x!.shape, axes, keepDims)),
  jvp([x], [t], params) {
    const y = apply1(prodPrimitive, [x!], params);
    if (!t) return [y, null];
    return [y, sum(mul(t, productOfOthers(x!, params.axes)), params.axes as number[], params.keepDims)];
  },
  batch: ([x], [d], { axes, keepDims }) => [apply1(prodPrimitive, [moveBatchToFront(x!, d!)], { axes: axes.map((a) => a + 1), keepDims }), 0],
  showParams: ({ axes, keepDims }) => `axes=[${axes.join(',')}]${keepDims ? ', keepDims' : ''}`,
});

/**
 * The product of elements over `axis` (a number, a list, or all axes when
 * omitted), keeping reduced axes as size 1 when `keepDims`. Its derivative is
 * exact with zeros in the input (no division by `x`).
 * @example
 * ```ts
 * fx.prod(fx.tensor([[1, 2], [3, 4]]), 1); // [2, 12]
 * ```
 * @public
 */
export function prod<S extends Shape, D extends Exclude<Dtype, 'bool'>, const A extends number | number[] | undefined = undefined, K extends boolean = false>(
  x: Tensor<S, D>,
  axis?: A & Checked<ReduceResult<S, A, K>>,
  keepDims?: K,
): Tensor<Reduce<S, A, K>, D> {
  return apply1(prodPrimitive, [x], { axes: reduceAxes('prod', x.rank, axis), keepDims: keepDims ?? false });
}
