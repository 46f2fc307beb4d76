/**
 * Shape ops follow the `typelevel/` rules: reshape checks element counts
 * (digit by digit, so MNIST-sized products work) and resolves `-1`;
 * reductions take positional axes (negative from the end) and `keepDims`.
 */
import { expectType } from 'tsd';
import * as fx from '../dist/lib/index.js';
import type { Tensor } from '../dist/lib/index.js';

type F32<S extends fx.Shape> = Tensor<S, 'float32'>;
declare const a23: F32<[2, 3]>;
declare const a234: F32<[2, 3, 4]>;
declare const images: F32<[60000, 28, 28]>;
declare const idx: Tensor<[5], 'int32'>;

// reshape
expectType<F32<[3, 2]>>(fx.reshape(a23, [3, 2]));
expectType<F32<[6, 4]>>(fx.reshape(a234, [-1, 4]));
expectType<F32<[24]>>(fx.reshape(a234, [-1]));
expectType<F32<[60000, 784]>>(fx.reshape(images, [-1, 784]));
expectType<F32<[number, 2]>>(fx.reshape(fx.zeros([2, 3]) as F32<[number, 3]>, [-1, 2]));
// @ts-expect-error shape error: cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)
fx.reshape(a23, [4, 2]);
// @ts-expect-error shape error: cannot reshape [2, 3] (6 elements) to [-1, 4] (6 is not a multiple of 4)
fx.reshape(a23, [-1, 4]);
// @ts-expect-error shape error: at most one reshape dim may be -1, got [-1, -1]
fx.reshape(a23, [-1, -1]);
// @ts-expect-error shape error: cannot reshape [60000, 28, 28] (47040000 elements) to [60000, 785] (47100000 elements)
fx.reshape(images, [60000, 785]);

export function flatten<B extends number>(x: F32<[B, 28, 28]>) {
  expectType<F32<[B, 784]>>(fx.reshape(x, [x.shape[0], 784]));
  // A leading -1 that takes exactly the leading dim keeps it (issue #22).
  expectType<F32<[B, 784]>>(fx.reshape(x, [-1, 784]));
  expectType<F32<[number, 392]>>(fx.reshape(x, [-1, 392]));
}

// reductions
expectType<F32<[2]>>(fx.sum(a23, 1));
expectType<F32<[]>>(fx.sum(a23));
expectType<F32<[2, 1]>>(fx.sum(a23, -1, true));
expectType<F32<[3]>>(fx.sum(a234, [0, -1]));
expectType<F32<[2, 4]>>(fx.mean(a234, 1));
expectType<F32<[1, 1, 1]>>(fx.max(a234, undefined, true));
expectType<Tensor<[2], 'int32'>>(fx.argmax(a23, 1));
expectType<Tensor<[3], 'int32'>>(fx.argmin(a23, 0));
// @ts-expect-error shape error: axis 2 is out of range for a tensor of rank 2
fx.sum(a23, 2);
// @ts-expect-error shape error: axis -3 is out of range for a tensor of rank 2
fx.mean(a23, -3);

// transpose, concat, stack, slice, expandDims, squeeze, take
expectType<F32<[3, 2]>>(fx.transpose(a23));
expectType<F32<[2, 4, 3]>>(fx.transpose(a234, [0, 2, 1]));
// @ts-expect-error shape error: perm [0, 0] is not a permutation of the 2 axes
fx.transpose(a23, [0, 0]);
expectType<F32<[4, 3]>>(fx.concat([a23, a23]));
expectType<F32<[2, 6]>>(fx.concat([a23, a23], 1));
expectType<F32<[2, 9]>>(fx.concat([a23, a23, a23], -1));
// @ts-expect-error shape error: cannot concat [2, 3] with [2, 3, 4] along axis 0
fx.concat([a23, a234]);
expectType<F32<[3, 2, 3]>>(fx.stack([a23, a23, a23]));
expectType<F32<[2, 3, 2]>>(fx.stack([a23, a23], -1));
expectType<F32<[1, 2]>>(fx.slice(a23, [1, 0], [1, 2]));
expectType<F32<[2, 3]>>(fx.slice(a23, [0, 0], [-1, -1]));
// @ts-expect-error shape error: slice begin [1, 0] size [2, 3] does not fit in [2, 3]
fx.slice(a23, [1, 0], [2, 3]);
expectType<F32<[2, 1, 3]>>(fx.expandDims(a23, 1));
expectType<F32<[2, 3, 1]>>(fx.expandDims(a23, -1));
expectType<F32<[3]>>(fx.squeeze(fx.zeros([1, 3, 1])));
expectType<F32<[1, 3]>>(fx.squeeze(fx.zeros([1, 3, 1]), -1));
// @ts-expect-error shape error: cannot squeeze axes [0] of [2, 3]
fx.squeeze(a23, 0);
expectType<F32<[5, 3]>>(fx.take(a23, idx));
expectType<F32<[2, 5]>>(fx.take(a23, idx, 1));
expectType<F32<[2]>>(fx.take(a23, 0, 1));
// A bad call says what is wrong: the rank of slice's begin and size, take's axis,
// the shape broadcastTo cannot reach (issue #22).
// @ts-expect-error shape error: slice begin [0] and size [1] must both have rank 2 (x [2, 3])
fx.slice(a23, [0], [1]);
// @ts-expect-error shape error: axis 2 is out of range for a tensor of rank 2
fx.take(a23, idx, 2);
// @ts-expect-error shape error: axis -3 is out of range for a tensor of rank 2
fx.take(a23, 0, -3);
expectType<F32<[4, 2, 3]>>(fx.broadcastTo(a23, [4, 2, 3]));
expectType<F32<[2, 3, 4]>>(fx.broadcastTo(fx.zeros([3, 1]), [2, 3, 4]));
// @ts-expect-error shape error: cannot broadcast [2, 3] to [4, 2]
fx.broadcastTo(a23, [4, 2]);
// @ts-expect-error shape error: cannot broadcast [2, 3] to [3]
fx.broadcastTo(a23, [3]);

// Literal axes out of range are errors for softmax, logSoftmax, cumsum, sort, argsort too (issue #22).
expectType<F32<[2, 3]>>(fx.softmax(a23, 1));
expectType<F32<[2, 3]>>(fx.logSoftmax(a23, -2));
expectType<F32<[2, 3]>>(fx.sort(a23, 0));
expectType<Tensor<[2, 3], 'int32'>>(fx.argsort(a23));
expectType<F32<[2, 3]>>(fx.cumsum(a23, 1));
// @ts-expect-error shape error: axis 2 is out of range for a tensor of rank 2
fx.softmax(a23, 2);
// @ts-expect-error shape error: axis -3 is out of range for a tensor of rank 2
fx.logSoftmax(a23, -3);
// @ts-expect-error shape error: axis 2 is out of range for a tensor of rank 2
fx.cumsum(a23, 2);
// @ts-expect-error shape error: axis 5 is out of range for a tensor of rank 2
fx.sort(a23, 5);
// @ts-expect-error shape error: axis -3 is out of range for a tensor of rank 2
fx.argsort(a23, -3);

// topk: k must fit in the last axis.
expectType<F32<[2, 3]>>(fx.topk(a23, 3).values);
// @ts-expect-error shape error: topk k 4 is larger than the last axis (3)
fx.topk(a23, 4);
// @ts-expect-error shape error: topk k must be a non-negative integer, got -1
fx.topk(a23, -1);
