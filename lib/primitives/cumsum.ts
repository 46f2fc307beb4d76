/**
 * `cumsum`: running sums along one axis, optionally exclusive (each output
 * leaves out its own element) and/or reversed (sums run from the end).
 * Linear; the transpose of a running sum is the running sum in the other
 * direction with the same exclusivity: `x̄_j = Σ_{i ≥ j} ȳ_i` for the
 * inclusive forward sum `y_i = Σ_{j ≤ i} x_j`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Dtype, ReduceResult, Shape } from '../../typelevel/index.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { moveBatchToFront } from './batching.js';
import { apply1, normalizeAxis, requireDtype } from './define.js';
import { reshape } from './reshape.js';
import { scoped } from '../core/memory.js';
import { kernelOnly } from '../core/lowering.js';
import type { OnnxBuilder, OnnxEquation } from '../onnx/forms.js';

export interface CumsumParams extends Record<string, unknown> {
  readonly axis: number;
  readonly exclusive: boolean;
  readonly reverse: boolean;
}

export const cumsumPrimitive: Primitive<CumsumParams> = definePrimitive({
  lowering: kernelOnly('a scan along an axis: tfjs kernel'),
  name: 'cumsum',
  onnx: cumsumOnnx,
  abstractEval([x]) {
    requireDtype('cumsum', 'x', x!, ['float32', 'int32']);
    return { shape: x!.shape, dtype: x!.dtype };
  },
  impl: ([x], { axis, exclusive, reverse }) => tf.cumsum(x!, axis, exclusive, reverse),
  jvp([x], [t], params) {
    const y = apply1(cumsumPrimitive, [x!], params);
    return [y, t ? apply1(cumsumPrimitive, [t], params) : null];
  },
  batch: ([x], [d], params) => [apply1(cumsumPrimitive, [moveBatchToFront(x!, d!)], { ...params, axis: params.axis + 1 }), 0],
  transpose: (ct, _inputs, params) => [apply1(cumsumPrimitive, [ct], { ...params, reverse: !params.reverse })],
  showParams: ({ axis, exclusive, reverse }) => `axis=${axis}${exclusive ? ', exclusive' : ''}${reverse ? ', reverse' : ''}`,
});

/**
 * Running sums along `axis`. With no axis the tensor is flattened first (as
 * in NumPy), giving a 1-D result. `exclusive` leaves each element out of its
 * own sum (the first output is 0); `reverse` sums from the end of the axis.
 * Linear, so its derivative is itself (transpose: the reversed running sum).
 * @example
 * ```ts
 * fx.cumsum(fx.tensor([1, 2, 3]));             // [1, 3, 6]
 * fx.cumsum(fx.tensor([1, 2, 3]), 0, true);    // [0, 1, 3]
 * ```
 * @public
 */
export function cumsum<S extends Shape, D extends Exclude<Dtype, 'bool'>>(x: Tensor<S, D>, axis?: undefined, exclusive?: boolean, reverse?: boolean): Tensor<[number], D>;
/** @public */
export function cumsum<S extends Shape, D extends Exclude<Dtype, 'bool'>, const A extends number = number>(x: Tensor<S, D>, axis: A & Checked<ReduceResult<S, A>>, exclusive?: boolean, reverse?: boolean): Tensor<S, D>;
export function cumsum(x: AnyTensor, axis?: number, exclusive = false, reverse = false): AnyTensor {
  if (axis === undefined) {
    // A scope frees the flattened handle (reshape never aliases its input, even to the same shape).
    return scoped(() => apply1(cumsumPrimitive, [reshape(x, [x.size])], { axis: 0, exclusive, reverse }));
  }
  return apply1(cumsumPrimitive, [x], { axis: normalizeAxis('cumsum', axis, x.rank), exclusive, reverse });
}

/** ONNX: `CumSum` along the axis with its `exclusive`/`reverse` flags. */
function cumsumOnnx(g: OnnxBuilder, eq: OnnxEquation<CumsumParams>): void {
  const { axis, exclusive, reverse } = eq.params;
  g.node('CumSum', [eq.inputs[0]!, g.int(axis)], eq.outputs, { exclusive: { int: exclusive ? 1 : 0 }, reverse: { int: reverse ? 1 : 0 } });
}
