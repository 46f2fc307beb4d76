/** Reading a predicate when it is known now, or learning that it is abstract (staged by jit). */
import { ConcretizationError, TransformError, showShape, withArticle } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';

/** The truth of a scalar bool tensor, or `undefined` when it is only known abstractly. */
export function knownTruth(op: string, pred: Tensor): boolean | undefined {
  if (pred.dtype !== 'bool' || pred.rank !== 0) {
    throw new TransformError(`${op}: the predicate must be a scalar bool tensor, got ${withArticle(pred.dtype)} tensor of shape ${showShape(pred.shape)}`);
  }
  try {
    return pred.item() === true;
  } catch (e) {
    if (e instanceof ConcretizationError) return undefined;
    throw e;
  }
}
