import { describe, expect, it } from 'vitest';
import * as fx from '../index.js';
import { flatten } from '../core/pytree.js';
import { traceOptimized } from '../compile/optimize.js';
import type { IR } from '../core/ir.js';
import { hostOnlyDouble } from '../testing/hostOnly.js';
import { encodeModel, OnnxDataType } from './proto.js';
import { countOnnxNodes, equationWork, planSegments, worthOnnx } from './plan.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F: any = fx;


function traced(f: (...a: never[]) => unknown, ...args: unknown[]): IR {
  const [leaves, def] = flatten(args);
  return traceOptimized(f as (...a: unknown[]) => unknown, def, leaves).ir;
}

describe('the ONNX planner', () => {
  it('reorders independent equations so that each kind forms one segment, in a valid order', () => {
    // Program order: a host-only primitive, sin(b) (onnx), the host-only primitive of its result, exp(b) (onnx), add (onnx).
    const f = (a: fx.Tensor, b: fx.Tensor) => {
      const v = hostOnlyDouble(a);
      const s = F.sin(b);
      const t = hostOnlyDouble(v);
      const e = F.exp(b);
      return F.add(F.add(t, s), e);
    };
    const ir = traced(f as never, F.tensor([[4, 0], [0, 9]]), F.tensor([1, 2]));
    const segments = planSegments(ir);
    expect(segments.map((s) => [s.target, s.equations.map((eq) => eq.prim.name)])).toEqual([
      ['host', ['hostOnlyDouble', 'hostOnlyDouble']],
      ['onnx', ['sin', 'exp', 'add', 'add']],
    ]);
    ir._release();
  });

  it('starts with the kind of the first ready equation and switches only when that kind has nothing ready', () => {
    const f = (a: fx.Tensor) => F.mul(hostOnlyDouble(F.mul(a, 2)), 3);
    const ir = traced(f as never, F.tensor([[4, 0], [0, 9]]));
    expect(planSegments(ir).map((s) => s.target)).toEqual(['onnx', 'host', 'onnx']);
    // With a threshold, both tiny ONNX segments join the host one.
    const planned = planSegments(ir, 1e6);
    expect(planned.map((s) => [s.target, s.equations.length])).toEqual([['host', 3]]);
    // mul(a, 2) reads a and the scalar 2 and writes 4 elements; the host-only primitive reads 4 and writes 4.
    expect(planned[0]!.work).toBe((4 + 1 + 4) + (4 + 4) + (4 + 1 + 4));
    ir._release();
  });

  it('counts work: 2·m·n·k plus operands for a matmul, kh·kw·cin-window products for a convolution, elements otherwise', () => {
    const ir = traced(
      ((x: fx.Tensor, w: fx.Tensor, img: fx.Tensor, k: fx.Tensor) => [F.matmul(x, w), F.conv2d(img, k, 1, 'valid'), F.neg(x)]) as never,
      F.ones([3, 4]),
      F.ones([4, 5]),
      F.ones([1, 6, 6, 2]),
      F.ones([3, 3, 2, 4]),
    );
    const byName = new Map(ir.equations.map((eq) => [eq.prim.name, equationWork(eq)]));
    expect(byName.get('matmul')).toBe(2 * 3 * 5 * 4 + 12 + 20 + 15);
    // Output 1×4×4×4 = 64 elements, each a 3·3·2 window.
    expect(byName.get('conv2d')).toBe(2 * 64 * 18 + 72 + 72 + 64);
    expect(byName.get('neg')).toBe(24);
    ir._release();
  });

  it("'auto' keeps a segment on ONNX Runtime only with enough work in all and per equation", () => {
    const eqs = (n: number) => Array(n).fill(0);
    expect(worthOnnx({ equations: eqs(1), work: 1e6 })).toBe(true);
    expect(worthOnnx({ equations: eqs(1), work: 1e6 - 1 })).toBe(false);
    expect(worthOnnx({ equations: eqs(100), work: 1e6 })).toBe(true);
    expect(worthOnnx({ equations: eqs(101), work: 1e6 })).toBe(false);
    expect(worthOnnx({ equations: eqs(8), work: 8e4 }, 1e4, 1e4)).toBe(true);
  });

  it('counts the nodes of a model from its bytes', () => {
    const node = (op: string, i: string, o: string) => ({ opType: op, inputs: [i], outputs: [o], attributes: {} });
    const bytes = encodeModel({
      irVersion: 8,
      opset: 17,
      producerName: 'test',
      producerVersion: '0',
      graph: {
        name: 'g',
        nodes: [node('Neg', 'x', 'a'), node('Exp', 'a', 'b'), node('Identity', 'b', 'y')],
        initializers: [{ name: 'k', dims: [2], dataType: OnnxDataType.FLOAT, raw: new Uint8Array(8) }],
        inputs: [{ name: 'x', dataType: OnnxDataType.FLOAT, shape: [2] }],
        outputs: [{ name: 'y', dataType: OnnxDataType.FLOAT, shape: [2] }],
      },
    });
    expect(countOnnxNodes(bytes)).toBe(3);
    expect(countOnnxNodes(fx.exportOnnx((x: fx.Tensor) => F.sin(F.neg(x)), F.ones([2])))).toBe(3);
  });
});
