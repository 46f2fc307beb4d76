/**
 * Shape rules as types. Each has a runtime twin in `lib/` that computes the
 * same shape and throws a `ShapeError` exactly where the type is an error
 * (property-tested in `rules.test.ts`).
 *
 * Conventions:
 * - `Rule<…>` is the result shape, or `never` where the runtime throws.
 * - `RuleResult<…>` is the result shape or a {@link TypeError} whose message
 *   reads like a compiler diagnostic (`shape error: …`); `RuleError<…>` is
 *   that message alone (`never` when the shapes are fine). Signatures put it
 *   in a parameter position so that a bad call fails with the text.
 * - A dim is a number literal (checked here), a type parameter (symbolic:
 *   carried through wherever a rule only moves dims around, such as
 *   `Transpose` or `Reduce`), or `number` (unknown: accepted here, checked at
 *   run time). A shape that is not a tuple (`number[]`) gives `number[]`.
 *
 * Rules that must look at a symbolic dim's value (is it 1? do two dims
 * agree?) are deferred by the compiler while the dim is a type parameter;
 * the public op signatures cover those cases by inference through parameter
 * patterns (see `BinaryOp` and `matmul`), and use these rules for the rest.
 */
import type { Add, Compare, Product, Sub, _DivRev, _FromRev, _ProductRev, _Rev } from './arith.js';
import type { Shape, ShowShape, TypeError } from './core.js';

// ---------------------------------------------------------------- shared helpers

/**
 * A shape error: a {@link TypeError} whose message starts with `shape error:`.
 * (Written as a resolved conditional so that the compiler prints the error
 * type as `TypeError<"shape error: …">`, with its text, rather than by the
 * name of an alias such as `AxisError<2, 2>`.)
 * @public
 */
export type ShapeErrorType<Message extends string> = TypeError<`shape error: ${Message}`> extends infer E ? E : never;

/**
 * The shape part of a rule result: the shape, or `never` for an error. (The
 * mapped `& number` changes nothing in a result — `B & number` is `B` for a
 * dim `B extends number` — but lets the compiler see that the type is a
 * `Shape` where it stays generic, without the `extends Shape` test that it
 * would defer for a tuple holding a type parameter.)
 * @public
 */
export type OkShape<R> = R extends TypeError<string> ? never : R extends readonly unknown[] ? { -readonly [K in keyof R]: R[K] & number } : never;

/**
 * The error part of a rule result: the error type, or `never` when the rule
 * gives a shape.
 * @public
 */
export type ErrorPart<R> = R extends TypeError<string> ? R : never;

/**
 * `unknown` when a rule result is a shape, otherwise its error type: intersect
 * a parameter with it (`shape: T & Checked<ReshapeResult<S, T>>`) so that a bad
 * argument fails to compile with the error's text.
 * @public
 */
export type Checked<R> = IsRuleError<R> extends true ? ErrorPart<R> : unknown;

/**
 * True when a rule result is an error. The first test makes the compiler's
 * permissive check answer `false` for a result still generic (a shape that
 * is a type parameter), so a parameter guarded by {@link Checked} accepts the
 * argument there instead of failing on a deferred type.
 */
type IsRuleError<R> = [R] extends [never] ? false : [R] extends [TypeError<string>] ? true : false;

/** The marker a dim rule returns for two literal dims that do not agree. */
interface Mismatch {
  readonly __mismatch: true;
}

/** True for a number literal dim (`false` for `number`). Deferred for a type parameter. */
type Lit<D> = [D] extends [number] ? (number extends D ? false : true) : false;

/**
 * True when two dims are the same type: equal literals, both `number`, or the
 * same type parameter (the object wrapper lets the compiler decide that for a
 * type parameter instead of deferring).
 */
type SameDim<A, B> = { d: A } extends { d: B } ? ({ d: B } extends { d: A } ? true : false) : false;

/** `[unknown × N]` for small literal `N` (axes, ranks). */
type TupleOf<N extends number, Acc extends unknown[] = []> = Acc['length'] extends N ? Acc : TupleOf<N, [...Acc, unknown]>;

/** True for a non-tuple shape such as `number[]`. */
type IsOpen<S extends readonly unknown[]> = number extends S['length'] ? true : false;

type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';

/** A non-negative integer literal of at most two digits (larger axes are out of range for any realistic rank). */
type SmallIndex<A> = `${A & number}` extends Digit | `${Exclude<Digit, '0'>}${Digit}` ? true : false;

/** The dims of `S` from index `N` on. */
type DropFirst<S extends readonly unknown[], N extends number> = S extends readonly [...TupleOf<N>, ...infer R] ? R : [];

/** The first `N` dims of `S`. */
type TakeFirst<S extends readonly unknown[], N extends number, Acc extends unknown[] = []> = Acc['length'] extends N ? Acc : S extends readonly [infer H, ...infer T] ? TakeFirst<T, N, [...Acc, H]> : Acc;

/**
 * A literal axis normalized against a tuple of `Len` slots (negative counts
 * from the end): the index, `number` for a non-literal axis, or `Mismatch`
 * when it is out of range.
 */
type NormAxis<A, Slots extends readonly unknown[]> = number extends A
  ? number
  : `${A & number}` extends `-${infer P extends number}`
    ? SmallIndex<P> extends true
      ? Slots extends readonly [...infer H, ...TupleOf<P>]
        ? H['length']
        : Mismatch
      : Mismatch
    : SmallIndex<A> extends true
      ? Slots extends readonly [...TupleOf<A & number>, unknown, ...unknown[]]
        ? A
        : Mismatch
      : Mismatch;

/** The readable axis error. */
type AxisError<A, Rank extends number> = ShapeErrorType<`axis ${A & number} is out of range for a tensor of rank ${Rank}`>;

/** Replaces every dim by `number` (rank known, dims not). */
type Unknowns<S extends readonly unknown[]> = { -readonly [K in keyof S]: number };

// ---------------------------------------------------------------- creation dims

/** True for a literal dim that is negative or not an integer (`-1`, `2.5`, `1e21`). */
type BadDim<D> = Lit<D> extends true ? (`${D & number}` extends `-${string}` ? true : `${D & number}` extends `${bigint}` ? false : true) : false;

type FirstBadDim<S extends readonly unknown[]> = S extends readonly [infer H, ...infer R] ? (BadDim<H> extends true ? [H] : FirstBadDim<R>) : never;

/**
 * `unknown` when every literal dim of `S` is a non-negative integer;
 * otherwise the error that makes a creation call fail to compile:
 * `shape error: a shape is a list of non-negative integers, got [2, -1]`.
 * Runtime twin: `checkShape`.
 * @public
 */
export type CheckDims<S extends readonly unknown[]> = Checked<
  [FirstBadDim<S>] extends [never] ? S : ShapeErrorType<`a shape is a list of non-negative integers, got ${ShowShape<S>}`>
>;

/**
 * `unknown` when `N` is a non-negative integer (or not a literal), otherwise
 * the error: `shape error: n must be a non-negative integer, got -3`.
 * @public
 */
export type CheckCount<N> = Checked<BadDim<N> extends true ? ShapeErrorType<`n must be a non-negative integer, got ${N & number}`> : [N]>;

// ---------------------------------------------------------------- broadcast

/**
 * One axis of a broadcast, boxed as `[dim]` (a box, because binding a bare
 * type parameter with `extends infer` would defer): equal dims, a 1 on either
 * side, or an unknown side; `Mismatch` for two different literals.
 */
type BroadcastDim<A, B> =
  SameDim<A, B> extends true
    ? [A]
    : { d: A } extends { d: 1 }
      ? [B]
      : { d: B } extends { d: 1 }
        ? [A]
        : Lit<A> extends true
          ? Lit<B> extends true
            ? Mismatch
            : [A]
          : [B];

type BroadcastRev<A extends readonly unknown[], B extends readonly unknown[], Acc extends unknown[] = []> = A extends readonly [...infer AI, infer AL]
  ? B extends readonly [...infer BI, infer BL]
    ? BroadcastDim<AL, BL> extends [infer D]
      ? BroadcastRev<AI, BI, [D, ...Acc]>
      : Mismatch
    : [...A, ...Acc]
  : [...B, ...Acc];

/**
 * The NumPy broadcast of two shapes, or {@link BroadcastError} where two literal
 * dims differ and neither is 1. Runtime twin: `broadcastShapes`.
 * @example
 * ```ts
 * type R = BroadcastResult<[2, 1, 3], [4, 3]>; // [2, 4, 3]
 * ```
 * @public
 */
export type BroadcastResult<A extends Shape, B extends Shape> =
  IsOpen<A> extends true
    ? number[]
    : IsOpen<B> extends true
      ? number[]
      : BroadcastRev<A, B> extends infer R
        ? [R] extends [Mismatch]
          ? BroadcastError<A, B>
          : R
        : never;

/**
 * The NumPy broadcast of two shapes, or `never` where two literal dims differ
 * and neither is 1.
 * @example
 * ```ts
 * type R = Broadcast<[2, 3], [3]>; // [2, 3]
 * type E = Broadcast<[2, 3], [2]>; // never
 * ```
 * @public
 */
export type Broadcast<A extends Shape, B extends Shape> = BroadcastResult<A, B> extends infer R ? OkShape<R> : never;

/**
 * The readable error for shapes that do not broadcast:
 * `shape error: cannot broadcast [2, 3] with [2]`.
 * @public
 */
export type BroadcastError<A extends Shape, B extends Shape> = ShapeErrorType<`cannot broadcast ${ShowShape<A>} with ${ShowShape<B>}`>;

/** One axis of `broadcastTo`: the source dim is 1 or the target's (or not known statically). */
type BroadcastToDim<A, B> = SameDim<A, B> extends true ? true : { d: A } extends { d: 1 } ? true : Lit<A> extends true ? (Lit<B> extends true ? false : true) : true;

type BroadcastToRev<S extends readonly unknown[], T extends readonly unknown[]> = S extends readonly [...infer SI, infer SL]
  ? T extends readonly [...infer TI, infer TL]
    ? BroadcastToDim<SL, TL> extends true
      ? BroadcastToRev<SI, TI>
      : false
    : false
  : true;

/**
 * The shape of `broadcastTo(x: Tensor<S>, T)`: `T`, when each dim of `S`
 * (aligned from the end) is 1 or the target's and `T` has no fewer axes;
 * otherwise the error `shape error: cannot broadcast [2, 3] to [4, 3]`.
 * Runtime twin: `broadcastTo`'s abstract evaluation.
 * @example
 * ```ts
 * type R = BroadcastToResult<[3, 1], [2, 3, 4]>; // [2, 3, 4]
 * ```
 * @public
 */
export type BroadcastToResult<S extends Shape, T extends Shape> =
  IsOpen<S> extends true
    ? T
    : IsOpen<T> extends true
      ? T
      : BroadcastToRev<S, T> extends true
        ? { -readonly [K in keyof T]: T[K] }
        : ShapeErrorType<`cannot broadcast ${ShowShape<S>} to ${ShowShape<T>}`>;

/**
 * The shape of a `broadcastTo` (see {@link BroadcastToResult}), or `never`.
 * @public
 */
export type BroadcastTo<S extends Shape, T extends Shape> = BroadcastToResult<S, T> extends infer R ? OkShape<R> : never;

// ---------------------------------------------------------------- matmul

/** Inner dims agree unless both are literals and differ. */
type DimsAgree<A, B> = SameDim<A, B> extends true ? true : Lit<A> extends true ? (Lit<B> extends true ? false : true) : true;

/**
 * The shape of `matmul(a, b)` (`[...batch, M, K] @ [...batch, K, N] →
 * [...batch, M, N]`, batch dims broadcast), or the error:
 * `shape error: matmul inner dims 784 and 100 differ`. A 1-D operand follows
 * NumPy (`[K] @ [K] → []`, `[M, K] @ [K] → [M]`). Runtime twin: `matmulResultShape`.
 * @example
 * ```ts
 * type R = MatMulResult<[32, 784], [784, 10]>; // [32, 10]
 * ```
 * @public
 */
export type MatMulResult<A extends Shape, B extends Shape> =
  IsOpen<A> extends true
    ? number[]
    : IsOpen<B> extends true
      ? number[]
      : A extends readonly [infer K]
        ? MatMulVectorA<K, B>
        : B extends readonly [infer K2]
          ? MatMulVectorB<A, K2>
          : MatMulMatrices<A, B>;

/** NumPy's 1-D left operand: it gains a size-1 row axis that the result drops (`[K] @ [K] → []`, `[K] @ [..., K, N] → [..., N]`). */
type MatMulVectorA<K, B extends Shape> = B extends readonly [infer K2]
  ? DimsAgree<K, K2> extends true
    ? []
    : ShapeErrorType<`matmul inner dims ${K & number} and ${K2 & number} differ`>
  : B extends readonly [...infer BB extends Shape, infer K2, infer N]
    ? DimsAgree<K, K2> extends true
      ? [...BB, N]
      : ShapeErrorType<`matmul inner dims ${K & number} and ${K2 & number} differ`>
    : MatMulRankError<[K & number], B>;

/** NumPy's 1-D right operand: it gains a size-1 column axis that the result drops (`[..., M, K] @ [K] → [..., M]`). */
type MatMulVectorB<A extends Shape, K2> = A extends readonly [...infer AB extends Shape, infer M, infer K]
  ? DimsAgree<K, K2> extends true
    ? [...AB, M]
    : ShapeErrorType<`matmul inner dims ${K & number} and ${K2 & number} differ`>
  : MatMulRankError<A, [K2 & number]>;

/** Both operands of rank ≥ 2: `[...A, M, K] @ [...B, K, N] → [...broadcast(A, B), M, N]`. */
type MatMulMatrices<A extends Shape, B extends Shape> =
      A extends readonly [...infer AB extends Shape, infer M, infer K]
        ? B extends readonly [...infer BB extends Shape, infer K2, infer N]
          ? DimsAgree<K, K2> extends true
            ? BroadcastResult<AB, BB> extends infer R
              ? R extends Shape
                ? [...R, M, N]
                : ShapeErrorType<`matmul batch dims ${ShowShape<AB>} and ${ShowShape<BB>} do not broadcast`>
              : never
            : ShapeErrorType<`matmul inner dims ${K & number} and ${K2 & number} differ`>
          : MatMulRankError<A, B>
        : MatMulRankError<A, B>;

type MatMulRankError<A extends Shape, B extends Shape> = ShapeErrorType<`matmul needs operands of rank >= 1, got ${ShowShape<A>} and ${ShowShape<B>}`>;

/**
 * The shape of `matmul(a, b)`, or `never` where the runtime throws.
 * @public
 */
export type MatMul<A extends Shape, B extends Shape> = MatMulResult<A, B> extends infer R ? OkShape<R> : never;

/**
 * The readable matmul error (`never` when the shapes are fine).
 * @public
 */
export type MatMulError<A extends Shape, B extends Shape> = ErrorPart<MatMulResult<A, B>>;

// ---------------------------------------------------------------- reduce

/** Normalizes a list of axes; `number` for a non-literal one, `[Mismatch, axis]` for the first bad one. */
/** Marks an axis listed twice (a runtime `ShapeError`, as NumPy's "duplicate value in axis"). */
declare const DUPLICATE: unique symbol;
type Duplicate = typeof DUPLICATE;

type NormAxes<As extends readonly unknown[], S extends readonly unknown[], Acc = never> = As extends readonly [infer A, ...infer T]
  ? NormAxis<A, S> extends infer N
    ? [N] extends [Mismatch]
      ? [Mismatch, A]
      : number extends N
        ? number
        : [N] extends [Acc]
          ? [Duplicate, A]
          : NormAxes<T, S, Acc | N>
    : never
  : Acc;

/** Drops (or, with `K`, sets to 1) the dims at indices `Axes`; `I` counts the input index. */
type RemoveAxes<S extends readonly unknown[], Axes, K, Acc extends unknown[] = [], I extends unknown[] = []> = S extends readonly [infer H, ...infer T]
  ? I['length'] extends Axes
    ? RemoveAxes<T, Axes, K, K extends true ? [...Acc, 1] : Acc, [...I, unknown]>
    : RemoveAxes<T, Axes, K, [...Acc, H], [...I, unknown]>
  : Acc;

type ReduceAxes<S extends Shape, As extends readonly unknown[], K> =
  IsOpen<As> extends true
    ? number[]
    : NormAxes<As, S> extends infer N
      ? [N] extends [never]
        ? { -readonly [I in keyof S]: S[I] }
        : [N] extends [[Mismatch, infer A]]
          ? AxisError<A, S['length']>
          : [N] extends [[Duplicate, infer A]]
            ? ShapeErrorType<`axis ${A & number} appears twice among the reduced axes`>
          : number extends N
            ? number[]
            : RemoveAxes<S, N, K>
      : never;

/**
 * The shape after reducing `S` over axis `A` — `undefined` for every axis, a
 * number (negative counts from the end) or a list of them — keeping size-1
 * axes when `K` is true; or the error for an axis out of range. Runtime twin:
 * `reducedShape(shape, reduceAxes(…))`.
 * @example
 * ```ts
 * type R = ReduceResult<[2, 3, 4], -1, true>; // [2, 3, 1]
 * ```
 * @public
 */
export type ReduceResult<S extends Shape, A, K = false> =
  IsOpen<S> extends true
    ? number[]
    : [A] extends [undefined]
      ? K extends true
        ? { -readonly [I in keyof S]: 1 }
        : []
      : A extends readonly unknown[]
        ? ReduceAxes<S, A, K>
        : ReduceAxes<S, [A], K>;

/**
 * The shape after a reduction (see {@link ReduceResult}), or `never` for an
 * axis out of range.
 * @example
 * ```ts
 * type R = Reduce<[2, 3], 1>; // [2]
 * ```
 * @public
 */
export type Reduce<S extends Shape, A, K = false> = ReduceResult<S, A, K> extends infer R ? OkShape<R> : never;

/**
 * The readable reduction error (`never` when the axes are fine).
 * @public
 */
export type ReduceError<S extends Shape, A, K = false> = ErrorPart<ReduceResult<S, A, K>>;

// ---------------------------------------------------------------- reshape

/** How many dims of `T` are -1 (the `never` test makes a generic dim count as not -1 in relation checks). */
type CountMinusOne<T extends readonly unknown[], Acc extends unknown[] = []> = T extends readonly [infer H, ...infer R]
  ? CountMinusOne<R, [H] extends [never] ? Acc : { d: H } extends { d: -1 } ? [...Acc, H] : Acc>
  : Acc['length'];

/** True when a literal target dim is neither a non-negative integer nor -1. */
type BadTargetDim<D> = Lit<D> extends true ? (`${D & number}` extends `${bigint}` ? (`${D & number}` extends `-${string}` ? ({ d: D } extends { d: -1 } ? false : true) : false) : true) : false;

type HasBadTargetDim<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R] ? (BadTargetDim<H> extends true ? true : HasBadTargetDim<R>) : false;

type WithoutMinusOne<T extends readonly unknown[], Acc extends unknown[] = []> = T extends readonly [infer H, ...infer R]
  ? WithoutMinusOne<R, { d: H } extends { d: -1 } ? Acc : [...Acc, H]>
  : Acc;

/**
 * A reshape target `T` with its `-1` replaced by `V` (the resolved dim, or
 * `number` when it is only known at run time).
 * @public
 */
export type FillMinusOne<T extends readonly unknown[], V> = { -readonly [K in keyof T]: { d: T[K] } extends { d: -1 } ? V : T[K] };

/**
 * True when a literal reshape target contains `-1`. For a generic target the
 * first test makes the compiler's permissive check answer `false`, so a
 * parameter guarded by {@link NoMinusOne} accepts it.
 */
type HasMinusOne<T> = [T] extends [never] ? false : T extends readonly unknown[] ? (CountMinusOne<T> extends 0 ? false : true) : false;

/**
 * `unknown` unless `T` is a literal target containing `-1` (then `never`):
 * guards a signature that returns `T` itself, which is right only without `-1`.
 * @public
 */
export type NoMinusOne<T> = HasMinusOne<T> extends true ? never : unknown;

type ReshapeCountError<S extends Shape, T extends Shape, N extends string, M extends string> = ShapeErrorType<`cannot reshape ${ShowShape<S>} (${N} elements) to ${ShowShape<T>} (${M})`>;

/**
 * The shape of `reshape(x: Tensor<S>, T)` with its `-1` resolved, or the error
 * (`shape error: cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)`).
 * The element counts are checked when every dim is a literal (products of
 * literal dims are computed digit by digit, so `[60000, 28, 28]` is fine);
 * with a non-literal dim the target is accepted and the runtime checks it.
 * Runtime twin: `resolveReshape`.
 * @example
 * ```ts
 * type R = ReshapeResult<[2, 3, 4], [-1, 4]>; // [6, 4]
 * ```
 * @public
 */
export type ReshapeResult<S extends Shape, T extends Shape> =
  IsOpen<T> extends true
    ? number[]
    : [ReshapeTargetError<T>] extends [never]
      ? T extends readonly [-1]
        ? [Product<S>] // flattening always works: decided without looking at S, which may be generic
        : IsOpen<S> extends true
          ? FillMinusOne<T, number>
          : [_ProductRev<S>, _ProductRev<WithoutMinusOne<T>>] extends [infer N extends string, infer M extends string]
            ? ReshapeCounts<S, T, N, M>
            : FillMinusOne<T, number>
      : ReshapeTargetError<T>;

/** The error for a malformed target (two -1s, a negative or fractional dim), or `never`. */
type ReshapeTargetError<T extends Shape> =
  CountMinusOne<T> extends 0 | 1
    ? HasBadTargetDim<T> extends true
      ? ShapeErrorType<`reshape dims must be non-negative integers (or one -1), got ${ShowShape<T>}`>
      : never
    : ShapeErrorType<`at most one reshape dim may be -1, got ${ShowShape<T>}`>;

/** Checks the element counts `N` (of `S`) and `M` (of `T` without its -1), reversed digit strings. */
type ReshapeCounts<S extends Shape, T extends Shape, N extends string, M extends string> =
  CountMinusOne<T> extends 0
    ? N extends M
      ? { -readonly [K in keyof T]: T[K] }
      : ReshapeCountError<S, T, _Rev<N>, `${_Rev<M>} elements`>
    : M extends '0'
      ? N extends '0'
        ? FillMinusOne<T, 0>
        : ReshapeCountError<S, T, _Rev<N>, `${_Rev<N>} is not a multiple of 0`>
      : _DivRev<_Rev<N>, M> extends [infer Q extends string, '0']
        ? FillMinusOne<T, _FromRev<Q>>
        : ReshapeCountError<S, T, _Rev<N>, `${_Rev<N>} is not a multiple of ${_Rev<M>}`>;

/**
 * `unknown` when the element count of `S` is not known statically (it has a
 * `number` dim, or is `number[]`), otherwise `Else`: lets a signature accept
 * any reshape target for such a source (the runtime checks it) while keeping
 * the static check for literal shapes.
 * @public
 */
export type UnknownCountOr<S extends Shape, Else> = _ProductRev<S> extends string ? Else : unknown;

/**
 * The shape after a reshape (see {@link ReshapeResult}), or `never` where the
 * runtime throws.
 * @example
 * ```ts
 * type R = Reshape<[2, 3], [3, 2]>; // [3, 2]
 * type E = Reshape<[2, 3], [4, 2]>; // never
 * ```
 * @public
 */
export type Reshape<S extends Shape, T extends Shape> = ReshapeResult<S, T> extends infer R ? OkShape<R> : never;

/**
 * The readable reshape error (`never` when the target is fine).
 * @public
 */
export type ReshapeError<S extends Shape, T extends Shape> = ErrorPart<ReshapeResult<S, T>>;

/**
 * `true` when every dim of `S` is a literal and `reshape(x: Tensor<S>, T)` is
 * valid; `false` when it is not (an error, or a `number` dim); deferred
 * while `S` holds a type parameter.
 * @public
 */
export type ReshapeLiteralOk<S extends Shape, T extends Shape> = _ProductRev<S> extends string ? (ReshapeResult<S, T> extends TypeError<string> ? false : true) : false;

/** The longest common prefix of identical dims (the same literal or the same type parameter): `[prefix, rest of S, rest of T]`. */
type StripPrefix<S extends readonly unknown[], T extends readonly unknown[], P extends unknown[] = []> = S extends readonly [infer HS, ...infer RS]
  ? T extends readonly [infer HT, ...infer RT]
    ? SameDim<HS, HT> extends true
      ? StripPrefix<RS, RT, [...P, HS]>
      : [P, S, T]
    : [P, S, T]
  : [P, S, T];

/** The longest common suffix of identical dims: `[suffix, rest of S, rest of T]`. */
type StripSuffix<S extends readonly unknown[], T extends readonly unknown[], Q extends unknown[] = []> = S extends readonly [...infer RS, infer LS]
  ? T extends readonly [...infer RT, infer LT]
    ? SameDim<LS, LT> extends true
      ? StripSuffix<RS, RT, [LS, ...Q]>
      : [Q, S, T]
    : [Q, S, T]
  : [Q, S, T];

/**
 * The shape of `reshape(x: Tensor<S>, T)` where `S` and `T` begin and end with
 * the same dims (symbolic ones included) and the dims between them are
 * literals: those are reshaped by {@link ReshapeResult} (a `-1` among them
 * takes what they leave), the shared ones kept. `[B, T, 64]` to
 * `[B, T, -1, 8]` is `[B, T, 8, 8]`. Where the dims between do not fit, this
 * is {@link ReshapeResult} of the whole shapes (the error, for literal dims).
 * Like a leading `-1` beside a symbolic dim, this assumes the shared dims are
 * not 0 (a shared 0 makes the runtime resolve a `-1` to 0; `reshape` checks
 * literal shapes with `ReshapeResult` first). Runtime twin: `resolveReshape`.
 * @example
 * ```ts
 * type R = ReshapeKeepEnds<[2, 64, 5], [2, 8, -1, 5]>; // [2, 8, 8, 5]
 * ```
 * @public
 */
export type ReshapeKeepEnds<S extends Shape, T extends Shape> =
  StripPrefix<S, T> extends [infer P extends unknown[], infer RS extends Shape, infer RT extends Shape]
    ? StripSuffix<RS, RT> extends [infer Q extends unknown[], infer MS extends Shape, infer MT extends Shape]
      ? ReshapeResult<MS, MT> extends infer R
        ? R extends readonly unknown[]
          ? [...P, ...R, ...Q]
          : ReshapeResult<S, T> // the error for the whole shapes (for literal dims; deferred for symbolic ones)
        : never
      : never
    : never;

/** `true` when {@link ReshapeKeepEnds} gives a shape, `false` for its error (deferred while it cannot tell). @public */
export type ReshapeKeepEndsOk<S extends Shape, T extends Shape> = ReshapeKeepEnds<S, T> extends TypeError<string> ? false : true;

/**
 * `true` when `T` is `[-1, ...TR]`, `S` is `[X, ...R]`, and `R` and `TR` are
 * literal dims holding as many elements: the `-1` is exactly `X` (which may
 * be symbolic, assumed not 0).
 * @public
 */
export type ReshapeLeadOk<S extends Shape, T extends Shape> = S extends [unknown, ...infer R extends Shape]
  ? T extends [-1, ...infer TR extends Shape]
    ? [_ProductRev<R>, _ProductRev<TR>] extends [infer N extends string, infer M extends string]
      ? N extends M
        ? true
        : false
      : false
    : false
  : false;

/** The shape for {@link ReshapeLeadOk}: `[X, ...TR]`. @public */
export type ReshapeLead<S extends Shape, T extends Shape> = S extends [infer X extends number, ...unknown[]] ? (T extends [-1, ...infer TR extends Shape] ? [X, ...TR] : never) : never;

/** `true` when `S` is `any` (an untyped tensor). @public */
export type IsAnyShape<S> = 0 extends 1 & S ? true : false;

/**
 * The gate of a reshape overload for a source whose element count is not
 * known statically (a `number` dim, or a symbolic one): `[]`, or a list no
 * call matches when every dim of `S` is a literal (see {@link When}). (For a
 * symbolic dim the conditional stays deferred, and the compiler relates an
 * empty argument list to its second branch only, as for {@link UnknownCountOr}.)
 * @public
 */
export type WhenUnknownCount<S extends Shape> = _ProductRev<S> extends string ? [never, never, never] : [];

// ---------------------------------------------------------------- transpose

type Reverse<S extends readonly unknown[], Acc extends unknown[] = []> = S extends readonly [infer H, ...infer T] ? Reverse<T, [H, ...Acc]> : Acc;

/** The indices `0 … rank-1` of a tuple, as a union. */
type IndexUnion<S extends readonly unknown[], Acc extends unknown[] = [], U = never> = Acc['length'] extends S['length'] ? U : IndexUnion<S, [...Acc, unknown], U | Acc['length']>;

type IsPermutation<S extends readonly unknown[], P extends readonly unknown[]> = P['length'] extends S['length']
  ? [Exclude<IndexUnion<S>, P[number]>] extends [never]
    ? true
    : false
  : false;

/**
 * The shape after permuting axes by `P` (output axis `i` is input axis
 * `P[i]`; `undefined` reverses the axes), or the error for a `P` that is not
 * a permutation. Runtime twin: `perm.map((p) => shape[p])` after `checkPerm`.
 * @example
 * ```ts
 * type R = TransposeResult<[2, 3, 4], [0, 2, 1]>; // [2, 4, 3]
 * ```
 * @public
 */
export type TransposeResult<S extends Shape, P> =
  IsOpen<S> extends true
    ? number[]
    : [P] extends [undefined]
      ? Reverse<S>
      : P extends readonly unknown[]
        ? IsOpen<P> extends true
          ? Unknowns<S>
          : number extends P[number]
            ? Unknowns<S>
            : IsPermutation<S, P> extends true
              ? { -readonly [I in keyof P]: S[P[I] & keyof S] }
              : ShapeErrorType<`perm ${ShowShape<P>} is not a permutation of the ${S['length']} axes`>
        : number[];

/**
 * The shape after a transpose (see {@link TransposeResult}), or `never`.
 * @example
 * ```ts
 * type R = Transpose<[2, 3], undefined>; // [3, 2]
 * ```
 * @public
 */
export type Transpose<S extends Shape, P> = TransposeResult<S, P> extends infer R ? OkShape<R> : never;

/**
 * The readable transpose error (`never` when `P` is a permutation).
 * @public
 */
export type TransposeError<S extends Shape, P> = ErrorPart<TransposeResult<S, P>>;

// ---------------------------------------------------------------- concat, stack

/** Two dims that must be equal: the more precise one (boxed), or `Mismatch`. */
type UnifyDim<A, B> = SameDim<A, B> extends true ? [A] : Lit<A> extends true ? (Lit<B> extends true ? Mismatch : [A]) : [B];

/** Unifies two shapes dim by dim, except at `Skip` where `Join` combines them. */
type UnifyShapes<A extends readonly unknown[], B extends readonly unknown[], Skip, Acc extends unknown[] = []> = A extends readonly [infer HA, ...infer TA]
  ? B extends readonly [infer HB, ...infer TB]
    ? Acc['length'] extends Skip
      ? UnifyShapes<TA, TB, Skip, [...Acc, Add<HA & number, HB & number>]>
      : UnifyDim<HA, HB> extends [infer D]
        ? UnifyShapes<TA, TB, Skip, [...Acc, D]>
        : Mismatch
    : Mismatch
  : B extends readonly []
    ? Acc
    : Mismatch;

type ConcatFold<Acc extends readonly unknown[], Rest extends readonly unknown[], Ax, First extends Shape> = Rest extends readonly [infer X extends Shape, ...infer R]
  ? UnifyShapes<Acc, X, Ax> extends infer U
    ? U extends readonly unknown[]
      ? ConcatFold<U, R, Ax, First>
      : ShapeErrorType<`cannot concat ${ShowShape<First>} with ${ShowShape<X>} along axis ${Ax & number}`>
    : never
  : Acc;

/**
 * The shape of concatenating shapes `Ss` along axis `A` (negative counts from
 * the end): the axis dims add up (when literal), the others must agree. Or
 * the error: `shape error: cannot concat [2, 3] with [2, 4] along axis 0`.
 * Runtime twin: `concat`'s abstract evaluation.
 * @example
 * ```ts
 * type R = ConcatResult<[[2, 3], [1, 3]], 0>; // [3, 3]
 * ```
 * @public
 */
export type ConcatResult<Ss extends readonly Shape[], A = 0> = Ss extends readonly []
  ? ShapeErrorType<'concat needs at least one tensor'>
  : Ss extends readonly [infer F extends Shape, ...infer Rest extends readonly Shape[]]
    ? IsOpen<F> extends true
      ? number[]
      : NormAxis<A, F> extends infer Ax
        ? [Ax] extends [Mismatch]
          ? AxisError<A, F['length']>
          : number extends Ax
            ? Unknowns<F>
            : ConcatFold<{ -readonly [K in keyof F]: F[K] }, Rest, Ax, F>
        : never
    : number[];

/**
 * The shape of a concatenation (see {@link ConcatResult}), or `never`.
 * @example
 * ```ts
 * type R = Concat<[[2, 3], [2, 4]], 1>; // [2, 7]
 * ```
 * @public
 */
export type Concat<Ss extends readonly Shape[], A = 0> = ConcatResult<Ss, A> extends infer R ? OkShape<R> : never;

/**
 * The readable concat error (`never` when the shapes are fine).
 * @public
 */
export type ConcatError<Ss extends readonly Shape[], A = 0> = ErrorPart<ConcatResult<Ss, A>>;

type InsertAt<S extends readonly unknown[], At extends number, D> = [...TakeFirst<S, At>, D, ...DropFirst<S, At>];

type StackFold<Acc extends readonly unknown[], Rest extends readonly unknown[], First extends Shape> = Rest extends readonly [infer X extends Shape, ...infer R]
  ? UnifyShapes<Acc, X, never> extends infer U
    ? U extends readonly unknown[]
      ? StackFold<U, R, First>
      : ShapeErrorType<`cannot stack ${ShowShape<First>} with ${ShowShape<X>}: shapes differ`>
    : never
  : Acc;

/**
 * The shape of stacking shapes `Ss` (all equal) along a new axis `A` (in
 * `[-(rank+1), rank]`), or the error. Runtime twin: `stack`.
 * @example
 * ```ts
 * type R = StackResult<[[2, 3], [2, 3], [2, 3]], 1>; // [2, 3, 3]
 * ```
 * @public
 */
export type StackResult<Ss extends readonly Shape[], A = 0> = Ss extends readonly []
  ? ShapeErrorType<'stack needs at least one tensor'>
  : Ss extends readonly [infer F extends Shape, ...infer Rest extends readonly Shape[]]
    ? IsOpen<F> extends true
      ? number[]
      : StackFold<{ -readonly [K in keyof F]: F[K] }, Rest, F> extends infer U
        ? U extends readonly unknown[]
          ? NormAxis<A, [...F, unknown]> extends infer Ax
            ? [Ax] extends [Mismatch]
              ? AxisError<A, F['length']>
              : number extends Ax
                ? number[]
                : InsertAt<U, Ax & number, Ss['length']>
            : never
          : U
        : never
    : number[];

/**
 * The shape of a stack (see {@link StackResult}), or `never`.
 * @public
 */
export type Stack<Ss extends readonly Shape[], A = 0> = StackResult<Ss, A> extends infer R ? OkShape<R> : never;

// ---------------------------------------------------------------- slice

type SliceDim<D, B, Z> = Lit<Z> extends true
  ? { d: Z } extends { d: -1 }
    ? Lit<D> extends true
      ? Lit<B> extends true
        ? Sub<D & number, B & number> extends infer R
          ? [R] extends [never]
            ? Mismatch
            : ValidBegin<B> extends true
              ? R
              : Mismatch
          : never
        : number
      : number
    : `${Z & number}` extends `${bigint}`
      ? `${Z & number}` extends `-${string}`
        ? Mismatch
        : Lit<D> extends true
          ? Lit<B> extends true
            ? ValidBegin<B> extends true
              ? Compare<Add<B & number, Z & number>, D & number> extends 'gt'
                ? Mismatch
                : Z
              : Mismatch
            : Z
          : Z
      : Mismatch
  : number;

type ValidBegin<B> = `${B & number}` extends `${bigint}` ? (`${B & number}` extends `-${string}` ? false : true) : false;

type SliceDims<S extends readonly unknown[], B extends readonly unknown[], Z extends readonly unknown[], Acc extends unknown[] = []> = S extends readonly [infer HS, ...infer TS]
  ? B extends readonly [infer HB, ...infer TB]
    ? Z extends readonly [infer HZ, ...infer TZ]
      ? SliceDim<HS, HB, HZ> extends infer D
        ? [D] extends [Mismatch]
          ? Mismatch
          : SliceDims<TS, TB, TZ, [...Acc, D]>
        : never
      : Mismatch
    : Mismatch
  : Acc;

/**
 * The shape of `slice(x: Tensor<S>, begin: B, size: Z)` (TensorFlow.js
 * convention: the result is `size`, `-1` meaning to the end), or the error
 * when the block does not fit. Runtime twin: `resolveSlice`.
 * @example
 * ```ts
 * type R = SliceResult<[4, 5], [1, 2], [2, -1]>; // [2, 3]
 * ```
 * @public
 */
export type SliceResult<S extends Shape, B extends readonly number[], Z extends readonly number[]> =
  IsOpen<S> extends true
    ? number[]
    : IsOpen<Z> extends true
      ? Unknowns<S>
      : IsOpen<B> extends true
        ? FillMinusOne<Z, number>
        : B['length'] extends S['length']
          ? Z['length'] extends S['length']
            ? SliceDims<S, B, Z> extends infer R
              ? [R] extends [Mismatch]
                ? SliceError<S, B, Z>
                : R
              : never
            : SliceRankError<S, B, Z>
          : SliceRankError<S, B, Z>;

type SliceRankError<S extends Shape, B extends readonly number[], Z extends readonly number[]> = ShapeErrorType<`slice begin ${ShowShape<B>} and size ${ShowShape<Z>} must both have rank ${S['length']} (x ${ShowShape<S>})`>;

type SliceError<S extends Shape, B extends readonly number[], Z extends readonly number[]> = ShapeErrorType<`slice begin ${ShowShape<B>} size ${ShowShape<Z>} does not fit in ${ShowShape<S>}`>;

/** One dim of a slice's result, looking at the source dim only for a `-1` size from a non-zero begin. */
type SliceDimShape<D, B, Z> = Lit<Z> extends true
  ? { d: Z } extends { d: -1 }
    ? { d: B } extends { d: 0 }
      ? D
      : Lit<D> extends true
        ? Lit<B> extends true
          ? Sub<D & number, B & number>
          : number
        : number
    : Z
  : number;

/**
 * The shape a slice produces, without the bounds checks of
 * {@link SliceResult} (a signature checks those separately): `size`, with a
 * `-1` resolved to the rest of the axis. Symbolic source dims carry through
 * a full-axis slice (`begin` 0, `size` -1).
 * @public
 */
export type SliceShape<S extends Shape, B extends readonly number[], Z extends readonly number[]> = {
  -readonly [K in keyof S]: SliceDimShape<S[K], B[K & keyof B], Z[K & keyof Z]> & number;
};

/**
 * The shape of a slice (see {@link SliceResult}), or `never`.
 * @public
 */
export type Slice<S extends Shape, B extends readonly number[], Z extends readonly number[]> = SliceResult<S, B, Z> extends infer R ? OkShape<R> : never;

// ---------------------------------------------------------------- gather, expandDims, squeeze

/**
 * The shape of `take(x: Tensor<S>, indices: Tensor<I>, axis)`:
 * `S[:axis] ++ I ++ S[axis+1:]`, or the error for an axis out of range.
 * Runtime twin: `gatherShape`.
 * @example
 * ```ts
 * type R = GatherResult<[10, 4], [2, 3], 0>; // [2, 3, 4]
 * ```
 * @public
 */
export type GatherResult<S extends Shape, I extends Shape, A = 0> =
  IsOpen<S> extends true
    ? number[]
    : NormAxis<A, S> extends infer Ax
      ? [Ax] extends [Mismatch]
        ? AxisError<A, S['length']>
        : number extends Ax
          ? number[]
          : [...TakeFirst<S, Ax & number>, ...I, ...DropFirst<S, Add<Ax & number, 1>>]
      : never;

/**
 * The shape of a gather (see {@link GatherResult}), or `never`.
 * @public
 */
export type Gather<S extends Shape, I extends Shape, A = 0> = GatherResult<S, I, A> extends infer R ? OkShape<R> : never;

/**
 * The shape after inserting a size-1 axis at `A` (in `[-(rank+1), rank]`), or
 * the error. Runtime twin: `expandDims`.
 * @example
 * ```ts
 * type R = ExpandDimsResult<[2, 3], -1>; // [2, 3, 1]
 * ```
 * @public
 */
export type ExpandDimsResult<S extends Shape, A> =
  IsOpen<S> extends true
    ? number[]
    : NormAxis<A, [...S, unknown]> extends infer Ax
      ? [Ax] extends [Mismatch]
        ? ShapeErrorType<`axis ${A & number} is out of range for expanding a tensor of rank ${S['length']}`>
        : number extends Ax
          ? number[]
          : InsertAt<S, Ax & number, 1>
      : never;

/**
 * The shape after inserting a dim `D` at axis `A` (in `[-(rank+1), rank]`,
 * negative counting from the end of the result), as `vmap` places its batch
 * axis (`inAxes`, `outAxes`); `never` for an axis out of range, `number[]`
 * for a non-literal one.
 * @example
 * ```ts
 * type R = InsertDim<[2, 3], 1, 5>; // [2, 5, 3]
 * ```
 * @public
 */
export type InsertDim<S extends Shape, A, D> =
  IsOpen<S> extends true ? number[] : NormAxis<A, [...S, unknown]> extends infer Ax ? ([Ax] extends [Mismatch] ? never : number extends Ax ? number[] : InsertAt<S, Ax & number, D>) : never;

/**
 * The shape after `expandDims` (see {@link ExpandDimsResult}), or `never`.
 * @public
 */
export type ExpandDims<S extends Shape, A> = ExpandDimsResult<S, A> extends infer R ? OkShape<R> : never;

type SqueezeAll<S extends readonly unknown[], Acc extends unknown[] = []> = S extends readonly [infer H, ...infer T]
  ? { d: H } extends { d: 1 }
    ? SqueezeAll<T, Acc>
    : Lit<H> extends true
      ? SqueezeAll<T, [...Acc, H]>
      : number[]
  : Acc;

type SqueezeAxes<S extends readonly unknown[], Axes, Acc extends unknown[] = [], I extends unknown[] = []> = S extends readonly [infer H, ...infer T]
  ? I['length'] extends Axes
    ? { d: H } extends { d: 1 }
      ? SqueezeAxes<T, Axes, Acc, [...I, unknown]>
      : Lit<H> extends true
        ? Mismatch
        : SqueezeAxes<T, Axes, Acc, [...I, unknown]>
    : SqueezeAxes<T, Axes, [...Acc, H], [...I, unknown]>
  : Acc;

/**
 * The shape after removing size-1 axes: every one (`A` undefined; a
 * non-literal dim makes the result `number[]`), or the listed axes, each of
 * which must have size 1. Runtime twin: `squeeze`.
 * @example
 * ```ts
 * type R = SqueezeResult<[1, 3, 1], undefined>; // [3]
 * type Q = SqueezeResult<[1, 3, 1], -1>;       // [1, 3]
 * ```
 * @public
 */
export type SqueezeResult<S extends Shape, A = undefined> =
  IsOpen<S> extends true
    ? number[]
    : [A] extends [undefined]
      ? SqueezeAll<S>
      : (A extends readonly unknown[] ? A : [A]) extends infer As extends readonly unknown[]
        ? IsOpen<As> extends true
          ? number[]
          : SqueezeListed<S, As>
        : never;

type SqueezeListed<S extends Shape, As extends readonly unknown[]> =
  NormAxes<As, S> extends infer N
    ? [N] extends [never]
      ? { -readonly [I in keyof S]: S[I] }
      : [N] extends [[Mismatch, infer Bad]]
        ? AxisError<Bad, S['length']>
        : [N] extends [[Duplicate, infer Twice]]
          ? ShapeErrorType<`axis ${Twice & number} appears twice among the squeezed axes`>
          : number extends N
          ? number[]
          : SqueezeAxes<S, N> extends infer R
            ? [R] extends [Mismatch]
              ? ShapeErrorType<`cannot squeeze axes ${ShowShape<As>} of ${ShowShape<S>}: only size-1 axes can be removed`>
              : R
            : never
    : never;

/**
 * The shape after `squeeze` (see {@link SqueezeResult}), or `never`.
 * @public
 */
export type Squeeze<S extends Shape, A = undefined> = SqueezeResult<S, A> extends infer R ? OkShape<R> : never;
