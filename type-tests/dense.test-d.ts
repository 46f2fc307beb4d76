/**
 * A symbolic batch dim flows through a model: `<B extends number>` inputs of
 * shape `[B, 784]` through dense layers come out `[B, 10]` — not `number[]`,
 * not a deferred conditional type. Literal inner dims are still checked.
 */
import { expectType } from 'tsd';
import * as fx from '../dist/lib/index.js';
import type { Tensor } from '../dist/lib/index.js';

type F32<S extends fx.Shape> = Tensor<S, 'float32'>;

interface Dense<I extends number, O extends number> {
  w: F32<[I, O]>;
  b: F32<[O]>;
}

/** One dense layer, written by a user, generic in the batch dim. */
function dense<B extends number, I extends number, O extends number>(p: Dense<I, O>, x: F32<[B, I]>): F32<[B, O]> {
  return fx.add(fx.matmul(x, p.w), p.b);
}

export function classifier<B extends number>(x: F32<[B, 784]>, p: { l1: Dense<784, 128>; l2: Dense<128, 10> }) {
  // matmul then bias, symbolic batch: exactly [B, 10].
  expectType<F32<[B, 128]>>(fx.add(fx.matmul(x, p.l1.w), p.l1.b));
  expectType<F32<[B, 10]>>(fx.add(fx.matmul(fx.tanh(fx.add(fx.matmul(x, p.l1.w), p.l1.b)), p.l2.w), p.l2.b));
  const h = fx.relu(dense(p.l1, x));
  expectType<F32<[B, 128]>>(h);
  const logits = dense(p.l2, h);
  expectType<F32<[B, 10]>>(logits);
  // Normalizing over the last axis keeps the symbolic batch.
  expectType<F32<[B, 10]>>(fx.sub(logits, fx.logsumexp(logits, -1, true)));
  expectType<F32<[B]>>(fx.sum(logits, 1));
  expectType<F32<[B, 1]>>(fx.max(logits, -1, true));
  expectType<F32<[10, B]>>(fx.transpose(logits));
  expectType<Tensor<[B], 'int32'>>(fx.argmax(logits, 1));
  expectType<F32<[]>>(fx.mean(logits));

  // Rejected: a weight whose input size does not match x.
  const w100: F32<[100, 10]> = fx.zeros([100, 10]);
  // @ts-expect-error shape error: matmul inner dims 784 and 100 differ
  fx.matmul(x, w100);
  // @ts-expect-error shape error: cannot broadcast
  fx.add(h, p.l2.b);
  return logits;
}

// The same layer with literal shapes.
declare const batch: F32<[32, 784]>;
declare const l1: Dense<784, 10>;
expectType<F32<[32, 10]>>(dense(l1, batch));
expectType<F32<[32, 10]>>(fx.add(fx.matmul(batch, l1.w), l1.b));
expectType<F32<[5, 2, 4]>>(fx.matmul(fx.zeros([5, 2, 3]), fx.zeros([3, 4])));
expectType<F32<[5, 2, 4]>>(fx.matmul(fx.zeros([5, 2, 3]), fx.zeros([5, 3, 4])));

// Rejected: inner dims differ; int32 operands.
// @ts-expect-error shape error: matmul inner dims 784 and 100 differ
fx.matmul(batch, fx.zeros([100, 10]));
// @ts-expect-error Type '"int32"' is not assignable to type '"float32"'
fx.matmul(fx.zeros([2, 3], 'int32'), fx.zeros([3, 4], 'int32'));
