/**
 * The NumPy/JAX surface, part 4 (lib/composite/extras.ts) against plain-JS
 * float64 references, with second-order derivative checks for the
 * differentiable ones and a vmap check per function.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;
const t = (x: unknown, d?: 'int32' | 'bool') => fx.tensor(x as number[], d as never) as Any;
const M23 = [[0.5, -1.2, 2.1], [1.3, 0.7, -0.4]];
const i32 = (x: Any) => fx.cast(x, 'int32');

async function expectVmapMatches(f: (x: Any) => Any, batch: Any, tol = 1e-5): Promise<void> {
  const rows = [];
  for (let i = 0; i < batch.shape[0]; i++) rows.push(await f(fx.take(batch, i)).array());
  await expectClose(fx.vmap(f)(batch), rows, tol);
}

describeEachBackend('axis moves and shapes', () => {
  it('moveaxis, swapaxes, ravel, atleast1d/2d/3d', async () => {
    const x = t([[[1, 2], [3, 4], [5, 6]]]); // [1, 3, 2]
    expect(fx.moveaxis(x, 0, -1).shape).toEqual([3, 2, 1]);
    await expectClose(fx.moveaxis(x, 2, 0), [[[1, 3, 5]], [[2, 4, 6]]]);
    await expectClose(fx.swapaxes(x, 1, 2), [[[1, 3, 5], [2, 4, 6]]]);
    await expectClose(fx.ravel(x), [1, 2, 3, 4, 5, 6]);
    expect(fx.atleast1d(fx.scalar(1)).shape).toEqual([1]);
    expect(fx.atleast2d(fx.tensor([1, 2])).shape).toEqual([1, 2]);
    expect(fx.atleast3d(fx.tensor([1, 2])).shape).toEqual([1, 2, 1]);
    expect(fx.atleast3d(fx.zeros([2, 3])).shape).toEqual([2, 3, 1]);
    await fx.checkGradsAsync((a) => fx.mul(fx.swapaxes(a, 0, 1), fx.moveaxis(a, 1, 0)), [t(M23)], { order: 2 });
    await expectVmapMatches((a) => fx.moveaxis(fx.reshape(a, [3, 1]), 0, 1), t(M23));
  });

  it('rot90 turns counter-clockwise k times', async () => {
    const m = [[1, 2, 3], [4, 5, 6]];
    const once = [[3, 6], [2, 5], [1, 4]];
    await expectClose(fx.rot90(t(m)), once);
    await expectClose(fx.rot90(t(m), 2), [[6, 5, 4], [3, 2, 1]]);
    await expectClose(fx.rot90(t(m), -1), [[4, 1], [5, 2], [6, 3]]);
    await expectClose(fx.rot90(t(m), 3), [[4, 1], [5, 2], [6, 3]]);
    await expectClose(fx.rot90(t(m), 4), m);
    await fx.checkGradsAsync((a) => fx.mul(fx.rot90(a), fx.rot90(a)), [t(M23)], { order: 2 });
    await expectVmapMatches((a) => fx.rot90(fx.reshape(a, [1, 3])), t(M23));
  });

  it('zerosLike, onesLike, fullLike keep shape and dtype', async () => {
    const z = fx.zerosLike(t([1, 2], 'int32'));
    expect([z.dtype, z.shape]).toEqual(['int32', [2]]);
    await expectClose(z, [0, 0]);
    await expectClose(fx.onesLike(t(M23)), [[1, 1, 1], [1, 1, 1]]);
    expect(fx.onesLike(fx.tensor([true])).dtype).toBe('bool');
    await expectClose(fx.fullLike(t([1, 2]), 7), [7, 7]);
  });
});

describeEachBackend('logical and elementwise', () => {
  it('logicalAnd/Or/Xor/Not, numbers count as true where non-zero', async () => {
    const a = fx.tensor([true, true, false, false]);
    const b = fx.tensor([true, false, true, false]);
    await expectClose(i32(fx.logicalAnd(a, b)), [1, 0, 0, 0]);
    await expectClose(i32(fx.logicalOr(a, b)), [1, 1, 1, 0]);
    await expectClose(i32(fx.logicalXor(a, b)), [0, 1, 1, 0]);
    await expectClose(i32(fx.logicalNot(a)), [0, 0, 1, 1]);
    await expectClose(i32(fx.logicalAnd(t([0, 2]), t([1, 1]))), [0, 1]);
    await expectVmapMatches((x) => fx.cast(fx.logicalXor(fx.greater(x, 0), fx.less(x, 1)), 'float32'), t(M23));
  });

  it('round is half-to-even and exact near ties', async () => {
    const v = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 2.7, -2.7, 1e8 + 1, NaN];
    const even = (x: number) => {
      const f = Math.floor(x);
      const d = x - f;
      return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
    };
    await expectClose(fx.round(t(v)), v.map((x) => (Number.isNaN(x) ? NaN : even(Math.fround(x)))));
    await expectClose(fx.grad((x: fx.Tensor<[2], 'float32'>) => fx.sum(fx.mul(fx.round(x), x)))(t([1.2, 2.6]) as fx.Tensor<[2], 'float32'>), [1, 3]);
    await expectVmapMatches((x) => fx.round(fx.mul(x, 3)), t(M23));
  });

  const pairs: [string, (a: Any, b: Any) => Any, (a: number, b: number) => number, number[], number[]][] = [
    ['hypot', (a, b) => fx.hypot(a, b), Math.hypot, [3, -1.5, 0.2, 2], [4, 0.7, -2.5, -1]],
    ['copysign', (a, b) => fx.copysign(a, b), (a, b) => Math.abs(a) * (b < 0 || Object.is(b, -0) ? -1 : 1), [3, -1.5, 0.2, 2], [-4, 0.7, -2.5, 1]],
    ['fmax', (a, b) => fx.fmax(a, b), Math.max, [3, -1.5, 0.2, 2], [4, 0.7, -2.5, -1]],
    ['fmin', (a, b) => fx.fmin(a, b), Math.min, [3, -1.5, 0.2, 2], [4, 0.7, -2.5, -1]],
  ];
  for (const [name, f, ref, a, b] of pairs) {
    it(`${name} matches its float64 reference; derivatives to order 2; vmap`, async () => {
      await expectClose(f(t(a), t(b)), a.map((x, i) => ref(x, b[i]!)), 1e-6);
      await fx.checkGradsAsync((x, y) => f(x, y), [t(a), t(b)], { order: 2 });
      await expectVmapMatches((x) => f(x, t([1, -1, 2])), t(M23));
    });
  }

  it('hypot avoids overflow and underflow; special values of copysign, fmax, nanToNum, heaviside', async () => {
    await expectClose(fx.hypot(t([3e30, 3e-30, 0, Infinity, 1]), t([4e30, 4e-30, 0, 1, -Infinity])), [5e30, 5e-30, 0, Infinity, Infinity], 1e-6);
    await expectClose(fx.copysign(t([2, 2]), t([-0, 0])), [-2, 2]);
    await expectClose(fx.fmax(t([NaN, 1, NaN]), t([2, NaN, NaN])), [2, 1, NaN]);
    await expectClose(fx.fmin(t([NaN, 1]), t([2, NaN])), [2, 1]);
    await expectClose(fx.nanToNum(t([NaN, Infinity, -Infinity, 1])), [0, 3.4028234663852886e38, -3.4028234663852886e38, 1]);
    await expectClose(fx.nanToNum(t([NaN, Infinity, -Infinity]), { nan: 1, posinf: 2, neginf: 3 }), [1, 2, 3]);
    await expectClose(fx.heaviside(t([-1, 0, 2]), 0.5), [0, 0.5, 1]);
    await expectClose(fx.deg2rad(t([180, -90])), [Math.PI, -Math.PI / 2], 1e-6);
    await expectClose(fx.rad2deg(t([Math.PI])), [180], 1e-6);
    await expectClose(fx.reciprocal(t([2, -4])), [0.5, -0.25]);
    await fx.checkGradsAsync((x) => fx.mul(fx.reciprocal(x), fx.deg2rad(x)), [t([2, -4, 0.5])], { order: 2 });
  });

  it('isclose and allclose with rtol, atol, infinities and equalNan', async () => {
    const a = t([1, 1, Infinity, -Infinity, NaN, 100]);
    const b = t([1 + 1e-7, 1.1, Infinity, Infinity, NaN, 100.002]);
    await expectClose(i32(fx.isclose(a, b)), [1, 0, 1, 0, 0, 0]);
    await expectClose(i32(fx.isclose(a, b, { rtol: 1e-4 })), [1, 0, 1, 0, 0, 1]);
    await expectClose(i32(fx.isclose(a, b, { equalNan: true })), [1, 0, 1, 0, 1, 0]);
    await expectClose(i32(fx.isclose(t([0]), t([1e-9]))), [1]);
    await expectClose(i32(fx.allclose(t([1, 2]), t([1, 2 + 1e-6]))), 1);
    await expectClose(i32(fx.allclose(t([1, 2]), t([1, 2.1]))), 0);
    await expectVmapMatches((x) => fx.cast(fx.isclose(x, t([0.5, 0.7, 2.1])), 'float32'), t(M23));
  });
});

describeEachBackend('products', () => {
  const crossRef = (u: number[], v: number[]) => [u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!];
  it('cross, kron, inner', async () => {
    const u = [[1, 2, 3], [0.5, -1, 2]];
    const v = [[7, 8, 9], [1, 0, -3]];
    await expectClose(fx.cross(t(u), t(v)), u.map((r, i) => crossRef(r, v[i]!)), 1e-6);
    await expectClose(fx.cross(t([[1, 0.5], [2, -1], [3, 2]]), t([[7, 1], [8, 0], [9, -3]]), 0), [0, 1, 2].map((k) => u.map((r, i) => crossRef(r, v[i]!)[k]!)), 1e-6);
    expect(() => fx.cross(t([1, 2]), t([1, 2]))).toThrow(/cross: axis -1 must have size 3/);
    const a = [[1, 2], [3, 4]];
    const b = [[0, 5], [6, 7]];
    const kronRef = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => a[Math.floor(i / 2)]![Math.floor(j / 2)]! * b[i % 2]![j % 2]!));
    await expectClose(fx.kron(t(a), t(b)), kronRef);
    await expectClose(fx.kron(t([1, 2]), t([[1], [10]])), [[1, 2], [10, 20]]);
    await expectClose(fx.inner(t(u), t(v)), u.map((r) => v.map((s) => r.reduce((acc, x, k) => acc + x * s[k]!, 0))), 1e-6);
    await fx.checkGradsAsync((x, y) => fx.cross(x, y), [t(u), t(v)], { order: 2 });
    await fx.checkGradsAsync((x, y) => fx.kron(x, y), [t(a), t(b)], { order: 2 });
    await fx.checkGradsAsync((x, y) => fx.inner(x, y), [t(u), t(v)], { order: 2 });
    await expectVmapMatches((x) => fx.cross(x, t([1, 0, 2])), t(u));
    await expectVmapMatches((x) => fx.kron(x, t([1, -1])), t(u));
    await expectVmapMatches((x) => fx.inner(x, t(v)), t(u));
  });
});

describeEachBackend('statistics', () => {
  const data = [[3, 1, 4, 1.5], [5, 9, 2, 6]];
  it('average, ptp, countNonzero', async () => {
    await expectClose(fx.average(t([1, 2, 3]), 0, t([3, 1, 0])), 1.25);
    await expectClose(fx.average(t(data), 1, t([1, 2, 3, 4])), data.map((r) => (r[0]! + 2 * r[1]! + 3 * r[2]! + 4 * r[3]!) / 10), 1e-6);
    await expectClose(fx.average(t(data)), data.flat().reduce((s, v) => s + v, 0) / 8, 1e-6);
    expect(() => fx.average(t(data), 1, t([1, 2]))).toThrow(/average: 1-D weights \[2\] need one axis of x \[2, 4\] of the same length/);
    await expectClose(fx.ptp(t(data), 1), [3, 7]);
    await expectClose(fx.countNonzero(t([[0, 1], [2, 0]]), 0), [1, 1]);
    await expectClose(fx.countNonzero(fx.tensor([true, false, true])), 2);
    await fx.checkGradsAsync((x, w) => fx.average(x, 1, w), [t(data), t([1, 2, 3, 4.5])], { order: 2 });
    await expectVmapMatches((x) => fx.average(x, 0, t([1, 2, 3])), t(M23));
    await expectVmapMatches((x) => fx.ptp(x), t(M23));
  });

  it('nansum and nanmean skip NaN; quantile and median interpolate linearly', async () => {
    await expectClose(fx.nansum(t([[1, NaN], [2, 3]]), 1), [1, 5]);
    await expectClose(fx.nanmean(t([[1, NaN], [2, 3]]), 1), [1, 2.5]);
    await expectClose(fx.nanmean(t([NaN, NaN])), NaN);
    await expectClose(fx.grad((x: fx.Tensor<[3], 'float32'>) => fx.nansum(x) as fx.Tensor<[], 'float32'>)(t([1, NaN, 2]) as fx.Tensor<[3], 'float32'>), [1, 0, 1]);
    const qRef = (r: number[], q: number) => {
      const s = [...r].sort((a, b) => a - b);
      const pos = q * (s.length - 1);
      const lo = Math.floor(pos);
      return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
    };
    for (const q of [0, 0.1, 0.5, 0.9, 1]) await expectClose(fx.quantile(t(data), q, 1), data.map((r) => qRef(r, q)), 1e-6);
    await expectClose(fx.quantile(t(data), 0.3), qRef(data.flat(), 0.3), 1e-6);
    await expectClose(fx.median(t(data), 1, true), data.map((r) => [qRef(r, 0.5)]), 1e-6);
    await expectClose(fx.median(t([3, 1, 2])), 2);
    await fx.checkGradsAsync((x) => fx.quantile(x, 0.3, 1), [t(data)], { order: 2 });
    await fx.checkGradsAsync((x) => fx.nanmean(fx.mul(x, x), 0), [t(data)], { order: 2 });
    await expectVmapMatches((x) => fx.median(x), t(M23));
    await expectVmapMatches((x) => fx.nansum(x), t(M23));
  });
});

describeEachBackend('inverse hyperbolic, NaN-ignoring extrema, percentile, vdot, arraySplit, columnStack', (backend) => {
  const cases: [string, (x: Any) => Any, (x: number) => number, number[]][] = [
    ['asinh', (x) => fx.asinh(x), Math.asinh, [-30, -1.2, -1e-4, 0, 0.3, 250]],
    ['acosh', (x) => fx.acosh(x), Math.acosh, [1.0001, 1.2, 2, 3.5, 10, 300]],
    ['atanh', (x) => fx.atanh(x), Math.atanh, [-0.9, -0.3, -1e-4, 0, 0.5, 0.95]],
  ];
  for (const [name, f, ref, v] of cases) {
    it(`${name} matches Math.${name} (relative 1e-6, also near 0/1 and far out); derivatives to order 2; vmap`, async () => {
      await expectClose(f(t(v)), v.map((x) => ref(Math.fround(x))), 1e-6);
      const inner = name === 'acosh' ? [[1.3, 2, 4]] : [[-0.6, 0.2, 0.7]];
      await fx.checkGradsAsync((x) => f(x), [t(inner)], { order: 2 });
      await expectVmapMatches(f, t(name === 'acosh' ? [[1.3, 2, 4], [5, 1.1, 2.2]] : M23.map((r) => r.map((x) => x / 3))));
    });
  }

  it('asinh has derivative 1 at 0; atanh is ±Infinity at ±1', async () => {
    await expectClose(fx.grad((x: fx.Tensor<[], 'float32'>) => fx.asinh(x))(fx.scalar(0)), 1);
    if (backend !== 'webgpu') await expectClose(fx.atanh(t([1, -1])), [Infinity, -Infinity]);
    else {
      // WGSL's log of 0 is not guaranteed to be −Infinity (SwiftShader's vectorized kernel gives about −88): a large magnitude.
      const [a, b] = Array.from(await fx.atanh(t([1, -1])).data());
      expect(a! > 40 && b! < -40).toBe(true);
    }
  });

  it('nanmax, nanmin, percentile, vdot, arraySplit, columnStack', async () => {
    await expectClose(fx.nanmax(t([[1, NaN, 3], [NaN, NaN, NaN]]), 1), [3, NaN]);
    await expectClose(fx.nanmin(t([[1, NaN, 3], [NaN, -2, NaN]]), 1), [1, -2]);
    await expectClose(fx.percentile(t([1, 2, 3, 4]), 50), 2.5);
    await expectClose(fx.percentile(t([[1, 2, 3, 4]]), 25, 1), [1.75]);
    await expectClose(fx.vdot(t([[1, 2], [3, 4]]), t([[1, 0.5], [2, -1]])), 1 + 1 + 6 - 4);
    const parts = fx.arraySplit(t([1, 2, 3, 4, 5]), 3);
    expect(parts.map((p) => p.shape)).toEqual([[2], [2], [1]]);
    await expectClose(parts[2]!, [5]);
    await expectClose(fx.columnStack([t([1, 2]), t([3, 4])]), [[1, 3], [2, 4]]);
    await fx.checkGradsAsync((x) => fx.nanmax(x, 1), [t(M23)], { order: 2 });
    await fx.checkGradsAsync((x, y) => fx.vdot(x, y), [t(M23), t(M23.map((r) => r.map((v) => v * 2 - 1)))], { order: 2 });
    await expectVmapMatches((x) => fx.nanmin(x), t(M23));
    await expectVmapMatches((x) => fx.columnStack([x, x]), t(M23));
  });
});

describeEachBackend('searching, binning, interpolation, covariance and friends', () => {
  it('searchsorted and digitize match NumPy', async () => {
    const a = [1, 2, 2, 3, 5];
    const v = [0, 1, 2, 2.5, 5, 9];
    const left = v.map((x) => a.filter((y) => y < x).length);
    const right = v.map((x) => a.filter((y) => y <= x).length);
    await expectClose(fx.searchsorted(t(a), t(v)), left);
    await expectClose(fx.searchsorted(t(a), t(v), 'right'), right);
    await expectClose(fx.searchsorted(t([1, 3], 'int32'), t([[2, 4]], 'int32')), [[1, 2]]);
    const bins = [1, 2, 3];
    await expectClose(fx.digitize(t([0.5, 1, 2.5, 3, 4]), t(bins)), [0, 1, 2, 3, 3]);
    await expectClose(fx.digitize(t([0.5, 1, 2.5, 3, 4]), t(bins), true), [0, 0, 2, 2, 3]);
    await expectVmapMatches((x) => fx.cast(fx.searchsorted(t(a), x), 'float32'), t(M23));
  });

  it('interp is piecewise linear, constant outside, differentiable in x, xp, fp', async () => {
    const xp = [0, 1, 3, 4];
    const fp = [0, 10, 30, -2];
    const ref = (x: number) => {
      if (x <= xp[0]!) return fp[0]!;
      if (x >= xp[3]!) return fp[3]!;
      const i = xp.findIndex((p) => p > x);
      return fp[i - 1]! + ((x - xp[i - 1]!) * (fp[i]! - fp[i - 1]!)) / (xp[i]! - xp[i - 1]!);
    };
    const x = [-1, 0, 0.5, 1, 2, 3.5, 4, 7];
    await expectClose(fx.interp(t(x), t(xp), t(fp)), x.map(ref), 1e-6);
    await expectClose(fx.interp(t([-1, 7]), t(xp), t(fp), { left: -5, right: 50 }), [-5, 50]);
    await expectClose(fx.interp(t([-1, 7]), t([2]), t([3])), [3, 3]);
    await fx.checkGradsAsync((a, b, c) => fx.interp(a, b, c), [t([0.5, 2.2, 3.7]), t(xp), t(fp)], { order: 2 });
    await expectVmapMatches((v) => fx.interp(v, t(xp), t(fp)), t(M23));
  });

  it('bincount with length and weights', async () => {
    const x = t([0, 2, 2, 5, 1], 'int32');
    const c = fx.bincount(x, 4);
    expect(c.dtype).toBe('int32');
    await expectClose(c, [1, 1, 2, 0]);
    await expectClose(fx.bincount(x, 6, t([1, 0.5, 0.25, 2, 3])), [1, 3, 0.75, 0, 0, 2]);
    await fx.checkGradsAsync((w) => fx.bincount(x, 3, w), [t([1, 0.5, 0.25, 2, 3])], { order: 2 });
    await expectVmapMatches((w) => fx.bincount(t([0, 2, 2], 'int32'), 3, w), t(M23));
  });

  it('cov and corrcoef', async () => {
    const m = [[0, 1, 2, 4], [2, 1, 0.5, -1], [1, 3, 2, 0]];
    const mean = (r: number[]) => r.reduce((s, v) => s + v, 0) / r.length;
    const covRef = m.map((r) => m.map((q) => r.reduce((s, v, k) => s + (v - mean(r)) * (q[k]! - mean(q)), 0) / (r.length - 1)));
    await expectClose(fx.cov(t(m)), covRef, 1e-5);
    await expectClose(fx.cov(t(m), { ddof: 0 }), covRef.map((r) => r.map((v) => (v * 3) / 4)), 1e-5);
    const mt = m[0]!.map((_, j) => m.map((r) => r[j]!));
    await expectClose(fx.cov(t(mt), { rowVar: false }), covRef, 1e-5);
    await expectClose(fx.corrcoef(t(m)), covRef.map((r, i) => r.map((v, j) => v / Math.sqrt(covRef[i]![i]! * covRef[j]![j]!))), 1e-5);
    await expectClose(fx.cov(t([1, 2, 3])), 1);
    await fx.checkGradsAsync((a) => fx.corrcoef(a), [t(m)], { order: 2, rtol: 0.05 });
    await expectVmapMatches((a) => fx.cov(a), t([m, m.map((r) => r.map((v) => v * v))]));
  });

  it('tri, logspace, geomspace, signbit, select, hsplit, vsplit', async () => {
    await expectClose(fx.tri(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]]);
    await expectClose(fx.tri(2, 3, 1), [[1, 1, 0], [1, 1, 1]]);
    await expectClose(fx.logspace(0, 2, 3), [1, 10, 100]);
    expect(fx.logspace(0, 1).shape).toEqual([50]);
    await expectClose(fx.logspace(0, 3, 3, false, 2), [1, 2, 4]);
    await expectClose(fx.geomspace(1, 1000, 4), [1, 10, 100, 1000], 1e-6);
    await expectClose(fx.geomspace(-1, -16, 5), [-1, -2, -4, -8, -16], 1e-6);
    expect(() => fx.geomspace(0, 1)).toThrow(/geomspace: start and stop must be non-zero/);
    await expectClose(i32(fx.signbit(t([-1, -0, 0, 2, -Infinity]))), [1, 1, 0, 0, 1]);
    const x = t([-1, 0, 2]);
    await expectClose(fx.select([fx.less(x, 0), fx.greater(x, 0)], [fx.neg(x), fx.mul(x, 10)], 5), [1, 5, 20]);
    await fx.checkGradsAsync((v) => fx.select([fx.less(v, 0)], [fx.mul(v, v)], 0), [t([-1.5, 0.5, -0.2])], { order: 2 });
    const h = fx.hsplit(t([[1, 2, 3, 4]]), 2);
    await expectClose(h[1]!, [[3, 4]]);
    const vs = fx.vsplit(t([[1], [2]]), 2);
    await expectClose(vs[1]!, [[2]]);
    await expectVmapMatches((v) => fx.hsplit(v, [1])[1]!, t(M23));
  });
});
