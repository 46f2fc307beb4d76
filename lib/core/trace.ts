/**
 * The interpreter stack. Each active transformation owns one `MainTrace` with
 * a level; a tracer belongs to one trace. Binding a primitive finds the
 * highest-level trace among its inputs and lets that trace interpret it;
 * values from lower levels are lifted in as constants. Because a tracer only
 * ever meets tracers of its own level inside its own trace, nested
 * derivatives never confuse their perturbations (JAX's design; Autodidax).
 *
 * With no tracer among the inputs the primitive is evaluated now, on the
 * active TensorFlow.js backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params, Primitive } from './primitive.js';
import { ConcreteTensor, Tensor, type AbstractValue } from './tensor.js';
import { DtypeError, TransformError } from './errors.js';
import { hasObservers, onPrimitiveEvaluated } from './hooks.js';
import { checkAllocation } from './allocation.js';
import { openScope, type Releasable } from './scope.js';

/** One active transformation: its level on the stack and its interpreter. */
export class MainTrace {
  active = true;
  constructor(readonly level: number, readonly trace: Trace) {}
}

/** An interpreter for primitives applied to its tracers. */
export abstract class Trace {
  main!: MainTrace;
  /** Wraps a value from a lower level (or a concrete tensor) as a tracer of this trace. */
  abstract lift(x: Tensor): Tracer;
  /** The transformation(s) this trace implements, for messages (`vmap`, `jvp/grad/vjp/linearize`). */
  abstract readonly transformName: string;
  /** Interprets one primitive application; inputs are already this trace's tracers. */
  abstract process(prim: Primitive, inputs: Tracer[], params: Params): Tensor[];
  /** Called when the function under this trace throws: release what the trace holds. */
  abandon(): void {}

  /** Brings `x` to this trace's level. */
  raise(x: Tensor): Tracer {
    if (x instanceof Tracer) {
      if (x._trace === this) return x;
      if (x._trace.main.level > this.main.level) {
        throw new TransformError(
          `a tracer of level ${x._trace.main.level} reached a trace of lower level ${this.main.level}: a value escaped the transformation that made it`,
        );
      }
    }
    return this.lift(x);
  }
}

/** A value inside a transformation. @public */
export abstract class Tracer<S extends number[] = number[], D extends AbstractValue['dtype'] = AbstractValue['dtype']> extends Tensor<S, D> {
  /** @internal */ abstract readonly _trace: Trace;
  constructor(aval: AbstractValue) {
    super(aval.shape, aval.dtype as D);
  }
  /**
   * What this tracer stands for once its transformation has ended: the primal
   * of a JVP tracer; an error for a staged (abstract) tracer.
   * @internal
   */
  abstract _afterTrace(): Tensor;
  dispose(): void {
    // Tracers own nothing; their transformation frees what they stand for.
  }
  get isDisposed(): boolean {
    return false;
  }
}

const stack: MainTrace[] = [];

/** Runs `fn` with a new transformation on top of the stack. */
export function withMainTrace<T extends Trace, R>(trace: T, fn: (trace: T) => R): R {
  const main = new MainTrace(stack.length + 1, trace);
  trace.main = main;
  stack.push(main);
  try {
    return fn(trace);
  } catch (e) {
    trace.abandon();
    throw e;
  } finally {
    main.active = false;
    stack.pop();
  }
}

/** The number of transformations active now (0 in plain eager code). */
export function traceDepth(): number {
  return stack.length;
}

/** Applies a primitive to inputs: evaluates now, or hands it to the top trace. */
export function bind(prim: Primitive, inputs: readonly Tensor[], params: Params = {}): Tensor[] {
  // Plain loops: this runs for every op, so it allocates only the arrays it hands on.
  const n = inputs.length;
  const live: Tensor[] = new Array(n);
  let top: Trace | undefined;
  for (let i = 0; i < n; i++) {
    const x = inputs[i];
    if (!(x instanceof Tensor)) throw new DtypeError(prim.name, `argument ${i + 1} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
    const y = x instanceof Tracer ? outlived(x) : x;
    live[i] = y;
    if (y instanceof Tracer) {
      const t = y._trace;
      if (!top || t.main.level > top.main.level) top = t;
    }
  }
  if (!top) {
    if (prim.evalDirect) return evalDirectScoped(prim, live, params);
    const concrete: ConcreteTensor[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const x = live[i]!;
      concrete[i] = x instanceof ConcreteTensor ? x._concrete() : x._concrete(`evaluating ${prim.name}`);
    }
    return evaluate(prim, concrete, params);
  }
  for (let i = 0; i < n; i++) live[i] = top.raise(live[i]!);
  return top.process(prim, live as Tracer[], params);
}

/**
 * Runs a primitive that evaluates by calling user code (a custom rule's
 * function, a branch, a loop body) in a scope: what that code made besides
 * the outputs is freed.
 */
function evalDirectScoped(prim: Primitive, inputs: readonly Tensor[], params: Params): Tensor[] {
  const close = openScope();
  let outs: Tensor[] | undefined;
  try {
    outs = prim.evalDirect!(inputs, params);
    return outs;
  } finally {
    const keep = new Set<Releasable>();
    outs?.forEach((o) => o._reach(keep));
    close(keep);
  }
}

/** A tracer whose transformation has ended stands for its known value. */
function outlived(x: Tensor): Tensor {
  let trace: Trace | undefined;
  while (x instanceof Tracer && !x._trace.main.active) {
    trace = x._trace;
    x = x._afterTrace();
  }
  if (trace && x.isDisposed) throw escapedTracerError(trace);
  return x;
}

/**
 * The error for a tracer used after its transformation returned (JAX's
 * `UnexpectedTracerError`): its value was freed with the transformation.
 */
export function escapedTracerError(trace: Trace): TransformError {
  return new TransformError(
    `a tracer escaped its transformation (${trace.transformName}): a value traced inside it was stored outside ` +
      'the function and used after the transformation returned, when its value had been freed. ' +
      'Return it from the function instead (for example as an aux output), or compute it outside the transformation.',
  );
}

/** `bind` for one-output primitives. */
export function bind1(prim: Primitive, inputs: readonly Tensor[], params: Params = {}): Tensor {
  return bind(prim, inputs, params)[0]!;
}

/** Runs a primitive's kernel on concrete tensors, after checking shapes. */
export function evaluate(prim: Primitive, inputs: readonly ConcreteTensor[], params: Params): ConcreteTensor[] {
  const outAvals = prim.abstractEval(inputs, params);
  checkAllocation(prim.name, outAvals);
  // Empty outputs need no kernel: tfjs-wasm reads freed memory and divides by zero on some of them.
  const empty = outAvals.every((a) => a.shape.includes(0));
  let outs: tf.Tensor[];
  if (empty) outs = outAvals.map((a) => tf.zeros(a.shape as number[], a.dtype));
  else {
    const tfInputs: tf.Tensor[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) tfInputs[i] = inputs[i]!._tf;
    outs = runTidy(prim, tfInputs, params);
  }
  const result: ConcreteTensor[] = new Array(outs.length);
  for (let i = 0; i < outs.length; i++) {
    const t = outs[i]!;
    const want = outAvals[i]!.dtype;
    // Kernels return float32 for some bool/int ops; cast to the declared dtype.
    result[i] = new ConcreteTensor(t.dtype === want ? t : castTf(t, want));
  }
  if (hasObservers()) {
    try {
      onPrimitiveEvaluated(prim, inputs, result);
    } catch (e) {
      // An observer rejected the result (fx.debug.nans): nobody will receive it, so free it.
      for (const r of result) r.dispose();
      throw e;
    }
  }
  return result;
}

/** The part of tfjs-core's engine state `runTidy` reads (tfjs-core 4.22). */
interface EngineScopes {
  startScope(): void;
  endScope(result?: tf.TensorContainer): void;
  track(t: tf.Tensor): tf.Tensor;
  state: {
    scopeStack: { track: tf.Tensor[]; id: number }[];
    activeScope: { track: tf.Tensor[]; id: number } | null;
  };
}

/**
 * `tf.tidy(() => prim.impl(inputs, params))`, without tidy's walk over the
 * result when the kernel made only its outputs (most primitives are one tfjs
 * op): the scope is popped and the outputs handed to the enclosing one, as
 * `endScope` would. Anything else (intermediates to free) goes through
 * `endScope`.
 */
function runTidy(prim: Primitive, inputs: tf.Tensor[], params: Params): tf.Tensor[] {
  const engine = tf.engine() as unknown as EngineScopes;
  engine.startScope();
  let outs: tf.Tensor[];
  try {
    outs = prim.impl(inputs, params);
  } catch (e) {
    engine.endScope();
    throw e;
  }
  const state = engine.state;
  const scope = state.activeScope!;
  const track = scope.track;
  // Only the outputs were made: as many tensors tracked as outputs, each output among them, no output twice.
  let onlyOutputs = track.length === outs.length;
  for (let i = 0; onlyOutputs && i < outs.length; i++) onlyOutputs = track.includes(outs[i]!) && outs.indexOf(outs[i]!) === i;
  if (!onlyOutputs) {
    engine.endScope(outs);
    return outs;
  }
  state.scopeStack.pop();
  state.activeScope = state.scopeStack.length === 0 ? null : state.scopeStack[state.scopeStack.length - 1]!;
  for (const t of outs) {
    if (!(t as unknown as { kept: boolean }).kept && (t as unknown as { scopeId: number }).scopeId === scope.id) engine.track(t);
  }
  return outs;
}

function castTf(t: tf.Tensor, dtype: AbstractValue['dtype']): tf.Tensor {
  const c = tf.cast(t, dtype);
  t.dispose();
  return c;
}
