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
  readonly medianMs?: number;
  /** The most frequent kernels, `Name×count`. */
  readonly top: string;
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
        const info = await tf.profile(() => runner.run() as unknown as tf.TensorContainer);
        const counts = new Map<string, number>();
        let kernelMs = 0;
        for (const k of info.kernels) {
          counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
          kernelMs += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        }
        const top = [...counts]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([n, c]) => `${n}×${c}`)
          .join(' ');
        out.push({ workload: w.id, impl, kernels: info.kernels.length, kernelMs, medianMs: medians(w.id, impl)?.medianMs, top });
      } catch (e) {
        out.push({ workload: w.id, impl, kernels: 0, kernelMs: 0, top: `failed: ${(e as Error).message}` });
      } finally {
        runner.dispose?.();
      }
    }
  }
  return out;
}
