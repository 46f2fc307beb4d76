/**
 * Type-level shapes, dims and dtypes for fluxion (types only, no runtime code).
 *
 * A dim is a number literal (checked at compile time), a type parameter
 * (symbolic, such as a batch dim `B`), or `number` (checked at run time).
 * @packageDocumentation
 */
export * from './core.js';
export * from './rules.js';
export type { Add, Sub, Mul, Div, Compare, Product } from './arith.js';
