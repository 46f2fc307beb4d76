/**
 * The NumPy/JAX surface, part 5 (lib/composite/numpyStats.ts) against
 * plain-JS float64 references (NumPy's definitions written out), with
 * derivative checks of order 1–2 for the differentiable ones and vmap checks.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type F = fx.Tensor<any, 'float32'>;
const t = (x: unknown, d?: 'int32') => fx.tensor(x as number[], d as never) as Any;

async function expectVmapMatches(f: (x: Any) => Any, batch: Any, tol = 1e-5): Promise<void> {
  const rows = [];
  for (let i = 0; i < batch.shape[0]; i++) rows.push(await f(fx.take(batch, i)).array());
  await expectClose(fx.vmap(f)(batch), rows, tol);
}

// ---------------------------------------------------------------- float64 references

const sincRef = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

/** NumPy's quantile methods on one slice (float64); NaN for an empty slice. */
function quantileRef(xs: number[], q: number, method = 'linear'): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  switch (method) {
    case 'lower':
      return s[lo]!;
    case 'higher':
      return s[hi]!;
    case 'midpoint':
      return (s[lo]! + s[hi]!) / 2;
    case 'nearest': {
      const d = pos - lo;
      const r = d < 0.5 ? lo : d > 0.5 ? lo + 1 : lo % 2 === 0 ? lo : lo + 1;
      return s[r]!;
    }
    default:
      return s[lo]! + (pos - lo) * ((s[Math.min(lo + 1, n - 1)] ?? 0) - s[lo]!);
  }
}

/** NumPy's histogram on the host: half-open bins, the last closed. */
function histogramRef(xs: number[], edges: number[], ws?: number[]): number[] {
  const out = new Array(edges.length - 1).fill(0);
  xs.forEach((x, i) => {
    const last = edges.length - 1;
    if (!(x >= edges[0]! && x <= edges[last]!)) return;
    let b = edges.findIndex((e, j) => j < last && x >= e && x < edges[j + 1]!);
    if (x === edges[last]) b = last - 1;
    out[b] += ws ? ws[i]! : 1;
  });
  return out;
}

/** A deterministic spread of values (a fixed linear congruential sequence in [-3, 3]). */
function spread(n: number, seed = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.round(((s / 2147483648) * 6 - 3) * 1000) / 1000;
  });
}

// ---------------------------------------------------------------- tests

describeEachBackend('sinc', (backend) => {
  it('matches sin(πx)/(πx) in float64, is 1 at 0, and has the right derivatives at and near 0', async () => {
    const xs = [0, 1e-4, 0.05, 0.15, 0.159, 0.16, 0.3, 0.5, 1, -1.5, 2.25, -7.3];
    // WGSL's sin: absolute error up to 2^-11 (4.9e-4) on [−π, π] by the spec; SwiftShader's reached 3.7e-5 here.
    const wgsl = backend === 'webgpu';
    await expectClose(fx.sinc(t(xs)), xs.map(sincRef), wgsl ? 5e-4 : 2e-6);
    // sinc'(x) = (cos(πx) − sinc(x)) / x; sinc''(0) = −π²/3 (Maclaurin), sinc'(0) = 0.
    const d1 = fx.grad((v: F) => fx.sum(fx.sinc(v)));
    const pts = [0.3, 0.1, -0.2, 0.9];
    await expectClose(d1(t(pts)), pts.map((x) => (Math.cos(Math.PI * x) - sincRef(x)) / x), wgsl ? 5e-3 : 2e-5);
    await expectClose(d1(fx.scalar(0)), 0, 1e-7);
    const d2 = fx.grad((v: F) => fx.grad((w: F) => fx.sinc(w))(v));
    await expectClose(d2(fx.scalar(0)), -(Math.PI ** 2) / 3, 1e-5);
    await fx.checkGradsAsync((v) => fx.sinc(v), [t([0, 0.12, 0.17, -0.4, 1.3])], { order: 2 });
    await expectVmapMatches((v) => fx.sinc(v), t([[0, 0.5], [1.5, -0.1]]));
  });
});

describeEachBackend('NaN-skipping reductions', () => {
  const rows = [[1.5, NaN, 3, -2], [NaN, NaN, NaN, NaN], [0.5, 4, NaN, 1]];
  const clean = (r: number[]) => r.filter((v) => !Number.isNaN(v));
  const varRef = (r: number[], ddof = 0) => {
    const c = clean(r);
    if (c.length - ddof <= 0) return NaN;
    const m = c.reduce((s, v) => s + v, 0) / c.length;
    return c.reduce((s, v) => s + (v - m) ** 2, 0) / (c.length - ddof);
  };

  it('nanvar and nanstd (ddof 0 and 1, keepDims, all-NaN and too few entries give NaN)', async () => {
    const x = t(rows);
    await expectClose(fx.nanvar(x, 1), rows.map((r) => varRef(r)), 1e-5);
    await expectClose(fx.nanvar(x, 1, true, { ddof: 1 }), rows.map((r) => [varRef(r, 1)]), 1e-5);
    await expectClose(fx.nanstd(x, 1), rows.map((r) => Math.sqrt(varRef(r))), 1e-5);
    await expectClose(fx.nanvar(x), varRef(rows.flat()), 1e-5);
    await expectClose(fx.nanvar(t([2, NaN]), undefined, false, { ddof: 1 }), NaN);
    expect(fx.nanvar(x, 0).shape).toEqual([4]);
    await expectClose(fx.nanvar(x, 0), [0, 1, 2, 3].map((j) => varRef(rows.map((r) => r[j]!))), 1e-5);
    // Gradient: 2(x − mean)/(n − ddof) at the entries, 0 at the NaNs; no NaN leaks into the others.
    const g = fx.grad((v: F) => fx.sum(fx.nanvar(v, 1, false, { ddof: 1 })))(t([rows[0]!]));
    const c = clean(rows[0]!);
    const m = c.reduce((s, v) => s + v, 0) / c.length;
    await expectClose(g, [rows[0]!.map((v) => (Number.isNaN(v) ? 0 : (2 * (v - m)) / (c.length - 1)))], 1e-5);
    await fx.checkGradsAsync((v) => fx.nanstd(fx.where(fx.greater(v, 2.5), NaN, v) as Any, 0), [t([[1, 2, 0.5], [0.3, 3, -1], [2, -0.7, 1.1]])], { order: 2 });
    await expectVmapMatches((v) => fx.nanvar(v), x);
  });

  it('nanargmax and nanargmin skip NaNs, −1 for all-NaN slices, first index on ties', async () => {
    const x = t(rows);
    expect(fx.nanargmax(x, 1).dtype).toBe('int32');
    await expectClose(fx.nanargmax(x, 1), [2, -1, 1]);
    await expectClose(fx.nanargmin(x, 1), [3, -1, 0]);
    await expectClose(fx.nanargmax(x, 1, true), [[2], [-1], [1]]);
    await expectClose(fx.nanargmax(x), 9); // 4 at flat index 9
    await expectClose(fx.nanargmax(t([NaN, 2, 2])), 1);
    await expectClose(fx.nanargmin(x, 0), [2, 2, 0, 0]);
  });

  it('nanprod, nancumsum, nancumprod treat NaN as the identity', async () => {
    const x = t(rows);
    const prodRef = (r: number[]) => clean(r).reduce((s, v) => s * v, 1);
    await expectClose(fx.nanprod(x, 1), rows.map(prodRef), 1e-6);
    await expectClose(fx.nanprod(x), prodRef(rows.flat()), 1e-5);
    const running = (r: number[], op: (a: number, b: number) => number, id: number) => {
      let acc = id;
      return r.map((v) => (acc = Number.isNaN(v) ? acc : op(acc, v)));
    };
    await expectClose(fx.nancumsum(x, 1), rows.map((r) => running(r, (a, b) => a + b, 0)), 1e-6);
    await expectClose(fx.nancumsum(x), running(rows.flat(), (a, b) => a + b, 0), 1e-6);
    await expectClose(fx.nancumprod(x, 1), rows.map((r) => running(r, (a, b) => a * b, 1)), 1e-6);
    const f = (v: Any) => fx.where(fx.greater(v, 1.8), NaN, v) as Any;
    const a = t([[1, 2, 0.5], [0.3, 1.5, -1]]);
    await fx.checkGradsAsync((v) => fx.nanprod(f(v), 1), [a], { order: 2 });
    await fx.checkGradsAsync((v) => fx.nancumprod(f(v), 1), [a], { order: 2 });
    await fx.checkGradsAsync((v) => fx.nancumsum(f(v), 0), [a], { order: 1 });
  });
});

describeEachBackend('quantiles', () => {
  const data = spread(24, 7);
  const m = [data.slice(0, 8), data.slice(8, 16), data.slice(16, 24)]; // [3, 8]
  const qs = [0, 0.1, 0.25, 0.5, 0.7, 1];

  it('quantile with a list of q and each method matches NumPy (float64 reference)', async () => {
    const x = t(m);
    for (const method of ['linear', 'lower', 'higher', 'midpoint', 'nearest'] as const) {
      const got = fx.quantile(x, qs, 1, false, { method });
      expect(got.shape).toEqual([qs.length, 3]);
      await expectClose(got, qs.map((q) => m.map((r) => quantileRef(r, q, method))), 1e-6);
    }
    // ties of 'nearest' go to the even rank: n = 5, q = 0.375 → pos 1.5 → rank 2; q = 0.625 → pos 2.5 → rank 2.
    await expectClose(fx.quantile(t([10, 20, 30, 40, 50]), [0.375, 0.625], undefined, false, { method: 'nearest' }), [30, 30]);
    await expectClose(fx.quantile(x, 0.3), quantileRef(data, 0.3), 1e-6);
    await expectClose(fx.quantile(x, [0.3], undefined, true), [[[quantileRef(data, 0.3)]]], 1e-6);
    await expectClose(fx.quantile(x, 0.4, [0, 1]), quantileRef(data, 0.4), 1e-6);
    await expectClose(fx.quantile(x, 0.5, 0, true), [m[0]!.map((_, j) => quantileRef(m.map((r) => r[j]!), 0.5))], 1e-6);
    await expectClose(fx.percentile(x, [25, 75], 1), [25, 75].map((p) => m.map((r) => quantileRef(r, p / 100))), 1e-6);
    await expectClose(fx.median(x, 1), m.map((r) => quantileRef(r, 0.5)), 1e-6);
    await expectClose(fx.quantile(t([1, NaN, 3]), 0.5), NaN); // a NaN in the slice gives NaN, as JAX
    expect(() => fx.quantile(x, [0.5, 1.5])).toThrow(/quantile: q must be in \[0, 1\], got 1.5/);
    expect(() => fx.percentile(x, 101)).toThrow(/percentile: q must be in \[0, 100\], got 101/);
    expect(() => fx.quantile(x, 0.5, 1, false, { method: 'cubic' as never })).toThrow(/method must be one of/);
    await expectVmapMatches((v) => fx.quantile(v, [0.2, 0.9]), x);
  });

  it('nanquantile, nanpercentile and nanmedian use each slice\'s non-NaN entries (NaN if none)', async () => {
    const withNan = m.map((r, i) => r.map((v, j) => ((i + 2 * j) % 3 === 0 ? NaN : v)));
    withNan[2] = withNan[2]!.map(() => NaN);
    const x = t(withNan);
    const clean = (r: number[]) => r.filter((v) => !Number.isNaN(v));
    for (const method of ['linear', 'lower', 'higher', 'midpoint', 'nearest'] as const) {
      await expectClose(fx.nanquantile(x, qs, 1, false, { method }), qs.map((q) => withNan.map((r) => quantileRef(clean(r), q, method))), 1e-6);
    }
    await expectClose(fx.nanpercentile(x, 40, 1, true), withNan.map((r) => [quantileRef(clean(r), 0.4)]), 1e-6);
    await expectClose(fx.nanmedian(x, 1), withNan.map((r) => quantileRef(clean(r), 0.5)), 1e-6);
    await expectClose(fx.nanmedian(x), quantileRef(clean(withNan.flat()), 0.5), 1e-6);
    // Columns: counts differ per slice.
    await expectClose(fx.nanquantile(x, 0.3, 0), m[0]!.map((_, j) => quantileRef(clean(withNan.map((r) => r[j]!)), 0.3)), 1e-6);
  });

  it('derivatives of quantile and nanquantile go to the ranked entries (orders 1 and 2)', async () => {
    const a = t([[0.3, -1.2, 2.5, 0.9, 1.7], [4, -0.5, 0.1, 2.2, -3]]);
    await fx.checkGradsAsync((v) => fx.quantile(v, [0.3, 0.8], 1), [a], { order: 2 });
    await fx.checkGradsAsync((v) => fx.nanquantile(fx.where(fx.greater(v, 2), NaN, v) as Any, [0.3, 0.5], 1, false, { method: 'midpoint' }), [a], { order: 2 });
    // quantile 0.3 of 5 values: pos 1.2 → 0.8 · s[1] + 0.2 · s[2].
    const g = fx.grad((v: F) => fx.quantile(v, 0.3))(t([5, 1, 3, 2, 4]));
    await expectClose(g, [0, 0, 0.2, 0.8, 0], 1e-6);
  });
});

describeEachBackend('histograms', () => {
  const data = spread(200, 3).map(Math.fround); // the float32 values the tensors hold

  it('histogram counts as NumPy: half-open bins, last bin closed, outside and NaN not counted', async () => {
    const [counts, edges] = fx.histogram(t(data), 7);
    const lo = Math.min(...data);
    const hi = Math.max(...data);
    const e = Array.from({ length: 8 }, (_, i) => lo + ((hi - lo) * i) / 7);
    await expectClose(edges, e, 1e-6);
    const ref = histogramRef(data, (await edges.data()) as unknown as number[]);
    await expectClose(counts, ref);
    expect(ref.reduce((s, v) => s + v, 0)).toBe(200);
    // Edges given; values on the edges, outside, and NaN.
    const [c2] = fx.histogram(t([0, 1, 1, 2, 3, -1, 4, NaN, 2.5]), t([0, 1, 2, 3]));
    await expectClose(c2, [1, 2, 3]);
    const [c3, e3] = fx.histogram(t(data), 4, { range: [-1, 1] });
    await expectClose(e3, [-1, -0.5, 0, 0.5, 1]);
    await expectClose(c3, histogramRef(data, [-1, -0.5, 0, 0.5, 1]));
    // All equal: the range widens by ±0.5.
    const [c4, e4] = fx.histogram(t([2, 2, 2]), 2);
    await expectClose(e4, [1.5, 2, 2.5]);
    await expectClose(c4, [0, 3]);
    await expectClose(fx.histogramBinEdges(t([1, 2, 5]), 4), [1, 2, 3, 4, 5]);
  });

  it('weights and density; the gradient with respect to the weights is the bin indicator', async () => {
    const xs = [0.1, 0.4, 0.45, 0.8, 0.95, 1.5];
    const ws = [1, 2, 0.5, 3, 1, 7];
    const [c] = fx.histogram(t(xs), 2, { range: [0, 1], weights: t(ws) });
    await expectClose(c, histogramRef(xs, [0, 0.5, 1], ws), 1e-6);
    const [d, e] = fx.histogram(t(data), t([-3, -1, 0, 0.5, 3]), { density: true });
    const edges = (await e.data()) as unknown as number[];
    const ref = histogramRef(data, edges);
    const total = ref.reduce((s, v) => s + v, 0);
    await expectClose(d, ref.map((v, i) => v / (edges[i + 1]! - edges[i]!) / total), 1e-6);
    const widths = [2, 1, 0.5, 2.5];
    const integral = ((await d.data()) as unknown as number[]).reduce((s, v, i) => s + v * widths[i]!, 0);
    expect(Math.abs(integral - 1)).toBeLessThan(1e-6);
    const g = fx.grad((w: F) => fx.sum(fx.mul(fx.histogram(t(xs), 2, { range: [0, 1], weights: w })[0], t([1, 10]))))(t(ws));
    await expectClose(g, [1, 1, 1, 10, 10, 0]);
    await fx.checkGradsAsync((w) => fx.histogram(t(xs), 2, { range: [0, 1], weights: w, density: true })[0], [t(ws)], { order: 2 });
  });

  it('histogram2d counts pairs as NumPy', async () => {
    const xs = data.slice(0, 100);
    const ys = data.slice(100);
    const [h, ex, ey] = fx.histogram2d(t(xs), t(ys), [3, 4], { range: [[-2, 2], [-3, 3]] });
    expect(h.shape).toEqual([3, 4]);
    const exs = (await ex.data()) as unknown as number[];
    const eys = (await ey.data()) as unknown as number[];
    const ref = Array.from({ length: 3 }, () => new Array(4).fill(0));
    xs.forEach((x, i) => {
      const bx = histogramRef([x], exs).indexOf(1);
      const by = histogramRef([ys[i]!], eys).indexOf(1);
      if (bx >= 0 && by >= 0) ref[bx]![by]++;
    });
    await expectClose(h, ref);
    const [hd] = fx.histogram2d(t(xs), t(ys), 2, { density: true });
    const [hc, dx, dy] = fx.histogram2d(t(xs), t(ys), 2);
    const area = (((await dx.data())[1]! - (await dx.data())[0]!) * ((await dy.data())[1]! - (await dy.data())[0]!));
    await expectClose(hd, ((await hc.array()) as number[][]).map((r) => r.map((v) => v / area / 100)), 1e-6);
  });
});

describeEachBackend('trapezoid, polyval and shape helpers', () => {
  it('trapezoid with unit, constant and sampled spacing', async () => {
    const ys = [[1, 4, 2, 5], [0.5, -1, 3, 2]];
    const xs = [0, 0.5, 2, 2.2];
    const ref = (r: number[], x: number[]) => r.slice(1).reduce((s, v, i) => s + ((v + r[i]!) / 2) * (x[i + 1]! - x[i]!), 0);
    await expectClose(fx.trapezoid(t(ys)), ys.map((r) => ref(r, [0, 1, 2, 3])), 1e-6);
    await expectClose(fx.trapezoid(t(ys), undefined, 0.1), ys.map((r) => ref(r, [0, 0.1, 0.2, 0.3])), 1e-6);
    await expectClose(fx.trapezoid(t(ys), t(xs)), ys.map((r) => ref(r, xs)), 1e-6);
    await expectClose(fx.trapezoid(t(ys), t([0, 1]), 1, 0), [0, 1, 2, 3].map((j) => (ys[0]![j]! + ys[1]![j]!) / 2), 1e-6);
    await fx.checkGradsAsync((y, x) => fx.trapezoid(fx.mul(y, y) as Any, x), [t(ys), t(xs)], { order: 2 });
  });

  it('polyval by Horner, differentiable in p and x', async () => {
    const p = [0.5, -1, 2, 3];
    const xs = [-1.5, 0, 0.7, 2];
    await expectClose(fx.polyval(t(p), t(xs)), xs.map((x) => p.reduce((s, c) => s * x + c, 0)), 1e-5);
    const dx = fx.grad((x: F) => fx.sum(fx.polyval(t(p), x)))(t(xs));
    await expectClose(dx, xs.map((x) => 1.5 * x * x - 2 * x + 2), 1e-5);
    await fx.checkGradsAsync((c, x) => fx.polyval(c, x), [t(p), t(xs)], { order: 2 });
    await expectVmapMatches((x) => fx.polyval(t(p), x), t([[0, 1], [2, -1]]));
  });

  it('flipud, fliplr, dsplit', async () => {
    await expectClose(fx.flipud(t([[1, 2], [3, 4]])), [[3, 4], [1, 2]]);
    await expectClose(fx.fliplr(t([[1, 2], [3, 4]])), [[2, 1], [4, 3]]);
    const parts = fx.dsplit(fx.reshape(fx.arange(8), [1, 2, 4]) as Any, [1, 3]);
    expect(parts.map((p) => p.shape)).toEqual([[1, 2, 1], [1, 2, 2], [1, 2, 1]]);
    await expectClose(parts[1]!, [[[1, 2], [5, 6]]]);
    expect(() => fx.fliplr(t([1, 2]))).toThrow(/fliplr: x must have rank >= 2/);
    expect(() => fx.dsplit(t([[1, 2]]), 2)).toThrow(/dsplit: x must have rank >= 3/);
  });
});
