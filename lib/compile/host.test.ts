/**
 * The host lowering of `jit` (lib/compile/host.ts, hostKernels.ts) gives the
 * values of eager evaluation and of `jit(f, { host: false })` (one tfjs kernel
 * per equation), for every host kernel and dtype case. On cpu and wasm each
 * comparison also checks that the jitted call ran no tfjs kernel (so the host
 * program, not a fallback, produced the values). On webgpu the host lowering
 * is not used: the same tests then check jit against eager.
 */
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';
import { hostBackend } from './host.js';
import { HOST_MATMUL_LIMIT } from './hostKernels.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;
type Program = (...args: Any[]) => Any | readonly Any[];
type F32 = fx.Tensor<number[], 'float32'>;

const FLOAT_TOL = 1e-5;
/** SwiftShader's transcendental functions are accurate to about 1e-4 (docs: shared notes). */
const transcendentalTol = (backend: string) => (backend === 'webgpu' ? 1e-3 : FLOAT_TOL);

const list = (r: Any | readonly Any[]): Any[] => (Array.isArray(r) ? [...(r as readonly Any[])] : [r as Any]);

/** A tensor of `shape` holding `values` (row-major). */
function t(shape: readonly number[], values: readonly (number | boolean)[], dtype: fx.Dtype = 'float32'): Any {
  const flat = dtype === 'bool' ? fx.tensor(values as boolean[]) : dtype === 'int32' ? fx.tensor(Int32Array.from(values as number[])) : fx.tensor(Float32Array.from(values as number[]));
  return fx.reshape(flat as Any, shape as number[]);
}

/** Deterministic values in [lo, hi), rounded to 1/64 so that sums and products stay exact in float32 where they can. */
function values(n: number, seed: number, lo = -2, hi = 2): number[] {
  let s = seed * 7919 + 17;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.round((lo + ((s / 2147483648) * (hi - lo))) * 64) / 64;
  });
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const floats = (shape: readonly number[], seed: number, lo = -2, hi = 2) => t(shape, values(sizeOf(shape), seed, lo, hi));
const ints = (shape: readonly number[], seed: number, lo = -50, hi = 50) => t(shape, values(sizeOf(shape), seed, lo, hi).map(Math.round), 'int32');
const bools = (shape: readonly number[], seed: number) => t(shape, values(sizeOf(shape), seed).map((v) => v > 0), 'bool');

/** Names of the tfjs kernels one call runs (none when the host program runs). */
async function kernelsRun(call: () => Any[]): Promise<string[]> {
  const info = await tf.profile(() => {
    call().forEach((r) => r.dispose());
  });
  return info.kernels.map((k) => k.name);
}

/** Same shape, dtype and values (floats within `tol`, int32 and bool exactly). */
async function expectSame(got: Any, want: Any, tol: number, label: string): Promise<void> {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  expect(got.dtype, `${label}: dtype`).toBe(want.dtype);
  if (want.dtype === 'float32') await expectClose(got, await want.array(), tol);
  else expect(await got.array(), `${label}: values`).toEqual(await want.array());
}

/**
 * `jit(f)` and `jit(f, { host: false })` give eager's outputs; on cpu and wasm
 * the jitted call runs no tfjs kernel (`onHost: false` for programs expected
 * to fall back to kernels).
 */
async function agrees(backend: string, f: Program, args: readonly Any[], tol = FLOAT_TOL, onHost = true): Promise<void> {
  const eager = list(f(...args));
  const jitted = fx.jit(f);
  const viaHost = list(jitted(...args));
  const viaKernels = list(fx.jit(f, { host: false })(...args));
  expect(viaHost.length).toBe(eager.length);
  for (const [i, want] of eager.entries()) {
    await expectSame(viaHost[i]!, want, tol, `output ${i}, jit`);
    await expectSame(viaKernels[i]!, want, tol, `output ${i}, jit without host`);
  }
  if (hostBackend(backend)) {
    const kernels = await kernelsRun(() => list(jitted(...args)));
    if (onHost) expect(kernels, 'tfjs kernels run by the host program').toEqual([]);
    else expect(kernels.length, 'this program runs on tfjs kernels').toBeGreaterThan(0);
  }
  [...eager, ...viaHost, ...viaKernels].forEach((r) => r.dispose());
  jitted.clear();
}

const BROADCAST_PAIRS: readonly [string, readonly number[], readonly number[]][] = [
  ['[4,3] with [3]', [4, 3], [3]],
  ['[4,3] with [4,1]', [4, 3], [4, 1]],
  ['[4,3] with a scalar', [4, 3], []],
  ['a scalar with [4,3]', [], [4, 3]],
  ['[1,3] with [4,1]', [1, 3], [4, 1]],
  ['[2,4,3] with [1,3]', [2, 4, 3], [1, 3]],
];

describeEachBackend('host lowering: elementwise float32', (backend) => {
  const binary: Record<string, (a: Any, b: Any) => Any> = {
    add: fx.add,
    sub: fx.sub,
    mul: fx.mul,
    div: fx.div,
    maximum: fx.maximum,
    minimum: fx.minimum,
  };
  for (const [name, op] of Object.entries(binary)) {
    it(`${name} broadcasts like NumPy: ${BROADCAST_PAIRS.map((p) => p[0]).join('; ')}`, async () => {
      for (const [, sa, sb] of BROADCAST_PAIRS) await agrees(backend, (a, b) => op(a, b), [floats(sa, 1), floats(sb, 2, 0.25, 3)]);
    });
  }

  it('pow broadcasts, and is NaN for a negative base with a fractional exponent as eagerly', async () => {
    for (const [, sa, sb] of BROADCAST_PAIRS) await agrees(backend, (a, b) => fx.pow(a, b), [floats(sa, 3, 0.1, 3), floats(sb, 4, -2, 2)], transcendentalTol(backend));
    await agrees(backend, (a, b) => fx.pow(a, b), [t([6], [-2, -2, 0, 0, 2, -8]), t([6], [2, 0.5, 0, -1, -0.5, 3])], transcendentalTol(backend));
  });

  const unary: Record<string, [(a: Any) => Any, number, number, boolean]> = {
    // op, domain lo, hi, transcendental
    neg: [fx.neg, -3, 3, false],
    abs: [fx.abs, -3, 3, false],
    sign: [fx.sign, -3, 3, false],
    square: [fx.square, -3, 3, false],
    exp: [fx.exp, -3, 3, true],
    expm1: [fx.expm1, -1, 1, true],
    log: [fx.log, 0.05, 5, true],
    log1p: [fx.log1p, -0.9, 5, true],
    sin: [fx.sin, -4, 4, true],
    cos: [fx.cos, -4, 4, true],
    tan: [fx.tan, -1.4, 1.4, true],
    tanh: [fx.tanh, -3, 3, true],
    sigmoid: [fx.sigmoid, -6, 6, true],
    softplus: [fx.softplus, -6, 6, true],
    sqrt: [fx.sqrt, 0, 9, false],
    rsqrt: [fx.rsqrt, 0.05, 9, false],
    relu: [fx.relu, -3, 3, false],
  };
  for (const [name, [op, lo, hi, transcendental]] of Object.entries(unary)) {
    it(`${name} on [4,3] and on a scalar`, async () => {
      const tol = transcendental ? transcendentalTol(backend) : FLOAT_TOL;
      await agrees(backend, (a) => op(a), [floats([4, 3], 5, lo, hi)], tol);
      await agrees(backend, (a) => op(a), [t([], [values(1, 6, lo, hi)[0]!])], tol);
    });
  }

  it('domain edges (log 0, log of a negative, sqrt/rsqrt of 0 and negatives, x/0) give the Inf/NaN eager gives', async () => {
    await agrees(backend, (a) => fx.log(a), [t([4], [0, -1, 1e-30, 2])], transcendentalTol(backend));
    await agrees(backend, (a) => fx.sqrt(a), [t([3], [0, -1, 2])]);
    await agrees(backend, (a) => fx.rsqrt(a), [t([3], [0, -1, 2])]);
    await agrees(backend, (a, b) => fx.div(a, b), [t([4], [1, -1, 0, 3]), t([4], [0, 0, 0, 7])]);
    await agrees(backend, (a) => [fx.sigmoid(a), fx.softplus(a), fx.exp(a), fx.expm1(a)], [t([5], [-100, -1e-7, 0, 1e-7, 80])], transcendentalTol(backend));
  });

  it('NaN passes through relu, maximum, minimum and abs when eager passes it', async () => {
    const x = t([7], [NaN, 1, -1, 0, -0.5, Infinity, -Infinity]);
    await agrees(backend, (a) => [fx.relu(a), fx.maximum(a, 0.5), fx.minimum(a, 0.5), fx.abs(a), fx.neg(a), fx.square(a)], [x]);
  });

  // sign's documented contract (lib/primitives/sign.ts): NaN gives 0, as in TensorFlow.js.
  it('sign of NaN is 0, as eagerly', async () => {
    await agrees(backend, (a) => fx.sign(a), [t([4], [NaN, -2, 0, 3])]);
  });

  it('a chain of every elementwise op over broadcast operands is one loop with several outputs', async () => {
    const f = (x: Any, y: Any, z: Any) => {
      const a = fx.mul(fx.add(x, y), z); // [4,3] from [4,3], [3], [4,1]
      const b = fx.tanh(fx.sub(a, fx.sigmoid(y)));
      const c = fx.div(fx.exp(fx.neg(fx.square(b))), fx.add(fx.softplus(a), 1));
      const d = fx.relu(fx.maximum(fx.minimum(c, 0.3), fx.sin(x)));
      return [a, c, fx.add(d, fx.cos(fx.abs(b))), fx.sqrt(fx.add(fx.square(a), 1e-3))];
    };
    await agrees(backend, f, [floats([4, 3], 7), floats([3], 8), floats([4, 1], 9)], transcendentalTol(backend));
  });
});

describeEachBackend('host lowering: int32 and bool', (backend) => {
  it('int32 add, sub, mul, neg, abs, square, maximum, minimum, sign agree exactly, with broadcasting', async () => {
    const ops: ((a: Any, b: Any) => Any)[] = [fx.add, fx.sub, fx.mul, fx.maximum, fx.minimum, (a) => fx.neg(a), (a) => fx.abs(a), (a) => fx.square(a), (a) => fx.sign(a)];
    for (const op of ops) {
      for (const [, sa, sb] of BROADCAST_PAIRS) await agrees(backend, (a, b) => op(a, b), [ints(sa, 11), ints(sb, 12)]);
    }
  });

  it('int32 sums and products wrap around modulo 2^32 as eagerly (65536·65536 = 0, 46341² wraps negative)', async () => {
    // Products stay below 2^53 and operands of neg/abs below 2^24, where tfjs's int32 kernels are exact too.
    const a = t([6], [65536, 46341, -2147483648, 2147483647, 16777215, -7], 'int32');
    const b = t([6], [65536, 46341, 1, 1, 16777215, 3], 'int32');
    await agrees(backend, (x, y) => [fx.mul(x, y), fx.add(x, y), fx.sub(x, y), fx.add(fx.mul(x, y), x)], [a, b]);
    const host = fx.jit((x: Any, y: Any) => fx.mul(x, y))(a, b);
    expect(await host.array()).toEqual([0, -2147479015, -2147483648, 2147483647, -33554431, -21]);
  });

  it('on the host int32 arithmetic is exact modulo 2^32 even where tfjs kernels round through float32', async () => {
    // tfjs's int32 neg/abs/square (and cpu's mul past 2^53) round operands above 2^24 to float32; the host
    // computes with Math.imul and |0, the int32 semantics. Expected values are those exact answers.
    const x = t([4], [123456789, 2147483647, -2147483648, -7], 'int32');
    const y = t([4], [987654321, 2147483647, 1, 3], 'int32');
    const g = fx.jit((a: Any, b: Any) => [fx.mul(a, b), fx.neg(a), fx.abs(a), fx.square(a)]);
    const [mul, neg, abs, square] = list(g(x, y));
    const xs = [123456789, 2147483647, -2147483648, -7];
    const ys = [987654321, 2147483647, 1, 3];
    if (hostBackend(backend)) {
      expect(await mul!.array()).toEqual(xs.map((v, i) => Math.imul(v, ys[i]!)));
      expect(await neg!.array()).toEqual(xs.map((v) => -v | 0));
      expect(await abs!.array()).toEqual(xs.map((v) => Math.abs(v) | 0));
      expect(await square!.array()).toEqual(xs.map((v) => Math.imul(v, v)));
    }
    // webgpu: the host lowering is not used, and int32 overflow there is not specified; nothing to compare.
  });

  it('comparisons of float32 (NaN included), int32 and bool produce bool, with broadcasting', async () => {
    const cmp: Record<string, (a: Any, b: Any) => Any> = {
      greater: fx.greater,
      greaterEqual: fx.greaterEqual,
      less: fx.less,
      lessEqual: fx.lessEqual,
      equal: fx.equal,
      notEqual: fx.notEqual,
    };
    const x = t([2, 4], [NaN, 1, -1, 0.5, 2, 2, -3, Infinity]);
    const y = t([4], [NaN, 1, 0, 0.5]);
    const i = t([2, 4], [1, 2, 3, 4, -1, -2, 3, 0], 'int32');
    const j = t([2, 1], [3, -2], 'int32');
    for (const [name, op] of Object.entries(cmp)) {
      await agrees(backend, (a, b) => op(a, b), [x, y]);
      await agrees(backend, (a, b) => op(a, b), [i, j]);
      if (name === 'equal' || name === 'notEqual') await agrees(backend, (a, b) => op(a, b), [bools([2, 4], 13), bools([4], 14)]);
    }
  });

  it('where selects with a bool condition between float32 or int32 branches, broadcasting all three', async () => {
    await agrees(backend, (c, a, b) => fx.where(c, a, b), [bools([4, 3], 15), floats([4, 3], 16), floats([4, 3], 17)]);
    await agrees(backend, (c, a, b) => fx.where(c, a, b), [bools([4, 1], 18), floats([3], 19), floats([], 20)]);
    await agrees(backend, (c, a, b) => fx.where(c, a, b), [bools([3], 21), ints([4, 3], 22), ints([4, 1], 23)]);
    await agrees(backend, (c, a) => fx.where(fx.greater(a, 0), fx.mul(a, 2), fx.neg(a)), [bools([3], 24), floats([4, 3], 25)]);
  });

  it('cast among float32, int32 and bool: truncation toward zero, NaN and ±Inf, wraparound of large floats', async () => {
    const x = t([9], [-1.7, -0.5, 2.9, NaN, Infinity, -Infinity, 3e9, 0, -0]);
    const i = t([5], [0, 3, -1, 2147483647, -2147483648], 'int32');
    const b = t([3], [true, false, true], 'bool');
    await agrees(backend, (a) => [fx.cast(a, 'int32'), fx.cast(a, 'bool'), fx.cast(a, 'float32')], [x]);
    await agrees(backend, (a) => [fx.cast(a, 'float32'), fx.cast(a, 'bool'), fx.cast(a, 'int32')], [i]);
    await agrees(backend, (a) => [fx.cast(a, 'float32'), fx.cast(a, 'int32'), fx.cast(a, 'bool')], [b]);
    // A cast inside a loop: float → int32 → float rounds toward zero, then arithmetic continues in float.
    await agrees(backend, (a) => fx.mul(fx.cast(fx.cast(fx.mul(a, 3), 'int32'), 'float32'), 0.5), [floats([4, 3], 26)]);
  });

  it('clip on float32 and on int32 with fractional bounds (int32 bounds round inward)', async () => {
    await agrees(backend, (a) => fx.clip(a, -0.25, 0.75), [t([6], [1, -1, 0, -0.5, Infinity, -Infinity])]);
    await agrees(backend, (a) => fx.clip(a, -0.25, 0.75), [floats([4, 3], 27)]);
    await agrees(backend, (a) => fx.clip(a, -2.5, 3.7), [t([6], [-5, -2, 0, 3, 4, 100], 'int32')]);
    await agrees(backend, (a) => fx.clip(fx.add(a, a), -10.5, 10.5), [ints([4, 3], 28)]);
  });

  // tfjs-wasm's ClipByValue maps NaN to the lower bound; fluxion's clip keeps NaN on every backend (lib/primitives/clip.ts).
  it('clip of NaN is NaN, eagerly and jitted', async () => {
    await agrees(backend, (a) => fx.clip(a, -0.25, 0.75), [t([3], [NaN, 2, -2])]);
    expect(Array.from(await fx.clip(t([3], [NaN, 2, -2]), -0.25, 0.75).data())).toEqual([NaN, 0.75, -0.25]);
  });
});

describeEachBackend('host lowering: structural kernels', (backend) => {
  it('broadcastTo from [3], [4,1], a scalar, [1,3,1] and the same shape, for float32, int32 and bool', async () => {
    const cases: [readonly number[], readonly number[]][] = [
      [[3], [4, 3]],
      [[4, 1], [4, 3]],
      [[], [2, 3]],
      [[1, 3, 1], [2, 3, 4]],
      [[2, 3], [2, 3]],
    ];
    for (const [from, to] of cases) {
      await agrees(backend, (a) => fx.broadcastTo(a, to as number[]), [floats(from, 29)]);
      await agrees(backend, (a) => fx.broadcastTo(a, to as number[]), [ints(from, 30)]);
      await agrees(backend, (a) => fx.broadcastTo(a, to as number[]), [bools(from, 31)]);
    }
  });

  it('transpose of [2,3,4] under every 3-D permutation, and the default 2-D transpose', async () => {
    const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    for (const perm of perms) {
      await agrees(backend, (a) => fx.transpose(a, perm as never), [floats([2, 3, 4], 32)]);
      await agrees(backend, (a) => fx.transpose(a, perm as never), [ints([2, 3, 4], 33)]);
    }
    await agrees(backend, (a) => fx.transpose(a), [floats([3, 5], 34)]);
  });

  it('slice: contiguous along the leading axis, non-contiguous inner blocks, 3-D', async () => {
    await agrees(backend, (a) => fx.slice(a, [2, 0], [3, 3]), [floats([6, 3], 35)]);
    await agrees(backend, (a) => fx.slice(a, [1, 2], [2, 2]), [floats([4, 5], 36)]);
    await agrees(backend, (a) => fx.slice(a, [0, 1, 1], [2, 2, 2]), [floats([2, 3, 4], 37)]);
    await agrees(backend, (a) => fx.slice(a, [1, 0, 0], [1, 3, 4]), [ints([2, 3, 4], 38)]);
    await agrees(backend, (a) => fx.slice(a, [1, 1], [3, 1]), [bools([4, 3], 39)]);
  });

  it('pad with a nonzero value, asymmetric paddings, float32 and int32', async () => {
    await agrees(backend, (a) => fx.pad(a, [[1, 2], [0, 3]], 1.5), [floats([2, 3], 40)]);
    await agrees(backend, (a) => fx.pad(a, [[0, 1], [2, 0], [1, 1]], -2), [floats([2, 3, 2], 41)]);
    await agrees(backend, (a) => fx.pad(a, [[2, 1]], 7), [ints([3], 42)]);
  });

  it('concat of three inputs along axis 0 and along axis 1', async () => {
    await agrees(backend, (a, b, c) => fx.concat([a, b, c], 0), [floats([1, 3], 43), floats([2, 3], 44), floats([3, 3], 45)]);
    await agrees(backend, (a, b, c) => fx.concat([a, b, c], 1), [floats([2, 1], 46), floats([2, 3], 47), floats([2, 2], 48)]);
    await agrees(backend, (a, b, c) => fx.concat([a, b, c], 1), [ints([2, 2, 2], 49), ints([2, 1, 2], 50), ints([2, 3, 2], 51)]);
  });

  it('take along axis 0 and axis 1 with 2-D int32 indices (repeats included), and with a number', async () => {
    const idx0 = t([2, 3], [3, 0, 3, 1, 2, 0], 'int32');
    const idx1 = t([2, 2], [2, 0, 2, 1], 'int32');
    await agrees(backend, (x, i) => fx.take(x, i, 0), [floats([4, 3], 52), idx0]);
    await agrees(backend, (x, i) => fx.take(x, i, 1), [floats([4, 3], 53), idx1]);
    await agrees(backend, (x, i) => fx.take(x, i, 1), [floats([2, 3, 2], 54), idx1]);
    await agrees(backend, (x, i) => fx.take(x, i, 0), [ints([4, 3], 55), idx0]);
    await agrees(backend, (x) => fx.take(x, 2, 1), [floats([4, 3], 56)]);
  });

  it('scatterAdd with repeated indices accumulates, along axis 0 and axis 1', async () => {
    const idx = t([2, 2], [0, 2, 0, 0], 'int32');
    await agrees(backend, (x, i, u) => fx.scatterAdd(x, i, u, 0), [floats([3, 2], 57), idx, floats([2, 2, 2], 58)]);
    await agrees(backend, (x, i, u) => fx.scatterAdd(x, i, u, 1), [floats([2, 3], 59), idx, floats([2, 2, 2], 60)]);
    await agrees(backend, (x, i, u) => fx.scatterAdd(x, i, u, 0), [ints([3], 61), t([4], [1, 1, 1, 2], 'int32'), ints([4], 62)]);
    const got = fx.jit((x: Any, i: Any, u: Any) => fx.scatterAdd(x, i, u))(fx.zeros([3]), t([3], [0, 2, 0], 'int32'), t([3], [1, 2, 3]));
    await expectClose(got, [4, 0, 2]);
  });

  it('sum, prod, max and min over one axis, several axes and all axes, with and without keepDims', async () => {
    const reducers: Record<string, (x: Any, axis?: number | number[], keepDims?: boolean) => Any> = { sum: fx.sum, prod: fx.prod, max: fx.max, min: fx.min };
    const axesCases: (number | number[] | undefined)[] = [1, -1, [0, 2], [0, 1, 2], undefined];
    for (const [name, op] of Object.entries(reducers)) {
      for (const axis of axesCases) {
        for (const keepDims of [false, true]) {
          await agrees(backend, (a) => op(a, axis, keepDims), [floats([2, 3, 4], 63, name === 'prod' ? 0.5 : -2, name === 'prod' ? 1.5 : 2)]);
          await agrees(backend, (a) => op(a, axis, keepDims), [ints([2, 3, 4], 64, -4, 4)]);
        }
      }
    }
  });

  it('a prod over trailing axes of a group value accumulates inside the loop: exp→prod is one loop, Π exp(x) = exp(Σ x)', async () => {
    const f = (a: Any) => fx.prod(fx.exp(a), 1);
    const x = floats([3, 4], 75, -1, 1);
    await agrees(backend, f, [x]);
    if (hostBackend(backend)) expect(fx.jit(f).lower(x).toString()).toMatch(/fused\[ops=exp→prod\]/);
    const rows = (await x.array()) as number[][];
    await expectClose(fx.jit(f)(x), rows.map((r) => Math.exp(r.reduce((s, v) => s + v, 0))), 1e-5);
  });

  it('max and min reductions propagate NaN as eagerly', async () => {
    await agrees(backend, (a) => [fx.max(a), fx.min(a), fx.max(a, 1), fx.min(a, 0)], [t([2, 3], [1, NaN, -1, 4, 5, -6])]);
  });

  it('matmul: 2-D, matrix-vector, k not a multiple of 4, batched [2,3,4]@[4,5] and broadcast batches [1,3,4]@[2,4,5]', async () => {
    await agrees(backend, (a, b) => fx.matmul(a, b), [floats([3, 4], 65), floats([4, 5], 66)]);
    await agrees(backend, (a, b) => fx.matmul(a, b), [floats([3, 7], 67), floats([7, 1], 68)]);
    await agrees(backend, (a, b) => fx.matmul(a, b), [floats([1, 9], 69), floats([9, 2], 70)]);
    await agrees(backend, (a, b) => fx.matmul(a, b), [floats([2, 3, 4], 71), floats([4, 5], 72)]);
    await agrees(backend, (a, b) => fx.matmul(a, b), [floats([1, 3, 4], 73), floats([2, 4, 5], 74)]);
  });

  it('matmul broadcasts batch axes of different ranks: [3,1,2,4]@[2,4,3] equals the product of explicitly broadcast operands', async () => {
    // Only on the host: tf.matMul (eager, and jit without host) returns a corrupt tensor here (18 values under
    // shape [3,2,2,3]) because it flattens each operand's batch axes before broadcasting them (3 against 2).
    if (!hostBackend(backend)) return;
    const a = floats([3, 1, 2, 4], 75);
    const b = floats([2, 4, 3], 76);
    const want = fx.matmul(fx.broadcastTo(a, [3, 2, 2, 4]), fx.broadcastTo(b, [3, 2, 4, 3]));
    const jitted = fx.jit((x: Any, y: Any) => fx.matmul(x, y));
    const got = jitted(a, b);
    expect(got.shape).toEqual([3, 2, 2, 3]);
    await expectClose(got, await want.array(), FLOAT_TOL);
    expect(await kernelsRun(() => [jitted(a, b)])).toEqual([]);
  });

  it(`a matmul of at most HOST_MATMUL_LIMIT (${HOST_MATMUL_LIMIT}) multiply-adds runs on the host; a larger one on tfjs kernels (on wasm: fluxion's packed SIMD kernel in the mixed plan)`, async () => {
    const side = Math.round(Math.cbrt(HOST_MATMUL_LIMIT)); // 128³ = the limit exactly
    expect(side ** 3).toBe(HOST_MATMUL_LIMIT);
    const a = t([side, side], values(side * side, 77, -1, 1).map((v) => Math.round(v * 8) / 8));
    const b = t([side, side], values(side * side, 78, -1, 1).map((v) => Math.round(v * 8) / 8));
    const big = t([side + 1, side], values((side + 1) * side, 79, -1, 1).map((v) => Math.round(v * 8) / 8));
    // Entries are multiples of 1/8 in [-1, 1]: every product and partial sum is exact in float32.
    await agrees(backend, (x, y) => fx.matmul(x, y), [a, b]);
    await agrees(backend, (x, y) => fx.matmul(x, y), [big, b], FLOAT_TOL, backend === 'wasm');
  });

  it('a reshape chain and stopGradient alias their operand; an elementwise op after them reads the right values', async () => {
    const f = (x: Any) => {
      const r = fx.reshape(fx.reshape(fx.reshape(x, [3, 4]), [12]), [4, 3]);
      const s = fx.stopGradient(fx.mul(r, 2));
      return [fx.add(s, fx.reshape(x, [4, 3])), fx.reshape(s, [2, 6]), r];
    };
    await agrees(backend, f, [floats([2, 6], 80)]);
    await agrees(backend, (x) => fx.stopGradient(x), [floats([3], 81)]);
  });
});

describeEachBackend('host lowering: derivatives', (backend) => {
  it('jit(grad(loss)) equals grad(loss) for an MLP with tanh and a softmax cross-entropy', async () => {
    type M = fx.Tensor<[number, number], 'float32'>;
    type V = fx.Tensor<[number], 'float32'>;
    interface Params {
      w1: M;
      b1: V;
      w2: M;
      b2: V;
    }
    const loss = (p: Params, x: M, labels: M): fx.Tensor<[], 'float32'> => {
      const h = fx.tanh(fx.nn.dense({ w: p.w1, b: p.b1 }, x));
      return fx.nn.softmaxCrossEntropy(fx.nn.dense({ w: p.w2, b: p.b2 }, h), labels);
    };
    const params: Params = { w1: floats([4, 6], 82, -1, 1), b1: floats([6], 83, -0.5, 0.5), w2: floats([6, 3], 84, -1, 1), b2: floats([3], 85, -0.5, 0.5) };
    const x = floats([5, 4], 86);
    const labels = t([5, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0]);
    const g = fx.grad(loss);
    const want = g(params, x, labels) as unknown as Params;
    const jitted = fx.jit(g);
    const got = jitted(params, x, labels) as unknown as Params;
    const viaKernels = fx.jit(g, { host: false })(params, x, labels) as unknown as Params;
    const tol = transcendentalTol(backend);
    for (const k of ['w1', 'b1', 'w2', 'b2'] as const) {
      await expectClose(got[k], await want[k].array(), tol);
      await expectClose(viaKernels[k], await want[k].array(), tol);
    }
    if (hostBackend(backend)) {
      const kernels = await kernelsRun(() => Object.values(jitted(params, x, labels) as unknown as Params));
      expect(kernels, 'tfjs kernels run by the jitted gradient').toEqual([]);
    }
  });

  it('jit(hessian(f)) equals hessian(f) for a function of 5 variables', async () => {
    const f = (x: Any) => fx.add(fx.sum(fx.mul(fx.sin(x), fx.square(x))), fx.square(fx.sum(fx.mul(x, fx.tensor([1, -2, 3, 0.5, -1])))));
    const x = t([5], [0.3, -0.7, 1.1, 0.05, -1.9]);
    const h = fx.hessian(f as (x: Any) => fx.Tensor<[], 'float32'>);
    const want = (await (h(x) as Any).array()) as number[][];
    const jitted = fx.jit(h);
    await expectClose(jitted(x) as Any, want, transcendentalTol(backend));
    await expectClose(fx.jit(h, { host: false })(x) as Any, want, transcendentalTol(backend));
    // Symmetric, as a Hessian must be.
    const got = (await (jitted(x) as Any).array()) as number[][];
    for (let i = 0; i < 5; i++) for (let j = 0; j < i; j++) expect(got[i]![j]).toBeCloseTo(got[j]![i]!, 4);
  });
});

describeEachBackend('host lowering: program structure', (backend) => {
  it('a chain of 120 elementwise ops splits into several loops and keeps its values', async () => {
    const f = (x: Any, y: Any) => {
      let v = x;
      for (let i = 0; i < 40; i++) v = fx.tanh(fx.add(fx.mul(v, 0.9), y));
      return v;
    };
    await agrees(backend, f, [floats([4, 3], 100), floats([3], 101)], transcendentalTol(backend));
    if (hostBackend(backend)) expect(fx.jit(f).lower(floats([4, 3], 100), floats([3], 101)).toString().match(/fused\[/g)!.length).toBeGreaterThanOrEqual(3);
  });

  it('random programs mixing loops of several shapes, reductions, reshapes, transposes and matmuls agree', async () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    const shapes = ['4,3', '3', '4,1', '', '3,4'];
    for (let trial = 0; trial < 25; trial++) {
      const f = (x: Any, y: Any, z: Any) => {
        const pool: Any[] = [x, y, z];
        const pick = (ok: (v: Any) => boolean) => {
          const c = pool.filter(ok);
          return c.length ? c[rand(c.length)]! : undefined;
        };
        const broadcastable = (p: readonly number[], q: readonly number[]) =>
          p.every((d, i) => { const e = q[q.length - p.length + i]; return e === undefined || d === e || d === 1 || e === 1; });
        for (let step = 0; step < 14; step++) {
          const a = pick(() => true)!;
          // Keep results small: at most 16 elements ([4,4] from [4,1] with [4]).
          const b = pick((v) => broadcastable(a.shape, v.shape) && broadcastable(v.shape, a.shape));
          switch (rand(9)) {
            case 0: pool.push(fx.tanh(fx.add(a, b!))); break;
            case 1: pool.push(fx.mul(fx.sin(a), fx.sigmoid(b!))); break;
            case 2: pool.push(fx.maximum(fx.sub(a, b!), fx.neg(fx.abs(b!)))); break;
            case 3: pool.push(fx.where(fx.greater(a, 0), a, fx.mul(b!, 0.5))); break;
            case 4: if (a.rank > 0) pool.push(fx.sum(a, a.rank - 1, rand(2) === 0)); break;
            case 5: if (a.shape.join(',') === '4,3') pool.push(fx.transpose(a)); else if (a.shape.join(',') === '3,4') pool.push(fx.reshape(a, [4, 3])); break;
            case 6: { const m = pick((v) => v.shape.join(',') === '4,3'); const n = pick((v) => v.shape.join(',') === '3,4'); if (m && n) pool.push(fx.tanh(fx.matmul(n, m))); break; }
            case 7: if (a.shape.join(',') === '4') pool.push(fx.reshape(a, [4, 1])); else pool.push(fx.cos(a)); break;
            default: { const p = pick((v) => v.shape.join(',') === '4,3'); if (p) pool.push(fx.slice(p, [rand(2), 0], [2, 3])); else pool.push(fx.square(a)); }
          }
        }
        return [pool[pool.length - 1]!, pool[pool.length - 2]!, pool[3 + rand(pool.length - 3)]!];
      };
      const args: [Any, Any, Any] = [floats(shapes[trial % 5]!.split(',').filter(Boolean).map(Number), 200 + trial), floats([4, 3], 300 + trial), floats([3, 4], 400 + trial)];
      const s0 = seed;
      const eager = list(f(...args));
      // Each call of f draws the same program: rewind the generator before jit traces it.
      const replay = (g: (x: Any, y: Any, z: Any) => Any | readonly Any[]) => { seed = s0; return list(g(...args)); };
      const jitted = fx.jit(f);
      const viaHost = replay(jitted);
      const viaKernels = replay(fx.jit(f, { host: false }));
      for (const [i, want] of eager.entries()) {
        await expectSame(viaHost[i]!, want, transcendentalTol(backend), `trial ${trial}, output ${i}, jit`);
        await expectSame(viaKernels[i]!, want, transcendentalTol(backend), `trial ${trial}, output ${i}, jit without host`);
      }
      if (hostBackend(backend)) expect(await kernelsRun(() => list(jitted(...args))), `trial ${trial}: tfjs kernels run`).toEqual([]);
    }
  });
});

describeEachBackend('host lowering: outputs', (backend) => {
  /** Returns an input directly, an alias of it, one value twice, and a symbolic zero (the gradient for an ignored argument). */
  const f = (x: Any, y: Any) => {
    const [gx, gy] = fx.grad((a: F32, _b: F32) => fx.sum(fx.mul(a, fx.exp(a))) as fx.Tensor<[], 'float32'>, { argnums: [0, 1] })(x as F32, y as F32) as unknown as [Any, Any];
    const twice = fx.mul(x, 3);
    return [x, fx.reshape(x, [3, 2]), twice, twice, gx, gy];
  };

  it('an input returned directly, a value returned twice and a zero gradient give eager values', async () => {
    const x = floats([2, 3], 87, -1, 1);
    const y = floats([4], 88);
    await agrees(backend, f, [x, y], transcendentalTol(backend));
    const ir = fx.jit(f).lower(x, y);
    // The program returns its first input itself, one variable twice, and the ignored argument's (symbolically
    // zero) gradient as a constant: jit stages concrete outputs, so no output of a jitted IR is `null`.
    expect(ir.outputs[0]).toBe(ir.inputs[0]);
    expect(ir.outputs[2]).toBe(ir.outputs[3]);
    expect(ir.constVars).toContain(ir.outputs[5]);
  });

  it('returned tensors are independent copies: a second call does not change them, nor does disposing the inputs', async () => {
    const g = fx.jit(f);
    const x1 = floats([2, 3], 89, -1, 1);
    const y1 = floats([4], 90);
    const first = list(g(x1, y1));
    const firstValues = await Promise.all(first.map((r) => r.array()));
    expect(first[0]).not.toBe(x1);
    const x2 = floats([2, 3], 91, -1, 1);
    const y2 = floats([4], 92);
    const second = list(g(x2, y2));
    // The second call's values differ, and the first call's are unchanged.
    expect(await second[0]!.array()).not.toEqual(firstValues[0]);
    x1.dispose();
    y1.dispose();
    for (const [i, r] of first.entries()) expect(await r.array(), `output ${i} of the first call`).toEqual(firstValues[i]);
    // Outputs 2 and 3 are the same value but distinct tensors: disposing one leaves the other.
    expect(first[2]).not.toBe(first[3]);
    first[2]!.dispose();
    expect(await first[3]!.array()).toEqual(firstValues[3]);
    await expectClose(first[5]!, [0, 0, 0, 0]);
    const want = list(f(x2, y2));
    for (const [i, r] of second.entries()) await expectClose(r, await want[i]!.array(), transcendentalTol(backend));
  });

  it('pooled intermediate buffers are reused across calls without leaking values between them', async () => {
    const h = fx.jit((x: Any) => {
      const a = fx.exp(fx.mul(x, 0.5));
      const s = fx.sum(a, 1, true); // a reduction closes the loop: a, then a new loop
      return [fx.div(a, s), fx.matmul(a, fx.transpose(a)), s];
    });
    const inputs = [floats([3, 4], 93), floats([3, 4], 94), floats([3, 4], 95)];
    const outs = inputs.map((x) => list(h(x)));
    for (const [k, x] of inputs.entries()) {
      const a = fx.exp(fx.mul(x, 0.5));
      const s = fx.sum(a, 1, true);
      await expectClose(outs[k]![0]!, await fx.div(a, s).array(), transcendentalTol(backend));
      await expectClose(outs[k]![1]!, await fx.matmul(a, fx.transpose(a)).array(), transcendentalTol(backend));
      await expectClose(outs[k]![2]!, await s.array(), transcendentalTol(backend));
    }
  });
});

describeEachBackend('host lowering: memory', () => {
  it('inside fx.scope only the outputs of a jitted call survive; every intermediate is freed', () => {
    const g = fx.jit((x: Any, y: Any) => {
      const a = fx.tanh(fx.matmul(x, y));
      return [fx.sum(fx.exp(a), 0), fx.take(a, t([2], [1, 0], 'int32'), 0), x];
    });
    const x = floats([3, 4], 96);
    const y = floats([4, 2], 97);
    list(g(x, y)).forEach((r) => r.dispose()); // warm the cache (its constants stay)
    const before = fx.memory().tensors;
    const outs = fx.scope(() => list(g(x, y)));
    expect(fx.memory().tensors).toBe(before + 3);
    outs.forEach((r) => r.dispose());
    expect(fx.memory().tensors).toBe(before);
    expect(g.stats().peakBytes).toBeGreaterThan(0);
  });
});

describeEachBackend('host lowering: lowered IR and stats', (backend) => {
  const chain = (x: Any, y: Any) => fx.tanh(fx.add(fx.mul(x, y), fx.exp(x)));
  const args = (): [Any, Any] => [floats([4, 3], 98), floats([3], 99)];

  it('a chain of elementwise ops lowers to one fused loop on cpu and wasm, counted in stats', async () => {
    const g = fx.jit(chain);
    const ir = g.lower(...args()).toString();
    if (hostBackend(backend)) {
      expect(ir).toMatch(/fused\[ops=mul→exp→add→tanh\]|fused\[ops=exp→mul→add→tanh\]/);
      expect(g.stats().optimized.fused).toBe(1);
    }
    await agrees(backend, chain, args(), transcendentalTol(backend));
  });

  it('{ fuse: false } keeps one loop per equation: no fused equation', () => {
    const ir = fx.jit(chain, { fuse: false }).lower(...args()).toString();
    expect(ir).not.toMatch(/fused/);
    expect(ir).toMatch(/tanh/);
  });

  it('{ host: false } on wasm runs tfjs kernels, which wasm does not fuse', () => {
    const ir = fx.jit(chain, { host: false }).lower(...args()).toString();
    if (backend === 'wasm') expect(ir).not.toMatch(/fused/);
    expect(ir).toMatch(/tanh|fused/);
  });

  it('values of different shapes go to different loops; a loop has several outputs when several values leave it', () => {
    const g = fx.jit((x: Any, y: Any) => {
      const a = fx.exp(fx.neg(x)); // [4,3]
      const b = fx.sin(fx.mul(y, 2)); // [3]
      return [fx.add(a, 1), a, fx.cos(b), b];
    });
    const ir = g.lower(...args()).toString();
    if (hostBackend(backend)) {
      const fusedLines = ir.split('\n').filter((l) => l.includes('fused['));
      expect(fusedLines).toHaveLength(2);
      for (const line of fusedLines) expect(line.split('=')[0]!.match(/:f32/g)).toHaveLength(2);
    }
  });

  it('traces once and then answers from the cache, on the host as on kernels', () => {
    const g = fx.jit(chain);
    const [x, y] = args();
    g(x!, y!).dispose();
    g(x!, y!).dispose();
    g(y!, y!).dispose(); // a new signature
    expect(g.stats()).toMatchObject({ traces: 2, cacheHits: 1 });
  });
});
