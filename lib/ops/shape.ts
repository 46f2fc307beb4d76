/**
 * Ops of the reduction, shape and indexing group, re-exported from their
 * primitive files (`lib/primitives/`) and composite modules (`lib/composite/`).
 */
export { max } from '../primitives/max.js';
export { min } from '../primitives/min.js';
export { prod } from '../primitives/prod.js';
export { argmax } from '../primitives/argmax.js';
export { argmin } from '../primitives/argmin.js';
export { cumsum } from '../primitives/cumsum.js';
export { take, gather, type IndicesShape } from '../primitives/gather.js';
export { scatterAdd } from '../primitives/scatter.js';
export { oneHot } from '../primitives/oneHot.js';
export { mean } from '../composite/mean.js';
export { logsumexp } from '../composite/logsumexp.js';
export { softmax } from '../composite/softmax.js';
export { logSoftmax } from '../composite/logSoftmax.js';
export { expandDims } from '../composite/expandDims.js';
export { squeeze } from '../composite/squeeze.js';
export { stack } from '../composite/stack.js';
export { at, type IndexedRows } from '../composite/at.js';
export { dot } from '../composite/dot.js';
export { outer } from '../composite/outer.js';
