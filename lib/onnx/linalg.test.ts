/**
 * Decompositions on ONNX that the conformance matrix does not cover (qr and
 * eigh are defined up to signs, so the matrix leaves them out): the exported
 * model's Q and R against fluxion's eager ones (the same Householder
 * convention), and Q·R = A, on tall, wide, square, batched and complete
 * shapes, a column already zero below its diagonal, and a gradient through
 * qr; lu's factors; eigh's eigenvalues and eigenvectors bit for bit against
 * fluxion's (the same rotations in the same order), special values and
 * repeated eigenvalues included, and its gradient.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as fx from '../index.js';
import { useBackendInSuite } from '../testing/suiteBackend.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F: any = fx;
type T = fx.Tensor;

async function runOnnx(f: (...a: never[]) => unknown, args: T[]): Promise<Float32Array[]> {
  const bytes = fx.exportOnnx(f as (...a: unknown[]) => unknown, ...args);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const feeds: Record<string, ort.Tensor> = {};
  args.forEach((t, i) => (feeds[`args[${i}]`] = new ort.Tensor('float32', t.dataSync() as Float32Array, [...t.shape])));
  const out = await session.run(feeds);
  const result = session.outputNames.map((n) => out[n]!.data as Float32Array);
  await session.release();
  return result;
}

function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) => {
  expect(got.length, what).toBe(want.length);
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `${what}[${i}]: got ${got[i]}, want ${want[i]}`).toBeLessThanOrEqual(tol * scale);
};

describe('decompositions on ONNX [cpu reference]', () => {
  useBackendInSuite('cpu');

  it.each([
    [[4, 3], false],
    [[3, 5], false],
    [[3, 3], false],
    [[2, 4, 3], false],
    [[4, 2], true],
    [[2, 3, 2], true],
  ] as const)('shape %j, complete %s: Q and R as fluxion eager, Q·R = A', async (shape, complete) => {
    const a = F.tensor(values(shape.reduce((x, y) => x * y, 1), shape.length * 7 + (complete ? 1 : 0)), [...shape]);
    const f = (x: T) => F.linalg.qr(x, { complete });
    const [q, r] = await runOnnx(f, [a]);
    const [qe, re] = f(a) as [T, T];
    close(q!, qe.dataSync(), 2e-6, 'q');
    close(r!, re.dataSync(), 2e-6, 'r');
    const qr = F.matmul(F.tensor(Array.from(q!), [...qe.shape]), F.tensor(Array.from(r!), [...re.shape]));
    close(qr.dataSync(), a.dataSync(), 2e-6, 'q·r');
  });

  it('a column already zero below the diagonal (τ = 0), and the gradient of a loss through qr', async () => {
    const a = F.tensor([[2, 1, 0], [0, -1, 3], [0, 2, 1]]);
    const [q, r] = await runOnnx((x: T) => F.linalg.qr(x), [a]);
    const [qe, re] = F.linalg.qr(a) as [T, T];
    close(q!, qe.dataSync(), 2e-6, 'q');
    close(r!, re.dataSync(), 2e-6, 'r');
    const loss = (x: T) => F.sum(F.mul(F.linalg.qr(x)[1], F.tensor([[1, 2, 3], [0, -1, 0.5], [0, 0, 2]])));
    const b = F.tensor(values(12, 5), [4, 3]);
    const [g] = await runOnnx(fx.grad(loss), [b]);
    close(g!, (fx.grad(loss)(b) as T).dataSync(), 1e-5, 'grad');
  });

  it.each([[[4, 4]], [[5, 3]], [[3, 5]], [[2, 3, 3]]] as const)('lu of shape %j: P, L, U and the packed factor with pivots as fluxion eager', async (shape) => {
    const a = F.tensor(values(shape.reduce((x, y) => x * y, 1), shape.length * 11 + shape[0]), [...shape]);
    const [p, l, u] = await runOnnx((x: T) => F.linalg.lu(x), [a]);
    const [pe, le, ue] = F.linalg.lu(a) as [T, T, T];
    close(p!, pe.dataSync(), 0, 'p');
    close(l!, le.dataSync(), 2e-6, 'l');
    close(u!, ue.dataSync(), 2e-6, 'u');
    const [packed, pivots] = await runOnnx((x: T) => F.linalg.luFactor(x), [a]);
    const [packedE, pivotsE] = F.linalg.luFactor(a) as [T, T];
    close(packed!, packedE.dataSync(), 2e-6, 'packed');
    expect(Array.from(pivots!)).toEqual(Array.from(pivotsE.dataSync()));
  });

  it('lu with a zero pivot (a singular matrix) and ties: no elimination under it, the first largest row', async () => {
    const a = F.tensor([[0, 1, 2], [0, 3, 4], [1, 1, -1]]);
    const s = F.tensor([[1, 2, 3], [2, 4, 6], [-1, -2, 0]]);
    for (const x of [a, s]) {
      const [packed, pivots] = await runOnnx((y: T) => F.linalg.luFactor(y), [x]);
      const [packedE, pivotsE] = F.linalg.luFactor(x) as [T, T];
      close(packed!, packedE.dataSync(), 2e-6, 'packed');
      expect(Array.from(pivots!)).toEqual(Array.from(pivotsE.dataSync()));
    }
  });

  /** grad(loss) at a from the exported model and from the ONNX jit target (one ONNX program) against the default jit. */
  const gradientAsDefault = async (loss: (x: T) => T, a: T) => {
    const [g] = await runOnnx(fx.grad(loss), [a]);
    const want = fx.jit(fx.grad(loss))(a) as T;
    close(g!, want.dataSync(), 1e-6, 'exported grad');
    const onTarget = fx.jit(fx.grad(loss), { target: 'onnx' });
    close((onTarget(a) as T).dataSync(), want.dataSync(), 1e-6, 'onnx target grad');
    expect(onTarget.stats().programs![0]!.target).toBe('onnx');
    onTarget.clear();
  };
  /** The exact bits: the ONNX form runs the host kernel's rotations in the host kernel's order. */
  const same = (got: ArrayLike<number>, want: ArrayLike<number>, what: string) =>
    expect(Array.from(got, (x) => (Object.is(x, -0) ? '-0' : x)), what).toEqual(Array.from(want, (x) => (Object.is(x, -0) ? '-0' : x)));

  it.each([[[1, 1]], [[2, 2]], [[3, 3]], [[5, 5]], [[8, 8]], [[2, 4, 4]], [[3, 7, 7]], [[2, 2, 3, 3]]] as const)(
    'eigh of shape %j: the eigenvalues and eigenvectors of fluxion eager, bit for bit',
    async (shape) => {
      const a = F.tensor(values(shape.reduce((x: number, y: number) => x * y, 1), shape.length * 13 + shape[0]), [...shape]);
      const [w, v] = await runOnnx((x: T) => F.linalg.eigh(x), [a]);
      const [we, ve] = F.linalg.eigh(a) as [T, T];
      same(w!, we.dataSync(), 'w');
      same(v!, ve.dataSync(), 'v');
      // And an eigendecomposition: sym(A)·V = V·diag(w).
      const sym = F.mul(F.add(a, F.swapaxes(a, -1, -2)), 0.5);
      close(F.matmul(sym, ve).dataSync(), F.mul(ve, F.expandDims(we, -2)).dataSync(), 4e-6, 'A·V − V·Λ');
    },
  );

  it('eigh: repeated eigenvalues (the same basis), a batch whose matrices converge at different sweeps, ±0, NaN and ∞ as fluxion eager', async () => {
    const cases: number[][][][] = [
      [[[2, 1, 1], [1, 2, 1], [1, 1, 2]]],
      [[[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]],
      // A diagonal matrix (no sweep) beside a full one.
      [[[3, 0, 0], [0, -1, 0], [0, 0, 2]], [[1, 2, 3], [2, -4, 5], [3, 5, 6]]],
      [[[-0, 0], [0, -0]]],
      [[[NaN, 0], [0, 1]]],
      [[[1, NaN], [NaN, 1]]],
      [[[Infinity, 1], [1, 1]]],
      [[[2, 1, 0], [1, -Infinity, 0], [0, 0, 3]]],
      [[[3.4e38, 3.4e38], [3.4e38, 3.4e38]]],
    ];
    for (const m of cases) {
      const a = F.tensor(m);
      const [w, v] = await runOnnx((x: T) => F.linalg.eigh(x), [a]);
      const [we, ve] = F.linalg.eigh(a) as [T, T];
      same(w!, we.dataSync(), `w of ${JSON.stringify(m)}`);
      same(v!, ve.dataSync(), `v of ${JSON.stringify(m)}`);
    }
  });

  it('eigh: the gradient of a loss through the eigenvalues and eigenvectors, exported and on the ONNX jit target, as the default jit', async () => {
    const weights = F.tensor(values(16, 3), [4, 4]);
    const loss = (x: T) => {
      const [w, v] = F.linalg.eigh(x) as [T, T];
      return F.add(F.sum(F.mul(F.tanh(w), F.tensor([1, -2, 0.5, 3]))), F.sum(F.mul(F.square(v), weights)));
    };
    await gradientAsDefault(loss, F.tensor(values(16, 9), [4, 4]));
  });

  /** Within `tol` (absolute, scaled by the largest |want|), NaN where NaN is wanted. */
  const near = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) => {
    expect(got.length, what).toBe(want.length);
    let scale = 1;
    for (let i = 0; i < want.length; i++) if (Number.isFinite(want[i]!)) scale = Math.max(scale, Math.abs(want[i]!));
    for (let i = 0; i < want.length; i++) {
      const ok = Number.isNaN(want[i]!) ? Number.isNaN(got[i]!) : got[i] === want[i] || Math.abs(got[i]! - want[i]!) <= tol * scale;
      expect(ok, `${what}[${i}]: got ${got[i]}, want ${want[i]}`).toBe(true);
    }
  };
  const svdBoth = async (a: T, full: boolean) => {
    const f = (x: T) => F.linalg.svd(x, { fullMatrices: full });
    const [u, s, vt] = await runOnnx(f, [a]);
    const [ue, se, vte] = f(a) as [T, T, T];
    // σ bit for bit; U and Vᵀ to 1e-7: the columns that complete a basis are orthogonalized in another order.
    same(s!, se.dataSync(), 's');
    near(u!, ue.dataSync(), 1e-7, 'u');
    near(vt!, vte.dataSync(), 1e-7, 'vt');
    return { ue, se, vte };
  };

  it.each([[[1, 1]], [[3, 3]], [[4, 3]], [[3, 4]], [[5, 2]], [[2, 5]], [[6, 6]], [[2, 4, 3]], [[3, 3, 5]]] as const)(
    'svd of shape %j, reduced and full, and svdvals: the factors of fluxion eager',
    async (shape) => {
      const a = F.tensor(values(shape.reduce((x: number, y: number) => x * y, 1), shape.length * 5 + shape[0]), [...shape]);
      for (const full of [false, true]) {
        const { ue, se, vte } = await svdBoth(a, full);
        if (!full) close(F.matmul(F.mul(ue, F.expandDims(se, -2)), vte).dataSync(), a.dataSync(), 2e-6, 'u·s·vt');
      }
      const [s] = await runOnnx((x: T) => F.linalg.svdvals(x), [a]);
      same(s!, (F.linalg.svdvals(a) as T).dataSync(), 'svdvals');
    },
  );

  it('svd: rank-deficient, zero, repeated singular values, NaN, ∞, overflow and empty matrices as fluxion eager', async () => {
    const cases: number[][][] = [
      [[1, 2], [2, 4]],
      [[0, 0, 0], [0, 0, 0]],
      [[1, 0], [0, 1], [0, 0]],
      [[1, 1, 1], [1, 1, 1], [1, 1, 1]],
      [[NaN, 1], [1, 1]],
      [[Infinity, 1], [1, 1]],
      [[3e38, 3e38], [3e38, 3e38]],
    ];
    for (const m of cases) for (const full of [false, true]) await svdBoth(F.tensor(m), full);
    for (const shape of [[0, 3], [3, 0], [2, 0, 2]]) for (const full of [false, true]) await svdBoth(F.zeros(shape), full);
  });

  it('svd: the gradient of a loss through U, σ and Vᵀ, exported and on the ONNX jit target, as the default jit', async () => {
    const loss = (x: T) => {
      const [u, s, vt] = F.linalg.svd(x) as [T, T, T];
      return F.add(F.sum(F.mul(F.tanh(s), F.tensor([1, -2, 0.5]))), F.add(F.sum(F.mul(F.square(u), F.tensor(values(12, 8), [4, 3]))), F.sum(F.mul(F.abs(vt), F.tensor(values(9, 4), [3, 3])))));
    };
    await gradientAsDefault(loss, F.tensor(values(12, 21), [4, 3]));
  });
});
