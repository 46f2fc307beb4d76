/**
 * Dense Jacobians and Hessians. `jacfwd` pushes one basis tangent per input
 * element through a single linearization; `jacrev` pulls one basis cotangent
 * per output element back through a single `vjp`. The Jacobian of
 * `f: R^[...in] → R^[...out]` has shape `[...out, ...in]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TransformError, showShape } from '../core/errors.js';
import { ConcreteTensor, Tensor, sizeOf } from '../core/tensor.js';
import type { Shape } from '../../typelevel/index.js';
import { concat } from '../primitives/concat.js';
import { reshape } from '../primitives/reshape.js';
import { linearize } from './forward.js';
import { scoped, vjp } from './reverse.js';

/** The Jacobian's type: `Tensor<[...Out, ...In]>` for tensor input and output. @public */
export type Jacobian<Out, In> =
  Out extends Tensor<infer SO extends Shape, 'float32'> ? (In extends Tensor<infer SI extends Shape, 'float32'> ? Tensor<[...SO, ...SI], 'float32'> : never) : never;

/** Options of the Jacobian transformations. @public */
export interface JacobianOptions {
  /** Which argument to differentiate with respect to (default 0). */
  readonly argnums?: number;
}

/** A one-hot tensor: 1 at flat position `i`. */
function basis(i: number, shape: readonly number[]): Tensor {
  const data = new Float32Array(sizeOf(shape));
  data[i] = 1;
  return new ConcreteTensor(tf.tensor(data, shape as number[], 'float32'));
}

function pick(op: string, args: readonly unknown[], argnums: number): Tensor {
  const x = args[argnums];
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
 * The Jacobian by forward mode (one JVP per input element): cheap for few inputs.
 * @example
 * ```ts
 * fx.jacfwd((x) => fx.mul(x, x))(fx.tensor([1, 2])); // [[2, 0], [0, 4]]
 * ```
 * @public
 */
export function jacfwd<F extends (...args: never[]) => Tensor>(f: F, options?: JacobianOptions): (...args: Parameters<F>) => Jacobian<ReturnType<F>, Parameters<F>[0]> {
  const argnums = options?.argnums ?? 0;
  return (...args) =>
    scoped(() => {
      const x = pick('jacfwd', args, argnums);
      const g = (xi: Tensor) => checkOutput('jacfwd', (f as unknown as (...a: unknown[]) => unknown)(...withArg(args, argnums, xi)));
      const [y, df] = linearize(g, x);
      const columns = [...Array(x.size).keys()].map((i) => reshape(df(basis(i, x.shape)), [y.size, 1]));
      df.dispose();
      const flat = columns.length ? concat(columns, 1) : reshape(y, [y.size, 0]);
      return reshape(flat, [...y.shape, ...x.shape]) as never;
    });
}

/**
 * The Jacobian by reverse mode (one VJP per output element): cheap for few outputs.
 * @example
 * ```ts
 * fx.jacrev((x) => fx.mul(x, x))(fx.tensor([1, 2])); // [[2, 0], [0, 4]]
 * ```
 * @public
 */
export function jacrev<F extends (...args: never[]) => Tensor>(f: F, options?: JacobianOptions): (...args: Parameters<F>) => Jacobian<ReturnType<F>, Parameters<F>[0]> {
  const argnums = options?.argnums ?? 0;
  return (...args) =>
    scoped(() => {
      const x = pick('jacrev', args, argnums);
      const g = (xi: Tensor) => checkOutput('jacrev', (f as unknown as (...a: unknown[]) => unknown)(...withArg(args, argnums, xi)));
      const [y, pullback] = vjp(g, x);
      const rows = [...Array(y.size).keys()].map((j) => reshape(pullback(basis(j, y.shape))[0], [1, x.size]));
      pullback.dispose();
      const flat = rows.length ? concat(rows, 0) : reshape(x, [0, x.size]);
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
export function hessian<F extends (...args: never[]) => Tensor<[], 'float32'>>(f: F, options?: JacobianOptions): (...args: Parameters<F>) => Jacobian<Parameters<F>[0], Parameters<F>[0]> {
  const check = (...args: unknown[]) => {
    const y = (f as unknown as (...a: unknown[]) => Tensor)(...args);
    if (y.rank !== 0) throw new TransformError(`hessian needs a scalar function, got output shape ${showShape(y.shape)}`);
    return y;
  };
  return jacfwd(jacrev(check as never, options) as never, options) as never;
}
