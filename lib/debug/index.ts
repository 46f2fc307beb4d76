/** Debugging tools for the failure modes of differentiable programs. */
export { checkGrads, checkGradsAsync, checkCustomRule, checkCustomRuleAsync, GradCheckError, type CheckGradsOptions, type GradCheckReport } from './checkGrads.js';
export { gradDiagnostics, type GradDiagnostics, type LeafDiagnosis } from './gradDiagnostics.js';
export { memoryProfile, type MemoryProfile, type Residual } from './memoryProfile.js';
export { NaNError } from './nans.js';
export * as debug from './debugNamespace.js';
