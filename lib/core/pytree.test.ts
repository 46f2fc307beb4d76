/**
 * Pytrees with awkward keys and shapes (issue #16): own keys named
 * `__proto__`, `constructor` and `prototype` (as `JSON.parse` makes them)
 * round-trip through every transformation, and a cyclic structure is an
 * error naming the path instead of a stack overflow.
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, itExceptWebgpu } from '../testing/backends.js';
import { flatten, unflatten } from './pytree.js';

type S = fx.Tensor<[], 'float32'>;
type Params = Record<string, S>;

/** `{ __proto__: 2, constructor: 3, prototype: 5 }` as own data keys, the way JSON.parse builds it. */
function awkward(): Params {
  const p = JSON.parse('{"__proto__": 0, "constructor": 0, "prototype": 0}') as Record<string, unknown>;
  Object.defineProperty(p, '__proto__', { value: fx.scalar(2), enumerable: true, writable: true, configurable: true });
  p['constructor'] = fx.scalar(3);
  p['prototype'] = fx.scalar(5);
  return p as Params;
}
const KEYS = ['__proto__', 'constructor', 'prototype'];
const own = (o: object, k: string) => Object.getOwnPropertyDescriptor(o, k)?.value as fx.Tensor;
/** The product of the three leaves: its gradient at (2, 3, 5) is (15, 10, 6). */
const product = (p: Params) => fx.mul(own(p, '__proto__') as S, fx.mul(own(p, 'constructor') as S, own(p, 'prototype') as S));

function expectKeys(result: unknown, values: number[], what: string): void {
  const r = result as object;
  expect(Object.getPrototypeOf(r), `${what}: prototype`).toBe(Object.prototype);
  expect(Object.keys(r).sort(), `${what}: keys`).toEqual(KEYS);
  expect(
    KEYS.map((k) => own(r, k).arraySync()),
    `${what}: values`,
  ).toEqual(values);
}

it('flatten/unflatten keep own __proto__, constructor and prototype keys as data', () => {
  const p = awkward();
  const [leaves, def] = flatten(p);
  expect(leaves.length).toBe(3);
  expectKeys(unflatten(def, leaves), [2, 3, 5], 'unflatten');
});

describeEachBackend('awkward keys round-trip through every transformation', (backend) => {
  itExceptWebgpu(backend, 'the test reads values synchronously (arraySync/item/dataSync), which webgpu cannot do in Node')('grad, vjp, jvp, jit, vmap, scope, optim.update', () => {
    expectKeys(fx.grad(product)(awkward()), [15, 10, 6], 'grad');
    const [, pullback] = fx.vjp(product, awkward());
    expectKeys(pullback(fx.scalar(1))[0], [15, 10, 6], 'vjp');
    const [y, dy] = fx.jvp(product, [awkward()], [awkward()]);
    expect([y.arraySync(), dy.arraySync()]).toEqual([30, 2 * 15 + 3 * 10 + 5 * 6]);
    const identity = (p: Params) => ({ ...Object.fromEntries(KEYS.map((k) => [k, fx.mul(own(p, k) as S, 1)])) }) as Params;
    expectKeys(fx.jit(identity)(awkward()), [2, 3, 5], 'jit');
    const batched = fx.vmap((p: Params) => product(p))(
      Object.fromEntries(KEYS.map((k, i) => [k, fx.tensor([[2, 3, 5][i]!, 1])])) as never,
    ) as fx.Tensor;
    expect(batched.arraySync()).toEqual([30, 1]);
    // vmap's inAxes as an object: a missing `constructor` key must not read Object.prototype.constructor.
    const perKey = fx.vmap((p: Params) => product(p), { inAxes: [{ __proto__: 0, prototype: 0 } as never] } as never)(
      Object.fromEntries(KEYS.map((k, i) => [k, fx.tensor([[2, 3, 5][i]!, 1])])) as never,
    ) as fx.Tensor;
    expect(perKey.arraySync()).toEqual([30, 1]);
    expectKeys(
      fx.scope(() => awkward()),
      [2, 3, 5],
      'scope',
    );
    const opt = fx.optim.sgd({ learningRate: 0.5 });
    const params = awkward();
    const [next] = opt.update(awkward(), opt.init(params), params);
    expectKeys(next, [1, 1.5, 2.5], 'optim.update');
  });

  it('a gradient never gets a tensor as its prototype (so scope cannot dispose through it)', () => {
    const g = fx.scope(() => fx.grad(product)(awkward()));
    expect(Object.getPrototypeOf(g)).toBe(Object.prototype);
    expect(own(g, '__proto__').isDisposed).toBe(false);
  });
});

it('a cyclic pytree is an error naming the path', () => {
  const p: Record<string, unknown> = { a: fx.scalar(1), inner: { b: [fx.scalar(2)] } };
  (p['inner'] as Record<string, unknown[]>)['b']!.push(p);
  expect(() => flatten(p)).toThrow(/cyclic pytree at path \.inner\.b\[1\]/);
  expect(() => fx.grad((q: Record<string, S>) => q['a']!)(p as never)).toThrow(/cyclic pytree at path \[0\]\.inner\.b\[1\]/);
  const self: unknown[] = [];
  self.push(self);
  expect(() => fx.jit((x: unknown) => x)(self)).toThrow(/cyclic pytree at path \[0\]\[0\]/);
  // The same object twice (a DAG) is not a cycle.
  const shared = { w: fx.scalar(1) };
  expect(flatten([shared, shared])[0].length).toBe(2);
});
