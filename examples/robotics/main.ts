/**
 * robotics: a planar 3-link arm — inverse kinematics by gradient descent,
 * and a Jacobian-based tracking controller.
 *
 * Forward kinematics maps joint angles q (3) to the end effector's position
 * p(q) = Σᵢ Lᵢ·(cos φᵢ, sin φᵢ) with φ = cumsum(q).
 *
 * 1. Inverse kinematics: for each target, minimize |p(q) − target|² (plus a
 *    tiny pull towards the previous pose) by gradient descent with
 *    `fx.grad`, starting from the previous solution.
 * 2. Control: the end effector follows a moving point around a circle by
 *    resolved-rate control, q̇ = Jᵀ(JJᵀ + λ²I)⁻¹ (ṗ* + K·(p* − p)) (damped
 *    least squares), with the 2×3 Jacobian J from `fx.jacfwd` (three
 *    forward-mode tangents) and the 2×2 system solved by `fx.solve`.
 *
 * `npm run example -- robotics [--ik-steps 150] [--control-steps 200]`
 * Writes `examples/out/robotics.svg`: the IK poses reaching four targets,
 * the tracked circle with arm snapshots, and the tracking error over time.
 */
import * as fx from '../../lib/index.js';
import { consoleLog, elapsed, isMain, parseFlags, progressLine, writeOut, type Log } from '../common/cli.js';
import { PALETTE, Panel, Svg, extent } from '../common/svg.js';

type Joints = fx.Tensor<[3], 'float32'>;
type Point = fx.Tensor<[2], 'float32'>;

/** Link lengths (metres). */
export const LINKS = [1.0, 0.8, 0.6] as const;

/** Positions of the joints after each link, `[3, 2]` (the base is at the origin). */
export function jointPositions(q: Joints): fx.Tensor<[3, 2], 'float32'> {
  const phi = fx.cumsum(q, 0);
  const lengths = fx.tensor([...LINKS]);
  const segments = fx.stack([fx.mul(fx.cos(phi), lengths), fx.mul(fx.sin(phi), lengths)], 1) as fx.Tensor<[3, 2], 'float32'>;
  return fx.cumsum(segments, 0);
}

/** Forward kinematics: the end effector's position. */
export function endEffector(q: Joints): Point {
  return fx.reshape(fx.slice(jointPositions(q), [2, 0], [1, 2]), [2]);
}

/** The analytic Jacobian ∂p/∂q (2×3), for checking `jacfwd`. */
export function analyticJacobian(q: number[]): number[][] {
  const phi = [q[0]!, q[0]! + q[1]!, q[0]! + q[1]! + q[2]!];
  return [
    [0, 1, 2].map((j) => -phi.reduce((s, p, i) => (i >= j ? s + LINKS[i]! * Math.sin(p) : s), 0)),
    [0, 1, 2].map((j) => phi.reduce((s, p, i) => (i >= j ? s + LINKS[i]! * Math.cos(p) : s), 0)),
  ];
}

export interface RoboticsOptions {
  /** Gradient steps per IK target. */
  ikSteps?: number;
  /** Control steps (of `dt`) around the circle. */
  controlSteps?: number;
  log?: Log;
  svg?: string | null;
}

export interface RoboticsResult {
  /** Distance from each IK solution's end effector to its target. */
  ikErrors: number[];
  /** Max |jacfwd − analytic| over the control run. */
  jacobianError: number;
  /** RMS tracking error over the second half of the control run. */
  trackingRms: number;
  /** Largest tracking error over the second half. */
  trackingMax: number;
  seconds: number;
  svgPath: string | null;
}

export const IK_TARGETS: [number, number][] = [
  [1.6, 1.0],
  [-0.5, 1.8],
  [-1.9, -0.3],
  [0.8, -1.2],
];

const DT = 0.02;
const GAIN = 10;
const LAMBDA = 0.05;
const CIRCLE = { cx: 1.0, cy: 0.6, r: 0.5, omega: (2 * Math.PI) / 3 };

const read = async (t: fx.Tensor): Promise<number[]> => {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
};

export async function run(options: RoboticsOptions = {}): Promise<RoboticsResult> {
  const { ikSteps = 150, controlSteps = 200, log = consoleLog } = options;
  const started = performance.now();
  log(`robotics: 3-link arm (links ${LINKS.join(', ')} m), backend ${fx.getBackend()}`);

  // ------------------------------------------------------------ inverse kinematics by gradient descent
  const ikLoss = (q: Joints, target: Point, previous: Joints) =>
    fx.add(fx.sum(fx.square(fx.sub(endEffector(q), target))), fx.mul(fx.sum(fx.square(fx.sub(q, previous))), 1e-6));
  const ikStep = fx.jit((q: Joints, target: Point, previous: Joints, lr: fx.Tensor<[], 'float32'>) => {
    const [value, g] = fx.valueAndGrad(ikLoss)(q, target, previous);
    return [value, fx.sub(q, fx.mul(g, lr))] as const;
  });
  let q = fx.tensor([0.3, 0.3, 0.3]) as Joints;
  const ikPoses: number[][][] = [];
  const ikErrors: number[] = [];
  const lr = fx.scalar(0.15);
  for (const [i, [tx, ty]] of IK_TARGETS.entries()) {
    const target = fx.tensor([tx, ty]) as Point;
    const previous = q;
    let current = q;
    let value = NaN;
    for (let s = 0; s < ikSteps; s++) {
      const [l, next] = ikStep(current, target, previous, lr) as unknown as [fx.Tensor<[], 'float32'>, Joints];
      if (current !== previous) current.dispose();
      current = next;
      if (s === ikSteps - 1) value = (await read(l))[0]!;
      else l.dispose();
    }
    const p = await read(fx.scope(() => endEffector(current)));
    ikErrors.push(Math.hypot(p[0]! - tx, p[1]! - ty));
    ikPoses.push(chunk(await read(fx.scope(() => jointPositions(current)))));
    log(`IK target ${i + 1} (${tx}, ${ty}): reached (${p.map((v) => v.toFixed(4)).join(', ')}), error ${ikErrors[i]!.toExponential(2)}, loss ${value.toExponential(2)}, q = (${(await current.array()).map((v) => v.toFixed(3)).join(', ')})`);
    previous.dispose();
    target.dispose();
    q = current;
  }
  q.dispose();
  lr.dispose();

  // ------------------------------------------------------------ resolved-rate control with jacfwd
  const jacobian = fx.jacfwd(endEffector) as (q: Joints) => fx.Tensor<[2, 3], 'float32'>;
  const controlStep = fx.jit((qc: Joints, desired: Point, desiredVelocity: Point) => {
    const j = jacobian(qc);
    const p = endEffector(qc);
    const command = fx.add(desiredVelocity, fx.mul(fx.sub(desired, p), GAIN)); // task-space velocity
    const jt = fx.transpose(j) as fx.Tensor<[3, 2], 'float32'>;
    const damped = fx.add(fx.matmul(j, jt), fx.mul(fx.eye(2), LAMBDA * LAMBDA));
    const qdot = fx.matmul(jt, fx.reshape(fx.solve(damped, command), [2, 1]));
    return [fx.add(qc, fx.mul(fx.reshape(qdot, [3]), DT)), p, j] as const;
  });
  const desiredAt = (t: number): [number[], number[]] => [
    [CIRCLE.cx + CIRCLE.r * Math.cos(CIRCLE.omega * t), CIRCLE.cy + CIRCLE.r * Math.sin(CIRCLE.omega * t)],
    [-CIRCLE.r * CIRCLE.omega * Math.sin(CIRCLE.omega * t), CIRCLE.r * CIRCLE.omega * Math.cos(CIRCLE.omega * t)],
  ];
  let qc = fx.tensor([0.9, -0.9, -0.5]) as Joints; // starts off the circle: the controller must converge first
  const actual: number[][] = [];
  const desiredPath: number[][] = [];
  const errors: number[] = [];
  const snapshots: number[][][] = [];
  let jacobianError = 0;
  for (let s = 0; s < controlSteps; s++) {
    const [pd, vd] = desiredAt(s * DT);
    const qNow = await read(fx.scope(() => fx.add(qc, 0)));
    const [desired, desiredVelocity] = [fx.tensor(pd) as Point, fx.tensor(vd) as Point];
    const [next, p, j] = controlStep(qc, desired, desiredVelocity) as unknown as [Joints, Point, fx.Tensor<[2, 3], 'float32'>];
    const jv = chunk(await read(j), 3);
    const analytic = analyticJacobian(qNow);
    jacobianError = Math.max(jacobianError, ...jv.flatMap((row, a) => row.map((v, b) => Math.abs(v - analytic[a]![b]!))));
    const pv = await read(p);
    actual.push(pv);
    desiredPath.push(pd);
    errors.push(Math.hypot(pv[0]! - pd[0]!, pv[1]! - pd[1]!));
    if (s % Math.max(1, Math.floor(controlSteps / 8)) === 0) snapshots.push(chunk(await read(fx.scope(() => jointPositions(qc)))));
    fx.optim.dispose(qc, desired, desiredVelocity);
    qc = next;
    if (s === 0 || (s + 1) % Math.max(1, Math.round(controlSteps / 8)) === 0) log(progressLine(s + 1, controlSteps, { 'tracking error': errors[s]! }));
  }
  qc.dispose();
  const late = errors.slice(Math.floor(errors.length / 2));
  const trackingRms = Math.sqrt(late.reduce((a, e) => a + e * e, 0) / late.length);
  const trackingMax = Math.max(...late);
  log(`tracking: RMS error ${trackingRms.toExponential(2)} m, max ${trackingMax.toExponential(2)} m over the second half; |jacfwd − analytic Jacobian| ≤ ${jacobianError.toExponential(2)}`);

  let svgPath: string | null = null;
  const svgName = options.svg === undefined ? 'robotics.svg' : options.svg;
  if (svgName) {
    svgPath = writeOut(svgName, picture(ikPoses, snapshots, actual, desiredPath, errors));
    log(`picture: ${svgPath}`);
  }
  const seconds = (performance.now() - started) / 1000;
  log(`done in ${elapsed(started)}`);
  return { ikErrors, jacobianError, trackingRms, trackingMax, seconds, svgPath };
}

function chunk(values: number[], size = 2): number[][] {
  return Array.from({ length: values.length / size }, (_, i) => values.slice(i * size, (i + 1) * size));
}

function drawArm(panel: Panel, joints: number[][], color: string, width = 3): void {
  const pts = [[0, 0], ...joints];
  panel.series(pts.map((p) => p[0]!), pts.map((p) => p[1]!), color, width);
  panel.points(pts.map((p) => p[0]!), pts.map((p) => p[1]!), color, width);
}

function picture(ikPoses: number[][][], snapshots: number[][][], actual: number[][], desired: number[][], errors: number[]): string {
  const svg = new Svg(1060, 400);
  svg.text(530, 22, '3-link arm: IK by gradient descent, tracking by a jacfwd-based controller', { anchor: 'middle', size: 15, weight: 'bold' });
  const reach = LINKS.reduce((a, b) => a + b, 0) + 0.1;
  const ik = new Panel(svg, 50, 60, 300, 300, [-reach, reach], [-reach, reach]);
  ik.frame('inverse kinematics: four targets', 'x (m)', 'y (m)');
  svg.circle(ik.px(0), ik.py(0), ik.px(reach - 0.1) - ik.px(0), 'none', { stroke: '#ddd' });
  ikPoses.forEach((pose, i) => {
    drawArm(ik, pose, PALETTE[i]!);
    const [tx, ty] = IK_TARGETS[i]!;
    svg.circle(ik.px(tx), ik.py(ty), 7, 'none', { stroke: PALETTE[i]!, strokeWidth: 2 });
  });
  const ctl = new Panel(svg, 410, 60, 300, 300, [-0.5, 2.1], [-0.7, 1.9]);
  ctl.frame('tracking a circle (snapshots every ½ s)', 'x (m)', 'y (m)');
  snapshots.forEach((pose) => drawArm(ctl, pose, '#bbb', 2));
  ctl.series(desired.map((p) => p[0]!), desired.map((p) => p[1]!), PALETTE[1]!, 1.5, '5,3');
  ctl.series(actual.map((p) => p[0]!), actual.map((p) => p[1]!), PALETTE[0]!, 2);
  ctl.legend([
    ['desired', PALETTE[1]!],
    ['end effector', PALETTE[0]!],
  ]);
  const logs = errors.map((e) => Math.log10(Math.max(e, 1e-9)));
  const err = new Panel(svg, 780, 60, 250, 300, [0, errors.length * DT], extent(logs));
  err.frame('tracking error (log10 m)', 'time (s)', 'log10 |p − p*|');
  err.series(errors.map((_, i) => i * DT), logs, PALETTE[0]!);
  return svg.toString();
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  const r = await run({ ikSteps: Number(flags['ik-steps'] ?? 150), controlSteps: Number(flags['control-steps'] ?? 200) });
  if (Math.max(...r.ikErrors) > 1e-3 || r.trackingMax > 1e-2) process.exitCode = 1;
}
