/**
 * W1's training step (784-512-512-10 MLP, batch 128, loss + 6 gradients)
 * written by hand as an ONNX graph: the yardstick of the ONNX target's W1
 * row in bench/onnx.ts. Inputs x, y, w1, b1, w2, b2, w3, b3; outputs loss,
 * gw1, gb1, gw2, gb2, gw3, gb3.
 */
import { encodeModel, OnnxDataType, type OnnxNode } from '../lib/onnx/proto.js';

/** W1's training step written by hand: Gemm with transposes, softmax gradient `(exp(logp)·Σy − y)/B`, tanh' = 1 − h². */
export function handWrittenW1(): Uint8Array {
  const B = 128;
  const nodes: OnnxNode[] = [];
  const n = (opType: string, inputs: string[], output: string, attributes: OnnxNode['attributes'] = {}) => nodes.push({ opType, inputs, outputs: [output], attributes });
  const transA = { transA: { int: 1 } };
  const transB = { transB: { int: 1 } };
  n('Gemm', ['x', 'w1', 'b1'], 'a1');
  n('Tanh', ['a1'], 'h1');
  n('Gemm', ['h1', 'w2', 'b2'], 'a2');
  n('Tanh', ['a2'], 'h2');
  n('Gemm', ['h2', 'w3', 'b3'], 'z');
  n('LogSoftmax', ['z'], 'logp', { axis: { int: 1 } });
  n('Mul', ['y', 'logp'], 'ylogp');
  n('ReduceSum', ['ylogp'], 'total', { keepdims: { int: 0 } });
  n('Mul', ['total', 'minusInvB'], 'loss');
  n('ReduceSum', ['y', 'axis1'], 'ysum', { keepdims: { int: 1 } });
  n('Exp', ['logp'], 'p');
  n('Mul', ['p', 'ysum'], 'pys');
  n('Sub', ['pys', 'y'], 'dzB');
  n('Mul', ['dzB', 'invB'], 'dz');
  n('Gemm', ['h2', 'dz'], 'gw3', transA);
  n('ReduceSum', ['dz', 'axis0'], 'gb3', { keepdims: { int: 0 } });
  const tanhGrad = (dh: string, h: string, out: string) => {
    n('Mul', [h, h], `${h}sq`);
    n('Sub', ['one', `${h}sq`], `${h}d`);
    n('Mul', [dh, `${h}d`], out);
  };
  n('Gemm', ['dz', 'w3'], 'dh2', transB);
  tanhGrad('dh2', 'h2', 'da2');
  n('Gemm', ['h1', 'da2'], 'gw2', transA);
  n('ReduceSum', ['da2', 'axis0'], 'gb2', { keepdims: { int: 0 } });
  n('Gemm', ['da2', 'w2'], 'dh1', transB);
  tanhGrad('dh1', 'h1', 'da1');
  n('Gemm', ['x', 'da1'], 'gw1', transA);
  n('ReduceSum', ['da1', 'axis0'], 'gb1', { keepdims: { int: 0 } });
  const f32 = (name: string, values: number[], dims: number[] = []) => ({ name, dims, dataType: OnnxDataType.FLOAT, raw: new Uint8Array(Float32Array.from(values).buffer) });
  const i64 = (name: string, values: number[]) => ({ name, dims: [values.length], dataType: OnnxDataType.INT64, raw: new Uint8Array(BigInt64Array.from(values, BigInt).buffer) });
  const io = (name: string, shape: number[]) => ({ name, dataType: OnnxDataType.FLOAT, shape });
  return encodeModel({
    irVersion: 8,
    opset: 17,
    producerName: 'bench',
    producerVersion: '0',
    graph: {
      name: 'w1',
      nodes,
      initializers: [f32('minusInvB', [-1 / B]), f32('invB', [1 / B]), f32('one', [1]), i64('axis0', [0]), i64('axis1', [1])],
      inputs: [io('x', [B, 784]), io('y', [B, 10]), io('w1', [784, 512]), io('b1', [512]), io('w2', [512, 512]), io('b2', [512]), io('w3', [512, 10]), io('b3', [10])],
      outputs: ['loss', 'gw1', 'gb1', 'gw2', 'gb2', 'gw3', 'gb3'].map((o) => io(o, [])).map((v, i) => ({ ...v, shape: [[], [784, 512], [512], [512, 512], [512], [512, 10], [10]][i]! })),
    },
  });
}

