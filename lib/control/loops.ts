/**
 * Loops with a trip count known in JavaScript: `fori` and `scan`.
 *
 * On concrete values (eager code, including inside `grad`/`jvp`/`vmap`) they
 * run iteration by iteration in JavaScript: `fori`'s body gets a JS number,
 * plain `if` on values differentiates the executed path, and reverse mode
 * stores each iteration's residuals.
 *
 * While a program is staged (inside `jit`/`makeIR`, or when the carry or
 * the sequences are abstract),
 * the body is traced ONCE on abstract values into a sub-program and the loop
 * is one `scan` equation (`scanPrimitive.ts`): the program does not grow with
 * the trip count, and every transformation (jvp, reverse mode, vmap, nesting)
 * has a rule for it. There `fori`'s index is a traced int32 scalar; a body
 * that needs it (or anything else) as a JS value — `i * dt`, `arr[i]`,
 * `if (i === 0)` — or whose carry changes shape is unrolled as before.
 */
import { ShapeError, showShape } from '../core/errors.js';
import { ConcretizationError } from '../core/errors.js';
import { IR, StagedTracer, evalIR, stagingProgram, type Var } from '../core/ir.js';
import { flatten, treeKey, unflatten } from '../core/pytree.js';
import { avalOf, showAval, type AbstractValue, type AnyTensor, type Tensor } from '../core/tensor.js';
import { arange, scalar, zerosLike } from '../core/creation.js';
import { JvpTracer } from '../transforms/jvp.js';
import { BatchTracer } from '../transforms/vmap.js';
import { add } from '../primitives/add.js';
import { checkpoint } from '../transforms/checkpoint.js';
import { ScanBody, bindScan, closeOver, type ClosedBody } from './scanPrimitive.js';
import type { Dtype } from '../../typelevel/index.js';
import type { Stacked } from '../transforms/vmap.js';
import { reshape } from '../primitives/reshape.js';
import { slice } from '../primitives/slice.js';
import { stack } from '../composite/stack.js';
import { unaliased } from '../core/alias.js';
import { scoped } from '../core/memory.js';
import { RollingScope } from '../solvers/common.js';
import { concat } from '../primitives/concat.js';
import { bindRevolve, countAdvances, repetitions, revolvePlan } from './revolve.js';
import { muted, reportLoop, type LoopCheckpoint } from './loopReport.js';

/** True when `x` is abstract: traced by a staging transformation (jit/makeIR), below any jvp/vmap wrapping. */
function isAbstract(x: Tensor): boolean {
  for (;;) {
    if (x instanceof StagedTracer) return x._trace.main.active;
    if (x instanceof JvpTracer) x = x.primal;
    else if (x instanceof BatchTracer) x = x.value;
    else return false;
  }
}

/**
 * Traces a loop body once; `undefined` when it cannot be staged (it needs a
 * concrete value, or its carry changes structure or shape), so the caller
 * unrolls it as before.
 */
function tryClose(body: (xs: Tensor[]) => Tensor[], avals: readonly AbstractValue[]): ClosedBody | undefined {
  try {
    return closeOver(body, avals);
  } catch (e) {
    if (e instanceof ConcretizationError || e instanceof NotLoopable) return undefined;
    throw e;
  }
}

/**
 * A staged `fori` body that never reads its index, without the index: its
 * counter carry and the `add` that advances it go, and so do the loop
 * constants nothing else reads (the 1 it adds), one step less per iteration.
 * `undefined` when the body reads the index.
 */
function withoutIndex(closed: ClosedBody): ClosedBody | undefined {
  const ir = closed.body.ir;
  const nCap = closed.captured.length;
  const index = ir.inputs[nCap]!;
  const next = ir.outputs[0];
  const readers = ir.equations.filter((eq) => eq.inputs.includes(index));
  if (readers.length !== 1 || readers[0]!.outputs.length !== 1 || readers[0]!.outputs[0] !== next || ir.outputs.slice(1).includes(index)) return undefined;
  const counter = readers[0]!;
  const equations = ir.equations.filter((eq) => eq !== counter);
  if (equations.some((eq) => eq.inputs.includes(next!)) || ir.outputs.slice(1).includes(next!)) return undefined;
  const read = new Set<Var>([...equations.flatMap((eq) => eq.inputs), ...ir.outputs.slice(1).filter((o): o is Var => o !== null)]);
  const keep = closed.captured.map((_, j) => read.has(ir.inputs[j]!));
  const inputs = [...ir.inputs.slice(0, nCap).filter((_, j) => keep[j]), ...ir.inputs.slice(nCap + 1)];
  const body = new ScanBody(new IR(inputs, [], [], equations, ir.outputs.slice(1), ir.outAvals.slice(1)));
  return { body, captured: closed.captured.filter((_, j) => keep[j]), release: closed.release };
}

/** The staged body's carry does not match the loop's: unroll instead. */
class NotLoopable extends Error {}

/** Checks a body's returned carry against the one it was given (structure, shapes and dtypes). */
function sameCarry(def: ReturnType<typeof flatten>[1], avals: readonly AbstractValue[], next: unknown): Tensor[] {
  const [leaves, nextDef] = flatten(next);
  if (treeKey(nextDef) !== treeKey(def) || leaves.length !== avals.length || leaves.some((l, i) => showAval(avalOf(l)) !== showAval(avals[i]!))) {
    throw new NotLoopable();
  }
  return leaves;
}

/** Makes a traced loop index throw `ConcretizationError` when used as a JS number or key. */
function poisonIndex(i: Tensor): void {
  Object.defineProperty(i, Symbol.toPrimitive, {
    value: () => {
      throw new ConcretizationError('using the fori index as a JS number');
    },
  });
}

/**
 * `for (i = lo; i < hi; i++) carry = body(i, carry)`. In eager code `i` is a
 * JS number; when the carry is traced by `jit`/`makeIR`, the body is traced
 * once and `i` is a traced int32 scalar (use it through fx ops; a body that
 * reads it as a JS number is unrolled instead, see docs/language-boundary.md).
 *
 * `options.checkpoint` chooses what reverse mode stores, as for `scan`:
 * `'all'` (default), `{ every: k }` or `'binomial'`. A staged body that
 * leaves its index to fx ops runs as a checkpointed `scan` over the indices
 * (one compiled loop, the index a traced int32 scalar); an eager loop, or a
 * staged body that reads its index as a JS number, runs as a JavaScript loop
 * of `fx.checkpoint`ed segments with the same schedule.
 * @example
 * ```ts
 * fx.fori(0, 3, (i, x) => fx.add(x, i), fx.scalar(0)); // 3
 * // a 10,000-step rollout whose gradient keeps about 2·√n carries
 * const end = (k: fx.Tensor<[], 'float32'>) =>
 *   fx.fori(0, 10_000, (_i, x) => fx.sub(x, fx.mul(fx.mul(k, x), 0.001)), fx.scalar(1), { checkpoint: { every: 100 } });
 * ```
 * @public
 */
export function fori<C>(lo: number, hi: number, body: (i: number, carry: C) => C, init: C, options: ScanOptions = {}): C {
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new ShapeError('fori', `lo and hi must be integers, got ${lo} and ${hi}`);
  const policy = checkPolicy('fori', options.checkpoint);
  if (hi <= lo) return unaliased(init, init);
  reportLoop(loopReport(policy, hi - lo, init));
  // The loops this one runs (its segments, a nested loop in its body) are part of its report.
  return muted(() => foriWith(lo, hi, body, init, policy));
}

function foriWith<C>(lo: number, hi: number, body: (i: number, carry: C) => C, init: C, policy: Policy): C {
  const [leaves, def] = flatten(init);
  if (stagingProgram() || leaves.some(isAbstract)) {
    const avals = leaves.map(avalOf);
    const closed = tryClose(
      ([i, ...carry]) => {
        poisonIndex(i!);
        const next = sameCarry(def, avals, body(i as unknown as number, unflatten<C>(def, carry)));
        return [add(i as Tensor<[], 'int32'>, 1), ...next];
      },
      [{ shape: [], dtype: 'int32' }, ...avals],
    );
    if (closed && !storesAll(policy, hi - lo)) {
      // A checkpointed scan over the indices: its segments are traced once, like this body.
      closed.release();
      const step = (c: C, i: Tensor<[], 'int32'>): [C, null] => {
        poisonIndex(i);
        return [body(i as unknown as number, c), null];
      };
      const indices = arange(lo, hi) as Tensor;
      return scanWith(step, init, [indices], flatten(indices)[1], policy)[0];
    }
    if (closed) {
      const pruned = withoutIndex(closed);
      if (pruned) return unflatten<C>(def, bindScan(pruned, [], leaves, [], hi - lo));
      return unflatten<C>(def, bindScan(closed, [], [scalar(lo, 'int32'), ...leaves], [], hi - lo).slice(1));
    }
  }
  // Eager: each step's intermediates (and the carry it replaced) are freed once the next carry exists.
  // Zero steps (or a body that returns its carry) give fresh handles: results never alias inputs.
  return unaliased(
    scoped(() => (storesAll(policy, hi - lo) ? jsLoop(lo, hi, body, init) : checkpointedLoop(lo, hi, body, init, policy))),
    init,
  );
}

/** The eager loop, each step's intermediates freed once the next carry exists. */
function jsLoop<C>(lo: number, hi: number, body: (i: number, carry: C) => C, init: C): C {
  const roll = new RollingScope();
  let carry = init;
  try {
    for (let i = lo; i < hi; i++) carry = roll.step(() => body(i, carry));
  } catch (e) {
    roll.abort();
    throw e;
  }
  return roll.finish(carry);
}

/**
 * A checkpoint policy as a JavaScript loop of `fx.checkpoint`ed segments
 * (`segmentLength` steps each, nested for `'binomial'`) and a plain tail: the
 * schedule of `scan`'s policy with JS-number indices. A segment whose body
 * reads carry values as JS numbers (eager branching) cannot be traced, and
 * stores all its steps' residuals.
 */
function checkpointedLoop<C>(lo: number, hi: number, body: (i: number, carry: C) => C, init: C, policy: Policy): C {
  const n = hi - lo;
  if (storesAll(policy, n)) return jsLoop(lo, hi, body, init);
  const every = segmentLength(policy, n);
  const inner: Policy = policy === 'binomial' ? 'binomial' : 'all';
  const [leaves, def] = flatten(init);
  const avals = leaves.map(avalOf);
  let carry = leaves;
  let at = lo;
  for (; at + every <= hi; at += every) {
    const from = at;
    // Each segment traced and closed over what it captures (as segmentedScan does), so that the
    // checkpoint's function refers to no traced value when the backward pass reruns it.
    const closed = tryClose((c) => sameCarry(def, avals, checkpointedLoop(from, from + every, body, unflatten<C>(def, c), inner)), avals);
    if (!closed) {
      // A body that reads carry values as JS numbers cannot be staged: this segment stores all.
      carry = flatten(jsLoop(from, from + every, body, unflatten<C>(def, carry)))[0];
      continue;
    }
    const ir = closed.body.ir;
    try {
      carry = checkpoint((...flat: Tensor[]) => evalIR(ir, flat, zerosLike))(...closed.captured, ...carry);
    } finally {
      closed.release();
    }
  }
  const end = unflatten<C>(def, carry);
  return at < hi ? jsLoop(at, hi, body, end) : end;
}

type Policy = NonNullable<ScanOptions['checkpoint']>;

/** Checks a `checkpoint` option, naming the call (`scan` or `fori`). */
function checkPolicy(name: string, policy: ScanOptions['checkpoint']): Policy {
  const p = policy ?? 'all';
  if (p === 'all' || p === 'binomial') return p;
  if (typeof p !== 'object' || p === null) throw new ShapeError(name, `checkpoint must be 'all', 'binomial' or { every: k }, got ${String(p)}`);
  const every = (p as { every?: unknown }).every as number;
  if (!Number.isInteger(every) || every < 1) throw new ShapeError(name, `checkpoint.every must be a positive integer, got ${every}`);
  return p;
}

/** Whether `policy` stores every step's residuals for an n-step loop (`'all'`, or a policy with nothing to split). */
function storesAll(policy: Policy, n: number): boolean {
  if (policy === 'all') return true;
  if (policy === 'binomial') return n <= BINOMIAL_LEAF;
  return policy.every <= 1 || policy.every >= n;
}

/** Steps per checkpointed segment of the outermost level of `policy` on n steps. */
function segmentLength(policy: Policy, n: number): number {
  return policy === 'binomial' ? Math.floor(n / levelSegments(n)) : (policy as { every: number }).every;
}

/** Row `i` of a tensor along axis 0. */
function row(x: AnyTensor, i: number): AnyTensor {
  const begin = x.shape.map((_: number, j: number) => (j === 0 ? i : 0));
  const size = x.shape.map((d: number, j: number) => (j === 0 ? 1 : d));
  return reshape(slice(x, begin, size), x.shape.slice(1));
}

/** One step's slice of a pytree of sequences: each tensor loses its leading axis. @public */
export type Unstacked<T> =
  T extends Tensor<[number, ...infer R extends number[]], infer D extends Dtype>
    ? Tensor<R, D>
    : T extends Tensor
      ? T
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Unstacked<T[K]> }
        : T extends object
          ? { -readonly [K in keyof T]: Unstacked<T[K]> }
          : T;

/** The leading dim of the first tensor in a pytree of sequences. */
type LeadingDim<T> = T extends Tensor<[infer N extends number, ...number[]], Dtype> ? N : T extends readonly [infer H, ...unknown[]] ? LeadingDim<H> : number;

/** Options of `scan` and `fori`. @public */
export interface ScanOptions {
  /**
   * What reverse mode (eager or staged) stores: `'all'` (default) each
   * step's residuals; `{ every: k }` only the carry at every k-th step,
   * recomputing each segment of k steps during the backward pass (about n/k
   * carries plus one segment's residuals, for one more forward pass; when k
   * does not divide n the last n mod k steps are a plain scan); `'binomial'`
   * Griewank and Walther's binomial checkpointing (revolve) over chunks of at
   * least 16 steps: at most 40 carries and one chunk's residuals alive at once,
   * and the minimal recomputation for that many carries, e.g. at most 4
   * evaluations of any step (3.92 on average) for n = 100,000 (see
   * `binomialSchedule`). A body that cannot be traced once (eager code reading
   * values as JS numbers) gets nested checkpointed segments instead.
   */
  readonly checkpoint?: 'all' | { readonly every: number } | 'binomial';
}

/** Loops of at most this many steps (fewer would cost more in per-loop overhead than they save) are the innermost level of the `'binomial'` schedule (their step residuals are stored). */
const BINOMIAL_LEAF = 16;

/** The segment count of one `'binomial'` level: a small divisor of n (4 first: about 2·log2 n carries in all), else 4 segments and a short tail. */
function levelSegments(n: number): number {
  for (const d of [4, 3, 5, 2, 6, 7, 8]) if (n % d === 0) return d;
  return 4;
}

/** The `'binomial'` checkpoint schedule of an n-step loop. @public */
export interface BinomialSchedule {
  /** `[chunks]`: the loop is reversed in `chunks` chunks of `leaf` steps (the last one shorter); `[]` when it stores all. */
  readonly levels: readonly number[];
  /** Steps per chunk: the backward pass linearizes one chunk at a time (their residuals are stored). */
  readonly leaf: number;
  /** Carries alive at once at the peak of the backward pass: the snapshots and the carry the chunk being reversed starts from (at most 40). */
  readonly storedCarries: number;
  /** Steps whose residuals are alive at once at that peak: one chunk. */
  readonly residualSteps: number;
  /** Forward evaluations of the step evaluated most: the forward pass, the schedule's recomputations (its repetition number) and the linearization of its chunk. */
  readonly forwardPasses: number;
  /** Snapshots s (revolve's checkpoints, the initial carry included). */
  readonly snapshots: number;
  /** Revolve's repetition number r: the least r with β(s, r) = C(s + r, s) ≥ chunks; no chunk is recomputed more than r times. */
  readonly repetitions: number;
  /** Forward evaluations per step on average, the forward pass and the linearization included (minimal for s snapshots: Griewank and Walther's r·l − β(s + 1, r − 1) recomputed chunks). */
  readonly evaluationsPerStep: number;
}

/**
 * The `'binomial'` policy's schedule for an n-step loop: Griewank and
 * Walther's binomial checkpointing (revolve) over chunks of `leaf` steps
 * (16 at least, at most 512 chunks). The backward pass keeps at most
 * `snapshots` carries plus the one its current chunk starts from (≤ 40 in
 * all: O(log n) for a fixed recomputation count) and recomputes the minimal
 * number of chunks for that many snapshots; each step is evaluated at most
 * `forwardPasses` times.
 * @example
 * ```ts
 * fx.binomialSchedule(100_000);
 * // { levels: [511], leaf: 196, storedCarries: 40, residualSteps: 196, forwardPasses: 4, snapshots: 39, repetitions: 2, evaluationsPerStep: 3.92 }
 * ```
 * @public
 */
export function binomialSchedule(n: number): BinomialSchedule {
  if (!Number.isInteger(n) || n < 0) throw new ShapeError('binomialSchedule', `n must be a non-negative integer, got ${n}`);
  if (n <= BINOMIAL_LEAF) return { levels: [], leaf: n, storedCarries: 0, residualSteps: n, forwardPasses: 1, snapshots: 0, repetitions: 0, evaluationsPerStep: 1 };
  const { chunk, chunks, snapshots } = revolvePlan(n);
  const { total, most } = countAdvances(n, chunk, snapshots);
  return {
    levels: [chunks],
    leaf: chunk,
    storedCarries: snapshots + 1,
    residualSteps: chunk,
    forwardPasses: most + 2,
    snapshots,
    repetitions: repetitions(chunks, snapshots),
    evaluationsPerStep: Math.round((2 + total / n) * 100) / 100,
  };
}

/** The `'binomial'` policy as one revolve loop (`revolve.ts`); `undefined` when the body cannot be traced once. */
function revolveScan<C, Xs, Y>(fn: (carry: C, x: Unstacked<Xs>) => [C, Y], init: C, xLeaves: Tensor[], xDef: ReturnType<typeof flatten>[1], n: number): [C, unknown] | undefined {
  const [cLeaves, cDef] = flatten(init);
  const avals = cLeaves.map(avalOf);
  const nk = avals.length;
  let yDef: ReturnType<typeof flatten>[1] | undefined;
  const closed = tryClose(
    (inputs) => {
      const [next, y] = fn(unflatten<C>(cDef, inputs.slice(0, nk)), unflatten<Unstacked<Xs>>(xDef, inputs.slice(nk)));
      const carry = sameCarry(cDef, avals, next);
      const [yLeaves, def] = flatten(y);
      yDef = def;
      return [...carry, ...yLeaves];
    },
    [...avals, ...xLeaves.map((x) => ({ shape: x.shape.slice(1), dtype: x.dtype }))],
  );
  if (!closed) return undefined;
  const outs = bindRevolve(closed, cLeaves, xLeaves, n);
  // Results never alias inputs.
  return unaliased([unflatten<C>(cDef, outs.slice(0, nk)), unflatten(yDef!, outs.slice(nk))] as [C, unknown], init);
}

/** Rows [from, from + size) of a tensor along axis 0. */
function rows(x: Tensor, from: number, size: number): Tensor {
  return slice(x as AnyTensor, x.shape.map((_: number, j: number) => (j === 0 ? from : 0)), x.shape.map((d: number, j: number) => (j === 0 ? size : d)));
}

/** The `'binomial'` policy: `levelSegments(n)` checkpointed segments, each scanned with the same policy, and a plain tail when they do not divide n. */
function binomialScan<C, Xs, Y>(fn: (carry: C, x: Unstacked<Xs>) => [C, Y], init: C, xLeaves: Tensor[], xDef: ReturnType<typeof flatten>[1], n: number): [C, unknown] {
  if (n <= BINOMIAL_LEAF) return scan(fn, init, unflatten<Xs>(xDef, xLeaves));
  return segmentsAndTail(fn, init, xLeaves, xDef, n, Math.floor(n / levelSegments(n)), { checkpoint: 'binomial' });
}

/** Checkpointed segments of `every` steps (each scanned with `inner`), then a plain scan of the n mod every steps left. */
function segmentsAndTail<C, Xs, Y>(fn: (carry: C, x: Unstacked<Xs>) => [C, Y], init: C, xLeaves: Tensor[], xDef: ReturnType<typeof flatten>[1], n: number, every: number, inner: ScanOptions): [C, unknown] {
  const head = every * Math.floor(n / every);
  if (head === n) return segmentedScan(fn, init, xLeaves, xDef, n, every, inner);
  const [c1, y1] = segmentedScan(fn, init, xLeaves.map((x) => rows(x, 0, head)), xDef, head, every, inner);
  const [c2, y2] = scan(fn, c1, unflatten<Xs>(xDef, xLeaves.map((x) => rows(x, head, n - head))));
  const [l1, yDef] = flatten(y1);
  const [l2] = flatten(y2);
  return [c2, unflatten(yDef, l1.map((y, j) => concat([y as AnyTensor, l2[j]! as AnyTensor], 0)))];
}

/**
 * A scan of n steps as a scan of n/k checkpointed segments, each a scan of k
 * steps. The segment is traced once and closed over what it captures, so the
 * checkpoint's function refers to no traced value when it is rerun.
 */
function segmentedScan<C, Xs, Y>(fn: (carry: C, x: Unstacked<Xs>) => [C, Y], init: C, xLeaves: Tensor[], xDef: ReturnType<typeof flatten>[1], n: number, every: number, inner: ScanOptions = {}): [C, unknown] {
  const segments = n / every;
  const [cLeaves, cDef] = flatten(init);
  const nk = cLeaves.length;
  let yDef: ReturnType<typeof flatten>[1] | undefined;
  const closed = tryClose(
    (inputs) => {
      const [c, ys] = scan(fn, unflatten<C>(cDef, inputs.slice(0, nk)), unflatten<Xs>(xDef, inputs.slice(nk)), inner);
      const [yLeaves, def] = flatten(ys);
      yDef = def;
      return [...sameCarry(cDef, cLeaves.map(avalOf), c), ...yLeaves];
    },
    [...cLeaves.map(avalOf), ...xLeaves.map((x) => ({ shape: [every, ...x.shape.slice(1)], dtype: x.dtype }))],
  );
  if (!closed) return scan(fn, init, unflatten<Xs>(xDef, xLeaves));
  const ir = closed.body.ir;
  const captured = closed.captured;
  try {
    const segment = checkpoint((...flat: Tensor[]) => evalIR(ir, flat, zerosLike));
    const segXs = xLeaves.map((x) => reshape(x as AnyTensor, [segments, every, ...x.shape.slice(1)]));
    const [carry, ys] = scan(
      (c: Tensor[], xs: Tensor[]) => {
        const outs = segment(...captured, ...c, ...xs);
        return [outs.slice(0, nk), outs.slice(nk)] as [Tensor[], Tensor[]];
      },
      cLeaves,
      segXs,
    );
    return [unflatten<C>(cDef, carry), unflatten(yDef!, (ys as Tensor[]).map((y) => reshape(y as AnyTensor, [n, ...y.shape.slice(2)])))];
  } finally {
    closed.release();
  }
}

/**
 * Scans `fn` over the leading axis of `xs` (a pytree), threading a carry:
 * returns `[finalCarry, ys]` with the per-step outputs stacked along a new
 * leading axis. Inside `jit`/`makeIR` the body is traced once and the loop is
 * one `scan` equation; `options.checkpoint` chooses what reverse mode stores.
 * @example
 * ```ts
 * // cumulative sum
 * const [total, partial] = fx.scan((c, x) => [fx.add(c, x), fx.add(c, x)], fx.scalar(0), fx.tensor([1, 2, 3]));
 * // a long rollout whose reverse mode keeps every 10th carry
 * const [end] = fx.scan((c, x) => [fx.add(fx.mul(c, 0.9), x), c], fx.scalar(0), fx.zeros([1000]), { checkpoint: { every: 10 } });
 * ```
 * @public
 */
export function scan<C, Xs, Y>(fn: (carry: C, x: Unstacked<Xs>) => [C, Y], init: C, xs: Xs, options: ScanOptions = {}): [C, Stacked<Y, LeadingDim<Xs>>] {
  const [xLeaves, xDef] = flatten(xs);
  const policy = checkPolicy('scan', options.checkpoint);
  if (xLeaves.length > 0 && xLeaves[0]!.rank > 0) reportLoop(loopReport(policy, xLeaves[0]!.shape[0]!, init));
  // The loops this one runs (its segments, a nested scan in its body) are part of its report.
  return muted(() => scanWith(fn, init, xLeaves, xDef, policy));
}

/** What `memoryProfile` reports for a scan of n steps under `policy`. */
function loopReport(policy: NonNullable<ScanOptions['checkpoint']>, n: number, init: unknown): LoopCheckpoint {
  const carryBytes = flatten(init)[0].reduce((s, c) => s + (c as Tensor).size * 4, 0);
  if (policy === 'binomial') {
    const plan = binomialSchedule(n);
    return { policy, length: n, storedCarries: plan.storedCarries, residualSteps: plan.residualSteps, carryBytes, levels: plan.levels, evaluationsPerStep: plan.evaluationsPerStep };
  }
  if (policy !== 'all' && policy.every > 1 && policy.every < n) {
    const segments = Math.floor(n / policy.every);
    const evaluationsPerStep = Math.round((1 + (segments * policy.every) / n) * 100) / 100;
    return { policy: `every ${policy.every}`, length: n, storedCarries: segments, residualSteps: policy.every, carryBytes, levels: [segments], evaluationsPerStep };
  }
  return { policy: 'all', length: n, storedCarries: 0, residualSteps: n, carryBytes, levels: [], evaluationsPerStep: 1 };
}

function scanWith<C, Xs, Y>(fn: (carry: C, x: Unstacked<Xs>) => [C, Y], init: C, xLeaves: Tensor[], xDef: ReturnType<typeof flatten>[1], policy: NonNullable<ScanOptions['checkpoint']>): [C, Stacked<Y, LeadingDim<Xs>>] {
  if (policy === 'binomial' && xLeaves.length > 0 && xLeaves[0]!.rank > 0 && xLeaves[0]!.shape[0]! > BINOMIAL_LEAF) {
    const n = xLeaves[0]!.shape[0]!;
    const revolved = xLeaves.every((x) => x.rank > 0 && x.shape[0] === n) ? revolveScan(fn, init, xLeaves, xDef, n) : undefined;
    if (revolved) return revolved as [C, Stacked<Y, LeadingDim<Xs>>];
    // A body that cannot be traced (it reads values as JS numbers): nested checkpointed segments.
    return binomialScan(fn, init, xLeaves, xDef, n) as [C, Stacked<Y, LeadingDim<Xs>>];
  }
  if (policy !== 'all' && policy !== 'binomial') {
    const n = xLeaves[0]!.shape[0]!;
    if (policy.every > 1 && policy.every < n) return segmentsAndTail(fn, init, xLeaves, xDef, n, policy.every, {}) as [C, Stacked<Y, LeadingDim<Xs>>];
  }
  if (xLeaves.length === 0) throw new ShapeError('scan', 'xs must contain at least one tensor');
  const n = xLeaves[0]!.shape[0];
  xLeaves.forEach((x, i) => {
    if (x.rank === 0 || x.shape[0] !== n) {
      throw new ShapeError('scan', `every tensor in xs needs the same leading axis: leaf 0 has shape ${showShape(xLeaves[0]!.shape)}, leaf ${i} has ${showShape(x.shape)}`);
    }
  });
  if (n === undefined || n === 0) throw new ShapeError('scan', 'xs must have a non-empty leading axis');
  const [cLeaves, cDef] = flatten(init);
  if (stagingProgram() || cLeaves.some(isAbstract) || xLeaves.some(isAbstract)) {
    const avals = cLeaves.map(avalOf);
    const nk = avals.length;
    let yDef: ReturnType<typeof flatten>[1] | undefined;
    const closed = tryClose(
      (inputs) => {
        const x = unflatten<Unstacked<Xs>>(xDef, inputs.slice(nk));
        const [next, y] = fn(unflatten<C>(cDef, inputs.slice(0, nk)), x);
        const carry = sameCarry(cDef, avals, next);
        const [yLeaves, def] = flatten(y);
        yDef = def;
        return [...carry, ...yLeaves];
      },
      [...avals, ...xLeaves.map((x) => ({ shape: x.shape.slice(1), dtype: x.dtype }))],
    );
    if (closed) {
      const outs = bindScan(closed, [], cLeaves, xLeaves, n);
      return [unflatten<C>(cDef, outs.slice(0, nk)), unflatten<Stacked<Y, LeadingDim<Xs>>>(yDef!, outs.slice(nk))];
    }
  }
  return scoped(() => {
    let carry = init;
    const ys: Tensor[][] = [];
    let yDef: ReturnType<typeof flatten>[1] | undefined;
    for (let i = 0; i < n; i++) {
      const x = unflatten<Unstacked<Xs>>(xDef, xLeaves.map((leaf) => row(leaf, i)));
      const [next, y] = fn(carry, x);
      carry = next;
      const [yLeaves, def] = flatten(y);
      yDef ??= def;
      ys.push(yLeaves);
    }
    const stacked = ys[0]!.map((_, j) => stack(ys.map((step) => step[j]! as AnyTensor)));
    // A body that returns its carry unchanged gives fresh handles: results never alias inputs.
    return unaliased([carry, unflatten<Stacked<Y, LeadingDim<Xs>>>(yDef!, stacked)] as [C, Stacked<Y, LeadingDim<Xs>>], init);
  });
}
