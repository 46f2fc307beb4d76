/** Debugging tools: gradient checks (more tools join as they land). */
export { checkGrads, checkGradsAsync, checkCustomRule, checkCustomRuleAsync, GradCheckError, type CheckGradsOptions, type GradCheckReport } from './checkGrads.js';
