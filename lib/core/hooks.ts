/**
 * Observation points for debugging tools (NaN detection, counters). The core
 * calls these; `lib/debug` installs the observers.
 */
import type { Primitive } from './primitive.js';
import type { ConcreteTensor } from './tensor.js';

type Observer = (prim: Primitive, inputs: readonly ConcreteTensor[], outputs: readonly ConcreteTensor[]) => void;

let observer: Observer | undefined;

/** Installs (or removes, with `undefined`) the observer of every eager primitive evaluation. */
export function setPrimitiveObserver(o: Observer | undefined): void {
  observer = o;
}

export function onPrimitiveEvaluated(prim: Primitive, inputs: readonly ConcreteTensor[], outputs: readonly ConcreteTensor[]): void {
  observer?.(prim, inputs, outputs);
}
