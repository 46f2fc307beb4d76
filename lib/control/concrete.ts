/** Reading a predicate when it is known now, or learning that it is abstract (staged by jit). */
import { BatchedValueError, ConcretizationError, TransformError, showShape, withArticle } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';

/**
 * The truth of a scalar bool tensor, or `undefined` when it is only known
 * abstractly (staged by jit) or differs between the examples of a vmap: the
 * caller then stages the branch or loop as one equation, which vmap batches.
 */
export function knownTruth(op: string, pred: Tensor): boolean | undefined {
  if (pred.dtype !== 'bool' || pred.rank !== 0) {
    throw new TransformError(`${op}: the predicate must be a scalar bool tensor, got ${withArticle(pred.dtype)} tensor of shape ${showShape(pred.shape)}`);
  }
  try {
    return pred.item() === true;
  } catch (e) {
    if (e instanceof ConcretizationError || e instanceof BatchedValueError) return undefined;
    throw e;
  }
}
