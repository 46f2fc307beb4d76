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

interface Loop {
  /** One training step; resolves to its loss (read back). */
  step(): Promise<number>;
  /** Live fluxion tensors now (fluxion only). */
  tensors?(): number;
  dispose(): void;
}

function fluxionLoop(): Loop {
  let [p, x, y] = fxMlpInputs();
  const opt = fx.optim.adam({ learningRate: LR, beta1: B1, beta2: B2, eps: EPS });
  let state = opt.init(p);
  const step = fx.jit((q: Params, s: fx.optim.AdamState<Params>, xb: typeof x, yb: typeof y) => {
    const [value, grads] = fx.valueAndGrad(fxLoss)(q, xb, yb);
    const [next, nextState] = opt.update(grads, s, q);
    return [value, next, nextState] as const;
  });
  return {
    async step() {
      const [value, next, nextState] = step(p, state, x, y);
      fx.optim.dispose(p, state);
      [p, state] = [next as Params, nextState as fx.optim.AdamState<Params>];
      const loss = (await value.data())[0]!;
      value.dispose();
      return loss;
    },
    tensors: () => fx.memory().tensors,
    dispose() {
      step.clear();
      fx.optim.dispose(p, state, x, y);
    },
  };
}

function jaxLoop(): Loop {
  type A = jax.numpy.Array;
  const np = jax.numpy;
  let [p, x, y] = jaxMlpInputs();
  const keys = Object.keys(p) as (keyof JP)[];
  let m = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)])) as JP;
  let v = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)])) as JP;
  let t = np.array([0]).reshape([]);
  const step = jax.jit((q: JP, mq: JP, vq: JP, tq: A, xb: A, yb: A) => {
    const [value, g] = jax.valueAndGrad(jaxMlpLoss)(Object.fromEntries(keys.map((k) => [k, q[k].ref])) as JP, xb, yb) as [A, JP];
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
  return {
    async step() {
      const [value, next, mn, vn, tn] = step(p, m, v, t, x.ref, y.ref) as [A, JP, JP, JP, A];
      [p, m, v, t] = [next, mn, vn, tn];
      return (await value.data())[0]!;
    },
    dispose() {
      (step as unknown as { dispose?(): void }).dispose?.();
      for (const k of keys) [p[k], m[k], v[k]].forEach((a) => a.dispose());
      [t, x, y].forEach((a) => a.dispose());
    },
  };
}

/**
 * Runs both loops in lockstep (step i of fluxion, then step i of jax-js), so a change in the shared machine's
 * load hits both alike; ms per step sums each framework's own steps 2…N.
 */
export async function adamLoop(steps = 200): Promise<AdamLoopResult> {
  const backend = fx.getBackend();
  let f: Loop | undefined;
  let j: Loop | undefined;
  try {
    f = fluxionLoop();
    let jaxError: string | undefined;
    try {
      await useJaxDevice(backend as 'wasm');
      j = jaxLoop();
    } catch (e) {
      jaxError = (e as Error).message;
    }
    const fl: number[] = [];
    const jl: number[] = [];
    let fMs = 0;
    let jMs = 0;
    let tensors1 = 0;
    for (let i = 1; i <= steps; i++) {
      let t0 = performance.now();
      fl.push(await f.step());
      if (i > 1) fMs += performance.now() - t0;
      else tensors1 = f.tensors!();
      if (j) {
        t0 = performance.now();
        jl.push(await j.step());
        if (i > 1) jMs += performance.now() - t0;
      }
    }
    const tensorsLast = f.tensors!();
    return {
      backend,
      steps,
      fluxionMs: fMs / (steps - 1),
      jaxMs: j ? jMs / (steps - 1) : undefined,
      tensorsAfterStep1: tensors1,
      tensorsAfterLast: tensorsLast,
      fluxionLoss: [fl[0]!, fl[steps - 1]!],
      jaxLoss: j ? [jl[0]!, jl[steps - 1]!] : undefined,
      curveDiff: j ? Math.max(...fl.map((l, i) => Math.abs(l - jl[i]!) / Math.abs(jl[i]!))) : undefined,
      error: jaxError && `jax-js: ${jaxError}`,
    };
  } catch (e) {
    return { backend, steps, error: (e as Error).message };
  } finally {
    f?.dispose();
    j?.dispose();
  }
}

export function renderAdamSection(r: AdamLoopResult): string[] {
  const out = [
    `## Adam loop (issue 21): ${r.steps} jitted training steps of W1's MLP`,
    '',
    "Each step one jitted call: loss, gradients and the Adam update (lr 1e-3), the loss read back every step; fluxion `fx.jit` of `fx.valueAndGrad(loss)` + `fx.optim.adam`, jax-js `jit` of `valueAndGrad` + the same update written out, on " +
      `${r.backend}, the two loops in lockstep (bench/workloads/adam-loop.ts). TF.js is left out (its W1 gradient alone is ~200 ms per step on wasm).`,
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
