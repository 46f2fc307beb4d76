/**
 * Splittable, counter-based PRNG keys (`fx.random`): Threefry-2x32 with 20
 * rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"), the
 * generator JAX uses, with JAX's current default layout (the partitionable
 * one, `jax_threefry_partitionable=True`, default since JAX 0.5): `split`
 * and `bits` match JAX and jax-js bit for bit (tested against jax-js).
 *
 * Keys and random bits live on the host: the hash is a few lines of 32-bit
 * integer arithmetic (`Math.imul`-free: additions, rotations and xors with
 * `>>> 0`), so every backend (cpu, wasm, webgpu) receives bit-identical
 * random numbers, and drawing never needs a GPU readback. Samplers that turn
 * bits into tensors are in `fluxion/effects` (the `Random` effect).
 */
import { threefry2x32 } from './threefry.js';

/**
 * A PRNG key: two 32-bit words. Immutable; the same key always gives the
 * same numbers. Make one with {@link key}, derive new ones with
 * {@link split} or {@link fold}.
 * @public
 */
export interface Key {
  readonly kind: 'fluxion.PRNGKey';
  /** The two words, as unsigned 32-bit integers. */
  readonly words: readonly [number, number];
}

function makeKey(hi: number, lo: number): Key {
  return Object.freeze({ kind: 'fluxion.PRNGKey', words: Object.freeze([hi >>> 0, lo >>> 0]) as readonly [number, number] });
}

/** True for values made by {@link key}, {@link split} or {@link fold}. @public */
export function isKey(x: unknown): x is Key {
  return typeof x === 'object' && x !== null && (x as Key).kind === 'fluxion.PRNGKey' && Array.isArray((x as Key).words);
}

function checkKey(op: string, k: unknown): asserts k is Key {
  if (!isKey(k)) throw new TypeError(`random.${op}: expected a PRNG key (made by fx.random.key(seed)), got ${k === null ? 'null' : typeof k}`);
}

/**
 * Hashes the 64-bit counters `0 … n-1`, each as (high word, low word), with
 * `k` (JAX's partitionable layout: element i depends on i alone, so any
 * slice of the output can be computed without the rest). Returns both output
 * words of each counter.
 */
function hashCounters(k: Key, n: number): [Uint32Array, Uint32Array] {
  if (n > 2 ** 32 * 2 ** 20) throw new RangeError(`random: ${n} values are too many to draw at once`);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    hi[i] = Math.floor(i / 4294967296);
    lo[i] = i >>> 0;
  }
  threefry2x32(k.words[0], k.words[1], hi, lo);
  return [hi, lo];
}

/**
 * A key from an integer seed (a safe integer; negative seeds use their
 * two's-complement 64-bit pattern, as in JAX: `key(0)` is `[0, 0]`).
 * @example
 * ```ts
 * const k = fx.random.key(42);
 * ```
 * @public
 */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed)) throw new TypeError(`random.key: the seed must be a safe integer, got ${seed}`);
  const hi = Math.floor(seed / 4294967296);
  return makeKey(hi >>> 0, seed >>> 0);
}

/**
 * `n` new independent keys derived from `k` (default 2). `k` itself should
 * not be used again for drawing.
 * @example
 * ```ts
 * const [k1, k2] = fx.random.split(fx.random.key(0));
 * ```
 * @public
 */
export function split(k: Key, n = 2): Key[] {
  checkKey('split', k);
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`random.split: n must be a non-negative integer, got ${n}`);
  // JAX's partitionable split: key i is the hash of counter i.
  const [a, b] = hashCounters(k, n);
  return Array.from({ length: n }, (_, i) => makeKey(a[i]!, b[i]!));
}

/**
 * A new key that mixes the 32-bit integer `data` into `k` (JAX's `fold_in`):
 * `fold(k, i)` for i = 0, 1, 2, … gives a stream of independent keys.
 * @example
 * ```ts
 * const stepKey = fx.random.fold(fx.random.key(0), 17);
 * ```
 * @public
 */
export function fold(k: Key, data: number): Key {
  checkKey('fold', k);
  if (!Number.isInteger(data)) throw new TypeError(`random.fold: data must be an integer, got ${data}`);
  const x0 = new Uint32Array([0]);
  const x1 = new Uint32Array([data >>> 0]);
  threefry2x32(k.words[0], k.words[1], x0, x1);
  return makeKey(x0[0]!, x1[0]!);
}

/**
 * `n` random 32-bit words from `k` (JAX's partitionable `random_bits` layout), computed on
 * the host: the same on every backend.
 * @example
 * ```ts
 * fx.random.bits(fx.random.key(0), 4); // Uint32Array(4)
 * ```
 * @public
 */
export function bits(k: Key, n: number): Uint32Array {
  checkKey('bits', k);
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`random.bits: n must be a non-negative integer, got ${n}`);
  // JAX's partitionable random_bits (32-bit): the xor of the two words hashed from counter i.
  const [a, b] = hashCounters(k, n);
  for (let i = 0; i < n; i++) a[i] = (a[i]! ^ b[i]!) >>> 0;
  return a;
}
