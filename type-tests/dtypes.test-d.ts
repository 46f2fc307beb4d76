/**
 * JAX's weak typing of JS numbers in the types: a non-integer number literal
 * with an int32 tensor gives float32; an integer literal keeps int32; a
 * number typed `number` keeps the tensor's dtype in the types (the runtime
 * still promotes a fraction to float32; see docs/conventions.md).
 */
import { expectType } from 'tsd';
import * as fx from '../dist/lib/index.js';
import type { Tensor } from '../dist/lib/index.js';

declare const i3: Tensor<[3], 'int32'>;
declare const f3: Tensor<[3], 'float32'>;
declare const n: number;

expectType<Tensor<[3], 'float32'>>(fx.mul(i3, 0.5));
expectType<Tensor<[3], 'float32'>>(fx.mul(0.5, i3));
expectType<Tensor<[3], 'float32'>>(fx.add(i3, 1e-3));
expectType<Tensor<[3], 'int32'>>(fx.mul(i3, 2));
expectType<Tensor<[3], 'int32'>>(fx.add(2, i3));
expectType<Tensor<[3], 'int32'>>(fx.mul(i3, n));
expectType<Tensor<[3], 'float32'>>(fx.mul(f3, 0.5));
expectType<Tensor<[3], 'bool'>>(fx.less(i3, 1.5));
// Bool tensors read back as booleans; typed arrays follow the dtype.
expectType<boolean>(fx.less(fx.scalar(1), 2).item());
expectType<number>(fx.scalar(1).item());
expectType<Float32Array>(f3.dataSync());
expectType<Int32Array>(i3.dataSync());
expectType<Uint8Array>(fx.less(f3, 1).dataSync());
// A number leaf of a differentiated argument is a float32 scalar, and so is its gradient.
declare const g: fx.GradOf<{ w: Tensor<[2], 'float32'>; c: number }>;
expectType<{ w: Tensor<[2], 'float32'>; c: Tensor<[], 'float32'> }>(g);
