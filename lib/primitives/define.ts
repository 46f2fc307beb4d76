/**
 * Shared building blocks for primitive files: coercion of JS numbers to
 * tensors, dtype checks, and the two common shapes of primitive (elementwise
 * unary, elementwise binary with broadcasting). Each primitive file still
 * holds all of its own rules; this module only removes the boilerplate.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dtype } from '../../typelevel/index.js';
import { DtypeError, ShapeError, showShape } from '../core/errors.js';
import { definePrimitive, LinearInput, type MaybeZero, type Params, type Primitive } from '../core/primitive.js';
import { ConcreteTensor, Tensor as TensorClass, type AbstractValue, type AnyTensor as Tensor } from '../core/tensor.js';
import { bind1 } from '../core/trace.js';
import { disownFromScope } from '../core/scope.js';
import { sum } from './sum.js';
import { reshape } from './reshape.js';
import { elementwiseBatch } from './batching.js';
import { castPrimitive } from './cast.js';
import type { Lowering } from '../core/lowering.js';

export { LinearInput, type MaybeZero } from '../core/primitive.js';

/** A tensor or a JS number standing for a scalar of the other operand's dtype. */
export type TensorLike = Tensor | number;

/** Makes a concrete scalar (used for JS numbers in arithmetic). */
export function constant(value: number, dtype: Dtype = 'float32'): Tensor {
  return new ConcreteTensor(tf.scalar(dtype === 'bool' ? Boolean(value) : value, dtype));
}

/** The int32 range: an integer JS number outside it cannot meet an int32 tensor. */
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Coerces operands with JAX's weak typing of JS numbers: a number takes the
 * dtype of the tensor operands (float32 if there is none), except that a
 * non-integer number (0.5, NaN, Infinity) with int32 tensors promotes the op
 * to float32 (the int32 tensors are cast). An integer outside the int32 range
 * with an int32 tensor, and anything that is neither a tensor nor a number,
 * is a `DtypeError` naming `op`.
 */
export function coerce(op: string, ...xs: TensorLike[]): Tensor[] {
  xs.forEach((x, i) => {
    if (!(x instanceof TensorClass) && typeof x !== 'number') throw new DtypeError(op, `operand ${i + 1} must be a Tensor or a number, got ${describe(x)}`);
  });
  const ref = xs.find((x): x is Tensor => x instanceof TensorClass);
  let dtype = ref?.dtype ?? 'float32';
  const promote = dtype === 'int32' && xs.some((x) => typeof x === 'number' && !Number.isInteger(x));
  if (promote) dtype = 'float32';
  else if (dtype === 'int32') {
    xs.forEach((x, i) => {
      if (typeof x === 'number' && (x < INT32_MIN || x > INT32_MAX)) {
        throw new DtypeError(op, `operand ${i + 1} (${x}) is outside the int32 range [${INT32_MIN}, ${INT32_MAX}], so it cannot combine with an int32 tensor; cast the tensor to float32 first`);
      }
    });
  }
  const made: Tensor[] = [];
  try {
    return xs.map((x) => {
      if (x instanceof TensorClass) {
        if (!promote || x.dtype !== 'int32') return x;
        const c = bind1(castPrimitive, [x], { dtype: 'float32' });
        made.push(c);
        // Only a concrete cast is this call's to free; a traced one belongs to its transformation.
        if (c instanceof ConcreteTensor) coercedConstants.add(c);
        return c;
      }
      const c = constant(x as number, dtype);
      made.push(c);
      coercedConstants.add(c);
      return c;
    });
  } catch (e) {
    for (const c of made) c.dispose();
    throw e;
  }
}

/**
 * Scalars made by `coerce`, marked on the tensor (`_coerced`; a WeakSet lookup per operand cost more than the
 * rest of `apply1`): `apply1` frees them when the op fails, so a bad call leaks nothing.
 */
const coercedConstants = {
  add(t: Tensor): void {
    (t as ConcreteTensor)._coerced = true;
  },
  /** Unmarks `t`; true if it was marked. */
  delete(t: Tensor): boolean {
    if (!(t instanceof ConcreteTensor) || !t._coerced) return false;
    t._coerced = false;
    return true;
  },
};

/**
 * `coerce` for a composite that uses its operands in several ops: the scalars
 * it makes are not released by the first op that reads them (as `coerce`'s
 * are, for a single op) but belong to the enclosing scope, so run the
 * composite inside `scoped` (see `scopedOperands`).
 */
export function coerceOperands(op: string, ...xs: TensorLike[]): Tensor[] {
  const out = coerce(op, ...xs);
  for (const t of out) coercedConstants.delete(t);
  return out;
}


/** `describe(x)` for messages: what a value that is not a tensor is. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array (wrap it with fx.tensor)';
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)}`;
  if (typeof x === 'bigint') return `the bigint ${x}n (use a number)`;
  if (typeof x === 'object') return `an object (${Object.prototype.toString.call(x)})`;
  return typeof x;
}

/** Throws a `DtypeError` unless `a.dtype` is one of `allowed`. */
export function requireDtype(op: string, name: string, a: AbstractValue, allowed: readonly Dtype[]): void {
  if (!allowed.includes(a.dtype)) {
    throw new DtypeError(op, `${name} must be ${allowed.join(' or ')}, got ${a.dtype} (shape ${showShape(a.shape)})`);
  }
}

/** NumPy broadcasting of two shapes, or a `ShapeError` naming both. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(op, `cannot broadcast ${showShape(a)} with ${showShape(b)} (axis ${i - rank}: ${da} vs ${db})`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Normalizes one axis (negative counts from the end) or throws a `ShapeError`. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new ShapeError(op, `an axis must be an integer, got ${typeof axis === 'string' ? `the string ${JSON.stringify(axis)}` : String(axis)}`);
  }
  if (axis < -rank || axis >= rank) {
    throw new ShapeError(op, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Applies a one-output primitive. */
export function apply1<T extends Tensor = Tensor>(prim: Primitive, inputs: readonly Tensor[], params: Params = {}): T {
  // A JS number where a tensor is expected is a weakly typed float32 scalar (`fx.sin(3)`); anything else is named.
  for (let i = 0; i < inputs.length; i++) {
    if (!(inputs[i] instanceof TensorClass)) {
      inputs = coerceArguments(prim.name, inputs as readonly unknown[]);
      break;
    }
  }
  // Claim this call's scalars first: rules evaluated inside (jvp, transpose) may pass them on to nested ops.
  let mine: Tensor[] | undefined;
  for (const x of inputs) if (coercedConstants.delete(x)) (mine ??= []).push(x);
  if (mine === undefined) return bind1(prim, inputs, params) as T;
  let out: T;
  try {
    out = bind1(prim, inputs, params) as T;
  } catch (e) {
    for (const x of mine) x.dispose();
    throw e;
  }
  releaseCoerced(mine, out);
  return out;
}

/**
 * Drops the hold on the scalars `coerce` made for JS numbers once the op has
 * run: a staged program that captured one keeps its own reference, so only
 * the creation reference goes (taken out of the scope that owns it, which
 * would otherwise release it a second time). Outside any scope this is what
 * keeps `mul(x, 2)` from leaking a scalar per call.
 */
function releaseCoerced(mine: readonly Tensor[], result: unknown): void {
  for (const x of mine) {
    if (x === result) continue;
    disownFromScope(x);
    x._release();
  }
}

/** `apply1`'s inputs with JS numbers made float32 scalars, or a `DtypeError` naming the op and the argument. */
function coerceArguments(op: string, inputs: readonly unknown[]): Tensor[] {
  inputs.forEach((x, i) => {
    if (!(x instanceof TensorClass) && typeof x !== 'number') {
      throw new DtypeError(op, `argument ${i + 1} must be a Tensor or a number, got ${describe(x)}`);
    }
  });
  return inputs.map((x) => {
    if (x instanceof TensorClass) return x as Tensor;
    const c = constant(x as number);
    coercedConstants.add(c);
    return c;
  });
}

type UnaryRule = (x: Tensor, t: Tensor, y: Tensor) => Tensor;

/**
 * An elementwise unary primitive on `float32` (or the listed dtypes).
 * `tangent(x, t, y)` gives the output tangent from the input `x`, its tangent
 * `t` and the output `y`; `null` marks a function with zero derivative.
 */
export function unaryPrimitive(
  name: string,
  kernel: (x: tf.Tensor) => tf.Tensor,
  tangent: UnaryRule | null,
  lowering: Lowering,
  dtypes: readonly Dtype[] = ['float32'],
  transpose?: (ct: Tensor) => Tensor,
): Primitive {
  const prim: Primitive = definePrimitive({
    name,
    lowering,
    abstractEval([x]) {
      requireDtype(name, 'x', x!, dtypes);
      return { shape: x!.shape, dtype: x!.dtype };
    },
    impl: ([x]) => kernel(x!),
    jvp([x], [t]) {
      const y = bind1(prim, [x!]);
      return [y, t && tangent ? tangent(x!, t, y) : null];
    },
    ...(transpose ? { transpose: (ct: Tensor) => [transpose(ct)] } : {}),
  });
  prim.batch = elementwiseBatch(prim);
  return prim;
}

/** Sums `ct` down to `shape`: the transpose of broadcasting `shape` up to `ct.shape`. */
export function unbroadcast(ct: Tensor, shape: readonly number[]): Tensor {
  const target = shape as number[];
  if (sameShape(ct.shape, shape)) return ct;
  const lead = ct.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < ct.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && ct.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? sum(ct, axes) : ct;
  return sameShape(summed.shape, target) ? summed : reshape(summed, target);
}

/**
 * tfjs ops whose whole work, once the operands have one dtype (what the shape
 * rule checks), is one kernel call: the kernel is called straight through the
 * engine, skipping the op wrapper's own scope and operand conversion.
 */
const DIRECT_KERNELS = new Map<unknown, string>([
  [tf.add, 'Add'],
  [tf.sub, 'Sub'],
  [tf.mul, 'Multiply'],
  [tf.greater, 'Greater'],
  [tf.greaterEqual, 'GreaterEqual'],
  [tf.less, 'Less'],
  [tf.lessEqual, 'LessEqual'],
  [tf.equal, 'Equal'],
  [tf.notEqual, 'NotEqual'],
]);

function directBinary(kernel: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): (inputs: readonly tf.Tensor[]) => tf.Tensor {
  const name = DIRECT_KERNELS.get(kernel);
  if (name === undefined) return ([a, b]) => kernel(a!, b!);
  return ([a, b]) => tf.engine().runKernel(name, { a: a!, b: b! }) as tf.Tensor;
}

/**
 * An elementwise binary primitive with NumPy broadcasting; both operands must
 * have the same dtype, one of `dtypes`. `bool` output for comparisons.
 */
export function binaryPrimitive(
  name: string,
  kernel: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  rules: {
    lowering: Lowering;
    dtypes?: readonly Dtype[];
    outDtype?: Dtype;
    jvp?: (a: Tensor, b: Tensor, ta: MaybeZero, tb: MaybeZero, y: Tensor) => MaybeZero;
    transpose?: (ct: Tensor, a: Tensor | LinearInput, b: Tensor | LinearInput) => [MaybeZero, MaybeZero];
  },
): Primitive {
  const dtypes = rules.dtypes ?? ['float32', 'int32'];
  const prim: Primitive = definePrimitive({
    name,
    lowering: rules.lowering,
    abstractEval([a, b]) {
      requireDtype(name, 'a', a!, dtypes);
      requireDtype(name, 'b', b!, dtypes);
      if (a!.dtype !== b!.dtype) {
        throw new DtypeError(name, `operands differ in dtype: a is ${a!.dtype}, b is ${b!.dtype}; convert one with fx.cast`);
      }
      return { shape: broadcastShapes(name, a!.shape, b!.shape), dtype: rules.outDtype ?? a!.dtype };
    },
    impl: directBinary(kernel),
    jvp([a, b], [ta, tb]) {
      const y = bind1(prim, [a!, b!]);
      if ((!ta && !tb) || !rules.jvp) return [y, null];
      return [y, rules.jvp(a!, b!, ta!, tb!, y)];
    },
    ...(rules.transpose ? { transpose: (ct: Tensor, [a, b]: readonly (Tensor | LinearInput)[]) => rules.transpose!(ct, a!, b!) } : {}),
  });
  prim.batch = elementwiseBatch(prim);
  return prim;
}

/** The shape of an operand during transposition (linear or known). */
export function shapeOf(x: Tensor | LinearInput): readonly number[] {
  return x instanceof LinearInput ? x.aval.shape : x.shape;
}

/** A symbolic zero cotangent for inputs that are not the linear one. */
export function linearOnly(inputs: readonly (Tensor | LinearInput)[], i: number, value: () => MaybeZero): MaybeZero {
  return inputs[i] instanceof LinearInput ? value() : null;
}
