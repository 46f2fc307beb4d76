import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';
import { hostOnlyDouble } from '../testing/hostOnly.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F: any = fx;


describeEachBackend("jit target 'onnx'", (backend) => {
  if (backend === 'webgpu') {
    it('needs the cpu or wasm backend: a clear error on webgpu, nothing leaked', () => {
      const before = fx.memory().tensors;
      const x = F.tensor([1, 2]);
      expect(() => fx.jit((u: fx.Tensor) => F.mul(u, 2), { target: 'onnx' })(x)).toThrow(/jit: target 'onnx' runs with the cpu or wasm backend .*the active backend is webgpu/);
      x.dispose();
      expect(fx.memory().tensors).toBe(before);
    });
    it("target 'auto' runs the default jit there, saying why", async () => {
      const f = fx.jit((u: fx.Tensor) => F.mul(u, 2), { target: 'auto' });
      expect(await f(F.tensor([1, 2])).array()).toEqual([2, 4]);
      expect(f.stats().programs).toMatchObject([{ target: 'host', equations: 1, nodes: 0, segments: [{ target: 'host', equations: 1, nodes: 0 }], reasons: ['the webgpu backend (ONNX Runtime takes cpu or wasm inputs)'] }]);
    });
    return;
  }

  it('runs an MLP value-and-gradient in ONNX Runtime with the eager values, traced once per signature', async () => {
    const loss = (p: { w: fx.Tensor; b: fx.Tensor }, x: fx.Tensor) => F.mean(F.square(F.tanh(F.add(F.matmul(x, p.w), p.b))));
    const p = { w: F.tensor([[0.5, -1, 0.25], [2, 0.1, -0.3]]), b: F.tensor([0.1, 0, -0.2]) };
    const x = F.tensor([[1, 2], [-0.5, 0.3], [0, 1]]);
    const step = fx.jit(fx.valueAndGrad(loss), { target: 'onnx' });
    const [v, g] = step(p, x);
    const [v0, g0] = fx.valueAndGrad(loss)(p, x);
    await expectClose(v, await v0.array(), 2e-7);
    await expectClose(g.w, await g0.w.array(), 4e-7);
    await expectClose(g.b, await g0.b.array(), 4e-7);
    step(p, x);
    expect(step.stats()).toMatchObject({ traces: 1, cacheHits: 1 });
    step.clear();
  });

  it('int32 and bool results, and results that are inputs come back as fresh fluxion tensors', async () => {
    const f = (x: fx.Tensor, k: fx.Tensor) => ({ mask: F.greater(x, 0), count: F.sum(F.cast(F.greater(x, 0), 'int32')), k2: F.mul(k, k), same: x });
    const x = F.tensor([-1, 2, 3]);
    const k = F.tensor([3, -4], 'int32');
    const out = fx.jit(f, { target: 'onnx' })(x, k);
    expect(await out.mask.array()).toEqual([false, true, true]);
    expect(out.count.dtype).toBe('int32');
    expect(await out.count.array()).toBe(2);
    expect(await out.k2.array()).toEqual([9, 16]);
    expect(out.same).not.toBe(x);
    expect(await out.same.array()).toEqual([-1, 2, 3]);
  });

  it('under grad and vmap the traced program is replayed through the interpreters', async () => {
    const f = fx.jit((x: fx.Tensor) => F.sum(F.sin(x)), { target: 'onnx' });
    const x = F.tensor([0.1, 0.5, 2]);
    await expectClose(fx.grad(f)(x), [Math.cos(0.1), Math.cos(0.5), Math.cos(2)], 2e-7);
    await expectClose(fx.vmap(f)(F.tensor([[0, 1], [2, 3]])), [Math.sin(1), Math.sin(2) + Math.sin(3)], 2e-7);
  });

  it('a program with a primitive without an ONNX form is split around it: values of the default jit, segments in stats, one warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const g = (a: fx.Tensor, b: fx.Tensor) => F.add(F.mul(hostOnlyDouble(F.mul(a, 2)), 3), F.sin(b));
      const f = fx.jit(g, { target: 'onnx' });
      const a = F.tensor([3, 5]);
      const b = F.tensor([0.5, -1]);
      const before = fx.memory().tensors;
      const out = f(a, b);
      // The result, and the constants 2 and 3 the cached program holds.
      expect(fx.memory().tensors).toBe(before + 3);
      const expected = [36 + Math.sin(0.5), 60 + Math.sin(-1)];
      await expectClose(out, expected, 2e-7);
      const dflt = fx.jit(g);
      const want = dflt(a, b);
      await expectClose(out, await want.array(), 2e-7);
      want.dispose();
      dflt.clear();
      f(a, b);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/target 'onnx': hostOnlyDouble has no ONNX form; this program runs split: onnx → host → onnx/));
      const [program] = f.stats().programs!;
      // mul(a, 2) and sin(b) before the host primitive (sin moved up by the schedule), then mul and add after it.
      expect(program).toMatchObject({ target: 'split', equations: 5, reasons: ['hostOnlyDouble has no ONNX form'] });
      expect(program!.segments.map((s) => [s.target, s.equations])).toEqual([['onnx', 2], ['host', 1], ['onnx', 2]]);
      expect(program!.segments[1]!.nodes).toBe(0);
      expect(program!.nodes).toBe(program!.segments[0]!.nodes + program!.segments[2]!.nodes);
      expect(program!.segments[0]!.nodes).toBeGreaterThanOrEqual(2);
      // Repeated calls leave only their result; clearing the cache releases the program's constants.
      const mid = fx.memory().tensors;
      f(a, b).dispose();
      expect(fx.memory().tensors).toBe(mid);
      f.clear();
      expect(fx.memory().tensors).toBe(before + 2);
    } finally {
      warn.mockRestore();
    }
  });

  it('a gradient through a primitive without an ONNX form matches the default jit and the closed form', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      // Σ y·tanh(2·(a·aᵀ + 3I)): the gradient is 2·(G + Gᵀ)·a with G = y ∘ (1 − tanh²(·))·2 / 2.
      const loss = (a: fx.Tensor, y: fx.Tensor) => F.sum(F.mul(F.tanh(hostOnlyDouble(F.add(F.matmul(a, F.transpose(a)), F.mul(F.eye(3), 3)))), y));
      const as = [[1, 0.5, -0.2], [0.3, 1.2, 0.1], [-0.4, 0.2, 0.9]];
      const ys = [[1, 2, 3], [0, -1, 0.5], [2, 0, 1]];
      const a = F.tensor(as);
      const y = F.tensor(ys);
      const split = fx.jit(fx.valueAndGrad(loss), { target: 'onnx' });
      const [v, g] = split(a, y);
      const [v0, g0] = fx.jit(fx.valueAndGrad(loss))(a, y);
      await expectClose(v, await v0.array(), 4e-7);
      await expectClose(g, await g0.array(), 2e-6);
      const m = as.map((r, i) => as.map((s, j) => 2 * (r.reduce((acc, x, k) => acc + x * s[k]!, 0) + (i === j ? 3 : 0))));
      const gm = m.map((r, i) => r.map((x, j) => 2 * ys[i]![j]! * (1 - Math.tanh(x) ** 2)));
      const closed = as.map((_, i) => as[0]!.map((_, k) => [0, 1, 2].reduce((acc, j) => acc + (gm[i]![j]! + gm[j]![i]!) * as[j]![k]!, 0)));
      await expectClose(g, closed, 2e-5);
      const [program] = split.stats().programs!;
      expect(program!.target).toBe('split');
      expect(program!.segments.filter((s) => s.target === 'host').length).toBeGreaterThanOrEqual(1);
      expect(program!.reasons[0]).toMatch(/hostOnlyDouble.* no ONNX form/);
      split.clear();
    } finally {
      warn.mockRestore();
    }
  });

  it('a split program around a primitive without an ONNX form: outputs that are inputs, constants, symbolic zeros and shared values', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const c = F.tensor([0.5, -0.25]);
      const g = (x: fx.Tensor, w: fx.Tensor, unused: fx.Tensor) => {
        const h = F.tanh(F.matmul(w, x));
        const rolled = hostOnlyDouble(h);
        return { rolled, both: F.mul(rolled, F.sum(h)), x, c, zero: F.mul(F.stopGradient(unused), 0), h };
      };
      const x = F.tensor([1, -2]);
      const w = F.tensor([[0.3, 0.1], [-0.2, 0.4]]);
      const u = F.tensor([7, 8]);
      const f = fx.jit(g, { target: 'onnx' });
      const out = f(x, w, u);
      const want = fx.jit(g)(x, w, u);
      // h = tanh(w·x) = [tanh(0.1), tanh(−1)]; rolled = 2·h
      const h = [Math.tanh(0.3 - 0.2), Math.tanh(-0.2 - 0.8)];
      const sorted = [2 * h[0]!, 2 * h[1]!];
      await expectClose(out.h, h, 2e-7);
      await expectClose(out.rolled, sorted, 4e-7);
      await expectClose(out.both, sorted.map((v) => v * (h[0]! + h[1]!)), 8e-7);
      for (const k of ['rolled', 'both', 'x', 'c', 'zero', 'h'] as const) await expectClose(out[k], await want[k].array(), 2e-7);
      expect(out.x).not.toBe(x);
      expect(out.c).not.toBe(c);
      const [program] = f.stats().programs!;
      expect(program!.target).toBe('split');
      expect(program!.reasons[0]).toMatch(/^hostOnlyDouble has no ONNX form/);
      expect(program!.segments.map((s) => s.target)).toEqual(['onnx', 'host', 'onnx']);
      // The caller owns every result: disposing them all leaves the inputs and the cached constants.
      const before = fx.memory().tensors;
      const again = f(x, w, u);
      Object.values(again).forEach((t) => (t as fx.Tensor).dispose());
      expect(fx.memory().tensors).toBe(before);
      expect(await x.array()).toEqual([1, -2]);
      f.clear();
    } finally {
      warn.mockRestore();
    }
  });

  it('a gradient output that is a symbolic zero comes back as zeros', async () => {
    const f = fx.jit(fx.grad((p: { a: fx.Tensor; b: fx.Tensor }) => F.sum(F.sin(p.a))), { target: 'onnx' });
    const g = f({ a: F.tensor([0, 1]), b: F.tensor([[5, 6]]) });
    await expectClose(g.a, [1, Math.cos(1)], 2e-7);
    expect(g.b.shape).toEqual([1, 2]);
    expect(await g.b.array()).toEqual([[0, 0]]);
  });

  it('grad of a split jitted function replays it through the interpreters', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const f = fx.jit((d: fx.Tensor) => F.sum(F.sqrt(F.linalg.eigvalsh(F.mul(F.eye(2), d)))), { target: 'onnx' });
      // sum(√eig(diag(d))) = √d0 + √d1, gradient 1/(2√d)
      await expectClose(fx.grad(f)(F.tensor([4, 9])), [0.25, 1 / 6], 2e-7);
    } finally {
      warn.mockRestore();
    }
  });

  it("target 'auto' keeps a tiny program on the host jit and sends a large one to ONNX Runtime, saying why", async () => {
    const tiny = fx.jit((x: fx.Tensor) => F.sum(F.sin(x)), { target: 'auto' });
    await expectClose(tiny(F.tensor([0.5, 1])), Math.sin(0.5) + Math.sin(1), 2e-7);
    const [small] = tiny.stats().programs!;
    expect(tiny.stats().target).toBe('auto');
    expect(small).toMatchObject({ target: 'host', nodes: 0, segments: [{ target: 'host', equations: 2, work: 2 + 2 + (2 + 1) }] });
    expect(small!.reasons).toEqual(['planner: 1 ONNX-able segment below 1e+6 work units or 1e+4 per equation (7.0e+0 in 2 equations)']);
    // 128×128 by 128×128: 2·128³ multiply-add work plus the operands and result.
    const m = 128;
    const x = F.tensor(Float32Array.from({ length: m * m }, (_, i) => ((i % 7) - 3) / 8), [m, m]);
    const w = F.tensor(Float32Array.from({ length: m * m }, (_, i) => ((i % 5) - 2) / 16), [m, m]);
    const big = fx.jit((u: fx.Tensor, v: fx.Tensor) => F.matmul(u, v), { target: 'auto' });
    const got = (await big(x, w).data()) as Float32Array;
    const [large] = big.stats().programs!;
    expect(large).toMatchObject({ target: 'onnx', equations: 1, reasons: [], segments: [{ target: 'onnx', equations: 1, work: 2 * m ** 3 + 3 * m * m }] });
    const xs = (await x.data()) as Float32Array;
    const ws = (await w.data()) as Float32Array;
    for (const [i, j] of [[0, 0], [5, 77], [127, 127]] as const) {
      let s = 0;
      for (let k = 0; k < m; k++) s += xs[i * m + k]! * ws[k * m + j]!;
      expect(got[i * m + j]).toBeCloseTo(s, 5);
    }
    big.clear();
    // 4,000 small operations on 150 elements (1.2e6 units, 301 per equation): ONNX Runtime's per-node cost exceeds what it saves.
    const chain = fx.jit((v: fx.Tensor) => {
      let acc = v;
      for (let i = 0; i < 2000; i++) acc = F.mul(F.add(acc, 0.001), 0.999);
      return acc;
    }, { target: 'auto' });
    const ones = F.ones([150]);
    let expected = 1;
    for (let i = 0; i < 2000; i++) expected = Math.fround(Math.fround(expected + Math.fround(0.001)) * Math.fround(0.999));
    await expectClose(chain(ones), Array(150).fill(expected), 1e-6);
    const [long] = chain.stats().programs!;
    expect(long!.target).toBe('host');
    expect(long!.segments[0]!.work).toBeGreaterThanOrEqual(1e6);
    expect(long!.reasons[0]).toMatch(/^planner: 1 ONNX-able segment below 1e\+6 work units or 1e\+4 per equation \(1\.\de\+6 in 4000 equations\)$/);
  });

  it("target 'auto' keeps eigh on the host beside a product large enough for ONNX Runtime; target 'onnx' runs it there", async () => {
    const m = 128;
    const x = F.tensor(Float32Array.from({ length: m * m }, (_, i) => ((i % 7) - 3) / 8), [m, m]);
    const g = (u: fx.Tensor, a: fx.Tensor) => [F.matmul(u, u), F.linalg.eigvalsh(a)];
    const a = F.tensor([[2, 1], [1, 2]]);
    const auto = fx.jit(g, { target: 'auto' });
    const [p, w] = auto(x, a);
    await expectClose(w, [1, 3], 2e-7);
    const [plan] = auto.stats().programs!;
    expect(plan!.target).toBe('split');
    expect(plan!.segments.map((s) => [s.target, s.equations])).toEqual([['onnx', 1], ['host', 1]]);
    expect(plan!.reasons).toEqual(['planner: eigh runs faster on the host']);
    const onnx = fx.jit(g, { target: 'onnx' });
    const [p2, w2] = onnx(x, a);
    expect(onnx.stats().programs![0]!.target).toBe('onnx');
    expect(Array.from(await w2.data())).toEqual(Array.from(await w.data()));
    expect(Array.from(await p2.data())).toEqual(Array.from(await p.data()));
    auto.clear();
    onnx.clear();
  });

  it('setDefaultJitTarget changes the target of later jit calls without one, and returns the previous one', () => {
    const previous = fx.setDefaultJitTarget('auto');
    try {
      expect(previous).toBe('default');
      const f = fx.jit((x: fx.Tensor) => F.mul(x, 2));
      f(F.tensor([1]));
      expect(f.stats()).toMatchObject({ target: 'auto', programs: [{ target: 'host' }] });
      expect(fx.jit((x: fx.Tensor) => F.mul(x, 2), { target: 'default' }).stats().target).toBeUndefined();
      expect(fx.setDefaultJitTarget('onnx')).toBe('auto');
      expect(() => fx.setDefaultJitTarget('gpu' as never)).toThrow(/setDefaultJitTarget: target must be 'default', 'onnx' or 'auto', got gpu/);
    } finally {
      fx.setDefaultJitTarget(previous);
    }
  });

  it('threads must be a positive integer', () => {
    expect(() => fx.jit((x: fx.Tensor) => x, { target: 'onnx', threads: 0 })).toThrow(/jit: threads must be a positive integer, got 0/);
  });

  it('keeps at most cacheSize sessions, least recently used dropped first', async () => {
    const f = fx.jit((x: fx.Tensor) => F.mul(x, 2), { target: 'onnx', cacheSize: 2 });
    const a = F.ones([1]);
    const b = F.ones([2]);
    const c = F.ones([3]);
    f(a);
    f(b);
    f(a); // a is now the most recent
    f(c); // evicts b
    expect(f.stats()).toMatchObject({ traces: 3, cacheHits: 1, evictions: 1 });
    expect(await f(a).array()).toEqual([2]);
    expect(f.stats()).toMatchObject({ traces: 3, cacheHits: 2 });
    expect(await f(b).array()).toEqual([2, 2]);
    expect(f.stats()).toMatchObject({ traces: 4, evictions: 2 });
    f.clear();
  });

  it('an unknown target is a RangeError', () => {
    expect(() => fx.jit((x: fx.Tensor) => x, { target: 'gpu' as never })).toThrow(/jit: target must be 'default', 'onnx' or 'auto', got gpu/);
  });

});

describe("jit target 'onnx': loading", () => {
  it('importing fluxion loads no onnxruntime module; the first ONNX-target compile does', () => {
    const script = [
      "import { createRequire } from 'node:module';",
      "const fx = await import('./lib/index.ts');",
      'const cache = createRequire(import.meta.url).cache;',
      "const loaded = () => Object.keys(cache).some((k) => k.includes('onnxruntime'));",
      'const before = loaded();',
      "fx.jit((x) => fx.mul(x, 2), { target: 'onnx' })(fx.tensor([1]));",
      'console.log(JSON.stringify({ before, after: loaded() }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8', env: { ...process.env, FLUXION_BACKEND: 'cpu' } });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ before: false, after: true });
  }, 60_000);

  it('FLUXION_JIT_TARGET sets the initial default target; an unknown value is a RangeError at the first jit', () => {
    const script = [
      "const fx = await import('./lib/index.ts');",
      'const f = fx.jit((x) => fx.mul(x, 2));',
      'f(fx.tensor([1]));',
      'let error = null;',
      "try { fx.setDefaultJitTarget('default'); } catch (e) { error = e.message; }",
      'console.log(JSON.stringify({ target: f.stats().target, program: f.stats().programs[0].target, error }));',
    ].join('\n');
    const run = (value: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: new URL('../..', import.meta.url).pathname,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, FLUXION_BACKEND: 'cpu', FLUXION_JIT_TARGET: value },
      });
    expect(JSON.parse(run('auto').trim().split('\n').at(-1)!)).toEqual({ target: 'auto', program: 'host', error: null });
    expect(() => run('gpu')).toThrow(/FLUXION_JIT_TARGET must be 'default', 'onnx' or 'auto', got gpu/);
  }, 60_000);
});
