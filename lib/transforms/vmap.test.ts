import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type V3 = fx.Tensor<[3], 'float32'>;
type S = fx.Tensor<[], 'float32'>;

const rows = [
  [1, 2, 3],
  [-1, 0.5, 2],
  [0, 4, -2],
  [3, 3, 3],
];

describeEachBackend('vmap', () => {
  it('maps over the leading axis: per-row dot products and norms', async () => {
    const w = fx.tensor([0.5, -1, 2]);
    const f = (x: V3) => fx.sum(fx.mul(fx.tanh(x), w));
    const got = fx.vmap(f)(fx.tensor(rows) as never);
    expect(got.shape).toEqual([4]);
    await expectClose(got, rows.map((r) => r.reduce((s, v, i) => s + Math.tanh(v) * [0.5, -1, 2][i]!, 0)), 1e-4);
  });

  it('in axes: null for shared arguments, 1 for columns; out axes', async () => {
    const f = (x: V3, scale: S) => fx.mul(x, scale);
    const xt = fx.transpose(fx.tensor(rows)); // [3, 4]: examples along axis 1
    const got = fx.vmap(f, { inAxes: [1, null] })(xt as never, fx.scalar(2) as never);
    await expectClose(got, rows.map((r) => r.map((v) => 2 * v)));
    const cols = fx.vmap(f, { inAxes: [0, null], outAxes: 1 })(fx.tensor(rows) as never, fx.scalar(1) as never);
    expect(cols.shape).toEqual([3, 4]);
  });

  it('matmul, reshape, transpose, slice, concat and broadcasting inside', async () => {
    const m = fx.tensor([[1, 0], [0, 2], [1, 1]]); // [3, 2]
    const f = (x: V3) => {
      const y = fx.matmul(fx.reshape(x, [1, 3]), m); // [1, 2]
      const z = fx.concat([fx.reshape(y, [2]), fx.slice(x, [1], [2])]); // [4]
      return fx.add(fx.transpose(fx.reshape(z, [2, 2])), fx.tensor([10, 20]));
    };
    const want = rows.map((r) => {
      const y = [r[0]! + r[2]!, 2 * r[1]! + r[2]!];
      const z = [y[0]!, y[1]!, r[1]!, r[2]!];
      return [
        [z[0]! + 10, z[2]! + 20],
        [z[1]! + 10, z[3]! + 20],
      ];
    });
    await expectClose(fx.vmap(f)(fx.tensor(rows) as never), want);
  });

  it('matmul with one batched operand is one product: batched rows of a, batched columns of b (at any in axis, with extra example axes), and their gradients', async () => {
    const a = [
      [1, 2, 0.5],
      [-1, 0, 3],
    ]; // [2, 3]
    const mats = rows.map((r) => [r, r.map((v) => v * 2 - 1), r.map((v) => -v)]); // 4 × [3, 3]
    const matmul = (x: number[][], y: number[][]) => x.map((xr) => y[0]!.map((_, j) => xr.reduce((s, v, p) => s + v * y[p]![j]!, 0)));
    // Only b batched: a @ b_i.
    const left = fx.vmap((b: fx.Tensor<[3, 3], 'float32'>) => fx.matmul(fx.tensor(a) as fx.Tensor<[2, 3], 'float32'>, b))(fx.tensor(mats) as never);
    await expectClose(left, mats.map((m) => matmul(a, m)));
    // Only b batched along axis 2, with an extra leading example axis: a @ b_i[0].
    const stacked = fx.transpose(fx.reshape(fx.tensor(mats), [4, 1, 3, 3]), [1, 2, 0, 3]); // [1, 3, 4, 3]: examples on axis 2
    const extra = fx.vmap((b: fx.Tensor<[1, 3, 3], 'float32'>) => fx.matmul(fx.tensor(a) as fx.Tensor<[2, 3], 'float32'>, b), { inAxes: 2 })(stacked as never);
    expect(extra.shape).toEqual([4, 1, 2, 3]);
    await expectClose(extra, mats.map((m) => [matmul(a, m)]));
    // Only a batched: a_i @ m, and the gradient of Σ (a_i @ m) with respect to m.
    const m = fx.tensor(mats[0]!) as fx.Tensor<[3, 3], 'float32'>;
    const right = fx.vmap((x: fx.Tensor<[3, 3], 'float32'>) => fx.matmul(x, m))(fx.tensor(mats) as never);
    await expectClose(right, mats.map((x) => matmul(x, mats[0]!)));
    const dm = fx.grad((w: fx.Tensor<[3, 3], 'float32'>) => fx.sum(fx.vmap((x: fx.Tensor<[3, 3], 'float32'>) => fx.matmul(x, w))(fx.tensor(mats) as never)))(m);
    // ∂/∂w_pj Σ_i Σ_r (x_i w)_rj = Σ_i Σ_r x_i[r][p].
    await expectClose(dm, [0, 1, 2].map((p) => [0, 1, 2].map(() => mats.reduce((s, x) => s + x.reduce((t, xr) => t + xr[p]!, 0), 0))));
  });

  it('per-example gradients: vmap of grad', async () => {
    const loss = (x: V3) => fx.sum(fx.mul(x, fx.mul(x, x)));
    const g = fx.vmap(fx.grad(loss))(fx.tensor(rows) as never);
    await expectClose(g, rows.map((r) => r.map((v) => 3 * v * v)));
  });

  it('grad of vmap, and jit of vmap', async () => {
    const f = (x: V3) => fx.sum(fx.sin(x));
    const batched = fx.vmap(f);
    const total = (xs: fx.Tensor<[4, 3], 'float32'>) => fx.sum(batched<4>(xs));
    await expectClose(fx.grad(total)(fx.tensor(rows) as fx.Tensor<[4, 3], 'float32'>), rows.map((r) => r.map(Math.cos)), 1e-3);
    const compiled = fx.jit((xs: fx.Tensor<[4, 3], 'float32'>) => batched<4>(xs));
    await expectClose(compiled(fx.tensor(rows) as fx.Tensor<[4, 3], 'float32'>), rows.map((r) => r.map(Math.sin).reduce((a, b) => a + b)), 1e-3);
  });

  it('primitives without a batch rule fall back to one call per example', async () => {
    const f = (x: V3) => fx.cumsum(x, 0);
    await expectClose(fx.vmap(f)(fx.tensor(rows) as never), rows.map((r) => [r[0]!, r[0]! + r[1]!, r[0]! + r[1]! + r[2]!]));
  });
});

describe('vmap errors', () => {
  it('mapped axes must agree in size', () => {
    expect(() => fx.vmap((a: V3, b: V3) => fx.add(a, b))(fx.ones([4, 3]) as never, fx.ones([5, 3]) as never)).toThrow(/mapped axes have different sizes: 4 and 5/);
  });
  it('reading a batched value names vmap', () => {
    expect(() => fx.vmap((x: V3) => (fx.sum(x).item() > 0 ? x : x))(fx.ones([2, 3]) as never)).toThrow(/inside vmap/);
  });
});
