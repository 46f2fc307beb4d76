import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';
import { deviceKernels, hostKernels } from './linalgKernels.js';

type M = fx.Tensor<[number, number], 'float32'>;
type T = fx.Tensor;
const call = <F>(f: F) => f as unknown as (...args: T[]) => T;
const solve = call(fx.solve);
const triangularSolve = fx.triangularSolve as unknown as (a: T, b: T, o?: fx.TriangularSolveOptions) => T;
const cholesky = call(fx.cholesky);
const inv = call(fx.inv);
const det = call(fx.det);
const logdet = call(fx.logdet);
const matmul = call(fx.matmul);
const add = call(fx.add);

/** m·mᵀ + n·I: symmetric positive definite for every m, so finite differences stay SPD. */
function spd(m: T): T {
  const n = m.shape[m.shape.length - 1]!;
  return add(matmul(m, fx.transpose(m as M)), fx.mul(fx.eye(n), n));
}

async function allNonFinite(t: T): Promise<boolean> {
  return Array.from(await t.data()).every((v) => !Number.isFinite(v));
}

describeEachBackend('linear algebra values', () => {
  it('solve: 2×2 with a vector right-hand side, 3×3 with a matrix one', async () => {
    // [[2, 1], [1, 3]]⁻¹ = [[3, -1], [-1, 2]] / 5, so x = [4, 7] / 5.
    await expectClose(fx.solve(fx.tensor([[2, 1], [1, 3]]), fx.tensor([3, 5])), [0.8, 1.4]);
    // b = A·x for x = [[1, 2], [-1, 0], [2, 1]].
    const a = fx.tensor([[2, 0, 1], [1, 3, 0], [0, 1, 4]]);
    await expectClose(fx.solve(a, fx.tensor([[4, 5], [-2, 2], [7, 4]])), [[1, 2], [-1, 0], [2, 1]]);
  });

  it('solve pivots: a zero in the top-left corner is fine', async () => {
    await expectClose(fx.solve(fx.tensor([[0, 1], [1, 0]]), fx.tensor([2, 3])), [3, 2]);
  });

  it('solve works over a leading batch axis', async () => {
    const a = fx.tensor([[[2, 0], [0, 4]], [[1, 1], [0, 1]]]);
    await expectClose(fx.solve(a, fx.tensor([[2, 4], [3, 1]])), [[1, 1], [2, 1]]);
  });

  it('triangularSolve: lower (default), upper, transposeA; the other triangle is ignored', async () => {
    await expectClose(fx.triangularSolve(fx.tensor([[2, 0], [1, 1]]), fx.tensor([2, 3])), [1, 2]);
    await expectClose(fx.triangularSolve(fx.tensor([[2, 99], [1, 1]]), fx.tensor([2, 3])), [1, 2]);
    await expectClose(fx.triangularSolve(fx.tensor([[1, 2], [0, 4]]), fx.tensor([5, 8]), { lower: false }), [1, 2]);
    // Lᵀ·x = b with L = [[2, 0], [1, 1]]: [[2, 1], [0, 1]]·x = [4, 2].
    await expectClose(fx.triangularSolve(fx.tensor([[2, 0], [1, 1]]), fx.tensor([[4], [2]]), { transposeA: true }), [[1], [2]]);
    await expectClose(fx.triangularSolve(fx.tensor([[1, 2], [-7, 4]]), fx.tensor([[2], [10]]), { lower: false, transposeA: true }), [[2], [1.5]]);
  });

  it('cholesky: L with L·Lᵀ = A, 2×2 and 3×3', async () => {
    await expectClose(fx.cholesky(fx.tensor([[4, 2], [2, 2]])), [[2, 0], [1, 1]]);
    // A = L·Lᵀ for L = [[2, 0, 0], [1, 3, 0], [-1, 1, 2]].
    const a = fx.tensor([[4, 2, -2], [2, 10, 2], [-2, 2, 6]]);
    await expectClose(fx.cholesky(a), [[2, 0, 0], [1, 3, 0], [-1, 1, 2]]);
  });

  it('cholesky symmetrizes its input: (A + Aᵀ)/2 is factored', async () => {
    await expectClose(fx.cholesky(fx.tensor([[4, 0], [4, 2]])), [[2, 0], [1, 1]]);
  });

  it('inv: 2×2 and 3×3 by hand', async () => {
    await expectClose(fx.inv(fx.tensor([[4, 7], [2, 6]])), [[0.6, -0.7], [-0.2, 0.4]]);
    await expectClose(fx.inv(fx.tensor([[1, 2, 0], [0, 1, 3], [0, 0, 1]])), [[1, -2, 6], [0, 1, -3], [0, 0, 1]]);
  });

  it('det: 2×2, 3×3, a row swap (sign), and a batch', async () => {
    await expectClose(fx.det(fx.tensor([[1, 2], [3, 4]])), -2);
    await expectClose(fx.det(fx.tensor([[2, 0, 1], [1, 3, 0], [0, 1, 4]])), 25);
    await expectClose(fx.det(fx.tensor([[0, 1], [1, 0]])), -1);
    const batch = fx.det(fx.tensor([[[1, 2], [3, 4]], [[2, 0], [0, 3]]]));
    expect(batch.shape).toEqual([2]);
    await expectClose(batch, [-2, 6]);
  });

  it('logdet of an SPD matrix is 2·Σ log diag(L)', async () => {
    await expectClose(fx.logdet(fx.tensor([[2, 0], [0, 3]])), Math.log(6));
    await expectClose(fx.logdet(fx.tensor([[4, 2, -2], [2, 10, 2], [-2, 2, 6]])), Math.log(144));
  });
});

describeEachBackend('linear algebra: singular and invalid inputs', () => {
  it('a singular matrix has det exactly 0 and non-finite solve/inv results (documented, no error)', async () => {
    const s = fx.tensor([[1, 2], [2, 4]]);
    expect(await fx.det(s).array()).toBe(0);
    expect(await allNonFinite(fx.solve(s, fx.tensor([1, 1])))).toBe(true);
    expect(await allNonFinite(fx.inv(s))).toBe(true);
  });

  it('a matrix that is not positive definite gives an all-NaN Cholesky factor and a NaN logdet', async () => {
    const a = fx.tensor([[1, 2], [2, 1]]);
    expect(Array.from(await fx.cholesky(a).data()).every(Number.isNaN)).toBe(true);
    expect(Number.isNaN(await fx.logdet(a).array())).toBe(true);
  });

  it('non-square matrices are a ShapeError naming the op and the shape', () => {
    const a = fx.zeros([2, 3]) as T;
    expect(() => solve(a, fx.zeros([2]))).toThrow(/shape error in solve: a must be a square matrix .* got \[2, 3\]/);
    expect(() => inv(a)).toThrow(/shape error in inv: .* got \[2, 3\]/);
    expect(() => det(a)).toThrow(/shape error in det: .* got \[2, 3\]/);
    expect(() => logdet(a)).toThrow(/shape error in logdet: .* got \[2, 3\]/);
    expect(() => cholesky(a)).toThrow(/shape error in cholesky: .* got \[2, 3\]/);
    expect(() => triangularSolve(a, fx.zeros([2]))).toThrow(/shape error in triangularSolve: .* got \[2, 3\]/);
    expect(() => det(fx.zeros([3]) as T)).toThrow(/shape error in det: .* got \[3\]/);
  });

  it('a right-hand side of the wrong size is a ShapeError naming both shapes', () => {
    const a = fx.eye(3) as T;
    expect(() => solve(a, fx.zeros([2]))).toThrow(/shape error in solve: b must have shape \[3, k\] \(or \[3\]\) to match a \[3, 3\], got \[2\]/);
    expect(() => solve(a, fx.zeros([4, 2]))).toThrow(/got \[4, 2\]/);
    expect(() => triangularSolve(a, fx.zeros([2, 1]))).toThrow(/shape error in triangularSolve: b must have shape \[3, k\]/);
  });

  it('int32 matrices are a DtypeError', () => {
    expect(() => det(fx.tensor([[1, 0], [0, 1]], 'int32') as T)).toThrow(/dtype error in det: a must be float32/);
  });
});

describeEachBackend('linear algebra derivatives', () => {
  const a3 = () => fx.tensor([[3, 1, 0.5], [0.2, 2.5, -0.4], [0.6, -0.3, 4]]);
  const m3 = () => fx.tensor([[1, 0.2, -0.3], [0.4, 0.8, 0.1], [-0.5, 0.3, 1.2]]);

  it('grad of det is det·A⁻ᵀ (the cofactor matrix)', async () => {
    await expectClose(fx.grad((a: fx.Tensor<[2, 2], 'float32'>) => fx.det(a))(fx.tensor([[1, 2], [3, 4]])), [[4, -3], [-2, 1]], 1e-3);
  });

  it('grad of logdet is A⁻¹ for SPD A', async () => {
    await expectClose(fx.grad((a: fx.Tensor<[2, 2], 'float32'>) => fx.logdet(a))(fx.tensor([[2, 0], [0, 3]])), [[0.5, 0], [0, 1 / 3]], 1e-3);
  });

  it('the vjp of solve in b is solve(Aᵀ, ·) (its transpose rule)', async () => {
    const a = fx.tensor([[2, 1], [0, 4]]);
    const [, pullback] = fx.vjp((b: fx.Tensor<[2], 'float32'>) => fx.solve(a, b), fx.tensor([1, 1]));
    // Aᵀ = [[2, 0], [1, 4]]; solve(Aᵀ, [2, 3]) = [1, 0.5].
    await expectClose(pullback(fx.tensor([2, 3]))[0], [1, 0.5]);
  });

  it('solve: derivatives in a and a vector b match finite differences to order 2 (2×2) and order 1 (3×3)', async () => {
    await fx.checkGradsAsync(solve, [fx.tensor([[1.5, -0.5], [0.3, 2]]), fx.tensor([1, -2])], { order: 2 });
    await fx.checkGradsAsync(solve, [a3(), fx.tensor([1, -2, 0.5])], { order: 1 });
  });

  it('solve: derivatives in a and a matrix b match finite differences to order 2 (2×2)', async () => {
    await fx.checkGradsAsync(solve, [fx.tensor([[2, 0.5], [-0.4, 1.5]]), fx.tensor([[1, -1], [0.5, 2]])], { order: 2 });
  });

  it('triangularSolve: derivatives to order 2, lower and upper, plain and transposed', async () => {
    const b = fx.tensor([[1, -1], [0.5, 2], [-0.3, 0.7]]);
    await fx.checkGradsAsync((a, y) => triangularSolve(a, y), [a3(), b], { order: 2 });
    await fx.checkGradsAsync((a, y) => triangularSolve(a, y, { lower: false, transposeA: true }), [a3(), b], { order: 2 });
  });

  it('inv: derivatives to order 2', async () => {
    await fx.checkGradsAsync(inv, [a3()], { order: 2 });
  });

  it('det: derivatives to order 2', async () => {
    await fx.checkGradsAsync(det, [a3()], { order: 2 });
  });

  it('cholesky: derivatives to order 2 on A = M·Mᵀ + nI', async () => {
    await fx.checkGradsAsync((m) => cholesky(spd(m)), [m3()], { order: 2 });
  });

  it('cholesky: derivatives in an asymmetric direction follow the symmetrized input', async () => {
    const a = fx.tensor([[4, 1, 0.5], [1, 3, -0.2], [0.5, -0.2, 5]]);
    await fx.checkGradsAsync(cholesky, [a], { order: 1 });
  });

  it('logdet: derivatives to order 2 on A = M·Mᵀ + nI', async () => {
    await fx.checkGradsAsync((m) => logdet(spd(m)), [m3()], { order: 2 });
  });

  it('reverse mode of solve stages the structured rule (solves), not an elimination loop', () => {
    const ir = fx.makeIR(fx.grad((a: fx.Tensor<[2, 2], 'float32'>) => fx.sum(fx.solve(a, fx.tensor([1, 2])))))(fx.tensor([[2, 1], [0, 4]])).toString();
    expect(ir).toMatch(/solve/);
    expect(ir).not.toMatch(/argmax|oneHot|topk/);
  });
});

describeEachBackend('linear algebra, sort and conv2d leave no tensors behind', () => {
  it('values and gradients inside fx.scope free everything', async () => {
    const run = () =>
      fx.scope(() => {
        const a = fx.tensor([[3, 1], [0.5, 2]]);
        const f = (m: T) => add(add(add(fx.sum(solve(m, fx.tensor([1, 2])) as never), det(m)), logdet(spd(m))), fx.sum(cholesky(spd(m)) as never));
        fx.grad(f as never as (m: fx.Tensor<[2, 2], 'float32'>) => fx.Tensor<[], 'float32'>)(a);
        fx.grad((x: fx.Tensor<[4], 'float32'>) => fx.sum(fx.mul(fx.sort(x), fx.topk(x, 4).values)))(fx.tensor([3, 1, 2, 0]));
        fx.grad((x: fx.Tensor<[1, 3, 3, 1], 'float32'>) => fx.sum(fx.conv2d(x, fx.ones([2, 2, 1, 1]), 1, 'same')))(fx.ones([1, 3, 3, 1]));
        return undefined;
      });
    run(); // warm-up: backends allocate some tensors once
    const before = fx.memory().tensors;
    run();
    expect(fx.memory().tensors).toBe(before);
  });
});

describeEachBackend('linear algebra under vmap', () => {
  const mats = () => fx.tensor([[[1, 2], [3, 4]], [[2, 0], [0, 3]], [[0, 1], [1, 0]]]);

  it('vmap(det) and vmap(inv) map over the examples (the vmap axis becomes a batch axis)', async () => {
    await expectClose(fx.vmap(det)(mats()), [-2, 6, -1]);
    await expectClose(fx.vmap(inv)(mats()), [[[-2, 1], [1.5, -0.5]], [[0.5, 0], [0, 1 / 3]], [[0, 1], [1, 0]]]);
  });

  it('vmap(solve) with a shared matrix solves all right-hand sides at once', async () => {
    const a = fx.tensor([[2, 1], [0, 4]]);
    const bs = fx.tensor([[3, 4], [2, 0], [-1, 8]]);
    const got = fx.vmap(solve, { inAxes: [null, 0] })(a, bs);
    await expectClose(got, [[1, 1], [1, 0], [-1.5, 2]]);
    const asColumns = fx.vmap((b: T) => triangularSolve(a, b, { lower: false }), { inAxes: 1 })(fx.transpose(bs));
    await expectClose(asColumns, [[1, 1], [1, 0], [-1.5, 2]]);
  });

  it('vmap(solve) with both arguments batched', async () => {
    await expectClose(fx.vmap(solve)(mats(), fx.tensor([[5, 11], [2, 3], [4, 7]])), [[1, 2], [1, 1], [7, 4]]);
  });

  it('vmap(grad(det)) gives per-example cofactor matrices', async () => {
    await expectClose(fx.vmap(fx.grad((a: fx.Tensor<[2, 2], 'float32'>) => fx.det(a)))(mats() as never), [[[4, -3], [-2, 1]], [[3, 0], [0, 2]], [[0, -1], [-1, 0]]], 1e-3);
  });
});

describe('linear algebra kernels: device (tfjs ops) and host (float64) agree', () => {
  // The device kernels run on webgpu; here they run on the current backend against the host ones.
  const seeded = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
  const close = async (a: tf.Tensor, b: tf.Tensor) => {
    const [x, y] = [await a.data(), await b.data()];
    x.forEach((v, i) => expect(Math.abs(v - y[i]!), `element ${i}: ${v} vs ${y[i]}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(y[i]!))));
  };

  it('solve, inv, det, cholesky and triangularSolve on a batch of 5×5 matrices', async () => {
    await fx.setBackend('cpu');
    const a = tf.add(seeded([3, 5, 5], 1), tf.mul(tf.eye(5), 3));
    const b = seeded([3, 5, 2], 2);
    const s = tf.add(tf.matMul(a, tf.transpose(a, [0, 2, 1])), tf.eye(5));
    await close(deviceKernels.solve(a, b), hostKernels.solve(a, b));
    await close(deviceKernels.inv(a), hostKernels.inv(a));
    await close(deviceKernels.det(a), hostKernels.det(a));
    await close(deviceKernels.cholesky(s), hostKernels.cholesky(s));
    for (const lower of [true, false]) {
      for (const transposeA of [true, false]) await close(deviceKernels.triangularSolve(a, b, lower, transposeA), hostKernels.triangularSolve(a, b, lower, transposeA));
    }
  });

  it('pivoting: a matrix needing row swaps (zero leading entries) solves the same on both', async () => {
    await fx.setBackend('cpu');
    const a = tf.tensor([[0, 2, 1], [0, 0, 3], [1, 1, 1]]);
    const b = tf.tensor([[1], [2], [3]]);
    await close(deviceKernels.solve(a, b), hostKernels.solve(a, b));
    await close(deviceKernels.det(a), hostKernels.det(a));
    expect(await hostKernels.det(a).array()).toBeCloseTo(6, 5);
  });

  it('singular and indefinite inputs give the same conventions on both', async () => {
    await fx.setBackend('cpu');
    const s = tf.tensor([[1, 2], [2, 4]]);
    expect(await deviceKernels.det(s).array()).toBe(0);
    expect(Array.from(await deviceKernels.inv(s).data()).every((v) => !Number.isFinite(v))).toBe(true);
    expect(Array.from(await deviceKernels.cholesky(tf.tensor([[1, 2], [2, 1]])).data()).every(Number.isNaN)).toBe(true);
  });
});
