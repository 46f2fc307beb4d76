/**
 * Gradient checks: compare forward- and reverse-mode derivatives with central
 * finite differences computed on the host in float64, to first or second
 * order. A mismatch throws a `GradCheckError` naming the worst index and both
 * values.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConcreteTensor, sizeOf, type AnyTensor, type Tensor } from '../core/tensor.js';
import { scope } from '../core/memory.js';
import { jvp } from '../transforms/forward.js';
import { vjp } from '../transforms/reverse.js';
import { showShape } from '../core/errors.js';
import type { CustomFunction } from '../transforms/custom.js';

/** A failed gradient check. @public */
export class GradCheckError extends Error {
  override readonly name = 'GradCheckError';
  constructor(
    message: string,
    /** Which check failed, e.g. `rev, order 1, argument 0`. */
    readonly check: string,
    /** Flat index of the worst mismatch. */
    readonly index: number,
    /** The value autodiff gave there. */
    readonly autodiff: number,
    /** The finite-difference estimate there. */
    readonly numeric: number,
  ) {
    super(message);
  }
}

/** Options of `checkGrads`. @public */
export interface CheckGradsOptions {
  /** 1 checks first derivatives; 2 also checks the derivatives of the derivatives. */
  readonly order?: 1 | 2;
  /** Which modes to check (default both). */
  readonly modes?: readonly ('fwd' | 'rev')[];
  /** Finite-difference step (default 1e-3, relative to max(1, |x|)). */
  readonly eps?: number;
  /** Relative tolerance (default 2e-2: the function runs in float32). */
  readonly rtol?: number;
  /** Absolute tolerance (default 2e-3). */
  readonly atol?: number;
  /** Seed of the random directions (default 0). */
  readonly seed?: number;
}

/** What a passing check measured. @public */
export interface GradCheckReport {
  /** The checks run, e.g. `fwd, order 1, argument 0`. */
  readonly checks: string[];
  /** The largest error seen relative to the tolerance (≤ 1 passes). */
  readonly worstRatio: number;
}

type Fn = (...args: AnyTensor[]) => AnyTensor;

/** The check is a generator that yields tensors to read; drivers read them synchronously or not. */
type Check<T> = Generator<Tensor, T, Float64Array>;

function rng(seed: number): () => number {
  let s = (seed + 0x9e3779b9) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function* read(t: Tensor): Check<Float64Array> {
  return yield t;
}

function make(values: ArrayLike<number>, shape: readonly number[]): AnyTensor {
  return new ConcreteTensor(tf.tensor(Float32Array.from(values), shape as number[], 'float32'));
}

/** Central difference of `f` along direction `v` of argument `k`, in float64. */
function* directional(f: Fn, args: AnyTensor[], k: number, x: Float64Array, v: Float64Array, eps: number): Check<Float64Array> {
  const scale = Math.max(1, ...Array.from(x, Math.abs));
  const h = eps * scale;
  const shifted = (sign: number) => {
    const moved = args.slice();
    moved[k] = make(x.map((xi, i) => xi + sign * h * v[i]!), args[k]!.shape);
    return f(...moved);
  };
  const plus = yield* read(shifted(1));
  const minus = yield* read(shifted(-1));
  return plus.map((p, i) => (p - minus[i]!) / (2 * h));
}

interface Tolerance {
  rtol: number;
  atol: number;
}

/** Returns the worst error/tolerance ratio; throws past 1. */
function compare(check: string, got: Float64Array, want: Float64Array, tol: Tolerance): number {
  let worst = 0;
  let at = 0;
  got.forEach((g, i) => {
    const w = want[i]!;
    const ratio = Math.abs(g - w) / (tol.atol + tol.rtol * Math.abs(w));
    if (!(ratio <= worst)) {
      worst = Number.isNaN(ratio) ? Infinity : ratio;
      at = i;
    }
  });
  if (worst > 1) {
    throw new GradCheckError(
      `gradient check failed (${check}): at flat index ${at} autodiff gives ${got[at]} but finite differences give ${want[at]} ` +
        `(|diff| ${Math.abs(got[at]! - want[at]!).toExponential(3)} > atol ${tol.atol} + rtol ${tol.rtol}·|numeric|)`,
      check,
      at,
      got[at]!,
      want[at]!,
    );
  }
  return worst;
}

interface Report {
  checks: string[];
  worst: number;
}

function* checkOrder1(f: Fn, args: AnyTensor[], opts: Required<CheckGradsOptions>, label: string, report: Report): Check<void> {
  const rand = rng(opts.seed);
  const tol = { rtol: opts.rtol, atol: opts.atol };
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (a.dtype !== 'float32') continue;
    const n = a.size;
    const x = yield* read(a);
    if (opts.modes.includes('fwd')) {
      const v = Float64Array.from({ length: n }, rand);
      const tangents = args.map((b, j) => (j === k ? make(v, b.shape) : make(new Float64Array(b.size), b.shape)));
      const got = yield* read(jvp(f, args, tangents)[1]);
      const want = yield* directional(f, args, k, x, v, opts.eps);
      const check = `fwd, ${label}, argument ${k} ${showShape(a.shape)}`;
      report.worst = Math.max(report.worst, compare(check, got, want, tol));
      report.checks.push(check);
    }
    if (opts.modes.includes('rev')) {
      const [out, pullback] = vjp(f, ...args);
      // A scalar output is pulled back with 1, so reported values are the gradient itself.
      const u = out.size === 1 ? Float64Array.of(1) : Float64Array.from({ length: out.size }, rand);
      const got = yield* read(pullback(make(u, out.shape))[k]!);
      // d/dx_i <u, f(x)> by central differences, one input element at a time.
      const want = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const e = new Float64Array(n);
        e[i] = 1;
        const d = yield* directional(f, args, k, x, e, opts.eps);
        want[i] = d.reduce((s, di, j) => s + di * u[j]!, 0);
      }
      const check = `rev, ${label}, argument ${k} ${showShape(a.shape)}`;
      report.worst = Math.max(report.worst, compare(check, got, want, tol));
      report.checks.push(check);
    }
  }
}

function* checkAll(f: Fn, args: readonly AnyTensor[], options: CheckGradsOptions): Check<GradCheckReport> {
  const opts = fullOptions(options);
  const report: Report = { checks: [], worst: 0 };
  const list = args.slice();
  yield* checkOrder1(f, list, opts, 'order 1', report);
  if (opts.order === 2) {
    const rand = rng(opts.seed + 1);
    for (let k = 0; k < list.length; k++) {
      const a = list[k]!;
      if (a.dtype !== 'float32') continue;
      const v = make(Float64Array.from({ length: a.size }, rand), a.shape);
      // The directional derivative as a function of the inputs, checked in both modes.
      const tangentFn: Fn = (...xs) => jvp(f, xs, xs.map((x, j) => (j === k ? v : make(new Float64Array(x.size), x.shape))))[1];
      yield* checkOrder1(tangentFn, list, opts, `order 2 (derivative of the jvp along argument ${k})`, report);
      if (opts.modes.includes('rev')) {
        const outShape = f(...list).shape;
        const u = make(Float64Array.from({ length: sizeOf(outShape) }, rand), outShape);
        const gradFn: Fn = (...xs) => vjp(f, ...xs)[1](u)[k]!;
        yield* checkOrder1(gradFn, list, opts, `order 2 (derivative of the vjp for argument ${k})`, report);
      }
    }
  }
  return { checks: report.checks, worstRatio: report.worst };
}

/** Compares a custom rule with differentiating the function's own implementation. */
function* checkAgainstImplementation(f: Fn & CustomFunction, args: readonly AnyTensor[], opts: Required<CheckGradsOptions>, report: Report): Check<void> {
  const impl = f.implementation as unknown as Fn;
  const rand = rng(opts.seed + 7);
  const tol = { rtol: opts.rtol, atol: opts.atol };
  const list = args.slice();
  if (f.ruleKind === 'jvp') {
    const tangents = list.map((a) => make(Float64Array.from({ length: a.size }, rand), a.shape));
    const got = yield* read(jvp(f, list, tangents)[1]);
    const want = yield* read(jvp(impl, list, tangents)[1]);
    const check = 'custom jvp rule vs differentiating the implementation';
    report.worst = Math.max(report.worst, compare(check, got, want, tol));
    report.checks.push(check);
    return;
  }
  const outShape = impl(...list).shape;
  const u = make(Float64Array.from({ length: sizeOf(outShape) }, rand), outShape);
  const mine = vjp(f, ...list)[1](u);
  const theirs = vjp(impl, ...list)[1](u);
  for (let k = 0; k < list.length; k++) {
    if (list[k]!.dtype !== 'float32') continue;
    const check = `custom vjp rule vs differentiating the implementation, argument ${k}`;
    report.worst = Math.max(report.worst, compare(check, yield* read(mine[k]!), yield* read(theirs[k]!), tol));
    report.checks.push(check);
  }
}

function* checkRule(f: Fn & CustomFunction, args: readonly AnyTensor[], options: CheckGradsOptions): Check<GradCheckReport> {
  if (!f || (f.ruleKind !== 'jvp' && f.ruleKind !== 'vjp')) {
    throw new TypeError('checkCustomRule needs a function made by fx.customJvp or fx.customVjp');
  }
  const modes = f.ruleKind === 'vjp' ? (['rev'] as const) : (['fwd', 'rev'] as const);
  // Against finite differences first: they are the ground truth.
  const first = yield* checkAll(f, args, { ...options, modes: options.modes ?? modes });
  const report: Report = { checks: first.checks.slice(), worst: first.worstRatio };
  yield* checkAgainstImplementation(f, args, fullOptions(options), report);
  return { checks: report.checks, worstRatio: report.worst };
}

function fullOptions(options: CheckGradsOptions): Required<CheckGradsOptions> {
  return {
    order: options.order ?? 1,
    modes: options.modes ?? ['fwd', 'rev'],
    eps: options.eps ?? 1e-3,
    rtol: options.rtol ?? 2e-2,
    atol: options.atol ?? 2e-3,
    seed: options.seed ?? 0,
  };
}

/** Runs a check generator with synchronous reads. */
function runSync<T>(gen: () => Check<T>): T {
  return scope(() => {
    const it = gen();
    let step = it.next();
    while (!step.done) step = it.next(toFloat64(step.value.dataSync()));
    return step.value;
  });
}

/** Runs a check generator with asynchronous reads. */
function runAsync<T>(gen: () => Check<T>): Promise<T> {
  return scope(async () => {
    const it = gen();
    let step = it.next();
    while (!step.done) step = it.next(toFloat64(await step.value.data()));
    return step.value;
  });
}

/**
 * Checks a custom derivative rule (from `fx.customJvp` / `fx.customVjp`)
 * against finite differences and against differentiating the function's own
 * implementation. Returns a report; throws `GradCheckError` naming the worst
 * index and both values when the rule is wrong.
 * @example
 * ```ts
 * fx.checkCustomRule(mySoftplus, [fx.tensor([0.5, -2])]);
 * ```
 * @public
 */
export function checkCustomRule(f: ((...args: AnyTensor[]) => AnyTensor) & CustomFunction, args: readonly AnyTensor[], options: CheckGradsOptions = {}): GradCheckReport {
  return runSync(() => checkRule(f, args, options));
}

/** `checkCustomRule` with asynchronous reads (every backend, including webgpu in Node). @public */
export function checkCustomRuleAsync(f: ((...args: AnyTensor[]) => AnyTensor) & CustomFunction, args: readonly AnyTensor[], options: CheckGradsOptions = {}): Promise<GradCheckReport> {
  return runAsync(() => checkRule(f, args, options));
}

function toFloat64(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values);
}

/**
 * Checks `f`'s derivatives at `args` against central finite differences
 * (float64 on the host), in forward and reverse mode, to order 1 or 2.
 * Returns a report; throws `GradCheckError` naming the worst index and both
 * values on a mismatch. Reads values synchronously: on webgpu in Node use
 * `checkGradsAsync`.
 * @example
 * ```ts
 * fx.checkGrads((x) => fx.tanh(x), [fx.tensor([0.3, -1.2])], { order: 2 });
 * ```
 * @public
 */
export function checkGrads(f: (...args: AnyTensor[]) => AnyTensor, args: readonly AnyTensor[], options: CheckGradsOptions = {}): GradCheckReport {
  return runSync(() => checkAll(f, args, options));
}

/**
 * `checkGrads` with asynchronous reads: works on every backend, including
 * webgpu in Node. Resolves to the report or rejects with `GradCheckError`.
 * @public
 */
export async function checkGradsAsync(f: (...args: AnyTensor[]) => AnyTensor, args: readonly AnyTensor[], options: CheckGradsOptions = {}): Promise<GradCheckReport> {
  return runAsync(() => checkAll(f, args, options));
}
