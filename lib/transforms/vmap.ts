/**
 * `vmap`: vectorizing map. A `BatchTracer` carries a value with one extra
 * axis (its batch dim, or `null` when the value is the same for every
 * example). Each primitive's `batch` rule maps batched inputs to batched
 * outputs; a primitive without one is run once per example and the results
 * stacked (correct, slower — the fallback is named in the IR as that
 * primitive repeated).
 */
import { BatchedValueError, ShapeError, TransformError, showShape } from '../core/errors.js';
import type { BatchDim, Params, Primitive } from '../core/primitive.js';
import type { Releasable } from '../core/scope.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import type { AnyTensor, ConcreteTensor, Tensor } from '../core/tensor.js';
import { bind, Trace, Tracer, withMainTrace } from '../core/trace.js';
import { concat } from '../primitives/concat.js';
import { materialize, moveBatchToFront } from '../primitives/batching.js';
import { reshape } from '../primitives/reshape.js';
import { slice } from '../primitives/slice.js';
import { transpose } from '../primitives/transpose.js';
import type { Dtype, InsertDim } from '../../typelevel/index.js';
import { NUMBERS_AS_SCALARS, scoped } from './reverse.js';
import { unaliased } from '../core/alias.js';
import { fallbackCounters } from '../core/hooks.js';

export class BatchTracer extends Tracer {
  constructor(
    readonly _trace: BatchTrace,
    readonly value: Tensor,
    readonly batchDim: BatchDim,
  ) {
    super({ shape: perExample(value.shape, batchDim), dtype: value.dtype });
  }
  _concrete(what: string): ConcreteTensor {
    // A value that is the same for every example can be read (a concrete one, under eager vmap).
    if (this.batchDim === null) return this.value._concrete(what);
    throw new BatchedValueError(`${what} inside vmap: a batched value has one value per example; read it after vmap returns`);
  }
  _afterTrace(): Tensor {
    throw new TransformError('a batched value escaped vmap; return it from the function instead of storing it outside');
  }
  override _retain(): void {
    this.value._retain();
  }
  override _release(): void {
    this.value._release();
  }
  override _reach(into: Set<Releasable>): void {
    this.value._reach(into);
  }
}

function perExample(shape: readonly number[], dim: BatchDim): number[] {
  return dim === null ? shape.slice() : shape.filter((_, i) => i !== dim);
}

export class BatchTrace extends Trace {
  readonly transformName = 'vmap';
  constructor(readonly size: number) {
    super();
  }

  lift(x: Tensor): BatchTracer {
    return new BatchTracer(this, x, null);
  }

  process(prim: Primitive, inputs: Tracer[], params: Params): Tensor[] {
    const tracers = inputs as BatchTracer[];
    const values = tracers.map((t) => t.value);
    const dims = tracers.map((t) => t.batchDim);
    if (dims.every((d) => d === null)) return bind(prim, values, params);
    const [outs, outDims] = prim.batch ? prim.batch(values, dims, params) : this.loop(prim, values, dims, params);
    return outs.map((o, i) => (outDims[i] === null ? o : new BatchTracer(this, o, outDims[i]!)));
  }

  /**
   * The generic rule for a primitive without a batch rule: one application
   * per example, stacked. Counted (`fallbackCounters`), so `jit(f).stats()`
   * reports it; every primitive in lib/primitives has its own rule (a test checks).
   */
  private loop(prim: Primitive, values: AnyTensor[], dims: BatchDim[], params: Params): [Tensor[], BatchDim[]] {
    fallbackCounters.perExampleLoops++;
    const perStep: Tensor[][] = [];
    for (let b = 0; b < this.size; b++) {
      const args = values.map((x, i) => (dims[i] === null ? x : exampleOf(moveBatchToFront(x, dims[i]!), b)));
      perStep.push(bind(prim, args, params));
    }
    const outs = perStep[0]!.map((_, j) => concat(perStep.map((step) => reshape(step[j]! as AnyTensor, [1, ...step[j]!.shape]))));
    return [outs, outs.map(() => 0)];
  }

  unpack(x: Tensor, outAxis: BatchDim): Tensor {
    if (!(x instanceof BatchTracer) || x._trace !== this) {
      // The same for every example.
      if (outAxis === null) return x;
      return moveAxis(materialize(x as AnyTensor, null, this.size), 0, outAxis);
    }
    if (outAxis === null) throw new TransformError('vmap: outAxes null for an output that differs between examples');
    return moveAxis(moveBatchToFront(x.value as AnyTensor, x.batchDim!), 0, outAxis);
  }
}

function exampleOf(x: AnyTensor, b: number): AnyTensor {
  const sliced = slice(x, x.shape.map((_: number, i: number) => (i === 0 ? b : 0)), x.shape.map((d: number, i: number) => (i === 0 ? 1 : d)));
  return reshape(sliced, x.shape.slice(1));
}

function moveAxis(x: AnyTensor, from: number, to: number): AnyTensor {
  const rank = x.rank;
  const target = to < 0 ? to + rank : to;
  if (target === from) return x;
  const order = [...Array(rank).keys()].filter((i) => i !== from);
  order.splice(target, 0, from);
  return transpose(x, order);
}

/** Axis specification: one axis (or null) for everything, or a pytree prefix per argument. @public */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

/** Options of `vmap`. @public */
export interface VmapOptions {
  /** Mapped axis of each argument (default 0 for all; `null` = not mapped), a pytree prefix of the arguments. */
  readonly inAxes?: AxisSpec;
  /** Where the batch axis goes in each output (default 0). */
  readonly outAxes?: AxisSpec;
}

/** Adds `t` to `into` and returns it (marks the scalars made from JS numbers). */
function withNote(t: Tensor, into: Set<Tensor>): Tensor {
  into.add(t);
  return t;
}

/**
 * Expands an axis spec (a pytree prefix) to one entry per tensor leaf of
 * `def`. A leaf that was a JS number (`isNumber`) is not mapped by default; an
 * explicit axis for it is an error (a scalar has no axis to map).
 */
function leafAxes(spec: AxisSpec | undefined, def: TreeDef, what: string, isNumber: (leaf: number) => boolean = () => false): BatchDim[] {
  const out: BatchDim[] = [];
  const walk = (s: AxisSpec | undefined, d: TreeDef) => {
    if (s === undefined || s === null || typeof s === 'number') {
      const count = countLeaves(d);
      for (let i = 0; i < count; i++) {
        const leaf = out.length;
        if (isNumber(leaf) && typeof s === 'number') {
          throw new TransformError(`vmap: ${what} maps axis ${s} of argument leaf ${leaf}, a JS number (a scalar has no axis); give it in axis null to use the same number for every example`);
        }
        out.push(s === undefined && !isNumber(leaf) ? 0 : s === undefined ? null : s);
      }
      return;
    }
    if (d.kind === 'array' && Array.isArray(s)) {
      if (s.length !== d.children.length) throw new TransformError(`vmap: ${what} has ${s.length} entries for ${d.children.length} values`);
      d.children.forEach((c, i) => walk((s as readonly AxisSpec[])[i], c));
      return;
    }
    if (d.kind === 'object' && !Array.isArray(s)) {
      // Own keys only: an axes object without a `constructor` key must not read Object.prototype's.
      d.keys.forEach((k, i) => walk(Object.hasOwn(s as object, k) ? (s as Record<string, AxisSpec>)[k] : undefined, d.children[i]!));
      return;
    }
    throw new TransformError(`vmap: ${what} does not match the structure of the values`);
  };
  walk(spec, def);
  return out;
}

/**
 * An out axis as JAX takes it: an integer in [−rank, rank) of the output with
 * its mapped axis (`rank` = the function's output rank + 1), or null; anything
 * else is a `ShapeError` naming vmap, the axis and the output rank (no clamping).
 */
function checkOutAxis(axis: BatchDim, rank: number, leaf: number): BatchDim {
  if (axis === null) return null;
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(
      'vmap',
      `outAxes ${typeof axis === 'string' ? JSON.stringify(axis) : String(axis)} is out of range for output leaf ${leaf}: with its mapped axis that output has rank ${rank}, so an out axis is an integer in [${-rank}, ${rank - 1}]`,
    );
  }
  return axis;
}

function countLeaves(d: TreeDef): number {
  return d.kind === 'leaf' ? 1 : d.kind === 'static' ? 0 : d.children.reduce((n, c) => n + countLeaves(c), 0);
}

/**
 * Vectorizes `f` over an axis of its arguments: `vmap(f)(xs)` equals stacking
 * `f(x)` for every `x` along axis 0 of `xs`, computed as one batched program.
 * @example
 * ```ts
 * const rowNorms = fx.vmap((row: fx.Tensor<[3], 'float32'>) => fx.sum(fx.mul(row, row)));
 * rowNorms(fx.ones([5, 3])); // Tensor of shape [5]
 * ```
 * @public
 */
export function vmap<F extends (...args: never[]) => unknown, const O extends VmapOptions = {}>(
  f: F,
  options?: O,
): <N extends number = number>(...args: StackedAt<Parameters<F>, ArgsSpec<Parameters<F>, OptionOf<O, 'inAxes'>>, N>) => StackedAt<ReturnType<F>, OptionOf<O, 'outAxes'>, N>;
export function vmap<F extends (...args: never[]) => unknown>(f: F, options: VmapOptions = {}): Vmapped<F> {
  return ((...args: unknown[]) =>
    scoped(() => {
      // A JS number is a float32 scalar (JAX's weak type) that is never mapped: it is the same for every example.
      const numbers = new Set<Tensor>();
      const [leaves, def] = flatten(args, { number: (n) => withNote(NUMBERS_AS_SCALARS.number(n), numbers) });
      const axes = leafAxes(options.inAxes === undefined ? undefined : Array.isArray(options.inAxes) ? options.inAxes : args.map(() => options.inAxes as AxisSpec), def, 'inAxes', (i) => numbers.has(leaves[i]!));
      let size: number | undefined;
      leaves.forEach((x, i) => {
        const a = axes[i];
        if (a === null || a === undefined) return;
        const axis = a < 0 ? a + x.rank : a;
        if (!Number.isInteger(a) || axis < 0 || axis >= x.rank) throw new ShapeError('vmap', `in axis ${a} is out of range for argument leaf ${i} of shape ${showShape(x.shape)}`);
        const n = x.shape[axis]!;
        if (size === undefined) size = n;
        else if (size !== n) throw new ShapeError('vmap', `mapped axes have different sizes: ${size} and ${n} (leaf ${i}, shape ${showShape(x.shape)})`);
        axes[i] = axis;
      });
      if (size === undefined) throw new TransformError('vmap: no argument is mapped (every in axis is null)');
      return withMainTrace(new BatchTrace(size), (trace) => {
        const inputs = leaves.map((x, i) => (axes[i] === null ? x : new BatchTracer(trace, x, axes[i]!)));
        const out = (f as unknown as (...a: unknown[]) => unknown)(...unflatten<unknown[]>(def, inputs));
        const [outLeaves, outDef] = flatten(out);
        const outAxes = leafAxes(options.outAxes === undefined ? 0 : options.outAxes, outDef, 'outAxes');
        return unaliased(unflatten(outDef, outLeaves.map((o, i) => trace.unpack(o, checkOutAxis(outAxes[i]!, (o as Tensor).rank + 1, i)))), leaves);
      });
    })) as Vmapped<F>;
}

/** A pytree type with a new leading axis of length `N` on every tensor. @public */
export type Stacked<T, N extends number = number> =
  T extends Tensor<infer S extends number[], infer D extends Dtype>
    ? Tensor<[N, ...S], D>
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Stacked<T[K], N> }
      : T extends (...args: never[]) => unknown
        ? T
        : T extends object
          ? { -readonly [K in keyof T]: Stacked<T[K], N> }
          : T;

/**
 * The type of `vmap(f)` with the default axes: every tensor argument and
 * result gains a leading batch axis.
 * @public
 */
export type Vmapped<F extends (...args: never[]) => unknown> = <N extends number = number>(...args: Stacked<Parameters<F>, N>) => Stacked<ReturnType<F>, N>;

/**
 * A pytree type with a batch axis of length `N` inserted at the axes `Spec`
 * gives (a pytree prefix of `T`, as `vmap`'s `inAxes`/`outAxes`): a number
 * for every leaf below, `null` for none, `undefined` for 0.
 * @example
 * ```ts
 * type T = StackedAt<[Tensor<[3]>, Tensor<[3]>], [1, null], 5>; // [Tensor<[3, 5]>, Tensor<[3]>]
 * ```
 * @public
 */
export type StackedAt<T, Spec, N extends number> = [Spec] extends [null]
  ? T
  : [Spec] extends [undefined]
    ? StackedAt<T, 0, N>
    : T extends Tensor<infer S extends number[], infer D extends Dtype>
      ? Spec extends number
        ? Tensor<InsertDim<S, Spec, N>, D>
        : never
      : T extends (...args: never[]) => unknown
        ? T
        : T extends readonly unknown[]
          ? Spec extends readonly unknown[]
            ? { -readonly [K in keyof T]: StackedAt<T[K], K extends keyof Spec ? Spec[K] : never, N> }
            : Spec extends number
              ? { -readonly [K in keyof T]: StackedAt<T[K], Spec, N> }
              : never
          : T extends object
            ? Spec extends readonly unknown[]
              ? never
              : Spec extends number
                ? { -readonly [K in keyof T]: StackedAt<T[K], Spec, N> }
                : { -readonly [K in keyof T]: StackedAt<T[K], K extends keyof Spec ? Spec[K] : undefined, N> }
            : T;

/** An option's type as given, `undefined` when it is left out. */
type OptionOf<O, K extends string> = K extends keyof O ? O[K] : undefined;

/** The per-argument in-axes spec: a list is one entry per argument, anything else applies to each. */
type ArgsSpec<P extends readonly unknown[], Spec> = [Spec] extends [undefined] ? 0 : Spec extends readonly unknown[] ? Spec : { [K in keyof P]: Spec };
