/**
 * Transformations off the happy path (issue #16): JS numbers as arguments
 * (float32 scalars, as JAX's `grad(f)(3.0)`), results that never alias their
 * inputs, and clear messages for values that are not tensors and for tracers
 * that escaped their transformation.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, itExceptWebgpu } from '../testing/backends.js';

type S = fx.Tensor<[], 'float32'>;
type V = fx.Tensor<[3], 'float32'>;
/** The transformations called with values their types do not admit (a JS number for a tensor). */
const untyped = fx as unknown as Record<string, (...args: unknown[]) => (...args: unknown[]) => unknown> & {
  jvp: (...args: unknown[]) => [fx.Tensor, fx.Tensor];
  vjp: (...args: unknown[]) => [fx.Tensor, (ct: unknown) => unknown[]];
  linearize: (...args: unknown[]) => [fx.Tensor, (...t: unknown[]) => fx.Tensor];
};
const square = (v: S) => fx.mul(v, v);
const read = (x: unknown) => (x as fx.Tensor).arraySync();

describeEachBackend('a JS number argument is a float32 scalar', (backend) => {
  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('grad and valueAndGrad: d(v²)/dv at 3 is 6', () => {
    const g = untyped['grad']!(square)(3) as fx.Tensor;
    expect(g).toBeInstanceOf(fx.Tensor);
    expect(g.dtype).toBe('float32');
    expect(g.shape).toEqual([]);
    expect(g.arraySync()).toBe(6);
    const [v, dv] = untyped['valueAndGrad']!(square)(3) as [fx.Tensor, fx.Tensor];
    expect([v.arraySync(), dv.arraySync()]).toEqual([9, 6]);
    // A number inside a differentiated pytree is a leaf too, and gets a gradient.
    const gs = untyped['grad']!((p: { a: S; b: S }) => fx.mul(p.a, p.b))({ a: fx.scalar(2), b: 5 }) as { a: fx.Tensor; b: fx.Tensor };
    expect([gs.a.arraySync(), gs.b.arraySync()]).toEqual([5, 2]);
  });

  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('vjp, jvp and linearize', () => {
    const [y, pullback] = untyped.vjp(square, 3);
    expect(read(y)).toBe(9);
    expect(read(pullback(1)[0])).toBe(6);
    const [out, tangent] = untyped.jvp(square, [3], [1]);
    expect([read(out), read(tangent)]).toEqual([9, 6]);
    const [at, df] = untyped.linearize(square, 3);
    expect([read(at), read(df(2))]).toEqual([9, 12]);
  });

  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('jacfwd, jacrev and hessian', () => {
    const cube = (v: S) => fx.mul(v, fx.mul(v, v));
    expect(read(untyped['jacfwd']!(cube)(2))).toBe(12);
    expect(read(untyped['jacrev']!(cube)(2))).toBe(12);
    expect(read(untyped['hessian']!(cube)(2))).toBe(12);
  });

  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('vmap broadcasts a number given in axis null; a mapped number is an error', () => {
    const scale = untyped['vmap']!((x: S, c: S) => fx.mul(x, c), { inAxes: [0, null] });
    expect(read(scale(fx.tensor([1, 2, 3]), 2))).toEqual([2, 4, 6]);
    // Returned as it is, the number is broadcast over the batch (it is a tensor inside).
    const same = untyped['vmap']!((_x: S, c: S) => c, { inAxes: [0, null] });
    expect(read(same(fx.tensor([1, 2]), 7))).toEqual([7, 7]);
    expect(() => untyped['vmap']!((x: S, c: S) => fx.mul(x, c), { inAxes: [0, 0] })(fx.tensor([1, 2]), 2)).toThrow(
      /vmap: inAxes maps axis 0 of argument leaf 1, a JS number/,
    );
  });

  it('jit: a number is a static argument (the function sees the number)', () => {
    const f = fx.jit((v: S | number) => fx.mul(v as S, v as S));
    expect(read(f(3))).toBe(9);
    expect(read(f(4))).toBe(16);
    expect(f.stats().traces).toBe(2);
  });

  it('numbers made into scalars are freed: memory is unchanged after the results are disposed', () => {
    const before = fx.memory().tensors;
    (untyped['grad']!(square)(3) as fx.Tensor).dispose();
    const [y, pullback] = untyped.vjp(square, 3);
    const [ct] = pullback(1) as [fx.Tensor];
    (pullback as unknown as { dispose(): void }).dispose();
    y.dispose();
    ct.dispose();
    const [a, b] = untyped.jvp(square, [3], [1]);
    a.dispose();
    b.dispose();
    expect(fx.memory().tensors).toBe(before);
  });
});

describeEachBackend('results never alias inputs', (backend) => {
  const x = () => fx.tensor([1, 2, 3]);
  /** Runs `make(input)`, disposes every tensor of its result, and checks that the input still reads. */
  const expectFresh = (name: string, make: (input: V) => unknown) => {
    const input = x();
    const result = make(input);
    const leaves: fx.Tensor[] = [];
    const walk = (r: unknown) => {
      if (r instanceof fx.Tensor) leaves.push(r);
      else if (Array.isArray(r)) r.forEach(walk);
    };
    walk(result);
    expect(leaves.length, name).toBeGreaterThan(0);
    for (const l of leaves) {
      expect(l, name).not.toBe(input);
      l.dispose();
    }
    expect(input.isDisposed, name).toBe(false);
    expect(input.arraySync(), name).toEqual([1, 2, 3]);
  };
  const id = (v: V) => v;

  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('transformations of an identity function', () => {
    expectFresh('vmap', (v) => fx.vmap(id as (v: unknown) => V)(v as never));
    expectFresh('checkpoint', (v) => fx.checkpoint(id)(v));
    expectFresh('checkpoint everything', (v) => fx.checkpoint(id, { policy: 'everything' })(v));
    expectFresh('jvp', (v) => fx.jvp(id, [v], [v]));
    expectFresh('vjp primal', (v) => fx.vjp(id, v)[0]);
    expectFresh('vjp cotangent', (v) => fx.vjp(id, fx.tensor([0, 0, 0]))[1](v));
    expectFresh('linearize primal', (v) => fx.linearize(id, v)[0]);
    expectFresh('linearize tangent', (v) => fx.linearize(id, fx.tensor([0, 0, 0]))[1](v));
    expectFresh('jit', (v) => fx.jit(id)(v));
    const s = fx.scalar(2);
    const [value, grad] = fx.valueAndGrad((t: S) => t)(s);
    expect(value).not.toBe(s);
    value.dispose();
    grad.dispose();
    expect(s.arraySync()).toBe(2);
  });

  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('ops and control flow that return their input', () => {
    expectFresh('reshape to the same shape', (v) => fx.reshape(v, [3]));
    expectFresh('cast to the same dtype', (v) => fx.cast(v, 'float32'));
    expectFresh('broadcastTo the same shape', (v) => fx.broadcastTo(v, [3]));
    expectFresh('transpose by the identity', (v) => fx.transpose(v, [0]));
    expectFresh('stopGradient', (v) => fx.stopGradient(v));
    expectFresh('cond returning an operand', (v) => fx.cond(fx.scalar(true, 'bool'), id, id, v));
    expectFresh('fori(0, 0)', (v) => fx.fori(0, 0, (_i, c: V) => c, v));
    expectFresh('fori returning its carry', (v) => fx.fori(0, 2, (_i, c: V) => c, v));
    expectFresh('scan returning its carry', (v) => fx.scan((c: V, y: V) => [c, y], v, fx.zeros([2, 3]))[0]);
    expectFresh('whileLoop with a false condition', (v) => fx.whileLoop(() => fx.less(fx.scalar(1), 0), id, v));
  });
});

describeEachBackend('messages for misuse', (backend) => {
  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('a value that is not a tensor names the op, the argument and what was expected', () => {
    const sin = fx.sin as unknown as (x: unknown) => fx.Tensor;
    expect(() => sin('x')).toThrow(/dtype error in sin: argument 1 must be a Tensor or a number, got the string "x"/);
    expect(() => sin({})).toThrow(/dtype error in sin: argument 1 must be a Tensor or a number, got an object/);
    // A number is a float32 scalar, as in jnp.sin(3.0).
    expect(sin(0).arraySync()).toBe(0);
  });

  it('a tracer used after its transformation returned says that it escaped', () => {
    let leaked: fx.Tensor | undefined;
    fx.grad((v: S) => {
      leaked = fx.mul(v, 2);
      return fx.mul(v, v);
    })(fx.scalar(3));
    expect(() => fx.sin(leaked as S)).toThrow(/a tracer escaped its transformation \(grad\/vjp\/jvp\/linearize\)/);
    expect(() => leaked!.arraySync()).toThrow(/a tracer escaped its transformation/);
  });

  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('a BigInt static argument to jit is supported (a static value, part of the cache key)', () => {
    const f = fx.jit((x: S, n: bigint) => fx.mul(x, Number(n)));
    expect(f(fx.scalar(1), 3n).arraySync()).toBe(3);
    expect(f(fx.scalar(1), 4n).arraySync()).toBe(4);
    expect(f(fx.scalar(1), 3n).arraySync()).toBe(3);
    expect(f.stats().traces).toBe(2);
  });
});
