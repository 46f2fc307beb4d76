/**
 * Perturbation confusion (Siskind & Pearlmutter, "Perturbation Confusion and
 * Referential Transparency", 2005; "Nesting forward-mode AD in a functional
 * framework", 2008): nested derivatives must keep their perturbations apart.
 * Levels on the trace stack make confusion impossible; these are the classic
 * cases, with their correct answers.
 */
import { describe, it } from 'vitest';
import * as fx from '../index.js';
import { expectClose } from '../testing/backends.js';

type S = fx.Tensor<[], 'float32'>;
const D = (f: (x: S) => S) => fx.grad(f);
const Dfwd = (f: (x: S) => S) => (x: S) => fx.jvp(f, [x], [fx.scalar(1)])[1];

describe('perturbation confusion: classic nested cases', () => {
  it('D(λx. x · D(λy. x + y)(1))(1) = 1 (reverse in reverse, forward in forward, mixed)', async () => {
    for (const [outer, inner] of [[D, D], [Dfwd, Dfwd], [D, Dfwd], [Dfwd, D]] as const) {
      await expectClose(outer((x) => fx.mul(x, inner((y) => fx.add(x, y))(fx.scalar(1))))(fx.scalar(1)), 1);
    }
  });

  it('D(λx. x · D(λy. x · y)(2))(1) = 2x = 2', async () => {
    await expectClose(D((x) => fx.mul(x, D((y) => fx.mul(x, y))(fx.scalar(2))))(fx.scalar(1)), 2);
    await expectClose(Dfwd((x) => fx.mul(x, D((y) => fx.mul(x, y))(fx.scalar(2))))(fx.scalar(1)), 2);
  });

  it('the inner derivative evaluated at the outer variable: d/dx [∂/∂y (x·y²)](y = x) = 4x', async () => {
    await expectClose(D((x) => D((y) => fx.mul(x, fx.mul(y, y)))(x))(fx.scalar(1.5)), 6);
    await expectClose(Dfwd((x) => D((y) => fx.mul(x, fx.mul(y, y)))(x))(fx.scalar(1.5)), 6);
  });

  it('one function differentiated at two levels: d/dx [sin x · (d/dx sin x)] = cos 2x', async () => {
    const f = (x: S) => fx.sin(x);
    await expectClose(D((x) => fx.mul(f(x), D(f)(x)))(fx.scalar(0.4)), Math.cos(0.8), 1e-3);
  });

  it('a closure over an outer variable returned from a derivative: d/dx [(y ↦ x·y)(3)] = 3', async () => {
    const curried = (x: S) => (y: S) => fx.mul(x, y);
    await expectClose(D((x) => curried(x)(fx.scalar(3)))(fx.scalar(5)), 3);
    await expectClose(D((x) => D(curried(x))(fx.scalar(3)))(fx.scalar(5)), 1);
  });

  it('triple nesting: d³/dx³ x⁴ = 24x by every combination of modes', async () => {
    const f = (x: S) => fx.mul(fx.mul(x, x), fx.mul(x, x));
    for (const a of [D, Dfwd]) for (const b of [D, Dfwd]) for (const c of [D, Dfwd]) await expectClose(a(b(c(f)))(fx.scalar(0.5)), 12);
  });

  it('hessian-vector products agree across the four mode orders', async () => {
    const f = (v: fx.Tensor<[2], 'float32'>) => fx.sum(fx.mul(fx.sin(v), fx.mul(v, v)));
    const x = fx.tensor([0.3, -1.1]);
    const u = fx.tensor([1, 2]);
    const want = (await fx.sum(fx.mul(fx.hessian(f)(x), u), 1).array()) as number[];
    await expectClose(fx.jvp(fx.grad(f), [x], [u])[1], want, 1e-3);
    await expectClose(fx.grad((v: fx.Tensor<[2], 'float32'>) => fx.sum(fx.mul(fx.grad(f)(v), u)))(x), want, 1e-3);
    await expectClose(fx.grad((v: fx.Tensor<[2], 'float32'>) => fx.jvp(f, [v], [u])[1])(x), want, 1e-3);
  });
});
