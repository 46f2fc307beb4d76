/**
 * Losses: scalar functions of predictions and targets, averaged over every
 * element (`mse`, `sigmoidBinaryCrossEntropy`) or over every example
 * (`softmaxCrossEntropy`). All are written to stay finite for large logits.
 */
import type { Dim, Shape } from '../../typelevel/index.js';
import { DtypeError, ShapeError, showShape } from '../core/errors.js';
import { Tensor, type AnyTensor } from '../core/tensor.js';
import { mul } from '../primitives/mul.js';
import { sub } from '../primitives/sub.js';
import { neg } from '../primitives/neg.js';
import { sum } from '../primitives/sum.js';
import { square } from '../primitives/square.js';
import { softplus } from '../primitives/softplus.js';
import { oneHot } from '../primitives/oneHot.js';
import { mean } from '../composite/mean.js';
import { logSoftmax } from '../composite/logSoftmax.js';
import { scoped } from '../core/memory.js';

type Scalar = Tensor<[], 'float32'>;

function sameShapes(op: string, a: unknown, b: unknown, names: [string, string]): asserts a is AnyTensor {
  for (const [x, name] of [[a, names[0]], [b, names[1]]] as const) {
    if (!(x instanceof Tensor)) throw new DtypeError(op, `${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
    if (x.dtype !== 'float32') throw new DtypeError(op, `${name} must be float32, got ${x.dtype}`);
  }
  const [x, y] = [a as AnyTensor, b as AnyTensor];
  if (x.rank !== y.rank || x.shape.some((d: number, i: number) => d !== y.shape[i])) {
    throw new ShapeError(op, `${names[0]} ${showShape(x.shape)} and ${names[1]} ${showShape(y.shape)} must have the same shape`);
  }
}

/**
 * Mean squared error: the mean over every element of `(prediction − target)²`.
 * @example
 * ```ts
 * fx.nn.mse(fx.tensor([1, 2]), fx.tensor([1, 4])); // 2
 * ```
 * @public
 */
export function mse<S extends Shape>(prediction: Tensor<S, 'float32'>, target: Tensor<NoInfer<S>, 'float32'>): Scalar {
  return scoped(() => {
    sameShapes('nn.mse', prediction, target, ['prediction', 'target']);
    return mean(square(sub(prediction as AnyTensor, target as AnyTensor) as AnyTensor) as AnyTensor) as Scalar;
  });
}

/**
 * Softmax cross-entropy, averaged over examples: `−Σ_c labels_c · logSoftmax(logits)_c`
 * over the last (class) axis, with `labels` either class probabilities
 * (one-hot or soft, the shape of `logits`) or int32 class indices (`logits`
 * without its last axis). Uses the stable `logSoftmax`, so huge logits give
 * finite values; the gradient with respect to the logits is
 * `(softmax(logits) − labels) / examples`.
 * @example
 * ```ts
 * fx.nn.softmaxCrossEntropy(fx.tensor([[0, 0]]), fx.tensor([[1, 0]])); // log 2
 * fx.nn.softmaxCrossEntropy(fx.tensor([[0, 0]]), fx.tensor([0], 'int32')); // log 2
 * ```
 * @public
 */
export function softmaxCrossEntropy<L extends Dim[], C extends Dim>(logits: Tensor<[...L, C], 'float32'>, labels: Tensor<NoInfer<[...L, C]>, 'float32'>): Scalar;
/** @public */
export function softmaxCrossEntropy<L extends Dim[], C extends Dim>(logits: Tensor<[...L, C], 'float32'>, labels: Tensor<NoInfer<L>, 'int32'>): Scalar;
export function softmaxCrossEntropy(logits: AnyTensor, labels: AnyTensor): Scalar {
  return scoped(() => {
    const op = 'nn.softmaxCrossEntropy';
    if (!(logits instanceof Tensor) || logits.dtype !== 'float32') throw new DtypeError(op, 'logits must be a float32 Tensor');
    if (logits.rank === 0) throw new ShapeError(op, 'logits need a class axis (the last), got a scalar');
    if (!(labels instanceof Tensor)) throw new DtypeError(op, `labels must be a Tensor, got ${labels === null ? 'null' : typeof labels}`);
    const classes = logits.shape[logits.rank - 1]!;
    const examples = logits.size / Math.max(1, classes);
    let probabilities: AnyTensor;
    if (labels.dtype === 'int32') {
      const lead = logits.shape.slice(0, -1);
      if (labels.rank !== lead.length || labels.shape.some((d: number, i: number) => d !== lead[i])) {
        throw new ShapeError(op, `int32 labels must have the logits' shape without the class axis, ${showShape(lead)}; got ${showShape(labels.shape)} for logits ${showShape(logits.shape)}`);
      }
      probabilities = oneHot(labels, classes) as AnyTensor;
    } else {
      sameShapes(op, logits, labels, ['logits', 'labels']);
      probabilities = labels;
    }
    const total = sum(mul(probabilities, logSoftmax(logits)) as AnyTensor) as AnyTensor;
    return mul(neg(total) as AnyTensor, 1 / examples) as Scalar;
  });
}

/**
 * Sigmoid binary cross-entropy on logits, averaged over every element:
 * `max(x, 0) − x·z + log1p(exp(−|x|))`, which equals
 * `−z·log σ(x) − (1 − z)·log(1 − σ(x))` but never overflows. Computed as
 * `softplus(x) − x·z` (softplus is evaluated by exactly that stable formula)
 * so the derivative is the smooth `σ(x) − z` everywhere, including x = 0
 * where the `max` and `|x|` terms each have a kink.
 * @example
 * ```ts
 * fx.nn.sigmoidBinaryCrossEntropy(fx.tensor([0]), fx.tensor([1])); // log 2
 * ```
 * @public
 */
export function sigmoidBinaryCrossEntropy<S extends Shape>(logits: Tensor<S, 'float32'>, targets: Tensor<NoInfer<S>, 'float32'>): Scalar {
  return scoped(() => {
    sameShapes('nn.sigmoidBinaryCrossEntropy', logits, targets, ['logits', 'targets']);
    const x = logits as AnyTensor;
    return mean(sub(softplus(x) as AnyTensor, mul(x, targets as AnyTensor) as AnyTensor) as AnyTensor) as Scalar;
  });
}
