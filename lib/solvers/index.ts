/** Solvers whose derivatives are those of the solution: fixed points, roots, ODEs. */
export { fixedPoint, type FixedPointOptions } from './fixedPoint.js';
export { root, type RootOptions } from './root.js';
export { odeint, type OdeintOptions, type TimeCount } from './odeint.js';
export { SolverError } from './common.js';
