/**
 * The Adam loop (issue 21): 200 training steps of W1's MLP (784-512-512-10,
 * batch 128, the same batch every step), each step one jitted call that
 * computes the loss and gradients and applies Adam (lr 1e-3, β 0.9/0.999,
 * ε 1e-8), fluxion (`fx.jit` of `fx.valueAndGrad` + `fx.optim.adam`) against
 * jax-js (`jit` of `valueAndGrad` + the same update written out), on wasm.
 * The loss is read back every step (as a training loop logging it would);
 * ms per step is over steps 2…200 (the first call, with tracing and
 * compiling, is in the first-call table);
 * `fx.memory().tensors` after step 1 and after step 200. The two loss curves
 * are compared (max relative difference over the 200 losses).
 * TF.js is left out: its W1 gradient alone takes ~200 ms per step on wasm.
 */
import * as fx from '../../lib/index.js';
import { jax, useJaxDevice } from '../peers.js';
import { fxLoss, fxMlpInputs, jaxMlpInputs, jaxMlpLoss, type JP, type Params } from './w1-mlp.js';

export interface AdamLoopResult {
  readonly backend: string;
  readonly steps: number;
  readonly fluxionMs?: number;
  readonly jaxMs?: number;
  readonly tensorsAfterStep1?: number;
  readonly tensorsAfterLast?: number;
  readonly fluxionLoss?: [number, number];
  readonly jaxLoss?: [number, number];
  /** Max relative difference between the two loss curves. */
  readonly curveDiff?: number;
  readonly error?: string;
}

const LR = 1e-3;
const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-8;

async function fluxionLoop(steps: number): Promise<{ ms: number; losses: number[]; tensors: [number, number] }> {
  let [p, x, y] = fxMlpInputs();
  const opt = fx.optim.adam({ learningRate: LR, beta1: B1, beta2: B2, eps: EPS });
  let state = opt.init(p);
  const step = fx.jit((q: Params, s: fx.optim.AdamState<Params>, xb: typeof x, yb: typeof y) => {
    const [value, grads] = fx.valueAndGrad(fxLoss)(q, xb, yb);
    const [next, nextState] = opt.update(grads, s, q);
    return [value, next, nextState] as const;
  });
  const losses: number[] = [];
  let tensors1 = 0;
  let t0 = 0;
  for (let i = 1; i <= steps; i++) {
    const [value, next, nextState] = step(p, state, x, y);
    fx.optim.dispose(p, state);
    [p, state] = [next as Params, nextState as fx.optim.AdamState<Params>];
    losses.push((await value.data())[0]!);
    value.dispose();
    if (i === 1) {
      tensors1 = fx.memory().tensors;
      t0 = performance.now();
    }
  }
  const ms = (performance.now() - t0) / (steps - 1);
  const tensorsLast = fx.memory().tensors;
  step.clear();
  fx.optim.dispose(p, state, x, y);
  return { ms, losses, tensors: [tensors1, tensorsLast] };
}

async function jaxLoop(steps: number): Promise<{ ms: number; losses: number[] }> {
  type A = jax.numpy.Array;
  const np = jax.numpy;
  let [p, x, y] = jaxMlpInputs();
  const keys = Object.keys(p) as (keyof JP)[];
  let m = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)])) as JP;
  let v = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)])) as JP;
  let t = np.array([0]).reshape([]);
  const step = jax.jit((q: JP, mq: JP, vq: JP, tq: A, xb: A, yb: A) => {
    const [value, g] = jax.valueAndGrad(jaxMlpLoss)(
      Object.fromEntries(keys.map((k) => [k, q[k].ref])) as JP,
      xb,
      yb,
    ) as [A, JP];
    const tn = tq.add(1);
    const c1 = np.exp(tn.ref.mul(Math.log(B1))).neg().add(1);
    const c2 = np.exp(tn.ref.mul(Math.log(B2))).neg().add(1);
    const next: Record<string, A> = {};
    const mn: Record<string, A> = {};
    const vn: Record<string, A> = {};
    for (const k of keys) {
      mn[k] = mq[k].mul(B1).add(g[k].ref.mul(1 - B1));
      vn[k] = vq[k].mul(B2).add(g[k].ref.mul(g[k]).mul(1 - B2));
      const mHat = mn[k]!.ref.div(c1.ref);
      const vHat = vn[k]!.ref.div(c2.ref);
      next[k] = q[k].sub(mHat.div(np.sqrt(vHat).add(EPS)).mul(LR));
    }
    c1.dispose();
    c2.dispose();
    return [value, next, mn, vn, tn];
  });
  const losses: number[] = [];
  let t0 = 0;
  for (let i = 1; i <= steps; i++) {
    const [value, next, mn, vn, tn] = step(p, m, v, t, x.ref, y.ref) as [A, JP, JP, JP, A];
    [p, m, v, t] = [next, mn, vn, tn];
    losses.push((await value.data())[0]!);
    if (i === 1) t0 = performance.now();
  }
  const ms = (performance.now() - t0) / (steps - 1);
  (step as unknown as { dispose?(): void }).dispose?.();
  for (const k of keys) [p[k], m[k], v[k]].forEach((a) => a.dispose());
  [t, x, y].forEach((a) => a.dispose());
  return { ms, losses };
}

export async function adamLoop(steps = 200): Promise<AdamLoopResult> {
  const backend = fx.getBackend();
  try {
    const f = await fluxionLoop(steps);
    let j: { ms: number; losses: number[] } | undefined;
    let jaxError: string | undefined;
    try {
      await useJaxDevice(backend as 'wasm');
      j = await jaxLoop(steps);
    } catch (e) {
      jaxError = (e as Error).message;
    }
    let curveDiff: number | undefined;
    if (j) curveDiff = Math.max(...f.losses.map((l, i) => Math.abs(l - j!.losses[i]!) / Math.abs(j!.losses[i]!)));
    return {
      backend,
      steps,
      fluxionMs: f.ms,
      jaxMs: j?.ms,
      tensorsAfterStep1: f.tensors[0],
      tensorsAfterLast: f.tensors[1],
      fluxionLoss: [f.losses[0]!, f.losses[steps - 1]!],
      jaxLoss: j ? [j.losses[0]!, j.losses[steps - 1]!] : undefined,
      curveDiff,
      error: jaxError && `jax-js: ${jaxError}`,
    };
  } catch (e) {
    return { backend, steps, error: (e as Error).message };
  }
}

export function renderAdamSection(r: AdamLoopResult): string[] {
  const out = [
    `## Adam loop (issue 21): ${r.steps} jitted training steps of W1's MLP`,
    '',
    "Each step one jitted call: loss, gradients and the Adam update (lr 1e-3), the loss read back every step; fluxion `fx.jit` of `fx.valueAndGrad(loss)` + `fx.optim.adam`, jax-js `jit` of `valueAndGrad` + the same update written out, on " +
      `${r.backend} (bench/workloads/adam-loop.ts). TF.js is left out (its W1 gradient alone is ~200 ms per step on wasm).`,
    '',
  ];
  if (r.fluxionMs === undefined) return [...out, `Failed: ${r.error}`, ''];
  const q = r.jaxMs === undefined ? undefined : r.fluxionMs / r.jaxMs;
  out.push(
    '| | fluxion | jax-js | fluxion / jax-js |',
    '| --- | ---: | ---: | ---: |',
    `| ms per step (steps 2…${r.steps}) | ${r.fluxionMs.toFixed(2)} | ${r.jaxMs?.toFixed(2) ?? '—'} | ${q === undefined ? '—' : q > 1.1 ? `**${q.toFixed(2)}×**` : `${q.toFixed(2)}×`} |`,
    `| loss at step 1 | ${r.fluxionLoss![0].toPrecision(5)} | ${r.jaxLoss?.[0].toPrecision(5) ?? '—'} | |`,
    `| loss at step ${r.steps} | ${r.fluxionLoss![1].toPrecision(5)} | ${r.jaxLoss?.[1].toPrecision(5) ?? '—'} | |`,
    `| live tensors (\`fx.memory().tensors\`) after step 1 → ${r.steps} | ${r.tensorsAfterStep1} → ${r.tensorsAfterLast} | — | |`,
    '',
    `${r.tensorsAfterLast === r.tensorsAfterStep1 ? 'Flat: no tensor leaked' : `**Not flat: ${r.tensorsAfterLast! - r.tensorsAfterStep1!} tensors leaked**`} over ${r.steps} steps. Loss curves: max relative difference between the frameworks ${r.curveDiff === undefined ? '—' : r.curveDiff.toExponential(1)}.${r.error ? ` ${r.error}` : ''}`,
    '',
  );
  return out;
}
