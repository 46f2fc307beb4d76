/**
 * Creating tensors from JS data. Input is validated before anything is
 * allocated: ragged rows, non-numbers, unknown dtypes and bad dims give a
 * clear error and leak nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CheckCount, CheckDims, Dtype, Shape, TypeError } from '../../typelevel/index.js';
import { DtypeError, ShapeError, showShape, withArticle } from './errors.js';
import { ConcreteTensor, sizeOf, type Tensor } from './tensor.js';
import { checkAllocation } from './allocation.js';

/** The marker for nested data whose rows differ in shape. */
interface Ragged {
  readonly __ragged: true;
}

/** The shape of nested data, or `Ragged`: rows are checked against the first where both are known. */
type DataShape<T, Depth extends unknown[] = []> = Depth['length'] extends 12
  ? number[]
  : T extends Float32Array | Int32Array | Uint8Array
  ? [number]
  : T extends readonly unknown[]
    ? number extends T['length']
      ? DataShape<T[number], [...Depth, 0]> extends infer R
        ? [R] extends [Ragged]
          ? Ragged
          : Prepend<number, R>
        : never
      : T extends readonly []
        ? [0]
        : T extends readonly (number | boolean)[]
          ? [T['length']]
          : DataShape<T[0], [...Depth, 0]> extends infer F
            ? [F] extends [Ragged]
              ? Ragged
              : false extends { [K in keyof T]: RowFits<DataShape<T[K], [...Depth, 0]>, F> }[number]
                ? Ragged
                : Prepend<T['length'], F>
            : never
    : [];

/** `[N, ...S]`. */
type Prepend<N, S> = S extends readonly unknown[] ? [N, ...S] : never;

/** A row's shape fits the first row's unless one of them is ragged or both are known and differ. */
type RowFits<S, F> = [S] extends [Ragged] ? false : [S] extends [F] ? true : [F] extends [S] ? true : false;

/**
 * The shape of nested JS array data, as a type: `[[1, 2], [3, 4]]` → `[2, 2]`
 * (`never` for ragged data such as `[[1, 2], [3]]`, which `tensor` rejects).
 * A typed array is one flat row of unknown length, `[number]`.
 * @public
 */
export type ShapeOfData<T> = DataShape<T> extends infer R extends Shape ? R : never;

/** The scalar leaves of nested data (`never` for empty arrays). */
type DataLeaves<T, Depth extends unknown[] = []> = Depth['length'] extends 12 ? number | boolean : T extends readonly unknown[] ? DataLeaves<T[number], [...Depth, 0]> : T;

/**
 * The dtype `tensor(data)` infers from data: `'int32'` for an `Int32Array`,
 * `'bool'` for boolean leaves, otherwise `'float32'` (numbers, a
 * `Float32Array`, empty data). Mixed boolean and number leaves have none
 * (`never`): the runtime rejects them.
 * @example
 * ```ts
 * type D = DtypeOfData<[true, false]>; // 'bool'
 * ```
 * @public
 */
export type DtypeOfData<T> = T extends Int32Array
  ? 'int32'
  : T extends Float32Array | Uint8Array
    ? 'float32'
    : DataLeaves<T> extends infer L
      ? [L] extends [never]
        ? 'float32'
        : [L] extends [boolean]
          ? 'bool'
          : [L] extends [number]
            ? 'float32'
            : never
      : never;

/** A number literal written with a fraction or an exponent (not an integer as int32 data must be). */
type Fractional<L> = L extends number ? (number extends L ? false : `${L}` extends `${string}.${string}` | `${string}e-${string}` ? true : false) : false;

/**
 * `unknown` when `tensor(data, dtype)` is valid as far as the types can
 * tell; otherwise the error that makes the call fail to compile (runtime
 * twins: the ragged, dtype and integer checks of `tensor`).
 * @public
 */
export type TensorDataCheck<T, D> = [DataShape<T>] extends [Ragged]
  ? TypeError<'shape error: tensor data is ragged: its rows have different shapes'>
  : T extends Float32Array | Int32Array | Uint8Array
    ? unknown
    : DataLeaves<T> extends infer L
      ? [Extract<L, boolean>] extends [never]
        ? [D] extends ['int32']
          ? true extends Fractional<L>
            ? TypeError<'dtype error: data for an int32 tensor must be integers'>
            : unknown
          : unknown
        : [Extract<L, number>] extends [never]
          ? 'bool' extends D
            ? unknown
            : TypeError<`dtype error: boolean data makes a bool tensor, not a ${D & string} one`>
          : TypeError<'dtype error: tensor data mixes booleans and numbers'>
      : never;

/** Nested arrays of numbers or booleans. @public */
export type TensorData = number | boolean | readonly TensorData[] | Float32Array | Int32Array | Uint8Array;

const DTYPES: readonly Dtype[] = ['float32', 'int32', 'bool'];

/** Throws a `DtypeError` unless `dtype` is a supported dtype name. */
export function checkDtype(op: string, dtype: unknown): asserts dtype is Dtype {
  if (!DTYPES.includes(dtype as Dtype)) {
    throw new DtypeError(op, `unknown dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.map((d) => `'${d}'`).join(', ')}`);
  }
}

/** Throws a `ShapeError` unless every dim is a non-negative integer. */
export function checkShape(op: string, shape: unknown): asserts shape is number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(op, `a shape is a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Throws a `DtypeError` unless every value is an integer in the int32 range (one message for every creation op). */
function checkInt32(op: string, values: ArrayLike<number | boolean>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (typeof v !== 'number') continue;
    if (!Number.isInteger(v)) throw new DtypeError(op, `data for an int32 tensor must be integers, got ${v}${values.length > 1 ? ` at flat index ${i}` : ''}`);
    if (v < INT32_MIN || v > INT32_MAX) {
      throw new DtypeError(op, `${v}${values.length > 1 ? ` at flat index ${i}` : ''} is outside the int32 range [${INT32_MIN}, ${INT32_MAX}]`);
    }
  }
}

/** Walks nested data: its shape and flat values, or a `ShapeError` naming the ragged path. */
function inspect(data: TensorData): { shape: number[]; flat: (number | boolean)[] } {
  const flat: (number | boolean)[] = [];
  const shapeAt = (x: TensorData, path: string, depth: number, expect: number[] | undefined): number[] => {
    if (ArrayBuffer.isView(x)) {
      const view = x as Float32Array;
      for (let i = 0; i < view.length; i++) flat.push(view[i]!);
      return [view.length];
    }
    if (Array.isArray(x)) {
      const here = [x.length];
      let inner: number[] | undefined = expect?.slice(1);
      x.forEach((child, i) => {
        const s = shapeAt(child, `${path}[${i}]`, depth + 1, inner);
        if (inner === undefined) inner = s;
        else if (showShape(s) !== showShape(inner)) {
          throw new ShapeError('tensor', `ragged data: ${path}[${i}] has shape ${showShape(s)} but ${path}[0] has shape ${showShape(inner)}`);
        }
      });
      if (x.length === 0 && expect) inner = expect.slice(1);
      return [...here, ...(inner ?? [])];
    }
    if (typeof x === 'number' || typeof x === 'boolean') {
      flat.push(x);
      return [];
    }
    throw new DtypeError('tensor', `${path || 'data'} is ${x === null ? 'null' : typeof x}; expected a number, a boolean or an array`);
  };
  const shape = shapeAt(data, 'data', 0, undefined);
  return { shape, flat };
}

function inferDtype(flat: readonly (number | boolean)[]): Dtype {
  return flat.length > 0 && flat.every((v) => typeof v === 'boolean') ? 'bool' : 'float32';
}

/**
 * The signatures of {@link tensor}: nested data (shape inferred), or flat data with a shape.
 * @public
 */
export interface TensorFactory {
  /**
   * A tensor of `shape` from flat data in row-major order: a typed array or a
   * flat array of numbers/booleans whose length is the shape's element count.
   * An `Int32Array` gives int32 and a `Uint8Array` bool unless `dtype` says otherwise.
   * @example
   * ```ts
   * fx.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]); // Tensor<[2, 3], 'float32'>
   * fx.tensor([1, 2, 3, 4], [2, 2], 'int32');                 // Tensor<[2, 2], 'int32'>
   * ```
   * @public
   */
  <const S extends Shape, D extends Dtype = 'float32'>(data: Float32Array | readonly number[] | readonly boolean[], shape: S, dtype?: D): Tensor<S, NoInfer<D>>;
  /** @public */
  <const S extends Shape, D extends Dtype = 'int32'>(data: Int32Array, shape: S, dtype?: D): Tensor<S, NoInfer<D>>;
  /** @public */
  <const S extends Shape, D extends Dtype = 'bool'>(data: Uint8Array, shape: S, dtype?: D): Tensor<S, NoInfer<D>>;
  // Last: when no signature matches, tsc reports this one's error (fluxion's data-check sentence).
  /**
   * A tensor from nested JS arrays; the shape is inferred, and typed when the
   * data is a literal. The dtype defaults to `float32` (`bool` for booleans,
   * `int32` for an `Int32Array`), in the type as at run time. Ragged literal
   * data, and booleans mixed with numbers, do not compile.
   * @example
   * ```ts
   * const a = fx.tensor([[1, 2], [3, 4]]);        // Tensor<[2, 2], 'float32'>
   * const i = fx.tensor([1, 2, 3], 'int32');       // Tensor<[3], 'int32'>
   * ```
   * @public
   */
  <const T extends TensorData, D extends Dtype = DtypeOfData<T>>(data: T & TensorDataCheck<T, D>, dtype?: D): Tensor<ShapeOfData<T>, NoInfer<D>>;
}

/**
 * A tensor from JS data: `fx.tensor(nested, dtype?)` infers the shape from
 * nested arrays; `fx.tensor(flat, shape, dtype?)` takes row-major flat data
 * (a typed array or a flat array) and a shape.
 * @example
 * ```ts
 * fx.tensor([[1, 2], [3, 4]]);                  // Tensor<[2, 2], 'float32'>
 * fx.tensor(new Float32Array(6), [2, 3]);       // Tensor<[2, 3], 'float32'>
 * ```
 * @public
 */
export const tensor: TensorFactory = tensorImpl as unknown as TensorFactory;

function tensorImpl(data: TensorData, shapeOrDtype?: Shape | Dtype, maybeDtype?: Dtype): Tensor {
  if (Array.isArray(shapeOrDtype)) return fromFlat(data, shapeOrDtype, maybeDtype);
  const dtype = shapeOrDtype as Dtype | undefined;
  if (dtype !== undefined) checkDtype('tensor', dtype);
  // Fast path: a typed array is one flat row of known element type.
  if (data instanceof Float32Array || data instanceof Int32Array) {
    const dt = dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
    if (dt === 'int32' && data instanceof Float32Array) checkInt32('tensor', data);
    checkAllocation('tensor', [{ shape: [data.length], dtype: dt }]);
    return new ConcreteTensor(tf.tensor(data, [data.length], dt)) as never;
  }
  const { shape, flat } = inspect(data);
  const dt = dtype ?? inferDtype(flat);
  if (dt !== 'bool' && flat.some((v) => typeof v !== 'number')) {
    throw new DtypeError('tensor', `data for ${withArticle(dt)} tensor must be numbers`);
  }
  if (dt === 'int32') checkInt32('tensor', flat);
  checkAllocation('tensor', [{ shape, dtype: dt }]);
  return new ConcreteTensor(tf.tensor(flat as number[], shape, dt)) as never;
}

/** `tensor(data, shape, dtype?)`: flat data checked against the shape's element count before allocating. */
function fromFlat(data: TensorData, shape: readonly number[], dtype: Dtype | undefined): Tensor {
  checkShape('tensor', shape);
  if (dtype !== undefined) checkDtype('tensor', dtype);
  const isTyped = data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array;
  if (!isTyped && !(Array.isArray(data) && data.every((v) => typeof v === 'number' || typeof v === 'boolean'))) {
    throw new ShapeError('tensor', `with a shape, data must be a typed array or a flat array of numbers or booleans (got ${Array.isArray(data) ? 'a nested array' : typeof data})`);
  }
  const flat = data as ArrayLike<number | boolean>;
  const count = sizeOf(shape);
  if (flat.length !== count) throw new ShapeError('tensor', `data has ${flat.length} elements but shape ${showShape(shape)} needs ${count}`);
  const dt: Dtype = dtype ?? (data instanceof Int32Array ? 'int32' : data instanceof Uint8Array ? 'bool' : isTyped ? 'float32' : inferDtype(Array.from(flat)));
  const values = Array.from(flat);
  if (dt !== 'bool' && values.some((v) => typeof v !== 'number')) throw new DtypeError('tensor', `data for a ${dt} tensor must be numbers`);
  if (dt === 'int32') checkInt32('tensor', values as number[]);
  checkAllocation('tensor', [{ shape, dtype: dt }]);
  const typed = isTyped && !(data instanceof Uint8Array) ? (data as Float32Array | Int32Array) : (values.map(Number) as number[]);
  return new ConcreteTensor(tf.tensor(typed, shape as number[], dt));
}

/**
 * A tensor of `shape` filled with `value`.
 * @example
 * ```ts
 * fx.full([2, 2], 7); // [[7, 7], [7, 7]]
 * ```
 * @public
 */
export function full<const S extends Shape, D extends Dtype = 'float32'>(shape: S & CheckDims<S>, value: number | boolean, dtype?: D): Tensor<S, NoInfer<D>> {
  return filled('full', shape, value, dtype) as never;
}

/** `full` with the user-facing op name for messages; the value is checked like `tensor`'s data. */
function filled(op: string, shape: readonly number[], value: unknown, dtype: Dtype | undefined): Tensor {
  checkShape(op, shape);
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new DtypeError(op, `the value must be a number or a boolean, got ${typeof value === 'string' ? `the string ${JSON.stringify(value)}` : value === null ? 'null' : typeof value}`);
  }
  const dt = dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  checkDtype(op, dt);
  if (dt === 'int32') checkInt32(op, [value]);
  checkAllocation(op, [{ shape, dtype: dt }]);
  // A bool holds 0 or 1 (a number is true unless it is 0, as in a cast to bool); a boolean counts as 0 or 1.
  const v = dt === 'bool' ? (value === 0 || value === false ? 0 : 1) : Number(value);
  return new ConcreteTensor(tf.fill(shape as number[], v, dt));
}

/**
 * A tensor of zeros.
 * @example
 * ```ts
 * fx.zeros([3, 4]); // Tensor<[3, 4], 'float32'>
 * ```
 * @public
 */
export function zeros<const S extends Shape, D extends Dtype = 'float32'>(shape: S & CheckDims<S>, dtype?: D): Tensor<S, NoInfer<D>> {
  return filled('zeros', shape, 0, dtype ?? 'float32') as never;
}

/**
 * A tensor of ones.
 * @example
 * ```ts
 * fx.ones([2]); // [1, 1]
 * ```
 * @public
 */
export function ones<const S extends Shape, D extends Dtype = 'float32'>(shape: S & CheckDims<S>, dtype?: D): Tensor<S, NoInfer<D>> {
  return filled('ones', shape, 1, dtype ?? 'float32') as never;
}

/**
 * A rank-0 tensor.
 * @example
 * ```ts
 * fx.scalar(3); // Tensor<[], 'float32'>
 * ```
 * @public
 */
export function scalar<D extends Dtype = 'float32'>(value: number | boolean, dtype?: D): Tensor<[], NoInfer<D>> {
  return filled('scalar', [], value, dtype) as never;
}

/** `true` for a number literal type written without a fraction or exponent; `boolean` when not a literal. */
type IsIntegerLiteral<N extends number> = number extends N ? boolean : `${N}` extends `${string}.${string}` | `${string}e${string}` ? false : true;

/** The dtype of `arange(start, stop, step)`: int32 when every argument is an integer (JAX's rule), else float32. @public */
export type ArangeDtype<A extends number, B extends number, C extends number> = [IsIntegerLiteral<A> | IsIntegerLiteral<B> | IsIntegerLiteral<C>] extends [true]
  ? 'int32'
  : [IsIntegerLiteral<A> | IsIntegerLiteral<B> | IsIntegerLiteral<C>] extends [false]
    ? 'float32'
    : 'int32' | 'float32';

/**
 * `[0, 1, …, n-1]` as `int32`; a negative `n` gives an empty tensor (as `jnp.arange`).
 * @example
 * ```ts
 * fx.arange(3); // Tensor<[3], 'int32'>: [0, 1, 2]
 * ```
 * @public
 */
export function arange<const N extends number>(n: N): Tensor<[N], 'int32'>;
/**
 * Values from `start` (inclusive) to `stop` (exclusive) in steps of `step`
 * (default 1; negative steps count down), as `jnp.arange`: the length is
 * `max(0, ceil((stop - start) / step))`; the dtype is int32 when all three
 * are integers, float32 otherwise (also at the type level, for literals).
 * @example
 * ```ts
 * fx.arange(50, 60, 5);   // [50, 55]  (int32)
 * fx.arange(0, 1, 0.25);  // [0, 0.25, 0.5, 0.75]  (float32)
 * fx.arange(3, 0, -1);    // [3, 2, 1]
 * ```
 * @public
 */
export function arange<const A extends number, const B extends number, const C extends number = 1>(start: A, stop: B, step?: C): Tensor<[number], ArangeDtype<A, B, C>>;
export function arange(start: number, stop?: number, step = 1): Tensor {
  const args = stop === undefined ? [start] : [start, stop, step];
  if (!args.every(Number.isFinite)) throw new ShapeError('arange', `start, stop and step must be finite numbers, got ${args.join(', ')}`);
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new ShapeError('arange', 'step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = args.every(Number.isInteger) ? 'int32' : 'float32';
  checkAllocation('arange', [{ shape: [n], dtype }]);
  // Computed in float64 on the host, as start + i·step (not by accumulation), then rounded once.
  const data = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new ConcreteTensor(tf.tensor(data, [n], dtype));
}

/**
 * `num` (default 50, as `jnp.linspace`) evenly spaced float32 values from
 * `start` to `stop`, inclusive unless `endpoint` is false.
 * @example
 * ```ts
 * fx.linspace(0, 1, 3);         // [0, 0.5, 1]
 * fx.linspace(0, 1, 4, false);  // [0, 0.25, 0.5, 0.75]
 * fx.linspace(0, 1);            // Tensor<[50], 'float32'>
 * ```
 * @public
 */
export function linspace<const N extends number = 50>(start: number, stop: number, num?: N & CheckCount<N>, endpoint = true): Tensor<[N], 'float32'> {
  const n = num ?? 50;
  if (!Number.isInteger(n) || n < 0) throw new ShapeError('linspace', `num must be a non-negative integer, got ${n}`);
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new ShapeError('linspace', `start and stop must be finite numbers, got ${start}, ${stop}`);
  checkAllocation('linspace', [{ shape: [n], dtype: 'float32' }]);
  const div = endpoint ? n - 1 : n;
  const step = div > 0 ? (stop - start) / div : 0;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  if (endpoint && n > 1) data[n - 1] = stop;
  return new ConcreteTensor(tf.tensor(data, [n], 'float32')) as never;
}

/**
 * The `n × m` matrix (default `m = n`) with ones on diagonal `k` (default 0;
 * `k > 0` above the main diagonal, `k < 0` below) and zeros elsewhere, as `jnp.eye`.
 * @example
 * ```ts
 * fx.eye(2);        // [[1, 0], [0, 1]]
 * fx.eye(2, 3, 1);  // [[0, 1, 0], [0, 0, 1]]
 * ```
 * @public
 */
export function eye<const N extends number, const M extends number = N>(n: N & CheckCount<N>, m?: M & CheckCount<M>, k = 0): Tensor<[N, M], 'float32'> {
  const cols = m ?? n;
  if (!Number.isInteger(n) || n < 0) throw new ShapeError('eye', `n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(cols) || cols < 0) throw new ShapeError('eye', `m must be a non-negative integer, got ${cols}`);
  if (!Number.isInteger(k)) throw new ShapeError('eye', `k must be an integer, got ${k}`);
  checkAllocation('eye', [{ shape: [n, cols], dtype: 'float32' }]);
  const data = new Float32Array(n * cols);
  for (let i = 0; i < n; i++) if (i + k >= 0 && i + k < cols) data[i * cols + i + k] = 1;
  return new ConcreteTensor(tf.tensor(data, [n, cols], 'float32')) as never;
}

/** Zeros shaped like an abstract value (used to materialize symbolic zeros). */
export function zerosLike(aval: { shape: readonly number[]; dtype: Dtype }): Tensor {
  checkAllocation('zeros', [aval]);
  return new ConcreteTensor(tf.zeros(aval.shape as number[], aval.dtype));
}

/** Number of elements of a shape. */
export { sizeOf };
