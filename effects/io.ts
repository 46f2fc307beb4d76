/**
 * The `IO` effect: logging, reading and writing data through codecs. I/O is
 * the one effect that cannot be differentiated (`fx.grad` of a program with
 * `'IO'` in its row does not compile), and the only asynchronous one:
 * `runIO(prog)` gives a promise of the value.
 *
 * The handler's operations can be replaced (`runIO(prog, { log, readText,
 * writeText })`), for tests or for platforms without `node:fs`.
 */
import type * as t from 'io-ts';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { Tensor } from '../lib/core/tensor.js';
import { applyHandler, isEff, performAsync, toImpl, type Eff, type Effect } from './Eff.js';
import { DecodeError, codecOf, prefetch } from './codec.js';

/** Where `io.read` gets JSON: a file path or URL (read as text and parsed), or a function giving the JSON value. @public */
export type Source = string | URL | (() => unknown);

/** Where `io.write` puts JSON: a file path (written as JSON text), or a function receiving the JSON value. @public */
export type Target = string | URL | ((json: unknown) => void | Promise<void>);

/** The platform operations the IO handler uses; every one can be replaced. @public */
export interface IOOptions {
  /** Prints one line (default `console.log`). */
  readonly log?: (line: string) => void;
  /** Reads a text file or URL (default: `fetch` for http(s) URLs, `node:fs` otherwise). */
  readonly readText?: (path: string | URL) => Promise<string>;
  /** Writes a text file (default `node:fs`). */
  readonly writeText?: (path: string | URL, text: string) => Promise<void>;
}

interface IOHandler {
  log(line: string): void;
  readText(path: string | URL): Promise<string>;
  writeText(path: string | URL, text: string): Promise<void>;
}

const isHttp = (p: string | URL) => /^https?:/i.test(String(p));

async function defaultReadText(path: string | URL): Promise<string> {
  if (isHttp(path)) {
    const res = await fetch(path);
    if (!res.ok) throw new Error(`io.read: ${String(path)} answered ${res.status} ${res.statusText}`);
    return res.text();
  }
  const fs = await import('node:fs/promises');
  return fs.readFile(path, 'utf8');
}

async function defaultWriteText(path: string | URL, text: string): Promise<void> {
  const fs = await import('node:fs/promises');
  await fs.writeFile(path, text, 'utf8');
}

/** Formats a value for `log`: tensors by their values (read asynchronously, so any backend works). */
async function format(v: unknown): Promise<string> {
  if (v instanceof Tensor) return `Tensor<[${v.shape.join(', ')}], '${v.dtype}'> ${JSON.stringify(await v.array())}`;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

/**
 * Prints the values on one line (tensors with their values).
 * @example
 * ```ts
 * yield* io.log('loss', loss);
 * ```
 * @public
 */
export function log(...values: unknown[]): Eff<'IO', void> {
  return performAsync('IO', async (h: IOHandler) => {
    const parts = await Promise.all(values.map(format));
    h.log(parts.join(' '));
  });
}

async function readJson(h: IOHandler, source: Source): Promise<{ json?: unknown; error?: string; name: string }> {
  if (typeof source === 'function') return { json: await source(), name: 'the source function' };
  const name = String(source);
  const text = await h.readText(source);
  try {
    return { json: JSON.parse(text), name };
  } catch (e) {
    return { error: `${name} is not valid JSON: ${(e as Error).message}`, name };
  }
}

/**
 * Reads JSON from `source` and decodes it with `codec`; a decoding failure
 * raises a `DecodeError` whose message names each bad path, the expected
 * shape and what was found.
 * @example
 * ```ts
 * const params = yield* io.read(codecOf(init), 'params.json');
 * ```
 * @public
 */
export function read<A>(codec: t.Decoder<unknown, A>, source: Source): Eff<'IO', A> {
  return performAsync('IO', async (h: IOHandler) => {
    const { json, error, name } = await readJson(h, source);
    if (error !== undefined) throw new Error(`io.read: ${error}`);
    const r = codec.decode(json);
    if (isLeft(r)) throw new DecodeError(r.left, name);
    return r.right;
  });
}

/**
 * Like {@link read}, but gives the decoding result as an `Either` instead of
 * raising (unreadable sources still raise).
 * @example
 * ```ts
 * const r = yield* io.readEither(TensorCodec([3]), 'x.json');
 * ```
 * @public
 */
export function readEither<A>(codec: t.Decoder<unknown, A>, source: Source): Eff<'IO', Either<t.Errors, A>> {
  return performAsync('IO', async (h: IOHandler) => {
    const { json, error } = await readJson(h, source);
    if (error !== undefined) throw new Error(`io.read: ${error}`);
    const r = codec.decode(json);
    return isLeft(r) ? left(r.left) : right(r.right);
  });
}

/**
 * Encodes `value` with `codec` and writes it to `target` (a path gets JSON
 * text). Tensors are read back asynchronously first, so this works on every backend.
 * @example
 * ```ts
 * yield* io.write(codecOf(params), 'params.json', params);
 * ```
 * @public
 */
export function write<A>(codec: t.Encoder<A, unknown>, target: Target, value: A): Eff<'IO', void> {
  return performAsync('IO', async (h: IOHandler) => {
    await prefetch(value);
    const json = codec.encode(value);
    if (typeof target === 'function') await target(json);
    else await h.writeText(target, JSON.stringify(json));
  });
}

/**
 * Writes a pytree of parameters as JSON (its codec is {@link codecOf} of the value).
 * @example
 * ```ts
 * yield* io.save('params.json', params);
 * ```
 * @public
 */
export function save<T>(target: Target, params: T): Eff<'IO', void> {
  return write(codecOf(params), target, params);
}

/**
 * Reads a pytree of parameters shaped like `like` (same structure, shapes
 * and dtypes), as written by {@link save}.
 * @example
 * ```ts
 * const params = yield* io.load('params.json', init);
 * ```
 * @public
 */
export function load<T>(source: Source, like: T): Eff<'IO', T> {
  return read(codecOf(like), source);
}

/**
 * Handles `IO`: performs the program's I/O. Gives a promise of the value
 * when no other effect is left in the row, otherwise the program with IO
 * handled, whose value is that promise (handle the other effects, then
 * await). The promise-like result starts running by itself if it is not used
 * as a program.
 * @example
 * ```ts
 * await runIO(io.log('hello'));
 * ```
 * @public
 */
export function runIO<E extends Effect, A>(
  program: Eff<E, A>,
  options: IOOptions = {},
): [Exclude<E, 'IO'>] extends [never] ? Promise<A> : Eff<Exclude<E, 'IO'>, Promise<A>> {
  if (!isEff(program)) return Promise.resolve(program) as never;
  const inner = toImpl(program, 'a program to run');
  const handler: IOHandler = {
    log: options.log ?? ((line) => console.log(line)),
    readText: options.readText ?? defaultReadText,
    writeText: options.writeText ?? defaultWriteText,
  };
  const result = applyHandler({ effect: 'IO', inner, make: () => handler, wrapInPromise: true });
  return result as never;
}
