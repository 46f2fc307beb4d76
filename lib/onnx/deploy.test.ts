/**
 * docs/deploy.md's serving code, run: the exported inference model in
 * onnxruntime-node (from a file) and onnxruntime-web's wasm backend (from
 * bytes), and the exported training step fed its own outputs for three
 * steps, against fluxion.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import * as fx from '../index.js';
import { flatten } from '../core/pytree.js';
import { leafNames } from './export.js';

ortWeb.env.wasm.numThreads = 1;

type Params = { l1: fx.nn.DenseParams<2, 16>; l2: fx.nn.DenseParams<16, 2> };
type X = fx.Tensor<[number, 2], 'float32'>;
const predict = (p: Params, x: X) => fx.nn.dense(p.l2, fx.tanh(fx.nn.dense(p.l1, x)));
const pointList = [[0, 0], [0.5, -0.5], [1.5, 0], [-1, 1.2]];

function init(): Params {
  const [k1, k2] = fx.random.split(fx.random.key(0));
  return { l1: fx.nn.denseInit(k1!, 2, 16), l2: fx.nn.denseInit(k2!, 16, 2) };
}

describe('docs/deploy.md: serving the exported model', () => {
  it('the inference model gives fluxion’s probabilities in onnxruntime-node (file) and onnxruntime-web (wasm)', async () => {
    const params = init();
    const inference = (points: fx.Tensor<[4, 2], 'float32'>) => fx.softmax(predict(params, points));
    const points = fx.tensor(pointList) as fx.Tensor<[4, 2], 'float32'>;
    const bytes = fx.exportOnnx(inference, points);
    const want = (await inference(points).data()) as Float32Array;
    const path = join(mkdtempSync(join(tmpdir(), 'fluxion-deploy-')), 'circle.onnx');
    writeFileSync(path, bytes);
    const classify = async (session: ortNode.InferenceSession, ort: typeof ortNode) => {
      const input = new ort.Tensor('float32', Float32Array.from(pointList.flat()), [4, 2]);
      const { out } = await session.run({ 'args[0]': input });
      return Array.from({ length: 4 }, (_, i) => (out!.data as Float32Array)[2 * i + 1]!);
    };
    const node = await ortNode.InferenceSession.create(path, { intraOpNumThreads: 2 });
    const web = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    expect(node.inputNames).toEqual(['args[0]']);
    expect(node.outputNames).toEqual(['out']);
    for (const got of [await classify(node, ortNode), await classify(web as unknown as ortNode.InferenceSession, ortWeb as unknown as typeof ortNode)]) {
      got.forEach((g, i) => expect(Math.abs(g - want[2 * i + 1]!)).toBeLessThan(2e-7));
    }
    await node.release();
    await web.release();
  });

  it('the exported Adam training step, fed its own outputs, follows fluxion’s jitted step for three steps', async () => {
    const x = fx.tensor(pointList.concat([[0.2, 0.1], [-1.7, -0.3], [0.1, 0.9], [1.1, 1.1]])) as X;
    const y = fx.tensor([1, 1, 0, 0, 1, 0, 1, 0], 'int32') as fx.Tensor<[number], 'int32'>;
    const opt = fx.optim.adam({ learningRate: 0.05 });
    const loss = (p: Params, xb: X, yb: typeof y) => fx.nn.softmaxCrossEntropy(predict(p, xb), yb);
    const train = (p: Params, s: fx.optim.AdamState<Params>, xb: X, yb: typeof y) => {
      const [l, g] = fx.valueAndGrad(loss)(p, xb, yb);
      const [p2, s2] = opt.update(g, s, p);
      return { loss: l, params: p2, state: s2 };
    };
    let params = init();
    let state = opt.init(params);
    const bytes = fx.exportOnnx(train, params, state, x, y);
    const session = await ortNode.InferenceSession.create(bytes);
    const [inLeaves, inDef] = flatten([params, state, x, y]);
    const inNames = leafNames(inDef, 'args');
    const feeds: Record<string, ortNode.Tensor> = {};
    inLeaves.forEach((t, i) => (feeds[inNames[i]!] = new ortNode.Tensor(t.dtype as 'float32', t.dataSync() as Float32Array, [...t.shape])));
    const step = fx.jit(train);
    for (let k = 0; k < 3; k++) {
      const out = step(params, state, x, y);
      const results = await session.run(feeds);
      const [outLeaves, outDef] = flatten(out);
      const outNames = leafNames(outDef, 'out');
      expect(outNames[0]).toBe('out.loss');
      outLeaves.forEach((t, i) => {
        const got = results[outNames[i]!]!.data as Float32Array;
        const want = t.dataSync();
        let scale = 0;
        for (const w of want) scale = Math.max(scale, Math.abs(w));
        for (let j = 0; j < want.length; j++) expect(Math.abs(got[j]! - want[j]!), `${outNames[i]}[${j}] at step ${k}`).toBeLessThanOrEqual(1e-5 * scale + 1e-7);
      });
      // The next step's inputs: params and state from the outputs (out.params… → args[0]…, out.state… → args[1]…).
      for (const n of outNames) {
        const arg = n.replace(/^out\.params/, 'args[0]').replace(/^out\.state/, 'args[1]');
        if (arg !== n) feeds[arg] = results[n]!;
      }
      fx.optim.dispose(params, state);
      params = out.params;
      state = out.state;
      out.loss.dispose();
    }
    await session.release();
  });
});
