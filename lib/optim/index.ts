/**
 * `fx.optim`: optimizers as pure functions over pytrees (`sgd`, `momentum`,
 * `adam`, `adamw`), gradient clipping by global norm, and learning-rate
 * schedules (`constant`, `exponentialDecay`, `cosineDecay`).
 */
export {
  sgd,
  momentum,
  adam,
  adamw,
  globalNorm,
  clipByGlobalNorm,
  dispose,
  type Optimizer,
  type OptimizerState,
  type OptimizerStates,
  type SgdState,
  type MomentumState,
  type AdamState,
  type CommonOptions,
  type MomentumOptions,
  type AdamOptions,
  type AdamWOptions,
  type CheckGradsStructure,
} from './optimizers.js';
export { constant, exponentialDecay, cosineDecay, type Schedule, type LearningRate, type ExponentialDecayOptions, type CosineDecayOptions } from './schedules.js';
