/**
 * The wasm backend's SIMD kernels (lib/compile/simd.ts) give exactly the bits
 * of the JS loops and host kernels they stand in for, special values
 * included; they decline the cases they do not handle; and a jitted program
 * on wasm runs its elementwise groups, 2-D transposes and leading-axis sums
 * with them, matching eager evaluation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as fx from '../index.js';
import { ConcreteTensor } from '../core/tensor.js';
import { describeEachBackend, expectClose, testBackends } from '../testing/backends.js';
import { hostBackend, view } from './host.js';
import type { Slots, Step } from '../core/lowering.js';
import { sc, type Scalar } from '../core/scalar.js';
import type { ScalarLoop } from './group.js';
import { HOST_MATMUL_LIMIT, lowerEquation } from './hostKernels.js';
import { fcos, ferf, fexp, fexpm1, flog, flog1p, fsin, ftan, ftanh } from './fastmath.js';
import { simdColumnSum, simdLoop, simdMatmul, simdTesting, simdTranspose, wasmHeap } from './simd.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;
type F32 = fx.Tensor<number[], 'float32'>;

const onWasm = testBackends.includes('wasm');
if (!onWasm) console.log('simd.test.ts: skipped, the wasm backend is not in FLUXION_TEST_BACKENDS');

/** Special values, then a spread of ordinary ones (an even count). */
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 1e-30, 1e30, -1e30, 9.99, 10, 10.5, -20, 19.5, 1, -1, 3.4e38];
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = i < SPECIAL.length ? SPECIAL[i]! : ((s / 2147483648) * 2 - 1) * 8;
  }
  return out;
}

const tensor = (v: Float32Array, shape: number[]) => tf.tensor(v, shape, 'float32');
const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) expect([i, a[i]], `position ${i}`).toEqual([i, b[i]]);
};

/** Runs `step` on fresh wasm tensors for the outputs; returns their values. */
function run(step: Step, inputs: readonly tf.Tensor[], outShapes: readonly number[][]): Float32Array[] {
  const outs = outShapes.map((s) => tf.zeros(s));
  step([...inputs, ...outs].map(view));
  const got = outs.map((t) => t.dataSync() as Float32Array);
  outs.forEach((t) => t.dispose());
  return got;
}

const slotsFor = (ins: number, outs: number): Slots => ({ ins: [...Array(ins).keys()], outs: [...Array(outs).keys()].map((j) => ins + j) });

describe('SIMD matrix products of the host lowering (any backend: they run on a heap of their own)', () => {
  it('equal the float64 product within float32 summation error, for several shapes; decline n not a multiple of 8 and tiny products', () => {
    for (const [m, k, n] of [[64, 64, 64], [1, 512, 8], [3, 97, 16], [37, 129, 24], [128, 33, 8]] as [number, number, number][]) {
      const a = values(m * k, m + k).map((v) => (Number.isFinite(v) && Math.abs(v) < 100 ? v : 0.5));
      const b = values(k * n, k + n).map((v) => (Number.isFinite(v) && Math.abs(v) < 100 ? v : -0.25));
      const step = simdMatmul(m, k, n, slotsFor(2, 1));
      expect(step, `${m}×${k}×${n}`).toBeDefined();
      const out = new Float32Array(m * n);
      step!([a, b, out]);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let want = 0;
          let scale = 0;
          for (let p = 0; p < k; p++) {
            want += a[i * k + p]! * b[p * n + j]!;
            scale += Math.abs(a[i * k + p]! * b[p * n + j]!);
          }
          // Float32 products summed in float32 down k: the recursive-summation bound (k + 1)·2⁻²⁴·Σ|a·b|.
          expect(Math.abs(out[i * n + j]! - want), `(${i}, ${j}) of ${m}×${k}×${n}`).toBeLessThanOrEqual((k + 1) * 2 ** -24 * scale);
        }
    }
    expect(simdMatmul(64, 64, 60, slotsFor(2, 1))).toBeUndefined();
    expect(simdMatmul(2, 2, 8, slotsFor(2, 1))).toBeUndefined();
  });

  it('jit of a 64-dim Hessian (one 64×64×64 product) matches the analytic Aᵀ·diag(1 − tanh²(Ax))·A·… + I', async () => {
    const n = 64;
    const aValues = values(n * n, 3).map((v) => (Number.isFinite(v) && Math.abs(v) < 100 ? v / 64 : 0.01));
    const A = fx.reshape(fx.tensor(aValues), [n, n]) as fx.Tensor<[64, 64], 'float32'>;
    const x0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i) / 4);
    const f = (v: fx.Tensor<[64], 'float32'>) => fx.add(fx.sum(fx.tanh(fx.dot(A, v))), fx.mul(fx.sum(fx.mul(v, v)), 0.5));
    const h = await fx.jit(fx.hessian(f))(fx.tensor(x0) as fx.Tensor<[64], 'float32'>).array();
    // H = Aᵀ·diag(−2·tanh(u)·(1 − tanh²(u)))·A + I with u = A·x.
    const u = Array.from({ length: n }, (_, r) => aValues.slice(r * n, r * n + n).reduce((s, a, c) => s + a * x0[c]!, 0));
    const d = u.map((ui) => -2 * Math.tanh(ui) * (1 - Math.tanh(ui) ** 2));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const want = d.reduce((s, dr, r) => s + aValues[r * n + i]! * dr * aValues[r * n + j]!, i === j ? 1 : 0);
        expect(Math.abs(h[i]![j]! - want), `H[${i}][${j}]`).toBeLessThan(2e-5);
      }
  });
});

describeEachBackend('SIMD kernels of a host program run in place on its arena', (backend) => {
  it('a program of elementwise groups, a transpose, a 64×64×64 product and a column sum gives the values of tfjs kernels', async () => {
    if (!hostBackend(backend)) return; // the host lowering runs on cpu and wasm only
    type Sq = fx.Tensor<[64, 64], 'float32'>;
    const x = fx.reshape(fx.tensor(values(64 * 64, 5).map((v) => (Number.isFinite(v) && Math.abs(v) < 100 ? v / 8 : 0.5))), [64, 64]) as Sq;
    const f = (a: Sq) => {
      const h = fx.tanh(fx.add(fx.mul(a, a), 0.5)); // an elementwise group of intermediates
      const p = fx.matmul(h, fx.transpose(h)); // a transpose and a product of intermediates
      return fx.sum(fx.mul(p, fx.sub(1, h)), 0); // another group and a sum over the leading axis
    };
    const jitted = fx.jit(f);
    jitted(x);
    const before = simdTesting.ran;
    const got = jitted(x);
    // Groups, the transpose, the product and the sum: each ran as a SIMD step on the arena.
    expect(simdTesting.ran - before).toBeGreaterThanOrEqual(4);
    const want = (await fx.jit(f, { host: false })(x).data()) as Float32Array;
    const values_ = (await got.data()) as Float32Array;
    const scale = Math.max(...Array.from(want, Math.abs));
    for (let i = 0; i < 64; i++) expect(Math.abs(values_[i]! - want[i]!), `column ${i}`).toBeLessThanOrEqual(1e-5 * scale);
  });

  it('a loop reading a scalar input runs in SIMD (the scalar is copied into the arena with the other inputs)', async () => {
    if (!hostBackend(backend)) return;
    type V = fx.Tensor<[64], 'float32'>;
    const jitted = fx.jit((x: V, s: fx.Tensor<[], 'float32'>) => fx.add(fx.mul(x, s), x));
    const x = fx.tensor(Float32Array.from({ length: 64 }, (_, i) => i / 4)) as V;
    jitted(x, fx.scalar(3) as fx.Tensor<[], 'float32'>);
    const before = simdTesting.ran;
    const got = await jitted(x, fx.scalar(-2) as fx.Tensor<[], 'float32'>).data();
    expect(simdTesting.ran - before).toBe(1);
    expect(Array.from(got)).toEqual(Array.from({ length: 64 }, (_, i) => (i / 4) * -2 + i / 4));
  });

  it('a staged loop runs its body in SIMD on every step, its scalar loop constants and carries included', async () => {
    if (!hostBackend(backend)) return;
    type V = fx.Tensor<[64], 'float32'>;
    const f = fx.jit((x: V, h: fx.Tensor<[], 'float32'>) => fx.fori(0, 50, (_i, c: V) => fx.sub(c, fx.mul(h, fx.mul(x, c))), fx.ones([64]) as V));
    const x = fx.tensor(Float32Array.from({ length: 64 }, (_, i) => i / 64)) as V;
    const h = fx.scalar(0.01) as fx.Tensor<[], 'float32'>;
    f(x, h);
    const before = simdTesting.ran;
    const got = await f(x, h).data();
    expect(simdTesting.ran - before).toBeGreaterThanOrEqual(50);
    got.forEach((v, i) => expect(v).toBeCloseTo((1 - 0.01 * (i / 64)) ** 50, 5));
  });

  it('W2: value and gradient of sum(sin(x)·e^(−x²) + tanh(x)·x) run as two SIMD loops (the sum after the first), reading the input copied into the arena', async () => {
    if (!hostBackend(backend)) return;
    const f = (x: fx.Tensor<[4096], 'float32'>) => fx.sum(fx.add(fx.mul(fx.sin(x), fx.exp(fx.neg(fx.mul(x, x)))), fx.mul(fx.tanh(x), x)));
    const x = fx.tensor(Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i) * 3)) as fx.Tensor<[4096], 'float32'>;
    const jitted = fx.jit(fx.valueAndGrad(f));
    jitted(x);
    const before = simdTesting.ran;
    const [v, g] = jitted(x);
    expect(simdTesting.ran - before).toBe(2);
    const xs = await x.data();
    let want = 0;
    const dwant = Array.from(xs, (t) => {
      want += Math.sin(t) * Math.exp(-t * t) + Math.tanh(t) * t;
      return Math.cos(t) * Math.exp(-t * t) - 2 * t * Math.sin(t) * Math.exp(-t * t) + (1 - Math.tanh(t) ** 2) * t + Math.tanh(t);
    });
    await expectClose(v, want, 1e-5 * Math.abs(want));
    await expectClose(g, dwant, 1e-5);
  });
});

(onWasm ? describe : describe.skip)('SIMD kernels on the wasm heap', () => {
  let previous: string;
  let heap: WebAssembly.Memory;
  beforeAll(async () => {
    previous = fx.getBackend();
    await fx.setBackend('wasm');
    const h = wasmHeap();
    if (!h) throw new Error('wasm SIMD is unavailable in this engine');
    heap = h;
  });
  afterAll(async () => {
    await fx.setBackend(previous as 'wasm');
  });

  it('transposes 2-D float32 matrices with dimensions that are multiples of 4, bit for bit', () => {
    for (const [r, c] of [[4, 4], [8, 12], [36, 20], [128, 512], [512, 128]] as [number, number][]) {
      const x = tensor(values(r * c, r + c), [r, c]);
      const step = simdTranspose(heap, [r, c], slotsFor(1, 1), () => undefined)!;
      expect(step, `${r}×${c}`).toBeDefined();
      const [got] = run(step, [x], [[c, r]]);
      const want = tf.transpose(x);
      sameBits(got!, want.dataSync());
      want.dispose();
      x.dispose();
    }
    expect(simdTranspose(heap, [6, 4], slotsFor(1, 1), () => undefined)).toBeUndefined();
    expect(simdTranspose(heap, [3, 4, 6], slotsFor(1, 1), () => undefined)).toBeUndefined();
    expect(simdTranspose(heap, [4], slotsFor(1, 1), () => undefined)).toBeUndefined();
  });

  it('swaps the last two axes of a batch of matrices ([2, 3, 8, 12] → [2, 3, 12, 8], attention’s kᵀ), bit for bit', () => {
    const shape = [2, 3, 8, 12];
    const x = tensor(values(2 * 3 * 8 * 12, 5), shape);
    const step = simdTranspose(heap, shape, slotsFor(1, 1), () => undefined)!;
    expect(step).toBeDefined();
    const [got] = run(step, [x], [[2, 3, 12, 8]]);
    const want = tf.transpose(x, [0, 1, 3, 2]);
    sameBits(got!, want.dataSync());
    want.dispose();
    x.dispose();
  });

  it('sums over leading axes as the host reduction does (float64 down each column), bit for bit', () => {
    for (const [shape, axes] of [[[128, 512], [0]], [[3, 4, 6], [0, 1]], [[5, 2], [0]], [[1, 8], [0]]] as [number[], number[]][]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const x = tensor(values(size, size).map((v) => (Number.isFinite(v) && Math.abs(v) < 1e20 ? v : 0.25)), shape);
      const ir = fx.makeIR((t: Any) => fx.sum(t, axes))(new ConcreteTensor(x) as Any);
      const eq = ir.equations.find((e) => e.prim.name === 'sum')!;
      const js = lowerEquation(eq, slotsFor(1, 1))!;
      const step = simdColumnSum(heap, shape, axes, slotsFor(1, 1), js);
      expect(step, `${shape} over ${axes}`).toBeDefined();
      const outShape = [...eq.outputs[0]!.aval.shape];
      sameBits(run(step!, [x], [outShape])[0]!, run(js, [x], [outShape])[0]!);
      x.dispose();
    }
    expect(simdColumnSum(heap, [4, 6], [1], slotsFor(1, 1), () => undefined)).toBeUndefined();
    expect(simdColumnSum(heap, [4, 5], [0], slotsFor(1, 1), () => undefined)).toBeUndefined();
  });

  it('a broadcastTo in a program with a large product runs as a host step, not as tfjs-wasm kernels', async () => {
    const x = fx.mul(fx.ones([128, 128]), 0.01) as F32;
    // The cotangent of a sum over axis 1 is broadcast back to [128, 256] and feeds the product's transpose.
    const f = fx.jit(fx.grad((w: F32) => fx.sum(fx.square(fx.sum(fx.matmul(x, w), 1))) as fx.Tensor<[], 'float32'>));
    const w = fx.mul(fx.ones([128, 256]), 0.5) as F32;
    expect(f.lower(w).toString()).toMatch(/broadcastTo/);
    f(w);
    const profile = await tf.profile(() => (f(w) as ConcreteTensor)._concrete()._tf);
    expect(profile.kernels.map((k) => k.name).filter((k) => ['Fill', 'Tile', 'BroadcastTo', 'Add'].includes(k))).toEqual([]);
    // Every row of x·w sums to 256·128·0.005 = 163.84; the gradient is xᵀ·(2·163.84) in every entry: 128·0.01·327.68.
    await expectClose(f(w), Array.from({ length: 128 }, () => Array<number>(256).fill(128 * 0.01 * 2 * 163.84)), 1e-5);
  });

  it('jit of an MLP step runs its tanh, transposes, bias sums and small products in SIMD (no tfjs Tanh, Transpose or Sum kernel) and matches eager', async () => {
    const x: F32 = new ConcreteTensor(tensor(values(128 * 128, 1).map((v) => (Number.isFinite(v) && Math.abs(v) < 100 ? v / 8 : 0.5)), [128, 128])) as F32;
    const w1: F32 = new ConcreteTensor(tensor(values(128 * 256, 2).map((v) => (Number.isFinite(v) && Math.abs(v) < 100 ? v / 64 : 0.01)), [128, 256])) as F32;
    const b1: F32 = new ConcreteTensor(tensor(values(256, 3).map((v) => (Number.isFinite(v) && Math.abs(v) < 100 ? v / 16 : 0.1)), [256])) as F32;
    const w2: F32 = new ConcreteTensor(tensor(values(256 * 10, 4).map((v) => (Number.isFinite(v) && Math.abs(v) < 100 ? v / 64 : 0.01)), [256, 10])) as F32;
    const loss = (p: { w1: F32; b1: F32; w2: F32 }, x: F32) => fx.sum(fx.square(fx.matmul(fx.tanh(fx.add(fx.matmul(x, p.w1), p.b1)), p.w2))) as fx.Tensor<[], 'float32'>;
    const f = fx.jit(fx.valueAndGrad(loss));
    const p = { w1, b1, w2 };
    // Large enough that the host lowering leaves the products to tfjs: the mixed plan runs.
    expect(128 * 128 * 256).toBeGreaterThan(HOST_MATMUL_LIMIT);
    f(p, x);
    const kernels: string[] = [];
    const profile = await tf.profile(() => {
      const [v, g] = f(p, x);
      return [v, g.w1, g.b1, g.w2].map((t) => (t as ConcreteTensor)._concrete()._tf);
    });
    for (const k of profile.kernels) kernels.push(k.name);
    expect(kernels.filter((k) => ['Tanh', 'Transpose', 'Sum'].includes(k))).toEqual([]);
    expect(kernels).toContain('BatchMatMul');
    // The large products stay on XNNPACK; a small one with n a multiple of 8 (ct [128,10] against w2ᵀ [10,256]) runs in SIMD.
    const unfused = await tf.profile(() => {
      const [v, g] = fx.jit(fx.valueAndGrad(loss), { host: false })(p, x);
      return [v, g.w1, g.b1, g.w2].map((t) => (t as ConcreteTensor)._concrete()._tf);
    });
    const products = (names: string[]) => names.filter((k) => k === 'BatchMatMul').length;
    expect(products(kernels)).toBeLessThan(products(unfused.kernels.map((k) => k.name)));
    const [v, g] = f(p, x);
    const [ev, eg] = fx.valueAndGrad(loss)(p, x);
    for (const [got, want] of [[v, ev], [g.w1, eg.w1], [g.b1, eg.b1], [g.w2, eg.w2]] as [Any, Any][]) {
      const [a, b] = [await got.data(), await want.data()];
      const scale = Math.max(...Array.from(b, Math.abs));
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-5 * scale);
    }
  });
});

// ------------------------------------------------------------------ the scalar-op algebra, op by op

/** C's pow, as the JS loop computes it. */
const cpow = (a: number, b: number) => (a === 1 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b));

/** float32 → int32 as the algebra casts: toward 0, saturating, NaN → 0. */
const saturate = (x: number) => (Number.isNaN(x) ? 0 : x >= 2 ** 31 ? 2 ** 31 - 1 : x <= -(2 ** 31) ? -(2 ** 31) : Math.trunc(x) | 0);
/** int32 ops as the JS loop computes them (wrapping modulo 2³²). */
const INT_REF: Partial<Record<string, (a: number, b: number) => number>> = {
  add: (a, b) => (a + b) | 0,
  sub: (a, b) => (a - b) | 0,
  mul: Math.imul,
  neg: (a) => -a | 0,
  abs: (a) => Math.abs(a) | 0,
};

/** The JS loop's value of `e` (bools as booleans): fastmath's functions in float64, `round32` as Math.fround. */
function reference(e: Scalar, args: readonly number[]): number | boolean {
  const memo = new Map<Scalar, number | boolean>();
  const go = (n: Scalar): number | boolean => {
    const hit = memo.get(n);
    if (hit !== undefined) return hit;
    const [a, b, c] = n.args.map(go) as [number, number, number];
    const unaryFns: Partial<Record<string, (x: number) => number>> = {
      neg: (x) => -x,
      abs: Math.abs,
      floor: Math.floor,
      sqrt: Math.sqrt,
      exp: fexp,
      expm1: fexpm1,
      log: flog,
      log1p: flog1p,
      sin: fsin,
      cos: fcos,
      tan: ftan,
      tanh: ftanh,
      erf: ferf,
      atan: Math.atan,
      round32: Math.fround,
    };
    let v: number | boolean;
    const int = n.args[0]?.dtype === 'int32';
    if (int && INT_REF[n.op]) v = INT_REF[n.op]!(a, b);
    else if (n.op === 'cast' && n.dtype === 'int32') v = typeof a === 'boolean' ? Number(a) : saturate(a);
    else if (n.op === 'arg') v = n.dtype === 'bool' ? args[n.index!]! !== 0 : args[n.index!]!;
    else if (n.op === 'lit') v = n.dtype === 'bool' ? n.value !== 0 : n.value!;
    else if (unaryFns[n.op]) v = unaryFns[n.op]!(a);
    else
      switch (n.op) {
        case 'add':
          v = a + b;
          break;
        case 'sub':
          v = a - b;
          break;
        case 'mul':
          v = a * b;
          break;
        case 'div':
          v = a / b;
          break;
        case 'min':
          v = Math.min(a, b);
          break;
        case 'max':
          v = Math.max(a, b);
          break;
        case 'pow':
          v = cpow(a, b);
          break;
        case 'lt':
          v = a < b;
          break;
        case 'le':
          v = a <= b;
          break;
        case 'gt':
          v = a > b;
          break;
        case 'ge':
          v = a >= b;
          break;
        case 'eq':
          v = a === b;
          break;
        case 'ne':
          v = a !== b;
          break;
        case 'and':
          v = (a as unknown as boolean) && (b as unknown as boolean);
          break;
        case 'or':
          v = (a as unknown as boolean) || (b as unknown as boolean);
          break;
        case 'not':
          v = !(a as unknown as boolean);
          break;
        case 'select':
          v = (a as unknown as boolean) ? b : c;
          break;
        case 'cast':
          v = n.dtype === 'bool' ? (a as unknown) !== 0 && (a as unknown) !== false : n.dtype === 'float32' && typeof a === 'boolean' ? (a ? 1 : 0) : a;
          break;
        default:
          throw new Error(`no reference for ${n.op}`);
      }
    memo.set(n, v);
    return v;
  };
  return go(e);
}

type Column = Float32Array | Uint8Array | Int32Array;
const dtypeOf = (c: Column) => (c instanceof Uint8Array ? 'bool' : c instanceof Int32Array ? 'int32' : 'float32');

/** A memory of the test's own, with float32 and bool arrays placed 16-byte aligned. */
class Arena {
  readonly memory = new WebAssembly.Memory({ initial: 1 });
  private used = 0;
  /** Room for `n` elements: where, how many, of which kind (views are made after the last grow, which detaches older ones). */
  alloc(n: number, dtype: string = 'float32'): [number, number, string] {
    const bytes = Math.ceil((n * (dtype === 'bool' ? 1 : 4)) / 16) * 16;
    const missing = this.used + bytes - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / 65536));
    const at = this.used;
    this.used += bytes;
    return [at, n, dtype];
  }
  view([at, n, dtype]: [number, number, string]): Column {
    const buffer = this.memory.buffer;
    return dtype === 'bool' ? new Uint8Array(buffer, at, n) : dtype === 'int32' ? new Int32Array(buffer, at, n) : new Float32Array(buffer, at, n);
  }
}

/**
 * Runs `results` over inputs `columns` (float32, or bool as a Uint8Array;
 * each of the loop's size unless `shapes` says otherwise) as a SIMD loop on
 * an arena, and returns the outputs; the loop must be taken.
 */
function runSimd(results: Scalar[], columns: Column[], shapes?: number[][], shape?: number[]): Column[] {
  const n = shape ? shape.reduce((a, b) => a * b, 1) : columns[0]!.length;
  const loopShape = shape ?? [n];
  const arena = new Arena();
  const ins = columns.map((c) => arena.alloc(c.length, dtypeOf(c)));
  const outs = results.map((r) => arena.alloc(n, r.dtype));
  const loop: ScalarLoop = {
    shape: loopShape,
    inputs: columns.map((c, i) => ({ shape: shapes?.[i] ?? loopShape, dtype: dtypeOf(c) })),
    results,
  };
  const slots = { ins: ins.map((_, i) => i), outs: outs.map((_, j) => ins.length + j) };
  const step = simdLoop(arena.memory, loop, slots, () => {
    throw new Error('the fallback ran');
  });
  expect(step, 'SIMD takes the loop').toBeDefined();
  const env = [...ins, ...outs].map((a) => arena.view(a));
  columns.forEach((c, i) => env[i]!.set(c));
  const ran = simdTesting.ran;
  step!(env);
  expect(simdTesting.ran).toBe(ran + 1);
  return outs.map((o) => arena.view(o).slice());
}

/** The reference outputs of `results`, stored as float32 (booleans as 0/1). */
function runReference(results: Scalar[], columns: Column[], n: number, index: (i: number, j: number) => number = (i) => i): Column[] {
  return results.map((r) => {
    const out = r.dtype === 'bool' ? new Uint8Array(n) : r.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(reference(r, columns.map((c, j) => c[index(i, j)]!)));
    return out;
  });
}

/** Special values, both signs: NaN, ±Infinity, ±0, denormals, float32's extremes, the functions' switch points. */
const SPECIALS = [
  NaN, Infinity, 0, 1e-40, 1.4e-45, 1e-30, 1e-8, 1e-5, 0.25, 0.5, 0.9, 1, 1.5707963, 2, 3.1415927, 4, 3.92, 9.99, 10, 10.5, 20, 88.7, 88.8, 103.9, 104, 709, 746, 1000, 1e6, 1e6 + 0.5, 1e7, 1e20, 1e38, 3.4028235e38, 0.29289322, 0.41421357, 0.99999994,
].flatMap((v) => [v, -v]);

/** `n` values: the specials, then uniform draws in [lo, hi] and log-uniform magnitudes in 1e-30…1e30 of both signs. */
function sample(n: number, seed: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < n; i++) {
    if (i < SPECIALS.length) out[i] = SPECIALS[i]!;
    else if (i % 4 === 3) out[i] = (next() < 0.5 ? -1 : 1) * 10 ** (60 * next() - 30);
    else out[i] = lo + (hi - lo) * next();
  }
  return out;
}

const x0 = sc.arg(0, 'float32');
const x1 = sc.arg(1, 'float32');

/** Each unary float32 op, its domain for random draws, and its promise: bit-identical to fastmath (0) or within that many float32 ulp. */
const UNARY: [string, (x: Scalar) => Scalar, number, number][] = [
  ['neg', sc.neg, -100, 100],
  ['abs', sc.abs, -100, 100],
  ['floor', sc.floor, -100, 100],
  ['sqrt', sc.sqrt, 0, 100],
  ['round32', sc.round32, -100, 100],
  ['exp', sc.exp, -110, 95],
  ['expm1', sc.expm1, -20, 20],
  ['log', sc.log, 0, 100],
  ['log1p', sc.log1p, -1, 10],
  ['sin', sc.sin, -20, 20],
  ['cos', sc.cos, -20, 20],
  ['tan', sc.tan, -20, 20],
  ['tanh', sc.tanh, -12, 12],
  ['erf', sc.erf, -5, 5],
  ['atan', sc.atan, -20, 20],
].map(([name, op, lo, hi]) => [name as string, op as (x: Scalar) => Scalar, lo as number, hi as number]);

const BINARY: [string, (a: Scalar, b: Scalar) => Scalar][] = [
  ['add', sc.add],
  ['sub', sc.sub],
  ['mul', sc.mul],
  ['div', sc.div],
  ['min', sc.min],
  ['max', sc.max],
  ['pow', sc.pow],
];

const COMPARE: [string, (a: Scalar, b: Scalar) => Scalar][] = [
  ['lt', sc.lt],
  ['le', sc.le],
  ['gt', sc.gt],
  ['ge', sc.ge],
  ['eq', sc.eq],
  ['ne', sc.ne],
];

/** Pairs: every special against every special, then random pairs (exponents of pow in [−4, 4]). */
function pairs(seed: number, powExponents: boolean): [Float32Array, Float32Array] {
  const k = SPECIALS.length;
  const n = k * k + 4 * 250;
  const a = sample(n, seed, -20, 20);
  const b = sample(n, seed + 1, powExponents ? -4 : -20, powExponents ? 4 : 20);
  for (let i = 0; i < k * k; i++) {
    a[i] = SPECIALS[Math.floor(i / k)]!;
    b[i] = SPECIALS[i % k]!;
  }
  return [a, b];
}

describe('SIMD loops of the scalar-op algebra: bit for bit the JS loop (fastmath in float64, then float32)', () => {
  /** Checks SIMD against the reference bit for bit, at eight floats per iteration (n ≡ 0 mod 8; four for large modules), four (n ≡ 4 mod 8) and two (n ≡ 2 mod 4). */
  function same(results: Scalar[], columns: Column[]) {
    const n0 = columns[0]!.length - (columns[0]!.length % 8);
    for (const n of [n0, n0 - 4, n0 - 2]) {
      const cs = columns.map((c) => c.subarray(0, n));
      const got = runSimd(results, cs);
      const want = runReference(results, cs, n);
      got.forEach((g, j) => sameBits(g, want[j]!));
    }
  }

  /**
   * `e`, then what float32 rounding drops of it (e − round32(e), exact in
   * float64) and what it drops of that: all 53 bits of the float64 value
   * reach the float32 outputs (where not too small).
   */
  const exposed = (e: Scalar): Scalar[] => {
    const d1 = sc.sub(e, sc.round32(e));
    return [e, d1, sc.sub(d1, sc.round32(d1))];
  };

  for (const [name, op, lo, hi] of UNARY)
    it(`${name}: NaN, ±Infinity, ±0, denormals, overflow and random values over its domain, all 53 bits`, () => {
      same(exposed(op(x0)), [sample(4000, name.length, lo, hi)]);
      // The result read back through round32, as a primitive feeding another does.
      same([sc.mul(sc.round32(op(x0)), sc.lit(3))], [sample(400, 7, lo, hi)]);
    });

  it('trigonometric functions over their whole fast range and beyond 1e6 (Math.sin/cos/tan per lane)', () => {
    const x = sample(4000, 11, -1e6, 1e6);
    same([sc.sin(x0), sc.cos(x0), sc.tan(x0)].flatMap(exposed), [x]);
    // Only some lanes beyond 1e6: the mask picks them.
    same([sc.sin(x0), sc.cos(x0), sc.tan(x0)], [sample(4000, 12, -2e6, 2e6)]);
  });

  it('exp over the whole float32 range, its denormal results and the underflow to 0 (2^n down to 2^−1075 in 64-bit lanes)', () => {
    // x such that 2^n reaches the denormals of float64 (x < −708) and 0.
    const x = Float32Array.from({ length: 4000 }, (_, i) => -760 + i * 0.4);
    same([sc.exp(x0), sc.expm1(x0)].flatMap(exposed), [x]);
    // The float64 values before the float32 store: 2^n·(1 + q) down to the denormals, compared as float64 through a division.
    const tiny = sc.mul(sc.exp(x0), sc.lit(2 ** 100));
    same([sc.round32(sc.mul(tiny, sc.lit(2 ** 100)))], [x]);
  });

  for (const [name, op] of BINARY)
    it(`${name}: every pair of special values and random pairs`, () => {
      const [a, b] = pairs(name.length, name === 'pow');
      same(exposed(op(x0, x1)), [a, b]);
    });

  it('pow: C semantics (1 for a base of 1, also with a NaN exponent, and for (−1)^±Infinity)', () => {
    const a = Float32Array.of(1, 1, -1, -1, 1, -1, 2, 0, -0, NaN);
    const b = Float32Array.of(NaN, Infinity, Infinity, -Infinity, -Infinity, NaN, NaN, -1, -3, 0);
    const [got] = runSimd([sc.pow(x0, x1)], [a, b]);
    expect(Array.from(got!)).toEqual([1, 1, 1, 1, 1, NaN, NaN, Infinity, -Infinity, 1]);
  });

  for (const [name, op] of COMPARE)
    it(`${name} on float32 (IEEE: NaN unordered) and on bools, read back through select and a cast`, () => {
      const [a, b] = pairs(name.length + 1, false);
      same([sc.select(op(x0, x1), x0, x1), sc.cast(op(x0, x1), 'float32')], [a, b]);
      // On bools: x < 0 against y < 0 (a NaN gives false).
      const [p, q] = [sc.lt(x0, sc.lit(0)), sc.lt(x1, sc.lit(0))];
      same([sc.cast(op(p, q), 'float32')], [a, b]);
    });

  it('and, or, not, bool literals, casts float32 → bool (x ≠ 0, NaN true) → float32 and select on every special pair', () => {
    const [a, b] = pairs(3, false);
    const [p, q] = [sc.cast(x0, 'bool'), sc.gt(x1, sc.lit(1))];
    same(
      [
        sc.cast(sc.and(p, q), 'float32'),
        sc.cast(sc.or(p, sc.not(q)), 'float32'),
        sc.select(sc.or(sc.lit(0, 'bool'), sc.and(sc.lit(1, 'bool'), p)), sc.neg(x1), sc.lit(-0)),
        sc.cast(sc.isNaN(x0), 'float32'),
      ],
      [a, b],
    );
  });

  it('compositions: sigmoid, softplus, gelu (erf), the W2 loss and gradient, shared nodes computed once', () => {
    const x = sample(4000, 5, -12, 12);
    const sigmoid = sc.round32(sc.div(sc.lit(1), sc.add(sc.lit(1), sc.round32(sc.exp(sc.neg(x0))))));
    const softplus = sc.add(sc.max(x0, sc.lit(0)), sc.round32(sc.log1p(sc.round32(sc.exp(sc.neg(sc.abs(x0)))))));
    const gelu = sc.mul(sc.mul(x0, sc.lit(0.5)), sc.add(sc.lit(1), sc.round32(sc.erf(sc.mul(x0, sc.lit(Math.SQRT1_2))))));
    same([sigmoid, softplus, gelu, ...w2(x0)], [x]);
  });

  it('a bias cycling along the last axis and a hoisted scalar (periods of 8: eight floats per iteration; 4: four; 6: two)', () => {
    for (const cols of [8, 4, 6]) {
      const z = sample(6 * cols, 7, -5, 5);
      const bias = sample(cols, 8, -5, 5).reverse();
      const one = Float32Array.of(1);
      const h = sc.round32(sc.tanh(sc.round32(sc.add(x0, x1))));
      const results = [h, sc.sub(sc.arg(2, 'float32'), sc.round32(sc.mul(h, h)))];
      const got = runSimd(results, [z, bias, one], [[6, cols], [1, cols], []], [6, cols]);
      const want = runReference(results, [z, bias, one], 6 * cols, (i, j) => (j === 0 ? i : j === 1 ? i % cols : 0));
      got.forEach((g, j) => sameBits(g, want[j]!));
    }
  });

  it('bool operands and results (one byte each): comparisons stored, masks read, as one value and cycling', () => {
    const [a, b] = pairs(9, false);
    const m = Uint8Array.from(a, (v, i) => (i % 3 === 0 || v > 0 ? 1 : 0));
    const q = sc.arg(2, 'bool');
    same([sc.gt(x0, x1), sc.select(q, x0, x1), sc.and(q, sc.not(sc.isNaN(x1))), sc.cast(q, 'float32')], [a, b, m]);
    for (const cols of [8, 4, 6]) {
      const z = sample(6 * cols, 7, -5, 5);
      const flags = Uint8Array.from({ length: cols }, (_, i) => i % 3 && 1);
      const one = Uint8Array.of(1);
      const results = [sc.select(sc.arg(1, 'bool'), sc.neg(x0), x0), sc.ne(sc.arg(1, 'bool'), sc.arg(2, 'bool')), sc.lt(x0, sc.lit(0))];
      const got = runSimd(results, [z, flags, one], [[6, cols], [cols], [1, 1]], [6, cols]);
      const want = runReference(results, [z, flags, one], 6 * cols, (i, j) => (j === 0 ? i : j === 1 ? i % cols : 0));
      got.forEach((g, j) => sameBits(g, want[j]!));
      expect(got[1]).toBeInstanceOf(Uint8Array);
    }
  });

  it('int32 operands, results and ops (wrapping modulo 2³², Math.imul), comparisons, select and casts to and from float32 and bool', () => {
    const INTS = [0, -1, 1, 2, 2 ** 31 - 1, -(2 ** 31), 65536, -65537, 46341, -46341, 7, -7, 1 << 30, 123456789];
    const k = INTS.length;
    const n = k * k + 600;
    let seed = 5;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 ** 32 - 2 ** 31;
    const [a, b] = [new Int32Array(n), new Int32Array(n)];
    for (let i = 0; i < n; i++) [a[i], b[i]] = i < k * k ? [INTS[Math.floor(i / k)]!, INTS[i % k]!] : [rand() | 0, i % 2 ? rand() | 0 : (rand() % 100) | 0];
    const f = sample(n, 4, -3e9, 3e9);
    const [i0, i1] = [sc.arg(0, 'int32'), sc.arg(1, 'int32')];
    const ops = [sc.add(i0, i1), sc.sub(i0, i1), sc.mul(i0, i1), sc.neg(i0), sc.abs(i0), sc.min(i0, i1), sc.max(i0, i1), sc.add(i0, sc.lit(-3, 'int32'))];
    const compare = [sc.lt, sc.le, sc.gt, sc.ge, sc.eq, sc.ne].map((op) => op(i0, i1));
    // Wrapped before they are compared: sums, products, negations that overflow.
    const wrapped = [sc.add, sc.sub, sc.mul].flatMap((op) => [sc.lt(op(i0, i1), sc.lit(0, 'int32')), sc.max(op(i0, i1), i1)]);
    wrapped.push(sc.lt(sc.neg(i0), sc.lit(0, 'int32')), sc.lt(sc.abs(i0), sc.lit(0, 'int32')));
    same([...ops, ...compare, sc.select(sc.lt(i0, i1), i1, i0), ...wrapped], [a, b, f]);
    const x2 = sc.arg(2, 'float32');
    same(
      [sc.cast(x2, 'int32'), sc.cast(i0, 'float32'), sc.cast(i0, 'bool'), sc.cast(sc.gt(x2, sc.lit(0)), 'int32'), sc.round32(sc.mul(sc.cast(sc.mul(i0, i1), 'float32'), x2))],
      [a, b, f],
    );
  });

  it('an operand broadcast over trailing axes (a row statistic [R, 1]): one value per run of 8, 4 and 6 positions; float32, int32 and bool', () => {
    for (const cols of [8, 4, 6]) {
      const z = sample(6 * cols, 3, -5, 5);
      const row = sample(6, 11, -5, 5);
      const counts = Int32Array.from({ length: 6 }, (_, i) => i * 7 - 20);
      const flags = Uint8Array.from({ length: 6 }, (_, i) => i % 2);
      const results = [
        sc.round32(sc.mul(sc.sub(x0, x1), sc.cast(sc.arg(2, 'int32'), 'float32'))),
        sc.select(sc.arg(3, 'bool'), sc.exp(sc.sub(x0, x1)), x0),
      ];
      const columns = [z, row, counts, flags];
      const got = runSimd(results, columns, [[6, cols], [6, 1], [6, 1], [6, 1]], [6, cols]);
      const want = runReference(results, columns, 6 * cols, (i, j) => (j === 0 ? i : Math.floor(i / cols)));
      got.forEach((g, j) => sameBits(g, want[j]!));
    }
  });

  it('reductions over runs (sum, max with NaN, beside stored results): bit for bit the JS loop’s float64 accumulator in position order', () => {
    const acc = (x: Scalar, y: Scalar) => sc.add(x, y);
    const max = (a: Scalar, x: Scalar) => sc.select(sc.or(sc.gt(x, a), sc.isNaN(x)), x, a);
    for (const cols of [8, 4, 6, 64]) {
      const rows = 5;
      const n = rows * cols;
      const z = sample(n, 5 + cols, -20, 20);
      if (cols === 64) z[70] = NaN; // a NaN in the second run
      const stat = sample(rows, 2, -3, 3);
      const e = sc.exp(sc.sub(x0, x1)); // softmax's numerator, summed unrounded
      const results = [sc.round32(e), e, x0, sc.mul(x0, x0)];
      const reductions = [null, { init: 0, combine: acc(sc.arg(0, 'float32'), sc.arg(1, 'float32')), inner: cols }, { init: -Infinity, combine: max(sc.arg(0, 'float32'), sc.arg(1, 'float32')), inner: cols }, { init: 0, combine: acc(sc.arg(0, 'float32'), sc.arg(1, 'float32')), inner: cols }];
      const arena = new Arena();
      const ins = [arena.alloc(n, 'float32'), arena.alloc(rows, 'float32')];
      const outs = results.map((_, j) => arena.alloc(reductions[j] ? rows : n, 'float32'));
      const loop: ScalarLoop = { shape: [rows, cols], inputs: [{ shape: [rows, cols], dtype: 'float32' }, { shape: [rows, 1], dtype: 'float32' }], results };
      const step = simdLoop(arena.memory, loop, slotsFor(2, 4), () => {
        throw new Error('the fallback ran');
      }, reductions);
      expect(step, `SIMD takes the reducing loop of ${cols}`).toBeDefined();
      const env = [...ins, ...outs].map((a) => arena.view(a));
      env[0]!.set(z);
      env[1]!.set(stat);
      step!(env);
      const got = outs.map((o) => arena.view(o).slice());
      results.forEach((r, j) => {
        const red = reductions[j];
        const want = new Float32Array(red ? rows : n);
        for (let i = 0; i < rows; i++) {
          let a = red ? red.init : 0;
          for (let c = 0; c < cols; c++) {
            const v = reference(r, [z[i * cols + c]!, stat[i]!]) as number;
            if (red) a = reference(red.combine, [a, v]) as number;
            else want[i * cols + c] = v;
          }
          if (red) want[i] = a;
        }
        sameBits(got[j]!, want);
      });
    }
  });

  it('declines what it does not compute: an odd size, a reduction, a [M,1] column operand over odd runs', () => {
    const arena = new Arena();
    const f32 = (shape: number[]) => ({ shape, dtype: 'float32' as const });
    const slots = { ins: [0], outs: [1] };
    const decline = (loop: ScalarLoop) => expect(simdLoop(arena.memory, loop, slots, () => undefined)).toBeUndefined();
    decline({ shape: [7], inputs: [f32([7])], results: [sc.tanh(x0)] });
    decline({ shape: [4, 5], inputs: [f32([4, 5]), f32([4, 1])], results: [sc.add(x0, x1)] });
    decline({ shape: [4, 6], inputs: [f32([4, 6])], results: [sc.tanh(x0)], reduceInner: 6 } as ScalarLoop);
  });

  it('off its memory (plain Float32Arrays) it runs the fallback instead', () => {
    const arena = new Arena();
    let fell = 0;
    const step = simdLoop(arena.memory, { shape: [8], inputs: [{ shape: [8], dtype: 'float32' }], results: [sc.tanh(x0)] }, { ins: [0], outs: [1] }, () => fell++)!;
    step([new Float32Array(8), new Float32Array(8)]);
    expect(fell).toBe(1);
  });

  it('modules import only the memory and fixed library functions (Math.* and fastmath.ts by fixed names)', () => {
    const allowed = new Set(['e.m', 'm.sin', 'm.cos', 'm.tan', 'm.atan', 'm.pow', 'm.log', 'm.log1p']);
    const seen = new Set<string>();
    for (const bytes of simdTesting.modules()) for (const i of WebAssembly.Module.imports(new WebAssembly.Module(bytes))) seen.add(`${i.module}.${i.name}`);
    expect([...seen].filter((name) => !allowed.has(name))).toEqual([]);
    // The tests above compiled every one of them.
    expect([...allowed].filter((name) => !seen.has(name))).toEqual([]);
  });

  it('keeps each module within 4 KB (a browser compiles larger ones asynchronously only): the W2 loop fits at four floats per iteration', () => {
    const before = simdTesting.modules().length;
    runSimd(w2(x0), [sample(64, 3, -3, 3)]);
    const added = simdTesting.modules().slice(before);
    for (const m of added) expect(m.length).toBeLessThanOrEqual(4096);
  });
});

/** W2's loss sin(x)·exp(−x²) + tanh(x)·x and its derivative, as the compiler's loop would write them (round32 between primitives). */
function w2(x: Scalar): Scalar[] {
  const r = sc.round32;
  const s = r(sc.sin(x));
  const c = r(sc.cos(x));
  const g = r(sc.exp(r(sc.neg(r(sc.mul(x, x))))));
  const t = r(sc.tanh(x));
  const loss = sc.add(r(sc.mul(s, g)), r(sc.mul(t, x)));
  // d/dx: cos·g − 2x·sin·g + (1 − t²)·x + t
  const grad = sc.add(
    r(sc.sub(r(sc.mul(c, g)), r(sc.mul(r(sc.mul(r(sc.mul(sc.lit(2), x)), s)), g)))),
    r(sc.add(r(sc.mul(r(sc.sub(sc.lit(1), r(sc.mul(t, t)))), x)), t)),
  );
  return [loss, grad];
}
