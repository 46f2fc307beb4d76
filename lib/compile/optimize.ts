/**
 * IR optimizations run by `jit`: algebraic simplification, common-subexpression
 * elimination and dead-code elimination. Constant folding needs no pass of its
 * own: while staging, any primitive whose inputs are all known values is
 * evaluated on the spot and enters the IR as a constant.
 */
import { getBackend } from '@tensorflow/tfjs-core';
import { IR, stage, Var, type Equation } from '../core/ir.js';
import { avalOf, type Tensor } from '../core/tensor.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { fallbackCounters } from '../core/hooks.js';
import { reshapePrimitive } from '../primitives/reshape.js';
import { sc, substitute, type Scalar } from '../core/scalar.js';
import { elementwiseExpr } from './hostKernels.js';
import { simplifyScalar } from './rewrites.js';

/** How many equations each pass removed, for `jit(f).stats()` and tests. */
export interface OptimizeReport {
  simplified: number;
  commonSubexpressions: number;
  deadCode: number;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Traces `f` on the abstract values of `leaves` (its flattened arguments, of
 * structure `def`) and optimizes the program: what `jit` and the ONNX export
 * and target compile. The optimized IR holds its own reference to the
 * constants it still uses (the caller releases it); the raw trace's is
 * released. `perExampleLoops` counts vmap's generic fallbacks taken while tracing.
 */
export function traceOptimized(
  f: (...args: unknown[]) => unknown,
  def: TreeDef,
  leaves: readonly Tensor[],
): { ir: IR; outDef: TreeDef; report: OptimizeReport; perExampleLoops: number } {
  let outDef: TreeDef | undefined;
  const loopsBefore = fallbackCounters.perExampleLoops;
  const raw = stage(
    (inputs) => {
      const [outLeaves, d] = flatten(f(...unflatten<unknown[]>(def, inputs)));
      outDef = d;
      return outLeaves;
    },
    leaves.map(avalOf),
    false,
  );
  const perExampleLoops = fallbackCounters.perExampleLoops - loopsBefore;
  const { ir, report } = optimize(raw);
  ir.constValues.forEach((c) => c._retain());
  raw._release();
  return { ir, outDef: outDef!, report, perExampleLoops };
}

/** Adds one optimization report to running totals (`jit(f).stats().optimized`). */
export function addReport(totals: OptimizeReport, report: OptimizeReport): void {
  totals.simplified += report.simplified;
  totals.commonSubexpressions += report.commonSubexpressions;
  totals.deadCode += report.deadCode;
}

/** Runs the passes until nothing changes; returns a new IR sharing the constants. */
export function optimize(ir: IR): { ir: IR; report: OptimizeReport } {
  const report: OptimizeReport = { simplified: 0, commonSubexpressions: 0, deadCode: 0 };
  const constants = new Map<Var, Tensor>();
  ir.constVars.forEach((v, i) => constants.set(v, ir.constValues[i]!));

  // Forward pass: substitute simplified and repeated values.
  const rename = new Map<Var, Var>();
  const resolve = (v: Var) => rename.get(v) ?? v;
  const producer = new Map<Var, Equation>();
  const seen = new Map<string, Equation>();
  const equations: Equation[] = [];
  for (const original of ir.equations) {
    const resolved: Equation = { ...original, inputs: original.inputs.map(resolve) };
    const eq = rewrite(resolved, producer);
    if (eq !== resolved) report.simplified++;
    const out = eq.outputs[0]!;
    const alias = simplify(eq, producer, constants);
    if (alias && eq.outputs.length === 1 && sameShape(alias.aval.shape, out.aval.shape) && alias.aval.dtype === out.aval.dtype) {
      rename.set(out, alias);
      report.simplified++;
      continue;
    }
    // Params holding functions (custom rules, control flow bodies) are compared by identity.
    const ids = eq.inputs.map((v) => v.id);
    if (commutative(eq)) ids.sort((x, y) => x - y);
    const key = `${eq.prim.name}|${paramsKey(eq.params)}|${ids.join(',')}`;
    const twin = seen.get(key);
    if (twin) {
      eq.outputs.forEach((v, i) => rename.set(v, twin.outputs[i]!));
      report.commonSubexpressions++;
      continue;
    }
    seen.set(key, eq);
    eq.outputs.forEach((v) => producer.set(v, eq));
    equations.push(eq);
  }
  const outputs = ir.outputs.map((o) => (o ? resolve(o) : null));

  // Backward pass: keep what the outputs need.
  const live = new Set<Var>(outputs.filter((o): o is Var => o !== null));
  const kept: Equation[] = [];
  for (let i = equations.length - 1; i >= 0; i--) {
    const eq = equations[i]!;
    if (eq.outputs.some((v) => live.has(v))) {
      kept.push(eq);
      eq.inputs.forEach((v) => live.add(v));
    } else {
      report.deadCode++;
    }
  }
  kept.reverse();
  const constIdx = ir.constVars.map((v, i) => [v, i] as const).filter(([v]) => live.has(v));
  const optimized = new IR(
    ir.inputs,
    constIdx.map(([v]) => v),
    constIdx.map(([, i]) => ir.constValues[i]!),
    kept,
    outputs,
    ir.outAvals,
  );
  return { ir: optimized, report };
}

/** Scalar ops whose operands may be swapped. */
const COMMUTATIVE_OPS: ReadonlySet<Scalar['op']> = new Set(['add', 'mul', 'min', 'max', 'eq', 'ne', 'and', 'or']);

/** Whether `eq`'s operands may be swapped (CSE treats `a·b` and `b·a` as one): its expression is a commutative op of its two operands. */
function commutative(eq: Equation): boolean {
  if (eq.inputs.length !== 2 || eq.inputs[0]!.aval.dtype !== eq.inputs[1]!.aval.dtype) return false;
  const e = elementwiseExpr(eq);
  return e !== undefined && COMMUTATIVE_OPS.has(e.op) && e.args.length === 2 && e.args.every((a, i) => a.op === 'arg' && a.index === i);
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

function paramsKey(params: object): string {
  // JSON writes ±Infinity and NaN as null (and −0 as 0): spell them out, or pad(x, −Infinity) would merge with pad(x, Infinity).
  const plain = JSON.stringify(params, (_k, v: unknown) =>
    typeof v === 'function' ? `#fn${identity(v)}` : typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `#num${Object.is(v, -0) ? '-0' : String(v)}` : v,
  );
  return plain.includes('#fn') ? `${plain}#${identity(params)}` : plain;
}

function identity(o: object): number {
  let id = identities.get(o);
  if (id === undefined) identities.set(o, (id = nextIdentity++));
  return id;
}

/**
 * An equation computing `eq`'s output with less data movement, or `eq`: a
 * transpose that only moves size-1 axes keeps the element order, so it is a
 * reshape; a reshape of a reshape reads the first one's input.
 */
function rewrite(eq: Equation, producer: Map<Var, Equation>): Equation {
  // Reshapes were rewritten as they came, so one reshape producer leads to a value that is not one.
  const toReshape = (input: Var): Equation => {
    const inner = producer.get(input);
    const source = inner?.prim.name === 'reshape' ? inner.inputs[0]! : input;
    return { prim: reshapePrimitive as Equation['prim'], inputs: [source], params: { shape: [...eq.outputs[0]!.aval.shape] }, outputs: eq.outputs };
  };
  if (eq.prim.name === 'transpose') {
    const shape = eq.inputs[0]!.aval.shape;
    const moved = (eq.params['perm'] as readonly number[]).filter((axis) => shape[axis] !== 1);
    return moved.every((axis, i) => i === 0 || moved[i - 1]! < axis) ? toReshape(eq.inputs[0]!) : eq;
  }
  if (eq.prim.name === 'reshape' && producer.get(eq.inputs[0]!)?.prim.name === 'reshape') return toReshape(eq.inputs[0]!);
  return eq;
}

/** The one value every element of a small constant holds, or `undefined` (also on webgpu: no synchronous readback). */
function uniformValue(value: Tensor | undefined): number | undefined {
  if (!value || value.size === 0 || value.size > 1 << 22 || getBackend() === 'webgpu') return undefined;
  try {
    const data = value.dataSync();
    const first = data[0]!;
    return data.every((x) => Object.is(x, first)) ? first : undefined;
  } catch {
    return undefined; // not readable synchronously (webgpu in Node): keep the equation
  }
}

/**
 * An existing value equal to `eq`'s output, when an algebraic identity gives
 * one. Elementwise equations go through the rewrite table (rewrites.ts) on
 * their scalar expressions, with uniform constants as literals and each
 * operand's producer inlined one level (so −(−x) and x·1 are found whatever
 * primitive spells them); only IEEE-exact rules run. Layout rules: inverse
 * transposes, a reshape to the same shape.
 */
function simplify(eq: Equation, producer: Map<Var, Equation>, constants: Map<Var, Tensor>): Var | undefined {
  const [a] = eq.inputs;
  const from = (v: Var | undefined) => (v ? producer.get(v) : undefined);
  const expr = elementwiseExpr(eq);
  if (expr) return simplifyElementwise(eq, expr, producer, constants);
  switch (eq.prim.name) {
    case 'transpose': {
      const inner = from(a);
      if (inner?.prim.name !== 'transpose') return undefined;
      const p = inner.params.perm as number[];
      const q = eq.params.perm as number[];
      return q.every((axis, i) => p[axis] === i) ? inner.inputs[0] : undefined;
    }
    // A reshape of a reshape was rewritten to read the first one's input (`rewrite`): reshaping back is this case too.
    case 'reshape':
      return sameShape(a!.aval.shape, eq.outputs[0]!.aval.shape) ? a : undefined;
    default:
      return undefined;
  }
}

/** The variable an elementwise equation's simplified expression reduces to, if it reduces to one. */
function simplifyElementwise(eq: Equation, expr: Scalar, producer: Map<Var, Equation>, constants: Map<Var, Tensor>): Var | undefined {
  const leaves: Var[] = [];
  const leaf = (v: Var): Scalar => {
    let i = leaves.indexOf(v);
    if (i < 0) i = leaves.push(v) - 1;
    return sc.arg(i, v.aval.dtype);
  };
  const constant = eq.inputs.map((v) => uniformValue(constants.get(v)));
  // First with the operands as they are (x·1 → x), then with their producers inlined (−(−x) → x).
  for (const inline of [false, true]) {
    const operands = eq.inputs.map((v, i) => {
      if (constant[i] !== undefined) return sc.lit(constant[i]!, v.aval.dtype);
      const inner = inline ? producer.get(v) : undefined;
      const innerExpr = inner && inner.inputs.every((u) => sameShape(u.aval.shape, v.aval.shape)) ? elementwiseExpr(inner) : undefined;
      return innerExpr ? substitute(innerExpr, inner!.inputs.map(leaf)) : leaf(v);
    });
    const simplified = simplifyScalar(substitute(expr, operands));
    if (simplified.op === 'arg') return leaves[simplified.index!];
  }
  return undefined;
}
