/**
 * Results never alias inputs: a transformation or op whose result is one of
 * its input tensors (an identity function under `vmap`, `reshape` to the same
 * shape, a loop that runs zero times) returns a fresh handle instead, so that
 * disposing the result leaves the input usable. A fresh handle is a tfjs
 * `clone`: it shares the data by reference count, so it costs no copy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { flatten, unflatten } from './pytree.js';
import { ConcreteTensor, type Tensor } from './tensor.js';

/** A new handle on a concrete tensor's data (tracers are returned as they are: they own nothing). */
export function freshHandle<T extends Tensor>(x: T): T {
  return (x instanceof ConcreteTensor ? new ConcreteTensor(tf.clone(x._tf)) : x) as T;
}

/**
 * `result` with every concrete tensor leaf that is also a leaf of one of
 * `inputs` replaced by a fresh handle (the structure is rebuilt only then).
 */
export function unaliased<R>(result: R, ...inputs: readonly unknown[]): R {
  const taken = new Set<Tensor>();
  for (const input of inputs) for (const t of flatten(input)[0]) if (t instanceof ConcreteTensor) taken.add(t);
  if (taken.size === 0) return result;
  const [leaves, def] = flatten(result);
  if (!leaves.some((l) => taken.has(l))) return result;
  return unflatten<R>(
    def,
    leaves.map((l) => (taken.has(l) ? freshHandle(l) : l)),
  );
}
