/**
 * Deterministic inputs shared by every implementation (float32 values; the
 * float64 references start from exactly these values) and small float64
 * helpers for the references.
 */
import * as fx from '../lib/index.js';
import { rng } from '../lib/testing/random.js';

export { rng };

/** `n` values uniform in [lo, hi), rounded to float32. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** `n` standard normal values (Box–Muller) times `scale`, rounded to float32. */
export function normal(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(r(), 1e-12);
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u)) * scale;
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Row-major float64 product `[m, k] @ [k, n]`. */
export function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      if (av === 0) continue;
      const row = p * n;
      const o = i * n;
      for (let j = 0; j < n; j++) out[o + j] = out[o + j]! + av * b[row + j]!;
    }
  }
  return out;
}

/** Row-major float64 transpose of `[m, n]`. */
export function transpose64(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j]!;
  return out;
}

/** A fluxion tensor from flat float32 data. */
export function fxTensor(data: Float32Array, shape: readonly number[]): fx.Tensor<number[], 'float32'> {
  return fx.scope(() => fx.reshape(fx.tensor(data), shape as number[])) as fx.Tensor<number[], 'float32'>;
}

/** Reads fluxion tensors back (asynchronously: webgpu has no synchronous readback). */
export async function readFx(tensors: readonly fx.Tensor[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const t of tensors) out.push(Float32Array.from((await t.data()) as Float32Array));
  return out;
}

/** `f` as it is (eager) or `fx.jit(f)`, with a `dispose` that clears the jit cache and frees `owned`. */
export function fxVariant<F extends (...args: never[]) => unknown>(f: F, jit: boolean, owned: readonly { dispose(): void }[]): { step: F; dispose: () => void } {
  const jitted = jit ? fx.jit(f) : undefined;
  return {
    step: (jitted ?? f) as F,
    dispose() {
      jitted?.clear();
      owned.forEach((t) => t.dispose());
    },
  };
}
