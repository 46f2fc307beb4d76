/**
 * Dense Jacobians and Hessians. `jacfwd` pushes one basis tangent per input
 * element through a single linearization; `jacrev` pulls one basis cotangent
 * per output element back through a single `vjp`. The Jacobian of
 * `f: R^[...in] → R^[...out]` has shape `[...out, ...in]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TransformError, showShape } from '../core/errors.js';
import { ConcreteTensor, Tensor, sizeOf } from '../core/tensor.js';
import { full } from '../core/creation.js';
import type { Dtype, Shape, ShowShape, TypeError } from '../../typelevel/index.js';
import { concat } from '../primitives/concat.js';
import { reshape } from '../primitives/reshape.js';
import { transpose } from '../primitives/transpose.js';
import { linearize } from './forward.js';
import { scoped, vjp } from './reverse.js';
import { vmap } from './vmap.js';

/**
 * The Jacobian's type: `Tensor<[...Out, ...In], 'float32'>` for tensor
 * input and output (`never` for anything else, which the signatures reject
 * at the call site).
 * @public
 */
export type Jacobian<Out, In> =
  Out extends Tensor<infer SO extends Shape, Dtype> ? (In extends Tensor<infer SI extends Shape, Dtype> ? Tensor<[...SO, ...SI], 'float32'> : never) : never;

/** Options of the Jacobian transformations. @public */
export interface JacobianOptions<A extends number = number> {
  /** Which argument to differentiate with respect to (default 0). */
  readonly argnums?: A;
}

/** True when a tensor type's dtype may be float32 (`Tensor<[3]>`, dtype `Dtype`, may be). */
type MayBeFloat<T> = T extends Tensor<Shape, infer D> ? ('float32' extends D ? true : false) : false;

type Unaliased<E> = E extends infer U ? U : never;

/**
 * `unknown` when `op(f, { argnums: A })` is valid as far as the types can
 * tell, otherwise the error that makes the call fail to compile: the
 * argument at `A` must be one float32 tensor (a pytree is not supported),
 * the result one float32 tensor (a scalar for `hessian`). Runtime twins:
 * the checks of `jacfwd`, `jacrev` and `hessian`.
 * @public
 */
export type CheckJacobian<F, A extends number, Op extends string> = F extends (...args: infer P) => infer R
  ? number extends A
    ? unknown
    : number extends P['length']
      ? unknown
      : `${A}` extends `${Exclude<keyof P, keyof unknown[]> & string}`
        ? MayBeFloat<P[A]> extends true
          ? MayBeFloat<R> extends true
            ? Op extends 'hessian'
              ? R extends Tensor<infer S, Dtype>
                ? S extends readonly []
                  ? unknown
                  : number extends S['length']
                    ? unknown
                    : Unaliased<TypeError<`hessian needs a function that returns a scalar float32 tensor, got shape ${ShowShape<S>}`>>
                : unknown
              : unknown
            : Unaliased<TypeError<`${Op} needs a function that returns one float32 tensor`>>
          : Unaliased<TypeError<`${Op} differentiates with respect to one float32 tensor: argument ${A} is not one (use vmap, ravel or grad for pytrees)`>>
        : Unaliased<TypeError<`argnums ${A} is out of range for a function of ${P['length']} argument(s)`>>
  : unknown;

/** Most basis elements (rows × row size) one batched evaluation pushes through: 16 MB of float32 (a test lowers it). */
export const basisChunk = { elements: 1 << 22 };

/** Rows `start … start + count − 1` of the identity over `shape`: `[count, ...shape]`. */
function basisRows(shape: readonly number[], start: number, count: number): Tensor<[number, ...number[]], 'float32'> {
  const n = sizeOf(shape);
  const data = new Float32Array(count * n);
  for (let i = 0; i < count; i++) data[i * n + start + i] = 1;
  return new ConcreteTensor(tf.tensor(data, [count, ...shape], 'float32')) as Tensor<[number, ...number[]], 'float32'>;
}

/**
 * `linear` applied to every one-hot tensor of `shape` (the rows of the
 * identity): `[size, out]`. One batched (vmapped) evaluation per chunk of
 * rows, chunks keeping a large input's identity (size² elements) out of
 * memory. A map that cannot be batched, because it reads values on the host
 * (an adaptive ODE adjoint's step control), runs once per basis vector.
 */
function overBasis(shape: readonly number[], out: number, linear: (t: Tensor) => Tensor): Tensor {
  const n = sizeOf(shape);
  const flat = (t: Tensor) => reshape(linear(t), [out]);
  try {
    const rows = Math.max(1, Math.floor(basisChunk.elements / Math.max(n, out, 1)));
    const batched = vmap(flat);
    const chunks: Tensor[] = [];
    for (let start = 0; start < n; start += rows) chunks.push(batched(basisRows(shape, start, Math.min(rows, n - start))) as Tensor);
    return chunks.length === 1 ? chunks[0]! : concat(chunks, 0);
  } catch (e) {
    if (!(e instanceof TransformError)) throw e;
    // A genuine error in `linear` raises again here, outside vmap.
    return concat([...Array(n).keys()].map((i) => reshape(flat(reshape(basisRows(shape, i, 1), shape as number[])), [1, out])), 0);
  }
}

function pick(op: string, args: readonly unknown[], argnums: number): Tensor {
  // A JS number is a float32 scalar (JAX's weak type).
  const x = typeof args[argnums] === 'number' ? full([], args[argnums] as number) : args[argnums];
  if (!(x instanceof Tensor) || x.dtype !== 'float32') {
    throw new TransformError(`${op}: argument ${argnums} must be a float32 tensor, got ${x instanceof Tensor ? x.dtype : typeof x}`);
  }
  return x;
}

function withArg(args: readonly unknown[], argnums: number, x: Tensor): unknown[] {
  const call = args.slice();
  call[argnums] = x;
  return call;
}

function checkOutput(op: string, y: unknown): Tensor {
  if (!(y instanceof Tensor) || y.dtype !== 'float32') throw new TransformError(`${op}: the function must return one float32 tensor`);
  return y;
}

/**
 * The Jacobian by forward mode (the linearization applied to every input basis vector, batched): cheap for few inputs.
 * @example
 * ```ts
 * fx.jacfwd((x) => fx.mul(x, x))(fx.tensor([1, 2])); // [[2, 0], [0, 4]]
 * ```
 * @public
 */
export function jacfwd<F extends (...args: never[]) => Tensor, const A extends number = 0>(
  f: F & CheckJacobian<F, A, 'jacfwd'>,
  options?: JacobianOptions<A>,
): (...args: Parameters<F>) => Jacobian<ReturnType<F>, Parameters<F>[A]> {
  const argnums = options?.argnums ?? 0;
  return (...args) =>
    scoped(() => {
      const x = pick('jacfwd', args, argnums);
      const g = (xi: Tensor) => checkOutput('jacfwd', (f as unknown as (...a: unknown[]) => unknown)(...withArg(args, argnums, xi)));
      const [y, df] = linearize(g, x);
      // The linear map batched over the basis tangents: columns of the Jacobian.
      const flat = x.size ? transpose(overBasis(x.shape, y.size, df), [1, 0]) : reshape(y, [y.size, 0]);
      df.dispose();
      return reshape(flat, [...y.shape, ...x.shape]) as never;
    });
}

/**
 * The Jacobian by reverse mode (the pullback applied to every output basis vector, batched): cheap for few outputs.
 * @example
 * ```ts
 * fx.jacrev((x) => fx.mul(x, x))(fx.tensor([1, 2])); // [[2, 0], [0, 4]]
 * ```
 * @public
 */
export function jacrev<F extends (...args: never[]) => Tensor, const A extends number = 0>(
  f: F & CheckJacobian<F, A, 'jacrev'>,
  options?: JacobianOptions<A>,
): (...args: Parameters<F>) => Jacobian<ReturnType<F>, Parameters<F>[A]> {
  const argnums = options?.argnums ?? 0;
  return (...args) =>
    scoped(() => {
      const x = pick('jacrev', args, argnums);
      const g = (xi: Tensor) => checkOutput('jacrev', (f as unknown as (...a: unknown[]) => unknown)(...withArg(args, argnums, xi)));
      const [y, pullback] = vjp(g, x);
      // The pullback batched over the basis cotangents: rows of the Jacobian.
      const flat = y.size ? overBasis(y.shape, x.size, (c) => pullback(c)[0]) : reshape(x, [0, x.size]);
      pullback.dispose();
      return reshape(flat, [...y.shape, ...x.shape]) as never;
    });
}

/**
 * The Hessian of a scalar function: `jacfwd(jacrev(f))`, shape `[...in, ...in]`.
 * @example
 * ```ts
 * fx.hessian((x) => fx.sum(fx.mul(x, fx.mul(x, x))))(fx.tensor([1, 2])); // [[6, 0], [0, 12]]
 * ```
 * @public
 */
export function hessian<F extends (...args: never[]) => Tensor, const A extends number = 0>(
  f: F & CheckJacobian<F, A, 'hessian'>,
  options?: JacobianOptions<A>,
): (...args: Parameters<F>) => Jacobian<Parameters<F>[A], Parameters<F>[A]> {
  const check = (...args: unknown[]) => {
    const y = (f as unknown as (...a: unknown[]) => Tensor)(...args);
    if (y.rank !== 0) throw new TransformError(`hessian needs a scalar function, got output shape ${showShape(y.shape)}`);
    return y;
  };
  return jacfwd(jacrev(check as never, options) as never, options) as never;
}
