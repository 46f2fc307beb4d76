/**
 * Forward mode. A `JvpTracer` pairs a primal value with its tangent (or
 * `null`, a symbolic zero). The JVP trace interprets each primitive with the
 * primitive's own `jvp` rule; the rule computes with ordinary ops on primals
 * and tangents, which live at lower levels, so rules compose to any order.
 */
import { TransformError } from '../core/errors.js';
import type { MaybeZero, Params, Primitive } from '../core/primitive.js';
import type { Releasable } from '../core/scope.js';
import { Tensor } from '../core/tensor.js';
import { bind, escapedTracerError, Trace, Tracer } from '../core/trace.js';
import { hasObservers, onTangentCut } from '../core/hooks.js';

export class JvpTracer extends Tracer {
  constructor(
    readonly _trace: JvpTrace,
    readonly primal: Tensor,
    readonly tangent: MaybeZero,
  ) {
    super({ shape: primal.shape, dtype: primal.dtype });
  }
  _concrete(what: string) {
    if (!this._trace.main.active && this.primal.isDisposed) throw escapedTracerError(this._trace);
    return this.primal._concrete(what);
  }
  _afterTrace(): Tensor {
    return this.primal;
  }
  override _retain(): void {
    this.primal._retain();
    this.tangent?._retain();
  }
  override _release(): void {
    this.primal._release();
    this.tangent?._release();
  }
  override _reach(into: Set<Releasable>): void {
    this.primal._reach(into);
    this.tangent?._reach(into);
  }
}

export class JvpTrace extends Trace {
  readonly transformName = 'grad/vjp/jvp/linearize';
  lift(x: Tensor): JvpTracer {
    return new JvpTracer(this, x, null);
  }

  process(prim: Primitive, inputs: Tracer[], params: Params): Tensor[] {
    const n = inputs.length;
    const primals: Tensor[] = new Array(n);
    const tangents: MaybeZero[] = new Array(n);
    let anyTangent = false;
    for (let i = 0; i < n; i++) {
      const t = inputs[i] as JvpTracer;
      primals[i] = t.primal;
      tangents[i] = t.tangent;
      if (t.tangent !== null) anyTangent = true;
    }
    if (!anyTangent) {
      // Symbolic zeros: nothing to differentiate, evaluate at the lower level.
      return bind(prim, primals, params);
    }
    if (!prim.jvp) throw new TransformError(`no forward-mode (jvp) rule for primitive '${prim.name}'`);
    const [outs, outTangents] = prim.jvp(primals, tangents, params);
    if (hasObservers() && outTangents.every((t) => t === null)) onTangentCut(prim, tangents);
    return outs.map((o, i) => (outTangents[i] ? new JvpTracer(this, o, outTangents[i]!) : o));
  }

  /** Splits a value returned from the traced function into primal and tangent. */
  unpack(x: Tensor): [Tensor, MaybeZero] {
    if (x instanceof JvpTracer && x._trace === this) return [x.primal, x.tangent];
    return [x, null];
  }
}
