import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type M23 = fx.Tensor<[2, 3], 'float32'>;

describeEachBackend('sum, reshape, broadcastTo, transpose, slice, pad, concat, matmul, cast', () => {
  const m = () => fx.tensor([[1, -2, 3], [0.5, 4, -1]]);

  it('sum over axes, keepDims; the gradient of a sum is ones', async () => {
    await expectClose(fx.sum(m()), 5.5);
    await expectClose(fx.sum(m(), 0), [1.5, 2, 2]);
    await expectClose(fx.sum(m(), 1, true), [[2], [3.5]]);
    await expectClose(fx.sum(m(), -1), [2, 3.5]);
    await expectClose(fx.grad((x: M23) => fx.sum(x))(m()), [[1, 1, 1], [1, 1, 1]]);
    await fx.checkGradsAsync((x) => fx.sum(fx.mul(x, x), 1), [m()], { order: 2 });
    await fx.checkGradsAsync((x) => fx.sum(fx.mul(x, x), [0, 1], true), [m()], { order: 2 });
  });

  it('broadcastTo under jit: values repeated over trailing axes, the operand repeated over leading axes, a middle axis', async () => {
    const col = Float32Array.from({ length: 6 }, (_, i) => i * 1.5 - 2); // [2, 3, 1] → [2, 3, 4]
    const row = Float32Array.from({ length: 20 }, (_, i) => i * 0.25 - 1); // [5, 4] → [3, 5, 4]
    const f = fx.jit((c: fx.Tensor<[2, 3, 1], 'float32'>, r: fx.Tensor<[5, 4], 'float32'>, m: fx.Tensor<[2, 1, 4], 'float32'>) => [
      fx.broadcastTo(c, [2, 3, 4]),
      fx.broadcastTo(r, [3, 5, 4]),
      fx.broadcastTo(m, [2, 3, 4]),
    ]);
    const mid = Float32Array.from({ length: 8 }, (_, i) => i - 3); // [2, 1, 4] → [2, 3, 4]
    const [a, b, c] = f(fx.tensor(col, [2, 3, 1]), fx.tensor(row, [5, 4]), fx.tensor(mid, [2, 1, 4]));
    expect(Array.from(await a!.data())).toEqual(Array.from({ length: 24 }, (_, i) => col[Math.floor(i / 4)]!));
    expect(Array.from(await b!.data())).toEqual(Array.from({ length: 60 }, (_, i) => row[i % 20]!));
    expect(Array.from(await c!.data())).toEqual(Array.from({ length: 24 }, (_, i) => mid[Math.floor(i / 12) * 4 + (i % 4)]!));
  });

  it('reshape and its -1 dim; derivatives', async () => {
    const r = fx.reshape(m(), [3, 2]);
    expect(r.shape).toEqual([3, 2]);
    await expectClose(r, [[1, -2], [3, 0.5], [4, -1]]);
    expect(fx.reshape(m(), [-1] as never).shape).toEqual([6]);
    await fx.checkGradsAsync((x) => fx.mul(fx.reshape(x, [3, 2]), fx.reshape(x, [3, 2])), [m()], { order: 2 });
  });

  it('broadcastTo repeats; its transpose sums back', async () => {
    await expectClose(fx.broadcastTo(fx.tensor([1, 2, 3]), [2, 3]), [[1, 2, 3], [1, 2, 3]]);
    await expectClose(fx.broadcastTo(fx.tensor([[1], [2]]), [2, 2]), [[1, 1], [2, 2]]);
    await expectClose(fx.grad((v: fx.Tensor<[3], 'float32'>) => fx.sum(fx.broadcastTo(v, [4, 3])))(fx.tensor([1, 2, 3])), [4, 4, 4]);
    await fx.checkGradsAsync((x) => fx.mul(fx.broadcastTo(x, [2, 3]), fx.broadcastTo(x, [2, 3])), [fx.tensor([0.5, -1, 2])], { order: 2 });
    expect(() => fx.broadcastTo(fx.ones([3]) as fx.Tensor, [2, 2] as never)).toThrow(/cannot broadcast \[3\] to \[2, 2\]/);
  });

  it('transpose permutes; default reverses axes', async () => {
    await expectClose(fx.transpose(m()), [[1, 0.5], [-2, 4], [3, -1]]);
    const t3 = fx.transpose(fx.reshape(fx.arange(6), [1, 2, 3]), [2, 0, 1]);
    expect(t3.shape).toEqual([3, 1, 2]);
    expect(await t3.array()).toEqual([[[0, 3]], [[1, 4]], [[2, 5]]]);
    await fx.checkGradsAsync((x) => fx.mul(fx.transpose(x), fx.transpose(x)), [m()], { order: 2 });
    expect(() => fx.transpose(m() as fx.Tensor, [0, 0] as never)).toThrow(/perm \[0, 0\] is not a permutation of the 2 axes/);
    expect(() => fx.transpose(m() as fx.Tensor, [0] as never)).toThrow(/perm \[0\] is not a permutation of the 2 axes/);
  });

  it('transpose of the last two axes under jit (SIMD per matrix where the arena or heap allows)', async () => {
    const x = Float32Array.from({ length: 2 * 3 * 8 * 12 }, (_, i) => Math.cos(i) * 9);
    const y = fx.jit((t: fx.Tensor<[2, 3, 8, 12], 'float32'>) => fx.transpose(fx.mul(t, 2), [0, 1, 3, 2]))(fx.tensor(x, [2, 3, 8, 12]));
    expect(y.shape).toEqual([2, 3, 12, 8]);
    const want = Array.from({ length: x.length }, (_, p) => {
      const [b, c, i, j] = [Math.floor(p / 288), Math.floor(p / 96) % 3, Math.floor(p / 8) % 12, p % 8];
      return 2 * x[((b * 3 + c) * 8 + j) * 12 + i]!;
    });
    expect(Array.from(await y.data())).toEqual(want);
  });

  it('slice under jit: a range of the last axis and of a middle axis (block copies of whole trailing runs)', async () => {
    const x = Float32Array.from({ length: 3 * 4 * 24 }, (_, i) => i * 0.5 - 7);
    const f = fx.jit((t: fx.Tensor<[3, 4, 24], 'float32'>) => [fx.slice(t, [0, 0, 8], [3, 4, 8]), fx.slice(t, [1, 1, 0], [2, 2, 24])]);
    const [a, b] = f(fx.tensor(x, [3, 4, 24]));
    const at = (i: number, j: number, k: number) => x[(i * 4 + j) * 24 + k]!;
    const want = (shape: number[], begin: number[]) =>
      Array.from({ length: shape[0]! * shape[1]! * shape[2]! }, (_, p) => at(begin[0]! + Math.floor(p / (shape[1]! * shape[2]!)), begin[1]! + (Math.floor(p / shape[2]!) % shape[1]!), begin[2]! + (p % shape[2]!)));
    expect(Array.from(await a!.data())).toEqual(want([3, 4, 8], [0, 0, 8]));
    expect(Array.from(await b!.data())).toEqual(want([2, 2, 24], [1, 1, 0]));
  });

  it('slice with -1 sizes; its transpose pads', async () => {
    await expectClose(fx.slice(m(), [0, 1], [2, 2]), [[-2, 3], [4, -1]]);
    await expectClose(fx.slice(m(), [1, 0], [-1, -1]), [[0.5, 4, -1]]);
    await expectClose(fx.grad((x: M23) => fx.sum(fx.slice(x, [0, 1], [1, 2])))(m()), [[0, 1, 1], [0, 0, 0]]);
    await fx.checkGradsAsync((x) => fx.mul(fx.slice(x, [0, 1], [2, 2]), fx.slice(x, [0, 0], [2, 2])), [m()], { order: 2 });
    expect(() => fx.slice(m() as fx.Tensor<[number, number], 'float32'>, [0, 2], [2, 2])).toThrow(/does not fit in \[2, 3\]/);
  });

  it('pad adds borders; its transpose slices', async () => {
    await expectClose(fx.pad(fx.tensor([1, 2]), [[1, 2]]), [0, 1, 2, 0, 0]);
    await expectClose(fx.pad(fx.tensor([1]), [[1, 0]], 9), [9, 1]);
    await fx.checkGradsAsync((x) => fx.mul(fx.pad(x, [[1, 0], [0, 2]]), fx.pad(x, [[0, 1], [2, 0]])), [m()], { order: 2 });
  });

  it('concat along an axis; its transpose slices each operand', async () => {
    await expectClose(fx.concat([m(), fx.ones([1, 3])]), [[1, -2, 3], [0.5, 4, -1], [1, 1, 1]]);
    await expectClose(fx.concat([m(), fx.zeros([2, 1])], 1), [[1, -2, 3, 0], [0.5, 4, -1, 0]]);
    await fx.checkGradsAsync((a, b) => { const c = fx.concat([a, b], 1); return fx.mul(c, c); }, [m(), fx.tensor([[2], [3]])], { order: 2 });
    expect(() => fx.concat([m() as fx.Tensor, fx.ones([2, 2]) as fx.Tensor])).toThrow(/tensor 1 has shape \[2, 2\], incompatible/);
  });

  it('matmul, batched matmul; derivatives via explicit transposes', async () => {
    const a = fx.tensor([[1, 2], [3, 4]]);
    const b = fx.tensor([[0.5, -1, 2], [1, 0, -0.5]]);
    await expectClose(fx.matmul(a, b), [[2.5, -1, 1], [5.5, -3, 4]]);
    const batch = fx.reshape(fx.tensor([1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 2]);
    await expectClose(fx.matmul(batch, a), [[[7, 10], [15, 22]], [[23, 34], [31, 46]]]);
    await fx.checkGradsAsync((x, y) => fx.matmul(x, y), [a, b], { order: 2 });
    await fx.checkGradsAsync((x, y) => fx.matmul(fx.tanh(x), y), [batch, a], { order: 2 });
  });

  it('matmul cotangent of a short left operand against a wide right one ((b @ ctᵀ)ᵀ on wasm): analytic and finite differences', async () => {
    // ct [2, 8] and b [8, 8]: N·(K − 2M) = 32 > K·M = 16, the shape where wasm multiplies b by ctᵀ.
    const a = fx.reshape(fx.tensor(Array.from({ length: 16 }, (_, i) => Math.sin(i))), [2, 8]) as fx.Tensor<[2, 8], 'float32'>;
    const b = fx.reshape(fx.tensor(Array.from({ length: 64 }, (_, i) => Math.cos(i * 0.7))), [8, 8]) as fx.Tensor<[8, 8], 'float32'>;
    const w = fx.reshape(fx.tensor(Array.from({ length: 16 }, (_, i) => 0.1 * i - 0.5)), [2, 8]) as fx.Tensor<[2, 8], 'float32'>;
    // d/da Σ w ⊙ (a @ b) = w @ bᵀ
    const bv = (await b.array()) as number[][];
    const wv = (await w.array()) as number[][];
    const want = wv.map((row) => bv.map((brow) => row.reduce((s, x, j) => s + x * brow[j]!, 0)));
    await expectClose(fx.grad((x: typeof a) => fx.sum(fx.mul(w, fx.matmul(x, b))))(a), want, 1e-5);
    await fx.checkGradsAsync((x, y) => fx.matmul(x, y), [a, b], { order: 2 });
  });

  it('cast to float keeps the derivative; cast to int cuts it', async () => {
    await expectClose(fx.grad((x: fx.Tensor<[], 'float32'>) => fx.mul(fx.cast(x, 'float32'), x))(fx.scalar(3)), 6);
    await expectClose(fx.grad((x: fx.Tensor<[], 'float32'>) => fx.mul(fx.cast(fx.cast(x, 'int32'), 'float32'), x))(fx.scalar(3.7)), 3);
    expect(await fx.cast(fx.tensor([1.7, -2.2]), 'int32').array()).toEqual([1, -2]);
    expect(await fx.cast(fx.tensor([0, 2]), 'bool').array()).toEqual([false, true]);
  });
});

describe('NoDiff values are visible in the types and at run time', () => {
  it('comparisons give bool, argmax gives int32', () => {
    expect(fx.greater(fx.tensor([1, 2]), 1).dtype).toBe('bool');
    expect(fx.argmax(fx.tensor([1, 3, 2])).dtype).toBe('int32');
  });
});
