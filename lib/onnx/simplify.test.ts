/**
 * The negation-absorbing peephole pass (lib/onnx/simplify.ts): rewrites on
 * node lists, and models with the pass applied run in onnxruntime-node
 * against plain-JS values, signed zeros, infinities and int32 wrap-around
 * included.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as fx from '../index.js';
import type { OnnxNode } from './proto.js';
import { absorbNegations, foldGemmTransposes } from './simplify.js';
import { countOnnxNodes, onnxNodes } from './plan.js';

const node = (opType: string, inputs: string[], outputs: string[]): OnnxNode => ({ opType, inputs, outputs, attributes: {} });
const show = (ns: readonly OnnxNode[]) => ns.map((n) => `${n.outputs.join(',')}=${n.opType}(${n.inputs.join(',')})`);

describe('absorbNegations', () => {
  it('folds a negated operand into Add/Sub and drops the negation', () => {
    const nodes = [node('Neg', ['q'], ['n']), node('Add', ['p', 'n'], ['a']), node('Add', ['n', 'p'], ['b']), node('Sub', ['p', 'n'], ['c'])];
    expect(show(absorbNegations(nodes, ['a', 'b', 'c']))).toEqual(['a=Sub(p,q)', 'b=Sub(p,q)', 'c=Add(p,q)']);
  });

  it('moves the sign of a product into the sums that read it', () => {
    const nodes = [node('Neg', ['q'], ['n']), node('Mul', ['x', 'n'], ['m']), node('Add', ['p', 'm'], ['a']), node('Sub', ['a', 'm'], ['b'])];
    expect(show(absorbNegations(nodes, ['b']))).toEqual(['m=Mul(x,q)', 'a=Sub(p,m)', 'b=Add(a,m)']);
  });

  it('keeps what it cannot absorb: other consumers, graph outputs, m − p, m + m, sub-graphs', () => {
    const neg = node('Neg', ['q'], ['n']);
    const mul = node('Mul', ['x', 'n'], ['m']);
    const cases: OnnxNode[][] = [
      [neg, mul, node('Add', ['p', 'm'], ['a']), node('Exp', ['m'], ['e'])],
      [neg, mul, node('Sub', ['m', 'p'], ['a'])],
      [neg, mul, node('Add', ['m', 'm'], ['a'])],
      [neg, node('Exp', ['n'], ['e'])],
    ];
    for (const nodes of cases) expect(show(absorbNegations(nodes, ['a', 'e']))).toEqual(show(nodes));
    // The product is itself a graph output: its value must stay.
    expect(show(absorbNegations([neg, mul, node('Add', ['p', 'm'], ['a'])], ['a', 'm']))).toEqual(['n=Neg(q)', 'm=Mul(x,n)', 'a=Add(p,m)']);
    // A negation that is a graph output stays, its consumer is still rewritten.
    expect(show(absorbNegations([neg, node('Add', ['p', 'n'], ['a'])], ['a', 'n']))).toEqual(['n=Neg(q)', 'a=Sub(p,q)']);
    const loop: OnnxNode = { opType: 'Loop', inputs: ['t', 'c', 'n'], outputs: ['l'], attributes: { body: { graph: { name: 'b', nodes: [], initializers: [], inputs: [], outputs: [] } } } };
    const withBody = [neg, node('Add', ['p', 'n'], ['a']), loop];
    expect(show(absorbNegations(withBody, ['a', 'l']))).toEqual(show(withBody));
  });
});

describe('foldGemmTransposes', () => {
  const transpose = (x: string, y: string): OnnxNode => ({ opType: 'Transpose', inputs: [x], outputs: [y], attributes: { perm: { ints: [1, 0] } } });
  const gemm = (a: string, b: string, y: string, flags: ('transA' | 'transB')[] = []): OnnxNode => ({ opType: 'Gemm', inputs: [a, b], outputs: [y], attributes: Object.fromEntries(flags.map((f) => [f, { int: 1 }])) });
  const showFlags = (ns: readonly OnnxNode[]) => ns.map((n) => `${n.outputs[0]}=${n.opType}(${n.inputs.join(',')})${Object.keys(n.attributes ?? {}).sort().map((k) => ` ${k}`).join('')}`);

  it('takes transposed operands in as flags, and (a·b)ᵀ as bᵀ·aᵀ', () => {
    expect(showFlags(foldGemmTransposes([transpose('a', 'at'), gemm('at', 'b', 'y')], ['y']))).toEqual(['y=Gemm(a,b) transA']);
    expect(showFlags(foldGemmTransposes([transpose('b', 'bt'), gemm('a', 'bt', 'y', ['transB'])], ['y']))).toEqual(['y=Gemm(a,b)']);
    // The W1 gradient's (w · ctᵀ)ᵀ: ct · wᵀ, with no transpose left.
    const nodes = [transpose('ct', 'ctt'), gemm('w', 'ctt', 'p'), transpose('p', 'y')];
    expect(showFlags(foldGemmTransposes(nodes, ['y']))).toEqual(['y=Gemm(ct,w) transB']);
  });

  it("takes a bias added to the product in as Gemm's C, where it broadcasts one way to [M, N]", () => {
    const avals: Record<string, fx.AbstractValue> = {
      p: { shape: [4, 3], dtype: 'float32' },
      row: { shape: [3], dtype: 'float32' },
      col: { shape: [4, 1], dtype: 'float32' },
      wide: { shape: [2, 4, 3], dtype: 'float32' },
      bad: { shape: [4], dtype: 'float32' },
    };
    const avalOf = (n: string) => avals[n];
    const add = (a: string, b: string): OnnxNode => ({ opType: 'Add', inputs: [a, b], outputs: ['y'], attributes: {} });
    expect(showFlags(foldGemmTransposes([transpose('a', 'at'), gemm('at', 'b', 'p'), add('row', 'p')], ['y'], avalOf))).toEqual(['y=Gemm(a,b,row) transA']);
    expect(showFlags(foldGemmTransposes([gemm('a', 'b', 'p'), add('p', 'col')], ['y'], avalOf))).toEqual(['y=Gemm(a,b,col)']);
    // Not one-way broadcastable, unknown, or the product is read elsewhere: two nodes stay.
    for (const c of ['wide', 'bad', 'unknown']) expect(showFlags(foldGemmTransposes([gemm('a', 'b', 'p'), add('p', c)], ['y'], avalOf))).toHaveLength(2);
    expect(showFlags(foldGemmTransposes([gemm('a', 'b', 'p'), add('p', 'row')], ['y', 'p'], avalOf))).toHaveLength(2);
  });

  it('keeps a transpose others read, a product read elsewhere or returned, other permutations and sub-graphs', () => {
    const shared = [transpose('a', 'at'), gemm('at', 'b', 'y'), { opType: 'Exp', inputs: ['at'], outputs: ['e'], attributes: {} }];
    expect(showFlags(foldGemmTransposes(shared, ['y', 'e']))).toEqual(['at=Transpose(a) perm', 'y=Gemm(a,b) transA', 'e=Exp(at)']);
    const returned = [gemm('a', 'b', 'p'), transpose('p', 'y')];
    expect(showFlags(foldGemmTransposes(returned, ['y', 'p']))).toEqual(showFlags(returned));
    const permuted: OnnxNode[] = [{ opType: 'Transpose', inputs: ['a'], outputs: ['at'], attributes: { perm: { ints: [0, 2, 1] } } }, { opType: 'MatMul', inputs: ['at', 'b'], outputs: ['y'], attributes: {} }];
    expect(showFlags(foldGemmTransposes(permuted, ['y']))).toEqual(showFlags(permuted));
    const loop: OnnxNode = { opType: 'Loop', inputs: ['t', 'c', 'n'], outputs: ['l'], attributes: { body: { graph: { name: 'b', nodes: [], initializers: [], inputs: [], outputs: [] } } } };
    const withBody = [transpose('a', 'at'), gemm('at', 'b', 'y'), loop];
    expect(showFlags(foldGemmTransposes(withBody, ['y', 'l']))).toEqual(showFlags(withBody));
  });

  it("an MLP layer's gradient exports as Gemm with flags and bias, no Transpose, and runs in ONNX Runtime to fluxion's values", async () => {
    const b = fx.tensor([0.25, -0.5, 1]);
    const loss = (w: fx.Tensor<[5, 3], 'float32'>, x: fx.Tensor<[4, 5], 'float32'>) => fx.sum(fx.tanh(fx.add(fx.matmul(x, w), b)));
    const w = fx.tensor(Array.from({ length: 15 }, (_, i) => Math.sin(i) / 2), [5, 3]);
    const x = fx.tensor(Array.from({ length: 20 }, (_, i) => Math.cos(i)), [4, 5]);
    const g = fx.grad(loss, { argnums: [0, 1] });
    const bytes = fx.exportOnnx(g, w, x);
    const ops = onnxNodes(bytes).map((n) => n.opType);
    // x·w + b as one Gemm, the two cotangent products with flags: no Transpose, and no Add left for the bias.
    expect(ops).not.toContain('Transpose');
    expect(ops).not.toContain('Add');
    expect(ops.filter((o) => o === 'Gemm')).toHaveLength(3);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const out = await session.run({ 'args[0]': new ort.Tensor('float32', await w.data(), [5, 3]), 'args[1]': new ort.Tensor('float32', await x.data(), [4, 5]) });
    await session.release();
    // Against fluxion's gradient: float32 rounding apart (tanh and the sums differ in their last bits).
    const [gw, gx] = g(w, x);
    for (const [got, want] of [[out['out[0]']!.data, await gw.data()], [out['out[1]']!.data, await gx.data()]] as [Float32Array, Float32Array][]) {
      expect(got).toHaveLength(want.length);
      want.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(4e-7 * Math.max(1, Math.abs(v))));
    }
  });
});

/** Runs an exported two-argument model in ONNX Runtime. */
async function run(bytes: Uint8Array, dtype: 'float32' | 'int32', a: readonly number[], b: readonly number[]): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const T = dtype === 'float32' ? Float32Array : Int32Array;
  const out = await session.run({ 'args[0]': new ort.Tensor(dtype, T.from(a), [a.length]), 'args[1]': new ort.Tensor(dtype, T.from(b), [b.length]) });
  await session.release();
  return Array.from(out.out!.data as ArrayLike<number>, Number);
}

const show0 = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

describe('models with absorbed negations in ONNX Runtime', () => {
  it('p + p·(−q) and p − (−q): same values as the plain expressions, signed zeros included', async () => {
    const f = (p: fx.Tensor<[6], 'float32'>, q: fx.Tensor<[6], 'float32'>) => fx.add(fx.sub(p, fx.neg(q)), fx.add(p, fx.mul(p, fx.neg(q))));
    const P = [0, -0, 2, -Infinity, 3, 1e-30];
    const Q = [-0, -0, 0.5, 2, Infinity, 1e-30];
    const bytes = fx.exportOnnx(f, fx.tensor(P, [6]), fx.tensor(Q, [6]));
    // Neg (shared), Sub, Mul, Add, Add and the output Identity without the pass (6 nodes); the Neg goes.
    expect(countOnnxNodes(bytes)).toBe(5);
    const want = P.map((p, i) => {
      const q = Q[i]!;
      return Math.fround(Math.fround(p - -q) + Math.fround(p + Math.fround(p * -q)));
    });
    expect((await run(bytes, 'float32', P, Q)).map(show0)).toEqual(want.map(show0));
  });

  it('int32 wraps around as before', async () => {
    const f = (p: fx.Tensor<[3], 'int32'>, q: fx.Tensor<[3], 'int32'>) => fx.add(p, fx.mul(p, fx.neg(q)));
    const P = [2147483647, -2147483648, 7];
    const Q = [1, -1, 3];
    const bytes = fx.exportOnnx(f, fx.tensor(P, [3], 'int32'), fx.tensor(Q, [3], 'int32'));
    expect(countOnnxNodes(bytes)).toBe(3); // 4 without the pass
    expect(await run(bytes, 'int32', P, Q)).toEqual(P.map((p, i) => (p + Math.imul(p, -Q[i]!)) | 0));
  });
});
