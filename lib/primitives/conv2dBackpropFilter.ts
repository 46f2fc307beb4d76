/**
 * `conv2dBackpropFilter`: the transpose of `conv2d` with respect to the
 * filter — given x and dy, the `[kh, kw, Cin, Cout]` gradient of
 * f ↦ ⟨dy, conv2d(x, f)⟩. Internal (no public function). Bilinear in
 * (x, dy); transposes: dy ↦ conv2d(x, ct) and x ↦ conv2dBackpropInput(dy, ct).
 *
 * tfjs-wasm 4.22 has no Conv2DBackpropFilter kernel; there the impl runs it
 * as one dilated convolution of x by dy with batch and channels swapped
 * (`backpropFilterByConv`), or, when an input holds a non-finite value
 * (XNNPACK's convolution can turn NaN into −∞), gathers the input patches
 * with strided slices and contracts them with dy in one matmul (im2col).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, TransformError, showShape } from '../core/errors.js';
import { type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor } from '../core/tensor.js';
import { add } from './add.js';
import { conv2dGeometry, conv2dPrimitive, perExample, type Conv2dParams } from './conv2d.js';
import { allFinite, conv2dBackpropInputPrimitive } from './conv2dBackpropInput.js';
import { apply1, LinearInput, requireDtype, sameShape } from './define.js';
import { kernelOnly } from '../core/lowering.js';
import { emptyContraction, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';
import { onnxConvPads } from './conv2d.js';

export interface Conv2dBackpropFilterParams extends Conv2dParams {
  /** The shape of the convolution's filter. */
  readonly filterShape: readonly number[];
}

/** The filter gradient by im2col: patches of the padded x, contracted with dy over batch and positions. */
function backpropFilterByPatches(x: tf.Tensor, dy: tf.Tensor, params: Conv2dBackpropFilterParams): tf.Tensor {
  const [kh, kw, cin, cout] = params.filterShape as [number, number, number, number];
  const { out, top, bottom, left, right } = conv2dGeometry('conv2dBackpropFilter', x.shape, params.filterShape, params);
  const [n, oh, ow] = out as [number, number, number, number];
  const [sh, sw] = params.strides;
  const padded = tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  const patches: tf.Tensor[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      patches.push(tf.stridedSlice(padded, [0, i, j, 0], [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, cin], [1, sh, sw, 1]));
    }
  }
  const positions = n * oh * ow;
  const cols = tf.reshape(tf.concat(patches, -1), [positions, kh * kw * cin]);
  // Explicit transpose + plain matMul: matMul's transposeA is slow on wasm.
  const grad = tf.matMul(tf.transpose(cols), tf.reshape(dy, [positions, cout]));
  return tf.reshape(grad, [kh, kw, cin, cout]);
}

/**
 * The filter gradient as one convolution (backends without the kernel: wasm):
 * `dW[i, j, c, o] = Σ_{n,p,q} xpad[n, p·sh + i, q·sw + j, c] · dy[n, p, q, o]`
 * is a convolution of x with its channels as the batch and its batch as the
 * channels (`[cin, H, W, n]`) by dy as the filter (`[oh, ow, n, cout]`),
 * dilated by the strides. On wasm that runs as XNNPACK's convolution, far
 * faster than gathering the patches with strided slices and a concat.
 */
function backpropFilterByConv(x: tf.Tensor, dy: tf.Tensor, params: Conv2dBackpropFilterParams): tf.Tensor {
  const [kh, kw] = params.filterShape as [number, number, number, number];
  const { out, top, bottom, left, right } = conv2dGeometry('conv2dBackpropFilter', x.shape, params.filterShape, params);
  const [, oh, ow] = out as [number, number, number, number];
  const [sh, sw] = params.strides;
  let padded = top + bottom + left + right > 0 ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
  // Rows and columns past the last window ('valid' with a remainder) take no part.
  const [hp, wp] = [(oh - 1) * sh + kh, (ow - 1) * sw + kw];
  if (padded.shape[1] !== hp || padded.shape[2] !== wp) padded = tf.slice(padded, [0, 0, 0, 0], [-1, hp, wp, -1]);
  const images = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D;
  const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
  const grad = tf.conv2d(images, filter, 1, 'valid', 'NHWC', [sh, sw]); // [cin, kh, kw, cout]
  return tf.transpose(grad, [1, 2, 0, 3]);
}

export const conv2dBackpropFilterPrimitive: Primitive<Conv2dBackpropFilterParams> = definePrimitive({
  lowering: kernelOnly('a convolution: the backend kernel (XNNPACK on wasm)'),
  name: 'conv2dBackpropFilter',
  onnx: conv2dBackpropFilterOnnx,
  abstractEval([x, dy], params) {
    requireDtype('conv2dBackpropFilter', 'x', x!, ['float32']);
    requireDtype('conv2dBackpropFilter', 'dy', dy!, ['float32']);
    const { out } = conv2dGeometry('conv2dBackpropFilter', x!.shape, params.filterShape, params);
    if (!sameShape(out, dy!.shape)) {
      throw new ShapeError('conv2dBackpropFilter', `dy has shape ${showShape(dy!.shape)} but a convolution of x ${showShape(x!.shape)} with a filter ${showShape(params.filterShape)} gives ${showShape(out)}`);
    }
    return { shape: params.filterShape, dtype: 'float32' };
  },
  impl([x, dy], params) {
    // A sum over no examples or no output positions is zeros (tfjs-wasm's path read uninitialized memory).
    if (x!.size === 0 || dy!.size === 0) return tf.zeros(params.filterShape as number[], 'float32');
    if (!tf.getKernel('Conv2DBackpropFilter', tf.getBackend())) {
      // XNNPACK's convolution can turn a NaN into −∞: values that are not all finite take the im2col path.
      return allFinite(x!, dy!) ? backpropFilterByConv(x!, dy!, params) : backpropFilterByPatches(x!, dy!, params);
    }
    const attrs = { strides: params.strides, pad: params.padding, dataFormat: 'NHWC', filterShape: params.filterShape };
    return tf.engine().runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! }, attrs as never) as tf.Tensor;
  },
  // vmap: the filter gradient sums over the image batch, so examples cannot be folded into it.
  batch: (args, dims, params) => perExample(conv2dBackpropFilterPrimitive, args, dims, params),
  jvp([x, dy], [tx, tdy], params) {
    const y = apply1(conv2dBackpropFilterPrimitive, [x!, dy!], params);
    const a = tx ? apply1(conv2dBackpropFilterPrimitive, [tx, dy!], params) : null;
    const b = tdy ? apply1(conv2dBackpropFilterPrimitive, [x!, tdy], params) : null;
    return [y, a && b ? add(a as AnyTensor, b) : (a ?? b)];
  },
  transpose(ct, [x, dy], { filterShape, ...conv }) {
    if (x instanceof LinearInput && dy instanceof LinearInput) {
      throw new TransformError('conv2dBackpropFilter: cannot transpose a product of two linear values (the program is not linear)');
    }
    return [
      x instanceof LinearInput ? apply1(conv2dBackpropInputPrimitive, [dy as AnyTensor, ct], { ...conv, inputShape: x.aval.shape }) : null,
      dy instanceof LinearInput ? apply1(conv2dPrimitive, [x as AnyTensor, ct], conv) : null,
    ];
  },
  showParams: ({ strides, padding, filterShape }) => `strides=[${strides.join(',')}], padding=${padding}, filterShape=[${filterShape.join(',')}]`,
});

/** The convolution and im2col forms, exported for tests that compare them with the tfjs kernel. @internal */
export const conv2dBackpropFilterByConv = backpropFilterByConv;
/** @internal */
export const conv2dBackpropFilterByPatches = backpropFilterByPatches;

/** ONNX: a `Conv` of x (channels as batch) with dy (as the filter) dilated by the strides, cropped to the filter size. */
function conv2dBackpropFilterOnnx(g: OnnxBuilder, eq: OnnxEquation<Conv2dBackpropFilterParams>): void {
  if (emptyContraction(g, eq)) return;
  const [x, dy] = eq.inputs as [string, string];
  const { filterShape, strides } = eq.params;
  const [kh, kw] = filterShape as [number, number];
  const pads = onnxConvPads(eq.params, eq.inAvals[0]!.shape, filterShape);
  const full = g.op('Conv', [g.op('Transpose', [x], { perm: { ints: [3, 0, 1, 2] } }), g.op('Transpose', [dy], { perm: { ints: [3, 0, 1, 2] } })], { dilations: { ints: strides }, pads: { ints: pads } });
  const cropped = g.op('Slice', [full, g.ints([0, 0]), g.ints([kh, kw]), g.ints([2, 3])]);
  g.node('Transpose', [cropped], eq.outputs, { perm: { ints: [2, 3, 0, 1] } });
}
