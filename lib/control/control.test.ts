import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type S = fx.Tensor<[], 'float32'>;
type V = fx.Tensor<[3], 'float32'>;

// Piecewise: x² for x > 0, −x otherwise (the seed's branch).
const piece = (x: S) => fx.cond(fx.greater(x, 0), (v: S) => fx.mul(v, v), (v: S) => fx.neg(v), x);

describe('cond', () => {
  it('eager: runs and differentiates the branch taken', async () => {
    await expectClose(piece(fx.scalar(3)), 9);
    await expectClose(piece(fx.scalar(-2)), 2);
    await expectClose(fx.grad(piece)(fx.scalar(3)), 6);
    await expectClose(fx.grad(piece)(fx.scalar(-2)), -1);
  });

  it('under jit: staged as one equation with both branches, values and derivatives per branch', async () => {
    const g = fx.jit(piece);
    expect(g.lower(fx.scalar(1)).toString()).toMatch(/cond\[onTrue=/);
    await expectClose(g(fx.scalar(3)), 9);
    await expectClose(g(fx.scalar(-2)), 2);
    expect(g.stats().traces).toBe(1);
    const dg = fx.jit(fx.grad(piece));
    await expectClose(dg(fx.scalar(3)), 6);
    await expectClose(dg(fx.scalar(-2)), -1);
    await expectClose(fx.grad(fx.jit(piece))(fx.scalar(-2)), -1);
    await expectClose(fx.jvp(fx.jit(piece), [fx.scalar(3)], [fx.scalar(1)])[1], 6);
  });

  it('branches must return the same shapes (staged)', () => {
    const bad = fx.jit((x: V) => fx.cond(fx.greater(fx.sum(x), 0), (v: V) => v, (v: V) => fx.sum(v) as unknown as V, x));
    expect(() => bad(fx.ones([3]))).toThrow(/cond: the branches return different shapes: onTrue gives \(f32\[3\]\), onFalse gives \(f32\[\]\)/);
  });

  it('the predicate must be a scalar bool', () => {
    expect(() => fx.cond(fx.ones([2]) as never, (v: S) => v, (v: S) => v, fx.scalar(1))).toThrow(/predicate must be a scalar bool tensor, got a float32 tensor of shape \[2\]/);
  });
});

describe('whileLoop', () => {
  // Newton's method for sqrt(a): the loop stops on a data-dependent test.
  const newton = (a: S) =>
    fx.whileLoop(
      (c: { x: S }) => fx.greater(fx.abs(fx.sub(fx.mul(c.x, c.x), a)), 1e-4),
      (c) => ({ x: fx.mul(fx.add(c.x, fx.div(a, c.x)), 0.5) }),
      { x: fx.scalar(1) as S },
    ).x;

  it('eager: value, and reverse mode through the executed iterations', async () => {
    await expectClose(newton(fx.scalar(9)), 3, 1e-5);
    await expectClose(fx.grad(newton)(fx.scalar(9)), 1 / 6, 1e-4);
    await expectClose(fx.jvp(newton, [fx.scalar(9)], [fx.scalar(1)])[1], 1 / 6, 1e-4);
  });

  it('under jit: value, forward mode and reverse mode (a masked scan of maxIterations steps)', async () => {
    const halve = (x: S) => fx.whileLoop((v: S) => fx.greater(v, 1), (v: S) => fx.mul(v, 0.5), x);
    const g = fx.jit(halve);
    await expectClose(g(fx.scalar(10)), 0.625);
    await expectClose(g(fx.scalar(3)), 0.75);
    expect(g.stats().traces).toBe(1);
    await expectClose(fx.jvp(g, [fx.scalar(10)], [fx.scalar(1)])[1], 1 / 16);
    await expectClose(fx.jit(fx.grad(halve))(fx.scalar(10)), 1 / 16);
    // Outside jit the same gradient works: 10 → 0.625 is four halvings.
    await expectClose(fx.grad(halve)(fx.scalar(10)), 1 / 16);
  });

  it('the body must keep the carry shapes (staged)', () => {
    const grow = fx.jit((x: V) => fx.whileLoop((v: V) => fx.less(fx.sum(v), 10), (v: V) => fx.concat([v, v]) as unknown as V, x));
    expect(() => grow(fx.ones([3]))).toThrow(/whileLoop: the body must return a carry of the same shapes: it takes \(f32\[3\]\) and returns \(f32\[6\]\)/);
  });
});

describeEachBackend('fori and scan', () => {
  it('fori: x ← x·(1+i) for i < 4 gives 24·x, derivative 24', async () => {
    const f = (x: S) => fx.fori(0, 4, (i, c: S) => fx.mul(c, 1 + i), x);
    await expectClose(f(fx.scalar(2)), 48);
    await expectClose(fx.grad(f)(fx.scalar(2)), 24);
    await expectClose(fx.jit(fx.grad(f))(fx.scalar(2)), 24);
  });

  it('scan: cumulative products and their gradient', async () => {
    const f = (xs: V) => fx.scan((c: S, x: S) => [fx.mul(c, x), fx.mul(c, x)] as [S, S], fx.scalar(1) as S, xs);
    const [last, partial] = f(fx.tensor([2, 3, 4]));
    await expectClose(last, 24);
    await expectClose(partial, [2, 6, 24]);
    // d(prod)/dx_i = prod / x_i
    await expectClose(fx.grad((xs: V) => f(xs)[0])(fx.tensor([2, 3, 4])), [12, 8, 6]);
    await expectClose(fx.grad((xs: V) => fx.sum(f(xs)[1]))(fx.tensor([2, 3, 4])), [1 + 3 + 12, 2 + 8, 6]);
  });

  it('scan over a pytree of sequences', async () => {
    const [c, ys] = fx.scan(
      (carry: S, x: { a: S; b: S }) => [fx.add(carry, fx.mul(x.a, x.b)), fx.sub(x.a, x.b)] as [S, S],
      fx.scalar(0) as S,
      { a: fx.tensor([1, 2]), b: fx.tensor([3, 4]) },
    );
    await expectClose(c, 11);
    await expectClose(ys, [-2, -2]);
  });

  it('scan rejects sequences of different lengths', () => {
    expect(() => fx.scan((c: S, x: [S, S]) => [c, x[0]] as [S, S], fx.scalar(0) as S, [fx.ones([2]), fx.ones([3])] as unknown as [fx.Tensor<[2], 'float32'>, fx.Tensor<[2], 'float32'>])).toThrow(/same leading axis/);
  });
});
