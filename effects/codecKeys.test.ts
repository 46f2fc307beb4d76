/**
 * `codecOf` checks keys as own properties (issue #16): inherited names such
 * as `constructor`, `toString` and `__proto__` are unexpected keys like any
 * other, and an example with an own `__proto__` key decodes it as data.
 */
import { expect, it } from 'vitest';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import * as fx from '../lib/index.js';
import { codecOf, formatErrors } from './index.js';

const codec = codecOf({ a: fx.zeros([2]) });

function failure(json: unknown): string {
  const r = codec.decode(json);
  if (!isLeft(r)) throw new Error('expected the decode to fail');
  return formatErrors(r.left);
}

it('rejects extra keys named after Object.prototype members', () => {
  for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
    const json = JSON.parse(`{"a": [1, 2], ${JSON.stringify(key)}: 1}`);
    expect(failure(json), key).toBe(`value: unexpected key(s) ${key} (expected a)`);
    expect(codec.is(json), key).toBe(false);
  }
});

it('an own __proto__ key in the example is a key like any other', () => {
  const example = JSON.parse('{"__proto__": 0, "b": 0}') as Record<string, unknown>;
  Object.defineProperty(example, '__proto__', { value: fx.zeros([1]), enumerable: true, writable: true, configurable: true });
  example['b'] = fx.zeros([1]);
  const c = codecOf(example);
  const r = c.decode(JSON.parse('{"__proto__": [3], "b": [4]}'));
  expect(isRight(r)).toBe(true);
  if (isRight(r)) {
    const v = r.right as Record<string, fx.Tensor>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(v, '__proto__')?.value.arraySync()).toEqual([3]);
    expect(v['b']!.arraySync()).toEqual([4]);
  }
  // Missing: an inherited __proto__ (Object.prototype) does not count as the key.
  expect(isLeft(c.decode({ b: [4] }))).toBe(true);
});
