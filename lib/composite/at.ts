/**
 * `at(x, idx)`: functional indexed updates, the differentiable replacement
 * for `x[idx] = v`. Nothing is mutated: `.set`, `.add` and `.mul` return a
 * new tensor. All are built from `gather`/`scatter` and masks, so their
 * adjoints are gathers and scatters:
 *
 * - `set(v)`: `x · keep + scatter(v · lastWrite)`; the gradient w.r.t. `x` is
 *   1 except 0 at the written rows, w.r.t. `v` 1 (0 for overwritten repeats).
 * - `add(v)`: `x + scatter(v)`; gradients 1 and 1.
 * - `mul(v)`: `set(take(x, idx) · v)`.
 *
 * Repeated indices (a defined rule on every backend):
 * - `set`: the last write wins, in row-major order of `idx` (NumPy's rule
 *   for `x[idx] = v`); earlier writes to the same row are dropped and get no
 *   gradient.
 * - `add`: every update is added (they accumulate, like `np.add.at` and JAX).
 * - `mul`: read-modify-write, `x[idx] = x[idx] * v` (NumPy's `x[idx] *= v`):
 *   the row is multiplied by the last factor only.
 */
import type { Dim, Dtype, Gather, Shape } from '../../typelevel/index.js';
import { DtypeError, ShapeError, showShape } from '../core/errors.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { add } from '../primitives/add.js';
import { broadcastTo } from '../primitives/broadcastTo.js';
import { cast } from '../primitives/cast.js';
import { apply1, broadcastShapes, coerce, requireDtype, sameShape } from '../primitives/define.js';
import { checkIndexTensor, gatherPrimitive, gatherShape, indexTensor, numberIndex } from '../primitives/gather.js';
import { lastWriteMask } from '../primitives/lastWriteMask.js';
import { mul } from '../primitives/mul.js';
import { reshape } from '../primitives/reshape.js';
import { scatter } from '../primitives/scatter.js';
import { sub } from '../primitives/sub.js';
import { scoped } from '../core/memory.js';

/**
 * Indexed rows of a tensor, ready for a functional update (see {@link at}).
 * `S` is the shape of the whole tensor, `U` the shape of the indexed part
 * (`[...idx.shape, ...S[1:]]`); updates broadcast to `U`.
 * @public
 */
export interface IndexedRows<S extends Shape, U extends Shape, D extends Dtype> {
  /** The indexed rows: `take(x, idx)`. */
  get(): Tensor<U, D>;
  /** `x` with the indexed rows replaced by `v` (repeated indices: the last write wins). */
  set(v: Tensor<U, D> | Tensor<[], D> | number): Tensor<S, D>;
  /** `x` with `v` added to the indexed rows (repeated indices accumulate). */
  add(v: Tensor<U, D> | Tensor<[], D> | number): Tensor<S, D>;
  /** `x` with the indexed rows multiplied by `v` (read-modify-write: with repeated indices the last factor wins). */
  mul(v: Tensor<U, D> | Tensor<[], D> | number): Tensor<S, D>;
}

/**
 * Functional indexed update along axis 0: `fx.at(x, idx).set(v)` is `x` with
 * rows `idx` replaced by `v`; `.add(v)` and `.mul(v)` add or multiply;
 * `.get()` reads them. `idx` is an `int32` tensor of row indices (any shape;
 * `v` broadcasts to `[...idx.shape, ...x.shape[1:]]`) or a JS number for one
 * row (negative counts from the end). Differentiable w.r.t. `x` and `v`,
 * with gather/scatter adjoints. Repeated indices: `set` keeps the last
 * write, `add` accumulates, `mul` keeps the last factor (see the module notes).
 * @example
 * ```ts
 * fx.at(fx.zeros([3]), 1).set(5); // [0, 5, 0]
 * ```
 * @public
 */
export function at<N extends Dim, R extends Dim[], D extends 'float32' | 'int32'>(x: Tensor<[N, ...R], D>, idx: number): IndexedRows<[N, ...R], R, D>;
/** @public */
export function at<N extends Dim, R extends Dim[], I extends Shape, D extends 'float32' | 'int32'>(
  x: Tensor<[N, ...R], D>,
  idx: Tensor<I, 'int32'>,
): IndexedRows<[N, ...R], [...I, ...R], D>;
/** @public */
export function at<S extends Shape, I extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>, idx: Tensor<I, 'int32'>): IndexedRows<S, Gather<S, I, 0>, D>;
/** @public */
export function at<S extends Shape, D extends 'float32' | 'int32'>(x: Tensor<S, D>, idx: number): IndexedRows<S, Gather<S, [], 0>, D>;
export function at(x: AnyTensor, idx: AnyTensor | number): IndexedRows<number[], number[], 'float32' | 'int32'> {
  requireDtype('at', 'x', x, ['float32', 'int32']);
  if (x.rank === 0) throw new ShapeError('at', 'x is a scalar: there is no axis 0 to index');
  const dim = x.shape[0]!;
  const where = `axis 0 of x ${showShape(x.shape)}`;
  // Validate the index now; a number becomes a tensor only inside each call, after its checks (nothing leaks on error).
  if (typeof idx === 'number') numberIndex('at', idx, dim, where);
  else {
    requireDtype('at', 'idx', idx, ['int32']);
    checkIndexTensor('at', idx, dim, where);
  }
  const indexShape: readonly number[] = typeof idx === 'number' ? [] : idx.shape;
  const index = (): AnyTensor => indexTensor('at', idx, dim, where);
  const target = gatherShape(x.shape, indexShape, 0);
  const ones = x.shape.slice(1).map(() => 1);

  // The update `v` as a tensor of the indexed shape, or a ShapeError naming the method.
  const updates = (method: string, v: AnyTensor | number): AnyTensor => {
    const op = `at(...).${method}`;
    if (typeof v !== 'number') {
      if (v.dtype !== x.dtype) throw new DtypeError(op, `v is ${v.dtype} but x is ${x.dtype}`);
      const shape = broadcastShapes(op, v.shape, target);
      if (!sameShape(shape, target)) {
        throw new ShapeError(op, `v of shape ${showShape(v.shape)} does not broadcast to the indexed shape ${showShape(target)} (x ${showShape(x.shape)}, idx ${showShape(indexShape)})`);
      }
    }
    // The update takes x's dtype: a fraction cannot be written into an int32 tensor.
    if (typeof v === 'number' && x.dtype === 'int32' && !Number.isInteger(v)) {
      throw new DtypeError(op, `v (${v}) is not an integer but x is int32; cast x to float32 first`);
    }
    const [u] = coerce(op, v, x) as [AnyTensor];
    return broadcastTo(u, target);
  };
  const get = (i: AnyTensor): AnyTensor => apply1(gatherPrimitive, [x, i], { axis: 0 });
  const set = (i: AnyTensor, u: AnyTensor): AnyTensor => {
    // NoDiff masks of the indices: which updates survive, which rows of x are overwritten.
    const survives = lastWriteMask(i);
    const written = scatter(i, survives, [dim], 0);
    const keep = cast(reshape(sub(1, written), [dim, ...ones]), x.dtype);
    const kept = mul(x, keep);
    const surviving = mul(u, cast(reshape(survives, [...indexShape, ...ones]), x.dtype));
    return add(kept, scatter(i, surviving, x.shape, 0));
  };
  // Each method scopes its intermediates (index tensors, masks, coerced numbers): only its result survives.
  return {
    get: () => scoped(() => get(index())),
    set: (v) =>
      scoped(() => {
        const u = updates('set', v);
        return set(index(), u);
      }),
    add: (v) =>
      scoped(() => {
        const u = updates('add', v);
        return add(x, scatter(index(), u, x.shape, 0));
      }),
    mul: (v) =>
      scoped(() => {
        const u = updates('mul', v);
        const i = index();
        return set(i, mul(get(i), u));
      }),
  };
}
