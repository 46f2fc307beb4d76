/**
 * Control flow on ONNX: `cond` → `If`, `scan`/`fori` → `Loop` with the body
 * as a sub-graph, `whileLoop` → `Loop` without a trip count. Each exported
 * model runs in onnxruntime-node and is compared with fluxion's eager result
 * (float64 references where the value is known in closed form); the jit
 * target runs them on ONNX Runtime (no fallback).
 */
import { describe, expect, it, vi } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as fx from '../index.js';
import { flatten } from '../core/pytree.js';
import { useBackendInSuite } from '../testing/suiteBackend.js';
import { leafNames } from './export.js';
import { traceOptimized } from '../compile/optimize.js';
import { missingOnnxForms } from './lower.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F: any = fx;
type T = fx.Tensor;

/** Runs the model of `f` at `args` in ONNX Runtime: the output leaves as plain arrays. */
async function runOnnx(f: (...a: never[]) => unknown, args: unknown[]): Promise<number[][]> {
  const bytes = fx.exportOnnx(f as (...a: unknown[]) => unknown, ...args);
  const [leaves, def] = flatten(args);
  const names = leafNames(def, 'args');
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const feeds: Record<string, ort.Tensor> = {};
  leaves.forEach((t, i) => (feeds[names[i]!] = new ort.Tensor(t.dtype, t.dataSync() as Float32Array, [...t.shape])));
  const out = await session.run(feeds);
  const result = session.outputNames.map((n) => Array.from(out[n]!.data as ArrayLike<number>, Number));
  await session.release();
  return result;
}

/** The ops of the optimized program of `f` at `args` (to check which primitives the model holds). */
function primitivesOf(f: (...a: never[]) => unknown, args: unknown[]): string[] {
  const [leaves, def] = flatten(args);
  const { ir } = traceOptimized(f as (...a: unknown[]) => unknown, def, leaves);
  const names = ir.equations.map((e) => e.prim.name);
  expect(missingOnnxForms(ir)).toEqual([]);
  ir._release();
  return names;
}

async function expectSame(f: (...a: never[]) => unknown, args: unknown[], rtol = 1e-6): Promise<void> {
  const got = await runOnnx(f, args);
  const [want] = flatten((f as (...a: unknown[]) => unknown)(...args));
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    const wv = Array.from(w.dataSync() as ArrayLike<number>, Number);
    expect(got[i]!.length, `output ${i}: size`).toBe(wv.length);
    wv.forEach((v, k) => expect(Math.abs(got[i]![k]! - v), `output ${i}[${k}]: got ${got[i]![k]}, want ${v}`).toBeLessThanOrEqual(rtol * Math.abs(v) + 1e-7));
  });
}

describe('ONNX control flow [cpu reference]', () => {
  useBackendInSuite('cpu');

  const piece = (x: T) => F.cond(F.greater(F.sum(x), 0), (v: T) => F.mul(v, v), (v: T) => F.sub(F.neg(v), 1), x);

  it('cond → If: each branch taken at run time, with a captured tensor, and the model holds an If', async () => {
    expect(primitivesOf(piece, [F.tensor([1, 2])])).toContain('cond');
    // One model, both branches: the predicate is data.
    expect(await runOnnx(piece, [F.tensor([1, 2])])).toEqual([[1, 4]]);
    expect(await runOnnx(piece, [F.tensor([1, -2])])).toEqual([[-2, 1]]);
    const w = F.tensor([10, 20]);
    const captured = (x: T) => F.cond(F.less(F.sum(x), 0), (v: T) => F.add(v, w), (v: T) => F.mul(v, w), x);
    await expectSame(captured, [F.tensor([1, -3])]);
    await expectSame(captured, [F.tensor([1, 3])]);
  });

  it('the gradient of a staged cond', async () => {
    const loss = (x: T) => F.sum(F.mul(piece(x), x));
    // d/dx Σ x³ = 3x² (sum > 0) and d/dx Σ (−x − 1)·x = −2x − 1.
    expect(await runOnnx(fx.grad(loss), [F.tensor([1, 2])])).toEqual([[3, 12]]);
    expect(await runOnnx(fx.grad(loss), [F.tensor([1, -2])])).toEqual([[-3, 3]]);
  });

  it('scan → Loop: a cumulative product carried forward and in reverse, with per-step outputs', async () => {
    const step = (c: T, x: T): [T, T] => [F.mul(c, x), F.add(c, x)];
    const f = (init: T, xs: T) => F.scan(step, init, xs);
    const g = (init: T, xs: T) => F.scan(step, init, xs, { reverse: true });
    const init = F.tensor([1, 2]);
    const xs = F.tensor([[1, 2], [3, 4], [5, 6]]);
    expect(primitivesOf(f, [init, xs])).toContain('scan');
    // carry: 1·1·3·5 = 15, 2·2·4·6 = 96; ys: c + x before each step.
    expect(await runOnnx(f, [init, xs])).toEqual([[15, 96], [2, 4, 4, 8, 8, 22]]);
    await expectSame(g, [init, xs]);
    // Under vmap: the batched body in one Loop.
    await expectSame(fx.vmap(f), [F.tensor([[1, 2], [3, 4]]), F.tensor([[[1, 2], [3, 4], [5, 6]], [[0.5, 1], [2, -1], [1, 1]]])]);
  });

  it('fori with a captured tensor, and the gradient of a scan (a reverse Loop over residuals)', async () => {
    const w = F.tensor([0.5, -1.5]);
    const f = (x: T) => F.fori(0, 5, (_i: number, c: T) => F.add(F.tanh(F.mul(c, w)), x), x);
    await expectSame(f, [F.tensor([0.3, 0.7])], 2e-6);
    await expectSame(fx.grad((x: T) => F.sum(f(x))), [F.tensor([0.3, 0.7])], 4e-6);
    const rnn = (h: T, xs: T) => F.sum(F.scan((c: T, x: T): [T, T] => [F.tanh(F.add(F.mul(c, 0.9), x)), F.square(c)], h, xs)[1]);
    await expectSame(fx.grad(rnn, { argnums: [0, 1] }), [F.tensor([0.1, -0.2]), F.tensor([[1, 2], [-1, 0.5], [0.3, 0.3], [2, -2]])], 4e-6);
  });

  it('whileLoop → Loop without a trip count: the trip count is data', async () => {
    const f = (x: T) => F.whileLoop((c: T) => F.less(F.sum(c), 100), (c: T) => F.add(F.mul(c, 2), 1), x);
    expect(primitivesOf(f, [F.tensor([1, 2])])).toContain('whileLoop');
    // [1,2] → [3,5] → [7,11] → [15,23] → [31,47] → [63,95] (sum 158 ≥ 100).
    expect(await runOnnx(f, [F.tensor([1, 2])])).toEqual([[63, 95]]);
    // Already done: zero iterations.
    expect(await runOnnx(f, [F.tensor([100, 2])])).toEqual([[100, 2]]);
    const w = F.tensor(3);
    const counted = (x: T) => F.whileLoop(([i, c]: T[]) => F.less(i, 4), ([i, c]: T[]) => [F.add(i, 1), F.mul(c, w)], [F.scalar(0, 'int32'), x]);
    expect(await runOnnx(counted, [F.tensor([1, -2])])).toEqual([[4], [81, -162]]);
    // Reverse mode: a masked scan of maxIterations steps (d/dx of x·2⁵ + 31 is 32 per element).
    const loss = (x: T) => F.sum(F.whileLoop((c: T) => F.less(F.sum(c), 100), (c: T) => F.add(F.mul(c, 2), 1), x, { maxIterations: 20 }));
    expect(await runOnnx(fx.grad(loss), [F.tensor([1, 2])])).toEqual([[32, 32]]);
  });

  it('vmap over a whileLoop with a per-example condition: one Loop for the batch; in reverse mode only the examples still running after maxIterations are NaN', async () => {
    const doubling = (x: T) => F.whileLoop((c: T) => F.less(F.sum(c), 10), (c: T) => F.mul(c, 2), x);
    expect(await runOnnx(fx.vmap(doubling), [F.tensor([[1, 2], [8, 4], [0.25, 0]])])).toEqual([[4, 8, 8, 4, 16, 0]]);
    // 3 masked steps: [1, 2] needs 2 (gradient 4), [8, 4] none (1), [0.25, 0] needs 6: still running, NaN.
    const loss = (x: T) => F.sum(F.whileLoop((c: T) => F.less(F.sum(c), 10), (c: T) => F.mul(c, 2), x, { maxIterations: 3 }));
    const [g] = await runOnnx(fx.vmap(fx.grad(loss)), [F.tensor([[1, 2], [8, 4], [0.25, 0]])]);
    expect(g!.slice(0, 4)).toEqual([4, 4, 1, 1]);
    expect(g!.slice(4).every(Number.isNaN)).toBe(true);
  });

  it('forward mode through a whileLoop (whileLoopTangent) → the (primal, tangent) Loop: first and second order, the trip count data', async () => {
    const body = (c: T) => F.add(F.mul(c, 1.5), F.mul(F.sin(c), 0.1));
    const loop = (x: T) => F.whileLoop((c: T) => F.less(F.sum(c), 10), body, x, { maxIterations: 50 });
    const tangent = (x: T) => fx.jvp(loop, [x], [F.tensor([1, -0.5])]);
    expect(primitivesOf(tangent, [F.tensor([0.3, 0.2])])).toContain('whileLoopTangent');
    // The closed form: iterate c ← 1.5·c + 0.1·sin(c) and its tangent t ← (1.5 + 0.1·cos(c))·t while Σc < 10 (float64).
    let c = [0.3, 0.2];
    let t = [1, -0.5];
    for (let k = 0; k < 50 && c[0]! + c[1]! < 10; k++) {
      t = t.map((v, i) => (1.5 + 0.1 * Math.cos(c[i]!)) * v);
      c = c.map((v) => 1.5 * v + 0.1 * Math.sin(v));
    }
    const [primal, tan] = await runOnnx(tangent, [F.tensor([0.3, 0.2])]);
    primal!.forEach((v, i) => expect(v).toBeCloseTo(c[i]!, 5));
    tan!.forEach((v, i) => expect(Math.abs(v - t[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(t[i]!))));
    await expectSame(tangent, [F.tensor([0.3, 0.2])]);
    // Second order: forward mode over forward mode, a loop over (primal, tangent) pairs of pairs.
    const second = (x: T) => fx.jvp((y: T) => fx.jvp(loop, [y], [F.tensor([1, -0.5])])[1], [x], [F.tensor([0.5, 1])]);
    await expectSame(second, [F.tensor([0.3, 0.2])], 1e-5);
    // Zero iterations: the tangent is the input tangent.
    expect(await runOnnx(tangent, [F.tensor([8, 4])])).toEqual([[8, 4], [1, -0.5]]);
  });

  it('a reverse-mode whileLoop still running after maxIterations gives NaN in the model (it cannot raise there), as on webgpu', async () => {
    const loss = (x: T) => F.sum(F.whileLoop((c: T) => F.less(F.sum(c), 100), (c: T) => F.add(F.mul(c, 2), 1), x, { maxIterations: 3 }));
    // fluxion itself raises naming maxIterations.
    expect(() => fx.jit(fx.valueAndGrad(loss))(F.tensor([1, 2]))).toThrow(/maxIterations = 3/);
    const [value, grad] = await runOnnx(fx.valueAndGrad(loss), [F.tensor([1, 2])]);
    expect(value!.every(Number.isNaN)).toBe(true);
    expect(grad!.every(Number.isNaN)).toBe(true);
    // Within the limit the poisoning scale is 1: −0, infinities and values pass unchanged.
    const keep = (x: T) => F.whileLoop((c: T) => F.less(F.sum(c), 0), (c: T) => F.add(c, 1), x, { maxIterations: 3 });
    const vjp = (x: T) => fx.vjp(keep, x)[0];
    expect((await runOnnx(fx.grad((x: T) => F.sum(keep(x))), [F.tensor([-0, Infinity])]))[0]).toEqual([1, 1]);
    const [kept] = await runOnnx(vjp, [F.tensor([-0, Infinity])]);
    expect(kept!.map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(['-0', Infinity]);
  });

  it('calls with custom rules and checkpointed segments are inlined: values and gradients', async () => {
    // A customJvp whose rule is deliberately not the derivative (3·t instead of 2x·t): the model must use it.
    const odd = fx.customJvp((x: T) => F.square(x), ([x]: [T], [t]: [T]) => [F.square(x), F.mul(t, 3)]);
    const f = (x: T) => F.sum(odd(F.sin(x)));
    expect(primitivesOf(f, [F.tensor([0.5, 1])])).toContain('customJvp');
    await expectSame(f, [F.tensor([0.5, 1])]);
    // d/dx Σ odd(sin x) = 3·cos x by the rule.
    const [got] = await runOnnx(fx.grad(f), [F.tensor([0.5, 1])]);
    got!.forEach((v, i) => expect(Math.abs(v - 3 * Math.cos([0.5, 1][i]!))).toBeLessThan(1e-6));
    const sq = fx.customVjp(
      (x: T) => F.mul(x, x),
      (x: T) => [F.mul(x, x), x],
      (x: T, ct: T) => [F.mul(F.mul(ct, x), 4)],
    );
    // d/dx Σ sq(x) = 4x by bwd (not 2x).
    expect(await runOnnx(fx.grad((x: T) => F.sum(sq(x))), [F.tensor([1, -2])])).toEqual([[4, -8]]);
    const block = fx.checkpoint((x: T) => F.tanh(F.mul(F.sin(x), 2)));
    const loss = (x: T) => F.sum(F.square(block(x)));
    expect(primitivesOf(fx.grad(loss), [F.tensor([0.3, -0.8])])).toContain('checkpoint');
    await expectSame(fx.grad(loss), [F.tensor([0.3, -0.8])], 2e-6);
    // Forward mode through the checkpoint: its tangent map (checkpointLinear) inlined.
    await expectSame((x: T) => fx.jvp(block, [x], [F.onesLike(x)])[1], [F.tensor([0.3, -0.8])], 2e-6);
  });

  it("jit with target 'onnx' runs loops and branches on ONNX Runtime (no fallback to the default jit)", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const f = fx.jit((x: T) => F.add(piece(x), F.fori(0, 3, (_i: number, c: T) => F.mul(c, 2), x)), { target: 'onnx' });
      const y = f(F.tensor([1, -3])) as T;
      // sum < 0: −x − 1 = [−2, 2]; x·8 = [8, −24].
      expect(Array.from(y.dataSync())).toEqual([6, -22]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
