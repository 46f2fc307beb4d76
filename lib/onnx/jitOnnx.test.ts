import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

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

  it('a program with a primitive without an ONNX form runs on the default jit, with a warning naming it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const f = fx.jit((a: fx.Tensor) => F.mul(F.linalg.eigh(a)[0], 2), { target: 'onnx' });
      expect(await f(F.tensor([[9, 0], [0, 4]])).array()).toEqual([8, 18]);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/target 'onnx': eigh has no ONNX form; this program runs on the default jit/));
    } finally {
      warn.mockRestore();
    }
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
    expect(() => fx.jit((x: fx.Tensor) => x, { target: 'gpu' as never })).toThrow(/jit: target must be 'default' or 'onnx', got gpu/);
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
});
