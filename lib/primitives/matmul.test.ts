import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

/** Plain-JS float64 `[..., M, K] @ [K, N]`. */
function reference(a: number[][][], w: number[][]): number[][][] {
  return a.map((m) => m.map((row) => w[0]!.map((_, j) => row.reduce((s, x, p) => s + x * w[p]![j]!, 0))));
}
const data = (shape: [number, number, number]) =>
  Array.from({ length: shape[0] }, (_, b) => Array.from({ length: shape[1] }, (_, i) => Array.from({ length: shape[2] }, (_, k) => Math.sin(1 + b * 7 + i * 3 + k))));

describeEachBackend('matmul [..., M, K] @ [K, N] (leading dims folded into rows)', (backend) => {
  // Second-order finite differences through SwiftShader's emulated GPU take minutes: order 1 there.
  const order = backend === 'webgpu' ? 1 : 2;
  const a = data([3, 4, 5]);
  const w = data([1, 5, 2])[0]!;
  const ta = () => fx.tensor(a) as fx.Tensor<[3, 4, 5], 'float32'>;
  const tw = () => fx.tensor(w) as fx.Tensor<[5, 2], 'float32'>;

  it('equals the float64 product, eagerly and under jit', async () => {
    const want = reference(a, w);
    await expectClose(fx.matmul(fx.tensor(a), fx.tensor(w)), want, 1e-5);
    await expectClose(fx.jit((x: fx.Tensor<[3, 4, 5], 'float32'>, y: fx.Tensor<[5, 2], 'float32'>) => fx.matmul(x, y))(ta(), tw()), want, 1e-5);
    await expectClose(fx.nn.dense({ w: fx.tensor(w), b: fx.zeros([2]) }, fx.tensor(a)), want, 1e-5);
  });

  it('is one 2-D product in the IR, and its gradients are 2-D products (no batched product, no broadcast sum)', () => {
    const f = (x: fx.Tensor<[3, 4, 5], 'float32'>, y: fx.Tensor<[5, 2], 'float32'>) => fx.sum(fx.tanh(fx.matmul(x, y)));
    const ir = fx.makeIR(fx.grad(f, { argnums: [0, 1] }))(ta(), tw()).toString();
    const products = ir.split('\n').filter((l) => /\bmatmul\b/.test(l));
    expect(products.length).toBeGreaterThan(0);
    for (const line of products) expect(line).not.toMatch(/f32\[\d+,\d+,\d+\]/);
  });

  it('gradients of both operands match finite differences (order 1 and 2)', async () => {
    await fx.checkGradsAsync((x, y) => fx.tanh(fx.matmul(x, y)), [fx.tensor(a), fx.tensor(w)], { order });
  });
});

describeEachBackend('batched matmul [B, M, K] @ [B, K, N] (SIMD per batch entry on wasm)', (backend) => {
  const order = backend === 'webgpu' ? 1 : 2;
  const batched = (b: number, m: number, k: number) =>
    Array.from({ length: b }, (_, i) => Array.from({ length: m }, (_, r) => Array.from({ length: k }, (_, c) => Math.cos(0.3 + i * 1.7 + r * 0.9 + c * 0.37))));
  const reference3 = (x: number[][][], y: number[][][]) => x.map((m, i) => m.map((row) => y[i]![0]!.map((_, j) => row.reduce((s, v, p) => s + v * y[i]![p]![j]!, 0))));

  it('equals the float64 product (n a multiple of 8, m a multiple of 4 and not), with gradients', async () => {
    for (const [b, m, k, n] of [[6, 8, 16, 32], [3, 5, 7, 16], [2, 12, 33, 8]] as const) {
      const x = batched(b, m, k);
      const y = batched(b, k, n);
      await expectClose(fx.matmul(fx.tensor(x) as fx.Tensor<number[], 'float32'>, fx.tensor(y) as never), reference3(x, y), 1e-5);
    }
    await fx.checkGradsAsync((x, y) => fx.matmul(x, y), [fx.tensor(batched(2, 4, 3)), fx.tensor(batched(2, 3, 8))], { order });
  });
});

describeEachBackend('large 2-D products under jit (the wasm mixed plan: packed SIMD kernel on tfjs-wasm’s heap)', (backend) => {
  // Above the host limit (2^21 multiply-adds) a jitted program takes the mixed plan; on wasm its
  // products run as fluxion's packed kernel. Values within float32 accumulation error of float64.
  const matrix = (r: number, c: number, s: number) => Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => Math.sin(s + i * 0.71 + j * 1.33)));
  const product = (x: number[][], y: number[][]) => x.map((row) => y[0]!.map((_, j) => row.reduce((s, v, p) => s + v * y[p]![j]!, 0)));
  const maxAbsDiff = (got: Float32Array, want: number[][]) => want.flat().reduce((d, v, i) => Math.max(d, Math.abs(got[i]! - v)), 0);

  it.runIf(backend !== 'webgpu')('equals the float64 product for rows a multiple of 4 and not, n = 8 and wider', async () => {
    // 520 × 512 and 257 × 1024: several blocks of rows (128 KB of `a` each), the last one partial.
    for (const [m, k, n] of [[132, 160, 104], [61, 256, 136], [257, 1024, 8], [520, 512, 16]] as const) {
      const x = matrix(m, k, 0.2);
      const y = matrix(k, n, 1.9);
      const f = fx.jit((a: fx.Tensor<number[], 'float32'>, b: fx.Tensor<number[], 'float32'>) => fx.tanh(fx.matmul(a, b as never)));
      const got = await f(fx.tensor(x), fx.tensor(y)).data();
      const want = product(x, y).map((row) => row.map(Math.tanh));
      // |terms| ≤ 1: float32 sums of k products err by at most about k·2^-24·Σ|terms| ≤ k²·6e-8.
      expect(maxAbsDiff(got as Float32Array, want)).toBeLessThan(Math.max(1e-5, k * 1e-6));
    }
  });
});
