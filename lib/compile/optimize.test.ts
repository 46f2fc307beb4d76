/**
 * What each optimization of `jit` does to the program (the IR before, from
 * `makeIR`, and as run, from `jit(f).lower`), that its counter in
 * `stats().optimized` moves, and that values and derivatives are unchanged
 * (against eager evaluation and against closed forms).
 */
import { expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';

type M = fx.Tensor<[2, 3], 'float32'>;
type V = fx.Tensor<[3], 'float32'>;
type S = fx.Tensor<[], 'float32'>;
type Nested = number[][];

const X: Nested = [
  [0.5, -1, 2],
  [0.25, 1.5, -0.75],
];
const xM = () => fx.tensor(X) as M;
const map = (f: (v: number) => number): Nested => X.map((row) => row.map(f));

/** How many equations apply `op`, counting ops inside fused loops (`fused[ops=a→b]`). */
function countOp(ir: fx.IR, op: string): number {
  const words = new RegExp(`(?<![\\w])${op}(?![\\w])`, 'g');
  return ir.equations.reduce((n, eq) => {
    if (eq.prim.name === op) return n + 1;
    const ops = (eq.params as { ops?: unknown }).ops;
    return n + (typeof ops === 'string' || Array.isArray(ops) ? (String(ops).match(words)?.length ?? 0) : 0);
  }, 0);
}

/** Whether some `prim` equation reads a constant of the program (makeIR's constants are released on return, so values are not read). */
function readsAConstant(ir: fx.IR, prim: string): boolean {
  return ir.equations.some((eq) => eq.prim.name === prim && eq.inputs.some((v) => ir.constVars.includes(v)));
}

interface Rule {
  /** The identity, as the test name shows it. */
  readonly rule: string;
  /** The primitive the rule removes. */
  readonly op: string;
  /** Whether the rule needs to read a constant (not done on webgpu: no synchronous readback while compiling). */
  readonly readsConstant: boolean;
  /** The value of that constant, when there is one. */
  readonly constant?: number;
  /** An identity applied to x; every rule's `inner(x)` equals x. */
  readonly inner: (x: M) => M;
}

const rules: Rule[] = [
  { rule: 'x·1 → x', op: 'mul', readsConstant: true, constant: 1, inner: (x) => fx.mul(x, 1) },
  { rule: '1·x → x', op: 'mul', readsConstant: true, constant: 1, inner: (x) => fx.mul(1, x) },
  { rule: 'x·ones (same shape) → x', op: 'mul', readsConstant: true, constant: 1, inner: (x) => fx.mul(x, fx.ones([2, 3])) },
  { rule: 'x+(−0) → x', op: 'add', readsConstant: true, constant: -0, inner: (x) => fx.add(x, -0) },
  { rule: '(−0)+x → x', op: 'add', readsConstant: true, constant: -0, inner: (x) => fx.add(-0, x) },
  { rule: 'x−0 → x', op: 'sub', readsConstant: true, constant: 0, inner: (x) => fx.sub(x, 0) },
  { rule: 'x/1 → x', op: 'div', readsConstant: true, constant: 1, inner: (x) => fx.div(x, 1) },
  { rule: '−(−x) → x', op: 'neg', readsConstant: false, inner: (x) => fx.neg(fx.neg(x)) },
  { rule: 'transpose(transpose(x)) → x', op: 'transpose', readsConstant: false, inner: (x) => fx.transpose(fx.transpose(x)) as unknown as M },
  {
    rule: 'reshape(reshape(x, [3, 2]), [2, 3]) → x',
    op: 'reshape',
    readsConstant: false,
    inner: (x) => fx.reshape(fx.reshape(x, [3, 2]), [2, 3]) as M,
  },
  {
    // A transpose that moves only a size-1 axis keeps the element order: a reshape, which then folds away.
    rule: 'transpose(x as [2, 1, 3], [1, 0, 2]) → reshape → x',
    op: 'transpose',
    readsConstant: false,
    inner: (x) => fx.reshape(fx.transpose(fx.reshape(x, [2, 1, 3]), [1, 0, 2]), [2, 3]) as M,
  },
];

describeEachBackend('jit optimizer', (backend) => {
  // On webgpu the optimizer cannot read constants while compiling, so rules that compare a constant with 0 or 1 keep the equation there.
  const constantsReadable = backend !== 'webgpu';

  it.each(rules)('simplifies $rule: the op leaves the program; values, gradients and second derivatives are unchanged', async ({ op, readsConstant, constant, inner }) => {
    const f = (x: M) => fx.sin(inner(x));
    const loss = (x: M) => fx.sum(f(x));
    const before = fx.makeIR(f)(xM());
    expect(countOp(before, op), `before:\n${before}`).toBeGreaterThanOrEqual(1);
    if (readsConstant) expect(readsAConstant(before, op), `${op} by the constant ${constant} before:\n${before}`).toBe(true);

    const g = fx.jit(f);
    const after = g.lower(xM());
    const fires = !readsConstant || constantsReadable;
    if (fires) {
      expect(countOp(after, op), `after:\n${after}`).toBe(0);
      expect(g.stats().optimized.simplified, `after:\n${after}`).toBeGreaterThanOrEqual(1);
    } else {
      expect(countOp(after, op), `kept on webgpu:\n${after}`).toBe(1);
      expect(g.stats().optimized.simplified).toBe(0);
    }

    // Values: jit = eager = sin(x).
    await expectClose(g(xM()), (await f(xM()).array()) as Nested, 1e-5);
    await expectClose(g(xM()), map(Math.sin), 1e-3);
    // First derivative: jit(grad) = grad = cos(x).
    const dg = fx.jit(fx.grad(loss));
    await expectClose(dg(xM()), (await fx.grad(loss)(xM()).array()) as Nested, 1e-5);
    await expectClose(dg(xM()), map(Math.cos), 1e-3);
    // Second derivative (the Hessian is diagonal): grad of the summed gradient is −sin(x).
    const d2 = (x: M) => fx.grad((y: M) => fx.sum(fx.grad(loss)(y)))(x);
    await expectClose(fx.jit(d2)(xM()), (await d2(xM()).array()) as Nested, 1e-5);
    await expectClose(fx.jit(d2)(xM()), map((v) => -Math.sin(v)), 1e-3);
  });

  it('leaves alone what no identity covers: exp(log(y)), mul by 2, mul by ones that broadcasts, a transpose of two real axes', async () => {
    const f = (x: M) =>
      [fx.exp(fx.log(fx.mul(x, x))), fx.mul(x, 2), fx.mul(x, fx.ones([4, 2, 3])), fx.reshape(fx.transpose(fx.reshape(x, [3, 2])), [6])] as const;
    const g = fx.jit(f);
    const after = g.lower(xM());
    // exp(log(y)) = y only for y > 0; x·ones([4,2,3]) has a new shape; the transpose moves data.
    expect([countOp(after, 'exp'), countOp(after, 'log'), countOp(after, 'mul'), countOp(after, 'reshape'), countOp(after, 'transpose')], `after:\n${after}`).toEqual([1, 1, 3, 2, 1]);
    expect(g.stats().optimized.simplified).toBe(0);
    const [sq, twice, tiled, flat] = g(xM());
    const eager = f(xM());
    await expectClose(sq, (await eager[0].array()) as Nested, 1e-5);
    await expectClose(sq, map((v) => v * v), 1e-3);
    await expectClose(twice, map((v) => 2 * v), 1e-6);
    await expectClose(tiled, [X, X, X, X], 1e-6);
    // x as [3, 2] transposed to [2, 3] and flattened: elements 0, 2, 4, 1, 3, 5.
    await expectClose(flat, [0, 2, 4, 1, 3, 5].map((i) => X.flat()[i]!), 1e-6);
  });

  it('a reshape of a reshape reads the input of the first: reshape(reshape(x, [3, 2]), [6]) is one reshape, same values and gradient', async () => {
    const f = (x: M) => fx.mul(fx.reshape(fx.reshape(x, [3, 2]), [6]), fx.tensor([1, 2, 3, 4, 5, 6]));
    const before = fx.makeIR(f)(xM());
    expect(countOp(before, 'reshape'), `before:\n${before}`).toBe(2);
    const g = fx.jit(f);
    const after = g.lower(xM());
    expect(countOp(after, 'reshape'), `after:\n${after}`).toBe(1);
    expect(g.stats().optimized.simplified).toBeGreaterThanOrEqual(1);
    await expectClose(g(xM()), X.flat().map((v, i) => v * (i + 1)), 1e-6);
    const loss = (x: M) => fx.sum(fx.square(f(x)));
    await expectClose(fx.jit(fx.grad(loss))(xM()), (await fx.grad(loss)(xM()).array()) as Nested, 1e-6);
  });

  // Not IEEE-exact, so not a rule: float32 exp overflows above 88.7 and underflows below −103.
  it('log(exp(x)) is not rewritten: jit gives eager\'s ±Infinity where float32 exp overflows or underflows, and the same NaN gradient', async () => {
    const f = (x: V) => fx.log(fx.exp(x));
    const x = fx.tensor([1, 100, -120]) as V;
    expect(countOp(fx.jit(f).lower(x), 'log')).toBe(1);
    await expectClose(f(x), [1, Infinity, -Infinity], 1e-6);
    if (backend === 'webgpu') {
      // WGSL's exp/log carry no underflow guarantee (and may flush denormals): the fused kernel gives a
      // large negative finite value for log(exp(−120)); overflow to +Infinity holds.
      const [a, b, c] = Array.from(await fx.jit(f)(x).data());
      expect(a).toBeCloseTo(1, 5);
      expect(b).toBe(Infinity);
      expect(c! < -80).toBe(true);
    } else await expectClose(fx.jit(f)(x), [1, Infinity, -Infinity], 1e-6);
    const g = fx.grad((v: V) => fx.sum(f(v)));
    await expectClose(g(x), [1, NaN, NaN], 1e-6);
    // (On webgpu the fused backward kernel divides exp(x) by itself without overflowing first: not checked there.)
    if (backend !== 'webgpu') await expectClose(fx.jit(g)(x), [1, NaN, NaN], 1e-6);
  });

  // Each remaining rule on every class of special value: the jitted (rewritten) program is bit-identical to eager and to x.
  it.each(rules)('$rule is IEEE-exact: NaN, ±Infinity, ±0, the largest float32 and a denormal pass through bit-identical, as in eager', async ({ inner }) => {
    const special = [
      [NaN, Infinity, -Infinity],
      [-0, 3.4028234663852886e38, -1.401298464324817e-45],
    ];
    const x = fx.tensor(special) as M;
    const eager = Array.from(await inner(x).data());
    const jitted = Array.from(await fx.jit(inner)(x).data());
    const want = special.flat();
    jitted.forEach((v, i) => {
      expect(Object.is(v, eager[i]), `element ${i}: jit ${v}, eager ${eager[i]}`).toBe(true);
      // WGSL may flush denormals to zero (and SwiftShader does, in eager kernels too): there the denormal comes back ±0.
      const flushed = backend === 'webgpu' && want[i] !== 0 && Math.abs(want[i]!) < 1.1754943508222875e-38 && v === 0;
      expect(Object.is(v, want[i]) || flushed, `element ${i}: jit ${v}, x ${want[i]}`).toBe(true);
    });
  });

  it('eliminates a repeated subexpression: sin(x) + sin(x) computes sin once', async () => {
    const f = (x: M) => fx.add(fx.sin(x), fx.sin(x));
    const before = fx.makeIR(f)(xM());
    expect(countOp(before, 'sin'), `before:\n${before}`).toBe(2);
    const g = fx.jit(f);
    const after = g.lower(xM());
    expect(countOp(after, 'sin'), `after:\n${after}`).toBe(1);
    expect(g.stats().optimized.commonSubexpressions).toBe(1);
    await expectClose(g(xM()), (await f(xM()).array()) as Nested, 1e-5);
    await expectClose(g(xM()), map((v) => 2 * Math.sin(v)), 1e-3);
    const loss = (x: M) => fx.sum(f(x));
    await expectClose(fx.jit(fx.grad(loss))(xM()), (await fx.grad(loss)(xM()).array()) as Nested, 1e-5);
    await expectClose(fx.jit(fx.grad(loss))(xM()), map((v) => 2 * Math.cos(v)), 1e-3);
  });

  it('eliminates commutative twins: x·cos(x) and cos(x)·x are one product, but x−y and y−x stay two', async () => {
    const f = (x: M, y: M) => fx.add(fx.add(fx.mul(x, fx.cos(x)), fx.mul(fx.cos(x), x)), fx.mul(fx.sub(x, y), fx.sub(y, x)));
    const y = fx.tensor([[1, 2, 3], [-1, 0, 1]]) as M;
    const Y: Nested = [[1, 2, 3], [-1, 0, 1]];
    const before = fx.makeIR(f)(xM(), y);
    expect([countOp(before, 'cos'), countOp(before, 'mul'), countOp(before, 'sub')], `before:\n${before}`).toEqual([2, 3, 2]);
    const g = fx.jit(f);
    const after = g.lower(xM(), y);
    expect([countOp(after, 'cos'), countOp(after, 'mul'), countOp(after, 'sub')], `after:\n${after}`).toEqual([1, 2, 2]);
    expect(g.stats().optimized.commonSubexpressions).toBe(2); // the second cos, then the second product
    // f = 2x·cos x − (x − y)²; ∂f/∂x = 2cos x − 2x sin x − 2(x − y); ∂f/∂y = 2(x − y).
    const want = X.map((row, i) => row.map((v, j) => 2 * v * Math.cos(v) - (v - Y[i]![j]!) ** 2));
    await expectClose(g(xM(), y), (await f(xM(), y).array()) as Nested, 1e-5);
    await expectClose(g(xM(), y), want, 1e-3);
    const loss = (a: M, b: M) => fx.sum(f(a, b));
    const grads = fx.jit(fx.grad(loss, { argnums: [0, 1] }))(xM(), y);
    const eager = fx.grad(loss, { argnums: [0, 1] })(xM(), y);
    await expectClose(grads[0], (await eager[0].array()) as Nested, 1e-5);
    await expectClose(grads[1], (await eager[1].array()) as Nested, 1e-5);
    await expectClose(grads[0], X.map((row, i) => row.map((v, j) => 2 * Math.cos(v) - 2 * v * Math.sin(v) - 2 * (v - Y[i]![j]!))), 1e-3);
    await expectClose(grads[1], X.map((row, i) => row.map((v, j) => 2 * (v - Y[i]![j]!))), 1e-3);
  });

  it('removes dead code: an unused exp, and the discarded branch of a pytree output', async () => {
    const unused = (x: M) => {
      fx.exp(x); // computed, never used
      return fx.sin(x);
    };
    const both = (x: M) => ({ kept: fx.mul(fx.sin(x), x), dropped: fx.tanh(fx.exp(x)) });
    const f = (x: M) => both(x).kept;
    expect(countOp(fx.makeIR(unused)(xM()), 'exp')).toBe(1);
    const g1 = fx.jit(unused);
    const after1 = g1.lower(xM());
    expect(countOp(after1, 'exp'), `after:\n${after1}`).toBe(0);
    expect(g1.stats().optimized.deadCode).toBe(1);
    await expectClose(g1(xM()), map(Math.sin), 1e-3);

    const before = fx.makeIR(f)(xM());
    expect([countOp(before, 'exp'), countOp(before, 'tanh')], `before:\n${before}`).toEqual([1, 1]);
    const g = fx.jit(f);
    const after = g.lower(xM());
    expect([countOp(after, 'exp'), countOp(after, 'tanh')], `after:\n${after}`).toEqual([0, 0]);
    expect(g.stats().optimized.deadCode).toBe(2);
    await expectClose(g(xM()), (await f(xM()).array()) as Nested, 1e-5);
    await expectClose(g(xM()), map((v) => v * Math.sin(v)), 1e-3);
    // d/dx x·sin x = sin x + x cos x, and the discarded branch contributes nothing.
    const loss = (x: M) => fx.sum(f(x));
    const dg = fx.jit(fx.grad(loss));
    const afterGrad = dg.lower(xM());
    expect([countOp(afterGrad, 'exp'), countOp(afterGrad, 'tanh')], `after:\n${afterGrad}`).toEqual([0, 0]);
    await expectClose(dg(xM()), (await fx.grad(loss)(xM()).array()) as Nested, 1e-5);
    await expectClose(dg(xM()), map((v) => Math.sin(v) + v * Math.cos(v)), 1e-3);
  });

  it('folds constants while staging: 2·exp(1) enters the program as one constant, with no equation computing it', async () => {
    const onlyConstants = (_x: M) => fx.mul(2, fx.exp(fx.scalar(1))) as S;
    const ir = fx.makeIR(onlyConstants)(xM());
    expect(ir.equations, `before:\n${ir}`).toHaveLength(0);
    expect(ir.constVars, `before:\n${ir}`).toHaveLength(1);
    expect(ir.outputs[0], `the output is the constant:\n${ir}`).toBe(ir.constVars[0]);
    const g = fx.jit(onlyConstants);
    expect(g.lower(xM()).equations).toHaveLength(0);
    await expectClose(g(xM()), 2 * Math.E, 1e-3);

    const f = (x: M) => fx.mul(x, fx.add(fx.exp(fx.scalar(1)), fx.sin(fx.scalar(0.5)))) as M;
    const before = fx.makeIR(f)(xM());
    expect(before.equations.map((eq) => eq.prim.name), `before:\n${before}`).toEqual(['mul']);
    const c = Math.E + Math.sin(0.5);
    await expectClose(fx.jit(f)(xM()), map((v) => c * v), 1e-3);
    const loss = (x: M) => fx.sum(f(x));
    await expectClose(fx.jit(fx.grad(loss))(xM()), (await fx.grad(loss)(xM()).array()) as Nested, 1e-5);
    await expectClose(fx.jit(fx.grad(loss))(xM()), map(() => c), 1e-3);
  });

  it('keeps zero gradients symbolic: the gradient for an argument that does not reach the output is zeros, computed by no equation', async () => {
    const f = (a: M, _b: M) => fx.sum(fx.sin(a));
    const df = fx.grad(f, { argnums: [0, 1] });
    const before = fx.makeIR(df)(xM(), xM());
    const zeroVar = before.outputs[1]!;
    expect(before.constVars, `before:\n${before}`).toContain(zeroVar);
    expect(before.equations.flatMap((eq) => eq.outputs), `before:\n${before}`).not.toContain(zeroVar);
    expect(before.equations.some((eq) => eq.inputs.includes(before.inputs[1]!)), `b is read by no equation:\n${before}`).toBe(false);
    const g = fx.jit(df);
    const after = g.lower(xM(), xM());
    expect(after.equations.some((eq) => eq.outputs.includes(after.outputs[1]!) || eq.inputs.includes(after.inputs[1]!)), `after:\n${after}`).toBe(false);
    const [da, db] = g(xM(), xM());
    await expectClose(db, map(() => 0), 0);
    await expectClose(da, map(Math.cos), 1e-3);
    const [ea] = df(xM(), xM());
    await expectClose(da, (await ea.array()) as Nested, 1e-5);
  });

  it('keeps zero tangents symbolic in jvp: a value outside the differentiated function stages no tangent work; a zero tangent gives zeros', async () => {
    // b is not a primal of the jvp, so its tangent is a symbolic zero: exp(b) gets no tangent product.
    const h = (a: M, b: M, ta: M) => fx.jvp((p: M) => fx.add(fx.sin(p), fx.exp(b)) as M, [a], [ta]);
    const before = fx.makeIR(h)(xM(), xM(), xM());
    expect(countOp(before, 'mul'), `only cos(a)·ta is a product:\n${before}`).toBe(1);
    expect(countOp(before, 'exp'), `before:\n${before}`).toBe(1);
    const g = fx.jit(h);
    const b = fx.tensor([[0, 1, 0], [1, 0, 1]]) as M;
    const ta = fx.tensor([[1, 2, 3], [4, 5, 6]]) as M;
    const [y, t] = g(xM(), b, ta);
    await expectClose(y, X.map((row, i) => row.map((v, j) => Math.sin(v) + Math.exp([[0, 1, 0], [1, 0, 1]][i]![j]!))), 1e-3);
    await expectClose(t, X.map((row, i) => row.map((v, j) => Math.cos(v) * (i * 3 + j + 1))), 1e-3);
    const [, te] = h(xM(), b, ta);
    await expectClose(t, (await te.array()) as Nested, 1e-5);
    // A zero tangent passed in (a concrete tensor) gives a zero output tangent, jitted or not.
    const [, t0] = g(xM(), b, fx.zeros([2, 3]) as M);
    await expectClose(t0, map(() => 0), 0);
    await expectClose(h(xM(), b, fx.zeros([2, 3]) as M)[1], map(() => 0), 0);
  });

  it('forwards residuals in reverse mode: jit(valueAndGrad) of a chain computes each forward op once', async () => {
    const simple = fx.valueAndGrad((x: M) => fx.sum(fx.sin(x)));
    const g1 = fx.jit(simple);
    const lowered1 = g1.lower(xM());
    expect(countOp(lowered1, 'sin'), `after:\n${lowered1}`).toBe(1);
    const [v1, d1] = g1(xM());
    await expectClose(v1, X.flat().reduce((s, v) => s + Math.sin(v), 0), 1e-3);
    await expectClose(d1, map(Math.cos), 1e-3);

    const chain = (x: M) => fx.sum(fx.tanh(fx.exp(fx.sin(x))));
    const g = fx.jit(fx.valueAndGrad(chain));
    const before = fx.makeIR(fx.valueAndGrad(chain))(xM());
    const after = g.lower(xM());
    for (const op of ['sin', 'exp', 'tanh']) {
      expect(countOp(before, op), `${op} before:\n${before}`).toBe(1);
      expect(countOp(after, op), `${op} after:\n${after}`).toBe(1);
    }
    const [v, d] = g(xM());
    const [ev, ed] = fx.valueAndGrad(chain)(xM());
    await expectClose(v, (await ev.array()) as number, 1e-5);
    await expectClose(d, (await ed.array()) as Nested, 1e-5);
    await expectClose(v, X.flat().reduce((s, u) => s + Math.tanh(Math.exp(Math.sin(u))), 0), 1e-3);
    // d/dx tanh(e^{sin x}) = (1 − tanh²(e^{sin x})) · e^{sin x} · cos x
    await expectClose(d, map((u) => (1 - Math.tanh(Math.exp(Math.sin(u))) ** 2) * Math.exp(Math.sin(u)) * Math.cos(u)), 1e-3);
  });

  it('second order through the optimizer: jit(hessian) of a program with identities and a repeated subexpression equals eager and diag(−2 sin x)', async () => {
    const f = (x: V) => fx.sum(fx.add(fx.sin(fx.neg(fx.neg(fx.mul(x, 1)))), fx.sin(fx.log(fx.exp(x))))) as S;
    const x = fx.tensor([0.5, -1, 2]) as V;
    const hj = fx.jit(fx.hessian(f))(x);
    const he = fx.hessian(f)(x);
    await expectClose(hj, (await he.array()) as Nested, 1e-5);
    await expectClose(hj, [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? -2 * Math.sin([0.5, -1, 2][i]!) : 0))), 1e-3);
  });

  it('fuses an elementwise chain into generated loops (lower shows fused[ops=…])', async () => {
    const f = (x: M) => fx.mul(fx.tanh(fx.add(fx.mul(fx.sin(x), 2), 1)), fx.exp(fx.neg(x)));
    const before = fx.makeIR(f)(xM());
    expect(before.toString(), `before:\n${before}`).not.toMatch(/fused/);
    const g = fx.jit(f);
    const after = g.lower(xM());
    expect(after.toString(), `after:\n${after}`).toMatch(/fused\[ops=/);
    expect(after.equations.length, `after:\n${after}`).toBeLessThan(before.equations.length);
    expect(g.stats().optimized.fused).toBeGreaterThanOrEqual(1);
    await expectClose(g(xM()), (await f(xM()).array()) as Nested, 1e-5);
    await expectClose(g(xM()), map((v) => Math.tanh(2 * Math.sin(v) + 1) * Math.exp(-v)), 1e-3);
    const loss = (x: M) => fx.sum(f(x));
    const dg = fx.jit(fx.grad(loss));
    expect(dg.lower(xM()).toString()).toMatch(/fused\[ops=/);
    await expectClose(dg(xM()), (await fx.grad(loss)(xM()).array()) as Nested, 1e-5);
    // d/dx tanh(2 sin x + 1)·e^{−x} = (1 − tanh²)·2cos x·e^{−x} − tanh·e^{−x}
    await expectClose(
      dg(xM()),
      map((v) => {
        const t = Math.tanh(2 * Math.sin(v) + 1);
        return (1 - t * t) * 2 * Math.cos(v) * Math.exp(-v) - t * Math.exp(-v);
      }),
      1e-3,
    );
  });

  it('plans memory: a 30-op elementwise chain on 1e5 elements peaks far below the sum of its intermediates', async () => {
    type L = fx.Tensor<[100000], 'float32'>;
    const f = (x: L) => {
      let y = x;
      for (let i = 0; i < 10; i++) y = fx.add(fx.mul(fx.sin(y), 0.5), y);
      return y;
    };
    const x = fx.tensor(Array.from({ length: 100000 }, (_, i) => Math.sin(i) * 0.01)) as L;
    const before = fx.makeIR(f)(x);
    const intermediates = before.equations.length * 100000 * 4;
    expect(before.equations).toHaveLength(30);
    const g = fx.jit(f);
    const y = g(x);
    const peak = g.stats().peakBytes;
    expect(peak, `peak ${peak} of ${intermediates} bytes; as run:\n${g.lower(x)}`).toBeLessThanOrEqual(intermediates / 10);
    expect(peak).toBeGreaterThan(0);
    const want = (await f(x).array()) as number[];
    const got = (await y.array()) as number[];
    const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0);
    // SwiftShader's sin (webgpu) is accurate to ~1e-4, and fused and unfused kernels round differently there.
    expect(worst).toBeLessThan(backend === 'webgpu' ? 1e-3 : 1e-5);
    // Spot check against the recurrence in float64.
    let r = Math.sin(7) * 0.01;
    for (let i = 0; i < 10; i++) r = 0.5 * Math.sin(r) + r;
    expect(Math.abs(got[7]! - r)).toBeLessThan(backend === 'webgpu' ? 1e-3 : 1e-5);
  });

  // CSE keys params by value; ±Infinity and NaN (which JSON writes as null) are spelled out.
  it('does not merge equations whose params differ only in ±Infinity (pad value)', async () => {
    const f = (x: V) => [fx.pad(x, [[1, 0]], -Infinity), fx.pad(x, [[1, 0]], Infinity)] as const;
    const x = fx.tensor([0.5, -1, 2]) as V;
    const [lo, hi] = fx.jit(f)(x);
    await expectClose(lo, [-Infinity, 0.5, -1, 2]);
    await expectClose(hi, [Infinity, 0.5, -1, 2]);
  });

  // x + 0 is not simplified: IEEE −0 + 0 = +0, so 1/(x + 0) at x = −0 is +Infinity (only x + (−0) → x is exact).
  it('x + 0 at x = −0 is +0 as in eager evaluation (1/(x + 0) = +Infinity)', async () => {
    const f = (x: V) => fx.div(1, fx.add(x, 0));
    const x = fx.tensor([-0, 1, 2]) as V;
    await expectClose(f(x), [Infinity, 1, 0.5]);
    await expectClose(fx.jit(f)(x), [Infinity, 1, 0.5]);
  });
});
