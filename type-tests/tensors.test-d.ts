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

// Rejected: dtypes fluxion does not have.
// @ts-expect-error Argument of type '"float64"' is not assignable
fx.zeros([2, 3], 'float64');

// The dtype of a created tensor comes from its arguments, never from where it is used:
// a float tensor passed where int32 indices are expected is rejected.
// @ts-expect-error Argument of type 'Tensor<[1], "float32">' is not assignable
fx.take(fx.tensor([1, 2, 3]), fx.tensor([1]));
expectType<fx.Tensor<[1], 'int32'>>(fx.tensor([1], 'int32'));

// A typed array is one flat row of unknown length.
expectType<fx.Tensor<[number], 'float32'>>(fx.tensor(new Float32Array(4)));
