import { afterEach, expect, it, vi } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';
import { testing } from './hostKernels.js';
import { simdTesting } from './simd.js';

type V = fx.Tensor<[4], 'float32'>;

/** Strings that would break out of a generated JS or WGSL source if they were ever spliced into one. */
const HOSTILE = [
  "'); globalThis.__fluxionPwned = 1; ('",
  '*/ globalThis.__fluxionPwned = 1; /*',
  '`${globalThis.__fluxionPwned = 1}`',
  '}; globalThis.__fluxionPwned = 1; function x() {',
  'fn main() { } // WGSL',
];

describeEachBackend('generated kernels are safe', (backend) => {
  afterEach(() => {
    testing.breakCompiler = false;
    delete (globalThis as { __fluxionPwned?: number }).__fluxionPwned;
  });

  it('hostile pytree keys and static strings never reach generated source', async () => {
    const x = fx.tensor([0.5, -1, 2, 0.25]) as V;
    for (const evil of HOSTILE) {
      const f = fx.jit((p: Record<string, V>, label: string) => {
        expect(label).toBe(evil); // the static string arrives intact
        const v = p[evil]!;
        return { [evil]: fx.sum(fx.mul(fx.tanh(fx.mul(v, 2)), fx.exp(v))) };
      });
      const out = f({ [evil]: x }, evil);
      const want = [0.5, -1, 2, 0.25].reduce((s, v) => s + Math.tanh(2 * v) * Math.exp(v), 0);
      await expectClose(out[evil]!, want, backend === 'webgpu' ? 1e-3 : 1e-5);
      const dx = fx.jit(fx.grad((p: Record<string, V>) => fx.sum(fx.sin(fx.mul(p[evil]!, p[evil]!)))))({ [evil]: x });
      await expectClose(dx[evil]!, [0.5, -1, 2, 0.25].map((v) => 2 * v * Math.cos(v * v)), backend === 'webgpu' ? 1e-3 : 1e-5);
    }
    expect((globalThis as { __fluxionPwned?: number }).__fluxionPwned).toBeUndefined();
    for (const source of testing.sources()) {
      expect(source).not.toMatch(/Pwned|WGSL|globalThis/);
      // Only the identifiers the generator writes: locals and parameters (a letter and a number), keywords, Math and the fast-math names.
      const identifiers = new Set(source.match(/[A-Za-z_$][\w$]*/g));
      for (const id of identifiers) expect(id).toMatch(/^(?:[a-z]\d*[scv]?|u\d+_\d+|acc\d+|q\d+p|const|let|for|if|Math|SINCOS|f[a-z0-9]+)$/);
    }
  });

  it('wasm SIMD modules hold only opcodes: hostile keys and strings never reach their bytes', async () => {
    if (backend !== 'wasm') return; // SIMD kernels run on the wasm backend's heap only
    type M = fx.Tensor<[160, 160], 'float32'>;
    const x = fx.mul(fx.ones([160, 160]), 0.01) as M;
    for (const evil of HOSTILE) {
      // A product above the host lowering's limit: the mixed plan runs, its tanh group and transposes in SIMD.
      const f = fx.jit(fx.grad((p: Record<string, M>) => fx.sum(fx.tanh(fx.add(fx.matmul(p[evil]!, p[evil]!), 0.5)))));
      const g = f({ [evil]: x });
      // d/dX Σ tanh(X·X + ½) = S·Xᵀ + Xᵀ·S with S = 1 − tanh²(X·X + ½); every entry of X·X is 160·10⁻⁴.
      const s = 1 - Math.tanh(160e-4 + 0.5) ** 2;
      await expectClose(g[evil]!, Array.from({ length: 160 }, () => Array<number>(160).fill(2 * 160 * 0.01 * s)), 1e-5);
    }
    expect(simdTesting.modules().length).toBeGreaterThan(0);
    for (const bytes of simdTesting.modules()) {
      const text = String.fromCharCode(...bytes);
      for (const evil of HOSTILE) expect(text).not.toContain(evil.slice(0, 8));
      expect(text).not.toMatch(/Pwned|globalThis|WGSL/);
      // Imports: the heap and fixed library functions only (lib/compile/simd.ts's IMPORTS).
      for (const i of WebAssembly.Module.imports(new WebAssembly.Module(bytes))) expect(`${i.module}.${i.name}`).toMatch(/^(?:e\.m|m\.(?:sin|cos|tan|atan|pow|log|log1p))$/);
    }
  });

  it('numbers from params travel as data, not as source text', () => {
    const f = fx.jit((x: V) => fx.clip(fx.pad(x, [[1, 1]], 12345.678), -98765.4321, 13579.2468));
    f(fx.tensor([1, 2, 3, 4]) as V);
    for (const source of testing.sources()) expect(source).not.toMatch(/12345|98765|13579/);
  });

  it('a generated kernel that fails to compile falls back to tfjs kernels with a warning, same values', async () => {
    if (backend === 'webgpu') return; // the host lowering only runs on cpu and wasm
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    testing.breakCompiler = true;
    // A formula no earlier test generated, so the compiler is really asked.
    const f = fx.jit((x: V) => fx.sum(fx.mul(fx.softplus(fx.rsqrt(fx.add(fx.abs(x), 3))), fx.sigmoid(x))));
    const x = fx.tensor([0.5, -1, 2, 0.25]) as V;
    const want = [0.5, -1, 2, 0.25].reduce((s, v) => s + Math.log1p(Math.exp(1 / Math.sqrt(Math.abs(v) + 3))) / (1 + Math.exp(-v)), 0);
    await expectClose(f(x), want, 1e-5);
    const warnings = warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('fluxion'));
    expect(warnings, warn.mock.calls.join('\n')).toHaveLength(1);
    expect(warnings[0]).toMatch(/failed to compile.*tfjs kernels/);
    expect(f.lower(x).toString()).not.toMatch(/fused/);
    warn.mockRestore();
  });
});
