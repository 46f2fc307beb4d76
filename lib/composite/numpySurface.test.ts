/**
 * The NumPy/JAX surface, part 1: forms and options that follow `jnp`
 * (arange with start/stop/step, eye with m and k, linspace's default count,
 * tensor from flat data, topk along an axis, expandDims with several axes,
 * pad with one pair, softmax over all axes, 1-D matmul, N-d dot, mean of
 * int32, grad and vjp with aux).
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, itExceptWebgpu, expectClose } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = fx.Tensor<any, any>;

/** float64 reference of a 2-D matrix product. */
const matmulRef = (a: number[][], b: number[][]) => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));

describeEachBackend('creation with jnp options', (backend) => {
  it('arange(start, stop, step) counts ceil((stop - start) / step) values, int32 for integers', async () => {
    const a = fx.arange(50, 60);
    expect(a.shape).toEqual([10]);
    expect(a.dtype).toBe('int32');
    await expectClose(a, [50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
    await expectClose(fx.arange(50, 60, 5), [50, 55]);
    await expectClose(fx.arange(50, 61, 5), [50, 55, 60]);
    await expectClose(fx.arange(3, 0, -1), [3, 2, 1]);
    const f = fx.arange(0, 1, 0.25);
    expect(f.dtype).toBe('float32');
    await expectClose(f, [0, 0.25, 0.5, 0.75]);
    // 0.1 steps: the count comes from float64 arithmetic, as NumPy: ceil(0.3 / 0.1) = 4 there too.
    expect(fx.arange(0, 0.3, 0.1).shape).toEqual([Math.ceil(0.3 / 0.1)]);
  });

  it('arange with a negative or empty range is empty; step 0 and non-finite bounds are errors', () => {
    expect(fx.arange(-10).shape).toEqual([0]);
    expect(fx.arange(5, 1).shape).toEqual([0]);
    expect(fx.arange(1, 5, -1).shape).toEqual([0]);
    expect(() => fx.arange(0, 5, 0)).toThrow(/shape error in arange: step must not be 0/);
    expect(() => fx.arange(0, Infinity)).toThrow(/arange: start, stop and step must be finite/);
  });

  it('eye(n, m, k) puts ones on diagonal k of an n × m matrix', async () => {
    const ref = (n: number, m: number, k: number) => Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => (j - i === k ? 1 : 0)));
    const e = fx.eye(2, 3);
    expect(e.shape).toEqual([2, 3]);
    await expectClose(e, ref(2, 3, 0));
    await expectClose(fx.eye(2, 3, 1), ref(2, 3, 1));
    await expectClose(fx.eye(3, 2, -1), ref(3, 2, -1));
    await expectClose(fx.eye(3, 3, 5), ref(3, 3, 5));
    await expectClose(fx.eye(3), ref(3, 3, 0));
    // @ts-expect-error: a negative literal dim is also a compile-time error
    expect(() => fx.eye(2, -1)).toThrow(/eye: m must be a non-negative integer, got -1/);
  });

  it('linspace defaults to 50 values and supports endpoint = false', async () => {
    const l = fx.linspace(0, 1);
    expect(l.shape).toEqual([50]);
    await expectClose(l, Array.from({ length: 50 }, (_, i) => i / 49), 1e-6);
    await expectClose(fx.linspace(0, 1, 4, false), [0, 0.25, 0.5, 0.75]);
    await expectClose(fx.linspace(2, 3, 1), [2]);
    await expectClose(fx.linspace(-1, 1, 5), [-1, -0.5, 0, 0.5, 1]);
  });

  it('tensor(flat, shape) reads row-major flat data; the element count must match', async () => {
    const a = fx.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(a.shape).toEqual([2, 3]);
    await expectClose(a, [[1, 2, 3], [4, 5, 6]]);
    const i = fx.tensor([1, 2, 3, 4], [2, 2], 'int32');
    expect(i.dtype).toBe('int32');
    await expectClose(i, [[1, 2], [3, 4]]);
    const j = fx.tensor(new Int32Array([7, 8]), [2, 1]);
    expect(j.dtype).toBe('int32');
    await expectClose(j, [[7], [8]]);
    await expectClose(fx.tensor([5], []), 5);
    expect(fx.tensor([true, false], [2]).dtype).toBe('bool');
    const before = fx.memory().tensors;
    expect(() => fx.tensor([1, 2, 3], [2, 2])).toThrow(/shape error in tensor: data has 3 elements but shape \[2, 2\] needs 4/);
    expect(() => fx.tensor([1.5, 2], [2], 'int32')).toThrow(/int32 tensor must be integers/);
    expect(() => fx.tensor([[1, 2]] as unknown as number[], [2])).toThrow(/flat array/);
    expect(fx.memory().tensors).toBe(before);
  });
});

describeEachBackend('topk along an axis', (backend) => {
  const rows = [[1, 5, 2], [3, 2, 8], [0, 9, 8]];
  it('selects the k largest along axis 0 (columns), indices along that axis', async () => {
    const { values, indices } = fx.topk(fx.tensor(rows), 2, 0);
    expect(values.shape).toEqual([2, 3]);
    await expectClose(values, [[3, 9, 8], [1, 5, 8]]);
    await expectClose(indices, [[1, 2, 1], [0, 0, 2]]);
    // -1 and the last axis explicitly agree with the default.
    await expectClose(fx.topk(fx.tensor(rows), 1, 1).values, [[5], [8], [9]]);
    await expectClose(fx.topk(fx.tensor(rows), 1, -1).values, [[5], [8], [9]]);
    expect(() => fx.topk(fx.tensor(rows), 4, 0)).toThrow(/topk: k must be an integer in \[0, 3\]/);
    expect(() => fx.topk(fx.tensor(rows), 1, 2)).toThrow(/topk: axis 2 is out of range/);
  });

  itExceptWebgpu(backend, "tfjs-webgpu compiles an i32-into-f32 shader for topk's int32 indices along a non-last axis: open in issue 19")('derivatives along axis 0 match finite differences to order 2; vmap agrees with a loop', async () => {
    const x = fx.tensor([[0.3, -1.2, 2.5], [1.7, 0.4, -0.6], [-0.9, 2.2, 1.1]]);
    await fx.checkGradsAsync((a) => fx.mul(fx.topk(a, 2, 0).values, fx.topk(a, 2, 0).values), [x], { order: 2 });
    const batched = fx.vmap((r: fx.Tensor<[3, 3], 'float32'>) => fx.topk(r, 1, 0).values)(fx.stack([x, fx.neg(x)]));
    await expectClose(batched, [await fx.topk(x, 1, 0).values.array(), await fx.topk(fx.neg(x), 1, 0).values.array()]);
  });
});

describeEachBackend('expandDims, pad, cumsum, softmax forms', (backend) => {
  it('expandDims with a list of axes places each new axis in the result', async () => {
    expect(fx.expandDims(fx.zeros([3]), [0, 2]).shape).toEqual([1, 3, 1]);
    expect(fx.expandDims(fx.zeros([3, 4]), [-1, 0]).shape).toEqual([1, 3, 4, 1]);
    expect(fx.expandDims(fx.zeros([3, 4]), [1, 2]).shape).toEqual([3, 1, 1, 4]);
    await expectClose(fx.expandDims(fx.tensor([1, 2]), [0, 1]), [[[1, 2]]]);
    expect(() => fx.expandDims(fx.zeros([3]), [0, 0])).toThrow(/expandDims: repeated axis/);
    expect(() => fx.expandDims(fx.zeros([3]), [3])).toThrow(/expandDims: axis 3 is out of range \[-2, 1\]/);
    await fx.checkGradsAsync((a) => fx.expandDims(fx.mul(a, a), [0, 2]), [fx.tensor([0.5, -1.5])], { order: 2 });
  });

  it('pad with one pair or one number pads every axis', async () => {
    await expectClose(fx.pad(fx.tensor([[1, 2]]), [1, 0]), [[0, 0, 0], [0, 1, 2]]);
    await expectClose(fx.pad(fx.tensor([1]), 1, 9), [9, 1, 9]);
    await expectClose(fx.pad(fx.tensor([[1]]), 1), [[0, 0, 0], [0, 1, 0], [0, 0, 0]]);
    await fx.checkGradsAsync((a) => fx.pad(fx.mul(a, a), [1, 2]), [fx.tensor([[0.5, -1.5]])], { order: 2 });
    const v = fx.vmap((r: fx.Tensor<[2], 'float32'>) => fx.pad(r, [1, 1]))(fx.tensor([[1, 2], [3, 4]]));
    await expectClose(v, [[0, 1, 2, 0], [0, 3, 4, 0]]);
  });

  it('cumsum of a scalar is a 1-element vector (flattened, as jnp.cumsum)', async () => {
    const c = fx.cumsum(fx.scalar(3));
    expect(c.shape).toEqual([1]);
    await expectClose(c, [3]);
    await expectClose(fx.grad((x: fx.Tensor<[], 'float32'>) => fx.sum(fx.mul(fx.cumsum(x), fx.cumsum(x))))(fx.scalar(3)), 6);
  });

  it('softmax and logSoftmax with axis null normalize over every axis', async () => {
    const data = [[1, 2], [3, 0.5]];
    const flat = data.flat();
    const m = Math.max(...flat);
    const z = flat.reduce((s, v) => s + Math.exp(v - m), 0);
    const sm = fx.softmax(fx.tensor(data), null);
    await expectClose(sm, data.map((r) => r.map((v) => Math.exp(v - m) / z)), 1e-5);
    await expectClose(fx.logSoftmax(fx.tensor(data), null), data.map((r) => r.map((v) => v - m - Math.log(z))), 1e-5);
    await fx.checkGradsAsync((a) => fx.softmax(a, null), [fx.tensor(data)], { order: 2 });
    await fx.checkGradsAsync((a) => fx.logSoftmax(a, null), [fx.tensor(data)], { order: 2 });
    const v = fx.vmap((r: fx.Tensor<[number], 'float32'>) => fx.softmax(r, null))(fx.tensor(data));
    await expectClose(v, [await fx.softmax(fx.tensor(data[0]!)).array(), await fx.softmax(fx.tensor(data[1]!)).array()]);
  });
});

describeEachBackend('matmul and dot with NumPy ranks', (backend) => {
  const A = [[1, 2, -1], [0.5, 3, 2]];
  const B = [[2, -1], [1, 0.5], [-3, 4]];
  const tB = () => fx.tensor(B) as fx.Tensor<[3, 2], 'float32'>;
  it('1-D operands act as vectors: [M,K]@[K], [K]@[K,N], [K]@[K], [K]@[B,K,N]', async () => {
    const mv = fx.matmul(fx.tensor(A), fx.tensor([1, -2, 3]));
    expect(mv.shape).toEqual([2]);
    await expectClose(mv, matmulRef(A, [[1], [-2], [3]]).map((r) => r[0]!));
    const vm = fx.matmul(fx.tensor([1, -2, 3]), tB());
    expect(vm.shape).toEqual([2]);
    await expectClose(vm, matmulRef([[1, -2, 3]], B)[0]!);
    const vv = fx.matmul(fx.tensor([1, 2]), fx.tensor([3, 4]));
    expect(vv.shape).toEqual([]);
    await expectClose(vv, 11);
    const bv = fx.matmul(fx.tensor([1, -2, 3]), fx.stack([tB(), fx.neg(tB())]));
    expect(bv.shape).toEqual([2, 2]);
    const r = matmulRef([[1, -2, 3]], B)[0]!;
    await expectClose(bv, [r, r.map((v) => -v)]);
    expect(() => fx.matmul(fx.tensor([1, 2]) as Any, fx.tensor([1, 2, 3]) as Any)).toThrow(/matmul: inner dims 2 and 3 differ \(a \[2\], b \[3\]\)/);
    expect(() => fx.matmul(fx.scalar(1) as Any, fx.tensor([1]) as Any)).toThrow(/matmul: operands need rank >= 1/);
  });

  it('1-D matmul derivatives match finite differences to order 2; vmap agrees', async () => {
    await fx.checkGradsAsync((a, v) => fx.matmul(a, v), [fx.tensor(A), fx.tensor([1, -2, 3])], { order: 2 });
    await fx.checkGradsAsync((v, b) => fx.matmul(v, b), [fx.tensor([1, -2, 3]), fx.tensor(B)], { order: 2 });
    await fx.checkGradsAsync((u, v) => fx.mul(fx.matmul(u, v), fx.matmul(u, v)), [fx.tensor([0.5, 2]), fx.tensor([3, -1])], { order: 2 });
    const vs = fx.tensor([[1, -2, 3], [0, 1, 1]]);
    const got = fx.vmap((v: fx.Tensor<[3], 'float32'>) => fx.matmul(fx.tensor(A), v))(vs);
    await expectClose(got, [matmulRef(A, [[1], [-2], [3]]).map((r) => r[0]!), matmulRef(A, [[0], [1], [1]]).map((r) => r[0]!)]);
  });

  it('dot contracts the last axis of a with the second-to-last of b for any ranks', async () => {
    // a [2, 1, 3], b [2, 3, 2] → [2, 1, 2, 2]: out[i, j, k, l] = Σ_m a[i, j, m] b[k, m, l]
    const a = [[[1, 2, -1]], [[0.5, 3, 2]]];
    const b = [B, B.map((r) => r.map((v) => v * 2))];
    const want = a.map((ai) => ai.map((aij) => b.map((bk) => matmulRef([aij], bk)[0]!)));
    const d = fx.dot(fx.tensor(a), fx.tensor(b));
    expect(d.shape).toEqual([2, 1, 2, 2]);
    await expectClose(d, want);
    await expectClose(fx.dot(fx.tensor(a), fx.tensor([1, 0, 2])), a.map((ai) => ai.map((r) => r[0]! + 2 * r[2]!)));
    await expectClose(fx.dot(fx.scalar(2), fx.tensor([1, 2])), [2, 4]);
    expect(() => fx.dot(fx.tensor(a), fx.tensor(A))).toThrow(/dot: inner dims 3 and 2 differ/);
    await fx.checkGradsAsync((x, y) => fx.dot(x, y), [fx.tensor(a), fx.tensor(b)], { order: 2 });
    const v = fx.vmap((x: fx.Tensor<[number, number], 'float32'>) => fx.dot(x, fx.tensor(b)))(fx.tensor(a));
    await expectClose(v, want);
  });
});

describeEachBackend('grad and vjp with aux', (backend) => {
  it('grad with hasAux returns [grads, aux]', async () => {
    const [g, aux] = fx.grad((x: fx.Tensor<[2], 'float32'>) => [fx.sum(fx.mul(x, x)), { double: fx.mul(x, 2) }] as const, { hasAux: true })(fx.tensor([3, -1]));
    await expectClose(g, [6, -2]);
    await expectClose(aux.double, [6, -2]);
    const [g1, a1] = fx.grad((x: fx.Tensor<[], 'float32'>, y: fx.Tensor<[], 'float32'>) => [fx.mul(x, y), y] as const, { argnums: 1, hasAux: true })(fx.scalar(3), fx.scalar(5));
    await expectClose(g1, 3);
    await expectClose(a1, 5);
    expect(() => fx.grad((x: fx.Tensor<[], 'float32'>) => x as unknown as [fx.Tensor<[], 'float32'>, number], { hasAux: true })(fx.scalar(1))).toThrow(/grad with hasAux: the function must return \[value, aux\]/);
  });

  it('vjpWithAux returns [out, pullback, aux]; the pullback sees only out', async () => {
    const [y, pullback, aux] = fx.vjpWithAux((x: fx.Tensor<[2], 'float32'>) => [fx.mul(x, x), { s: fx.sum(x) }] as const, fx.tensor([3, -1]));
    await expectClose(y, [9, 1]);
    await expectClose(aux.s, 2);
    const [ct] = pullback(fx.tensor([1, 10]));
    await expectClose(ct, [6, -20]);
    expect(() => fx.vjpWithAux((x: Any) => x as never, fx.scalar(1))).toThrow(/vjpWithAux: the function must return \[out, aux\]/);
  });

  it('leaks nothing: grad with aux called eagerly, results disposed, leaves memory unchanged', () => {
    const x = fx.tensor([1, 2]);
    const before = fx.memory().tensors;
    const [g, aux] = fx.grad((v: fx.Tensor<[2], 'float32'>) => [fx.sum(fx.mul(v, v)), fx.exp(v)] as const, { hasAux: true })(x);
    g.dispose();
    aux.dispose();
    expect(fx.memory().tensors).toBe(before);
  });
});
