import { it } from 'vitest';
import * as fx from '../index.js';
import { expectClose } from '../testing/backends.js';
import { describeHostBackends } from '../primitives/decompositionTesting.js';

type M = fx.Tensor<[3, 3], 'float32'>;

describeHostBackends('decompositions, conv and pools under jit', () => {
  const a = () => fx.tensor([[2, 0.5, -0.3], [0.5, 1, 0.2], [-0.3, 0.2, -1]]);

  it('jit(grad(f)) equals grad(f) for a function of eigh, qr, svd, lu and expm', async () => {
    const f = (m: M) =>
      fx.add(
        fx.add(fx.sum(fx.linalg.eigh(m)[1]), fx.sum(fx.linalg.qr(m)[0])),
        fx.add(fx.add(fx.sum(fx.linalg.expm(m)), fx.linalg.slogdet(m)[1]), fx.sum(fx.linalg.svdvals(m))),
      );
    await expectClose(fx.jit(fx.grad(f))(a()), await fx.grad(f)(a()).array(), 1e-5);
    await expectClose(fx.jit(f)(a()), await f(a()).array(), 1e-6);
  });

  it('jit of a dilated conv followed by max pooling equals the eager result', async () => {
    const g = (x: fx.Tensor<[1, 3, 3, 1], 'float32'>) => fx.sum(fx.maxPool(fx.conv(x, fx.ones([2, 2, 1, 2]), { lhsDilation: 2, padding: 'SAME' }), [2, 2]));
    const x = fx.reshape(a(), [1, 3, 3, 1]);
    await expectClose(fx.jit(fx.grad(g))(x), await fx.grad(g)(x).array(), 1e-6);
  });
});
