/**
 * fx.conv, fx.convTranspose and the pools keep the batch and channel dims
 * as types; spatial output sizes are `number` (they depend on strides and
 * padding at run time).
 */
import { expectType } from 'tsd';
import * as fx from '../dist/lib/index.js';
import type { Tensor } from '../dist/lib/index.js';

type F32<S extends fx.Shape> = Tensor<S, 'float32'>;
declare const x1: F32<[8, 100, 3]>;
declare const f1: F32<[5, 3, 16]>;
declare const x2: F32<[8, 28, 28, 3]>;
declare const f2: F32<[3, 3, 3, 16]>;
declare const x3: F32<[2, 8, 8, 8, 1]>;
declare const f3: F32<[3, 3, 3, 1, 4]>;
declare const nchw: F32<[8, 3, 28, 28]>;

expectType<F32<[8, number, 16]>>(fx.conv(x1, f1, { padding: 'SAME' }));
expectType<F32<[8, number, number, 16]>>(fx.conv(x2, f2, { strides: 2, rhsDilation: 2 }));
expectType<F32<[2, number, number, number, 4]>>(fx.conv(x3, f3));
expectType<F32<[8, 16, number, number]>>(fx.conv(nchw, f2, { dataFormat: 'channelsFirst' }));
expectType<F32<[8, number, number, number]>>(fx.convTranspose(x2, f2, 2));
expectType<F32<[8, number, number, 3]>>(fx.maxPool(x2, [2, 2], { strides: 2 }));
expectType<F32<[8, number, 3]>>(fx.avgPool(x1, [4]));
expectType<F32<[number, number, number, number]>>(fx.reduceWindow(x2, 'sum', [1, 2, 2, 1]));
