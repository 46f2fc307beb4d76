import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type T = fx.Tensor;
const conv = fx.conv as unknown as (x: T, f: T, o?: fx.ConvOptions) => T;
const convTranspose = fx.convTranspose as unknown as (x: T, f: T, s: number | number[], o?: fx.ConvTransposeOptions) => T;

/** Deterministic, non-symmetric values. */
function vals(shape: number[], phase: number): number[] {
  const n = shape.reduce((p, d) => p * d, 1);
  return Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + phase));
}
const make = (v: number[], shape: number[]) => fx.reshape(fx.tensor(v), shape as never) as T;

interface RefOpts {
  strides: number[];
  pads: [number, number][];
  lhsDil: number[];
  rhsDil: number[];
  groups: number;
}

/** Direct float64 convolution, channels-last, straight from the definition (independent of the patch code). */
function refConv(x: number[], xs: number[], f: number[], fs: number[], o: RefOpts): { y: number[]; shape: number[] } {
  const d = xs.length - 2;
  const [n, cin] = [xs[0]!, xs[d + 1]!];
  const cout = fs[d + 1]!;
  const cg = cin / o.groups;
  const og = cout / o.groups;
  const sp = xs.slice(1, d + 1);
  const ks = fs.slice(0, d);
  const outs = sp.map((len, i) => Math.floor(((len - 1) * o.lhsDil[i]! + 1 + o.pads[i]![0] + o.pads[i]![1] - ((ks[i]! - 1) * o.rhsDil[i]! + 1)) / o.strides[i]!) + 1);
  const strideOf = (shape: number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((p, v) => p * v, 1));
  const xst = strideOf(xs);
  const fst = strideOf(fs);
  const oshape = [n, ...outs, cout];
  const y: number[] = [];
  const idx = (shape: number[]) => {
    const all: number[][] = [[]];
    for (const s of shape) {
      const next: number[][] = [];
      for (const a of all) for (let i = 0; i < s; i++) next.push([...a, i]);
      all.splice(0, all.length, ...next);
    }
    return all;
  };
  const kidx = idx(ks);
  for (const oi of idx(oshape)) {
    const [b, ...rest] = oi;
    const pos = rest.slice(0, d);
    const co = rest[d]!;
    const g = Math.floor(co / og);
    let acc = 0;
    for (const k of kidx) {
      let xoff = b! * xst[0]!;
      let inside = true;
      for (let i = 0; i < d; i++) {
        const j = pos[i]! * o.strides[i]! + k[i]! * o.rhsDil[i]! - o.pads[i]![0];
        if (j < 0 || j % o.lhsDil[i]! !== 0 || j / o.lhsDil[i]! >= sp[i]!) {
          inside = false;
          break;
        }
        xoff += (j / o.lhsDil[i]!) * xst[i + 1]!;
      }
      if (!inside) continue;
      for (let ci = 0; ci < cg; ci++) {
        let foff = ci * fst[d]! + co;
        for (let i = 0; i < d; i++) foff += k[i]! * fst[i]!;
        acc += x[xoff + g * cg + ci]! * f[foff]!;
      }
    }
    y.push(acc);
  }
  return { y, shape: oshape };
}

function check(xs: number[], fs: number[], opts: fx.ConvOptions, ref: RefOpts) {
  const x = vals(xs, 0);
  const f = vals(fs, 1);
  const want = refConv(x, xs, f, fs, ref);
  const got = conv(make(x, xs), make(f, fs), opts);
  expect(got.shape).toEqual(want.shape);
  return expectClose(got, want.y, 1e-5);
}

const base = (d: number): RefOpts => ({ strides: Array(d).fill(1), pads: Array(d).fill([0, 0]), lhsDil: Array(d).fill(1), rhsDil: Array(d).fill(1), groups: 1 });

describeEachBackend('conv (general, JAX conv_general_dilated semantics)', (backend) => {
  // webgpu (SwiftShader in CI) runs the many small kernels of the patches path slowly: second order only on cpu/wasm.
  const order2 = backend === 'webgpu' ? 1 : 2;
  it('2-D VALID and SAME (the conv2d fast path) and SAME_LOWER, strides 2, against a direct float64 reference', async () => {
    await check([2, 5, 6, 3], [3, 2, 3, 4], {}, base(2));
    await check([1, 5, 6, 2], [3, 3, 2, 2], { padding: 'SAME', strides: 2 }, { ...base(2), strides: [2, 2], pads: [[1, 1], [0, 1]] });
    await check([1, 6, 6, 2], [2, 2, 2, 2], { padding: 'SAME' }, { ...base(2), pads: [[0, 1], [0, 1]] });
    await check([1, 6, 6, 2], [2, 2, 2, 2], { padding: 'SAME_LOWER' }, { ...base(2), pads: [[1, 0], [1, 0]] });
  });

  it('1-D and 3-D, explicit padding pairs', async () => {
    await check([2, 9, 3], [3, 3, 2], { padding: [[2, 1]], strides: 2 }, { ...base(1), strides: [2], pads: [[2, 1]] });
    await check([1, 4, 5, 3, 2], [2, 3, 2, 2, 3], { padding: [[1, 0], [0, 2], [1, 1]] }, { ...base(3), pads: [[1, 0], [0, 2], [1, 1]] });
  });

  it('lhs dilation (transposed conv), rhs dilation (atrous), both with strides', async () => {
    await check([1, 4, 5, 2], [3, 2, 2, 3], { lhsDilation: [2, 3], padding: [[1, 2], [0, 1]] }, { ...base(2), lhsDil: [2, 3], pads: [[1, 2], [0, 1]] });
    await check([1, 9, 8, 2], [3, 2, 2, 2], { rhsDilation: [2, 3], strides: [2, 1] }, { ...base(2), rhsDil: [2, 3], strides: [2, 1] });
  });

  it('feature groups: 2 groups, and depthwise (G = Cin, Cout = 2·Cin)', async () => {
    await check([1, 5, 5, 4], [3, 3, 2, 6], { featureGroupCount: 2, padding: 'SAME' }, { ...base(2), groups: 2, pads: [[1, 1], [1, 1]] });
    await check([2, 6, 3], [3, 1, 6], { featureGroupCount: 3 }, { ...base(1), groups: 3 });
  });

  it("dataFormat 'channelsFirst' (NCHW) equals the channels-last result transposed", async () => {
    const x = make(vals([1, 5, 6, 2], 0), [1, 5, 6, 2]);
    const f = make(vals([3, 3, 2, 4], 1), [3, 3, 2, 4]);
    const last = conv(x, f, { padding: 'SAME', rhsDilation: 2 });
    const first = conv(fx.transpose(x as never, [0, 3, 1, 2]) as T, f, { padding: 'SAME', rhsDilation: 2, dataFormat: 'channelsFirst' });
    await expectClose(first, await fx.transpose(last as never, [0, 3, 1, 2]).array(), 1e-5);
  });

  it('shape errors name conv and the shapes', () => {
    expect(() => conv(fx.zeros([1, 4, 4, 3]) as T, fx.zeros([2, 2, 2, 1]) as T)).toThrow(/shape error in conv: the filter \[2, 2, 2, 1\] must have 3 input channels/);
    expect(() => conv(fx.zeros([1, 4, 4, 4]) as T, fx.zeros([2, 2, 2, 3]) as T, { featureGroupCount: 2 })).toThrow(/featureGroupCount 2 must divide/);
    expect(() => conv(fx.zeros([1, 4, 4, 3]) as T, fx.zeros([5, 5, 3, 1]) as T)).toThrow(/does not fit/);
    expect(() => conv(fx.zeros([1, 4, 4, 3]) as T, fx.zeros([2, 2, 3, 1]) as T, { padding: 'FULL' as never })).toThrow(/padding must be/);
  });

  it('derivatives in x and filter against finite differences: conv2d path with dilations to order 2, grouped patches to order 2, others to order 1', async () => {
    const x = make(vals([1, 4, 3, 2], 0), [1, 4, 3, 2]);
    const f = make(vals([2, 2, 2, 2], 1), [2, 2, 2, 2]);
    await fx.checkGradsAsync((a, b) => conv(a, b, { lhsDilation: 2, rhsDilation: [1, 2], padding: [[1, 0], [0, 1]], strides: [2, 1] }), [x, f], { order: order2 });
    await fx.checkGradsAsync((a, b) => conv(a, b, { padding: 'SAME' }), [x, f], { order: 1 });
    await fx.checkGradsAsync((a, b) => conv(a, b, { featureGroupCount: 2 }), [x, make(vals([2, 2, 1, 4], 2), [2, 2, 1, 4])], { order: 1 });
    await fx.checkGradsAsync((a, b) => conv(a, b, { padding: 'SAME', strides: 2 }), [make(vals([1, 7, 2], 3), [1, 7, 2]), make(vals([3, 2, 2], 4), [3, 2, 2])], { order: 1 });
    // The patches path (feature groups, 3-D) to order 2 and 1.
    await fx.checkGradsAsync((a, b) => conv(a, b, { featureGroupCount: 2, lhsDilation: 2, rhsDilation: 2, padding: [[1, 2]], strides: 2 }), [make(vals([1, 5, 2], 5), [1, 5, 2]), make(vals([2, 1, 2], 6), [2, 1, 2])], { order: order2 });
    await fx.checkGradsAsync((a, b) => conv(a, b, { padding: 'SAME' }), [make(vals([1, 3, 2, 2, 1], 7), [1, 3, 2, 2, 1]), make(vals([2, 2, 1, 1, 2], 8), [2, 2, 1, 1, 2])], { order: 1 });
  });

  it('vmap over images and over filters', async () => {
    const xs = make(vals([3, 1, 5, 2], 0), [3, 1, 5, 2]);
    const f = make(vals([2, 2, 3], 1), [2, 2, 3]);
    const got = fx.vmap((x: T) => conv(x, f, { rhsDilation: 2 }))(xs as never) as T;
    const want = conv(fx.reshape(xs as never, [3, 5, 2]) as T, f, { rhsDilation: 2 });
    await expectClose(got, await fx.reshape(want as never, [3, 1, 3, 3]).array(), 1e-5);
    const fs = make(vals([2, 2, 2, 3], 2), [2, 2, 2, 3]);
    const x = make(vals([1, 5, 2], 3), [1, 5, 2]);
    const perFilter = fx.vmap((g: T) => conv(x, g, { padding: 'SAME_LOWER' }))(fs as never) as T;
    expect(perFilter.shape).toEqual([2, 1, 5, 3]);
    const second = conv(x, fx.reshape(fx.slice(fs as never, [1, 0, 0, 0], [1, 2, 2, 3]) as never, [2, 2, 3]) as T, { padding: 'SAME_LOWER' });
    await expectClose(fx.slice(perFilter as never, [1, 0, 0, 0], [1, 1, 5, 3]), [await second.array()], 1e-5);
  });
});

describeEachBackend('convTranspose (JAX conv_transpose)', () => {
  it("'SAME' multiplies the size by the stride, 'VALID' adds max(k − s, 0); equals conv with lhsDilation", async () => {
    const x = make(vals([1, 3, 4, 2], 0), [1, 3, 4, 2]);
    const f = make(vals([3, 3, 2, 5], 1), [3, 3, 2, 5]);
    expect(convTranspose(x, f, 2).shape).toEqual([1, 6, 8, 5]);
    expect(convTranspose(x, f, 2, { padding: 'VALID' }).shape).toEqual([1, 7, 9, 5]);
    // k = 3, s = 2, SAME: padding (2, 1) of the stride-dilated input (JAX's _conv_transpose_padding).
    await expectClose(convTranspose(x, f, 2), await conv(x, f, { lhsDilation: 2, padding: [[2, 1], [2, 1]] }).array(), 1e-5);
  });

  it('with transposeKernel it is the adjoint (vjp in x) of a SAME, stride-2 conv with the same filter', async () => {
    const f = make(vals([3, 3, 2, 4], 1), [3, 3, 2, 4]);
    const ct = make(vals([1, 2, 2, 4], 2), [1, 2, 2, 4]);
    const [, pullback] = fx.vjp((x: T) => conv(x, f, { padding: 'SAME', strides: 2 }), fx.zeros([1, 4, 4, 2]) as T);
    const adjoint = (pullback as unknown as (c: T) => T[])(ct)[0]!;
    await expectClose(convTranspose(ct, f, 2, { transposeKernel: true }), await adjoint.array(), 1e-5);
  });

  it('derivatives against finite differences (order 1) and vmap', async () => {
    const x = make(vals([1, 3, 2], 0), [1, 3, 2]);
    const f = make(vals([3, 2, 2], 1), [3, 2, 2]);
    await fx.checkGradsAsync((a, b) => convTranspose(a, b, 2), [x, f], { order: 1 });
    const got = fx.vmap((a: T) => convTranspose(a, f, 2))(make(vals([2, 1, 3, 2], 3), [2, 1, 3, 2]) as never) as T;
    expect(got.shape).toEqual([2, 1, 6, 2]);
  });
});
