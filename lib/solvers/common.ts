/**
 * Shared pieces of the solvers: untyped op aliases (solver internals work on
 * tensors of run-time shapes), reading a convergence measure, flattening a
 * pytree of tensors to one vector and back, and rolling memory scopes so a
 * long iteration keeps only its current state alive.
 */
import { ConcretizationError, ReadbackError, TransformError, showShape, withArticle } from '../core/errors.js';
import { flatten, unflatten } from '../core/pytree.js';
import { Tracer } from '../core/trace.js';
import { openScope, type Releasable } from '../core/scope.js';
import { avalOf, type AbstractValue, type AnyTensor, type Tensor } from '../core/tensor.js';
import { add as addTyped } from '../primitives/add.js';
import { sub as subTyped } from '../primitives/sub.js';
import { mul as mulTyped } from '../primitives/mul.js';
import { div as divTyped } from '../primitives/div.js';
import { maximum as maximumTyped } from '../primitives/maximum.js';
import { abs } from '../primitives/abs.js';
import { square } from '../primitives/square.js';
import { maxOf } from '../primitives/max.js';
import { sum } from '../primitives/sum.js';
import { reshape } from '../primitives/reshape.js';
import { concat } from '../primitives/concat.js';
import { slice } from '../primitives/slice.js';
import { stopGradient } from '../primitives/stopGradient.js';

type Binary = (a: AnyTensor | number, b: AnyTensor | number) => AnyTensor;
export const add = addTyped as unknown as Binary;
export const sub = subTyped as unknown as Binary;
export const mul = mulTyped as unknown as Binary;
export const div = divTyped as unknown as Binary;
export const maximum = maximumTyped as unknown as Binary;

/** A solver that did not converge, or met a non-finite value. @public */
export class SolverError extends Error {
  override readonly name = 'SolverError';
  constructor(
    /** The solver: `fixedPoint`, `root`, `odeint`. */
    readonly solver: string,
    detail: string,
  ) {
    super(`${solver}: ${detail}`);
  }
}

/**
 * Reads a one-element tensor synchronously, for a decision a solver makes in
 * JavaScript (convergence, step size). Turns the two ways this can fail into
 * messages that name the solver: values that are abstract (inside `jit` or
 * `makeIR`), and the webgpu backend in Node (no synchronous readback).
 */
export function readNumber(solver: string, t: Tensor): number {
  try {
    return Number(t.item());
  } catch (e) {
    if (e instanceof ConcretizationError) {
      throw new TransformError(
        `fx.${solver} decides convergence and step sizes on concrete values in JavaScript, so it cannot run inside jit/makeIR ` +
          `(its values are abstract there). Call fx.${solver} outside jit; it can still be differentiated with grad, vjp and jvp.`,
      );
    }
    if (e instanceof ReadbackError) {
      throw new ReadbackError(
        `fx.${solver} reads values synchronously to decide convergence and step sizes, which the webgpu backend cannot do in Node. ` +
          `Run fx.${solver} on the cpu or wasm backend (fx.setBackend('wasm')). (${e.message})`,
      );
    }
    throw e;
  }
}

/** The leaves of a pytree, checked to be float32 tensors (names the solver and the argument). */
export function floatLeaves(solver: string, what: string, tree: unknown): Tensor[] {
  const [leaves] = flatten(tree);
  for (const l of leaves) {
    if (l.dtype !== 'float32') {
      throw new TransformError(`fx.${solver}: every tensor in ${what} must be float32, got ${withArticle(l.dtype)} tensor of shape ${showShape(l.shape)}`);
    }
  }
  return leaves;
}

/** Throws a ShapeError-like TransformError unless `got` has the shapes of `want`. */
export function checkSameAvals(solver: string, what: string, want: readonly AbstractValue[], got: readonly Tensor[]): void {
  const show = (as: readonly AbstractValue[]) => `(${as.map((a) => `${a.dtype}${showShape(a.shape)}`).join(', ')})`;
  const same = got.length === want.length && got.every((g, i) => g.dtype === want[i]!.dtype && showShape(g.shape) === showShape(want[i]!.shape));
  if (!same) {
    throw new TransformError(`fx.${solver}: ${what} must have the structure and shapes of its input ${show(want)}, got ${show(got.map(avalOf))}`);
  }
}

/** Total number of elements. */
export function totalSize(avals: readonly AbstractValue[]): number {
  return avals.reduce((n, a) => n + a.shape.reduce((m, d) => m * d, 1), 0);
}

/** Concatenates the leaves, flattened, into one vector `[n]`. */
export function toVector(leaves: readonly AnyTensor[]): AnyTensor {
  const flat = leaves.map((l) => reshape(l, [l.size] as never) as AnyTensor);
  return flat.length === 1 ? flat[0]! : (concat(flat as never, 0) as AnyTensor);
}

/** Splits a vector `[n]` back into tensors of the given shapes. */
export function fromVector(v: AnyTensor, avals: readonly AbstractValue[]): AnyTensor[] {
  if (avals.length === 1) return [reshape(v, avals[0]!.shape as never) as AnyTensor];
  let at = 0;
  return avals.map((a) => {
    const n = a.shape.reduce((m, d) => m * d, 1);
    const part = slice(v, [at] as never, [n] as never) as AnyTensor;
    at += n;
    return reshape(part, a.shape as never) as AnyTensor;
  });
}

/**
 * max |a − b| and max |b| over all leaves, read as JS numbers in one readback.
 * Computed on stopGradient'd values, so an active transformation records nothing.
 */
export function maxChange(solver: string, a: readonly AnyTensor[], b: readonly AnyTensor[]): { change: number; size: number } {
  const parts = a.map((ai, i) => {
    const x = stopGradient(ai);
    const y = stopGradient(b[i]!);
    return [maxOf(abs(sub(x, y))), maxOf(abs(y))] as const;
  });
  let change = parts[0]![0];
  let size = parts[0]![1];
  for (const [c, s] of parts.slice(1)) {
    change = maximum(change, c);
    size = maximum(size, s);
  }
  const both = readPair(solver, change, size);
  return { change: both[0], size: both[1] };
}

function readPair(solver: string, a: AnyTensor, b: AnyTensor): [number, number] {
  const v = concat([reshape(a, [1] as never), reshape(b, [1] as never)] as never, 0) as AnyTensor;
  try {
    const d = v.dataSync();
    return [d[0]!, d[1]!];
  } catch {
    // Same failure modes as a scalar read; readNumber names them.
    return [readNumber(solver, a), readNumber(solver, b)];
  }
}

/** Σ over leaves of sum(x²), on stopGradient'd values, read as a JS number. */
export function sumOfSquares(solver: string, xs: readonly AnyTensor[]): number {
  let total: AnyTensor | undefined;
  for (const x of xs) {
    const s = sum(square(stopGradient(x)) as AnyTensor) as AnyTensor;
    total = total ? add(total, s) : s;
  }
  return total ? readNumber(solver, total) : 0;
}

/**
 * Memory for long iterations: each step runs in a fresh scope, and the
 * previous step's scope (its state and garbage) is released once the next
 * state exists. Values a transformation recorded (residuals) are
 * reference-counted by its program and survive. Pinned values (outputs
 * collected along the way) and the final state move to the enclosing scope.
 */
export class RollingScope {
  private close = openScope();
  private readonly pinned: unknown[] = [];

  /** Keeps `value` alive until the iteration ends, whatever scope made it. */
  pin(value: unknown): void {
    this.pinned.push(value);
  }

  /** Runs one step whose result replaces the state: the previous step's tensors are freed (but pinned ones). */
  step<R>(fn: () => R): R {
    const attempt = this.attempt(fn);
    attempt.accept();
    return attempt.value;
  }

  /**
   * Runs a step that may be rejected: `accept()` makes its result the state
   * (freeing the previous step's tensors), `reject()` frees what it made and
   * keeps the previous state.
   */
  attempt<R>(fn: () => R): { value: R; accept(): void; reject(): void } {
    const next = openScope();
    let value: R;
    try {
      value = fn();
    } catch (e) {
      next([]);
      throw e;
    }
    return {
      value,
      accept: () => {
        this.close(reachable([value, this.pinned]));
        this.close = next;
      },
      reject: () => next([]),
    };
  }

  /** Ends the iteration, keeping what `result` and the pinned values reach. */
  finish<R>(result: R): R {
    this.close(reachable([result, this.pinned]));
    return result;
  }

  /** Ends the iteration after an error, releasing everything it made. */
  abort(): void {
    this.close([]);
  }
}

function reachable(result: unknown): Set<Releasable> {
  const keep = new Set<Releasable>();
  for (const t of flatten(result)[0]) t._reach(keep);
  return keep;
}

/** Validated tolerance and iteration count of an iterative solver. */
export interface Resolved {
  tol: number;
  maxIter: number;
}

export function resolveIterationOptions(solver: string, options: { tol?: number; maxIter?: number }, defaults: Resolved): Resolved {
  const tol = options.tol ?? defaults.tol;
  const maxIter = options.maxIter ?? defaults.maxIter;
  if (!(tol >= 0)) throw new TransformError(`fx.${solver}: tol must be a non-negative number, got ${tol}`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new TransformError(`fx.${solver}: maxIter must be a positive integer, got ${maxIter}`);
  return { tol, maxIter };
}

/** Applies stopGradient to every tracer of a pytree (concrete tensors are constants already: no copy). */
export function stopTree<T>(tree: T): T {
  const [leaves, def] = flatten(tree);
  return unflatten<T>(def, leaves.map((l) => (l instanceof Tracer ? stopGradient(l) : l)));
}

/** Throws when a value meant to be computed on constants carries a transformation's tracer. */
export function checkNoClosure(solver: string, what: string, tree: unknown): void {
  if (flatten(tree)[0].some((l) => l instanceof Tracer)) {
    throw new TransformError(
      `fx.${solver}: ${what} depends on a value being differentiated that is not passed through params ` +
        '(the function closes over it). The implicit derivative only accounts for params: pass every differentiated value in params.',
    );
  }
}

