/**
 * Errors thrown by fluxion at run time. Each names the op (or tensor), what
 * was expected and what was found.
 */

/**
 * A shape mismatch found at run time: names the op, the operands' shapes and
 * what was expected.
 * @public
 */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
  constructor(readonly op: string, detail: string) {
    super(`shape error in ${op}: ${detail}`);
  }
}

/**
 * A dtype mismatch found at run time (for example an `int32` tensor where a
 * `float32` one is required).
 * @public
 */
export class DtypeError extends Error {
  override readonly name = 'DtypeError';
  constructor(readonly op: string, detail: string) {
    super(`dtype error in ${op}: ${detail}`);
  }
}

/**
 * Thrown when code asks for the concrete value of a tensor that only has an
 * abstract value (inside `jit` or `makeIR`), for example to branch on it.
 * @public
 */
export class ConcretizationError extends Error {
  override readonly name = 'ConcretizationError';
  constructor(what: string) {
    super(
      `${what} needs a concrete value, but this tensor is abstract (traced by jit/makeIR). ` +
        'Branch with fx.cond(pred, onTrue, onFalse, operands) and loop with fx.whileLoop / fx.fori / fx.scan ' +
        'instead of plain if/while on traced values, or compute the value outside jit.',
    );
  }
}

/**
 * A misuse of a transformation: a tracer that escaped its transformation, a
 * non-scalar output under `grad`, a missing derivative rule.
 * @public
 */
export class TransformError extends Error {
  override readonly name = 'TransformError';
}

/**
 * Reading a value that differs between the examples of a `vmap` (a
 * TransformError to the caller). `cond` and `whileLoop` catch it to stage a
 * per-example predicate instead of reading it.
 */
export class BatchedValueError extends TransformError {}

/**
 * A synchronous read the current backend cannot do (webgpu in Node); the
 * message names the asynchronous alternative.
 * @public
 */
export class ReadbackError extends Error {
  override readonly name = 'ReadbackError';
}

/** Formats a shape as `[2, 3]` for messages. */
export function showShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** `word` with its indefinite article for messages: `an int32`, `a float32`, `an IO`. */
export function withArticle(word: string): string {
  return `${/^[aeiouAEIOU]/.test(word) ? 'an' : 'a'} ${word}`;
}
