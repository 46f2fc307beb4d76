import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { expectClose } from '../testing/backends.js';
import { describeHostBackends } from './decompositionTesting.js';
import { expm64, expmFrechet64 } from './decompositionKernels.js';

type T = fx.Tensor;
const expm = fx.linalg.expm as unknown as (a: T) => T;
const expmFrechet = fx.linalg.expmFrechet as unknown as (a: T, e: T) => T;

describeHostBackends('expm values', () => {
  it('nilpotent, diagonal and rotation generators by hand', async () => {
    await expectClose(expm(fx.tensor([[0, 1], [0, 0]])), [[1, 1], [0, 1]]);
    await expectClose(expm(fx.tensor([[1, 0], [0, -2]])), [[Math.E, 0], [0, Math.exp(-2)]]);
    const t = 0.7;
    await expectClose(expm(fx.tensor([[0, -t], [t, 0]])), [[Math.cos(t), -Math.sin(t)], [Math.sin(t), Math.cos(t)]]);
  });

  it('large norm (scaling and squaring): exp of [[a, b], [0, a]] = eᵃ·[[1, b], [0, 1]] with a = 5, b = 30', async () => {
    await expectClose(expm(fx.tensor([[5, 30], [0, 5]])), [[Math.exp(5), 30 * Math.exp(5)], [0, Math.exp(5)]], 2e-6);
  });

  it('every Padé degree: a 3×3 scaled to norms 0.01 … 100 agrees with the Taylor series in float64 (relative 1e-6)', async () => {
    const base = [[0.3, -0.2, 0.5], [0.1, 0.4, -0.3], [-0.2, 0.6, 0.1]];
    for (const c of [0.01, 0.2, 0.8, 2, 4, 20]) {
      const a = base.map((r) => r.map((x) => x * c));
      // Taylor series of exp(a/2ᵏ) in float64, then squaring (a reference independent of the Padé kernel).
      const k = 10;
      const small = a.map((r) => r.map((x) => x / 2 ** k));
      let term = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
      let sum = term.map((r) => r.slice());
      for (let j = 1; j < 30; j++) {
        term = term.map((r) => [0, 1, 2].map((q) => r.reduce((s, x, p) => s + (x * small[p]![q]!) / j, 0)));
        sum = sum.map((r, i) => r.map((x, q) => x + term[i]![q]!));
      }
      for (let j = 0; j < k; j++) sum = sum.map((r) => [0, 1, 2].map((q) => r.reduce((s, x, p) => s + x * sum[p]![q]!, 0)));
      await expectClose(expm(fx.tensor(a) as T), sum, 2e-6);
    }
  });

  it('a batch and vmap agree with per-matrix results', async () => {
    const mats = fx.tensor([[[0, 1], [0, 0]], [[1, 0], [0, -2]]]);
    const want = [[[1, 1], [0, 1]], [[Math.E, 0], [0, Math.exp(-2)]]];
    await expectClose(expm(mats), want);
    await expectClose(fx.vmap(expm)(mats), want);
  });
});

describeHostBackends('expm derivatives', () => {
  const a3 = () => fx.tensor([[0.3, -0.2, 0.5], [0.1, 0.4, -0.3], [-0.2, 0.6, 0.1]]);

  it('commuting direction: d exp(A)[A] = A·exp(A)', async () => {
    const a = a3();
    const [, t] = fx.jvp(expm, [a as T], [a as T]) as unknown as [T, T];
    await expectClose(t, await fx.matmul(a, expm(a) as never).array(), 1e-5);
  });

  it('order 2 (fwd and rev) against finite differences, small and large norms (squaring path)', async () => {
    await fx.checkGradsAsync(expm, [a3()], { order: 2 });
    await fx.checkGradsAsync(expm, [fx.mul(a3(), 6) as T], { order: 1, rtol: 2e-2 });
  });

  it('expmFrechet: linear in e, differentiable in a (order 1, fwd and rev)', async () => {
    await fx.checkGradsAsync(expmFrechet, [a3(), fx.tensor([[1, 0, 0.5], [0, -1, 0], [0.2, 0, 0.3]])], { order: 1 });
  });

  it('vmap(grad(sum ∘ expm))', async () => {
    const mats = fx.tensor([[[0, 0], [0, 0]], [[1, 0], [0, 2]]]);
    const g = fx.vmap(fx.grad((a: fx.Tensor<[2, 2], 'float32'>) => fx.sum(fx.linalg.expm(a))))(mats as never);
    // At 0: d Σ exp(A) = Σ dA, gradient all ones. At diag(1, 2): off-diagonal (e² − e)/(2 − 1) (divided differences).
    const dd = Math.exp(2) - Math.E;
    await expectClose(g, [[[1, 1], [1, 1]], [[Math.E, dd], [dd, Math.exp(2)]]], 1e-5);
  });
});

describe('expm64 / expmFrechet64 (float64 kernels)', () => {
  it('exp of a 2×2 Jordan block and the Fréchet derivative of a scalar-like matrix', () => {
    const r = expm64(Float64Array.from([2, 1, 0, 2]), 2);
    [Math.exp(2), Math.exp(2), 0, Math.exp(2)].forEach((w, i) => expect(Math.abs(r[i]! - w)).toBeLessThan(1e-13 * Math.exp(2)));
    const l = expmFrechet64(Float64Array.from([3, 0, 0, 3]), Float64Array.from([1, 2, 3, 4]), 2);
    [1, 2, 3, 4].forEach((w, i) => expect(Math.abs(l[i]! - w * Math.exp(3))).toBeLessThan(1e-12 * Math.exp(3) * 4));
  });
});
