/**
 * Threefry-2x32 with 20 rounds (Salmon et al., SC'11), the counter-based
 * hash behind `fx.random` keys: 32-bit additions, rotations and xors, so it
 * gives the same bits in every JS engine.
 */

const ROTATIONS = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
] as const;

/**
 * Threefry-2x32 (20 rounds) applied in place to the counter pairs
 * `(x0[i], x1[i])` under key `(k0, k1)`.
 */
export function threefry2x32(k0: number, k1: number, x0: Uint32Array, x1: Uint32Array): void {
  const ks0 = k0 >>> 0;
  const ks1 = k1 >>> 0;
  const ks2 = (ks0 ^ ks1 ^ 0x1bd11bda) >>> 0;
  const ks = [ks0, ks1, ks2];
  for (let i = 0; i < x0.length; i++) {
    let a = (x0[i]! + ks0) >>> 0;
    let b = (x1[i]! + ks1) >>> 0;
    for (let block = 0; block < 5; block++) {
      const rot = ROTATIONS[block % 2]!;
      for (let r = 0; r < 4; r++) {
        a = (a + b) >>> 0;
        const s = rot[r]!;
        b = ((b << s) | (b >>> (32 - s))) >>> 0;
        b = (b ^ a) >>> 0;
      }
      // Key injection after each block of four rounds.
      a = (a + ks[(block + 1) % 3]!) >>> 0;
      b = (b + ks[(block + 2) % 3]! + block + 1) >>> 0;
    }
    x0[i] = a;
    x1[i] = b;
  }
}

