/**
 * Loops with a trip count known in JavaScript: `fori` and `scan`. They run
 * (and, under `jit`, are traced) iteration by iteration, so every
 * transformation sees the unrolled computation: forward and reverse mode work
 * everywhere, and reverse mode stores each iteration's residuals.
 */
import { ShapeError, showShape } from '../core/errors.js';
import { flatten, unflatten } from '../core/pytree.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import type { Dtype } from '../../typelevel/index.js';
import type { Stacked } from '../transforms/vmap.js';
import { reshape } from '../primitives/reshape.js';
import { slice } from '../primitives/slice.js';
import { stack } from '../composite/stack.js';
import { unaliased } from '../core/alias.js';
import { scoped } from '../core/memory.js';
import { RollingScope } from '../solvers/common.js';

/**
 * `for (i = lo; i < hi; i++) carry = body(i, carry)`; `i` is a JS number.
 * @example
 * ```ts
 * fx.fori(0, 3, (i, x) => fx.add(x, i), fx.scalar(0)); // 3
 * ```
 * @public
 */
export function fori<C>(lo: number, hi: number, body: (i: number, carry: C) => C, init: C): C {
  // Zero steps (or a body that returns its carry) give fresh handles: results never alias inputs.
  return unaliased(
    scoped(() => {
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new ShapeError('fori', `lo and hi must be integers, got ${lo} and ${hi}`);
    // Each step's intermediates (and the carry it replaced) are freed once the next carry exists.
    const roll = new RollingScope();
    let carry = init;
    try {
      for (let i = lo; i < hi; i++) carry = roll.step(() => body(i, carry));
    } catch (e) {
      roll.abort();
      throw e;
    }
    return roll.finish(carry);
    }),
    init,
  );
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

/**
 * Scans `fn` over the leading axis of `xs` (a pytree), threading a carry:
 * returns `[finalCarry, ys]` with the per-step outputs stacked along a new
 * leading axis.
 * @example
 * ```ts
 * // cumulative sum
 * const [total, partial] = fx.scan((c, x) => [fx.add(c, x), fx.add(c, x)], fx.scalar(0), fx.tensor([1, 2, 3]));
 * ```
 * @public
 */
export function scan<C, Xs, Y>(fn: (carry: C, x: Unstacked<Xs>) => [C, Y], init: C, xs: Xs): [C, Stacked<Y, LeadingDim<Xs>>] {
  return scoped(() => {
    const [xLeaves, xDef] = flatten(xs);
    if (xLeaves.length === 0) throw new ShapeError('scan', 'xs must contain at least one tensor');
    const n = xLeaves[0]!.shape[0];
    xLeaves.forEach((x, i) => {
      if (x.rank === 0 || x.shape[0] !== n) {
        throw new ShapeError('scan', `every tensor in xs needs the same leading axis: leaf 0 has shape ${showShape(xLeaves[0]!.shape)}, leaf ${i} has ${showShape(x.shape)}`);
      }
    });
    if (n === undefined || n === 0) throw new ShapeError('scan', 'xs must have a non-empty leading axis');
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
