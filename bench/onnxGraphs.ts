/**
 * Dumps the ONNX graphs fluxion lowers for W2's gradient and W9's training
 * step: node counts by op type (`npx tsx bench/onnxGraphs.ts [--nodes]`).
 */
import * as fx from '../lib/index.js';
import { onnxNodes } from '../lib/onnx/plan.js';
import { fxIds, fxTransformerLoss, fxTransformerParams } from './workloads/w9-transformer.js';

function report(title: string, model: Uint8Array): void {
  const nodes = onnxNodes(model);
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  console.log(`${title}: ${nodes.length} nodes, ${model.length} bytes`);
  console.log('  ' + sorted.map(([op, c]) => `${op} ${c}`).join(', '));
  if (process.argv.includes('--nodes')) for (const n of nodes) console.log(`    ${n.outputs.join(',')} = ${n.opType}(${n.inputs.join(', ')})`);
}

await fx.setBackend('wasm');
const N = 1_000_000;
type V = fx.Tensor<[1000000], 'float32'>;
const chain = (x: V) => fx.sum(fx.add(fx.mul(fx.sin(x), fx.exp(fx.neg(fx.mul(x, x)))), fx.mul(fx.tanh(x), x)));
report('W2 grad', fx.exportOnnx(fx.grad(chain), fx.zeros([N]) as unknown as V));
const p = fxTransformerParams();
const [ids, next] = fxIds();
report('W9 step', fx.exportOnnx(fx.valueAndGrad(fxTransformerLoss) as never, p as never, ids as never, next as never));

if (process.argv.includes('--optimized')) {
  const { createRequire } = await import('node:module');
  const { readFileSync } = await import('node:fs');
  const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
  const models: [string, Uint8Array][] = [
    ['W2 grad', fx.exportOnnx(fx.grad(chain), fx.zeros([N]) as unknown as V)],
    ['W9 step', fx.exportOnnx(fx.valueAndGrad(fxTransformerLoss) as never, p as never, ids as never, next as never)],
  ];
  for (const [title, bytes] of models) {
    const path = `/tmp/onnxGraphs-${title.replace(/\W/g, '')}.onnx`;
    await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', optimizedModelFilePath: path, intraOpNumThreads: 1 });
    report(`${title}, after ONNX Runtime's optimizer`, new Uint8Array(readFileSync(path)));
  }
}
