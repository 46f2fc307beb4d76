/**
 * W7: peak memory of W5's reverse pass, with and without `fx.checkpoint`
 * (segments of 20 Euler steps: only each segment's inputs are kept, its
 * intermediates are recomputed in the backward pass).
 *
 * Three measures:
 * - `fx.memoryProfile`: the residuals reverse mode keeps (bytes, count);
 * - the tfjs engine's peak of live bytes during one value-and-grad call
 *   (`tf.profile`, above what was live before), for fluxion eager and for
 *   TF.js autodiff (which has no rematerialization);
 * - `jit(...).stats().peakBytes`: the compiled program's peak of intermediates.
 * jax-js exposes no allocation statistics, so it has no column here.
 */
import * as fx from '../../lib/index.js';
import { fxTensor } from '../data.js';
import { median, type BackendName } from '../harness.js';
import { tf } from '../peers.js';
import { PARTICLES, fxSimulation, springData, tfSimulation } from './w5-spring.js';

export const SEGMENT = 20;

export interface MemoryRow {
  readonly label: string;
  readonly residualBytes?: number;
  readonly residuals?: number;
  readonly peakBytes?: number;
  readonly jitPeakBytes?: number;
  readonly ms?: number;
  readonly relDiff?: number;
}

export interface MemoryResult {
  readonly backend: BackendName;
  readonly rows?: MemoryRow[];
  readonly error?: string;
}

type K = fx.Tensor<[99], 'float32'>;
type P = fx.Tensor<[100], 'float32'>;

/** Peak live bytes above the level before `f` ran, per the tfjs engine (shared by fluxion and TF.js). */
async function peakOf(f: () => Promise<unknown> | unknown): Promise<number> {
  const before = tf.memory().numBytes;
  const info = await tf.profile(f as () => tf.TensorContainer);
  return info.peakBytes - before;
}

async function timed(f: () => Promise<Float32Array>, n: number): Promise<[number, Float32Array]> {
  let out = await f();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    out = await f();
    samples.push(performance.now() - t0);
  }
  return [median(samples), out];
}

export async function memoryWorkload(backend: BackendName, quick: boolean): Promise<MemoryResult> {
  const d = springData();
  const k = fxTensor(d.k, [99]) as unknown as K;
  const x0 = fxTensor(d.x0, [PARTICLES]) as unknown as P;
  const target = fxTensor(d.target, [PARTICLES]) as unknown as P;
  const rows: MemoryRow[] = [];
  const reps = quick || backend === 'webgpu' ? 1 : 3;
  let plainGrad: Float32Array | undefined;
  try {
    for (const [label, segment] of [
      ['fluxion, no checkpoint', 0],
      [`fluxion, checkpoint every ${SEGMENT} steps`, SEGMENT],
    ] as const) {
      const sim = fxSimulation(segment);
      const profile = fx.memoryProfile(sim)(k, x0, target);
      const vg = fx.valueAndGrad(sim);
      const once = () => fx.scope(async () => Float32Array.from((await vg(k, x0, target)[1].data()) as Float32Array));
      const peakBytes = await peakOf(once);
      const [ms, grad] = await timed(once, reps);
      plainGrad ??= grad;
      const jitted = fx.jit(vg);
      fx.scope(() => jitted(k, x0, target));
      const jitPeakBytes = jitted.stats().peakBytes;
      jitted.clear();
      rows.push({
        label,
        residualBytes: profile.totalBytes,
        residuals: profile.residuals.length,
        peakBytes,
        jitPeakBytes,
        ms,
        relDiff: relDiff(grad, plainGrad),
      });
    }
    const tk = tf.tensor1d(d.k);
    const tx = tf.tensor1d(d.x0);
    const tt = tf.tensor1d(d.target);
    const tvg = tf.grad(tfSimulation(tx, tt));
    const tfOnce = async () => {
      const g = tvg(tk);
      const out = Float32Array.from((await g.data()) as Float32Array);
      g.dispose();
      return out;
    };
    const peakBytes = await peakOf(tfOnce);
    const [ms, grad] = await timed(tfOnce, reps);
    rows.push({ label: 'TF.js autodiff (no rematerialization available)', peakBytes, ms, relDiff: relDiff(grad, plainGrad!) });
    [tk, tx, tt].forEach((t) => t.dispose());
    return { backend, rows };
  } finally {
    [k, x0, target].forEach((t) => t.dispose());
  }
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / Math.max(scale, 1e-30);
}
