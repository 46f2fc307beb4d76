/**
 * Symbolic dims (type parameters such as a batch dim `B`) survive the layers
 * of a model written generically: broadcasting against keepDims reductions,
 * suffixes and outer products, batched matmuls, reshapes with `-1`, and
 * gradients, which have the parameters' own types (issue #22).
 */
import { expectAssignable, expectNotAssignable, expectType } from 'tsd';
import * as fx from '../dist/lib/index.js';
import type { Tensor } from '../dist/lib/index.js';

type F32<S extends fx.Shape> = Tensor<S, 'float32'>;

function centered<B extends number>(x: F32<[B, 10]>, w: F32<[10, 5]>) {
  const c = fx.sub(x, fx.mean(x, 0, true));
  expectType<F32<[B, 10]>>(c);
  expectType<F32<[B, 5]>>(fx.matmul(c, w));
  return c;
}
expectType<F32<[32, 10]>>(centered(fx.zeros([32, 10]), fx.zeros([10, 5])));

function suffixes<B extends number, T extends number, D extends number>(x: F32<[B, T, D]>, d: F32<[D]>, col: F32<[B, 1]>, row: F32<[1, D]>) {
  expectType<F32<[B, T, D]>>(fx.add(x, d));
  expectType<F32<[B, D]>>(fx.mul(col, row));
  expectType<F32<[B, D]>>(fx.mul(row, col));
  expectType<F32<[B, T, D]>>(fx.div(x, fx.mean(x, -1, true)));
  expectType<Tensor<[B, T, D], 'bool'>>(fx.greater(x, fx.mean(x, -1, true)));
  expectType<Tensor<[B, D], 'bool'>>(fx.less(col, row));
}
suffixes(fx.zeros([2, 3, 4]), fx.zeros([4]), fx.zeros([2, 1]), fx.zeros([1, 4]));

function reshapes<B extends number, T extends number>(x: F32<[B, 784]>, z: F32<[B, 2, 3, T, 4, 5]>, b: B) {
  expectType<F32<[B, 28, 28]>>(fx.reshape(x, [-1, 28, 28]));
  expectType<F32<[B, 28, 28]>>(fx.reshape(x, [b, -1, 28]));
  expectType<F32<[T, 2, 3, B, 4, 5]>>(fx.transpose(z, [3, 1, 2, 0, 4, 5]));
}
reshapes(fx.zeros([2, 784]), fx.zeros([2, 2, 3, 5, 4, 5]), 2);

// Two symbolic dims survive a reshape that names them at the same place at
// either end (the literal dims between them are reshaped, a -1 among them
// resolved), and a transpose after it; at rank 6 as well (issue #22).
function heads<B extends number, T extends number>(x: F32<[B, T, 64]>, y: F32<[B, T, 8, 8]>, z: F32<[B, T, 2, 3, 4, 5]>, w: F32<[B, 2, 3, 4, 5, T]>, b: B, t: T) {
  expectType<F32<[B, T, 8, 8]>>(fx.reshape(x, [b, t, 8, 8]));
  expectType<F32<[B, T, 8, 8]>>(fx.reshape(x, [b, t, -1, 8]));
  expectType<F32<[B, T, 64]>>(fx.reshape(y, [b, t, 64]));
  expectType<F32<[B, T, 64]>>(fx.reshape(y, [b, t, -1]));
  expectType<F32<[B, T, 6, 20]>>(fx.reshape(z, [b, t, 6, -1]));
  expectType<F32<[B, T, 120]>>(fx.reshape(z, [b, t, -1]));
  expectType<F32<[B, 120, T]>>(fx.reshape(w, [b, -1, t]));
  expectType<F32<[B, 6, 20, T]>>(fx.reshape(w, [b, 6, 20, t]));
  expectType<F32<[T, B, 20, 6]>>(fx.transpose(fx.reshape(z, [b, t, 6, 20]), [1, 0, 3, 2]));
  expectType<F32<[T, 20, 6, B]>>(fx.transpose(fx.reshape(w, [b, 6, -1, t])));
  // Symbolic dims not at the ends: the target as written (the runtime checks the count).
  expectType<F32<[B, 6, T, 20]>>(fx.reshape(fx.transpose(w, [0, 1, 2, 5, 3, 4]), [b, 6, t, 20]));
  // A precise type, not a deferred one that other shapes would accept.
  expectNotAssignable<F32<[B, T, 8, 9]>>(fx.reshape(x, [b, t, 8, 8]));
}
heads(fx.zeros([2, 3, 64]), fx.zeros([2, 3, 8, 8]), fx.zeros([2, 3, 2, 3, 4, 5]), fx.zeros([2, 2, 3, 4, 5, 3]), 2, 3);

// Concatenating along a symbolic axis gives a dim `Add<B, B> & number`: usable
// as a dim known only at run time (later ops keep it), and not claimed to be `B`.
function concatenated<B extends number>(a: F32<[B, 3]>, w: F32<[3, 4]>) {
  const c = fx.concat([a, a], 0);
  expectAssignable<F32<[number, 3]>>(c);
  expectNotAssignable<F32<[B, 3]>>(c);
  expectAssignable<F32<[number, 4]>>(fx.matmul(c, w));
  expectType<F32<[3]>>(fx.sum(fx.sub(c, fx.mean(c, 0, true)), 0));
  expectType<F32<[B, 6]>>(fx.concat([a, a], 1));
}
concatenated(fx.zeros([2, 3]), fx.zeros([3, 4]));

// grad with respect to a symbolic-shaped input has that input's type: an
// update `x - 0.1 g` keeps `[B, 784]`.
function step<B extends number>(x: F32<[B, 784]>) {
  const g = fx.grad((y: F32<[B, 784]>) => fx.sum(fx.square(y)))(x);
  expectType<F32<[B, 784]>>(g);
  expectType<F32<[B, 784]>>(fx.sub(x, fx.mul(g, 0.1)));
  expectNotAssignable<F32<[B, 785]>>(g);
}
step(fx.zeros([3, 784]));

// A transformer-ish block, generic over batch and sequence length: every layer keeps [B, T, D].
const D = 16;
type Params = { w: F32<[typeof D, typeof D]>; b: F32<[typeof D]>; g: F32<[typeof D]> };
function block<B extends number, T extends number>(x: F32<[B, T, 16]>, p: Params): F32<[B, T, 16]> {
  const h = fx.add(fx.matmul(x, p.w), p.b);
  expectType<F32<[B, T, 16]>>(h);
  const c = fx.sub(h, fx.mean(h, -1, true));
  const v = fx.mean(fx.square(c), -1, true);
  expectType<F32<[B, T, 1]>>(v);
  const ln = fx.mul(fx.div(c, fx.sqrt(fx.add(v, 1e-5))), p.g);
  expectType<F32<[B, T, 16]>>(ln);
  const scores = fx.matmul(ln, fx.transpose(ln, [0, 2, 1]));
  expectType<F32<[B, T, T]>>(scores);
  const att = fx.softmax(scores, -1);
  expectType<F32<[B, T, T]>>(att);
  return fx.matmul(att, ln);
}
function loss<B extends number, T extends number>(p: Params, x: F32<[B, T, 16]>) {
  return fx.mean(fx.square(block(x, p)));
}
declare const params: Params;
expectType<Params>(fx.grad(loss)(params, fx.zeros([2, 5, 16])));
function gradInside<B extends number, T extends number>(x: F32<[B, T, 16]>) {
  expectType<Params>(fx.grad((p: Params) => loss(p, x))(params));
}
gradInside(fx.zeros([2, 5, 16]));

// A transformer block written with fluxion.nn, generic over batch and sequence
// length: layerNorm, a fused qkv dense, heads split by slice + reshape,
// dotProductAttention, heads merged by reshape with -1, residual adds, rmsNorm
// and a gelu MLP all keep [B, T, …]; the parameter gradients have the
// parameters' types (issue #22).
type Block = {
  ln1: fx.nn.LayerNormParams<16>;
  qkv: fx.nn.DenseParams<16, 48>;
  proj: fx.nn.DenseParams<16, 16>;
  ln2: fx.nn.RmsNormParams<16>;
  up: fx.nn.DenseParams<16, 64>;
  down: fx.nn.DenseParams<64, 16>;
};
function transformerBlock<B extends number, T extends number>(p: Block, x: F32<[B, T, 16]>): F32<[B, T, 16]> {
  const [b, t] = [x.shape[0], x.shape[1]];
  const h = fx.nn.layerNorm(p.ln1, x);
  expectType<F32<[B, T, 16]>>(h);
  const qkv = fx.nn.dense(p.qkv, h);
  expectType<F32<[B, T, 48]>>(qkv);
  const head = (at: number) => fx.reshape(fx.slice(qkv, [0, 0, at], [-1, -1, 16]), [b, t, 4, 4]);
  expectType<F32<[B, T, 4, 4]>>(head(0));
  const att = fx.nn.dotProductAttention(head(0), head(16), head(32), { causal: true });
  expectType<F32<[B, T, 4, 4]>>(att);
  const merged = fx.reshape(att, [b, t, -1]);
  expectType<F32<[B, T, 16]>>(merged);
  const r1 = fx.add(x, fx.nn.dense(p.proj, merged));
  expectType<F32<[B, T, 16]>>(r1);
  const up = fx.nn.gelu(fx.nn.dense(p.up, fx.nn.rmsNorm(p.ln2, r1)));
  expectType<F32<[B, T, 64]>>(up);
  const out = fx.add(r1, fx.nn.dense(p.down, up));
  expectType<F32<[B, T, 16]>>(out);
  return out;
}
function blockLoss<B extends number, T extends number>(p: Block, x: F32<[B, T, 16]>) {
  return fx.mean(fx.square(transformerBlock(p, x)));
}
declare const blockParams: Block;
// (The gradient of an interface such as DenseParams is the same structure written out.)
const blockGrad = fx.grad(blockLoss)(blockParams, fx.zeros([2, 5, 16]));
expectAssignable<Block>(blockGrad);
expectAssignable<typeof blockGrad>(blockParams);
expectType<F32<[16, 48]>>(blockGrad.qkv.w);
expectType<F32<[16]>>(blockGrad.ln2.scale);
function blockGrads<B extends number, T extends number>(x: F32<[B, T, 16]>) {
  const g = fx.grad((p: Block) => blockLoss(p, x))(blockParams);
  expectAssignable<Block>(g);
  expectType<F32<[64, 16]>>(g.down.w);
  expectType<F32<[16]>>(g.ln1.bias);
  expectType<F32<[B, T, 16]>>(fx.grad((y: F32<[B, T, 16]>) => blockLoss(blockParams, y))(x));
}
blockGrads(fx.zeros([2, 5, 16]));

// Rank 8, two symbolic dims: broadcasting, a keepDims reduction, reshape and
// transpose stay within the compiler's depth limits and keep both dims.
function rank8<B extends number, T extends number>(x: F32<[B, T, 4, 5, 6, 7, 8, 9]>, b: B, t: T) {
  expectType<F32<[B, T, 4, 5, 6, 7, 8, 9]>>(fx.mul(x, fx.mean(x, -1, true)));
  expectType<F32<[B, T, 4, 5, 6, 7, 8, 9]>>(fx.add(x, fx.zeros([8, 9])));
  expectType<F32<[B, T, 20, 42, 72]>>(fx.reshape(x, [b, t, 20, -1, 72]));
  expectType<F32<[504, 120, T, B]>>(fx.transpose(fx.reshape(x, [b, t, 120, 504]), [3, 2, 1, 0]));
}
rank8(fx.zeros([1, 2, 4, 5, 6, 7, 8, 9]), 1, 2);
