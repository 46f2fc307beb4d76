/**
 * Observation points for debugging tools (NaN detection, zero-gradient
 * diagnostics, memory profiles). The core calls these; `lib/debug` installs
 * the observers. With no observer installed each call is one branch.
 */
import type { Primitive } from './primitive.js';
import type { ConcreteTensor, Tensor } from './tensor.js';

/** Where evaluation is: the forward pass, or the backward (transposed) pass of reverse mode. */
export type Phase = 'forward' | 'backward';

/** Callbacks a debugging tool may install. */
export interface Observer {
  /** After an eager primitive evaluation (also each equation of a compiled jit run, with its index). */
  evaluated?(prim: Primitive, inputs: readonly ConcreteTensor[], outputs: readonly ConcreteTensor[], phase: Phase, equation?: number): void;
  /** A primitive received a nonzero tangent but produced only zero tangents (a NoDiff op cut the flow). */
  tangentCut?(prim: Primitive, tangents: readonly (Tensor | null)[]): void;
  /** A solver ran its iterations where differentiation records them (the derivative of the algorithm). */
  unrolledSolver?(solver: string, iterations: number): void;
}

const observers: Observer[] = [];
let phase: Phase = 'forward';

/** Runs `fn` with `observer` installed; removes it afterwards. */
export function withObserver<R>(observer: Observer, fn: () => R): R {
  observers.push(observer);
  try {
    return fn();
  } finally {
    observers.splice(observers.indexOf(observer), 1);
  }
}

/** Installs an observer until the returned function is called. */
export function installObserver(observer: Observer): () => void {
  observers.push(observer);
  return () => {
    const i = observers.indexOf(observer);
    if (i >= 0) observers.splice(i, 1);
  };
}

/** Runs `fn` marked as the backward pass. */
export function inBackwardPass<R>(fn: () => R): R {
  const before = phase;
  phase = 'backward';
  try {
    return fn();
  } finally {
    phase = before;
  }
}

export function hasObservers(): boolean {
  return observers.length > 0;
}

export function onPrimitiveEvaluated(prim: Primitive, inputs: readonly ConcreteTensor[], outputs: readonly ConcreteTensor[], equation?: number): void {
  for (const o of observers) o.evaluated?.(prim, inputs, outputs, phase, equation);
}

export function onTangentCut(prim: Primitive, tangents: readonly (Tensor | null)[]): void {
  for (const o of observers) o.tangentCut?.(prim, tangents);
}

export function onUnrolledSolver(solver: string, iterations: number): void {
  for (const o of observers) o.unrolledSolver?.(solver, iterations);
}

/**
 * Counts of generic fallbacks the transformations took, for `jit(f).stats()`:
 * `perExampleLoops` is how many times `vmap` met a primitive without a batch
 * rule and applied it once per example (documented in docs/transformations.md).
 */
export const fallbackCounters = { perExampleLoops: 0 };
