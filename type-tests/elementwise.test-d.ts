/**
 * Elementwise ops broadcast like NumPy: `[2, 3] + [3]` is `[2, 3]`, and
 * shapes that do not broadcast are compile-time errors with a readable text.
 * Comparisons give `bool`; float-only ops reject `int32`.
 */
import { expectType } from 'tsd';
import * as fx from '../dist/lib/index.js';
import type { Tensor } from '../dist/lib/index.js';

type F32<S extends fx.Shape> = Tensor<S, 'float32'>;
type I32<S extends fx.Shape> = Tensor<S, 'int32'>;
declare const a23: F32<[2, 3]>;
declare const a3: F32<[3]>;
declare const a2: F32<[2]>;
declare const a21: F32<[2, 1]>;
declare const a213: F32<[2, 1, 3]>;
declare const a43: F32<[4, 3]>;
declare const s: F32<[]>;
declare const i23: I32<[2, 3]>;
declare const b23: Tensor<[2, 3], 'bool'>;

// Accepted: same shapes, trailing suffixes, size-1 axes, scalars and JS numbers.
expectType<F32<[2, 3]>>(fx.add(a23, a23));
expectType<F32<[2, 3]>>(fx.add(a23, a3));
expectType<F32<[2, 3]>>(fx.sub(a3, a23));
expectType<F32<[2, 3]>>(fx.mul(a23, a21));
expectType<F32<[2, 4, 3]>>(fx.add(a213, a43));
expectType<F32<[2, 3]>>(fx.div(a23, s));
expectType<F32<[2, 3]>>(fx.mul(a23, 2));
expectType<F32<[2, 3]>>(fx.sub(1, a23));
expectType<I32<[2, 3]>>(fx.add(i23, i23));
expectType<F32<[2, 3]>>(fx.tanh(fx.exp(a23)));
expectType<F32<[2, 3]>>(fx.maximum(a23, a3));
expectType<F32<[2, 3]>>(fx.where(b23, a23, a23));

// Comparisons give bool, whatever the operands' dtype.
expectType<Tensor<[2, 3], 'bool'>>(fx.less(a23, a3));
expectType<Tensor<[2, 3], 'bool'>>(fx.equal(i23, i23));
expectType<Tensor<[2, 3], 'bool'>>(fx.greater(a23, 0));

// Rejected: shapes that do not broadcast, with the shapes in the message.
// @ts-expect-error shape error: cannot broadcast [2, 3] with [2]
fx.add(a23, a2);
// @ts-expect-error shape error: cannot broadcast [2, 3] with [4, 3]
fx.mul(a23, a43);
// @ts-expect-error shape error: cannot broadcast [2, 3] with [2]
fx.less(a23, a2);

// Rejected: mixed dtypes, int32 where float32 is required, bool arithmetic.
// @ts-expect-error Type '"int32"' is not assignable to type '"float32"'
fx.add(a23, i23);
// @ts-expect-error Type '"int32"' is not assignable to type '"float32"'
fx.exp(i23);
// @ts-expect-error Type '"int32"' is not assignable to type '"float32"'
fx.tanh(i23);
// @ts-expect-error Argument of type 'Tensor<[2, 3], "bool">' is not assignable
fx.add(b23, b23);
// @ts-expect-error is not assignable to parameter of type 'Tensor<[2, 3], "bool">'
fx.where(a23, a23, a23);

// where broadcasts its three operands; shapes that do not broadcast are errors
// at the call, not a `never` result that assigns to anything (issue #22).
declare const a4: F32<[4]>;
declare const b4: Tensor<[4], 'bool'>;
expectType<F32<[2, 3]>>(fx.where(b23, a23, a3));
expectType<F32<[2, 3]>>(fx.where(b23, a3, 0));
expectType<F32<[2, 3]>>(fx.where(b23, 1, a21));
// @ts-expect-error shape error: cannot broadcast [2, 3] with [4]
fx.where(b23, a23, a4);
// @ts-expect-error shape error: cannot broadcast [4] with [2, 3]
fx.where(b4, a23, 0);
// @ts-expect-error shape error: cannot broadcast [4] with [3]
fx.where(b4, a3, a3);
// @ts-expect-error dtype error: where needs a and b of one dtype, got float32 and int32
fx.where(b23, a23, i23);
expectType<I32<[2, 3]>>(fx.where(b23, i23, 0));
