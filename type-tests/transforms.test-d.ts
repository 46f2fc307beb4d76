/**
 * The types of the Jacobian and vmap transformations follow their options
 * (argnums, inAxes, outAxes), and a call the runtime rejects does not compile
 * (issue #22): no `never` result that would assign to anything.
 */
import { expectNotAssignable, expectType } from 'tsd';
import * as fx from '../dist/lib/index.js';
import type { Tensor } from '../dist/lib/index.js';

type F32<S extends fx.Shape> = Tensor<S, 'float32'>;

// jacfwd of the identity, on a default-dtype tensor: a real type, not never.
expectType<F32<[3, 3]>>(fx.jacfwd((x: Tensor<[3]>) => x)(fx.zeros([3])));
expectNotAssignable<F32<[2, 2]>>(fx.jacfwd((x: Tensor<[3]>) => x)(fx.zeros([3])));
expectType<F32<[3, 3]>>(fx.jacrev((x: F32<[3]>) => fx.mul(x, x))(fx.zeros([3])));

// argnums picks the argument, in the type as at run time.
const f2 = (a: F32<[5]>, b: F32<[2]>) => fx.sum(fx.mul(a, fx.sum(b)));
expectType<F32<[5, 5]>>(fx.hessian(f2)(fx.zeros([5]), fx.zeros([2])));
expectType<F32<[2, 2]>>(fx.hessian(f2, { argnums: 1 })(fx.zeros([5]), fx.zeros([2])));
expectNotAssignable<F32<[5, 5]>>(fx.hessian(f2, { argnums: 1 })(fx.zeros([5]), fx.zeros([2])));
expectType<F32<[2]>>(fx.jacfwd(f2, { argnums: 1 })(fx.zeros([5]), fx.zeros([2])));
expectType<F32<[2]>>(fx.jacrev(f2, { argnums: 1 })(fx.zeros([5]), fx.zeros([2])));

// Rejected: what the runtime rejects.
// @ts-expect-error jacfwd differentiates with respect to one float32 tensor: argument 0 is not one
fx.jacfwd((p: { w: F32<[3]> }) => p.w);
// @ts-expect-error jacrev differentiates with respect to one float32 tensor: argument 0 is not one
fx.jacrev((p: [F32<[3]>]) => p[0]);
// @ts-expect-error jacrev differentiates with respect to one float32 tensor
fx.jacrev((i: Tensor<[3], 'int32'>) => fx.cast(i, 'float32'));
// @ts-expect-error hessian needs a function that returns a scalar float32 tensor, got shape [3]
fx.hessian((x: F32<[3]>) => x);
// @ts-expect-error argnums 2 is out of range for a function of 2 argument(s)
fx.jacfwd(f2, { argnums: 2 });
// @ts-expect-error jacfwd needs a function that returns one float32 tensor
fx.jacfwd((x: F32<[3]>) => fx.cast(x, 'int32'));

// vmap follows inAxes and outAxes in the type, as at run time.
const addRow = (a: F32<[3]>, b: F32<[3]>) => fx.add(a, b);
expectType<F32<[5, 3]>>(fx.vmap(addRow)(fx.zeros([5, 3]), fx.zeros([5, 3])));
expectType<F32<[5, 3]>>(fx.vmap(addRow, { inAxes: [0, null] })(fx.zeros([5, 3]), fx.zeros([3])));
expectType<F32<[5, 3]>>(fx.vmap(addRow, { inAxes: [1, null] })(fx.zeros([3, 5]), fx.zeros([3])));
expectType<F32<[3, 5]>>(fx.vmap((a: F32<[3]>) => a, { outAxes: 1 })(fx.zeros([5, 3])));
expectNotAssignable<F32<[5, 3]>>(fx.vmap((a: F32<[3]>) => a, { outAxes: 1 })(fx.zeros([5, 3])));
expectType<F32<[7]>>(fx.vmap((p: { w: F32<[3]>; b: F32<[]> }) => p.b, { inAxes: [{ w: 1, b: 0 }] })({ w: fx.zeros([3, 7]), b: fx.zeros([7]) }));
expectType<F32<[2, 4]>>(fx.vmap((x: F32<[2]>) => x, { inAxes: -1, outAxes: -1 })(fx.zeros([2, 4])));
// An argument that is not mapped keeps its type: passing a batched one is an error.
// @ts-expect-error Type '[5, 3]' is not assignable to type '[3]'
fx.vmap(addRow, { inAxes: [0, null] })(fx.zeros([5, 3]), fx.zeros([5, 3]));

// The transformed functions have the resulting signature (what an editor shows).
expectType<<N extends number = number>(a: Tensor<[N, 3], 'float32'>, b: F32<[3]>) => Tensor<[N, 3], 'float32'>>(fx.vmap(addRow, { inAxes: [0, null] }));
const sq = (x: F32<[3]>) => fx.sum(fx.mul(x, x));
expectType<F32<[]>>(fx.jit(sq)(fx.zeros([3])));
expectType<fx.Jitted<typeof sq>>(fx.jit(sq) as fx.Jitted<typeof sq>);
const jitted: fx.Jitted<typeof sq> = fx.jit(sq);
jitted.stats();
