import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose, testBackends } from '../testing/backends.js';
import { conv2dBackpropFilterByConv, conv2dBackpropFilterByPatches } from './conv2dBackpropFilter.js';
import { conv2dBackpropInputByConv } from './conv2dBackpropInput.js';

type T = fx.Tensor;
const conv2d = fx.conv2d as unknown as (x: T, f: T, strides: number | [number, number], padding: fx.Conv2dPadding) => T;
const reshape = fx.reshape as unknown as (x: T, shape: number[]) => T;
const slice = fx.slice as unknown as (x: T, begin: number[], size: number[]) => T;
const grad = fx.grad as unknown as (f: (...args: T[]) => T) => (...args: T[]) => T;
const vmap = fx.vmap as unknown as (f: (...args: T[]) => T, options?: fx.VmapOptions) => (...args: T[]) => T;

/** Deterministic, non-symmetric values of a given shape. */
function values(shape: number[], phase: number): T {
  const n = shape.reduce((p, d) => p * d, 1);
  return reshape(fx.tensor(Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + phase))), shape);
}

describeEachBackend('conv2d', () => {
  it('computes a 3×3 image with a 2×2 filter by hand, valid and same padding', async () => {
    // x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], filter = [[1, 0], [0, -1]] (one channel in and out).
    const x = fx.reshape(fx.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 3, 3, 1]);
    const f = fx.reshape(fx.tensor([1, 0, 0, -1]), [2, 2, 1, 1]);
    await expectClose(fx.conv2d(x, f, 1, 'valid'), [[[[-4], [-4]], [[-4], [-4]]]]);
    // 'same' pads one row and column at the bottom/right (TensorFlow puts the odd pixel after).
    await expectClose(fx.conv2d(x, f, 1, 'same'), [[[[-4], [-4], [3]], [[-4], [-4], [6]], [[7], [8], [9]]]]);
    // Stride 2, same: output ceil(3/2) = 2 per side.
    await expectClose(fx.conv2d(x, f, 2, 'same'), [[[[-4], [3]], [[7], [9]]]]);
  });

  it('sums over input channels and maps to output channels', async () => {
    const x = fx.ones([1, 2, 2, 2]);
    const f = fx.reshape(fx.tensor([1, 2, 3, 4]), [1, 1, 2, 2]); // out0 = c0 + 3·c1, out1 = 2·c0 + 4·c1
    const y = fx.conv2d(x, f, 1, 'valid');
    expect(y.shape).toEqual([1, 2, 2, 2]);
    await expectClose(y, [[[[4, 6], [4, 6]], [[4, 6], [4, 6]]]]);
  });

  it('derivatives in x and filter match finite differences to order 2: stride 1, same', async () => {
    await fx.checkGradsAsync((a, b) => conv2d(a, b, 1, 'same'), [values([1, 3, 3, 2], 0), values([2, 2, 2, 1], 1)], { order: 2 });
  });

  it('derivatives in x and filter match finite differences to order 2: strides [2, 1], valid', async () => {
    await fx.checkGradsAsync((a, b) => conv2d(a, b, [2, 1], 'valid'), [values([1, 4, 3, 1], 0), values([2, 2, 1, 2], 1)], { order: 2 });
  });

  it('grad with respect to x of Σ conv2d(x, f) counts how often each pixel is used', async () => {
    const g = fx.grad((x: fx.Tensor<[1, 3, 3, 1], 'float32'>) => fx.sum(fx.conv2d(x, fx.ones([2, 2, 1, 1]), 1, 'valid')))(fx.zeros([1, 3, 3, 1]));
    await expectClose(g, [[[[1], [2], [1]], [[2], [4], [2]], [[1], [2], [1]]]]);
  });

  it('under vmap: batched images share a filter; batched filters run per example', async () => {
    const xs = values([2, 1, 3, 3, 1], 0); // two examples of [1, 3, 3, 1]
    const f = values([2, 2, 1, 2], 1);
    const got = vmap((x) => conv2d(x, f, 1, 'same'))(xs);
    await expectClose(got, await reshape(conv2d(reshape(xs, [2, 3, 3, 1]), f, 1, 'same'), [2, 1, 3, 3, 2]).array());
    const fs = values([2, 2, 2, 1, 2], 2);
    const x = values([1, 3, 3, 1], 3);
    const perFilter = vmap((g) => conv2d(x, g, 1, 'valid'))(fs);
    for (let b = 0; b < 2; b++) {
      const g = reshape(slice(fs, [b, 0, 0, 0, 0], [1, 2, 2, 1, 2]), [2, 2, 1, 2]);
      await expectClose(slice(perFilter, [b, 0, 0, 0, 0], [1, 1, 2, 2, 2]), await reshape(conv2d(x, g, 1, 'valid'), [1, 1, 2, 2, 2]).array());
    }
  });

  it('per-example filter gradients: vmap(grad) over images', async () => {
    const f = values([2, 2, 1, 1], 1);
    const loss = (g: T, x: T) => fx.sum(fx.square(conv2d(x, g, 1, 'valid') as fx.Tensor<number[], 'float32'>)) as T;
    const xs = values([2, 1, 3, 3, 1], 0);
    const perExample = vmap(grad(loss), { inAxes: [null, 0] })(f, xs);
    expect(perExample.shape).toEqual([2, 2, 2, 1, 1]);
    for (let b = 0; b < 2; b++) {
      const one = grad(loss)(f, reshape(slice(xs, [b, 0, 0, 0, 0], [1, 1, 3, 3, 1]), [1, 3, 3, 1]));
      await expectClose(slice(perExample, [b, 0, 0, 0, 0], [1, 2, 2, 1, 1]), await reshape(one, [1, 2, 2, 1, 1]).array(), 1e-3);
    }
  });

  it('shape errors name the op and the shapes', () => {
    expect(() => conv2d(fx.zeros([1, 4, 4, 3]) as T, fx.zeros([2, 2, 2, 1]) as T, 1, 'same')).toThrow(
      /shape error in conv2d: x has 3 channels but the filter expects 2 \(x \[1, 4, 4, 3\], filter \[2, 2, 2, 1\]\)/,
    );
    expect(() => conv2d(fx.zeros([4, 4, 3]) as T, fx.zeros([2, 2, 3, 1]) as T, 1, 'same')).toThrow(/shape error in conv2d: x must be NHWC .* got \[4, 4, 3\]/);
    expect(() => conv2d(fx.zeros([1, 2, 2, 1]) as T, fx.zeros([3, 3, 1, 1]) as T, 1, 'valid')).toThrow(/does not fit in x \[1, 2, 2, 1\] with padding 'valid'/);
    expect(() => conv2d(fx.zeros([1, 2, 2, 1]) as T, fx.zeros([1, 1, 1, 1]) as T, 0, 'valid')).toThrow(/strides must be a positive integer/);
  });
});

/** The convolution forms run where they are used (wasm) and on cpu, against the cpu kernel's values. */
const convBackends = testBackends.filter((b) => b === 'cpu' || b === 'wasm');
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('conv2dBackpropFilter without a tfjs kernel (wasm) is one dilated convolution (im2col for non-finite values), which match the kernel', () => {
  it('agrees with the cpu kernel for same/valid padding and strides 1–3', async () => {
    await fx.setBackend('cpu');
    for (const [h, w, kh, kw, s, padding] of [
      [5, 5, 3, 3, 1, 'same'],
      [5, 4, 2, 3, 2, 'same'],
      [6, 5, 3, 2, 2, 'valid'],
      [7, 7, 3, 3, 3, 'valid'],
    ] as const) {
      const x = tf.randomUniform([2, h, w, 3], -1, 1, 'float32', 1);
      const y = tf.conv2d(x as tf.Tensor4D, tf.zeros([kh, kw, 3, 4]) as tf.Tensor4D, s, padding);
      const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 2);
      const params = { strides: [s, s] as [number, number], padding, filterShape: [kh, kw, 3, 4] };
      const kernel = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...params, pad: padding, dataFormat: 'NHWC' } as never) as tf.Tensor;
      const want = kernel.dataSync();
      const [xs, dys] = [x.dataSync(), dy.dataSync()];
      for (const backend of convBackends) {
        await fx.setBackend(backend);
        for (const form of [conv2dBackpropFilterByConv, conv2dBackpropFilterByPatches]) {
          const got = form(tf.tensor(xs, x.shape), tf.tensor(dys, dy.shape), params);
          expect(got.shape).toEqual([kh, kw, 3, 4]);
          expect(maxDiff(got.dataSync(), want), `${form.name} ${backend} ${[h, w, kh, kw, s, padding]}`).toBeLessThan(1e-4);
        }
      }
      await fx.setBackend('cpu');
    }
  });
});

describe('conv2dBackpropInput at stride 1 on wasm is a convolution by the flipped filter, which matches the kernel', () => {
  it('agrees with the cpu kernel for same/valid padding, odd and even filters', async () => {
    await fx.setBackend('cpu');
    for (const [h, w, kh, kw, padding] of [
      [5, 5, 3, 3, 'same'],
      [5, 4, 2, 3, 'same'],
      [6, 5, 3, 2, 'valid'],
      [4, 4, 4, 4, 'same'],
    ] as const) {
      const inputShape = [2, h, w, 3] as [number, number, number, number];
      const filter = tf.randomUniform([kh, kw, 3, 4], -1, 1, 'float32', 3) as tf.Tensor4D;
      const y = tf.conv2d(tf.zeros(inputShape) as tf.Tensor4D, filter, 1, padding);
      const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 4) as tf.Tensor4D;
      const want = tf.conv2dTranspose(dy, filter, inputShape, 1, padding).dataSync();
      const [dys, fs] = [dy.dataSync(), filter.dataSync()];
      for (const backend of convBackends) {
        await fx.setBackend(backend);
        const byConv = conv2dBackpropInputByConv(tf.tensor(dys, dy.shape), tf.tensor(fs, filter.shape), { strides: [1, 1], padding, inputShape });
        expect(byConv.shape).toEqual(inputShape);
        expect(maxDiff(byConv.dataSync(), want), `${backend} ${[h, w, kh, kw, padding]}`).toBeLessThan(1e-4);
      }
      await fx.setBackend('cpu');
    }
  });
});
