/**
 * `conv2d`: 2-D convolution (cross-correlation, as in TensorFlow), NHWC:
 * x `[N, H, W, Cin]`, filter `[kh, kw, Cin, Cout]`, `padding` 'same' or
 * 'valid'. Bilinear: linear in x for a fixed filter and in the filter for a
 * fixed x, so jvp = conv2d(tx, f) + conv2d(x, tf), and the transposes are the
 * two backprop primitives `conv2dBackpropInput` and `conv2dBackpropFilter`,
 * each linear with its own transposes, which closes the family under
 * differentiation to any order.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dim } from '../../typelevel/index.js';
import { ShapeError, TransformError, showShape } from '../core/errors.js';
import { type BatchDim, type Params, type Primitive, definePrimitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { add } from './add.js';
import { moveBatchToFront } from './batching.js';
import { concat } from './concat.js';
import { apply1, LinearInput, requireDtype } from './define.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { conv2dBackpropFilterPrimitive } from './conv2dBackpropFilter.js';
import { conv2dBackpropInputPrimitive } from './conv2dBackpropInput.js';
import { kernelOnly } from '../core/lowering.js';
import { emptyContraction, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';

/** Padding of a convolution, TensorFlow's two schemes. @public */
export type Conv2dPadding = 'same' | 'valid';

export interface Conv2dParams extends Record<string, unknown> {
  readonly strides: readonly [number, number];
  readonly padding: Conv2dPadding;
}

/** The output shape and padding of a convolution; throws a `ShapeError` naming `op` and the shapes. */
export function conv2dGeometry(
  op: string,
  x: readonly number[],
  filter: readonly number[],
  { strides, padding }: Conv2dParams,
): { out: number[]; top: number; bottom: number; left: number; right: number } {
  if (x.length !== 4) throw new ShapeError(op, `x must be NHWC [batch, height, width, channels], got ${showShape(x)}`);
  if (filter.length !== 4) throw new ShapeError(op, `filter must be [height, width, inChannels, outChannels], got ${showShape(filter)}`);
  const [n, h, w, c] = x as [number, number, number, number];
  const [kh, kw, cin, cout] = filter as [number, number, number, number];
  if (c !== cin) throw new ShapeError(op, `x has ${c} channels but the filter expects ${cin} (x ${showShape(x)}, filter ${showShape(filter)})`);
  const [sh, sw] = strides;
  let oh: number;
  let ow: number;
  if (padding === 'same') {
    oh = Math.ceil(h / sh);
    ow = Math.ceil(w / sw);
  } else {
    oh = Math.ceil((h - kh + 1) / sh);
    ow = Math.ceil((w - kw + 1) / sw);
  }
  if (!(oh >= 1 && ow >= 1 && kh >= 1 && kw >= 1)) {
    throw new ShapeError(op, `the filter ${showShape(filter)} does not fit in x ${showShape(x)} with padding '${padding}' and strides [${sh}, ${sw}]`);
  }
  const padH = padding === 'same' ? Math.max((oh - 1) * sh + kh - h, 0) : 0;
  const padW = padding === 'same' ? Math.max((ow - 1) * sw + kw - w, 0) : 0;
  const top = Math.floor(padH / 2);
  const left = Math.floor(padW / 2);
  return { out: [n, oh, ow, cout], top, bottom: padH - top, left, right: padW - left };
}

/** Normalizes and checks `strides` and `padding` (the public arguments). */
export function conv2dParams(op: string, strides: number | readonly [number, number], padding: Conv2dPadding): Conv2dParams {
  const s = (typeof strides === 'number' ? [strides, strides] : strides) as [number, number];
  if (s.length !== 2 || !s.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new ShapeError(op, `strides must be a positive integer or a pair of them, got ${JSON.stringify(strides)}`);
  }
  if (padding !== 'same' && padding !== 'valid') throw new ShapeError(op, `padding must be 'same' or 'valid', got ${JSON.stringify(padding)}`);
  return { strides: [s[0], s[1]], padding };
}

/**
 * vmap for the convolution family when the vmapped axis can be folded into
 * the image batch N: input `i` is the only batched one; it is reshaped to
 * `[B·N, ...]`, the primitive applied (with `params` adjusted by `fold`), and
 * the result unfolded to `[B, N, ...]`.
 */
export function foldIntoImageBatch(
  prim: Primitive,
  args: readonly AnyTensor[],
  i: number,
  dim: number,
  params: Params,
  fold: (size: number) => Params = () => params,
): [AnyTensor, BatchDim] {
  const front = moveBatchToFront(args[i]!, dim);
  const [size, ...example] = front.shape as number[];
  const folded = args.slice();
  folded[i] = reshape(front, [size! * example[0]!, ...example.slice(1)]);
  const out = apply1(prim, folded, fold(size!)) as AnyTensor;
  return [reshape(out, [size!, out.shape[0] / size!, ...out.shape.slice(1)]), 0];
}

/**
 * vmap by running the primitive once per example and stacking (for batched
 * filters, which no tfjs kernel takes per example).
 */
export function perExample(prim: Primitive, args: readonly AnyTensor[], dims: readonly BatchDim[], params: Params): [AnyTensor, BatchDim] {
  const fronts = args.map((x, i) => (dims[i] === null ? x : moveBatchToFront(x, dims[i]!)));
  const at = dims.findIndex((d) => d !== null);
  const size = fronts[at]!.shape[0]!;
  const outs: AnyTensor[] = [];
  for (let b = 0; b < size; b++) {
    const example = fronts.map((x, i) => {
      if (dims[i] === null) return x;
      const one = slice(x, x.shape.map((_: number, j: number) => (j === 0 ? b : 0)), x.shape.map((d: number, j: number) => (j === 0 ? 1 : d)));
      return reshape(one, x.shape.slice(1));
    });
    const out = apply1(prim, example, params) as AnyTensor;
    outs.push(reshape(out, [1, ...out.shape]));
  }
  return [concat(outs, 0) as AnyTensor, 0];
}

export const conv2dPrimitive: Primitive<Conv2dParams> = definePrimitive({
  lowering: kernelOnly('a convolution: the backend kernel (XNNPACK on wasm)'),
  name: 'conv2d',
  onnx: conv2dOnnx,
  abstractEval([x, filter], params) {
    requireDtype('conv2d', 'x', x!, ['float32']);
    requireDtype('conv2d', 'filter', filter!, ['float32']);
    return { shape: conv2dGeometry('conv2d', x!.shape, filter!.shape, params).out, dtype: 'float32' };
  },
  impl: ([x, filter], { strides, padding }) => tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, strides as [number, number], padding),
  batch: (args, [dx, df], params) =>
    df === null ? foldIntoImageBatch(conv2dPrimitive, args, 0, dx!, params) : perExample(conv2dPrimitive, args, [dx ?? null, df ?? null], params),
  jvp([x, filter], [tx, tfilter], params) {
    const y = apply1(conv2dPrimitive, [x!, filter!], params);
    const dx = tx ? apply1(conv2dPrimitive, [tx, filter!], params) : null;
    const df = tfilter ? apply1(conv2dPrimitive, [x!, tfilter], params) : null;
    return [y, dx && df ? add(dx as AnyTensor, df) : (dx ?? df)];
  },
  transpose(ct, [x, filter], params) {
    if (x instanceof LinearInput && filter instanceof LinearInput) {
      throw new TransformError('conv2d: cannot transpose a convolution of two linear values (the program is not linear)');
    }
    return [
      x instanceof LinearInput ? apply1(conv2dBackpropInputPrimitive, [ct, filter as AnyTensor], { ...params, inputShape: x.aval.shape }) : null,
      filter instanceof LinearInput ? apply1(conv2dBackpropFilterPrimitive, [x as AnyTensor, ct], { ...params, filterShape: filter.aval.shape }) : null,
    ];
  },
  showParams: ({ strides, padding }) => `strides=[${strides.join(',')}], padding=${padding}`,
});

/**
 * 2-D convolution (cross-correlation, TensorFlow convention) in NHWC layout:
 * `x` `[N, H, W, Cin]`, `filter` `[kh, kw, Cin, Cout]`, `strides` a number or
 * `[sh, sw]`, `padding` `'same'` (output `ceil(H / sh)`) or `'valid'` (no
 * padding). Returns `[N, outH, outW, Cout]`. Differentiable in both `x` and
 * `filter`, to any order.
 * @example
 * ```ts
 * fx.conv2d(fx.ones([1, 5, 5, 3]), fx.ones([3, 3, 3, 8]), 1, 'same'); // Tensor<[1, number, number, 8]>
 * ```
 * @public
 */
export function conv2d<N extends Dim, H extends Dim, W extends Dim, C extends Dim, KH extends Dim, KW extends Dim, CO extends Dim>(
  x: Tensor<[N, H, W, C], 'float32'>,
  filter: Tensor<[KH, KW, NoInfer<C>, CO], 'float32'>,
  strides: number | readonly [number, number],
  padding: Conv2dPadding,
): Tensor<[N, number, number, CO], 'float32'> {
  return apply1(conv2dPrimitive, [x, filter], conv2dParams('conv2d', strides, padding));
}

/** NHWC ↔ NCHW and HWIO → OIHW around ONNX's channels-first convolutions. */
export const NHWC_TO_NCHW = { perm: { ints: [0, 3, 1, 2] } };
export const NCHW_TO_NHWC = { perm: { ints: [0, 2, 3, 1] } };
export const HWIO_TO_OIHW = { perm: { ints: [3, 2, 0, 1] } };

/** ONNX's `pads` (top, left, bottom, right) of TensorFlow's 'same'/'valid' padding. */
export function onnxConvPads(params: Conv2dParams, x: readonly number[], filter: readonly number[]): [number, number, number, number] {
  const { top, bottom, left, right } = conv2dGeometry('conv2d', x, filter, params);
  return [top, left, bottom, right];
}

/** ONNX: `Conv` on transposed operands, explicit pads. */
function conv2dOnnx(g: OnnxBuilder, eq: OnnxEquation<Conv2dParams>): void {
  if (emptyContraction(g, eq)) return;
  const [x, filter] = eq.inputs as [string, string];
  const pads = onnxConvPads(eq.params, eq.inAvals[0]!.shape, eq.inAvals[1]!.shape);
  const y = g.op('Conv', [g.op('Transpose', [x], NHWC_TO_NCHW), g.op('Transpose', [filter], HWIO_TO_OIHW)], { strides: { ints: eq.params.strides }, pads: { ints: pads } });
  g.node('Transpose', [y], eq.outputs, NCHW_TO_NHWC);
}
