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
import type { IR } from '../core/ir.js';
import { ConcreteTensor } from '../core/tensor.js';
import { describeEachBackend, expectClose, testBackends } from '../testing/backends.js';
import { hostBackend, view } from './host.js';
import { groupLoops, MAX_GROUP, type LoopGroup } from './group.js';
import { HOST_MATMUL_LIMIT, hostReduces, isElementwise, lowerEquation, lowerLoop, scalarLoop, type Slots, type Step } from './hostKernels.js';
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

/** The single loop group of `ir` (all of its equations elementwise). */
function onlyGroup(ir: IR): LoopGroup {
  const nodes = groupLoops(ir, isElementwise, MAX_GROUP);
  expect(nodes.map((n) => n.kind)).toEqual(['loop']);
  return (nodes[0] as { group: LoopGroup }).group;
}

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

  /** Builds the loop for `f` over [n] operands and checks SIMD against the JS loop bit for bit. */
  function checkLoop(f: (...xs: Any[]) => Any | Any[], shapes: number[][]) {
    // A rank-0 operand is 1 (the scalar of `1 − h²`); the others run through the special values.
    const args = shapes.map((s, j) => tensor(s.length === 0 ? Float32Array.of(1) : values(s.reduce((a, b) => a * b, 1), 7 + j), s));
    const ir = fx.makeIR(f)(...args.map((t) => new ConcreteTensor(t) as Any));
    const group = onlyGroup(ir);
    const slots = slotsFor(group.inputs.length, group.outputs.length);
    const js = lowerLoop(group, slots, new Set())!;
    const simd = simdLoop(heap, scalarLoop(group)!, slots, js);
    expect(simd, 'SIMD takes the group').toBeDefined();
    // The IR's inputs are the arguments in order (constants are not used by these programs).
    const ins = group.inputs.map((v) => args[ir.inputs.indexOf(v)]!);
    const outShapes = group.outputs.map((v) => [...v.aval.shape]);
    const [a, b] = [run(simd!, ins, outShapes), run(js, ins, outShapes)];
    a.forEach((x, j) => sameBits(x, b[j]!));
    args.forEach((t) => t.dispose());
    return a;
  }

  // Each operation with its operand count; 64 elements run four floats per iteration, 30 run two.
  const ops: [string, (...xs: Any[]) => Any, number][] = [
    ['neg', fx.neg, 1],
    ['abs', fx.abs, 1],
    ['sqrt', fx.sqrt, 1],
    ['square', fx.square, 1],
    ['relu', fx.relu, 1],
    ['tanh', fx.tanh, 1],
    ['add', fx.add, 2],
    ['sub', fx.sub, 2],
    ['mul', fx.mul, 2],
    ['div', fx.div, 2],
    ['maximum', fx.maximum, 2],
    ['minimum', fx.minimum, 2],
  ];
  for (const [name, op, arity] of ops)
    it(`${name} gives the JS loop's bits, NaN, ±Infinity, ±0 and denormals included`, () => {
      for (const n of [64, 30]) checkLoop(op, Array.from({ length: arity }, () => [n]));
    });

  it('tanh is within 2 float32 ulp of Math.tanh and exactly ±1 far out', () => {
    const [got] = checkLoop(fx.tanh, [[64]]);
    const x = values(64, 7);
    got!.forEach((y, i) => {
      const want = Math.fround(Math.tanh(x[i]!));
      if (Number.isNaN(want)) expect(y).toBeNaN();
      else expect(Math.abs(y - want), `tanh(${x[i]})`).toBeLessThanOrEqual(2 * 2 ** -23 * Math.max(Math.abs(want), 2 ** -126));
    });
    expect(got![1]).toBe(1);
    expect(got![2]).toBe(-1);
    expect(Object.is(got![4], -0)).toBe(true);
  });

  it('a bias cycling along the last axis, a hoisted scalar and two outputs (a dense layer and its tanh derivative)', () => {
    // A period of 8 runs four floats per iteration, a period of 6 two.
    for (const cols of [8, 6]) {
      const [h, d] = checkLoop(
        (z, b, one) => {
          const h = fx.tanh(fx.add(z, b));
          return [h, fx.sub(one, fx.mul(h, h))];
        },
        [[6, cols], [cols], []],
      );
      const z = values(6 * cols, 7);
      const b = values(cols, 8);
      for (let i = 0; i < 6 * cols; i++) {
        const want = Math.tanh(Math.fround(z[i]! + b[i % cols]!));
        if (Number.isFinite(want)) expect(Math.abs(h![i]! - want)).toBeLessThan(1e-6);
        if (Number.isFinite(want)) expect(Math.abs(d![i]! - (1 - Math.fround(want) ** 2))).toBeLessThan(1e-6);
      }
    }
  });

  it('declines what it does not compute: an odd size, int32, exp, a [M,1] column operand, a reduction', () => {
    const decline = (f: (...xs: Any[]) => Any, args: Any[]) => {
      const group = groupLoops(fx.makeIR(f)(...args), isElementwise, MAX_GROUP, hostReduces).find((n) => n.kind === 'loop') as { group: LoopGroup };
      const slots = slotsFor(group.group.inputs.length, group.group.outputs.length);
      const program = scalarLoop(group.group)!;
      expect(program.reductions.some((r) => r) || simdLoop(heap, program, slots, () => undefined) === undefined).toBe(true);
    };
    decline(fx.tanh, [fx.ones([7])]);
    decline((x) => fx.add(x, x), [fx.tensor(Int32Array.of(1, 2))]);
    decline(fx.exp, [fx.ones([8])]);
    decline((x, c) => fx.add(x, c), [fx.ones([4, 6]), fx.ones([4, 1])]);
    decline((x) => fx.sum(fx.tanh(x), 1), [fx.ones([4, 6])]);
  });

  it('off the heap (plain Float32Arrays) it runs the JS loop instead', () => {
    const ir = fx.makeIR(fx.tanh)(fx.ones([8]));
    const group = onlyGroup(ir);
    const slots = slotsFor(1, 1);
    const js = lowerLoop(group, slots, new Set())!;
    const step = simdLoop(heap, scalarLoop(group)!, slots, js)!;
    const x = Float32Array.from([0, 0.5, -1, 2, 3, -4, 5, 30]);
    const [out, want] = [new Float32Array(8), new Float32Array(8)];
    step([x, out]);
    js([x, want]);
    sameBits(out, want);
    expect(out[7]).toBe(1);
    expect(Math.abs(out[1]! - Math.tanh(0.5))).toBeLessThan(1e-7);
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
    expect(simdTranspose(heap, [4, 4, 4], slotsFor(1, 1), () => undefined)).toBeUndefined();
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
