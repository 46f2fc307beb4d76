/**
 * solvers: the derivative of the algorithm vs the derivative of the solution.
 *
 * The seed's fixed-point loop, `while |g(y) − y| > tol: y = g(y)`, computes
 * y*(a) with y* = g(y*, a). Differentiating the loop as executed
 * (`fx.fixedPoint(…, { diff: 'unrolled' })`) gives the derivative of the
 * finite computation that ran: it depends on how many iterations ran, and
 * reverse mode stores every one of them. Differentiating the solution
 * (`diff: 'implicit'`, the default) uses the implicit function theorem,
 * d(y*)/da = (1 − ∂g/∂y)⁻¹ ∂g/∂a at y*, whatever the iterations were.
 *
 * Two maps: y = cos(a·y) (a slow contraction, |∂g/∂y| ≈ 0.67 at a = 1) and
 * the Babylonian square root y = (y + a/y)/2 (Newton's method: quadratic
 * convergence). For each tolerance of the seed's loop the program prints,
 * side by side, the iterations run, the algorithm's derivative, the
 * solution's derivative and the closed form.
 *
 * `npm run example -- solvers`
 * Writes `examples/out/solvers.svg`: the error of each derivative against
 * the closed form as the iteration count grows.
 */
import * as fx from '../../lib/index.js';
import { consoleLog, elapsed, isMain, writeOut, type Log } from '../common/cli.js';
import { PALETTE, Panel, Svg } from '../common/svg.js';

type Scalar = fx.Tensor<[], 'float32'>;

export interface FixedPointProblem {
  name: string;
  /** The map g(y, a). */
  g: (y: Scalar, a: Scalar) => Scalar;
  a: number;
  y0: number;
  /** d(y*)/da in closed form (float64, on the host). */
  exact: () => number;
}

/** y = cos(a·y): y* by float64 iteration, d(y*)/da = −y·sin(a·y) / (1 + a·sin(a·y)). */
export const COSINE: FixedPointProblem = {
  name: 'y = cos(a·y), a = 1',
  g: (y, a) => fx.cos(fx.mul(a, y)),
  a: 1,
  y0: 0,
  exact: () => {
    let y = 0;
    for (let i = 0; i < 500; i++) y = Math.cos(y);
    return (-y * Math.sin(y)) / (1 + Math.sin(y));
  },
};

/** y = (y + a/y)/2: y* = √a, d(y*)/da = 1/(2√a). */
export const SQUARE_ROOT: FixedPointProblem = {
  name: 'y = (y + a/y)/2 (√a), a = 2',
  g: (y, a) => fx.mul(fx.add(y, fx.div(a, y)), 0.5),
  a: 2,
  y0: 1,
  exact: () => 1 / (2 * Math.SQRT2),
};

/**
 * The derivative d(y*)/da: of the solution (`implicit`) or of the loop as run
 * (`unrolled`, stopping at `tol` or `maxIter`), and how many times g ran.
 */
export function derivative(problem: FixedPointProblem, diff: 'implicit' | 'unrolled', tol: number, maxIter = 1000): { value: number; derivative: number; calls: number } {
  let calls = 0;
  const g = (y: Scalar, a: Scalar) => {
    calls++;
    return problem.g(y, a);
  };
  return fx.scope(() => {
    const solve = (a: Scalar) => fx.fixedPoint(g, fx.scalar(problem.y0), a, { diff, tol, maxIter });
    const [y, dyda] = fx.valueAndGrad(solve)(fx.scalar(problem.a));
    return { value: y.item(), derivative: dyda.item(), calls };
  });
}

export interface SolverRow {
  problem: string;
  tol: number;
  iterations: number;
  unrolled: number;
  implicit: number;
  exact: number;
}

export interface SolversOptions {
  tolerances?: number[];
  /** Iteration counts for the error curves of the picture. */
  maxIterations?: number;
  log?: Log;
  svg?: string | null;
}

export interface SolversResult {
  rows: SolverRow[];
  /** |unrolled − exact| after k = 1 … maxIterations iterations, per problem. */
  curves: { problem: string; unrolledError: number[]; implicitError: number }[];
  seconds: number;
  svgPath: string | null;
}

export async function run(options: SolversOptions = {}): Promise<SolversResult> {
  const { tolerances = [1e-1, 1e-2, 1e-3, 1e-4, 1e-6], maxIterations = 30, log = consoleLog } = options;
  const started = performance.now();
  log(`solvers: derivative of the algorithm (unrolled loop) vs of the solution (implicit function theorem); backend ${fx.getBackend()}`);
  const rows: SolverRow[] = [];
  const curves: SolversResult['curves'] = [];
  for (const problem of [COSINE, SQUARE_ROOT]) {
    const exact = problem.exact();
    log(`\n${problem.name}: d(y*)/da exact = ${exact.toFixed(6)}`);
    log(`  ${'tol'.padEnd(7)} ${'iterations'.padStart(10)}   ${'algorithm (unrolled)'.padStart(20)}   ${'solution (implicit)'.padStart(20)}`);
    for (const tol of tolerances) {
      // Unrolled, g runs once per iteration of the loop: its call count is the iteration count.
      const { derivative: unrolled, calls: iterations } = derivative(problem, 'unrolled', tol);
      const implicit = derivative(problem, 'implicit', tol).derivative;
      const row = { problem: problem.name, tol, iterations, unrolled, implicit, exact };
      rows.push(row);
      const fmt = (v: number) => `${v.toFixed(6)} (${(v - exact >= 0 ? '+' : '') + (v - exact).toExponential(1)})`;
      log(`  ${tol.toExponential(0).padEnd(7)} ${String(row.iterations).padStart(10)}   ${fmt(unrolled).padStart(20)}   ${fmt(implicit).padStart(20)}`);
    }
    // Error of the unrolled derivative after exactly k iterations (tol 0 never stops early).
    const unrolledError = Array.from({ length: maxIterations }, (_, i) => Math.abs(derivative(problem, 'unrolled', 0, i + 1).derivative - exact));
    const implicitError = Math.abs(derivative(problem, 'implicit', 1e-6).derivative - exact);
    curves.push({ problem: problem.name, unrolledError, implicitError });
  }
  log('\nThe solution\'s derivative is right as soon as y* is (float32 precision); the algorithm\'s derivative');
  log('lags behind the value and depends on when the loop stopped: it converges at the rate |∂g/∂y| for the');
  log('slow contraction and quadratically for Newton, and it costs memory for every unrolled iteration.');

  let svgPath: string | null = null;
  const svgName = options.svg === undefined ? 'solvers.svg' : options.svg;
  if (svgName) {
    svgPath = writeOut(svgName, picture(curves, maxIterations));
    log(`picture: ${svgPath}`);
  }
  const seconds = (performance.now() - started) / 1000;
  log(`done in ${elapsed(started)}`);
  return { rows, curves, seconds, svgPath };
}

function picture(curves: SolversResult['curves'], maxIterations: number): string {
  const svg = new Svg(900, 360);
  svg.text(450, 22, 'Fixed points: derivative of the algorithm vs derivative of the solution', { anchor: 'middle', size: 15, weight: 'bold' });
  const floor = 1e-8;
  curves.forEach((c, i) => {
    const logs = c.unrolledError.map((e) => Math.log10(Math.max(e, floor)));
    const p = new Panel(svg, 70 + i * 430, 60, 360, 230, [1, maxIterations], [Math.log10(floor), Math.max(0, ...logs)]);
    p.frame(c.problem, 'iterations unrolled', 'log10 |dy/da − exact|');
    p.series(logs.map((_, k) => k + 1), logs, PALETTE[0]!, 2);
    p.points(logs.map((_, k) => k + 1), logs, PALETTE[0]!, 2.5);
    const imp = Math.log10(Math.max(c.implicitError, floor));
    svg.line(p.x, p.py(imp), p.x + p.w, p.py(imp), PALETTE[1]!, 2, '6,3');
    p.legend([
      ['algorithm', PALETTE[0]!],
      ['solution', PALETTE[1]!],
    ]);
  });
  svg.text(450, 340, 'errors below 1e-8 drawn at 1e-8 (float32); the implicit derivative does not depend on the iteration count', { anchor: 'middle', size: 11, color: '#555' });
  return svg.toString();
}

if (isMain(import.meta.url)) {
  await run();
}
