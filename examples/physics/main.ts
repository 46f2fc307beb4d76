/**
 * physics: fit a mass-spring chain's stiffness and damping to an observed trajectory.
 *
 * A chain of unit masses hangs from a fixed anchor, joined by springs
 * (stiffness k, rest length L) with dashpots (damping c), under gravity. It
 * starts bent sideways and swings. The simulator is a semi-implicit Euler
 * step run with `fx.scan`; the loss is the mean squared distance between
 * simulated and observed positions. The observations are the true system's
 * trajectory plus Gaussian noise (`fx.random`, seeded).
 *
 * The fit is Levenberg–Marquardt on θ = (log k, log c), with each ingredient
 * from a different transformation:
 * - the gradient by reverse mode through the whole rollout (`fx.valueAndGrad`),
 *   each step wrapped in `fx.checkpoint` so the backward pass keeps only each
 *   step's inputs and recomputes its internals;
 * - the Gauss–Newton curvature JᵀJ from the Jacobian of the trajectory with
 *   respect to θ by forward mode (`fx.jacfwd`: two tangents, cheap).
 * A first-order method crawls here: the loss valley is narrow in k and long
 * in c (condition number ≈ 300); the curvature step crosses it at once.
 *
 * `npm run example -- physics [--masses 5] [--steps 60] [--iters 8]`
 * Writes `examples/out/physics.svg`: the observed and fitted trajectories of
 * the last mass, the chain's snapshots, and the parameter path.
 */
import * as fx from '../../lib/index.js';
import { consoleLog, elapsed, isMain, parseFlags, progressLine, writeOut, type Log } from '../common/cli.js';
import { PALETTE, Panel, Svg, extent, lossPanel } from '../common/svg.js';

type Positions = fx.Tensor<[number, 2], 'float32'>;
type Scalar = fx.Tensor<[], 'float32'>;

/** Simulation state: positions and velocities of the masses, `[N, 2]` each. */
export interface ChainState {
  x: Positions;
  v: Positions;
}

/** The fitted parameters, in logs so they stay positive. */
export interface ChainParams {
  logK: Scalar;
  logC: Scalar;
}

export const TRUE_STIFFNESS = 800;
export const TRUE_DAMPING = 2;
const REST = 0.25;
const GRAVITY = 9.81;
const DT = 0.02;

/** Stiffness and damping as positive numbers (tensors), from the fitted logs. */
export interface Coefficients {
  k: Scalar;
  c: Scalar;
}

/**
 * The chain's difference matrix `D` (`[N, N]`): row i is spring i, which
 * joins mass i−1 (the fixed anchor for i = 0) to mass i, so `(D·x)_i =
 * x_i − x_{i−1}`. If spring i pulls mass i by `f_i` it pulls mass i−1 by
 * `−f_i`, so the net force on the masses is `Dᵀ·f`.
 */
export function differenceMatrix(n: number): fx.Tensor<[number, number], 'float32'> {
  return fx.tensor(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (j === i ? 1 : j === i - 1 ? -1 : 0)))) as never;
}

/** One semi-implicit Euler step: velocities from the forces, then positions from the new velocities. */
export function step(coef: Coefficients, d: fx.Tensor<[number, number], 'float32'>, dT: fx.Tensor<[number, number], 'float32'>, s: ChainState): ChainState {
  const spring = fx.matmul(d, s.x); // each spring's vector, lower end minus upper end
  const length = fx.sqrt(fx.add(fx.sum(fx.square(spring), 1, true), 1e-9)); // [N, 1]
  // Hooke's law along the spring, plus a dashpot on the ends' relative velocity.
  const stretch = fx.mul(fx.div(fx.sub(length, REST), length), coef.k);
  const f = fx.neg(fx.add(fx.mul(spring, stretch), fx.mul(fx.matmul(d, s.v), coef.c)));
  const accel = fx.add(fx.matmul(dT, f), fx.tensor([0, -GRAVITY]));
  const v = fx.add(s.v, fx.mul(accel, DT)) as Positions;
  const x = fx.add(s.x, fx.mul(v, DT)) as Positions;
  return { x, v };
}

/** The initial state: the chain bent 60° sideways, at rest. */
export function initialState(masses: number): ChainState {
  const x = Array.from({ length: masses }, (_, i) => [REST * (i + 1) * Math.sin(Math.PI / 3), -REST * (i + 1) * Math.cos(Math.PI / 3)]);
  return { x: fx.tensor(x) as Positions, v: fx.zeros([masses, 2]) as Positions };
}

/** Positions at every step, `[T, N, 2]`, by `fx.scan` over `T` steps; each step checkpointed. */
export function rollout(params: ChainParams, init: ChainState, steps: number, checkpointed = true): fx.Tensor<[number, number, 2], 'float32'> {
  const n = init.x.shape[0];
  const d = differenceMatrix(n);
  const dT = fx.transpose(d) as fx.Tensor<[number, number], 'float32'>;
  const coef: Coefficients = { k: fx.exp(params.logK), c: fx.exp(params.logC) };
  const body = checkpointed ? fx.checkpoint(step) : step;
  const [, xs] = fx.scan(
    (s: ChainState, _t: fx.Tensor<[], 'float32'>) => {
      const next = body(coef, d, dT, s);
      return [next, next.x] as [ChainState, Positions];
    },
    init,
    fx.zeros([steps]) as fx.Tensor<[number], 'float32'>,
  );
  return xs as unknown as fx.Tensor<[number, number, 2], 'float32'>;
}

export interface PhysicsOptions {
  masses?: number;
  /** Simulation steps of 20 ms in the observed trajectory. */
  steps?: number;
  /** Levenberg–Marquardt iterations (at most). */
  iters?: number;
  /** Standard deviation of the observation noise (metres). */
  noise?: number;
  /** Initial guesses. */
  initialStiffness?: number;
  initialDamping?: number;
  log?: Log;
  svg?: string | null;
}

export interface PhysicsResult {
  stiffness: number;
  damping: number;
  stiffnessError: number;
  dampingError: number;
  losses: number[];
  /** Largest relative difference between the reverse-mode gradient and 2/M·Jᵀr from forward mode, at the start. */
  gradientAgreement: number;
  seconds: number;
  svgPath: string | null;
}

type Theta = fx.Tensor<[2], 'float32'>;

/** θ = (log k, log c) as the rollout's parameters. */
const unpack = (theta: Theta): ChainParams => ({ logK: fx.reshape(fx.slice(theta, [0], [1]), []), logC: fx.reshape(fx.slice(theta, [1], [1]), []) });

/** Solves the 2×2 system (A + μ·diag A) δ = −g. */
function dampedStep(a: number[][], g: number[], mu: number): [number, number] {
  const a00 = a[0]![0]! * (1 + mu);
  const a11 = a[1]![1]! * (1 + mu);
  const a01 = a[0]![1]!;
  const det = a00 * a11 - a01 * a01;
  return [-(a11 * g[0]! - a01 * g[1]!) / det, -(a00 * g[1]! - a01 * g[0]!) / det];
}

export async function run(options: PhysicsOptions = {}): Promise<PhysicsResult> {
  const { masses = 5, steps = 60, iters = 8, noise = 0.003, initialStiffness = 500, initialDamping = 0.8, log = consoleLog } = options;
  const started = performance.now();
  const init = initialState(masses);
  const m = steps * masses * 2;
  const observed = fx.scope(() => {
    const clean = rollout({ logK: fx.scalar(Math.log(TRUE_STIFFNESS)), logC: fx.scalar(Math.log(TRUE_DAMPING)) }, init, steps, false);
    return fx.add(clean, fx.nn.normal(fx.random.key(7), [steps, masses, 2], 0, noise));
  });
  const residuals = (theta: Theta, checkpointed: boolean) => fx.reshape(fx.sub(rollout(unpack(theta), init, steps, checkpointed), observed), [m]);
  // Reverse mode: the loss and its gradient through the checkpointed rollout.
  const lossAndGrad = fx.jit((theta: Theta) => fx.valueAndGrad((t: Theta) => fx.mean(fx.square(residuals(t, true))))(theta));
  // Forward mode: the residuals' Jacobian with respect to θ, [M, 2].
  const jacobian = fx.jit((theta: Theta) => fx.jacfwd((t: Theta) => residuals(t, false))(theta));

  log(`physics: ${masses}-mass chain, ${steps} steps of ${DT * 1000} ms, noise σ = ${noise} m; fitting k and c (true ${TRUE_STIFFNESS}, ${TRUE_DAMPING}) from ${initialStiffness}, ${initialDamping}; backend ${fx.getBackend()}`);
  const read = async (t: fx.Tensor) => {
    const v = await t.array();
    t.dispose();
    return v;
  };
  let theta = [Math.log(initialStiffness), Math.log(initialDamping)];
  let mu = 1;
  let best: { theta: number[]; loss: number; grad: number[]; curvature: number[][] } | undefined;
  let gradientAgreement = NaN;
  const losses: number[] = [];
  const path: [number, number][] = [[initialStiffness, initialDamping]];
  for (let i = 1; i <= iters; i++) {
    const t = fx.tensor(theta) as Theta;
    const [value, grad] = lossAndGrad(t) as unknown as [fx.Tensor<[], 'float32'>, Theta];
    const loss = (await read(value)) as number;
    const g = (await read(grad)) as number[];
    if (best && !(loss < best.loss)) {
      // Rejected: back to the best point with more damping (a shorter, more gradient-like step).
      mu *= 4;
    } else {
      const jac = (await read(jacobian(t) as fx.Tensor)) as number[][];
      const curvature = [
        [0, 0],
        [0, 0],
      ];
      for (const row of jac) for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) curvature[a]![b]! += (2 / m) * row[a]! * row[b]!;
      if (!best) {
        // Reverse mode's gradient must equal forward mode's 2/M·Jᵀr.
        const r = (await read(fx.scope(() => residuals(t, false)))) as number[];
        const jtr = [0, 1].map((a) => jac.reduce((s, row, k) => s + (2 / m) * row[a]! * r[k]!, 0));
        gradientAgreement = Math.max(...jtr.map((v, a) => Math.abs(v - g[a]!) / Math.max(Math.abs(v), 1e-12)));
        log(`gradient: reverse mode (${g.map((v) => v.toExponential(4)).join(', ')}), forward mode 2/M·Jᵀr (${jtr.map((v) => v.toExponential(4)).join(', ')})`);
      }
      best = { theta, loss, grad: g, curvature };
      mu = Math.max(mu / 3, 1e-7);
    }
    t.dispose();
    losses.push(best.loss);
    const [dk, dc] = dampedStep(best.curvature, best.grad, mu);
    theta = [best.theta[0]! + dk, best.theta[1]! + dc];
    path.push([Math.exp(best.theta[0]!), Math.exp(best.theta[1]!)]);
    log(progressLine(i, iters, { loss: best.loss, k: Math.exp(best.theta[0]!), c: Math.exp(best.theta[1]!), 'LM μ': mu.toExponential(1) }));
  }
  const [stiffness, damping] = [Math.exp(best!.theta[0]!), Math.exp(best!.theta[1]!)];
  const stiffnessError = Math.abs(stiffness - TRUE_STIFFNESS) / TRUE_STIFFNESS;
  const dampingError = Math.abs(damping - TRUE_DAMPING) / TRUE_DAMPING;
  log(`recovered k = ${stiffness.toFixed(3)} (true ${TRUE_STIFFNESS}, ${(100 * stiffnessError).toFixed(2)}% off), c = ${damping.toFixed(4)} (true ${TRUE_DAMPING}, ${(100 * dampingError).toFixed(2)}% off)`);
  log(`final loss ${best!.loss.toExponential(3)}; the noise alone gives ≈ ${(noise * noise).toExponential(2)}`);

  let svgPath: string | null = null;
  const svgName = options.svg === undefined ? 'physics.svg' : options.svg;
  if (svgName) {
    const trajectory = async (k: number, c: number) => (await read(fx.scope(() => rollout({ logK: fx.scalar(Math.log(k)), logC: fx.scalar(Math.log(c)) }, init, steps, false)))) as number[][][];
    const obs = (await observed.array()) as number[][][];
    svgPath = writeOut(svgName, picture(obs, await trajectory(stiffness, damping), await trajectory(initialStiffness, initialDamping), path, losses));
    log(`picture: ${svgPath}`);
  }
  fx.optim.dispose(observed, init);
  const seconds = (performance.now() - started) / 1000;
  log(`done in ${elapsed(started)}`);
  return { stiffness, damping, stiffnessError, dampingError, losses, gradientAgreement, seconds, svgPath };
}

function picture(obs: number[][][], fit: number[][][], first: number[][][], path: [number, number][], losses: number[]): string {
  const svg = new Svg(1080, 380);
  svg.text(540, 22, 'Mass-spring chain: stiffness and damping fitted through the rollout', { anchor: 'middle', size: 15, weight: 'bold' });
  const last = (traj: number[][][], axis: number) => traj.map((frame) => frame[frame.length - 1]![axis]!);
  const t = obs.map((_, i) => (i + 1) * DT);
  // The last mass's horizontal position over time.
  const xPanel = new Panel(svg, 60, 60, 340, 260, [0, t[t.length - 1]!], extent([...last(obs, 0), ...last(first, 0)]));
  xPanel.frame('last mass: horizontal position', 'time (s)', 'x (m)');
  xPanel.points(t, last(obs, 0), '#999', 1.6);
  xPanel.series(t, last(first, 0), PALETTE[3]!, 1.5, '5,3');
  xPanel.series(t, last(fit, 0), PALETTE[0]!, 2);
  xPanel.legend([
    ['observed', '#999'],
    ['initial guess', PALETTE[3]!],
    ['fitted', PALETTE[0]!],
  ]);
  // Snapshots of the chain (observed grey, fitted blue).
  const allX = obs.flatMap((f) => f.map((p) => p[0]!));
  const allY = obs.flatMap((f) => f.map((p) => p[1]!));
  // Equal scales on both axes, so the chain is drawn undistorted.
  const [x0, x1] = extent([...allX, 0]);
  const [y0, y1] = extent([...allY, 0]);
  const half = Math.max(x1 - x0, y1 - y0) / 2;
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const chain = new Panel(svg, 450, 60, 260, 260, [cx - half, cx + half], [cy - half, cy + half]);
  chain.frame('chain snapshots', 'x (m)', 'y (m)');
  for (let i = 0; i < obs.length; i += Math.max(1, Math.floor(obs.length / 6))) {
    const withAnchor = (f: number[][]) => [[0, 0], ...f];
    chain.series(withAnchor(obs[i]!).map((p) => p[0]!), withAnchor(obs[i]!).map((p) => p[1]!), '#bbb', 3);
    chain.series(withAnchor(fit[i]!).map((p) => p[0]!), withAnchor(fit[i]!).map((p) => p[1]!), PALETTE[0]!, 1.2);
    chain.points(fit[i]!.map((p) => p[0]!), fit[i]!.map((p) => p[1]!), PALETTE[0]!, 2.2);
  }
  chain.points([0], [0], '#000', 4);
  // Parameter path in (k, c).
  const ks = path.map((p) => p[0]);
  const cs = path.map((p) => p[1]);
  const par = new Panel(svg, 770, 60, 280, 100, extent([...ks, TRUE_STIFFNESS]), extent([...cs, TRUE_DAMPING]));
  par.frame('parameter path', 'stiffness k', 'damping c');
  par.series(ks, cs, PALETTE[0]!, 1.5);
  par.points([TRUE_STIFFNESS], [TRUE_DAMPING], PALETTE[1]!, 4);
  lossPanel(svg, 770, 230, 280, 90, losses, 'trajectory MSE per iteration (log10)');
  return svg.toString();
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  const r = await run({ masses: Number(flags.masses ?? 5), steps: Number(flags.steps ?? 60), iters: Number(flags.iters ?? 8) });
  if (r.stiffnessError > 0.01 || r.dampingError > 0.05) process.exitCode = 1;
}
