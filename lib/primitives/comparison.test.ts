import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type AnyT = fx.Tensor;
type Cmp = (a: AnyT | number, b: AnyT | number) => AnyT;
type V = fx.Tensor<number[], 'float32'>;

const ops: [name: string, op: Cmp, ref: (a: number, b: number) => boolean][] = [
  ['equal', fx.equal as unknown as Cmp, (a, b) => a === b],
  ['notEqual', fx.notEqual as unknown as Cmp, (a, b) => a !== b],
  ['less', fx.less as unknown as Cmp, (a, b) => a < b],
  ['lessEqual', fx.lessEqual as unknown as Cmp, (a, b) => a <= b],
  ['greater', fx.greater as unknown as Cmp, (a, b) => a > b],
  ['greaterEqual', fx.greaterEqual as unknown as Cmp, (a, b) => a >= b],
];

const A = [[1, -2, 3], [0.5, 4, -3]];
const B = [2, -2, -3];

/** The reference comparison of A against B broadcast over rows, as 0/1. */
const expected = (ref: (a: number, b: number) => boolean, a = A, b = B) => a.map((row) => row.map((v, j) => Number(ref(v, b[j]!))));

/** Reads a bool tensor as 0/1 numbers (backends return booleans or 0/1). */
async function bits(t: AnyT): Promise<unknown> {
  const flat = (x: unknown): unknown => (Array.isArray(x) ? x.map(flat) : Number(x));
  return flat(await t.array());
}

describeEachBackend('comparisons', () => {
  for (const [name, op, ref] of ops) {
    it(`${name}: float32 with broadcasting gives a bool tensor of the broadcast shape`, async () => {
      const y = op(fx.tensor(A), fx.tensor(B));
      expect(y.dtype).toBe('bool');
      expect(y.shape).toEqual([2, 3]);
      expect(await bits(y)).toEqual(expected(ref));
    });

    it(`${name}: int32 operands, and a JS number on either side`, async () => {
      const ints = [[1, -2, 3], [0, 4, -3]];
      const y = op(fx.tensor(ints, 'int32'), fx.tensor(B, 'int32'));
      expect(y.dtype).toBe('bool');
      expect(await bits(y)).toEqual(expected(ref, ints));
      expect(await bits(op(fx.tensor([1, 2, 3]), 2))).toEqual([1, 2, 3].map((v) => Number(ref(v, 2))));
      expect(await bits(op(2, fx.tensor([1, 2, 3], 'int32')))).toEqual([1, 2, 3].map((v) => Number(ref(2, v))));
    });

    it(`${name}: no derivative flows through it (NoDiff)`, async () => {
      const x = fx.tensor([-1, 0.5, 2]);
      // d/dx Σ cast(x ⋈ 0.5): the comparison is piecewise constant, its derivative is a symbolic zero.
      const g = fx.grad((v: V) => fx.sum(fx.cast(op(v, 0.5), 'float32')) as fx.Tensor<[], 'float32'>)(x as V);
      await expectClose(g, [0, 0, 0]);
      // The mask scales x but contributes nothing itself: d/dx Σ x·mask(x) = mask(x).
      const h = fx.grad((v: V) => fx.sum(fx.mul(v, fx.cast(op(v, 0.5), 'float32') as V)) as fx.Tensor<[], 'float32'>)(x as V);
      await expectClose(h, [-1, 0.5, 2].map((v) => Number(ref(v, 0.5))));
      const [, t] = fx.jvp((v: V) => op(v, 0.5), [x as V], [fx.ones([3]) as V]);
      expect(await bits(t)).toEqual([0, 0, 0]);
    });
  }

  it('equal and notEqual accept bool operands', async () => {
    const p = fx.tensor([true, false, true, false], 'bool');
    const q = fx.tensor([true, true, false, false], 'bool');
    expect(await bits(fx.equal(p, q))).toEqual([1, 0, 0, 1]);
    expect(await bits(fx.notEqual(p, q))).toEqual([0, 1, 1, 0]);
  });

  it('NaN compares unequal to everything, itself included', async () => {
    const x = fx.tensor([NaN, 1]);
    expect(await bits(fx.equal(x, x))).toEqual([0, 1]);
    expect(await bits(fx.notEqual(x, x))).toEqual([1, 0]);
    expect(await bits(fx.less(x, 2))).toEqual([0, 1]);
    expect(await bits(fx.greaterEqual(x, 0))).toEqual([0, 1]);
  });

  it('a comparison feeds where: the gradient of where(x > 0, x, 0) is the mask', async () => {
    const f = (v: V) => fx.sum(fx.where(fx.greater(v, 0), v, 0)) as fx.Tensor<[], 'float32'>;
    await expectClose(fx.grad(f)(fx.tensor([-1, 2, 0]) as V), [0, 1, 0]);
  });
});

describeEachBackend('comparison errors', () => {
  for (const [name, op] of ops.filter(([n]) => n !== 'equal' && n !== 'notEqual')) {
    it(`${name} rejects bool operands with a DtypeError naming ${name}`, () => {
      const p = fx.tensor([true, false], 'bool');
      expect(() => op(p, p)).toThrow(fx.DtypeError);
      expect(() => op(p, p)).toThrow(new RegExp(`dtype error in ${name}: a must be float32 or int32, got bool`));
    });
  }

  for (const [name, op] of ops) {
    it(`${name} rejects mixed dtypes and shapes that do not broadcast`, () => {
      expect(() => op(fx.zeros([2]), fx.tensor([1, 2], 'int32'))).toThrow(new RegExp(`dtype error in ${name}: operands differ in dtype`));
      expect(() => op(fx.zeros([2, 3]), fx.zeros([2]))).toThrow(fx.ShapeError);
      expect(() => op(fx.zeros([2, 3]), fx.zeros([2]))).toThrow(new RegExp(`shape error in ${name}: cannot broadcast \\[2, 3\\] with \\[2\\]`));
    });
  }
});

describe('comparisons: static types', () => {
  it('return a bool tensor of the broadcast shape', () => {
    const m: fx.Tensor<[2, 3], 'bool'> = fx.less(fx.zeros([2, 3]), fx.zeros([3]));
    const n: fx.Tensor<[2, 3], 'bool'> = fx.equal(fx.zeros([2, 3], 'int32'), 1);
    const k: fx.Tensor<[2, 3], 'bool'> = fx.greaterEqual(fx.zeros([2, 1]), fx.zeros([1, 3]));
    expect([m.dtype, n.dtype, k.dtype]).toEqual(['bool', 'bool', 'bool']);
  });
});
