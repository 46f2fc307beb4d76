/**
 * Effect rows: inferred as the union of the effects a program uses (also in
 * generator do-notation), removed by handlers, and checked at the
 * differentiation boundary: `fx.grad` of a program gives a program of the
 * gradients, and a program with `'IO'` cannot be differentiated.
 */
import { expectAssignable, expectNotAssignable, expectType } from 'tsd';
import * as t from 'io-ts';
import type { Either } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as fx from '../dist/lib/index.js';
import type { Pullback, Tensor } from '../dist/lib/index.js';
import { Eff, TensorCodec, chain, codecOf, io, map, of, random, runIO, runRandom, runState, state } from '../dist/effects/index.js';
import type { Ref } from '../dist/effects/index.js';

type F32<S extends fx.Shape> = Tensor<S, 'float32'>;
type Scalar = F32<[]>;
declare const key: fx.random.Key;

// ---------------------------------------------------------------------------
// Operations have one effect each.
expectType<Eff<'Random', F32<[3]>>>(random.normal([3]));
expectType<Eff<'Random', F32<[2, 2]>>>(random.uniform([2, 2], 0, 1));
expectType<Eff<'Random', Tensor<[10], 'bool'>>>(random.bernoulli(0.5, [10]));
declare const logits: F32<[4, 10]>;
expectType<Eff<'Random', Tensor<[4], 'int32'>>>(random.categorical(logits));
expectType<Eff<'State', Ref<F32<[3]>>>>(state.ref(fx.zeros([3])));
expectType<Eff<'IO', void>>(io.log('hello'));
expectType<Eff<never, number>>(of(1));

// ---------------------------------------------------------------------------
// Rows are inferred in Eff.gen as the union of the effects used.
const onlyRandom = Eff.gen(function* () {
  const x = yield* random.normal([3]);
  return fx.sum(x);
});
expectType<Eff<'Random', Scalar>>(onlyRandom);

const randomAndState = Eff.gen(function* () {
  const x = yield* random.normal([3]);
  const r = yield* state.ref(x);
  yield* r.update((v) => fx.mul(v, 2));
  return yield* r.get();
});
expectType<Eff<'Random' | 'State', F32<[3]>>>(randomAndState);

const allThree = Eff.gen(function* () {
  const x = yield* randomAndState; // a program's row flows into the enclosing one
  yield* io.log('x', x);
  return 1;
});
expectType<Eff<'Random' | 'State' | 'IO', number>>(allThree);

const pure = Eff.gen(function* () {
  return 'no effects';
});
expectType<Eff<never, string>>(pure);

// pipe-style composition unions rows the same way.
expectType<Eff<'Random', Scalar>>(pipe(random.normal([3]), map((x) => fx.sum(x))));
expectType<Eff<'Random' | 'State', Ref<F32<[3]>>>>(pipe(random.normal([3]), chain((x) => state.ref(x))));

// A program is assignable to a wider row, not to a narrower one.
expectAssignable<Eff<'Random' | 'State', F32<[3]>>>(random.normal([3]));
expectNotAssignable<Eff<'Random', F32<[3]>>>(randomAndState);
expectNotAssignable<Eff<never, Scalar>>(onlyRandom);

// ---------------------------------------------------------------------------
// Handlers remove their effect: the plain value when none is left.
expectType<Scalar>(runRandom(onlyRandom, key));
expectType<Eff<'State', F32<[3]>>>(runRandom(randomAndState, key));
expectType<Eff<'Random', F32<[3]>>>(runState(randomAndState));
expectType<F32<[3]>>(runState(runRandom(randomAndState, key)));
expectType<F32<[3]>>(runRandom(runState(randomAndState), key));
// I/O is asynchronous: its handler gives a promise of the value.
expectType<Promise<void>>(runIO(io.log('hi')));
expectType<Eff<'Random' | 'State', Promise<number>>>(runIO(allThree));
expectType<Promise<number>>(runIO(runState(runRandom(allThree, key))));
expectType<Promise<number>>(runRandom(runState(runIO(allThree)), key));

// ---------------------------------------------------------------------------
// The differentiation boundary: grad of a program without IO gives a program of the gradients.
const noisy = (m: Scalar) =>
  Eff.gen(function* () {
    return fx.sum(yield* random.normal([3], m, 1));
  });
expectType<Eff<'Random', Scalar>>(fx.grad(noisy)(fx.scalar(0)));
expectType<Scalar>(runRandom(fx.grad(noisy)(fx.scalar(0)), key));
expectAssignable<Eff<'Random', [Scalar, Scalar]>>(fx.valueAndGrad(noisy)(fx.scalar(0)));
const valueAndSlope = runRandom(fx.valueAndGrad(noisy)(fx.scalar(0)), key);
expectType<Scalar>(valueAndSlope[0]);
expectType<Scalar>(valueAndSlope[1]);
expectType<Eff<'Random', [Scalar, Pullback<Scalar, [m: Scalar]>]>>(fx.vjp(noisy, fx.scalar(0)));
expectAssignable<Eff<'Random', [Scalar, Scalar]>>(fx.jvp(noisy, [fx.scalar(0)], [fx.scalar(1)]));
expectNotAssignable<[Scalar, Scalar]>(fx.jvp(noisy, [fx.scalar(0)], [fx.scalar(1)]));
expectType<[Scalar, Scalar]>(runRandom(fx.jvp(noisy, [fx.scalar(0)], [fx.scalar(1)]), key));

const stateful = (p: { w: F32<[2]>; b: Scalar }) =>
  Eff.gen(function* () {
    const r = yield* state.ref(p.w);
    yield* r.update((v) => fx.add(v, p.b));
    const z = yield* random.normal([2], yield* r.get());
    return fx.sum(z);
  });
expectType<Eff<'State' | 'Random', { w: F32<[2]>; b: Scalar }>>(fx.grad(stateful)({ w: fx.zeros([2]), b: fx.scalar(1) }));
expectType<{ w: F32<[2]>; b: Scalar }>(runState(runRandom(fx.grad(stateful)({ w: fx.zeros([2]), b: fx.scalar(1) }), key)));

// Plain functions are unaffected.
expectType<F32<[3]>>(fx.grad((x: F32<[3]>) => fx.sum(x))(fx.zeros([3])));

// IO in the row: I/O cannot be differentiated.
const withIO = (m: Scalar) =>
  Eff.gen(function* () {
    yield* io.log('m', m);
    return fx.mul(m, m);
  });
// @ts-expect-error I/O cannot be differentiated: this program has the IO effect in its row
fx.grad(withIO);
// @ts-expect-error I/O cannot be differentiated
fx.valueAndGrad(withIO);
// @ts-expect-error I/O cannot be differentiated
fx.vjp(withIO, fx.scalar(1));
// @ts-expect-error I/O cannot be differentiated
fx.jvp(withIO, [fx.scalar(1)], [fx.scalar(1)]);
// Handling the IO first is not a way around it: runIO's value is a promise, not a scalar.
// @ts-expect-error grad needs a function that returns a scalar float32 tensor
fx.grad((m: Scalar) => runIO(withIO(m)));

// The other checks still apply to programs: NoDiff arguments, non-scalar values.
// @ts-expect-error cannot differentiate with respect to an int32 tensor
fx.grad((i: Tensor<[3], 'int32'>) => random.normal([], 0, 1));
// @ts-expect-error grad needs a function that returns a scalar float32 tensor
fx.grad((m: Scalar) => random.normal([3], m));

// ---------------------------------------------------------------------------
// Codecs decode to typed tensors and compose with io-ts.
declare const json: unknown;
expectType<Either<t.Errors, F32<[28, 28]>>>(TensorCodec([28, 28], 'float32').decode(json));
expectType<Either<t.Errors, Tensor<[number], 'int32'>>>(TensorCodec([null], 'int32').decode(json));
const Dataset = t.type({ images: TensorCodec([null, 784]), labels: TensorCodec([null], 'int32') });
expectType<Either<t.Errors, { images: F32<[number, 784]>; labels: Tensor<[number], 'int32'> }>>(Dataset.decode(json));
declare const params: { w: F32<[2, 3]>; b: F32<[3]> };
expectType<t.Type<{ w: F32<[2, 3]>; b: F32<[3]> }, unknown, unknown>>(codecOf(params));
expectType<Eff<'IO', { w: F32<[2, 3]>; b: F32<[3]> }>>(io.load('params.json', params));

// A row erased by an annotation may hide IO: differentiating it does not compile (issue #22).
const hidden = (m: Scalar): fx.EffectProgramLike<unknown, Scalar> => withIO(m);
// @ts-expect-error cannot differentiate an effect program whose row is unknown
fx.grad(hidden);
// @ts-expect-error cannot differentiate an effect program whose row is unknown
fx.valueAndGrad(hidden);
// @ts-expect-error cannot differentiate an effect program whose row is unknown
fx.vjp(hidden, fx.scalar(1));
