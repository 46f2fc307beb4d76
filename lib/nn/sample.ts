/**
 * Host-side sampling from a PRNG key for initializers and dropout masks:
 * the key's random bits (`fx.random.bits`, Threefry-2x32) become floats on
 * the host, so every backend sees the same numbers and nothing is read back.
 */
import { bits, type Key } from '../random/keys.js';

const TWO_POW_MINUS_24 = 1 / 16777216;

/** `n` floats uniform on [0, 1): the top 24 bits of each word (exact in float32). */
export function uniformValues(key: Key, n: number): Float32Array {
  const words = bits(key, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (words[i]! >>> 8) * TWO_POW_MINUS_24;
  return out;
}

/** `n` standard normal floats by the Box–Muller transform (two uniforms per pair). */
export function normalValues(key: Key, n: number): Float32Array {
  const pairs = Math.ceil(n / 2);
  const words = bits(key, 2 * pairs);
  const out = new Float32Array(n);
  for (let i = 0; i < pairs; i++) {
    // u1 in (0, 1] so the logarithm is finite.
    const u1 = ((words[2 * i]! >>> 8) + 1) * TWO_POW_MINUS_24;
    const u2 = (words[2 * i + 1]! >>> 8) * TWO_POW_MINUS_24;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[2 * i] = r * Math.cos(2 * Math.PI * u2);
    if (2 * i + 1 < n) out[2 * i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
