/**
 * `topk`: the k largest values along the last axis, in descending order, and
 * their int32 positions (NoDiff). The values are differentiable through the
 * selection: their tangent is the input tangent gathered at the positions
 * (the transpose scatter-adds the cotangent back; positions not selected get
 * zero). Ties: among equal values the lower index comes first, on cpu, wasm
 * and webgpu alike (tfjs `topk`'s behaviour on all three, checked by the
 * tests). NaN counts as larger than +Infinity (JAX's `lax.top_k`), NaNs in
 * input order.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Checked, Compare, Dim, Shape, ShapeErrorType } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import type { Primitive } from '../core/primitive.js';
import type { AnyTensor, Tensor } from '../core/tensor.js';
import { bind } from '../core/trace.js';
import { moveBatchToFront } from './batching.js';
import { normalizeAxis, requireDtype } from './define.js';
import { transpose } from './transpose.js';
import { gatherLast, stablePartition, takeAlongLastAxis } from './sort.js';
import { kernelOnly } from '../core/lowering.js';
import { castTo, emptyOutputs, nanPartition, type OnnxBuilder, type OnnxEquation } from '../onnx/forms.js';

export interface TopkParams extends Record<string, unknown> {
  readonly k: number;
}

function checkK(x: readonly number[], k: number): void {
  if (x.length === 0) throw new ShapeError('topk', `x must have at least one axis, got a scalar (shape ${showShape(x)})`);
  const n = x[x.length - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ShapeError('topk', `k must be an integer in [0, ${n}] (the last axis of x ${showShape(x)}), got ${k}`);
  }
}

/** `unknown` unless `k` is a literal that is negative, fractional, or larger than a literal last axis `N`. */
type CheckK<N, K> = Checked<KResult<N, K>>;

type KResult<N, K> = number extends K
  ? [K]
  : `${K & number}` extends `-${string}`
    ? ShapeErrorType<`topk k must be a non-negative integer, got ${K & number}`>
    : `${K & number}` extends `${bigint}`
      ? Compare<K & number, N & number> extends 'gt'
        ? ShapeErrorType<`topk k ${K & number} is larger than the last axis (${N & number})`>
        : [K]
      : ShapeErrorType<`topk k must be a non-negative integer, got ${K & number}`>;

export const topkPrimitive: Primitive<TopkParams> = {
  name: 'topk',
  onnx: topkOnnx,
  lowering: kernelOnly('a partial sort: tfjs kernel'),
  abstractEval([x], { k }) {
    requireDtype('topk', 'x', x!, ['float32', 'int32']);
    checkK(x!.shape, k);
    const shape = [...x!.shape.slice(0, -1), k];
    return [
      { shape, dtype: x!.dtype },
      { shape, dtype: 'int32' },
    ];
  },
  impl([x], { k }) {
    if (x!.dtype !== 'float32') {
      const { values, indices } = tf.topk(x!, k, true);
      return [values, indices];
    }
    // NaN counts as the largest value, above +Infinity (JAX's lax.top_k; the reverse of sort's NaN-last
    // order): a stable partition puts NaNs first, then a stable top-k reads them as +Infinity.
    const order = stablePartition(tf.isNaN(x!));
    const row = gatherLast(x!, order);
    const key = tf.where(tf.isNaN(row), tf.scalar(Infinity), row);
    // A full sort, then the first k: tfjs-cpu's partial selection misorders tied infinities.
    const n = x!.shape[x!.rank - 1]!;
    const all = tf.topk(key, n, true).indices;
    const indices = gatherLast(order, k === n ? all : tf.slice(all, all.shape.map(() => 0), [...all.shape.slice(0, -1), k]));
    return [gatherLast(x!, indices), indices];
  },
  // vmap: the selection runs along the last axis, so the vmapped axis can go first.
  batch: ([x], [d], params) => [bind(topkPrimitive, [moveBatchToFront(x!, d!)], params), [0, 0]],
  jvp([x], [t], params) {
    const [values, indices] = bind(topkPrimitive, [x!], params);
    return [
      [values!, indices!],
      [t ? takeAlongLastAxis(t as AnyTensor, indices as AnyTensor) : null, null],
    ];
  },
  showParams: ({ k }) => `k=${k}`,
};

/** The result of `topk`: values and their positions along the last axis. @public */
export interface TopkResult<S extends Shape, D extends 'float32' | 'int32'> {
  /** The k largest values of each row, largest first. */
  readonly values: Tensor<S, D>;
  /** Their positions in the last axis of the input (int32, NoDiff). */
  readonly indices: Tensor<S, 'int32'>;
}

/**
 * The `k` largest entries along the last axis (or along `axis`), largest
 * first, as `{ values, indices }` (the TensorFlow.js convention). `values` is
 * differentiable (gradients flow back to the selected positions; the others
 * get zero); `indices` are int32 and NoDiff, positions along that axis.
 * Ties: the lower index comes first, on every backend.
 * @example
 * ```ts
 * const { values, indices } = fx.topk(fx.tensor([1, 3, 2, 3]), 2); // [3, 3], [1, 3]
 * fx.topk(fx.tensor([[1, 5], [3, 2]]), 1, 0).values;                // [[3, 5]]
 * ```
 * @public
 */
export function topk<P extends Dim[], N extends Dim, D extends 'float32' | 'int32', const K extends number>(
  x: Tensor<[...P, N], D>,
  k: K & CheckK<N, K>,
  axis?: -1,
): TopkResult<[...P, K], D>;
/** Along an explicit `axis` (negative counts from the end): that axis of the result has size `k`. @public */
export function topk<S extends Shape, D extends 'float32' | 'int32', const K extends number>(x: Tensor<S, D>, k: K, axis: number): TopkResult<number[], D>;
export function topk(x: AnyTensor, k: number, axis = -1): TopkResult<number[], 'float32' | 'int32'> {
  if (x.rank === 0) checkK(x.shape, k);
  const ax = normalizeAxis('topk', axis, x.rank);
  const last = x.rank - 1;
  // Along another axis: swap it with the last (a permutation that is its own inverse), select, swap back.
  const perm = [...Array(x.rank).keys()];
  [perm[ax], perm[last]] = [perm[last]!, perm[ax]!];
  const moved = ax === last ? x : transpose(x, perm);
  checkK(moved.shape, k); // before binding: under vmap the primitive sees the batched shape
  const [values, indices] = bind(topkPrimitive, [moved], { k });
  if (ax === last) return { values: values as never, indices: indices as never };
  return { values: transpose(values as AnyTensor, perm) as never, indices: transpose(indices as AnyTensor, perm) as never };
}

/**
 * ONNX: the k largest along the last axis, descending, lower position first
 * on ties, NaN above +Infinity in input order (the impl's algorithm): a
 * NaN partition, a full descending `TopK`, the first k.
 */
function topkOnnx(g: OnnxBuilder, eq: OnnxEquation<TopkParams>): void {
  const [x] = eq.inputs as [string];
  const { k } = eq.params;
  const n = eq.inAvals[0]!.shape.at(-1)!;
  if (k === 0 || eq.outAvals[0]!.shape.includes(0)) return emptyOutputs(g, eq);
  const descending = (key: string, count: number) => g.ops('TopK', [key, g.ints([count])], 2, { axis: { int: -1 }, largest: { int: 1 }, sorted: { int: 1 } })[1]!;
  let indices: string;
  if (eq.inAvals[0]!.dtype === 'float32') {
    const order = nanPartition(g, x, n, true);
    const row = g.op('GatherElements', [x, order], { axis: { int: -1 } });
    const key = g.op('Where', [g.op('IsNaN', [row]), g.scalar(Infinity, 'float32'), row]);
    const all = descending(key, n);
    const rank = eq.inAvals[0]!.shape.length;
    const first = k === n ? all : g.op('Slice', [all, g.ints([0]), g.ints([k]), g.ints([rank - 1])]);
    indices = g.op('GatherElements', [order, first], { axis: { int: -1 } });
  } else indices = descending(x, k);
  g.node('GatherElements', [x, indices], [eq.outputs[0]!], { axis: { int: -1 } });
  g.node('Cast', [indices], [eq.outputs[1]!], castTo('int32'));
}
