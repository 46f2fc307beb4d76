/**
 * Silent zero gradients, explained. `gradDiagnostics(f)(...args)` reports,
 * for every float32 input leaf, whether its gradient is structurally zero
 * (no differentiable path reaches the output), exactly zero numerically
 * (e.g. a dead relu), or fine — and for structural zeros, which
 * non-differentiable operations (comparisons, argmax, casts to int/bool,
 * stopGradient, sign, integer indexing) cut the flow.
 */
import { withObserver } from '../core/hooks.js';
import { StagedTracer, type Var } from '../core/ir.js';
import { openScope } from '../core/scope.js';
import { flatten, unflatten } from '../core/pytree.js';
import { showAval, type Tensor } from '../core/tensor.js';
import { full } from '../core/creation.js';
import { TransformError, showShape } from '../core/errors.js';
import { linearizeFlat, transposeIR } from '../transforms/linearize.js';

/** The verdict for one input leaf. @public */
export interface LeafDiagnosis {
  /** Path of the leaf in the arguments, e.g. `argument 0.w1`. */
  readonly path: string;
  /** `structural-zero`: no path; `numerical-zero`: a path, but the gradient is exactly 0; `ok`. */
  readonly status: 'structural-zero' | 'numerical-zero' | 'ok' | 'not-differentiable';
  /** For structural zeros: the NoDiff operations that received this input's perturbation and dropped it. */
  readonly cutBy: readonly string[];
  /** Euclidean norm of the gradient (0 for zeros). */
  readonly norm: number;
}

/** The report of `gradDiagnostics`. @public */
export interface GradDiagnostics {
  readonly leaves: readonly LeafDiagnosis[];
  /** Notes on how the gradient was obtained, e.g. through a solver's unrolled iterations. */
  readonly notes: readonly string[];
  /** One line per leaf, readable. */
  toString(): string;
}

function leafPaths(args: readonly unknown[]): string[] {
  const paths: string[] = [];
  const walk = (x: unknown, path: string) => {
    if (x !== null && typeof x === 'object' && 'shape' in (x as object) && 'dtype' in (x as object)) paths.push(path);
    else if (Array.isArray(x)) x.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (x !== null && typeof x === 'object') Object.keys(x as object).sort().forEach((k) => walk((x as Record<string, unknown>)[k], `${path}.${k}`));
  };
  args.forEach((a, i) => walk(a, `argument ${i}`));
  return paths;
}

/**
 * Explains the gradient of a scalar function leaf by leaf.
 * @example
 * ```ts
 * const report = fx.gradDiagnostics((p) => fx.sum(fx.cast(fx.argmax(p.w), 'float32')))({ w: fx.ones([3]) });
 * report.leaves[0].status; // 'structural-zero', cut by argmax
 * ```
 * @public
 */
export function gradDiagnostics<Args extends readonly unknown[]>(f: (...args: Args) => Tensor<[], 'float32'>): (...args: Args) => GradDiagnostics {
  return (...args) => {
    const close = openScope();
    try {
      const [leaves, def] = flatten(args);
      const paths = leafPaths(args);
      const cuts: { prim: string; vars: Var[] }[] = [];
      const notes: string[] = [];
      const observer = {
        unrolledSolver(solver: string, iterations: number) {
          notes.push(
            `the gradient flows through ${iterations} iterations of ${solver} (diff: 'unrolled'): this is the derivative of the algorithm, ` +
              `not of the solution; use diff: 'implicit' for the derivative of the solution`,
          );
        },
        tangentCut(prim: { name: string }, tangents: readonly (Tensor | null)[]) {
          const vars = tangents.filter((t): t is StagedTracer => t instanceof StagedTracer).map((t) => t.variable);
          if (vars.length) cuts.push({ prim: prim.name, vars });
        },
      };
      const { linear } = withObserver(observer, () =>
        linearizeFlat((xs) => {
          const out = (f as unknown as (...a: unknown[]) => Tensor)(...unflatten<unknown[]>(def, xs));
          if (out.rank !== 0 || out.dtype !== 'float32') throw new TransformError(`gradDiagnostics needs a scalar float32 output, got ${out.dtype}${showShape(out.shape)}`);
          return [out];
        }, leaves),
      );
      // Which inputs each tangent variable depends on.
      const deps = new Map<Var, Set<number>>();
      linear.inputs.forEach((v, i) => deps.set(v, new Set([i])));
      for (const eq of linear.equations) {
        const union = new Set<number>();
        for (const v of eq.inputs) for (const i of deps.get(v) ?? []) union.add(i);
        for (const v of eq.outputs) deps.set(v, union);
      }
      const cts = transposeIR(linear, [full([], 1)]);
      linear._release();
      const diagnosed = leaves.map((leaf, i): LeafDiagnosis => {
        const path = paths[i] ?? `leaf ${i}`;
        if (leaf.dtype !== 'float32') return { path, status: 'not-differentiable', cutBy: [], norm: 0 };
        const ct = cts[i];
        if (!ct) {
          const cutBy = [...new Set(cuts.filter((c) => c.vars.some((v) => deps.get(v)?.has(i))).map((c) => c.prim))];
          return { path, status: 'structural-zero', cutBy, norm: 0 };
        }
        const data = ct.dataSync() as Float32Array;
        const norm = Math.sqrt(data.reduce((s, v) => s + v * v, 0));
        return { path, status: norm === 0 ? 'numerical-zero' : 'ok', cutBy: [], norm };
      });
      return {
        leaves: diagnosed,
        notes,
        toString: () =>
          [...notes.map((n) => `note: ${n}`), ...diagnosed
            .map((d, i) => {
              const shape = showAval(leaves[i]!);
              if (d.status === 'structural-zero') {
                return `${d.path} ${shape}: gradient is structurally zero — ${d.cutBy.length ? `cut by ${d.cutBy.join(', ')} (not differentiable)` : 'the output does not depend on it'}`;
              }
              if (d.status === 'numerical-zero') return `${d.path} ${shape}: gradient is exactly zero here (a path exists; e.g. inactive relu, saturated clip)`;
              if (d.status === 'not-differentiable') return `${d.path} ${shape}: ${leaves[i]!.dtype} input, not differentiable`;
              return `${d.path} ${shape}: ok (norm ${d.norm.toPrecision(4)})`;
            })].join('\n'),
      };
    } finally {
      close([]);
    }
  };
}
