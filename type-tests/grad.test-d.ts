/**
 * Gradients are typed as the argument's own pytree; differentiating with
 * respect to int32/bool leaves (indices, argmax results, masks) or a function
 * that does not return a scalar float32 does not compile.
 */
import { expectType } from 'tsd';
import * as fx from '../dist/lib/index.js';
import type { Tensor } from '../dist/lib/index.js';

type F32<S extends fx.Shape> = Tensor<S, 'float32'>;
type Scalar = F32<[]>;

// The model of the issue: default-dtype parameters in a pytree.
declare function loss(p: { w: Tensor<[784, 10]>; b: Tensor<[10]> }, x: Tensor<[32, 784]>): Tensor<[]>;
declare const params: { w: Tensor<[784, 10]>; b: Tensor<[10]> };
declare const batch: Tensor<[32, 784]>;
expectType<{ w: Tensor<[784, 10]>; b: Tensor<[10]> }>(fx.grad(loss)(params, batch));

// float32 pytrees: objects, tuples, nested.
declare const w: F32<[784, 10]>;
declare const b: F32<[10]>;
const mse = (p: { w: F32<[784, 10]>; b: F32<[10]> }, x: F32<[32, 784]>): Scalar => fx.mean(fx.square(fx.add(fx.matmul(x, p.w), p.b)));
expectType<{ w: F32<[784, 10]>; b: F32<[10]> }>(fx.grad(mse)({ w, b }, fx.zeros([32, 784])));
expectType<[F32<[784, 10]>, F32<[10]>]>(fx.grad((p: [F32<[784, 10]>, F32<[10]>]) => fx.sum(p[1]))([w, b]));
expectType<{ layers: { w: F32<[2, 2]> }[] }>(fx.grad((p: { layers: { w: F32<[2, 2]> }[] }) => fx.sum(p.layers[0]!.w))({ layers: [{ w: fx.zeros([2, 2]) }] }));

// argnums: a number picks one argument, a list gives a tuple.
const f2 = (a: F32<[3]>, s: Scalar) => fx.sum(fx.mul(a, s));
expectType<F32<[3]>>(fx.grad(f2)(fx.zeros([3]), fx.scalar(2)));
expectType<Scalar>(fx.grad(f2, { argnums: 1 })(fx.zeros([3]), fx.scalar(2)));
expectType<[F32<[3]>, Scalar]>(fx.grad(f2, { argnums: [0, 1] })(fx.zeros([3]), fx.scalar(2)));
expectType<[Scalar, F32<[3]>]>(fx.valueAndGrad(f2)(fx.zeros([3]), fx.scalar(2)));
expectType<[Scalar, [F32<[3]>, Scalar]]>(fx.valueAndGrad(f2, { argnums: [0, 1] })(fx.zeros([3]), fx.scalar(2)));
expectType<[[Scalar, { n: F32<[3]> }], F32<[3]>]>(fx.valueAndGrad((x: F32<[3]>): [Scalar, { n: F32<[3]> }] => [fx.sum(x), { n: x }], { hasAux: true })(fx.zeros([3])));

// Only the differentiated arguments must be float32: int32 data in another argument is fine.
expectType<F32<[3]>>(fx.grad((x: F32<[3]>, i: Tensor<[2], 'int32'>) => fx.sum(fx.take(x, i)))(fx.zeros([3]), fx.tensor([0, 2], 'int32')));

// Rejected: a NoDiff leaf in the differentiated argument.
// @ts-expect-error cannot differentiate with respect to an int32 tensor
fx.grad((p: { w: F32<[3]>; i: Tensor<[3], 'int32'> }) => fx.sum(p.w));
// @ts-expect-error cannot differentiate with respect to a bool tensor
fx.grad((m: Tensor<[3], 'bool'>) => fx.sum(fx.where(m, fx.ones([3]), 0)));
// @ts-expect-error cannot differentiate with respect to an int32 tensor
fx.grad((x: F32<[3]>, i: Tensor<[2], 'int32'>) => fx.sum(fx.take(x, i)), { argnums: [0, 1] });
// @ts-expect-error cannot differentiate with respect to an int32 tensor
fx.valueAndGrad((i: Tensor<[], 'int32'>) => fx.scalar(1));

// argmax results are int32: not differentiable, and not a loss.
declare const logits: F32<[4, 10]>;
const best = fx.argmax(logits, 1);
expectType<Tensor<[4], 'int32'>>(best);
// @ts-expect-error cannot differentiate with respect to an int32 tensor
fx.grad((i: typeof best) => fx.sum(fx.cast(i, 'float32')));
// @ts-expect-error grad needs a function that returns a scalar float32 tensor
fx.grad((x: F32<[4, 10]>) => fx.argmax(x));

// Rejected: results that are not a scalar float32.
// @ts-expect-error grad needs a function that returns a scalar float32 tensor (Tensor<[], 'float32'>), got a float32 tensor of shape [3]
fx.grad((x: F32<[3]>) => fx.exp(x));
// @ts-expect-error grad needs a function that returns a scalar float32 tensor
fx.grad((x: F32<[3]>) => fx.sum(fx.cast(x, 'int32')));
// @ts-expect-error grad needs a function that returns a scalar float32 tensor
fx.grad((x: F32<[3]>) => 3);
// @ts-expect-error argnums 2 is out of range for a function of 2 argument(s)
fx.grad(f2, { argnums: 2 });

// optim.update takes grads with the params' structure: extra or missing tensors are errors (issue #22).
const opt = fx.optim.adam({ learningRate: 0.1 });
const state0 = opt.init(params);
expectType<{ w: Tensor<[784, 10]>; b: Tensor<[10]> }>(opt.update(fx.grad(loss)(params, batch), state0, params)[0]);
const extra = { w: params.w, b: params.b, c: params.b };
// @ts-expect-error optimizer update: grads have tensors under c that params lack
opt.update(extra, state0, params);
// @ts-expect-error is not assignable to parameter of type
opt.update({ w: params.w }, state0, params);
