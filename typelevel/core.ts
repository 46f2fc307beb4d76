/**
 * One axis length: a number literal, a symbolic type parameter, or `number`.
 * @public
 */
export type Dim = number;

/**
 * A tensor shape: a tuple of dims, outermost first.
 * @public
 */
export type Shape = Dim[];

/**
 * The element types fluxion supports. (Written as a resolved conditional so
 * that the compiler prints a rejected dtype's expected type as
 * `"float32" | "int32" | "bool"`, listing the valid dtypes, rather than by
 * this alias's name.)
 * @public
 */
export type Dtype = 'float32' | 'int32' | 'bool' extends infer D ? D : never;

/** Dtypes that carry derivatives. @public */
export type DiffDtype = 'float32';

/** Dtypes that never carry derivatives (indices, masks, comparison results). @public */
export type NoDiffDtype = 'int32' | 'bool';

/** Numeric dtypes (arithmetic is defined on them). @public */
export type NumericDtype = 'float32' | 'int32';

/**
 * A compile-time error: a type no value can have, whose name carries a
 * message that reads like a compiler diagnostic.
 * @public
 */
export interface TypeError<Message extends string> {
  readonly __fluxionError: Message;
}

/** A tuple of dims written as `[2, 3]` inside an error message. @public */
export type ShowShape<S extends readonly unknown[]> = `[${JoinDims<S>}]`;

/** The dims of a shape joined by `, ` (for error messages): `JoinDims<[2, 3]>` is `'2, 3'`. @public */
export type JoinDims<S extends readonly unknown[]> = S extends readonly []
  ? ''
  : S extends readonly [infer H]
    ? ShowDim<H>
    : S extends readonly [infer H, ...infer T]
      ? `${ShowDim<H>}, ${JoinDims<T>}`
      : string;

/** One dim as text for error messages: the literal, or `'number'` for a dim known only at run time. @public */
export type ShowDim<D> = D extends number ? (number extends D ? 'number' : `${D}`) : '?';

/** True when `N` is a number literal rather than `number` or a type parameter. @public */
export type IsLiteral<N> = N extends number ? (number extends N ? false : true) : false;

/**
 * `Args` when `Ok` is `true`, otherwise a parameter list longer than any
 * call to the op. An overload written `(a: …, ...b: When<Ok, [b: B]>)`
 * is dropped by its arity, before its argument types are checked, when its
 * pattern `Ok` is false for the operands' types: then a call that no
 * overload accepts is reported by the last signature alone, whose parameter
 * carries fluxion's sentence (the compiler otherwise leads with "No overload
 * matches this call"). While `Ok` is deferred (a conditional type cannot
 * decide whether a type parameter is 1, or equals another dim), the
 * overload does not apply, as an overload whose parameter pattern does not
 * match.
 * @public
 */
export type When<Ok, Args extends unknown[]> = [Ok] extends [true] ? Args : [never, never, never];

/**
 * `true` when `X` is assignable to `Y`, decided as an overload would decide
 * it: a type parameter counts through its constraint (a plain
 * `X extends Y ? …` is deferred for a type parameter with a constraint).
 * @public
 */
export type Fits<X, Y> = { x: X } extends { x: infer Z extends Y } ? true : false;

/** `true` when both are `true`. @public */
export type And<X, Y> = [X, Y] extends [true, true] ? true : false;

/** `true` when `X` and `Y` are the same type (the same literal, or the same type parameter). @public */
export type SameType<X, Y> = { x: X } extends { x: Y } ? ({ x: Y } extends { x: X } ? true : false) : false;
