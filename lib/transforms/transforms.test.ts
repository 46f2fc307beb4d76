import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { describeEachBackend, expectClose } from '../testing/backends.js';
import { basisChunk } from './jacobian.js';

type S = fx.Tensor<[], 'float32'>;
type V3 = fx.Tensor<[3], 'float32'>;

describeEachBackend('forward and reverse mode', () => {
  it('jvp of sin is cos times the tangent', async () => {
    const [y, dy] = fx.jvp((x: V3) => fx.sin(x), [fx.tensor([0.1, 1, 2])], [fx.tensor([1, 2, 3])]);
    await expectClose(y, [0.1, 1, 2].map(Math.sin), 1e-3);
    await expectClose(dy, [0.1, 1, 2].map((v, i) => Math.cos(v) * (i + 1)), 1e-3);
  });

  it('grad of sum(x·sin x) is sin x + x cos x', async () => {
    const g = fx.grad((x: V3) => fx.sum(fx.mul(x, fx.sin(x))))(fx.tensor([0.5, -1, 2]));
    await expectClose(g, [0.5, -1, 2].map((v) => Math.sin(v) + v * Math.cos(v)), 1e-3);
  });

  it('valueAndGrad gives value and gradient; argnums selects arguments', async () => {
    const f = (a: S, b: S) => fx.mul(fx.mul(a, a), b);
    const [v, ga] = fx.valueAndGrad(f)(fx.scalar(3), fx.scalar(2));
    await expectClose(v, 18);
    await expectClose(ga, 12);
    const [, gb] = fx.valueAndGrad(f, { argnums: 1 })(fx.scalar(3), fx.scalar(2));
    await expectClose(gb, 9);
    const [, [da, db]] = fx.valueAndGrad(f, { argnums: [0, 1] })(fx.scalar(3), fx.scalar(2));
    await expectClose(da, 12);
    await expectClose(db, 9);
  });

  it('valueAndGrad with hasAux returns [[value, aux], grads]', async () => {
    const f = (x: V3): [S, { doubled: V3 }] => [fx.sum(fx.mul(x, x)), { doubled: fx.mul(x, 2) }];
    const [[value, aux], g] = fx.valueAndGrad(f, { hasAux: true })(fx.tensor([1, 2, 3]));
    await expectClose(value, 14);
    await expectClose(aux.doubled, [2, 4, 6]);
    await expectClose(g, [2, 4, 6]);
  });

  it('vjp returns one cotangent per primal, each shaped like it', async () => {
    const [out, pullback] = fx.vjp((a: V3, b: fx.Tensor<[2, 3], 'float32'>) => fx.mul(a, b), fx.tensor([1, 2, 3]), fx.tensor([[1, 1, 1], [2, 2, 2]]));
    await expectClose(out, [[1, 2, 3], [2, 4, 6]]);
    const [ga, gb] = pullback(fx.ones([2, 3]));
    expect(ga.shape).toEqual([3]);
    expect(gb.shape).toEqual([2, 3]);
    await expectClose(ga, [3, 3, 3]);
    await expectClose(gb, [[1, 2, 3], [1, 2, 3]]);
  });

  it('linearize evaluates once and applies the derivative to many tangents', async () => {
    const [y, df] = fx.linearize((x: V3) => fx.exp(x), fx.tensor([0, 1, 2]));
    await expectClose(y, [1, Math.E, Math.exp(2)], 1e-3);
    await expectClose(df(fx.tensor([1, 0, 0])), [1, 0, 0], 1e-3);
    await expectClose(df(fx.tensor([0, 2, 1])), [0, 2 * Math.E, Math.exp(2)], 1e-3);
  });

  it('gradients of pytrees come back in the same structure', async () => {
    const params = { w: fx.tensor([[1, 2], [3, 4]]), b: fx.tensor([0.5, -0.5]), extra: [fx.scalar(2)] };
    const x = fx.tensor([[1, 1]]);
    const loss = (p: typeof params, input: fx.Tensor<[1, 2], 'float32'>) =>
      fx.sum(fx.mul(fx.add(fx.matmul(input, p.w), p.b), p.extra[0]!));
    const g = fx.grad(loss)(params, x);
    expect(Object.keys(g).sort()).toEqual(['b', 'extra', 'w']);
    await expectClose(g.w, [[2, 2], [2, 2]]);
    await expectClose(g.b, [2, 2]);
    // d/dc sum((xW + b)·c) = sum(xW + b) = (4.5 + 5.5)
    await expectClose(g.extra[0]!, 10);
  });

  it('a number leaf is a float32 scalar with its own gradient (JAX); other non-tensor leaves are static', async () => {
    const f = (p: { x: S; scale: number; name: string }) => fx.mul(p.x, p.scale);
    const g = fx.grad(f)({ x: fx.scalar(2), scale: 5, name: 'k' });
    await expectClose(g.x, 5);
    await expectClose(g.scale, 2);
    expect(g.name).toBe('k');
  });

  it('an unused input gets a zero gradient (symbolic zero, materialized at the end)', async () => {
    const [ga, gb] = fx.grad((a: S, _b: V3) => fx.mul(a, a), { argnums: [0, 1] })(fx.scalar(2), fx.tensor([1, 2, 3]));
    await expectClose(ga, 4);
    await expectClose(gb, [0, 0, 0]);
  });

  it('stopGradient cuts the derivative', async () => {
    const g = fx.grad((x: S) => fx.mul(fx.stopGradient(x), x))(fx.scalar(3));
    await expectClose(g, 3);
  });
});

describeEachBackend('higher order and nesting', () => {
  it('third derivative of sin by grad∘grad∘grad is −cos', async () => {
    const d1 = fx.grad((x: S) => fx.sin(x));
    const d2 = fx.grad((x: S) => d1(x));
    const d3 = fx.grad((x: S) => d2(x));
    await expectClose(d3(fx.scalar(0.7)), -Math.cos(0.7), 1e-3);
  });

  it('no perturbation confusion: d/dx [x · d/dy (x + y)] at x=1 is 1', async () => {
    const inner = (x: S) => fx.grad((y: S) => fx.add(x, y))(fx.scalar(1));
    await expectClose(fx.grad((x: S) => fx.mul(x, inner(x)))(fx.scalar(1)), 1);
    // The same nesting in forward mode.
    const [, t] = fx.jvp((x: S) => fx.mul(x, fx.jvp((y: S) => fx.add(x, y), [fx.scalar(1)], [fx.scalar(1)])[1]), [fx.scalar(1)], [fx.scalar(1)]);
    await expectClose(t, 1);
  });

  it('Siskind–Pearlmutter: d/dx [x · d/dy (x·y)] = 2x', async () => {
    const f = (x: S) => fx.mul(x, fx.grad((y: S) => fx.mul(x, y))(fx.scalar(3)));
    await expectClose(fx.grad(f)(fx.scalar(1.5)), 3);
  });

  it('grad-of-grad equals jvp-of-grad (Hessian-vector products)', async () => {
    const f = (x: V3) => fx.sum(fx.mul(fx.tanh(x), fx.mul(x, x)));
    const x = fx.tensor([0.3, -0.8, 1.1]);
    const v = fx.tensor([1, -2, 0.5]);
    const hvpRev = fx.grad((y: V3) => fx.sum(fx.mul(fx.grad(f)(y), v)))(x);
    const [, hvpFwd] = fx.jvp((y: V3) => fx.grad(f)(y), [x], [v]);
    const a = (await hvpRev.array()) as number[];
    await expectClose(hvpFwd, a, 1e-3);
    const h = fx.hessian(f)(x);
    const hv = fx.sum(fx.mul(h, v), 1);
    await expectClose(hv, a, 1e-3);
  });

  it('jacfwd and jacrev agree with the analytic Jacobian', async () => {
    const f = (x: V3) => fx.mul(fx.sin(x), fx.sum(x));
    const xs: [number, number, number] = [0.2, 0.5, -1];
    const s = xs.reduce((p, q) => p + q);
    const want = xs.map((xi, i) => xs.map((_, j) => (i === j ? Math.cos(xi) * s : 0) + Math.sin(xi)));
    await expectClose(fx.jacfwd(f)(fx.tensor(xs)), want, 1e-3);
    await expectClose(fx.jacrev(f)(fx.tensor(xs)), want, 1e-3);
  });

  it('jacfwd and jacrev batch the basis in chunks: a 300-input Jacobian in three chunks equals diag(S) + x·1ᵀ', async () => {
    type VN = fx.Tensor<[300], 'float32'>;
    const n = 300;
    const xs = Array.from({ length: n }, (_, i) => Math.sin(i) / 8);
    const s = xs.reduce((p, q) => p + q);
    // f(x) = x·Σx: ∂f_i/∂x_j = δ_ij·S + x_i.
    const f = (x: VN) => fx.mul(x, fx.sum(x));
    const saved = basisChunk.elements;
    basisChunk.elements = 40_000; // 133 basis vectors per batched evaluation
    try {
      for (const jac of [fx.jacfwd(f), fx.jacrev(f)]) {
        const got = (await jac(fx.tensor(xs) as VN).data()) as Float32Array;
        let worst = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(got[i * n + j]! - ((i === j ? s : 0) + xs[i]!)));
        expect(worst).toBeLessThan(1e-4);
      }
    } finally {
      basisChunk.elements = saved;
    }
  });

  it('an eager Hessian is one batched pass: a 64-dim Hessian runs a few dozen kernels, not one pass per basis vector', async () => {
    const a = fx.mul(fx.ones([64, 64]), 0.01) as fx.Tensor<[64, 64], 'float32'>;
    const f = (v: fx.Tensor<[64], 'float32'>) => fx.sum(fx.tanh(fx.dot(a, v)));
    const x = fx.mul(fx.ones([64]), 0.5) as fx.Tensor<[64], 'float32'>;
    const { kernels, result } = await import('@tensorflow/tfjs-core').then(async (tf) => {
      let h: fx.Tensor | undefined;
      const profile = await tf.profile(() => {
        h = fx.hessian(f)(x);
        return (h as unknown as { _concrete(): { _tf: import('@tensorflow/tfjs-core').Tensor } })._concrete()._tf;
      });
      return { kernels: profile.kernels.length, result: h! };
    });
    expect(kernels).toBeLessThan(200);
    // H = Aᵀ·diag(−2·tanh(u)·(1 − tanh²(u)))·A with u = A·x = 0.32 in every row: every entry 64·10⁻⁴·d.
    const t = Math.tanh(0.32);
    await expectClose(result, Array.from({ length: 64 }, () => Array<number>(64).fill(64e-4 * -2 * t * (1 - t * t))), 1e-3);
  });

  it('hessian of sum(x³) is diag(6x)', async () => {
    const h = fx.hessian((x: fx.Tensor<[2], 'float32'>) => fx.sum(fx.mul(x, fx.mul(x, x))))(fx.tensor([1, 2]));
    expect(h.shape).toEqual([2, 2]);
    await expectClose(h, [[6, 0], [0, 12]]);
  });

  it('hessian of a matrix argument has shape [...in, ...in]', async () => {
    const h = fx.hessian((x: fx.Tensor<[2, 2], 'float32'>) => fx.sum(fx.mul(x, x)))(fx.ones([2, 2]));
    expect(h.shape).toEqual([2, 2, 2, 2]);
    const flat = ((await h.data()) as Float32Array).reduce((p, q) => p + q, 0);
    expect(flat).toBe(8);
  });
});

// Eager control flow reads concrete values synchronously, which webgpu cannot do in Node.
const syncBackends = ['cpu', 'wasm'] as const;
for (const backend of syncBackends) {
  describe(`eager control flow [${backend}]`, () => {
    it('the seed program differentiates the executed path', async () => {
      await fx.setBackend(backend);
      // for i < 10: if x[i] > 0: y += x[i]² else y -= x[i]
      const f = (x: fx.Tensor<[10], 'float32'>) => {
        let y: S = fx.scalar(0);
        for (let i = 0; i < 10; i++) {
          const xi = fx.reshape(fx.slice(x, [i], [1]), []);
          if (xi.item() > 0) y = fx.add(y, fx.mul(xi, xi));
          else y = fx.sub(y, xi);
        }
        return y;
      };
      const xs = [1.5, -2, 3, 0, -0.5, 2, -1, 0.25, 4, -3] as const;
      const x = fx.tensor(xs);
      const g = await fx.grad(f)(x).array();
      expect(g).toEqual(xs.map((v) => (v > 0 ? 2 * v : -1)));
      const value = await f(x).array();
      expect(value).toBeCloseTo(xs.reduce<number>((acc, v) => (v > 0 ? acc + v * v : acc - v), 0), 4);
    });

    it('a while loop on a traced value runs the iterations the primal takes', async () => {
      await fx.setBackend(backend);
      // Newton iterations for sqrt(a), stopped by a data-dependent test.
      const sqrt = (a: S) => {
        let x: S = fx.scalar(1);
        let steps = 0;
        while (Math.abs(fx.mul(x, x).item() - a.item()) > 1e-6 && steps < 50) {
          x = fx.mul(fx.add(x, fx.div(a, x)), 0.5);
          steps++;
        }
        return x;
      };
      const g = fx.grad(sqrt)(fx.scalar(4));
      expect(g.item()).toBeCloseTo(0.25, 4);
    });
  });
}

describe('errors name the problem', () => {
  it('grad of a non-scalar function', () => {
    const f = ((x: V3) => fx.sin(x)) as unknown as (x: V3) => S;
    expect(() => fx.grad(f)(fx.tensor([1, 2, 3]))).toThrow(/grad needs a function that returns a scalar float32 tensor, got a float32 tensor of shape \[3\]/);
  });

  it('grad with respect to an int32 argument', () => {
    // The types reject this call; the runtime check backs them up.
    const f = ((x: fx.Tensor<[2], 'float32'>) => fx.sum(fx.cast(x, 'float32'))) as unknown as (x: fx.Tensor) => S;
    const untypedGrad = fx.grad as unknown as (g: typeof f) => (x: fx.Tensor) => fx.Tensor;
    expect(() => untypedGrad(f)(fx.tensor([1, 2], 'int32'))).toThrow(/cannot differentiate with respect to an int32 tensor/);
  });

  it('reading a staged value throws a ConcretizationError naming cond/whileLoop', () => {
    expect(() => fx.makeIR((x: S) => (x.item() > 0 ? x : fx.neg(x)))(fx.scalar(1))).toThrow(/fx\.cond.*fx\.whileLoop/);
  });

  it('a tracer that escapes its transformation is rejected when used', () => {
    let leaked: fx.Tensor | undefined;
    fx.makeIR((x: S) => {
      leaked = fx.mul(x, 2);
      return x;
    })(fx.scalar(1));
    expect(() => fx.sin(leaked as S)).toThrow(/escaped/);
  });

  it('jvp rejects a tangent whose shape differs from its primal', () => {
    expect(() => fx.jvp((x: V3) => x, [fx.tensor([1, 2, 3])], [fx.tensor([1, 2]) as unknown as V3])).toThrow(/tangent 0 is float32\[2\] but its primal is float32\[3\]/);
  });
});

describe('makeIR prints the staged program', () => {
  it('shows equations with shapes', () => {
    const ir = fx.makeIR((x: V3) => fx.sum(fx.sin(x)))(fx.zeros([3]));
    expect(ir.toString()).toBe(['{ lambda  ; a:f32[3] .', '  let b:f32[3] = sin a', '      c:f32[] = sum[axes=[0]] b', '  in ( c ) }'].join('\n'));
  });

  it('shows the forward and backward work of a gradient', () => {
    const text = fx.makeIR(fx.grad((x: V3) => fx.sum(fx.sin(x))))(fx.zeros([3])).toString();
    expect(text).toMatch(/= sin a/);
    expect(text).toMatch(/= cos a/);
    expect(text).toMatch(/= mul e c/);
  });
});

describe('memory', () => {
  it('an SGD loop on a small MLP keeps the live tensor count flat', () => {
    const rand = (shape: [number, number]) => fx.tensor(Array.from({ length: shape[0] }, (_, i) => Array.from({ length: shape[1] }, (_, j) => Math.sin(i * 7 + j * 3) * 0.3)));
    let params = { w1: rand([4, 8]), b1: fx.zeros([8]), w2: rand([8, 1]), b2: fx.zeros([1]) };
    const x = rand([16, 4]);
    const y = fx.mul(fx.sum(x, 1, true), 3);
    const loss = (p: typeof params) => {
      const h = fx.tanh(fx.add(fx.matmul(x, p.w1), p.b1));
      const out = fx.add(fx.matmul(h, p.w2), p.b2);
      const d = fx.sub(out, y);
      return fx.div(fx.sum(fx.mul(d, d)), 16);
    };
    const step = () => {
      const next = fx.scope(() => {
        const [value, g] = fx.valueAndGrad(loss)(params);
        return { value, p: { w1: fx.sub(params.w1, fx.mul(g.w1, 0.5)), b1: fx.sub(params.b1, fx.mul(g.b1, 0.5)), w2: fx.sub(params.w2, fx.mul(g.w2, 0.5)), b2: fx.sub(params.b2, fx.mul(g.b2, 0.5)) } };
      });
      for (const t of Object.values(params)) t.dispose();
      params = next.p;
      const v = next.value.item();
      next.value.dispose();
      return v;
    };
    const first = step();
    const baseline = fx.memory().tensors;
    let last = first;
    for (let i = 0; i < 200; i++) last = step();
    expect(fx.memory().tensors).toBe(baseline);
    expect(last).toBeLessThan(first / 2);
  });

  it('a failing op leaks nothing', () => {
    const before = fx.memory().tensors;
    const a = fx.zeros([2, 3]);
    const b = fx.zeros([4]);
    const untypedAdd = fx.add as unknown as (p: fx.Tensor, q: fx.Tensor) => fx.Tensor;
    expect(() => untypedAdd(a, b)).toThrow(/cannot broadcast/);
    a.dispose();
    b.dispose();
    expect(fx.memory().tensors).toBe(before);
  });

  it('grad frees its residuals: only the gradient survives', () => {
    const x = fx.tensor([0.1, 0.2, 0.3]);
    const before = fx.memory().tensors;
    const g = fx.grad((v: V3) => fx.sum(fx.exp(fx.sin(fx.mul(v, v)))))(x);
    expect(fx.memory().tensors).toBe(before + 1);
    g.dispose();
  });
});
