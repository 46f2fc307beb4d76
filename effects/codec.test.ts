import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fx from '../lib/index.js';
import { describeEachBackend, expectClose } from '../lib/testing/backends.js';
import { DecodeError, Eff, TensorCodec, codecOf, formatErrors, io, prefetch, random, runIO, runRandom } from './index.js';

/** The reporter text of a failed decode. */
function failure(codec: t.Decoder<unknown, unknown>, json: unknown): string {
  const r = codec.decode(json);
  if (!isLeft(r)) throw new Error('expected the decode to fail');
  return formatErrors(r.left);
}

describe('TensorCodec errors name the path, the expected shape and what was found', () => {
  const img = TensorCodec([2, 3], 'float32');

  it('wrong shape', () => {
    expect(failure(img, [[1, 2, 3]])).toBe('value: expected a float32 tensor of shape [2, 3], got shape [1, 3] (the top has 1 elements on axis 0, expected 2)');
    expect(failure(img, [[1, 2], [3, 4]])).toBe('value: expected a float32 tensor of shape [2, 3], got shape [2, 2] ([0] has 2 elements on axis 1, expected 3)');
    expect(failure(img, [[[1], [2], [3]], [[4], [5], [6]]])).toBe(
      'value: expected a float32 tensor of shape [2, 3], got shape [2, 3, 1] ([0][0] is nested deeper than rank 2)',
    );
    expect(failure(img, 5)).toBe('value: expected a float32 tensor of shape [2, 3], got shape [] (the value is 5 where axis 0 expects an array)');
  });

  it('ragged arrays', () => {
    expect(failure(img, [[1, 2, 3], [4, 5]])).toBe('value: expected a float32 tensor of shape [2, 3], got a ragged array: [1] has 2 elements but [0] has 3');
    const free = TensorCodec([null, null]);
    expect(failure(free, [[1, 2], [3, 4, 5]])).toBe('value: expected a float32 tensor of shape [n, n], got a ragged array: [1] has 3 elements but [0] has 2');
  });

  it('NaN strings, non-numbers, non-finite and out-of-range values', () => {
    expect(failure(img, [[1, 'NaN', 3], [4, 5, 6]])).toBe('value: expected a float32 tensor of shape [2, 3], but at [0][1]: expected a number, got the string "NaN"');
    expect(failure(img, [[1, null, 3], [4, 5, 6]])).toBe('value: expected a float32 tensor of shape [2, 3], but at [0][1]: expected a number, got null');
    expect(failure(img, [[1, 2, 3], [4, 5, 1e39]])).toBe('value: expected a float32 tensor of shape [2, 3], but at [1][2]: expected a finite float32 number, got 1e+39');
  });

  it('wrong dtypes', () => {
    expect(failure(TensorCodec([3], 'int32'), [1, 2.5, 3])).toBe('value: expected an int32 tensor of shape [3], but at [1]: expected an int32 (an integer in [-2^31, 2^31)), got 2.5');
    expect(failure(TensorCodec([2], 'int32'), [1, 2 ** 31])).toMatch(/at \[1\]: expected an int32 .* got 2147483648/);
    expect(failure(TensorCodec([2], 'bool'), [true, 1])).toBe('value: expected a bool tensor of shape [2], but at [1]: expected a boolean, got 1');
  });

  it('paths through composed io-ts codecs (type, array) appear in the message, also with the io-ts PathReporter', () => {
    const Dataset = t.type({ name: t.string, images: t.array(TensorCodec([2, 2])), labels: TensorCodec([null], 'int32') });
    const r = Dataset.decode({ name: 'mini', images: [[[1, 2], [3, 4]], [[1, 2], [3]]], labels: [0, 1] });
    expect(isLeft(r)).toBe(true);
    const lines = PathReporter.report(r);
    expect(lines).toEqual(['images.1: expected a float32 tensor of shape [2, 2], got a ragged array: [1] has 1 elements but [0] has 2']);
  });

  it('bounds the size of free dims before allocating, and the depth by the rank', () => {
    const big = TensorCodec([null, 3], 'float32', { maxSize: 30 });
    expect(failure(big, Array.from({ length: 11 }, () => [1, 2, 3]))).toBe(
      'value: expected a float32 tensor of shape [n, 3], got more than maxSize = 30 elements (axis 0 has length 11)',
    );
    // A deeply nested input is rejected at depth rank + 1, without walking it.
    let deep: unknown = 1;
    for (let i = 0; i < 10000; i++) deep = [deep];
    expect(failure(TensorCodec([1, 1]), deep)).toMatch(/got shape \[1, 1, 1, 1, …\] \(\[0\]\[0\] is nested deeper than rank 2\)/);
  });

  it('rejects bad codec arguments', () => {
    expect(() => TensorCodec([2, -1] as never)).toThrow(/non-negative integers or null/);
    expect(() => TensorCodec([2], 'float64' as never)).toThrow(/unknown dtype "float64"/);
  });
});

describeEachBackend('TensorCodec values', () => {
  it('decodes valid data into a tensor of that shape and dtype', async () => {
    const r = TensorCodec([2, 3], 'float32').decode([[1, 2, 3], [4, 5, 6]]);
    expect(isRight(r)).toBe(true);
    if (isRight(r)) {
      expect(r.right.shape).toEqual([2, 3]);
      await expectClose(r.right, [[1, 2, 3], [4, 5, 6]]);
    }
    const labels = TensorCodec([null], 'int32').decode([3, 1, 4]);
    if (isRight(labels)) {
      expect(labels.right.dtype).toBe('int32');
      expect(await labels.right.array()).toEqual([3, 1, 4]);
    } else throw new Error('labels did not decode');
    const mask = TensorCodec([2], 'bool').decode([true, false]);
    if (isRight(mask)) {
      expect(Array.from(await mask.right.data())).toEqual([1, 0]);
      await prefetch(mask.right);
      expect(TensorCodec([2], 'bool').encode(mask.right)).toEqual([true, false]);
    }
    else throw new Error('mask did not decode');
  });

  it('a failed decode allocates no tensor, also when siblings in a parameter file decoded', () => {
    const like = { a: fx.zeros([3]), b: [fx.zeros([2, 2]), fx.zeros([1])] };
    const codec = codecOf(like);
    const before = fx.memory().tensors;
    expect(isLeft(codec.decode({ a: [1, 2, 3], b: [[[1, 2], [3, 4]], ['x']] }))).toBe(true);
    expect(isLeft(TensorCodec([2, 2]).decode([[1, 2], [3, 'x']]))).toBe(true);
    expect(fx.memory().tensors).toBe(before);
    expect(failure(codec, { a: [1, 2, 3], b: [[[1, 2], [3, 4]], [1]], extra: 1 })).toBe('value: unexpected key(s) extra (expected a, b)');
    expect(failure(codec, { a: [1, 2, 3] })).toBe('b: expected an array of 2 elements, got nothing (a missing value)');
  });

  it('save/load of a pytree of parameters round-trips float32 values exactly (through JSON text, via io)', async () => {
    const key = fx.random.key(5);
    const params = runRandom(
      Eff.gen(function* () {
        return {
          layers: [{ w: yield* random.normal([3, 4]), b: yield* random.uniform([4]) }],
          steps: fx.tensor([7], 'int32'),
          frozen: fx.tensor([true, false]),
          name: 'tiny',
        };
      }),
      key,
    );
    const dir = await mkdtemp(join(tmpdir(), 'fluxion-effects-'));
    const file = join(dir, 'params.json');
    await runIO(io.save(file, params));
    const loaded = await runIO(io.load(file, params));
    const bitsOf = async (x: fx.Tensor) => Array.from(new Uint32Array((await x.data()).slice().buffer));
    expect(await bitsOf(loaded.layers[0]!.w)).toEqual(await bitsOf(params.layers[0]!.w));
    expect(await bitsOf(loaded.layers[0]!.b)).toEqual(await bitsOf(params.layers[0]!.b));
    expect(await loaded.steps.array()).toEqual([7]);
    expect(Array.from(await loaded.frozen.data())).toEqual([1, 0]);
    expect(loaded.name).toBe('tiny');
    expect(JSON.parse(await readFile(file, 'utf8')).layers[0].w.length).toBe(3);
  });

  it('io.read raises a DecodeError naming the source and the path; io.readEither gives the Either', async () => {
    const codec = t.type({ x: TensorCodec([2]) });
    const bad = () => ({ x: [1, 'NaN'] });
    const err = await runIO(io.read(codec, bad)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as Error).message).toBe('cannot decode the source function:\nx: expected a float32 tensor of shape [2], but at [1]: expected a number, got the string "NaN"');
    const either = await runIO(io.readEither(codec, bad));
    expect(isLeft(either)).toBe(true);
    const text = await runIO(io.read(codec, 'memory://x.json'), { readText: async () => '{"x": [1, 2]}' });
    await expectClose(text.x, [1, 2]);
    await expect(runIO(io.read(codec, 'memory://x.json'), { readText: async () => '{"x": [1, ' })).rejects.toThrow(/memory:\/\/x.json is not valid JSON/);
  });

  it('io.write encodes with the codec (tensors read back asynchronously, so webgpu works too)', async () => {
    let written: unknown;
    await runIO(io.write(TensorCodec([2, 2]), (json) => void (written = json), fx.tensor([[1, 2], [3, 4]])));
    expect(written).toEqual([[1, 2], [3, 4]]);
  });
});
