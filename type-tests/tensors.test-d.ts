/**
 * Tensors carry their shape and dtype in the type: creation functions infer
 * them from literal data and shapes.
 */
import { expectAssignable, expectNotAssignable, expectType } from 'tsd';
import * as fx from '../dist/lib/index.js';
import type { Tensor } from '../dist/lib/index.js';

type F32<S extends fx.Shape> = Tensor<S, 'float32'>;
declare const a23: F32<[2, 3]>;

// Accepted: shapes and dtypes inferred from the data and the arguments.
expectType<F32<[2, 2]>>(fx.tensor([[1, 2], [3, 4]]));
expectType<Tensor<[3], 'int32'>>(fx.tensor([1, 2, 3], 'int32'));
expectType<Tensor<[2], 'bool'>>(fx.tensor([true, false], 'bool'));
expectType<F32<[3, 4]>>(fx.zeros([3, 4]));
expectType<Tensor<[3, 4], 'int32'>>(fx.ones([3, 4], 'int32'));
expectType<F32<[]>>(fx.scalar(1));
expectType<Tensor<[5], 'int32'>>(fx.arange(5));
expectType<F32<[3, 3]>>(fx.eye(3));
expectType<[2, 3]>(a23.shape);
expectType<'float32'>(a23.dtype);
expectType<number[][]>(a23.arraySync());

// A tensor of a known shape is a tensor of an unknown one, not the other way round.
expectAssignable<F32<number[]>>(a23);
expectNotAssignable<F32<[3, 2]>>(a23);
expectNotAssignable<Tensor<[2, 3], 'int32'>>(a23);

// Rejected: dtypes fluxion does not have; the message lists the valid ones (issue #22).
// @ts-expect-error Argument of type '"float64"' is not assignable to parameter of type '"float32" | "int32" | "bool" | undefined'
fx.zeros([2, 3], 'float64');
// @ts-expect-error Argument of type '"float64"' is not assignable to parameter of type '"float32" | "int32" | "bool"'
fx.cast(fx.zeros([2]), 'float64');

// The dtype of a created tensor comes from its arguments, never from where it is used:
// a float tensor passed where int32 indices are expected is rejected.
// @ts-expect-error Argument of type 'Tensor<[1], "float32">' is not assignable
fx.take(fx.tensor([1, 2, 3]), fx.tensor([1]));
expectType<fx.Tensor<[1], 'int32'>>(fx.tensor([1], 'int32'));

// A typed array is one flat row of unknown length.
expectType<fx.Tensor<[number], 'float32'>>(fx.tensor(new Float32Array(4)));

// Dtypes come from the data, in the type as at run time: booleans make a bool
// tensor, an Int32Array an int32 one (issue #22).
expectType<Tensor<[2], 'bool'>>(fx.tensor([true, false]));
expectNotAssignable<F32<[2]>>(fx.tensor([true, false]));
expectType<Tensor<[2, 1], 'bool'>>(fx.tensor([[true], [false]]));
expectType<Tensor<[number], 'int32'>>(fx.tensor(new Int32Array(4)));
expectNotAssignable<F32<[number]>>(fx.tensor(new Int32Array(4)));
expectType<Tensor<[number], 'float32'>>(fx.tensor(new Int32Array(4), 'float32'));
expectType<Tensor<[2], 'bool'>>(fx.tensor([1, 0], 'bool'));
expectType<F32<[0]>>(fx.tensor([]));
declare const rows: number[][];
expectType<F32<[2, number]>>(fx.tensor([rows[0]!, rows[1]!]));

// Rejected, as at run time: ragged literal data, booleans mixed with numbers,
// booleans as float32 data, fractions as int32 data.
// @ts-expect-error shape error: tensor data is ragged: its rows have different shapes
fx.tensor([[1, 2], [3]]);
// @ts-expect-error shape error: tensor data is ragged
fx.tensor([[[1], [2]], [[3], [4, 5]]]);
// @ts-expect-error dtype error: tensor data mixes booleans and numbers
fx.tensor([true, 1]);
// @ts-expect-error dtype error: boolean data makes a bool tensor, not a float32 one
fx.tensor([true, false], 'float32');
// @ts-expect-error dtype error: data for an int32 tensor must be integers
fx.tensor([1, 2.5], 'int32');

// Negative or fractional literal dims and counts are errors, as at run time.
// @ts-expect-error shape error: a shape is a list of non-negative integers, got [2, -1]
fx.zeros([2, -1]);
// @ts-expect-error shape error: a shape is a list of non-negative integers, got [1.5]
fx.ones([1.5]);
// @ts-expect-error shape error: a shape is a list of non-negative integers, got [3, -2]
fx.full([3, -2], 0);
// arange with a negative count is an empty tensor, as jnp.arange (not an error).
expectType<fx.Tensor<[-3], 'int32'>>(fx.arange(-3));
// @ts-expect-error shape error: n must be a non-negative integer, got 2.5
fx.eye(2.5);
// @ts-expect-error shape error: n must be a non-negative integer, got -2
fx.linspace(0, 1, -2);
expectType<F32<[0, 2]>>(fx.zeros([0, 2]));
export function symbolicCreation<B extends number>(b: B) {
  expectType<F32<[B, 3]>>(fx.zeros([b, 3]));
  expectType<Tensor<[B], 'int32'>>(fx.arange(b));
}
