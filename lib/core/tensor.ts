/**
 * `Tensor<S, D>`: the one value type users see. A tensor is either concrete
 * (it owns a TensorFlow.js tensor) or a tracer (it stands for a value inside a
 * transformation). Both answer `shape` and `dtype`; a tracer whose primal is
 * known (under `grad`/`jvp` in eager mode) also answers `arraySync()`, so plain
 * `if`/`for` on it differentiate the executed path.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dtype, Shape } from '../../typelevel/index.js';
import { ReadbackError, showShape } from './errors.js';
import { registerInScope, type Releasable } from './scope.js';

/** The nested JS array a tensor of shape `S` reads back as. @public */
export type NestedArray<S extends Shape, D extends Dtype> = S extends []
  ? Elem<D>
  : S extends [number, ...infer Rest extends Shape]
    ? NestedArray<Rest, D>[]
    : unknown;

/** The JS element type of a dtype. @public */
export type Elem<D extends Dtype> = D extends 'bool' ? boolean : number;

/** The typed array a tensor of dtype `D` reads back as (`data()`, `dataSync()`). @public */
export type DataOf<D extends Dtype> = D extends 'float32' ? Float32Array : D extends 'int32' ? Int32Array : Uint8Array;

/** Shape and dtype without a value: what abstract evaluation computes. @public */
export interface AbstractValue {
  readonly shape: readonly number[];
  readonly dtype: Dtype;
}

/** `f32[2,3]`: a compact rendering of an abstract value for the IR printer and errors. */
export function showAval(a: AbstractValue): string {
  const short = a.dtype === 'float32' ? 'f32' : a.dtype === 'int32' ? 'i32' : 'bool';
  return `${short}[${a.shape.join(',')}]`;
}

/** One node of the table of frozen shapes: the shape that ends here, and the longer ones by their next dim. */
interface ShapeNode {
  shape?: readonly number[];
  next?: Map<number, ShapeNode>;
}
const shapeRoot: ShapeNode = {};
let internedShapes = 0;

/**
 * A frozen copy of `shape`, shared by every tensor of that shape: freezing an
 * array costs more than the rest of making a tensor, so each distinct shape is
 * frozen once (a frozen array passes through). The table is cleared past 4096
 * shapes, so programs with ever-new shapes do not grow it without bound.
 */
function frozenShape(shape: readonly number[]): readonly number[] {
  if (Object.isFrozen(shape)) return shape;
  let node = shapeRoot;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    let next = node.next?.get(d);
    if (!next) {
      if (internedShapes >= 4096) {
        shapeRoot.next = undefined;
        internedShapes = 0;
        return Object.freeze(shape.slice());
      }
      next = {};
      (node.next ??= new Map()).set(d, next);
    }
    node = next;
  }
  if (!node.shape) {
    internedShapes++;
    node.shape = Object.freeze(shape.slice());
  }
  return node.shape;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * A tensor of shape `S` and dtype `D`. Create with `fx.tensor`, `fx.zeros`, …;
 * operate with the free functions on `fx`.
 *
 * @example
 * ```ts
 * const a = fx.tensor([[1, 2], [3, 4]]); // Tensor<[2, 2], 'float32'>
 * a.shape; // [2, 2]
 * ```
 * @public
 */
export abstract class Tensor<S extends Shape = Shape, D extends Dtype = Dtype> {
  /** The shape, outermost axis first. */
  readonly shape: S;
  /** The element type. */
  readonly dtype: D;

  protected constructor(shape: readonly number[], dtype: D) {
    this.shape = frozenShape(shape) as unknown as S;
    this.dtype = dtype;
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /**
   * The concrete tensor holding this value: itself, or a tracer's primal.
   * Throws `ConcretizationError` for abstract (jit-traced) values.
   * @internal
   */
  abstract _concrete(what: string): ConcreteTensor;

  /** Reads the value back as nested JS arrays (synchronously); a bool tensor reads as `true`/`false`. */
  arraySync(): NestedArray<S, D> {
    const t = this._concrete('arraySync()')._tf;
    return asElements(readSync('arraySync()', () => t.arraySync()), this.dtype) as NestedArray<S, D>;
  }

  /** Reads the value back as nested JS arrays; a bool tensor reads as `true`/`false`. */
  async array(): Promise<NestedArray<S, D>> {
    return asElements(await this._concrete('array()')._tf.array(), this.dtype) as NestedArray<S, D>;
  }

  /**
   * Reads the flat values back (row-major) as the typed array of the dtype,
   * on every backend: `Float32Array` (float32), `Int32Array` (int32),
   * `Uint8Array` of 0/1 (bool).
   */
  async data(): Promise<DataOf<D>> {
    const t = this._concrete('data()')._tf;
    // On cpu and wasm tfjs's asynchronous read is its synchronous one behind a promise, and going through
    // it costs full garbage collections: 400 reads of a fresh [784, 512] wasm tensor ran 9 mark-compacts
    // with `await t.data()` against 1 with `t.dataSync()` (tfjs 4.22, Node 20), and a W1 step on the ONNX
    // target with its 7 outputs read back took 6.7 ms with 2 threads against 4.1–4.7 (bench/onnx.ts).
    if (inHostMemory(t)) return asTypedArray(detached(t, t.dataSync()), this.dtype) as DataOf<D>;
    return asTypedArray(await t.data(), this.dtype) as DataOf<D>;
  }

  /** Reads the flat values back synchronously (row-major); typed as `data()`. */
  dataSync(): DataOf<D> {
    const t = this._concrete('dataSync()')._tf;
    return asTypedArray(detached(t, readSync('dataSync()', () => t.dataSync())), this.dtype) as DataOf<D>;
  }

  /** The value of a one-element tensor as a JS number (a boolean for a bool tensor). */
  item(): Elem<D> {
    const c = this._concrete('item()');
    if (c.size !== 1) throw new Error(`item() needs a one-element tensor, got shape ${showShape(c.shape)}`);
    const v = readSync('item()', () => c._tf.dataSync())[0]!;
    return (this.dtype === 'bool' ? v !== 0 : v) as Elem<D>;
  }

  /** `if (x)`-style truth of a one-element tensor. */
  valueOf(): number {
    return Number(this.item());
  }

  /** Keeps what this value reaches alive for one more owner (a staged program). @internal */
  _retain(): void {}
  /** Drops one owner's hold (see `_retain`). @internal */
  _release(): void {}
  /** Adds the concrete tensors this value keeps alive to `into` (scopes keep them). @internal */
  _reach(_into: Set<Releasable>): void {}

  /** Frees the memory now. Using the tensor afterwards throws. */
  abstract dispose(): void;

  /** True once disposed. */
  abstract get isDisposed(): boolean;

  toString(): string {
    return `Tensor<${showShape(this.shape)}, '${this.dtype}'>`;
  }
}

/**
 * A tensor with a value: owns one TensorFlow.js tensor. Reference counted so
 * that a traced program can keep its constants (residuals) alive after the
 * scope that made them ends.
 * @internal
 */
export class ConcreteTensor<S extends Shape = Shape, D extends Dtype = Dtype> extends Tensor<S, D> {
  /** @internal */ readonly _tf: tf.Tensor;
  /** @internal */ _refs = 1;
  /** A scalar `coerce` made for a JS number, not yet claimed by the op it was made for (primitives/define.ts). @internal */
  _coerced = false;

  constructor(t: tf.Tensor) {
    super(t.shape, t.dtype as D);
    this._tf = t;
    live.add(this);
    registerInScope(this);
  }

  _concrete(): ConcreteTensor {
    if (this._tf.isDisposed) {
      throw new Error(
        `${this.toString()} was disposed and cannot be used. A tensor made inside fx.scope(...) is freed when the scope ends ` +
          'unless the scope returns it (in its result pytree); keep a tensor by returning it, and dispose it yourself when done.',
      );
    }
    return this;
  }

  dispose(): void {
    this._refs = 0;
    this._tf.dispose();
    live.delete(this);
  }

  get isDisposed(): boolean {
    return this._tf.isDisposed;
  }

  override _retain(): void {
    this._refs++;
  }

  override _release(): void {
    if (this._refs > 0 && --this._refs === 0) {
      this._tf.dispose();
      live.delete(this);
    }
  }

  override _reach(into: Set<Releasable>): void {
    into.add(this);
  }
}

/**
 * Every concrete tensor fluxion made that is not yet disposed: what
 * `fx.memory()` counts (TensorFlow.js tensors made by other code in the
 * process are not fluxion's). Entries whose TensorFlow.js tensor was disposed
 * by other means are dropped when counted.
 */
const live = new Set<ConcreteTensor>();

/** Live fluxion tensors and the bytes of their distinct data buffers. */
export function liveTensors(): { tensors: number; bytes: number } {
  const buffers = new Set<object>();
  let bytes = 0;
  for (const t of live) {
    if (t._tf.isDisposed) {
      live.delete(t);
      continue;
    }
    const id = t._tf.dataId;
    if (buffers.has(id)) continue;
    buffers.add(id);
    bytes += t.size * (t.dtype === 'bool' ? 1 : 4);
  }
  return { tensors: live.size, bytes };
}

/**
 * A tensor of any shape and dtype: what derivative rules and the core work
 * with, where shapes are only known at run time.
 * @internal
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTensor = Tensor<any, any>;

/**
 * `values` read from `t`, never the backend's own storage: tfjs's cpu backend
 * hands out the array it keeps, so writing into what `data()` returned
 * changed the tensor (and every tensor sharing its data).
 */
function detached<T>(t: tf.Tensor, values: T): T {
  const storage = (tf.backend() as unknown as { data?: { get(id: object): { values?: unknown } | undefined } }).data;
  return storage?.get(t.dataId)?.values === values ? ((values as unknown as Float32Array).slice() as unknown as T) : values;
}

/** Backends whose tensors live in host memory (their reads are synchronous underneath). */
const HOST_BACKENDS = new Set(['cpu', 'wasm']);

/** Whether `t`'s values are held by the active backend and it is cpu or wasm (not a webgpu tensor read after switching). */
function inHostMemory(t: tf.Tensor): boolean {
  if (!HOST_BACKENDS.has(tf.getBackend())) return false;
  const b = tf.backend() as unknown as { data?: { has(id: object): boolean }; dataIdMap?: { has(id: object): boolean } };
  return (b.data ?? b.dataIdMap)?.has(t.dataId) === true;
}

/**
 * Runs a synchronous readback, turning the webgpu backend's failure in Node
 * (tfjs reads GPU buffers synchronously only through `OffscreenCanvas`, which
 * exists in browsers) into an error that says what to do instead.
 */
function readSync<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof ReferenceError && /OffscreenCanvas/.test(e.message)) {
      throw new ReadbackError(
        `${what} is not available on the webgpu backend in Node: synchronous GPU readback needs a browser. ` +
          'Use the asynchronous reads (await x.array(), await x.data()), or the wasm/cpu backend.',
      );
    }
    throw e;
  }
}

/** Nested readback values with bool elements as `true`/`false` (tfjs reads bools as 0/1). */
function asElements(x: unknown, dtype: Dtype): unknown {
  if (dtype !== 'bool') return x;
  const walk = (v: unknown): unknown => (Array.isArray(v) ? v.map(walk) : v !== 0);
  return walk(x);
}

/** Flat readback values as the typed array of the dtype (backends return other kinds for some dtypes, e.g. cpu's float32 cast of int32 data). */
function asTypedArray(x: tf.backend_util.TypedArray | string[] | Uint8Array[], dtype: Dtype): Float32Array | Int32Array | Uint8Array {
  const Kind = dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : Uint8Array;
  if (x instanceof Kind) return x;
  const out = new Kind((x as ArrayLike<number>).length);
  for (let i = 0; i < out.length; i++) {
    const v = Number((x as ArrayLike<number>)[i]);
    out[i] = dtype === 'bool' ? (v !== 0 ? 1 : 0) : v;
  }
  return out;
}

/** Wraps a TensorFlow.js tensor (dtype must be float32, int32 or bool). */
export function fromTf(t: tf.Tensor): ConcreteTensor {
  return new ConcreteTensor(t);
}

/** The shape and dtype of a tensor. */
export function avalOf(t: Tensor): AbstractValue {
  return { shape: t.shape, dtype: t.dtype };
}
