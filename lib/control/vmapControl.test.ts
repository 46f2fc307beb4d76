/**
 * `vmap` over control flow whose predicate differs between examples: `cond`
 * runs both branches for every example and selects (its batch rule, JAX's),
 * `whileLoop` runs one loop while any example's condition holds, a finished
 * example keeping its carry (JAX's rule). Values against per-example calls and closed forms, eager and
 * under jit, and derivatives through them.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose, itExceptWebgpu } from '../testing/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F: any = fx;
type T = fx.Tensor;

describeEachBackend('vmap over per-example control flow', (backend) => {
  const syncReads = 'an eager whileLoop reads its condition on the host after every step: webgpu in Node has no synchronous readback';
  // x ↦ 2x where Σx > 0, else −x³ (per example).
  const piece = (x: T) => F.cond(F.greater(F.sum(x), 0), (v: T) => F.mul(v, 2), (v: T) => F.neg(F.mul(F.mul(v, v), v)), x);
  const rows = [[1, 2], [-3, 1], [0.5, -0.25]];
  const want = rows.map((r) => (r[0]! + r[1]! > 0 ? r.map((v) => 2 * v) : r.map((v) => -(v ** 3))));

  it('cond with a batched predicate: both branches per example and a select, eager and under jit (no per-example loop)', async () => {
    const xs = F.tensor(rows);
    await expectClose(fx.vmap(piece)(xs), want, 1e-6);
    const jitted = fx.jit(fx.vmap(piece));
    await expectClose(jitted(xs), want, 1e-6);
    expect(jitted.stats().perExampleLoops).toBe(0);
    // Mapped along axis 1, with an unmapped operand closed over.
    const shift = F.tensor([10, -10]);
    const g = (x: T) => F.cond(F.greater(F.sum(x), 0), (v: T) => F.add(v, shift), (v: T) => F.sub(v, shift), x);
    await expectClose(fx.vmap(g, { inAxes: 1 })(F.transpose(xs)), rows.map((r) => r.map((v, i) => v + (r[0]! + r[1]! > 0 ? 1 : -1) * [10, -10][i]!)), 1e-6);
  });

  it('cond: the gradient of each example through vmap, and vmap of the gradient, against the closed form', async () => {
    const loss = (x: T) => F.sum(piece(x));
    const grads = rows.map((r) => (r[0]! + r[1]! > 0 ? [2, 2] : r.map((v) => -3 * v * v)));
    await expectClose(fx.vmap(fx.grad(loss))(F.tensor(rows)), grads, 1e-6);
    await expectClose(fx.jit(fx.vmap(fx.grad(loss)))(F.tensor(rows)), grads, 1e-6);
    // grad of a sum over examples of the vmapped loss: the same rows.
    await expectClose(fx.grad((xs: T) => F.sum(fx.vmap(loss)(xs)))(F.tensor(rows)), grads, 1e-6);
  });

  itExceptWebgpu(backend, 'the test reads values synchronously (item), which webgpu cannot do in Node')('a value that is the same for every example can be read inside vmap; a batched one cannot', () => {
    const k = F.scalar(3);
    expect(Array.from(fx.vmap((x: T) => F.mul(x, k.item()))(F.tensor([1, 2])).dataSync())).toEqual([3, 6]);
    expect(() => fx.vmap((x: T) => F.mul(x, F.sum(x).item()))(F.tensor([1, 2]))).toThrow(/item\(\) inside vmap: a batched value has one value per example/);
  });

  // Doubles x until Σx ≥ 10: examples stop after different numbers of steps.
  const doubling = (x: T) => F.whileLoop((c: T) => F.less(F.sum(c), 10), (c: T) => F.mul(c, 2), x);
  const starts = [[1, 2], [3, 4], [8, 4], [0.25, 0]];
  const stops = starts.map((r) => {
    let c = r;
    while (c[0]! + c[1]! < 10) c = c.map((v) => 2 * v);
    return c;
  });

  itExceptWebgpu(backend, syncReads)('whileLoop with a batched predicate: each example runs its own trip count, eager', async () => {
    await expectClose(fx.vmap(doubling)(F.tensor(starts)), stops, 0);
  });

  itExceptWebgpu(backend, syncReads)('whileLoop with a batched predicate under jit: one loop for the batch, a finished example keeping its carry', async () => {
    const jitted = fx.jit(fx.vmap(doubling));
    await expectClose(jitted(F.tensor(starts)), stops, 0);
    expect(jitted.stats().perExampleLoops).toBe(0);
    // A closed-over value that is the same for every example, and an int32 counter carry.
    const k = F.scalar(3);
    const counted = (x: T) => F.whileLoop(([i, c]: T[]) => F.less(F.sum(c), 50), ([i, c]: T[]) => [F.add(i, 1), F.mul(c, k)], [F.scalar(0, 'int32'), x]);
    const [steps, out] = fx.jit(fx.vmap(counted))(F.tensor([[1, 2], [20, 40], [0.5, 0.5]])) as [T, T];
    expect(Array.from(await steps.data())).toEqual([3, 0, 4]);
    await expectClose(out, [[27, 54], [20, 40], [40.5, 40.5]], 0);
  });

  itExceptWebgpu(backend, syncReads)('forward mode through a whileLoop with a batched predicate: one (primal, tangent) loop for the batch, tangents 2^k per example', async () => {
    const tangents = fx.jit(fx.vmap((x: T) => fx.jvp(doubling, [x], [F.onesLike(x)])[1]));
    await expectClose(tangents(F.tensor(starts)), starts.map((r, i) => r.map(() => stops[i]![0]! / r[0]!)), 0);
    expect(tangents.stats().perExampleLoops).toBe(0);
  });

  it('whileLoop with a batched predicate in reverse mode under jit (one masked scan, no reads): d/dx Σ doubling(x) = 2^k per example', async () => {
    const loss = (x: T) => F.sum(F.whileLoop((c: T) => F.less(F.sum(c), 10), (c: T) => F.mul(c, 2), x, { maxIterations: 20 }));
    const grads = starts.map((r, i) => r.map(() => stops[i]![0]! / r[0]!));
    await expectClose(fx.jit(fx.vmap(fx.grad(loss)))(F.tensor(starts)), grads, 0);
  });
});
