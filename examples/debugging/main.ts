/**
 * The seven failure modes of differentiable programs, each provoked on
 * purpose and caught by the fluxion tool made for it (docs/debugging.md).
 * Run: npm run example -- debugging
 */
import * as fx from '../../lib/index.js';

type S = fx.Tensor<[], 'float32'>;
type V = fx.Tensor<[64], 'float32'>;

/** One finding per failure mode, for the test and the printout. */
export interface Finding {
  readonly mode: string;
  readonly tool: string;
  readonly report: string;
}

export function run(): Finding[] {
  const findings: Finding[] = [];
  const note = (mode: string, tool: string, report: string) => findings.push({ mode, tool, report });

  // 1. Wrong derivative target: iterations of a solver vs the solution it finds.
  const solution = (a: S, diff: 'implicit' | 'unrolled') =>
    fx.fixedPoint((x: S, p: S) => fx.cos(fx.mul(p, x)), fx.scalar(0.5) as S, a, diff === 'unrolled' ? { diff, maxIter: 3, tol: 1e-12 } : { diff });
  const implicit = fx.grad((a: S) => solution(a, 'implicit'))(fx.scalar(1)).item();
  const unrolled = fx.grad((a: S) => solution(a, 'unrolled'))(fx.scalar(1)).item();
  const diag = fx.gradDiagnostics((a: S) => solution(a, 'unrolled'))(fx.scalar(1));
  note('wrong derivative target', "fixedPoint diff option + gradDiagnostics", `d x*/da: implicit ${implicit.toFixed(4)}, 3 unrolled iterations ${unrolled.toFixed(4)}\n${diag.notes[0]}`);

  // 2. Memory blowup: reverse mode stores every intermediate of a deep loop.
  const deep = (x: V) => fx.fori(0, 50, (_i, c: V) => fx.tanh(fx.mul(c, 1.01)), x);
  const plain = fx.memoryProfile((x: V) => fx.sum(deep(x)))(fx.ones([64]));
  const remat = fx.memoryProfile((x: V) => fx.sum(fx.checkpoint(deep)(x)))(fx.ones([64]));
  note('memory blowup', 'memoryProfile + checkpoint', `${plain.toString().split('\n')[0]}\nwith fx.checkpoint: ${remat.totalBytes} bytes`);

  // 3. Silent zero gradients: argmax and a comparison cut the flow.
  const zero = fx.gradDiagnostics((p: { w: fx.Tensor<[3], 'float32'>; b: fx.Tensor<[3], 'float32'> }) =>
    fx.add(fx.cast(fx.argmax(p.w), 'float32'), fx.sum(fx.mul(p.b, p.b))),
  )({ w: fx.tensor([1, 3, 2]), b: fx.tensor([1, 2, 3]) });
  note('silent zero gradients', 'gradDiagnostics', zero.toString());

  // 4. Numerically unstable gradients: log of a value that underflows to 0.
  fx.debug.nans(true);
  try {
    fx.grad((x: S) => fx.log(fx.exp(fx.neg(fx.mul(x, x)))))(fx.scalar(12));
    note('numerically unstable gradients', 'debug.nans', 'no NaN/Inf found');
  } catch (e) {
    note('numerically unstable gradients', 'debug.nans', (e as Error).message);
  } finally {
    fx.debug.nans(false);
  }

  // 5. Excessive recompilation: a static argument that changes every call.
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (m: unknown) => void warnings.push(String(m));
  const step = fx.jit((x: S, scale: number) => fx.mul(x, scale), { retraceWarning: 4 });
  for (let k = 0; k < 6; k++) step(fx.scalar(1), k);
  console.warn = warn;
  note('excessive recompilation', 'jit(f).stats() + retrace warning', `${JSON.stringify({ traces: step.stats().traces, cacheHits: step.stats().cacheHits })}\n${warnings[0] ?? ''}`);

  // 6. Perturbation confusion: d/dx [x · d/dy (x + y)] must be 1, not 2.
  const nested = fx.grad((x: S) => fx.mul(x, fx.grad((y: S) => fx.add(x, y))(fx.scalar(1))))(fx.scalar(1)).item();
  note('perturbation confusion', 'levels on the trace stack', `d/dx [x · d/dy (x + y)] at x = 1 is ${nested} (a confused system gives 2)`);

  // 7. Invalid custom rules: a reverse rule that forgets a factor of 2.
  const square = fx.customVjp(
    (x: fx.Tensor<[3], 'float32'>) => fx.mul(x, x),
    (x: fx.Tensor<[3], 'float32'>) => [fx.mul(x, x), x] as [fx.Tensor<[3], 'float32'>, fx.Tensor<[3], 'float32'>],
    (x, g) => [fx.mul(g, x)],
  );
  try {
    fx.checkCustomRule(square as never, [fx.tensor([1, 2, 3])]);
    note('invalid custom rules', 'checkCustomRule', 'rule accepted');
  } catch (e) {
    note('invalid custom rules', 'checkCustomRule', (e as Error).message);
  }
  return findings;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of run()) console.log(`\n## ${f.mode} — ${f.tool}\n${f.report}`);
}
