/**
 * The IR: a straight-line program of primitive applications over typed
 * variables (like a JAX jaxpr), built by the staging trace. Used by `makeIR`
 * (printing), by `linearize` (the linear part of a JVP is staged, then
 * evaluated or transposed) and by `jit`.
 */
import type { Params, Primitive } from './primitive.js';
import { Trace, Tracer, bind, withMainTrace } from './trace.js';
import { Tensor, showAval, type AbstractValue } from './tensor.js';
import { ConcretizationError, TransformError } from './errors.js';
import { openScope, registerInScope, type Releasable } from './scope.js';
import { checkAllocation } from './allocation.js';

/** A variable of the IR: one value with a known shape and dtype. @public */
export class Var {
  constructor(
    readonly id: number,
    readonly aval: AbstractValue,
  ) {}
  toString(): string {
    return varName(this.id);
  }
}

function varName(id: number): string {
  let s = '';
  let n = id;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/** One primitive application: `outputs = prim[params](inputs)`. @public */
export interface Equation {
  readonly prim: Primitive;
  readonly inputs: readonly Var[];
  readonly params: Params;
  readonly outputs: readonly Var[];
}

/**
 * A staged program. `constVars` are bound to `constValues` (captured
 * tensors); `outputs` entries are `null` where the output is a symbolic zero
 * (of shape `outAvals[i]`).
 * @public
 */
export class IR implements Releasable {
  private released = false;
  constructor(
    readonly inputs: readonly Var[],
    readonly constVars: readonly Var[],
    readonly constValues: readonly Tensor[],
    readonly equations: readonly Equation[],
    readonly outputs: readonly (Var | null)[],
    readonly outAvals: readonly AbstractValue[],
  ) {}

  /** Releases the captured constants (idempotent). */
  _release(): void {
    if (this.released) return;
    this.released = true;
    for (const c of this.constValues) c._release();
  }

  /** Readable listing: `{ lambda consts ; inputs . let ... in ( outputs ) }`. */
  toString(): string {
    const decl = (v: Var) => `${v}:${showAval(v.aval)}`;
    const lines: string[] = [];
    lines.push(`{ lambda ${this.constVars.map(decl).join(' ')} ; ${this.inputs.map(decl).join(' ')} .`);
    this.equations.forEach((eq, i) => {
      const params = showParams(eq.prim, eq.params);
      const lhs = eq.outputs.map(decl).join(' ');
      lines.push(`  ${i === 0 ? 'let ' : '    '}${lhs} = ${eq.prim.name}${params} ${eq.inputs.join(' ')}`);
    });
    const outs = this.outputs.map((o, i) => (o ? o.toString() : `0:${showAval(this.outAvals[i]!)}`));
    lines.push(`  in ( ${outs.join(', ')} ) }`);
    return lines.join('\n');
  }
}

function showParams(prim: Primitive, params: Params): string {
  if (prim.showParams) {
    const s = prim.showParams(params);
    return s ? `[${s}]` : '';
  }
  const entries = Object.entries(params);
  if (entries.length === 0) return '';
  return `[${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}]`;
}

/** A value being staged: an IR variable. */
export class StagedTracer extends Tracer {
  constructor(
    readonly _trace: StagingTrace,
    readonly variable: Var,
  ) {
    super(variable.aval);
  }
  _concrete(what: string): never {
    throw new ConcretizationError(what);
  }
  _afterTrace(): never {
    throw new TransformError(
      `a traced value (${this.toString()}) escaped the function being staged (jit/makeIR/linearize); return it from the function instead of storing it outside`,
    );
  }
}

/** The staging interpreter: records every primitive applied to its tracers. */
export class StagingTrace extends Trace {
  readonly transformName = 'jit/makeIR/linearize';
  private nextId = 0;
  private readonly equations: Equation[] = [];
  private readonly constVars: Var[] = [];
  private readonly constValues: Tensor[] = [];
  private readonly constIndex = new Map<Tensor, StagedTracer>();
  private finished = false;

  newVar(aval: AbstractValue): Var {
    return new Var(this.nextId++, aval);
  }

  /** A fresh input of the program being staged. */
  newInput(aval: AbstractValue): StagedTracer {
    return new StagedTracer(this, this.newVar(aval));
  }

  lift(x: Tensor): StagedTracer {
    const known = this.constIndex.get(x);
    if (known) return known;
    const t = new StagedTracer(this, this.newVar({ shape: x.shape, dtype: x.dtype }));
    x._retain();
    this.constVars.push(t.variable);
    this.constValues.push(x);
    this.constIndex.set(x, t);
    return t;
  }

  process(prim: Primitive, inputs: Tracer[], params: Params): Tensor[] {
    const vars = inputs.map((t) => (t as StagedTracer).variable);
    const outAvals = prim.abstractEval(vars.map((v) => v.aval), params);
    checkAllocation(prim.name, outAvals, false);
    const outs = outAvals.map((a) => new StagedTracer(this, this.newVar(a)));
    this.equations.push({ prim, inputs: vars, params, outputs: outs.map((o) => o.variable) });
    return outs;
  }

  /** The staged function threw: drop the holds `lift` took on captured constants (no IR will own them). */
  override abandon(): void {
    if (this.finished) return;
    this.finished = true;
    for (const c of this.constValues) c._release();
  }

  /**
   * Closes the program over `inputs` with `outputs` (null = symbolic zero of
   * `outAvals[i]`). The IR belongs to the current scope unless `owned` is
   * false (a cache that releases it itself, like `jit`'s).
   */
  finish(inputs: readonly StagedTracer[], outputs: readonly (Tensor | null)[], outAvals: readonly AbstractValue[], owned = true): IR {
    const outVars = outputs.map((o) => (o === null ? null : (this.raise(o) as StagedTracer).variable));
    this.finished = true;
    const ir = new IR(
      inputs.map((t) => t.variable),
      this.constVars,
      this.constValues,
      this.equations,
      outVars,
      outAvals,
    );
    if (owned) registerInScope(ir);
    return ir;
  }
}

/**
 * Stages `f` applied to abstract inputs of the given shapes and dtypes.
 * Concrete values `f` closes over become constants of the IR.
 */
export function stage(f: (inputs: Tensor[]) => Tensor[], inAvals: readonly AbstractValue[], owned = true): IR {
  // Concrete tensors made while staging are garbage once it ends: the IR holds its own reference to those it captured.
  const close = openScope();
  let ir: IR | undefined;
  stagingPrograms++;
  try {
    ir = withMainTrace(new StagingTrace(), (trace) => {
      const inputs = inAvals.map((a) => trace.newInput(a));
      const outputs = f(inputs);
      return trace.finish(inputs, outputs, outputs.map((o) => ({ shape: o.shape, dtype: o.dtype })), owned);
    });
    return ir;
  } finally {
    stagingPrograms--;
    close(ir && owned ? [ir] : []);
  }
}

let stagingPrograms = 0;

/** True while a program is being staged (jit, makeIR, a loop body): loops found there are staged too. */
export function stagingProgram(): boolean {
  return stagingPrograms > 0;
}

/** Runs an IR on actual inputs through `bind` (so the run can itself be traced or differentiated). */
export function evalIR(ir: IR, args: readonly Tensor[], zeros: (aval: AbstractValue) => Tensor): Tensor[] {
  const env = new Map<Var, Tensor>();
  ir.inputs.forEach((v, i) => env.set(v, args[i]!));
  ir.constVars.forEach((v, i) => env.set(v, ir.constValues[i]!));
  for (const eq of ir.equations) {
    const outs = bind(eq.prim, eq.inputs.map((v) => env.get(v)!), eq.params);
    eq.outputs.forEach((v, i) => env.set(v, outs[i]!));
  }
  return ir.outputs.map((o, i) => (o ? env.get(o)! : zeros(ir.outAvals[i]!)));
}
