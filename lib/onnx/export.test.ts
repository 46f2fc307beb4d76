/**
 * `fx.exportOnnx` round trips: each exported model runs in onnxruntime-node
 * (and a few in onnxruntime-web's wasm backend, in Node) and its outputs are
 * compared with fluxion's eager result on the same inputs.
 */
import { describe, expect, it } from 'vitest';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import * as fx from '../index.js';
import { flatten } from '../core/pytree.js';
import { useBackendInSuite } from '../testing/suiteBackend.js';
import { leafNames } from './export.js';
import { hostOnlyDouble } from '../testing/hostOnly.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F: any = fx;
type Ort = typeof ortNode;
ortWeb.env.wasm.numThreads = 1;

function ortTensor(ort: Ort, t: fx.Tensor): ortNode.Tensor {
  const data = t.dataSync();
  if (t.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(data as Uint8Array), [...t.shape]);
  return new ort.Tensor(t.dtype, data as Float32Array, [...t.shape]);
}

/** Runs `bytes` on `args`' tensor leaves in ONNX Runtime; the outputs in flatten's order. */
async function runOnnx(ort: Ort, bytes: Uint8Array, args: unknown[], outNames: string[]): Promise<ortNode.Tensor[]> {
  const [leaves, def] = flatten(args);
  const names = leafNames(def, 'args');
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, executionProviders: [ort === ortNode ? 'cpu' : 'wasm'] });
  const feeds: Record<string, ortNode.Tensor> = {};
  leaves.forEach((t, i) => (feeds[names[i]!] = ortTensor(ort, t)));
  const out = await session.run(feeds);
  await session.release();
  return outNames.map((n) => out[n]!);
}

interface Tolerance {
  /** Relative error allowed per element. */
  readonly rtol: number;
  /** Absolute error allowed, as a fraction of the largest |expected| of the output (sums in another order). */
  readonly scaled?: number;
  /** Zeros must match in sign (elementwise results, where −0 is defined). */
  readonly signedZeros?: boolean;
}

/** The largest error seen per check, for tuning tolerances: the test asserts each against its bound. */
function compare(what: string, got: ortNode.Tensor, want: fx.Tensor, tol: Tolerance): void {
  expect(got.dims, `${what}: shape`).toEqual(want.shape);
  const w = want.dataSync();
  const g = got.data as ArrayLike<number | bigint>;
  expect(got.type, `${what}: dtype`).toBe(want.dtype);
  let scale = 0;
  for (let i = 0; i < w.length; i++) if (Number.isFinite(w[i])) scale = Math.max(scale, Math.abs(w[i]!));
  // ONNX Runtime may flush subnormal results to zero (sigmoid(-100) = 3.8e-44 comes back 0): below the smallest normal float32 is noise.
  const atol = Math.max((tol.scaled ?? 0) * scale, 2 ** -126);
  for (let i = 0; i < w.length; i++) {
    const wi = Number(w[i]);
    const gi = Number(g[i]);
    if (Number.isNaN(wi)) expect(gi, `${what}[${i}] (want NaN)`).toBeNaN();
    else if (wi === 0 && tol.signedZeros) expect(Object.is(gi, wi), `${what}[${i}]: got ${Object.is(gi, -0) ? '-0' : gi}, want ${Object.is(wi, -0) ? '-0' : wi}`).toBe(true);
    else if (!Number.isFinite(wi) || want.dtype !== 'float32') expect(gi, `${what}[${i}]`).toBe(wi);
    else expect(Math.abs(gi - wi), `${what}[${i}]: got ${gi}, want ${wi}`).toBeLessThanOrEqual(tol.rtol * Math.abs(wi) + atol);
  }
}

/** Exports `f` at `args`, runs the model, and compares every output leaf with eager `f(...args)`. */
async function roundTrip(f: (...a: never[]) => unknown, args: unknown[], tol: Tolerance = { rtol: 0 }, ort: Ort = ortNode): Promise<void> {
  const bytes = fx.exportOnnx(f as (...a: unknown[]) => unknown, ...args);
  const [want, outDef] = flatten((f as (...a: unknown[]) => unknown)(...args));
  const names = leafNames(outDef, 'out');
  const got = await runOnnx(ort, bytes, args, names);
  want.forEach((w, i) => compare(names[i]!, got[i]!, w, tol));
}

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}
function rand(shape: number[], seed: number, scale = 1): fx.Tensor {
  return F.tensor(
    values(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ).map((v) => v * scale),
    shape,
  );
}

/** Arguments of elementwise functions: signed zeros, tiny, ordinary, large, NaN and infinities. */
const SPECIAL = [-Infinity, -100, -30, -3, -1.5, -1, -0.5, -1e-3, -1e-7, -0, 0, 1e-7, 1e-3, 0.25, 0.5, 0.7, 1, 2.5, 10, 30, 100, Infinity, NaN];

// The export does not depend on the backend; the eager reference runs on cpu, whose kernels are JS Math
// in float64 rounded to float32 (tfjs-wasm's sin is off by 2e-4 relative near 1e-3, so it is no reference).
describe('exportOnnx [cpu reference]', () => {
  useBackendInSuite('cpu');

  it('exports the MLP loss and its six gradients (W1 in small) and ONNX Runtime matches fluxion', async () => {
    const B = 16;
    const dims = [24, 32, 32, 10];
    const loss = (p: Record<string, fx.Tensor>, x: fx.Tensor, y: fx.Tensor) => {
      const h1 = F.tanh(F.add(F.matmul(x, p.w1), p.b1));
      const h2 = F.tanh(F.add(F.matmul(h1, p.w2), p.b2));
      const z = F.add(F.matmul(h2, p.w3), p.b3);
      return F.neg(F.mean(F.sum(F.mul(y, F.logSoftmax(z, 1)), 1)));
    };
    const p = {
      w1: rand([dims[0]!, dims[1]!], 1, 0.3),
      b1: rand([dims[1]!], 2, 0.1),
      w2: rand([dims[1]!, dims[2]!], 3, 0.3),
      b2: rand([dims[2]!], 4, 0.1),
      w3: rand([dims[2]!, dims[3]!], 5, 0.3),
      b3: rand([dims[3]!], 6, 0.1),
    };
    const x = rand([B, dims[0]!], 7);
    const y = F.oneHot(F.tensor(values(B, 8).map((v) => Math.floor((v + 1) * 5)), [B], 'int32'), 10);
    const vg = fx.valueAndGrad(loss);
    // The names a user feeds and reads: argument paths in, result paths out.
    const bytes = fx.exportOnnx(vg, p, x, y);
    const session = await ortNode.InferenceSession.create(bytes);
    expect([...session.inputNames].sort()).toEqual(['args[0].b1', 'args[0].b2', 'args[0].b3', 'args[0].w1', 'args[0].w2', 'args[0].w3', 'args[1]', 'args[2]']);
    expect([...session.outputNames]).toEqual(['out[0]', 'out[1].b1', 'out[1].b2', 'out[1].b3', 'out[1].w1', 'out[1].w2', 'out[1].w3']);
    await session.release();
    // Products summed in another order: a few float32 ulps of the largest entry.
    await roundTrip(vg, [p, x, y], { rtol: 2e-6, scaled: 2e-6 });
  });

  it('exports the W2 elementwise gradient, and the model runs in onnxruntime-web (wasm) too', async () => {
    const chain = (x: fx.Tensor) => F.sum(F.add(F.mul(F.sin(x), F.exp(F.neg(F.mul(x, x)))), F.mul(F.tanh(x), x)));
    const x = rand([1000], 9, 3);
    await roundTrip(fx.grad(chain), [x], { rtol: 2e-6, scaled: 1e-7 });
    await roundTrip(fx.grad(chain), [x], { rtol: 2e-6, scaled: 1e-7 }, ortWeb as unknown as Ort);
  });

  it('exports a whole SGD training step: the model returns the updated parameters', async () => {
    const loss = (w: fx.Tensor, x: fx.Tensor, y: fx.Tensor) => F.mean(F.square(F.sub(F.matmul(x, w), y)));
    const step = (w: fx.Tensor, x: fx.Tensor, y: fx.Tensor) => {
      const [l, g] = fx.valueAndGrad(loss)(w, x, y);
      return { loss: l, w: F.sub(w, F.mul(g, 0.1)) };
    };
    const args = [rand([5, 3], 10), rand([8, 5], 11), rand([8, 3], 12)];
    await roundTrip(step, args, { rtol: 2e-6, scaled: 2e-7 });
    await roundTrip(step, args, { rtol: 2e-6, scaled: 2e-7 }, ortWeb as unknown as Ort);
  });

  const unary = ['neg', 'abs', 'exp', 'log', 'sin', 'cos', 'tan', 'asin', 'atan', 'tanh', 'sqrt', 'rsqrt', 'erf', 'sigmoid', 'relu', 'softplus', 'sign', 'square', 'expm1', 'log1p'];
  it.each(unary)('%s: same values at zeros, tiny, ordinary, large, infinite and NaN arguments', async (name) => {
    // Transcendentals from two libms: a few ulps; zeros with their sign.
    await roundTrip((x: fx.Tensor) => F[name](x), [F.tensor(SPECIAL)], { rtol: 4e-7, signedZeros: true });
  });

  const binary = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow'];
  it.each(binary)('%s: broadcast [4,1] with [5], NaN and infinities included', async (name) => {
    const a = F.tensor([[-2], [0], [1.5], [NaN]]);
    const b = F.tensor([-Infinity, -1, 0, 2, 3]);
    await roundTrip((x: fx.Tensor, y: fx.Tensor) => F[name](x, y), [a, b], { rtol: 2e-7, signedZeros: true });
  });

  it('atan2 on the grid of special values (signed zeros, infinities, NaN) and its gradient', async () => {
    const v = [-Infinity, -3, -1, -1e-30, -0, 0, 1e-30, 0.5, 1, 3, Infinity, NaN];
    const y = F.tensor(v.flatMap((a) => v.map(() => a)));
    const x = F.tensor(v.flatMap(() => v));
    // Compared with the float64 reference too: the cpu kernel is Math.atan2.
    await roundTrip((a: fx.Tensor, b: fx.Tensor) => F.atan2(a, b), [y, x], { rtol: 4e-7 });
    const want = v.flatMap((a) => v.map((b) => Math.atan2(a, b)));
    const got = (await runOnnx(ortNode, fx.exportOnnx((a: fx.Tensor, b: fx.Tensor) => F.atan2(a, b), y, x), [y, x], ['out']))[0]!.data as Float32Array;
    want.forEach((w, i) => {
      if (Number.isNaN(w)) expect(got[i], `atan2 #${i}`).toBeNaN();
      else expect(w === 0 ? Object.is(got[i], w) : Math.abs(got[i]! - w) <= 4e-7 * Math.abs(w), `atan2(${v[Math.floor(i / v.length)]}, ${v[i % v.length]}) = ${got[i]}, want ${w}`).toBe(true);
    });
    await roundTrip(fx.grad((a: fx.Tensor, b: fx.Tensor) => F.sum(F.atan2(a, b)), { argnums: [0, 1] }), [rand([8], 25), rand([8], 26)], { rtol: 4e-7 });
  });

  it('int32 arithmetic and comparisons of float32 (NaN included) and int32', async () => {
    const a = F.tensor([3, -2, 0, 7], [4], 'int32');
    const b = F.tensor([1, -2, 5, -7], [4], 'int32');
    await roundTrip((x: fx.Tensor, y: fx.Tensor) => [F.add(x, y), F.sub(x, y), F.mul(x, y), F.maximum(x, y), F.neg(x), F.abs(x), F.sign(x)], [a, b]);
    const u = F.tensor([1, NaN, -0, 2, Infinity]);
    const v = F.tensor([1, NaN, 0, 3, Infinity]);
    for (const cmp of ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual']) {
      await roundTrip((x: fx.Tensor, y: fx.Tensor) => F[cmp](x, y), [u, v]);
      await roundTrip((x: fx.Tensor, y: fx.Tensor) => F[cmp](x, y), [a, b]);
    }
  });

  it('where, cast (all dtype pairs), clip and stopGradient', async () => {
    const x = F.tensor([-2.7, -0.5, 0, 0.5, 2.7, 1e9]);
    const c = F.greater(x, F.tensor(0));
    await roundTrip((m: fx.Tensor, u: fx.Tensor) => [F.where(m, u, F.neg(u)), F.where(m, F.cast(u, 'int32'), F.tensor([7], [1], 'int32'))], [c, x]);
    const i = F.tensor([-3, 0, 2], [3], 'int32');
    const small = F.tensor([-2.7, 0, 0.5]);
    await roundTrip((u: fx.Tensor, k: fx.Tensor, m: fx.Tensor) => [F.cast(u, 'int32'), F.cast(u, 'bool'), F.cast(k, 'float32'), F.cast(k, 'bool'), F.cast(m, 'float32'), F.cast(m, 'int32')], [small, i, c]);
    await roundTrip((u: fx.Tensor, k: fx.Tensor) => [F.clip(u, -1, 1), F.clip(k, -1, 1), F.stopGradient(u)], [x, i]);
  });

  it('reductions: sum, max, min, prod, argmax, argmin over each axis, keepDims, and cumsum', async () => {
    const x = rand([3, 4], 13, 2);
    const k = F.tensor([[1, 5, 5, -2], [0, 0, 3, 3], [9, -9, 1, 2]], 'int32');
    for (const r of ['sum', 'max', 'min', 'prod']) {
      await roundTrip((u: fx.Tensor) => [F[r](u), F[r](u, 0), F[r](u, 1, true), F[r](u, [0, 1], true)], [x], { rtol: 4e-7 });
      await roundTrip((u: fx.Tensor) => [F[r](u, 0), F[r](u, 1)], [k]);
    }
    for (const r of ['argmax', 'argmin']) {
      await roundTrip((u: fx.Tensor) => [F[r](u, 0), F[r](u, 1, true)], [x]);
      // Ties: the first index, as fluxion.
      await roundTrip((u: fx.Tensor) => [F[r](u, 0), F[r](u, 1)], [k]);
    }
    await roundTrip((u: fx.Tensor) => [F.cumsum(u, 1), F.cumsum(u, 0, true), F.cumsum(u, 1, false, true), F.cumsum(u, 1, true, true)], [x], { rtol: 4e-7, scaled: 2e-7 });
    await roundTrip((u: fx.Tensor) => F.cumsum(u, 1, true, true), [k]);
  });

  it('NaN in max/min reductions and maximum/minimum propagates as in fluxion', async () => {
    const x = F.tensor([[1, NaN, 3], [4, 5, 6]]);
    await roundTrip((u: fx.Tensor) => [F.max(u, 1), F.min(u, 1), F.maximum(u, F.tensor(2)), F.minimum(u, F.tensor(2))], [x]);
  });

  it('structural: matmul (batched, broadcast), reshape, transpose, broadcastTo, concat, slice, pad, take, oneHot', async () => {
    const a = rand([2, 3, 4], 14);
    const b = rand([4, 5], 15);
    const c = rand([2, 4, 5], 16);
    await roundTrip((u: fx.Tensor, v: fx.Tensor, w: fx.Tensor) => [F.matmul(u, v), F.matmul(u, w)], [a, b, c], { rtol: 2e-6, scaled: 2e-7 });
    await roundTrip(
      (u: fx.Tensor) => [F.reshape(u, [6, 4]), F.reshape(u, [24]), F.transpose(u, [2, 0, 1]), F.broadcastTo(F.reshape(u, [2, 1, 3, 4]), [2, 5, 3, 4]), F.concat([u, u], 1), F.slice(u, [0, 1, 1], [2, 2, 3]), F.pad(u, [[0, 1], [2, 0], [1, 1]], -1.5)],
      [a],
    );
    const idx = F.tensor([[2, 0], [1, 1]], 'int32');
    await roundTrip((u: fx.Tensor, i: fx.Tensor) => [F.take(u, i, 1), F.take(u, i, 2), F.oneHot(i, 3), F.oneHot(F.tensor([-1, 0, 5], [3], 'int32'), 3)], [a, idx]);
    await roundTrip((u: fx.Tensor) => [F.reshape(u, [0, 3]), F.sum(u, 0)], [F.zeros([3, 0])]);
  });

  it('scatter: scatterAdd with repeated indices on each axis, and the gradient of take (an embedding lookup)', async () => {
    const x = rand([3, 4, 2], 17);
    const idx = F.tensor([[2, 0, 2]], 'int32');
    await roundTrip((u: fx.Tensor, i: fx.Tensor, w: fx.Tensor) => [F.scatterAdd(u, i, w, 0), F.scatterAdd(u, F.tensor([1, 1], 'int32'), F.ones([3, 2, 2]), 1)], [x, idx, rand([1, 3, 4, 2], 18)], { rtol: 2e-7 });
    const emb = (table: fx.Tensor, ids: fx.Tensor) => F.sum(F.square(F.take(table, ids, 0)));
    await roundTrip(fx.grad(emb), [rand([5, 3], 19), F.tensor([[0, 4], [4, 4]], 'int32')], { rtol: 2e-7 });
    const ints = F.tensor([[1, 2], [3, 4]], 'int32');
    await roundTrip((u: fx.Tensor) => F.scatterAdd(u, F.tensor([0, 0], 'int32'), F.tensor([[5, 6], [7, 8]], 'int32')), [ints]);
  });

  it('sort and topk: stable ties, NaN last (sort) or above +Infinity (topk), int32, and their gradients', async () => {
    const x = F.tensor([[3, NaN, -1, 3, Infinity, -Infinity, NaN, 0, -0, 2], [1, 1, 1, 0, 0, 5, -2, 7, 7, 1]]);
    const k = F.tensor([[4, -2, 4, 9, 0], [1, 1, 1, 1, 1]], 'int32');
    await roundTrip((u: fx.Tensor, i: fx.Tensor) => [F.sort(u), F.argsort(u), F.topk(u, 4), F.topk(u, 10), F.sort(i), F.topk(i, 3)], [x, k]);
    const y = rand([3, 6], 24);
    await roundTrip(fx.grad((u: fx.Tensor) => F.sum(F.mul(F.sort(u), F.tensor([0, 1, 2, 3, 4, 5])))), [y], { rtol: 2e-7 });
    await roundTrip(fx.grad((u: fx.Tensor) => F.sum(F.square(F.topk(u, 2).values))), [y], { rtol: 2e-7 });
  });

  it('at(x, idx).set with repeated indices: the last write wins (lastWriteMask), and its gradient', async () => {
    const x = rand([6, 2], 22);
    const idx = F.tensor([4, 1, 4, 0, 4, 1], 'int32');
    const v = rand([6, 2], 23);
    const set = (u: fx.Tensor, i: fx.Tensor, w: fx.Tensor) => F.at(u, i).set(w);
    await roundTrip(set, [x, idx, v]);
    await roundTrip(fx.grad((u: fx.Tensor, i: fx.Tensor, w: fx.Tensor) => F.sum(F.square(set(u, i, w))), { argnums: [0, 2] }), [x, idx, v], { rtol: 2e-7 });
    await roundTrip((u: fx.Tensor, i: fx.Tensor, w: fx.Tensor) => fx.vmap((a: fx.Tensor, b: fx.Tensor) => F.at(a, b).set(1))(u, i), [F.zeros([2, 4]), F.tensor([[1, 1, 3], [0, 2, 0]], 'int32'), v]);
  });

  it.each([
    [1, 'same'],
    [2, 'same'],
    [1, 'valid'],
    [[2, 3], 'valid'],
    [[3, 2], 'same'],
  ])('conv2d with strides %j, padding %s: the forward pass and both gradients (a CNN training step)', async (strides, padding) => {
    const x = rand([2, 7, 8, 3], 20);
    const w = rand([3, 2, 3, 4], 21, 0.5);
    const loss = (xx: fx.Tensor, ww: fx.Tensor) => F.sum(F.square(F.tanh(F.conv2d(xx, ww, strides, padding))));
    await roundTrip((xx: fx.Tensor, ww: fx.Tensor) => F.conv2d(xx, ww, strides, padding), [x, w], { rtol: 2e-6, scaled: 4e-7 });
    await roundTrip(fx.grad(loss, { argnums: [0, 1] }), [x, w], { rtol: 2e-6, scaled: 4e-7 });
  });

  it('symbolic-zero outputs, baked static arguments and closed-over tensors (initializers)', async () => {
    const w = F.tensor([[1, 2], [3, 4]]);
    // The gradient in `unused` is a symbolic zero: the model still outputs it, as zeros.
    const f = (x: fx.Tensor, _unused: fx.Tensor, opts: { scale: number }) => F.sum(F.mul(F.matmul(x, w), opts.scale));
    const g = (x: fx.Tensor, u: fx.Tensor, opts: { scale: number }) => fx.grad(f, { argnums: [0, 1] })(x, u, opts);
    await roundTrip(g, [F.tensor([[0.5, -1]]), F.tensor([2, 3]), { scale: 3 }]);
    const session = await ortNode.InferenceSession.create(fx.exportOnnx(g, F.tensor([[0.5, -1]]), F.tensor([2, 3]), { scale: 3 }));
    // The static scale is not an input.
    expect(session.inputNames).toEqual(['args[0]', 'args[1]']);
    expect(session.outputNames).toEqual(['out[0]', 'out[1]']);
    await session.release();
  });

  it('a primitive without an ONNX form is an OnnxExportError naming it; nothing leaks', async () => {
    const before = fx.memory().tensors;
    const k = F.tensor([3, 1, 2]);
    // A primitive without a form, beside eigh and svd (which have forms).
    const f = (x: fx.Tensor) => F.add(F.sum(hostOnlyDouble(x)), F.sum(F.mul(F.linalg.eigh(F.mul(F.eye(3), F.sum(x)))[1], F.linalg.svd(F.mul(F.eye(3), F.sum(F.square(x))))[1])));
    expect(() => fx.exportOnnx(f, k)).toThrow(fx.OnnxExportError);
    expect(() => fx.exportOnnx(f, k)).toThrow(/exportOnnx: the program uses a primitive without an ONNX form: hostOnlyDouble\b/);
    // Inside a loop body too.
    const looped = (x: fx.Tensor) => F.fori(0, 2, (_i: number, c: fx.Tensor) => hostOnlyDouble(c), x);
    expect(() => fx.exportOnnx(looped, k)).toThrow(/exportOnnx: the program uses a primitive without an ONNX form: hostOnlyDouble\b/);
    k.dispose();
    expect(fx.memory().tensors).toBe(before);
  });
});
