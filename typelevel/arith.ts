/**
 * Type-level arithmetic on dims: sums (concat), products (reshape element
 * counts), differences and quotients (slice, reshape with `-1`).
 *
 * Numbers are handled as decimal digit strings, least significant digit
 * first (`784` is `'487'`), with the carries looked up in digit tables. This
 * costs a few instantiations per digit, so products of realistic shapes
 * (`60000 · 28 · 28`) stay far from TypeScript's recursion limits, where
 * tuple-length arithmetic would fail above about 10^4.
 */

/** One decimal digit. */
type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';

/** `[low digit, carry]` of a digit product, indexed `[a][b]`. */
type MulTable = {
  '0': [['0', '0'], ['0', '0'], ['0', '0'], ['0', '0'], ['0', '0'], ['0', '0'], ['0', '0'], ['0', '0'], ['0', '0'], ['0', '0']];
  '1': [['0', '0'], ['1', '0'], ['2', '0'], ['3', '0'], ['4', '0'], ['5', '0'], ['6', '0'], ['7', '0'], ['8', '0'], ['9', '0']];
  '2': [['0', '0'], ['2', '0'], ['4', '0'], ['6', '0'], ['8', '0'], ['0', '1'], ['2', '1'], ['4', '1'], ['6', '1'], ['8', '1']];
  '3': [['0', '0'], ['3', '0'], ['6', '0'], ['9', '0'], ['2', '1'], ['5', '1'], ['8', '1'], ['1', '2'], ['4', '2'], ['7', '2']];
  '4': [['0', '0'], ['4', '0'], ['8', '0'], ['2', '1'], ['6', '1'], ['0', '2'], ['4', '2'], ['8', '2'], ['2', '3'], ['6', '3']];
  '5': [['0', '0'], ['5', '0'], ['0', '1'], ['5', '1'], ['0', '2'], ['5', '2'], ['0', '3'], ['5', '3'], ['0', '4'], ['5', '4']];
  '6': [['0', '0'], ['6', '0'], ['2', '1'], ['8', '1'], ['4', '2'], ['0', '3'], ['6', '3'], ['2', '4'], ['8', '4'], ['4', '5']];
  '7': [['0', '0'], ['7', '0'], ['4', '1'], ['1', '2'], ['8', '2'], ['5', '3'], ['2', '4'], ['9', '4'], ['6', '5'], ['3', '6']];
  '8': [['0', '0'], ['8', '0'], ['6', '1'], ['4', '2'], ['2', '3'], ['0', '4'], ['8', '4'], ['6', '5'], ['4', '6'], ['2', '7']];
  '9': [['0', '0'], ['9', '0'], ['8', '1'], ['7', '2'], ['6', '3'], ['5', '4'], ['4', '5'], ['3', '6'], ['2', '7'], ['1', '8']];
};

/** `[low digit, carry]` of a digit sum. */
type AddTable = {
  '0': [['0', '0'], ['1', '0'], ['2', '0'], ['3', '0'], ['4', '0'], ['5', '0'], ['6', '0'], ['7', '0'], ['8', '0'], ['9', '0']];
  '1': [['1', '0'], ['2', '0'], ['3', '0'], ['4', '0'], ['5', '0'], ['6', '0'], ['7', '0'], ['8', '0'], ['9', '0'], ['0', '1']];
  '2': [['2', '0'], ['3', '0'], ['4', '0'], ['5', '0'], ['6', '0'], ['7', '0'], ['8', '0'], ['9', '0'], ['0', '1'], ['1', '1']];
  '3': [['3', '0'], ['4', '0'], ['5', '0'], ['6', '0'], ['7', '0'], ['8', '0'], ['9', '0'], ['0', '1'], ['1', '1'], ['2', '1']];
  '4': [['4', '0'], ['5', '0'], ['6', '0'], ['7', '0'], ['8', '0'], ['9', '0'], ['0', '1'], ['1', '1'], ['2', '1'], ['3', '1']];
  '5': [['5', '0'], ['6', '0'], ['7', '0'], ['8', '0'], ['9', '0'], ['0', '1'], ['1', '1'], ['2', '1'], ['3', '1'], ['4', '1']];
  '6': [['6', '0'], ['7', '0'], ['8', '0'], ['9', '0'], ['0', '1'], ['1', '1'], ['2', '1'], ['3', '1'], ['4', '1'], ['5', '1']];
  '7': [['7', '0'], ['8', '0'], ['9', '0'], ['0', '1'], ['1', '1'], ['2', '1'], ['3', '1'], ['4', '1'], ['5', '1'], ['6', '1']];
  '8': [['8', '0'], ['9', '0'], ['0', '1'], ['1', '1'], ['2', '1'], ['3', '1'], ['4', '1'], ['5', '1'], ['6', '1'], ['7', '1']];
  '9': [['9', '0'], ['0', '1'], ['1', '1'], ['2', '1'], ['3', '1'], ['4', '1'], ['5', '1'], ['6', '1'], ['7', '1'], ['8', '1']];
};

/** `[low digit, borrow]` of a digit difference. */
type SubTable = {
  '0': [['0', '0'], ['9', '1'], ['8', '1'], ['7', '1'], ['6', '1'], ['5', '1'], ['4', '1'], ['3', '1'], ['2', '1'], ['1', '1']];
  '1': [['1', '0'], ['0', '0'], ['9', '1'], ['8', '1'], ['7', '1'], ['6', '1'], ['5', '1'], ['4', '1'], ['3', '1'], ['2', '1']];
  '2': [['2', '0'], ['1', '0'], ['0', '0'], ['9', '1'], ['8', '1'], ['7', '1'], ['6', '1'], ['5', '1'], ['4', '1'], ['3', '1']];
  '3': [['3', '0'], ['2', '0'], ['1', '0'], ['0', '0'], ['9', '1'], ['8', '1'], ['7', '1'], ['6', '1'], ['5', '1'], ['4', '1']];
  '4': [['4', '0'], ['3', '0'], ['2', '0'], ['1', '0'], ['0', '0'], ['9', '1'], ['8', '1'], ['7', '1'], ['6', '1'], ['5', '1']];
  '5': [['5', '0'], ['4', '0'], ['3', '0'], ['2', '0'], ['1', '0'], ['0', '0'], ['9', '1'], ['8', '1'], ['7', '1'], ['6', '1']];
  '6': [['6', '0'], ['5', '0'], ['4', '0'], ['3', '0'], ['2', '0'], ['1', '0'], ['0', '0'], ['9', '1'], ['8', '1'], ['7', '1']];
  '7': [['7', '0'], ['6', '0'], ['5', '0'], ['4', '0'], ['3', '0'], ['2', '0'], ['1', '0'], ['0', '0'], ['9', '1'], ['8', '1']];
  '8': [['8', '0'], ['7', '0'], ['6', '0'], ['5', '0'], ['4', '0'], ['3', '0'], ['2', '0'], ['1', '0'], ['0', '0'], ['9', '1']];
  '9': [['9', '0'], ['8', '0'], ['7', '0'], ['6', '0'], ['5', '0'], ['4', '0'], ['3', '0'], ['2', '0'], ['1', '0'], ['0', '0']];
};

/** `[digit + 1, carry]` and `[digit - 1, borrow]`. */
type Inc = { '0': ['1', '0']; '1': ['2', '0']; '2': ['3', '0']; '3': ['4', '0']; '4': ['5', '0']; '5': ['6', '0']; '6': ['7', '0']; '7': ['8', '0']; '8': ['9', '0']; '9': ['0', '1'] };
type Dec = { '0': ['9', '1']; '1': ['0', '0']; '2': ['1', '0']; '3': ['2', '0']; '4': ['3', '0']; '5': ['4', '0']; '6': ['5', '0']; '7': ['6', '0']; '8': ['7', '0']; '9': ['8', '0'] };

type Bit = '0' | '1';

/** Reverses a string (tail-recursive). */
type Rev<S extends string, Acc extends string = ''> = S extends `${infer H}${infer T}` ? Rev<T, `${H}${Acc}`> : Acc;

/** True when `S` is a non-empty string of decimal digits. */
type AllDigits<S extends string> = S extends `${Digit}${infer T}` ? (T extends '' ? true : AllDigits<T>) : false;

/** Drops high-order zeros (trailing, in reversed form), keeping `'0'` for zero. */
type Norm<R extends string> = R extends `${infer X}0` ? (X extends '' ? '0' : Norm<X>) : R;

type AddWithCarry<P extends [string, string], C extends Bit> = C extends '0'
  ? P
  : Inc[P[0] & Digit] extends [infer S extends string, infer C2 extends string]
  ? [S, P[1] extends '1' ? '1' : C2]
  : never;

/** Sum of two reversed digit strings. */
type AddRev<A extends string, B extends string, C extends Bit = '0', Acc extends string = ''> = A extends `${infer a extends Digit}${infer AR}`
  ? B extends `${infer b extends Digit}${infer BR}`
  ? AddWithCarry<AddTable[a][b], C> extends [infer S extends string, infer C2 extends Bit]
    ? AddRev<AR, BR, C2, `${Acc}${S}`>
    : never
  : C extends '1'
    ? AddRev<A, '1', '0', Acc>
    : `${Acc}${A}`
  : B extends ''
  ? C extends '1'
    ? `${Acc}1`
    : Acc
  : AddRev<B, '', C, Acc>;

/** Product of a reversed digit string and one digit: the low digits plus the carries shifted by one. */
type MulDigitRev<A extends string, d extends Digit, Lo extends string = '', Hi extends string = '0'> = A extends `${infer a extends Digit}${infer AR}`
  ? MulDigitRev<AR, d, `${Lo}${MulTable[a][d][0]}`, `${Hi}${MulTable[a][d][1]}`>
  : AddRev<Lo, Hi>;

/** Product of two reversed digit strings (schoolbook); multiplying by 1 is free. */
type MulRev<A extends string, B extends string> = A extends '1' ? B : B extends '1' ? A : MulRevLoop<A, B>;

type MulRevLoop<A extends string, B extends string, Shift extends string = '', Acc extends string = '0'> = B extends `${infer b extends Digit}${infer BR}`
  ? MulRevLoop<A, BR, `${Shift}0`, AddRev<Acc, `${Shift}${MulDigitRev<A, b>}`>>
  : Norm<Acc>;

type SubWithBorrow<P extends [string, string], C extends Bit> = C extends '0'
  ? P
  : Dec[P[0] & Digit] extends [infer S extends string, infer C2 extends string]
  ? [S, P[1] extends '1' ? '1' : C2]
  : never;

/** Difference `A - B` of reversed digit strings, or `never` when it is negative. */
type SubRev<A extends string, B extends string, C extends Bit = '0', Acc extends string = ''> = A extends `${infer a extends Digit}${infer AR}`
  ? B extends `${infer b extends Digit}${infer BR}`
  ? SubWithBorrow<SubTable[a][b], C> extends [infer S extends string, infer C2 extends Bit]
    ? SubRev<AR, BR, C2, `${Acc}${S}`>
    : never
  : C extends '1'
    ? SubRev<A, '1', '0', Acc>
    : Norm<`${Acc}${A}`>
  : B extends ''
  ? C extends '1'
    ? never
    : Norm<Acc>
  : never;

type DigitOrder<a extends string, b extends string> = a extends b ? 'eq' : '0123456789' extends `${string}${a}${string}${b}${string}` ? 'lt' : 'gt';

/** Compares two normalized reversed digit strings: `'lt' | 'eq' | 'gt'`. */
type CmpRev<A extends string, B extends string, State extends string = 'eq'> = A extends `${infer a}${infer AR}`
  ? B extends `${infer b}${infer BR}`
  ? CmpRev<AR, BR, DigitOrder<a, b> extends 'eq' ? State : DigitOrder<a, b>>
  : 'gt'
  : B extends ''
  ? State
  : 'lt';

/** The largest digit `q` with `D · q <= R`, and the remainder: `[q, R - D·q]`. */
type QuotientDigit<R extends string, D extends string, Q extends Digit[] = ['9', '8', '7', '6', '5', '4', '3', '2', '1', '0']> = Q extends [
  infer q extends Digit,
  ...infer QR extends Digit[],
]
  ? Norm<MulDigitRev<D, q>> extends infer P extends string
  ? CmpRev<P, R> extends 'gt'
    ? QuotientDigit<R, D, QR>
    : [q, SubRev<R, P>]
  : never
  : never;

/** Long division of a reversed dividend (read most significant digit first) by a reversed divisor: `[quotient, remainder]`. */
type DivRev<Msb extends string, D extends string, R extends string = '0', Q extends string = ''> = Msb extends `${infer d}${infer Rest}`
  ? QuotientDigit<Norm<`${d}${R}`>, D> extends [infer q extends string, infer R2 extends string]
  ? DivRev<Rest, D, R2, `${q}${Q}`>
  : never
  : [Norm<Q>, R];

/** Reversed digits of a literal non-negative integer, or `never` (for `number`, negatives, fractions, `1e21`). */
type ToRev<N> = N extends number ? (number extends N ? never : AllDigits<`${N}`> extends true ? Rev<`${N}`> : never) : never;

/** `[reversed A, reversed B]` when both are literal non-negative integers, else `null`. */
type Literals<A, B> = [ToRev<A>] extends [never] ? null : [ToRev<B>] extends [never] ? null : [ToRev<A>, ToRev<B>];

/** A reversed digit string back to a number literal. */
type FromRev<R extends string> = Rev<R> extends `${infer N extends number}` ? N : never;

/**
 * `A + B` for literal non-negative integers; `number` when either is not a literal.
 * @example
 * ```ts
 * type S = Add<784, 216>; // 1000
 * ```
 * @public
 */
export type Add<A extends number, B extends number> = Literals<A, B> extends [infer RA extends string, infer RB extends string] ? FromRev<AddRev<RA, RB>> : number;

/**
 * `A - B` for literal non-negative integers (`never` when negative); `number` when either is not a literal.
 * @public
 */
export type Sub<A extends number, B extends number> = Literals<A, B> extends [infer RA extends string, infer RB extends string] ? FromRev<SubRev<RA, RB>> : number;

/**
 * `A · B` for literal non-negative integers; `number` when either is not a literal.
 * @example
 * ```ts
 * type P = Mul<784, 128>; // 100352
 * ```
 * @public
 */
export type Mul<A extends number, B extends number> = Literals<A, B> extends [infer RA extends string, infer RB extends string] ? FromRev<MulRev<RA, RB>> : number;

/**
 * `A / B` for literal non-negative integers when `B` divides `A` (`never` when
 * it does not, or `B` is 0); `number` when either is not a literal.
 * @public
 */
export type Div<A extends number, B extends number> = Literals<A, B> extends [infer RA extends string, infer RB extends string]
  ? RB extends '0'
  ? never
  : DivRev<Rev<RA>, RB> extends [infer Q extends string, '0']
    ? FromRev<Q>
    : never
  : number;

/**
 * Compares literal non-negative integers: `'lt' | 'eq' | 'gt'`; `'unknown'` when either is not a literal.
 * @public
 */
export type Compare<A extends number, B extends number> = Literals<A, B> extends [infer RA extends string, infer RB extends string] ? CmpRev<RA, RB> : 'unknown';

/**
 * The number of elements of a shape as a literal when every dim is a literal,
 * otherwise `number`.
 * @example
 * ```ts
 * type N = Product<[2, 3, 4]>; // 24
 * ```
 * @public
 */
export type Product<S extends readonly number[]> = ProductRev<S> extends infer R extends string ? FromRev<R> : number;

/** Reversed digits of the element count, or `null` when a dim is not a literal. */
type ProductRev<S extends readonly unknown[], Acc extends string = '1'> = S extends readonly [infer H, ...infer T]
  ? [ToRev<H>] extends [never]
  ? null
  : ProductRev<T, MulRev<Acc, ToRev<H>>>
  : number extends S['length']
  ? null
  : Acc;

/** @internal */
export type { ProductRev as _ProductRev, ToRev as _ToRev, FromRev as _FromRev, AddRev as _AddRev, SubRev as _SubRev, CmpRev as _CmpRev, DivRev as _DivRev, Rev as _Rev };
