/**
 * The long training loop of issue 4: plain SGD on a small 1-32-1 tanh MLP
 * fitting sin(1.5x) on 64 points, written as a user would (one `fx.scope`
 * around each step, old parameters disposed), eager `valueAndGrad`.
 * `fx.memory()` must not grow: live tensors are recorded after step 1 and
 * after the last step.
 */
import * as fx from '../../lib/index.js';
import { fxTensor, normal } from '../data.js';

export interface SgdLoopResult {
  readonly backend: string;
  readonly steps: number;
  readonly tensorsAfterStep1: number;
  readonly tensorsAfterLast: number;
  readonly bytesAfterStep1: number;
  readonly bytesAfterLast: number;
  readonly lossAfterStep1: number;
  readonly lossAfterLast: number;
  readonly msPerStep: number;
  /** Whether W8's compiler ran at the same time (ms/step is then inflated). */
  readonly concurrentWithTypecheck?: boolean;
}

type Params = {
  w1: fx.Tensor<[1, 32], 'float32'>;
  b1: fx.Tensor<[32], 'float32'>;
  w2: fx.Tensor<[32, 1], 'float32'>;
  b2: fx.Tensor<[1], 'float32'>;
};
type Batch = fx.Tensor<[64, 1], 'float32'>;

function loss(p: Params, x: Batch, y: Batch): fx.Tensor<[], 'float32'> {
  const h = fx.tanh(fx.add(fx.matmul(x, p.w1), p.b1));
  const err = fx.sub(fx.add(fx.matmul(h, p.w2), p.b2), y);
  return fx.mean(fx.mul(err, err));
}

export async function sgdLoop(steps: number): Promise<SgdLoopResult> {
  const x = fx.reshape(fx.linspace(-2, 2, 64), [64, 1]) as Batch;
  const y = fx.sin(fx.mul(x, 1.5));
  let p: Params = {
    w1: fxTensor(normal(32, 41, 1), [1, 32]) as never,
    b1: fx.zeros([32]),
    w2: fxTensor(normal(32, 43, 1 / Math.sqrt(32)), [32, 1]) as never,
    b2: fx.zeros([1]),
  };
  const vg = fx.valueAndGrad(loss);
  const lr = 0.1;
  let tensorsAfterStep1 = 0;
  let bytesAfterStep1 = 0;
  let lossAfterStep1 = 0;
  let last = 0;
  const t0 = performance.now();
  for (let step = 1; step <= steps; step++) {
    const [value, next] = fx.scope(() => {
      const [v, g] = vg(p, x, y);
      const updated: Params = {
        w1: fx.sub(p.w1, fx.mul(g.w1, lr)),
        b1: fx.sub(p.b1, fx.mul(g.b1, lr)),
        w2: fx.sub(p.w2, fx.mul(g.w2, lr)),
        b2: fx.sub(p.b2, fx.mul(g.b2, lr)),
      };
      return [v, updated] as const;
    });
    Object.values(p).forEach((t) => t.dispose());
    p = next;
    // Read the loss only at the two recorded steps (and the last), as a training loop would log it.
    if (step === 1 || step === steps) {
      last = (await value.data())[0]!;
      if (step === 1) {
        lossAfterStep1 = last;
        value.dispose();
        tensorsAfterStep1 = fx.memory().tensors;
        bytesAfterStep1 = fx.memory().bytes;
        continue;
      }
    }
    value.dispose();
  }
  await p.b2.data(); // the last update has run
  const msPerStep = (performance.now() - t0) / steps;
  const result: SgdLoopResult = {
    backend: fx.getBackend(),
    steps,
    tensorsAfterStep1,
    tensorsAfterLast: fx.memory().tensors,
    bytesAfterStep1,
    bytesAfterLast: fx.memory().bytes,
    lossAfterStep1,
    lossAfterLast: last,
    msPerStep,
  };
  [...Object.values(p), x, y].forEach((t) => t.dispose());
  return result;
}
