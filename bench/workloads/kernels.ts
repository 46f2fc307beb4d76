/**
 * Where the time goes: one iteration of each tfjs-based implementation under
 * `tf.profile`, counting the kernels it dispatches and summing their profiled
 * times. The difference to the timed median is per-op overhead.
 */
import type { BackendName, ImplName, Measurement, Workload } from '../harness.js';
import { tf } from '../peers.js';

export interface KernelCounts {
  readonly workload: string;
  readonly impl: ImplName;
  readonly kernels: number;
  readonly kernelMs: number;
  /** Wall time of the profiled iteration (including tf.profile's own bookkeeping). */
  readonly wallMs: number;
  readonly medianMs?: number;
  /** The most frequent kernels, `Name×count`. */
  readonly top: string;
  /** Every kernel name with its count. */
  readonly counts?: Record<string, number>;
}

const PROFILED: readonly ImplName[] = ['fluxion eager', 'fluxion jit', 'tfjs'];

export async function kernelCounts(
  backend: BackendName,
  workloads: readonly Workload[],
  medians: (id: string, impl: ImplName) => Measurement | undefined,
): Promise<KernelCounts[]> {
  const out: KernelCounts[] = [];
  for (const w of workloads) {
    for (const impl of PROFILED) {
      const factory = w.impls[impl];
      if (!factory) continue;
      const runner = await factory({ backend, quick: true });
      try {
        await runner.run(); // warm (jit traces here)
        // Two profiled iterations; the faster one is kept (the machine is shared).
        let best: { info: Awaited<ReturnType<typeof tf.profile>>; wallMs: number; kernelMs: number } | undefined;
        for (let i = 0; i < 2; i++) {
          let wallMs = 0;
          const info = await tf.profile(async () => {
            const t0 = performance.now();
            await runner.run();
            wallMs = performance.now() - t0;
            return [] as unknown as tf.TensorContainer;
          });
          const kernelMs = info.kernels.reduce((s, k) => s + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0), 0);
          if (!best || wallMs < best.wallMs) best = { info, wallMs, kernelMs };
        }
        const { info, wallMs, kernelMs } = best!;
        const counts = new Map<string, number>();
        for (const k of info.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
        const top = [...counts]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([n, c]) => `${n}×${c}`)
          .join(' ');
        out.push({ workload: w.id, impl, kernels: info.kernels.length, kernelMs, wallMs, medianMs: medians(w.id, impl)?.medianMs, top, counts: Object.fromEntries(counts) });
      } catch (e) {
        out.push({ workload: w.id, impl, kernels: 0, kernelMs: 0, wallMs: 0, top: `failed: ${(e as Error).message}` });
      } finally {
        runner.dispose?.();
      }
    }
  }
  return out;
}
