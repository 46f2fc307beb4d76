/**
 * `conv2dBackpropInput`: the transpose of `conv2d` with respect to x —
 * given dy `[N, outH, outW, Cout]` and the filter, the `[N, H, W, Cin]` map
 * x ↦ ⟨dy, conv2d(x, filter)⟩ differentiates to (a transposed convolution).
 * Internal (no public function). Bilinear in (dy, filter); transposes:
 * dy ↦ conv2d(ct, filter) and filter ↦ conv2dBackpropFilter(ct, dy).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, TransformError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor } from '../core/tensor.js';
import { add } from './add.js';
import { conv2dGeometry, conv2dPrimitive, foldIntoImageBatch, perExample, type Conv2dParams } from './conv2d.js';
import { conv2dBackpropFilterPrimitive } from './conv2dBackpropFilter.js';
import { apply1, LinearInput, requireDtype, sameShape } from './define.js';
import { kernelOnly } from '../core/lowering.js';
import { emptyContraction, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';
import { HWIO_TO_OIHW, NCHW_TO_NHWC, NHWC_TO_NCHW, onnxConvPads } from './conv2d.js';

export interface Conv2dBackpropInputParams extends Conv2dParams {
  /** The shape of the convolution's input x. */
  readonly inputShape: readonly number[];
}

/**
 * True when every element of the tensors is finite: `Σ t·0` is 0 then and NaN
 * otherwise (one multiply, one sum and a synchronous read of one number each,
 * cheap next to a convolution on cpu/wasm).
 * @internal
 */
export function allFinite(...ts: tf.Tensor[]): boolean {
  return ts.every((t) => {
    const probe = tf.tidy(() => tf.sum(tf.mul(t, 0)));
    const zero = probe.dataSync()[0] === 0;
    probe.dispose();
    return zero;
  });
}

/**
 * The input gradient of a stride-1 convolution as a convolution: dy padded by
 * the complement of the forward padding, correlated with the filter flipped in
 * space and with in/out channels swapped. tfjs-wasm's Conv2DBackpropInput is a
 * direct loop, many times slower than its (XNNPACK) Conv2D on the same sizes.
 */
function backpropInputByConv(dy: tf.Tensor, filter: tf.Tensor, params: Conv2dBackpropInputParams): tf.Tensor {
  const [kh, kw] = filter.shape as [number, number, number, number];
  const { top, left } = conv2dGeometry('conv2dBackpropInput', params.inputShape, filter.shape, params);
  const [, h, w] = params.inputShape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  // dx[i] = Σ_k dy[i + k − (kh − 1 − top)] · W[kh − 1 − k]: pad kh − 1 − top before, and after what makes h rows.
  const [padTop, padLeft] = [kh - 1 - top, kw - 1 - left];
  const pads: [number, number][] = [[0, 0], [padTop, h - oh - padTop + kh - 1], [padLeft, w - ow - padLeft + kw - 1], [0, 0]];
  const padded = pads.some(([a, b]) => a !== 0 || b !== 0) ? tf.pad(dy, pads) : dy;
  const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2d(padded as tf.Tensor4D, flipped, 1, 'valid');
}

export const conv2dBackpropInputPrimitive: Primitive<Conv2dBackpropInputParams> = definePrimitive({
  lowering: kernelOnly('a convolution: the backend kernel (XNNPACK on wasm)'),
  name: 'conv2dBackpropInput',
  onnx: conv2dBackpropInputOnnx,
  abstractEval([dy, filter], params) {
    requireDtype('conv2dBackpropInput', 'dy', dy!, ['float32']);
    requireDtype('conv2dBackpropInput', 'filter', filter!, ['float32']);
    const { out } = conv2dGeometry('conv2dBackpropInput', params.inputShape, filter!.shape, params);
    if (!sameShape(out, dy!.shape)) {
      throw new ShapeError('conv2dBackpropInput', `dy has shape ${showShape(dy!.shape)} but a convolution of ${showShape(params.inputShape)} with filter ${showShape(filter!.shape)} gives ${showShape(out)}`);
    }
    return { shape: params.inputShape, dtype: 'float32' };
  },
  impl([dy, filter], params) {
    const { inputShape, strides, padding } = params;
    if (dy!.size === 0 || filter!.size === 0) return tf.zeros(inputShape as number[], 'float32');
    // XNNPACK's convolution can turn a NaN into −∞: values that are not all finite take tfjs's kernel.
    if (tf.getBackend() === 'wasm' && strides[0] === 1 && strides[1] === 1 && allFinite(dy!, filter!)) return backpropInputByConv(dy!, filter!, params);
    return tf.conv2dTranspose(dy as tf.Tensor4D, filter as tf.Tensor4D, inputShape as [number, number, number, number], strides as [number, number], padding);
  },
  batch: (args, [ddy, df], params) =>
    df === null
      ? foldIntoImageBatch(conv2dBackpropInputPrimitive, args, 0, ddy!, params, (size) => ({
          ...params,
          inputShape: [size * params.inputShape[0]!, ...params.inputShape.slice(1)],
        }))
      : perExample(conv2dBackpropInputPrimitive, args, [ddy ?? null, df ?? null], params),
  jvp([dy, filter], [tdy, tfilter], params) {
    const y = apply1(conv2dBackpropInputPrimitive, [dy!, filter!], params);
    const a = tdy ? apply1(conv2dBackpropInputPrimitive, [tdy, filter!], params) : null;
    const b = tfilter ? apply1(conv2dBackpropInputPrimitive, [dy!, tfilter], params) : null;
    return [y, a && b ? add(a as AnyTensor, b) : (a ?? b)];
  },
  transpose(ct, [dy, filter], { inputShape, ...conv }) {
    if (dy instanceof LinearInput && filter instanceof LinearInput) {
      throw new TransformError('conv2dBackpropInput: cannot transpose a product of two linear values (the program is not linear)');
    }
    return [
      dy instanceof LinearInput ? apply1(conv2dPrimitive, [ct, filter as AnyTensor], conv) : null,
      filter instanceof LinearInput ? apply1(conv2dBackpropFilterPrimitive, [ct, dy as AnyTensor], { ...conv, filterShape: filter.aval.shape }) : null,
    ];
  },
  showParams: ({ strides, padding, inputShape }) => `strides=[${strides.join(',')}], padding=${padding}, inputShape=[${inputShape.join(',')}]`,
});

/** ONNX: `ConvTranspose` of dy with the filter (NCHW/OIHW transposes), output_padding making up the exact input size. */
function conv2dBackpropInputOnnx(g: OnnxBuilder, eq: OnnxEquation<Conv2dBackpropInputParams>): void {
  if (emptyContraction(g, eq)) return;
  const [dy, filter] = eq.inputs as [string, string];
  const { inputShape, strides } = eq.params;
  const [kh, kw] = eq.inAvals[1]!.shape as [number, number];
  const [, oh, ow] = eq.inAvals[0]!.shape as [number, number, number];
  const [top, left, bottom, right] = onnxConvPads(eq.params, inputShape, eq.inAvals[1]!.shape);
  const outputPadding = [inputShape[1]! - (strides[0] * (oh - 1) + kh - top - bottom), inputShape[2]! - (strides[1] * (ow - 1) + kw - left - right)];
  const y = g.op('ConvTranspose', [g.op('Transpose', [dy], NHWC_TO_NCHW), g.op('Transpose', [filter], HWIO_TO_OIHW)], {
    strides: { ints: strides },
    pads: { ints: [top, left, bottom, right] },
    output_padding: { ints: outputPadding },
  });
  g.node('Transpose', [y], eq.outputs, NCHW_TO_NHWC);
}

/** The convolution form (stride 1), exported for tests that compare it with the tfjs kernel. @internal */
export const conv2dBackpropInputByConv = backpropInputByConv;
