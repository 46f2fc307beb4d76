import { describe, expect, it, vi } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type V3 = fx.Tensor<[3], 'float32'>;
type S = fx.Tensor<[], 'float32'>;

describeEachBackend('jit', () => {
  it('gives the same values as eager evaluation and traces once per signature', async () => {
    const f = (x: V3, y: V3) => fx.sum(fx.mul(fx.sin(x), fx.exp(y)));
    const g = fx.jit(f);
    const x = fx.tensor([0.1, 0.2, 0.3]);
    const y = fx.tensor([1, -1, 0.5]);
    await expectClose(g(x, y), await f(x, y).array(), 1e-5);
    await expectClose(g(y, x), await f(y, x).array(), 1e-5);
    expect(g.stats()).toMatchObject({ traces: 1, cacheHits: 1 });
    g(fx.zeros([4]) as never, fx.zeros([4]) as never);
    expect(g.stats().traces).toBe(2);
  });

  it('jit of grad equals grad, and grad of jit equals grad', async () => {
    const f = (x: V3) => fx.sum(fx.mul(fx.tanh(x), fx.mul(x, x)));
    const x = fx.tensor([0.3, -0.7, 1.2]);
    const want = (await fx.grad(f)(x).array()) as number[];
    await expectClose(fx.jit(fx.grad(f))(x), want, 1e-5);
    await expectClose(fx.grad(fx.jit(f))(x), want, 1e-5);
    await expectClose(fx.jvp(fx.jit(f), [x], [fx.tensor([1, 0, 0])])[1], want[0]!, 1e-5);
  });

  it('pytrees in and out', async () => {
    const g = fx.jit((p: { a: V3; b: [S] }) => ({ total: fx.add(fx.sum(p.a), p.b[0]), doubled: fx.mul(p.a, 2) }));
    const out = g({ a: fx.tensor([1, 2, 3]), b: [fx.scalar(4)] });
    await expectClose(out.total, 10);
    await expectClose(out.doubled, [2, 4, 6]);
  });

  it('results never alias inputs on the tfjs-kernel path either (host: false): an input returned as it is, in a pytree, is a fresh handle', async () => {
    const x = fx.tensor([1, 2, 3]);
    const g = fx.jit((p: { a: V3; b: V3 }) => ({ same: p.a, other: fx.mul(p.b, 2), again: [p.a] }), { host: false });
    const out = g({ a: x, b: x });
    expect(out.same).not.toBe(x);
    expect(out.again[0]).not.toBe(x);
    out.same.dispose();
    out.again[0]!.dispose();
    expect(x.isDisposed).toBe(false);
    await expectClose(x, [1, 2, 3]);
    await expectClose(out.other, [2, 4, 6]);
  });

  it('frees every intermediate: only the outputs survive a call', () => {
    const g = fx.jit((x: V3) => fx.sum(fx.exp(fx.sin(fx.mul(x, x)))));
    const x = fx.tensor([1, 2, 3]);
    g(x).dispose(); // warm the cache (its constants stay)
    const before = fx.memory().tensors;
    const y = g(x);
    expect(fx.memory().tensors).toBe(before + 1);
    y.dispose();
    expect(g.stats().peakBytes).toBeGreaterThan(0);
  });
});

describe('jit optimizations', () => {
  it('removes dead code, repeated subexpressions and identities', () => {
    const g = fx.jit((x: V3) => {
      fx.exp(x); // dead
      const a = fx.sin(x);
      const b = fx.sin(x); // same as a
      return fx.neg(fx.neg(fx.mul(fx.add(a, b), 1)));
    });
    const ir = g.lower(fx.zeros([3])).toString();
    expect(ir).not.toMatch(/exp/);
    expect(ir.match(/sin/g)).toHaveLength(1);
    expect(ir).not.toMatch(/neg/);
    expect(ir).not.toMatch(/mul/);
    const { optimized } = g.stats();
    expect(optimized.deadCode).toBeGreaterThanOrEqual(1);
    expect(optimized.commonSubexpressions).toBe(1);
    expect(optimized.simplified).toBe(2); // mul by 1, and the outer neg of neg (the inner one is then dead)
  });

  it('treats commutative operands as the same subexpression, and large all-ones constants as identities', () => {
    const g = fx.jit((x: fx.Tensor<[64, 64], 'float32'>) => fx.add(fx.mul(x, fx.ones([64, 64])), fx.mul(fx.ones([64, 64]), x)));
    const ir = g.lower(fx.zeros([64, 64])).toString();
    expect(ir).not.toMatch(/mul/);
    expect(ir.match(/add/g)).toHaveLength(1);
  });

  it('branching on a traced value names cond/whileLoop', () => {
    const g = fx.jit((x: S) => (x.item() > 0 ? x : fx.neg(x)));
    expect(() => g(fx.scalar(1))).toThrow(/fx\.cond/);
  });

  it('warns after repeated retracing and names the argument that changed', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const g = fx.jit((x: fx.Tensor, k: number) => fx.mul(x as V3, k), { retraceWarning: 3 });
    for (let k = 0; k < 5; k++) g(fx.zeros([3]), k);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/argument 1: static 2 → static 3/);
    warn.mockRestore();
  });

  it('a program with a large matmul keeps it on tfjs and runs its elementwise groups as host loops (cpu, wasm), same values and gradients', async () => {
    type X = fx.Tensor<[64, 256], 'float32'>;
    type W = fx.Tensor<[256, 256], 'float32'>;
    const w = fx.mul(fx.reshape(fx.tensor(Array.from({ length: 65536 }, (_, i) => Math.sin(i))), [256, 256]), 0.05) as W;
    const x = fx.reshape(fx.tensor(Array.from({ length: 16384 }, (_, i) => Math.cos(i * 0.3))), [64, 256]) as X;
    const loss = (m: W, input: X) => fx.sum(fx.mul(fx.tanh(fx.add(fx.matmul(input, m), 0.1)), fx.sigmoid(input)));
    const g = fx.jit(fx.valueAndGrad(loss));
    const [v, dw] = g(w, x);
    const [wantV, wantDw] = fx.valueAndGrad(loss)(w, x);
    await expectClose(v, (await wantV.array()) as number, 1e-4);
    await expectClose(dw, (await wantDw.array()) as number[][], 1e-4);
    const ir = g.lower(w, x).toString();
    expect(ir).toMatch(/matmul/);
    if (fx.getBackend() !== 'webgpu') expect(ir).toMatch(/fused\[ops=add→tanh/);
    const [v2] = fx.jit(fx.valueAndGrad(loss), { host: false })(w, x);
    await expectClose(v2, (await wantV.array()) as number, 1e-4);
  });

  it('an out-of-range index inside a jitted program is the ShapeError eager gives, and the program stays usable', async () => {
    const g = fx.jit((x: V3, i: fx.Tensor<[2], 'int32'>) => fx.sum(fx.mul(fx.take(x, i), 2)));
    const x = fx.tensor([1, 2, 3]) as V3;
    if (fx.getBackend() !== 'webgpu') {
      // webgpu reads indices already on the GPU as 0 (lib/primitives/gather.ts); cpu and wasm check them.
      expect(() => g(x, fx.tensor([0, 7], 'int32') as fx.Tensor<[2], 'int32'>)).toThrow(/index 7 at position 1 .*out of range \[0, 3\)/);
    }
    await expectClose(g(x, fx.tensor([2, 0], 'int32') as fx.Tensor<[2], 'int32'>), 8, 1e-6);
  });
});

describe('jit memory planning', () => {
  it('reverse mode of a 50-layer MLP holds far less than every intermediate', () => {
    type H = fx.Tensor<[16, 32], 'float32'>;
    type W = fx.Tensor<[32, 32], 'float32'>;
    const ws = Array.from({ length: 50 }, (_, l) => fx.mul(fx.reshape(fx.tensor(Array.from({ length: 1024 }, (_, i) => Math.sin(i + l))), [32, 32]), 0.2) as W);
    const x = fx.ones([16, 32]) as H;
    const loss = (params: W[], input: H) => fx.sum(params.reduce<H>((h, w) => fx.tanh(fx.matmul(h, w)), input));
    const step = fx.jit(fx.grad(loss));
    const grads = step(ws, x);
    const ir = step.lower(ws, x);
    const everything = ir.equations.reduce((s, eq) => s + eq.outputs.reduce((t, v) => t + v.aval.shape.reduce((a, b) => a * b, 1) * 4, 0), 0);
    const gradientBytes = 50 * 32 * 32 * 4;
    const peak = step.stats().peakBytes;
    // What reverse mode needs: the gradients it returns plus one activation per layer (16·32·4 bytes each), with slack.
    expect(peak).toBeLessThan(gradientBytes + 2 * 50 * 16 * 32 * 4 + 64 * 1024);
    expect(peak).toBeLessThan(everything / 2);
    for (const g of grads) g.dispose();
  });
});

describe('vmap of a primitive without a batch rule', () => {
  it('applies it once per example (the generic rule) and jit stats count it', async () => {
    const { bind1 } = await import('../core/trace.js');
    const tf = await import('@tensorflow/tfjs-core');
    const { kernelOnly } = await import('../core/lowering.js');
    // A primitive with no `batch`: doubles its operand.
    const double: import('../core/primitive.js').Primitive = {
      name: 'testDouble',
      lowering: kernelOnly('a test primitive'),
      abstractEval: ([x]) => [x!],
      impl: ([x]) => [tf.mul(x!, 2)],
    };
    const f = fx.jit(fx.vmap((x: fx.Tensor<[3], 'float32'>) => fx.sin(bind1(double, [x]) as fx.Tensor<[3], 'float32'>)));
    const y = f(fx.tensor([[0, 0.5, 1], [1.5, 2, 2.5]]) as fx.Tensor<[2, 3], 'float32'>);
    await expectClose(y, [[0, 0.5, 1], [1.5, 2, 2.5]].map((r) => r.map((v) => Math.sin(2 * v))), 1e-6);
    expect(f.stats().perExampleLoops).toBe(1);
  });
});

describeEachBackend('a bool result of a generated loop inside a program the host cannot take whole', () => {
  it('is written where the tensor keeps it (the cpu backend reads bool tensors as copies)', async () => {
    // cumsum has no host kernel, so the loops run on the tensors' own memory (the mixed plan).
    const f = (r: fx.Tensor<[3], 'float32'>) => {
      const m = fx.notEqual(r, 0);
      const rank = fx.sub(fx.cumsum(fx.cast(m, 'int32'), 0), 1);
      const m1 = fx.reshape(m, [3, 1]);
      return [m, fx.cast(fx.where(m1, fx.equal(fx.reshape(rank, [3, 1]), fx.reshape(fx.arange(2), [1, 2])), m1), 'int32')] as const;
    };
    const [m, onehot] = fx.jit(f)(fx.tensor([0, 1, 1]));
    expect(await m.array()).toEqual([false, true, true]);
    expect(await onehot.array()).toEqual([[0, 0], [1, 0], [0, 1]]);
  });
});

describeEachBackend('jit of a CNN gradient (conv → relu → pool: a loop with a bool result in a mixed plan)', () => {
  it('gives the eager gradient (it was all zeros on cpu)', async () => {
    const x = fx.reshape(fx.tensor(Float32Array.from({ length: 32 }, (_, i) => Math.sin(i))), [2, 4, 4, 1]) as fx.Tensor<[2, 4, 4, 1], 'float32'>;
    const w = fx.reshape(fx.tensor(Float32Array.from({ length: 18 }, (_, i) => Math.cos(i) * 0.5)), [3, 3, 1, 2]) as fx.Tensor<[3, 3, 1, 2], 'float32'>;
    const b = fx.tensor([0.1, -0.2]) as fx.Tensor<[2], 'float32'>;
    const f = (w: fx.Tensor<[3, 3, 1, 2], 'float32'>) => fx.sum(fx.square(fx.avgPool(fx.relu(fx.nn.conv2d({ w, b }, x)), [2, 2], { strides: 2 })));
    const want = await fx.grad(f)(w).array();
    await expectClose(fx.jit(fx.grad(f))(w), want, 1e-5);
    expect(Math.max(...(want as number[][][][]).flat(3).map(Math.abs))).toBeGreaterThan(0.01);
  });
});
