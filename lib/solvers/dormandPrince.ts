/**
 * The adaptive Dormand–Prince 5(4) integrator (Hairer, Nørsett & Wanner,
 * "Solving ODEs I", II.4/II.5): seven stages, first-same-as-last, fifth-order
 * solution with a fourth-order embedded error estimate.
 *
 * The state is a list of tensors. Step-size decisions (accept/reject, next
 * step) are made in JavaScript on concrete values: the error estimate is
 * computed on stopGradient'd stages and read back, so an active
 * transformation records only the accepted solution's arithmetic (and the
 * arithmetic of rejected attempts, which receives no cotangent). Steps are
 * shortened to land exactly on every requested output time.
 */
import { scalar } from '../core/creation.js';
import type { AnyTensor } from '../core/tensor.js';
import { abs } from '../primitives/abs.js';
import { stopGradient } from '../primitives/stopGradient.js';
import { add, checkSameAvals, div, maximum, mul, RollingScope, SolverError, sumOfSquares } from './common.js';
import { avalOf } from '../core/tensor.js';

/** Right-hand side on a list of tensors: dy/dt = f(y, t). */
export type FlatDynamics = (y: AnyTensor[], t: AnyTensor) => AnyTensor[];

/** Integration settings. */
export interface IntegratorOptions {
  readonly rtol: number;
  readonly atol: number;
  readonly maxSteps: number;
  /** The public function, for messages. */
  readonly solver: string;
}

// Butcher tableau of Dormand–Prince 5(4).
const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
const A: number[][] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
/** Fifth-order weights (the last row of A: first same as last). */
const B = A[6]!;
/** Fifth minus fourth order weights: the local error estimate. */
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

const SAFETY = 0.9;
const MIN_FACTOR = 0.2;
const MAX_FACTOR = 10;

/** y + Σ coeffs[j]·ks[j] (zero coefficients skipped), per tensor of the state. */
function combine(y: readonly AnyTensor[], coeffs: readonly number[], ks: readonly AnyTensor[][]): AnyTensor[] {
  return y.map((yi, i) => {
    let acc = yi;
    coeffs.forEach((c, j) => {
      if (c !== 0) acc = add(acc, mul(ks[j]![i]!, c));
    });
    return acc;
  });
}

/** Σ coeffs[j]·ks[j] per tensor of the state (zero coefficients skipped). */
function weightedSum(coeffs: readonly number[], ks: readonly AnyTensor[][]): AnyTensor[] {
  const first = coeffs.findIndex((c) => c !== 0);
  const start = ks[first]!.map((k) => mul(k, coeffs[first]!));
  return combine(start, coeffs.map((c, j) => (j === first ? 0 : c)), ks);
}

/** RMS norm of the state scaled by atol + rtol·|y|-ish `scale`, on concrete values. */
function scaledRms(solver: string, xs: readonly AnyTensor[], scale: readonly AnyTensor[], size: number): number {
  const ratios = xs.map((x, i) => div(stopGradient(x), scale[i]!));
  return Math.sqrt(sumOfSquares(solver, ratios) / size);
}

function tolScale(y: readonly AnyTensor[], yNew: readonly AnyTensor[] | null, o: IntegratorOptions): AnyTensor[] {
  return y.map((yi, i) => {
    const a = abs(stopGradient(yi));
    const m = yNew ? maximum(a, abs(stopGradient(yNew[i]!))) : a;
    return add(mul(m, o.rtol), o.atol);
  });
}

/** Hairer's starting step (Solving ODEs I, II.4), on concrete values. */
function initialStep(f: (y: AnyTensor[], t: number) => AnyTensor[], y0: readonly AnyTensor[], f0: readonly AnyTensor[], t0: number, direction: number, o: IntegratorOptions, size: number): number {
  const y = y0.map((v) => stopGradient(v));
  const fy = f0.map((v) => stopGradient(v));
  const scale = tolScale(y, null, o);
  const d0 = scaledRms(o.solver, y, scale, size);
  const d1 = scaledRms(o.solver, fy, scale, size);
  const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  const y1 = combine(y, [h0 * direction], [fy]);
  const f1 = f(y1, t0 + h0 * direction).map((v) => stopGradient(v));
  const d2 = scaledRms(o.solver, f1.map((v, i) => add(v, mul(fy[i]!, -1))), scale, size) / h0;
  const m = Math.max(d1, d2);
  const h1 = m <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / m, 1 / 5);
  return Math.min(100 * h0, h1);
}

/** Statistics of one integration. */
export interface IntegratorStats {
  accepted: number;
  rejected: number;
  evaluations: number;
}

/**
 * Integrates from `times[0]` through every later time (monotone, either
 * direction), returning the state at each of `times[1..]`.
 */
export function integrate(f: FlatDynamics, y0: readonly AnyTensor[], times: readonly number[], o: IntegratorOptions, stats?: IntegratorStats): AnyTensor[][] {
  const avals = y0.map(avalOf);
  const size = avals.reduce((n, a) => n + a.shape.reduce((m, d) => m * d, 1), 0);
  const direction = times.length > 1 && times[times.length - 1]! < times[0]! ? -1 : 1;
  const evaluate = (y: AnyTensor[], t: number): AnyTensor[] => {
    const out = f(y, scalar(t));
    checkSameAvals(o.solver, 'f(y, t, params)', avals, out);
    if (stats) stats.evaluations++;
    return out;
  };

  const outputs: AnyTensor[][] = [];
  if (times.length < 2) return outputs;
  const rolling = new RollingScope();
  try {
    let t = times[0]!;
    let y = y0.slice();
    let k1 = evaluate(y, t);
    let h = direction * initialStep(evaluate, y, k1, t, direction, o, size);
    let steps = 0;
    for (let i = 1; i < times.length; i++) {
      const target = times[i]!;
      while (direction * (target - t) > 0) {
        if (++steps > o.maxSteps) {
          throw new SolverError(o.solver, `more than ${o.maxSteps} steps between t = ${times[0]} and t = ${target} (stiff problem, or tolerances too tight for float32?); raise maxSteps or loosen rtol/atol`);
        }
        // Land exactly on the output time; stretch up to 1% rather than leave a sliver.
        const clipped = direction * (t + 1.01 * h - target) >= 0;
        const hStep = clipped ? target - t : h;
        const attempt = rolling.attempt(() => {
          const ks: AnyTensor[][] = [k1];
          for (let s = 1; s < 6; s++) ks.push(evaluate(combine(y, A[s]!.map((a) => a * hStep), ks), t + C[s]! * hStep));
          const yNew = combine(y, B.map((b) => b * hStep), ks);
          const k7 = evaluate(yNew, t + hStep);
          ks.push(k7);
          const err = weightedSum(
            E.map((e) => e * hStep),
            ks.map((k) => k.map((v) => stopGradient(v))),
          );
          const ratio = scaledRms(o.solver, err, tolScale(y, yNew, o), size);
          return { yNew, k7, ratio };
        });
        const { ratio } = attempt.value;
        if (ratio <= 1) {
          attempt.accept();
          t = clipped ? target : t + hStep;
          y = attempt.value.yNew;
          k1 = attempt.value.k7;
          if (stats) stats.accepted++;
          const factor = ratio === 0 ? MAX_FACTOR : Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, SAFETY * Math.pow(ratio, -1 / 5)));
          // A step shortened to land on an output time says little about the next one.
          h = clipped ? direction * Math.max(Math.abs(h), Math.abs(hStep * factor)) : hStep * factor;
        } else {
          attempt.reject();
          if (stats) stats.rejected++;
          const factor = Number.isFinite(ratio) ? Math.min(1, Math.max(MIN_FACTOR, SAFETY * Math.pow(ratio, -1 / 5))) : MIN_FACTOR;
          h = hStep * factor;
        }
        if (Math.abs(h) <= 1e-12 * Math.max(1, Math.abs(t))) {
          throw new SolverError(o.solver, `the step size underflowed at t = ${t} (a singularity, or a non-finite value in f(y, t, params))`);
        }
      }
      outputs.push(y);
      rolling.pin(y);
    }
    return rolling.finish(outputs);
  } catch (e) {
    rolling.abort();
    throw e;
  }
}
