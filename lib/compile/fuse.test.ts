import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type M = fx.Tensor<[4, 3], 'float32'>;
type V = fx.Tensor<[3], 'float32'>;

const chain = (x: M, b: V) => fx.sum(fx.add(fx.mul(fx.sin(x), fx.exp(fx.neg(fx.mul(x, x)))), fx.mul(fx.tanh(fx.add(x, b)), x)));

describeEachBackend('elementwise fusion in jit', (backend) => {
  const x = () => fx.tensor([[0.1, -0.5, 1.2], [2, -1.5, 0.3], [0, 0.7, -0.2], [1, 1, -3]]);
  const b = () => fx.tensor([0.5, -0.25, 1]);

  it('a fused chain gives the unfused values and gradients', async () => {
    const want = (await chain(x(), b()).array()) as number;
    const wantGrad = (await fx.grad(chain)(x(), b()).array()) as number[][];
    const g = fx.jit(chain);
    await expectClose(g(x(), b()), want, 1e-4);
    const dg = fx.jit(fx.grad(chain));
    await expectClose(dg(x(), b()), wantGrad, 1e-4);
    const fusedIR = dg.lower(x(), b()).toString();
    expect(fusedIR).toMatch(/fused\[ops=/);
    expect(g.stats().optimized.fused).toBeGreaterThanOrEqual(1);
    if (backend !== 'webgpu') {
      // The host lowering runs the whole elementwise gradient as one loop: sin, cos, exp and tanh computed once.
      expect(fusedIR.match(/fused/g)).toHaveLength(1);
    }
  });

  it('broadcast operands (scalars, trailing suffixes, size-1 axes) are read correctly', async () => {
    const f = (m: M, v: V, c: fx.Tensor<[4, 1], 'float32'>) => fx.mul(fx.add(fx.mul(m, 2), v), fx.sigmoid(fx.sub(c, m)));
    const c = fx.tensor([[1], [2], [3], [4]]);
    const want = (await f(x(), b(), c).array()) as number[][];
    await expectClose(fx.jit(f)(x(), b(), c), want, 1e-4);
  });

  it('values used outside the chain stay unfused outputs of their own', async () => {
    const f = (m: M) => {
      const t = fx.tanh(m);
      return [fx.mul(fx.mul(t, t), 3), fx.sum(t)] as const;
    };
    const [a, s] = fx.jit(f)(x());
    const [wa, ws] = f(x());
    await expectClose(a, (await wa.array()) as number[][], 1e-4);
    await expectClose(s, (await ws.array()) as number, 1e-4);
  });

  it('a chain with many inputs stays within the buffer limit of the backend', async () => {
    const many = (xs: M[]) => xs.reduce((acc, x, i) => (i % 2 ? fx.mul(acc, fx.sin(x)) : fx.add(acc, fx.tanh(x))));
    const inputs = Array.from({ length: 12 }, (_, i) => fx.mul(x(), 0.1 * (i + 1)) as M);
    const want = (await many(inputs).array()) as number[][];
    await expectClose(fx.jit(many)(inputs), want, 1e-4);
  });

  it('an elementwise chain feeding a reduction is one loop on cpu and wasm (sum of all, row sums, row max), same values and gradients', async () => {
    const f = (m: M, v: V) => {
      const e = fx.exp(fx.mul(fx.sub(m, v), 0.5));
      return [fx.sum(fx.mul(e, m)), fx.sum(fx.tanh(e), 1), fx.max(fx.sin(fx.add(m, v)), 1)] as const;
    };
    const [a, r, mx] = fx.jit(f)(x(), b());
    const [wa, wr, wm] = f(x(), b());
    await expectClose(a, (await wa.array()) as number, 1e-5);
    await expectClose(r, (await wr.array()) as number[], 1e-5);
    await expectClose(mx, (await wm.array()) as number[], 1e-5);
    const loss = (m: M, v: V) => fx.sum(fx.mul(fx.logSoftmax(fx.mul(m, v), 1), m));
    await expectClose(fx.jit(fx.grad(loss))(x(), b()), (await fx.grad(loss)(x(), b()).array()) as number[][], 1e-5);
    if (backend !== 'webgpu') {
      const ir = fx.jit(f).lower(x(), b()).toString();
      expect(ir).toMatch(/fused\[ops=[^\]]*→sum/);
      expect(ir).not.toMatch(/= sum\[/); // every reduction accumulated inside a loop
    }
  });

  it('a chain feeding a sum over trailing axes is one kernel on every backend (WGSL reduction on webgpu), same values and gradients', async () => {
    const all = (m: M) => fx.sum(fx.mul(fx.exp(fx.mul(m, 0.5)), fx.sin(fx.add(m, 0.3))));
    const rows = (m: M) => fx.sum(fx.tanh(fx.mul(m, 2)), 1);
    const big = (y: fx.Tensor<[300, 700], 'float32'>) => fx.sum(fx.mul(fx.sin(y), fx.sin(y)), 1);
    const y = fx.reshape(fx.tensor(Array.from({ length: 210000 }, (_, i) => Math.sin(i * 0.01))), [300, 700]) as fx.Tensor<[300, 700], 'float32'>;
    const tol = backend === 'webgpu' ? 1e-3 : 1e-5;
    await expectClose(fx.jit(all)(x()), (await all(x()).array()) as number, tol);
    await expectClose(fx.jit(rows)(x()), (await rows(x()).array()) as number[], tol);
    await expectClose(fx.jit(big)(y), (await big(y).array()) as number[], tol);
    await expectClose(fx.jit(fx.grad(all))(x()), (await fx.grad(all)(x()).array()) as number[][], tol);
    for (const ir of [fx.jit(all).lower(x()), fx.jit(rows).lower(x()), fx.jit(big).lower(y)].map(String)) {
      expect(ir).toMatch(/fused\[ops=[^\]]*→sum/);
      expect(ir).not.toMatch(/= sum\[/);
    }
  });

  it('can be turned off', () => {
    const g = fx.jit(chain, { fuse: false });
    expect(g.lower(x(), b()).toString()).not.toMatch(/fused/);
  });
});
