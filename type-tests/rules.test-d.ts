/**
 * The shape rules themselves (`fluxion/typelevel`), including the exact text
 * of their errors.
 */
import { expectType } from 'tsd';
import type * as T from '../dist/typelevel/index.js';

declare function rule<R>(): R;

expectType<[2, 4, 3]>(rule<T.Broadcast<[2, 1, 3], [4, 3]>>());
expectType<never>(rule<T.Broadcast<[2, 3], [2]>>());
expectType<T.TypeError<'shape error: cannot broadcast [2, 3] with [2]'>>(rule<T.BroadcastResult<[2, 3], [2]>>());
expectType<[32, 10]>(rule<T.MatMul<[32, 784], [784, 10]>>());
expectType<T.TypeError<'shape error: matmul inner dims 784 and 100 differ'>>(rule<T.MatMulResult<[32, 784], [100, 10]>>());
expectType<[2, 3, 1]>(rule<T.Reduce<[2, 3, 4], -1, true>>());
expectType<[128, 784]>(rule<T.Reshape<[128, 28, 28], [128, -1]>>());
expectType<T.TypeError<'shape error: cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)'>>(rule<T.ReshapeResult<[2, 3], [4, 2]>>());
expectType<[number, 4]>(rule<T.Reshape<[number, 6], [-1, 4]>>());
expectType<[2, 7]>(rule<T.Concat<[[2, 3], [2, 4]], 1>>());
expectType<[2, 4, 3]>(rule<T.Transpose<[2, 3, 4], [0, 2, 1]>>());
expectType<[2, 3]>(rule<T.Slice<[4, 5], [1, 2], [2, -1]>>());
expectType<[2, 3, 4]>(rule<T.Gather<[10, 4], [2, 3], 0>>());
expectType<100352>(rule<T.Mul<784, 128>>());
expectType<47040000>(rule<T.Product<[60000, 28, 28]>>());

export function symbolic<B extends number>() {
  expectType<[B, 10]>(rule<T.Broadcast<[B, 10], [10]>>());
  expectType<[B, 10]>(rule<T.MatMul<[B, 784], [784, 10]>>());
  expectType<[B]>(rule<T.Reduce<[B, 10], 1>>());
}

// Reshape keeping the dims shared at both ends, symbolic ones included; the
// literal dims between them must fit (issue #22).
export function keepEnds<B extends number, S extends number>() {
  expectType<[B, S, 8, 8]>(rule<T.ReshapeKeepEnds<[B, S, 64], [B, S, -1, 8]>>());
  expectType<[B, 120, S]>(rule<T.ReshapeKeepEnds<[B, 2, 3, 4, 5, S], [B, -1, S]>>());
  expectType<T.TypeError<'shape error: cannot reshape [2, 3] (6 elements) to [2, 4] (8 elements)'>>(rule<T.ReshapeKeepEnds<[2, 3], [2, 4]>>());
}
