import { describe, expect, it } from 'vitest';
import { pipe } from 'fp-ts/lib/function.js';
import { sequenceT } from 'fp-ts/lib/Apply.js';
import * as fx from '../lib/index.js';
import { describeEachBackend, expectClose } from '../lib/testing/backends.js';
import {
  Apply,
  Do,
  Eff,
  Functor,
  Monad,
  all,
  ap,
  bind,
  bindTo,
  chain,
  defer,
  flatMap,
  io,
  isEff,
  map,
  of,
  random,
  run,
  runIO,
  runRandom,
  runState,
  state,
  tap,
  traverseArray,
} from './index.js';

const key = fx.random.key(7);

/** Runs a program that may use Random and State (handlers in either order give the same value). */
const runBoth = <A>(p: Eff<'Random' | 'State', A>): A => runState(runRandom(p, key));

describe('Eff: monad laws and combinators', () => {
  const counter = (n: number) =>
    Eff.gen(function* () {
      const r = yield* state.ref(n);
      yield* r.update((v) => v + 1);
      return yield* r.get();
    });
  const f = (n: number) => pipe(counter(n), map((v) => v * 10));
  const g = (n: number) => of(n - 3);

  it('left identity: chain(f)(of(a)) = f(a)', () => {
    expect(runState(pipe(of(4), chain(f)))).toBe(runState(f(4)));
  });

  it('right identity: chain(of)(m) = m', () => {
    expect(runState(pipe(counter(1), chain((a) => of(a))))).toBe(runState(counter(1)));
  });

  it('associativity: chain(g)(chain(f)(m)) = chain(x => chain(g)(f(x)))(m)', () => {
    const m = counter(2);
    const lhs = pipe(m, chain(f), chain(g));
    const rhs = pipe(
      m,
      chain((x) => pipe(f(x), chain(g))),
    );
    expect(runState(lhs)).toBe(runState(rhs));
    expect(runState(lhs)).toBe(37); // counter(2) = 3, f: 40, g: 37
  });

  it('map, ap, tap, flatMap, Do/bind/bindTo compose with pipe', () => {
    expect(run(pipe(of(2), map((n) => n + 1)))).toBe(3);
    expect(run(pipe(of((n: number) => n * 2), ap(of(21))))).toBe(42);
    expect(run(flatMap(of(2), (n) => of(n * 5)))).toBe(10);
    const seen: number[] = [];
    expect(
      runState(
        pipe(
          counter(5),
          tap((v) => defer(() => of(seen.push(v)))),
        ),
      ),
    ).toBe(6);
    expect(seen).toEqual([6]);
    const rec = runState(
      pipe(
        Do,
        bind('a', () => counter(1)),
        bind('b', ({ a }) => of(a * 3)),
      ),
    );
    expect(rec).toEqual({ a: 2, b: 6 });
    expect(run(pipe(of(1), bindTo('x')))).toEqual({ x: 1 });
  });

  it('the fp-ts instances are lawful Functor/Monad/Apply (sequenceT, Monad.chain)', () => {
    expect(runState(Functor.map(counter(1), (n) => n * 2))).toBe(4);
    expect(runState(Monad.chain(Monad.of(3), (n) => counter(n)))).toBe(4);
    const both = sequenceT(Apply)(of(1) as Eff<'State', number>, counter(10));
    expect(runState(both)).toEqual([1, 11]);
  });

  it('all and traverseArray run in order and collect', () => {
    const log: string[] = [];
    const step = (s: string) => defer(() => of(log.push(s) && s));
    expect(run(all([step('a'), step('b'), of(3)] as const))).toEqual(['a', 'b', 3]);
    expect(run(traverseArray((s: string) => step(s.toUpperCase()))(['x', 'y']))).toEqual(['X', 'Y']);
    expect(log).toEqual(['a', 'b', 'X', 'Y']);
  });

  it('a program is a description: running it twice runs it afresh each time', () => {
    let calls = 0;
    const p = Eff.gen(function* () {
      calls++;
      const r = yield* state.ref(0);
      yield* r.update((v) => v + 1);
      return yield* r.get();
    });
    expect(calls).toBe(0);
    expect(runState(p)).toBe(1);
    expect(runState(p)).toBe(1);
    expect(calls).toBe(2);
  });

  it('deep chains and long generator loops do not grow the stack', () => {
    let p: Eff<never, number> = of(0);
    for (let i = 0; i < 50_000; i++) p = pipe(p, map((n) => n + 1));
    expect(run(p)).toBe(50_000);
    const loop = Eff.gen(function* () {
      const r = yield* state.ref(0);
      for (let i = 0; i < 100_000; i++) yield* r.update((v) => v + 1);
      return yield* r.get();
    });
    expect(runState(loop)).toBe(100_000);
  });

  it('isEff tells programs from values', () => {
    expect(isEff(of(1))).toBe(true);
    expect(isEff(1)).toBe(false);
    expect(Eff.is(random.normal([1]))).toBe(true);
  });

  it('writing yield instead of yield* is reported', () => {
    // yield (not yield*) of a value that is not a program does not type-check; forced, it fails when run.
    const bad = Eff.gen((function* () {
      return (yield 3) as number;
    }) as never);
    expect(() => run(bad as Eff<never, number>)).toThrow(/expected a program after yield\* \(write yield\*, not yield\)/);
  });
});

describe('Eff: handlers', () => {
  it('a handler gives the value when its effect was the last, a program otherwise', () => {
    const p = Eff.gen(function* () {
      const r = yield* state.ref(1);
      const u = yield* random.uniform([]);
      yield* r.set(2);
      return [yield* r.get(), u] as const;
    });
    const partly = runRandom(p, key);
    expect(isEff(partly)).toBe(true);
    const [v, u] = runState(partly);
    expect(v).toBe(2);
    expect(u.shape).toEqual([]);
    const other = runState(p);
    expect(isEff(other)).toBe(true);
    expect(runRandom(other, key)[0]).toBe(2);
  });

  it('handlers commute for Random and State: the same key gives the same value either way', async () => {
    const p = Eff.gen(function* () {
      const x = yield* random.normal([3]);
      const r = yield* state.ref(x);
      yield* r.update((v) => fx.add(v, fx.scalar(1)));
      return yield* r.get();
    });
    const a = await runState(runRandom(p, key)).data();
    const b = await runRandom(runState(p), key).data();
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('an operation with no handler names the effect and the handler to use', () => {
    const p = random.normal([2]) as unknown as Eff<never, unknown>;
    expect(() => run(p)).toThrow(/performed a Random operation, but no handler for Random is running it: run it with runRandom\(prog, key\)/);
  });

  it('a reference lives only in the run of runState that made it', () => {
    const escape = runState(state.ref(1));
    expect(() => runState(escape.get())).toThrow(/used a reference made by another run of runState/);
  });

  it('runIO performs I/O in order, gives a promise of the value, and composes with the other handlers', async () => {
    const lines: string[] = [];
    const p = Eff.gen(function* () {
      yield* io.log('start');
      const x = yield* random.normal([2]);
      const r = yield* state.ref(x);
      yield* io.log('drew', yield* r.get());
      return 5;
    });
    const options = { log: (l: string) => lines.push(l) };
    expect(await runIO(runState(runRandom(p, key)), options)).toBe(5);
    expect(await runRandom(runState(runIO(p, options)), key)).toBe(5);
    expect(await runState(runIO(runRandom(p, key), options))).toBe(5);
    expect(lines.length).toBe(6);
    expect(lines[0]).toBe('start');
    // The same key gives the same draws whatever the handler order.
    expect(lines[1]).toBe(lines[3]);
    expect(lines[1]).toBe(lines[5]);
    expect(lines[1]).toMatch(/^drew Tensor<\[2\], 'float32'> \[-?\d/);
  });

  it('runIO starts by itself when its result is not used as a program', async () => {
    const lines: string[] = [];
    void runIO(io.log('fire and forget'), { log: (l) => lines.push(l) });
    await new Promise((r) => setTimeout(r, 10));
    expect(lines).toEqual(['fire and forget']);
  });

  it('an I/O failure rejects the promise of runIO', async () => {
    const p = Eff.gen(function* () {
      yield* io.log('x');
      return yield* defer(() => {
        throw new Error('boom');
      });
    });
    await expect(runIO(p, { log: () => undefined })).rejects.toThrow('boom');
  });
});

describeEachBackend('Eff with tensors', () => {
  it('gen threads tensors through Random and State', async () => {
    const p = Eff.gen(function* () {
      const x = yield* random.uniform([2, 2], 1, 2);
      const r = yield* state.ref(x);
      yield* r.update((v) => fx.mul(v, 0));
      const zero = yield* r.get();
      return fx.add(zero, 3);
    });
    await expectClose(runBoth(p), [
      [3, 3],
      [3, 3],
    ]);
  });
});
