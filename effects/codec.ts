/**
 * io-ts codecs for tensors. `TensorCodec(shape, dtype)` decodes untrusted
 * JSON (nested arrays) into a `Tensor<S, D>`, or fails with messages that
 * name the path, the expected shape and what was found. Decoding checks the
 * structure level by level against the expected shape before it allocates
 * anything, so nesting depth is bounded by the rank and total work by the
 * expected size (`maxSize` bounds dims left free with `null`).
 *
 * Codecs compose with io-ts (`t.type({ w: TensorCodec([784, 100]) })`,
 * `t.array(...)`); {@link codecOf} builds the codec of a pytree of
 * parameters, for save/load that round-trips float32 values exactly.
 */
import * as t from 'io-ts';
import { isLeft, type Either } from 'fp-ts/lib/Either.js';
import type { Dtype, Shape } from '../typelevel/index.js';
import { showShape, withArticle } from '../lib/core/errors.js';
import { Tensor, type AnyTensor, type NestedArray } from '../lib/core/tensor.js';
import { flatten, setOwn } from '../lib/core/pytree.js';
import { hostTensor } from './ops.js';

/** A dim of a codec shape: a length, or `null` for a length read from the data. @public */
export type CodecDim = number | null;

/** The tensor shape a codec shape decodes to (`null` dims become `number`). @public */
export type DecodedShape<S extends readonly CodecDim[]> = S extends readonly []
  ? []
  : S extends readonly [infer H, ...infer R extends readonly CodecDim[]]
    ? [H extends number ? H : number, ...DecodedShape<R>]
    : number[];

/** Options of {@link TensorCodec}. @public */
export interface TensorCodecOptions {
  /** The most elements accepted when some dims are free (`null`); default 2^26. */
  readonly maxSize?: number;
}

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Reads back tensors that `prefetch` read asynchronously (webgpu has no synchronous readback in Node). */
const prefetched = new WeakMap<Tensor, unknown>();

/**
 * Reads every tensor of a pytree asynchronously so that codecs can encode
 * it on any backend (used by `io.write`; call it before `codec.encode` on webgpu).
 * @example
 * ```ts
 * await prefetch(params); JSON.stringify(codecOf(params).encode(params));
 * ```
 * @public
 */
export async function prefetch(value: unknown): Promise<void> {
  await Promise.all(
    flatten(value)[0].map(async (x) => {
      if (!prefetched.has(x)) prefetched.set(x, await x.array());
    }),
  );
}

function readNested(x: Tensor): unknown {
  const nested = prefetched.has(x) ? prefetched.get(x) : x.arraySync();
  // Bool tensors read back as true/false already; this keeps JSON booleans for any 0/1 source.
  return x.dtype === 'bool' ? toBooleans(nested) : nested;
}

function toBooleans(x: unknown): unknown {
  return Array.isArray(x) ? x.map(toBooleans) : Boolean(x);
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing (a missing value)';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (typeof v === 'number') return `${v}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** The shape the data seems to have, following first elements (bounded by `limit` levels). */
function apparentShape(u: unknown, limit: number): string {
  const dims: string[] = [];
  let x = u;
  for (let d = 0; d <= limit && Array.isArray(x); d++) {
    dims.push(String(x.length));
    x = x[0];
  }
  if (Array.isArray(x)) dims.push('…');
  return `[${dims.join(', ')}]`;
}

/** `params.layers.0.w`: the io-ts context as a path (empty at the top). */
function contextPath(c: t.Context): string {
  return c
    .map((e) => e.key)
    .filter((k) => k !== '')
    .join('.');
}

function elementProblem(dtype: Dtype, v: unknown): string | undefined {
  switch (dtype) {
    case 'float32':
      if (typeof v !== 'number') return `expected a number, got ${describeValue(v)}`;
      if (!Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) return `expected a finite float32 number, got ${v}`;
      return undefined;
    case 'int32':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        return `expected an int32 (an integer in [-2^31, 2^31)), got ${describeValue(v)}`;
      }
      return undefined;
    case 'bool':
      return typeof v === 'boolean' ? undefined : `expected a boolean, got ${describeValue(v)}`;
  }
}

/**
 * A codec between `Tensor<S, D>` and nested JSON arrays. See {@link TensorCodec}.
 * @public
 */
export class TensorCodecType<S extends Shape, D extends Dtype> extends t.Type<Tensor<S, D>, NestedArray<S, D>, unknown> {
  readonly _tag = 'TensorCodec' as const;
  constructor(
    /** The expected shape (`null`: read from the data). */
    readonly shape: readonly CodecDim[],
    /** The element type. */
    readonly dtype: D,
    /** Element budget for free dims. */
    readonly maxSize: number,
  ) {
    super(
      `Tensor<${showShape(shape.map((d) => d ?? 'number') as never)}, '${dtype}'>`,
      (u): u is Tensor<S, D> =>
        u instanceof Tensor && u.dtype === dtype && u.rank === shape.length && shape.every((d, i) => d === null || d === u.shape[i]),
      (u, c) => this.decodeAt(u, c),
      (x) => readNested(x) as NestedArray<S, D>,
    );
  }

  private decodeAt(u: unknown, c: t.Context): t.Validation<Tensor<S, D>> {
    const where = contextPath(c) || 'value';
    const expected = `expected ${withArticle(this.dtype)} tensor of shape ${showShape(this.shape.map((d) => d ?? 'n') as never)}`;
    const fail = (detail: string) => t.failure<Tensor<S, D>>(u, c, `${where}: ${expected}, ${detail}`);
    const rank = this.shape.length;
    // Pass 1: check structure and elements; allocate nothing.
    const dims: (number | undefined)[] = this.shape.map((d) => d ?? undefined);
    let problem: string | undefined;
    let count = 0;
    const visit = (x: unknown, depth: number, path: string): boolean => {
      if (depth === rank) {
        if (Array.isArray(x)) {
          problem = `got shape ${apparentShape(u, rank + 1)} (${path || 'the value'} is nested deeper than rank ${rank})`;
          return false;
        }
        const bad = elementProblem(this.dtype, x);
        if (bad) {
          problem = `but at ${path || 'the top'}: ${bad}`;
          return false;
        }
        count++;
        return true;
      }
      if (!Array.isArray(x)) {
        problem = `got shape ${apparentShape(u, rank)} (${path || 'the value'} is ${describeValue(x)} where axis ${depth} expects an array)`;
        return false;
      }
      const want = dims[depth];
      if (want === undefined) {
        // A free dim: the first array met at this depth fixes it, within the element budget.
        const known = dims.reduce<number>((n, d) => n * (d ?? 1), 1);
        if (known * x.length > this.maxSize) {
          problem = `got more than maxSize = ${this.maxSize} elements (axis ${depth} has length ${x.length})`;
          return false;
        }
        dims[depth] = x.length;
      } else if (x.length !== want) {
        const first = this.shape[depth] === null ? ` (set by the first row at this depth)` : '';
        problem =
          depth > 0 && this.isRagged(u, depth)
            ? `got a ragged array: ${path} has ${x.length} elements but ${'[0]'.repeat(depth)} has ${want}`
            : `got shape ${apparentShape(u, rank)} (${path || 'the top'} has ${x.length} elements on axis ${depth}, expected ${want}${first})`;
        return false;
      }
      for (let i = 0; i < x.length; i++) if (!visit(x[i], depth + 1, `${path}[${i}]`)) return false;
      return true;
    };
    if (!visit(u, 0, '')) return fail(problem!);
    // Pass 2: copy into a typed array and upload.
    const size = count;
    const flat = this.dtype === 'float32' ? new Float32Array(size) : this.dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
    let k = 0;
    const fill = (x: unknown, depth: number): void => {
      if (depth === rank) flat[k++] = typeof x === 'boolean' ? (x ? 1 : 0) : (x as number);
      else for (const y of x as unknown[]) fill(y, depth + 1);
    };
    fill(u, 0);
    return t.success(hostTensor(flat, dims as number[], this.dtype) as Tensor<S, D>);
  }

  /** True when the data at `depth` differs between the first array there and another one (ragged). */
  private isRagged(u: unknown, depth: number): boolean {
    let x = u;
    for (let d = 0; d < depth && Array.isArray(x); d++) x = x[0];
    return Array.isArray(x) && x.length === (this.shape[depth] ?? x.length);
  }
}

/**
 * The codec of `Tensor<S, D>` as nested JSON arrays: `decode(json)` gives
 * `Either<Errors, Tensor<S, D>>`, failing (without allocating) on wrong
 * shapes, ragged arrays, non-numbers such as `"NaN"`, non-integers for
 * int32, values out of range. A `null` dim is read from the data.
 * @example
 * ```ts
 * TensorCodec([28, 28], 'float32').decode(json); // Either<Errors, Tensor<[28, 28], 'float32'>>
 * ```
 * @public
 */
export function TensorCodec<const S extends readonly CodecDim[], D extends Dtype = 'float32'>(
  shape: S,
  dtype?: D,
  options: TensorCodecOptions = {},
): TensorCodecType<Extract<DecodedShape<S>, Shape>, D> {
  if (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isInteger(d) && d >= 0))) {
    throw new globalThis.TypeError(`TensorCodec: a shape is a list of non-negative integers or null, got ${JSON.stringify(shape)}`);
  }
  const dt = (dtype ?? 'float32') as D;
  if (!['float32', 'int32', 'bool'].includes(dt)) throw new globalThis.TypeError(`TensorCodec: unknown dtype ${JSON.stringify(dt)}`);
  return new TensorCodecType(shape, dt, options.maxSize ?? 2 ** 26);
}

/** The codec type {@link codecOf} gives for a pytree type. @public */
export type CodecOf<T> = t.Type<T, unknown, unknown>;

/**
 * The codec of a pytree shaped like `example` (each tensor leaf by its shape
 * and dtype; numbers, strings, booleans and null as literals): for saving and
 * loading parameters.
 * @example
 * ```ts
 * const json = JSON.stringify(codecOf(params).encode(params)); // then codecOf(params).decode(JSON.parse(json))
 * ```
 * @public
 */
export function codecOf<T>(example: T): CodecOf<T> {
  return build(example, 0) as CodecOf<T>;
}

function build(x: unknown, depth: number): t.Mixed {
  if (depth > 64) throw new RangeError('codecOf: the structure is nested more than 64 levels deep');
  if (x instanceof Tensor) return TensorCodec(x.shape as number[], x.dtype);
  if (Array.isArray(x)) return fixedArray(x.map((y) => build(y, depth + 1)));
  if (x === null) return t.null;
  if (typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean') return t.literal(x);
  if (typeof x === 'object') {
    // A null prototype: keys such as `__proto__` or `constructor` are plain entries here.
    const props: Record<string, t.Mixed> = Object.create(null) as Record<string, t.Mixed>;
    for (const k of Object.keys(x)) setOwn(props, k, build((x as Record<string, unknown>)[k], depth + 1));
    return fixedObject(props);
  }
  throw new globalThis.TypeError(`codecOf: cannot encode ${typeof x} values`);
}

/** An array of fixed length whose elements have their own codecs (a tuple of any length). */
function fixedArray(codecs: t.Mixed[]): t.Mixed {
  return new t.Type<unknown[], unknown[], unknown>(
    `[${codecs.map((c) => c.name).join(', ')}]`,
    (u): u is unknown[] => Array.isArray(u) && u.length === codecs.length && codecs.every((c, i) => c.is(u[i])),
    (u, c) => {
      if (!Array.isArray(u) || u.length !== codecs.length) {
        return t.failure(u, c, `${contextPath(c) || 'value'}: expected an array of ${codecs.length} elements, got ${describeValue(u)}`);
      }
      const out: unknown[] = [];
      const errors: t.ValidationError[] = [];
      codecs.forEach((codec, i) => {
        const r = codec.validate(u[i], t.appendContext(c, String(i), codec, u[i]));
        if (isLeft(r)) errors.push(...r.left);
        else out.push(r.right);
      });
      if (errors.length > 0) {
        disposeDecoded(out);
        return t.failures(errors);
      }
      return t.success(out);
    },
    (a) => a.map((y, i) => codecs[i]!.encode(y)),
  );
}

/** An object with exactly these keys, each with its own codec. */
function fixedObject(props: Record<string, t.Mixed>): t.Mixed {
  const keys = Object.keys(props);
  return new t.Type<Record<string, unknown>, Record<string, unknown>, unknown>(
    `{ ${keys.map((k) => `${k}: ${props[k]!.name}`).join(', ')} }`,
    (u): u is Record<string, unknown> =>
      typeof u === 'object' &&
      u !== null &&
      !Array.isArray(u) &&
      Object.keys(u).every((k) => Object.hasOwn(props, k)) &&
      keys.every((k) => Object.hasOwn(u, k) && props[k]!.is((u as Record<string, unknown>)[k])),
    (u, c) => {
      const where = contextPath(c) || 'value';
      if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, c, `${where}: expected an object with keys ${keys.join(', ')}, got ${describeValue(u)}`);
      const record = u as Record<string, unknown>;
      // Own properties only: `in` would accept inherited names (`constructor`, `toString`, `__proto__`).
      const extra = Object.keys(record).filter((k) => !Object.hasOwn(props, k));
      if (extra.length > 0) return t.failure(u, c, `${where}: unexpected key(s) ${extra.join(', ')} (expected ${keys.join(', ')})`);
      const out: Record<string, unknown> = {};
      const errors: t.ValidationError[] = [];
      for (const k of keys) {
        const codec = props[k]!;
        const value = Object.hasOwn(record, k) ? record[k] : undefined;
        const r = codec.validate(value, t.appendContext(c, k, codec, value));
        if (isLeft(r)) errors.push(...r.left);
        else setOwn(out, k, r.right);
      }
      if (errors.length > 0) {
        disposeDecoded(out);
        return t.failures(errors);
      }
      return t.success(out);
    },
    (a) => Object.fromEntries(keys.map((k) => [k, props[k]!.encode(a[k])])),
  );
}

function disposeDecoded(values: unknown): void {
  for (const x of flatten(values)[0]) x.dispose();
}

/**
 * The messages of a failed decode, one line per error (each names its path
 * and what was expected and found).
 * @example
 * ```ts
 * const r = TensorCodec([2]).decode([1]); if (isLeft(r)) formatErrors(r.left);
 * ```
 * @public
 */
export function formatErrors(errors: t.Errors): string {
  return errors
    .map((e) => e.message ?? `${contextPath(e.context) || 'value'}: invalid value ${describeValue(e.value)} for ${e.context[e.context.length - 1]?.type.name ?? 'the codec'}`)
    .join('\n');
}

/** A failed decode, as an error (what `io.read` raises). @public */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    /** The io-ts errors. */
    readonly errors: t.Errors,
    /** Where the data came from. */
    readonly source: string,
  ) {
    super(`cannot decode ${source}:\n${formatErrors(errors)}`);
  }
}

/**
 * Decodes, throwing a {@link DecodeError} on failure.
 * @example
 * ```ts
 * const x = decodeOrThrow(TensorCodec([3]), [1, 2, 3]);
 * ```
 * @public
 */
export function decodeOrThrow<A>(codec: t.Decoder<unknown, A>, json: unknown, source = 'the data'): A {
  const r: Either<t.Errors, A> = codec.decode(json);
  if (isLeft(r)) throw new DecodeError(r.left, source);
  return r.right;
}

/** Tensors in a pytree, for callers that dispose decoded values. @internal */
export function tensorsOf(x: unknown): AnyTensor[] {
  return flatten(x)[0] as AnyTensor[];
}
