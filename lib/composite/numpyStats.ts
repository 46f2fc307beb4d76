/**
 * The NumPy/JAX surface, part 5: statistics that skip NaNs (`nanvar`,
 * `nanstd`, `nanprod`, `nancumsum`, `nancumprod`, `nanargmax`, `nanargmin`,
 * `nanmedian`, `nanquantile`, `nanpercentile`), `quantile`/`percentile`/
 * `median` with a list of `q` and NumPy's five interpolation methods,
 * histograms (`histogram`, `histogramBinEdges`, `histogram2d`), `sinc`,
 * `trapezoid`, `polyval`, and the small shape helpers `flipud`, `fliplr`,
 * `dsplit`. Composites of primitives, so `jvp`, `grad`, `vmap` and `jit` come
 * from the primitives' rules.
 */
import type { Dtype, Shape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { scoped } from '../core/memory.js';
import { tensor } from '../core/creation.js';
import { Tensor, type AnyTensor } from '../core/tensor.js';
import { abs } from '../primitives/abs.js';
import { add } from '../primitives/add.js';
import { argmax } from '../primitives/argmax.js';
import { argmin } from '../primitives/argmin.js';
import { cast } from '../primitives/cast.js';
import { cumsum } from '../primitives/cumsum.js';
import { normalizeAxis, requireDtype } from '../primitives/define.js';
import { div } from '../primitives/div.js';
import { equal } from '../primitives/equal.js';
import { take } from '../primitives/gather.js';
import { greaterEqual } from '../primitives/greaterEqual.js';
import { less } from '../primitives/less.js';
import { lessEqual } from '../primitives/lessEqual.js';
import { max } from '../primitives/max.js';
import { maximum } from '../primitives/maximum.js';
import { min } from '../primitives/min.js';
import { mul } from '../primitives/mul.js';
import { pow } from '../primitives/pow.js';
import { prod } from '../primitives/prod.js';
import { reshape } from '../primitives/reshape.js';
import { sin } from '../primitives/sin.js';
import { slice } from '../primitives/slice.js';
import { sort } from '../primitives/sort.js';
import { sub } from '../primitives/sub.js';
import { reduceAxes, sum } from '../primitives/sum.js';
import { transpose } from '../primitives/transpose.js';
import { where } from '../primitives/where.js';
import { flip, split, takeAlongAxis } from './arrays.js';
import { all, cumprod, isnan, type MomentOptions } from './math.js';
import { logicalAnd, logicalNot } from './extras.js';
import { bincount, searchsorted } from './search.js';
import { stack } from './stack.js';

type T = AnyTensor;

// ---------------------------------------------------------------- sinc

/** Below this |πx| sinc uses its Maclaurin series (error < 3e-9 there), so every derivative at 0 is right. */
const SINC_SERIES = 0.5;

/**
 * The normalized sinc function `sin(πx) / (πx)`, with `sinc(0) = 1`
 * (`jnp.sinc`). Near 0 it is evaluated by its Maclaurin series, so its
 * derivatives of every order are right there too (`sinc'(0) = 0`,
 * `sinc''(0) = −π²/3`), as JAX's.
 * @example
 * ```ts
 * fx.sinc(fx.tensor([0, 0.5, 1])); // [1, 0.6366, 0]
 * ```
 * @public
 */
export function sinc<S extends Shape>(x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('sinc', 'x', x, ['float32']);
    const y = mul(x as T, Math.PI);
    const small = less(abs(y), SINC_SERIES);
    // The far branch on a safe argument (never 0), so neither branch of the where makes a NaN cotangent.
    const safe = where(small, 1, y);
    const far = div(sin(safe), safe);
    const y2 = mul(y, y);
    // 1 − y²/6 + y⁴/120 − y⁶/5040 + y⁸/362880, by Horner in y².
    let near: T = add(mul(y2, 1 / 362880), -1 / 5040);
    near = add(mul(near, y2), 1 / 120);
    near = add(mul(near, y2), -1 / 6);
    near = add(mul(near, y2), 1);
    return where(small, near, far) as never;
  });
}

// ---------------------------------------------------------------- NaN-skipping reductions

/** `x` with its NaNs replaced by `fill`, and the not-NaN mask. */
function withoutNan(op: string, x: Tensor<Shape, 'float32'>, fill: number): [T, T] {
  requireDtype(op, 'x', x, ['float32']);
  const ok = logicalNot(isnan(x as T)) as T;
  return [where(ok, x as T, fill), ok];
}

/**
 * The variance ignoring NaNs (`jnp.nanvar`): `Σ (x − nanmean)² / (count − ddof)`
 * over the entries that are not NaN; NaN where `count − ddof ≤ 0` (an
 * all-NaN slice). NaN entries get a zero derivative.
 * @example
 * ```ts
 * fx.nanvar(fx.tensor([1, NaN, 3])); // 1
 * ```
 * @public
 */
export function nanvar(x: Tensor<Shape, 'float32'>, axis?: number | readonly number[], keepDims = false, options: MomentOptions = {}): Tensor<number[], 'float32'> {
  return scoped(() => {
    const [clean, ok] = withoutNan('nanvar', x, 0);
    const axes = reduceAxes('nanvar', x.rank, axis as number | number[] | undefined);
    const count = sum(cast(ok, 'float32'), axes, true);
    const mean = div(sum(clean, axes, true), maximum(count, 1));
    const centered = where(ok, sub(clean, mean), 0);
    const dof = sub(sum(cast(ok, 'float32'), axes, keepDims), options.ddof ?? 0);
    const empty = lessEqual(dof, 0);
    const ss = sum(mul(centered, centered), axes, keepDims);
    return where(empty, NaN, div(ss, where(empty, 1, dof))) as never;
  });
}

/**
 * The standard deviation ignoring NaNs (`jnp.nanstd`): `√nanvar`, with the
 * same `axis`, `keepDims` and `ddof`.
 * @example
 * ```ts
 * fx.nanstd(fx.tensor([1, NaN, 3])); // 1
 * ```
 * @public
 */
export function nanstd(x: Tensor<Shape, 'float32'>, axis?: number | readonly number[], keepDims = false, options: MomentOptions = {}): Tensor<number[], 'float32'> {
  return scoped(() => pow(nanvar(x, axis, keepDims, options) as T, 0.5) as never);
}

/**
 * The product ignoring NaNs (`jnp.nanprod`): NaNs count as 1.
 * @example
 * ```ts
 * fx.nanprod(fx.tensor([2, NaN, 3])); // 6
 * ```
 * @public
 */
export function nanprod(x: Tensor<Shape, 'float32'>, axis?: number | readonly number[], keepDims = false): Tensor<number[], 'float32'> {
  return scoped(() => prod(withoutNan('nanprod', x, 1)[0], axis as never, keepDims) as never);
}

/**
 * Running sums ignoring NaNs (`jnp.nancumsum`): NaNs count as 0; with no
 * axis the tensor is flattened first.
 * @example
 * ```ts
 * fx.nancumsum(fx.tensor([1, NaN, 2])); // [1, 1, 3]
 * ```
 * @public
 */
export function nancumsum(x: Tensor<Shape, 'float32'>, axis?: number): Tensor<number[], 'float32'> {
  return scoped(() => {
    const clean = withoutNan('nancumsum', x, 0)[0];
    return (axis === undefined ? cumsum(reshape(clean, [clean.size])) : cumsum(clean, axis as never)) as never;
  });
}

/**
 * Running products ignoring NaNs (`jnp.nancumprod`): NaNs count as 1; with
 * no axis the tensor is flattened first.
 * @example
 * ```ts
 * fx.nancumprod(fx.tensor([2, NaN, 3])); // [2, 2, 6]
 * ```
 * @public
 */
export function nancumprod(x: Tensor<Shape, 'float32'>, axis?: number): Tensor<number[], 'float32'> {
  return scoped(() => cumprod(withoutNan('nancumprod', x, 1)[0] as never, axis as never) as never);
}

function nanArg(op: 'nanargmax' | 'nanargmin', x: Tensor<Shape, 'float32'>, axis: number | undefined, keepDims: boolean): T {
  return scoped(() => {
    const [clean, ok] = withoutNan(op, x, op === 'nanargmax' ? -Infinity : Infinity);
    const idx = (op === 'nanargmax' ? argmax : argmin)(clean as never, axis as never, keepDims) as T;
    const axes = axis === undefined ? undefined : normalizeAxis(op, axis, x.rank);
    const allNan = all(logicalNot(ok) as never, axes as never, keepDims) as T;
    return where(allNan, -1, idx);
  });
}

/**
 * The index of the largest entry ignoring NaNs (`jnp.nanargmax`), over
 * `axis` (the flattened tensor when omitted); −1 for an all-NaN slice, as
 * JAX. int32.
 * @example
 * ```ts
 * fx.nanargmax(fx.tensor([1, NaN, 3, 2])); // 2
 * ```
 * @public
 */
export function nanargmax(x: Tensor<Shape, 'float32'>, axis?: number, keepDims = false): Tensor<number[], 'int32'> {
  return nanArg('nanargmax', x, axis, keepDims) as never;
}

/**
 * The index of the smallest entry ignoring NaNs (`jnp.nanargmin`); −1 for an
 * all-NaN slice, as JAX. int32.
 * @example
 * ```ts
 * fx.nanargmin(fx.tensor([NaN, 3, 1])); // 2
 * ```
 * @public
 */
export function nanargmin(x: Tensor<Shape, 'float32'>, axis?: number, keepDims = false): Tensor<number[], 'int32'> {
  return nanArg('nanargmin', x, axis, keepDims) as never;
}

// ---------------------------------------------------------------- quantiles

/** How a quantile between two ranks is chosen (NumPy's and JAX's `method`). @public */
export type QuantileMethod = 'linear' | 'lower' | 'higher' | 'midpoint' | 'nearest';

/** Options of `quantile`, `percentile`, `median` and their NaN-skipping forms. @public */
export interface QuantileOptions {
  /**
   * `'linear'` (default) interpolates between the two nearest ranks;
   * `'lower'`/`'higher'` take the rank below/above; `'midpoint'` averages
   * them; `'nearest'` takes the nearer rank (ties to the even rank, as NumPy).
   */
  readonly method?: QuantileMethod;
}

const METHODS: readonly QuantileMethod[] = ['linear', 'lower', 'higher', 'midpoint', 'nearest'];

/** Round half to even, on the host. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** The two ranks and the weight of the upper one for quantile `q` of `count` sorted values (float64, as NumPy). */
function ranks(q: number, count: number, method: QuantileMethod): [number, number, number] {
  if (count === 0) return [0, 0, 0];
  const pos = q * (count - 1);
  const lo = Math.floor(pos);
  const up = Math.ceil(pos);
  switch (method) {
    case 'linear':
      return [lo, Math.min(lo + 1, count - 1), pos - lo];
    case 'lower':
      return [lo, lo, 0];
    case 'higher':
      return [up, up, 0];
    case 'midpoint':
      return [lo, up, lo === up ? 0 : 0.5];
    case 'nearest': {
      const r = roundHalfEven(pos);
      return [r, r, 0];
    }
  }
}

/**
 * Quantiles of `x` over `axis` (a number, a list, or all axes), one per entry
 * of `qs`, stacked on a new leading axis when `q` is a list. With `skipNan`,
 * each slice uses only its entries that are not NaN (the rank tables are
 * indexed by that count); otherwise a slice with a NaN gives NaN.
 */
function quantileCore(
  op: string,
  x: Tensor<Shape, 'float32'>,
  q: number | readonly number[],
  scale: number,
  axis: number | readonly number[] | undefined,
  keepDims: boolean,
  options: QuantileOptions,
  skipNan: boolean,
): T {
  return scoped(() => {
    requireDtype(op, 'x', x, ['float32']);
    const method = options.method ?? 'linear';
    if (!METHODS.includes(method)) throw new ShapeError(op, `method must be one of ${METHODS.join(', ')}, got ${JSON.stringify(method)}`);
    const list = typeof q !== 'number';
    const qs = (list ? [...(q as readonly number[])] : [q as number]).map((v) => v / scale);
    if (list && qs.length === 0) throw new ShapeError(op, 'q must hold at least one value');
    for (const v of qs) {
      if (!(v >= 0 && v <= 1)) throw new ShapeError(op, `q must be in [0, ${scale}], got ${v * scale}`);
    }
    const axes = reduceAxes(op, x.rank, axis as number | number[] | undefined);
    const kept = [...x.shape.keys()].filter((i) => !axes.includes(i));
    const lead = kept.map((i) => x.shape[i]!);
    const n = axes.reduce((s, a) => s * x.shape[a]!, 1);
    if (n === 0) throw new ShapeError(op, `the reduced axes of x ${showShape(x.shape)} are empty`);
    const moved = transpose(x as T, [...kept, ...axes]);
    const sorted = sort(reshape(moved, [...lead, n]), -1); // NaN last
    const last = lead.length;
    const outs: T[] = [];
    if (!skipNan) {
      const anyNan = isnan(take(sorted, n - 1, last as never) as T);
      for (const v of qs) {
        const [lo, hi, w] = ranks(v, n, method);
        const at = (i: number) => take(sorted, i, last as never) as T;
        const value = w === 0 ? at(lo) : add(mul(at(lo), 1 - w), mul(at(hi), w));
        outs.push(where(anyNan, NaN, value));
      }
    } else {
      const count = sum(cast(logicalNot(isnan(sorted)), 'int32'), -1, true); // [...lead, 1]
      for (const v of qs) {
        const table = [0, 1, 2].map(() => new Array<number>(n + 1));
        for (let c = 0; c <= n; c++) {
          const r = ranks(v, c, method);
          for (let j = 0; j < 3; j++) table[j]![c] = r[j]!;
        }
        const lo = take(tensor(table[0]!, 'int32') as T, count as never) as T;
        const hi = take(tensor(table[1]!, 'int32') as T, count as never) as T;
        const w = take(tensor(table[2]!) as T, count as never) as T;
        const at = (i: T) => takeAlongAxis(sorted as never, i as never, last) as T;
        const value = reshape(add(mul(at(lo), sub(1, w)), mul(at(hi), w)), lead);
        outs.push(where(reshape(equal(count, 0), lead), NaN, value));
      }
    }
    const shaped = outs.map((o) => (keepDims ? reshape(o, x.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : o));
    return list ? (stack(shaped as never, 0) as T) : shaped[0]!;
  });
}

/**
 * The `q`-th quantile (q in [0, 1], a number or a list) over `axis` (a
 * number, a list, or all axes when omitted), as `jnp.quantile`. A list of
 * `q` puts the quantiles on a new leading axis. `method` as NumPy's
 * (default `'linear'`). A slice holding a NaN gives NaN (see
 * {@link nanquantile}). Differentiable through the sort: the gradient goes
 * to the one or two ranked entries.
 * @example
 * ```ts
 * fx.quantile(fx.tensor([1, 2, 3, 4]), 0.5);          // 2.5
 * fx.quantile(fx.tensor([1, 2, 3, 4]), [0, 0.5, 1]);  // [1, 2.5, 4]
 * fx.quantile(fx.tensor([1, 2, 3, 4]), 0.5, undefined, false, { method: 'lower' }); // 2
 * ```
 * @public
 */
export function quantile(x: Tensor<Shape, 'float32'>, q: number | readonly number[], axis?: number | readonly number[], keepDims = false, options: QuantileOptions = {}): Tensor<number[], 'float32'> {
  return quantileCore('quantile', x, q, 1, axis, keepDims, options, false) as never;
}

/**
 * The `q`-th percentile (q in [0, 100], a number or a list), as
 * `jnp.percentile`: `quantile(x, q / 100, …)`.
 * @example
 * ```ts
 * fx.percentile(fx.tensor([1, 2, 3, 4, 5]), [25, 75]); // [2, 4]
 * ```
 * @public
 */
export function percentile(x: Tensor<Shape, 'float32'>, q: number | readonly number[], axis?: number | readonly number[], keepDims = false, options: QuantileOptions = {}): Tensor<number[], 'float32'> {
  return quantileCore('percentile', x, q, 100, axis, keepDims, options, false) as never;
}

/**
 * The median over `axis` (`jnp.median`): `quantile(x, 0.5, axis)`.
 * @example
 * ```ts
 * fx.median(fx.tensor([3, 1, 2])); // 2
 * ```
 * @public
 */
export function median(x: Tensor<Shape, 'float32'>, axis?: number | readonly number[], keepDims = false): Tensor<number[], 'float32'> {
  return quantileCore('median', x, 0.5, 1, axis, keepDims, {}, false) as never;
}

/**
 * The `q`-th quantile ignoring NaNs (`jnp.nanquantile`): each slice uses its
 * entries that are not NaN; NaN for an all-NaN slice. Same `q`, `axis`,
 * `keepDims` and `method` as {@link quantile}.
 * @example
 * ```ts
 * fx.nanquantile(fx.tensor([1, NaN, 3]), 0.5); // 2
 * ```
 * @public
 */
export function nanquantile(x: Tensor<Shape, 'float32'>, q: number | readonly number[], axis?: number | readonly number[], keepDims = false, options: QuantileOptions = {}): Tensor<number[], 'float32'> {
  return quantileCore('nanquantile', x, q, 1, axis, keepDims, options, true) as never;
}

/**
 * The `q`-th percentile ignoring NaNs (`jnp.nanpercentile`), q in [0, 100].
 * @example
 * ```ts
 * fx.nanpercentile(fx.tensor([1, NaN, 3]), 50); // 2
 * ```
 * @public
 */
export function nanpercentile(x: Tensor<Shape, 'float32'>, q: number | readonly number[], axis?: number | readonly number[], keepDims = false, options: QuantileOptions = {}): Tensor<number[], 'float32'> {
  return quantileCore('nanpercentile', x, q, 100, axis, keepDims, options, true) as never;
}

/**
 * The median ignoring NaNs (`jnp.nanmedian`); NaN for an all-NaN slice.
 * @example
 * ```ts
 * fx.nanmedian(fx.tensor([[1, NaN, 3], [NaN, NaN, 2]]), 1); // [2, 2]
 * ```
 * @public
 */
export function nanmedian(x: Tensor<Shape, 'float32'>, axis?: number | readonly number[], keepDims = false): Tensor<number[], 'float32'> {
  return quantileCore('nanmedian', x, 0.5, 1, axis, keepDims, {}, true) as never;
}

// ---------------------------------------------------------------- histograms

/** Bins: a count of equal-width bins, or increasing edges (a 1-D float32 tensor). @public */
export type Bins = number | Tensor<[number], 'float32'>;

/** Options of `histogram` and `histogram2d`. @public */
export interface HistogramOptions {
  /** The lower and upper range of the bins (default: the data's min and max; widened by ±0.5 when they are equal). */
  readonly range?: readonly [number, number];
  /** A weight per entry of `a` (same shape); the bins sum the weights instead of counting. */
  readonly weights?: Tensor<Shape, 'float32'>;
  /** Normalize so the histogram integrates to 1 over the range (counts / width / total). */
  readonly density?: boolean;
}

function binEdges(op: string, a: T, bins: Bins, range: readonly [number, number] | undefined): T {
  if (bins instanceof Tensor) {
    if (bins.rank !== 1 || bins.dtype !== 'float32' || bins.shape[0]! < 2) {
      throw new ShapeError(op, `bins must be a count or a 1-D float32 tensor of at least 2 edges, got ${bins.dtype} ${showShape(bins.shape)}`);
    }
    return bins as T;
  }
  if (!Number.isInteger(bins) || bins < 1) throw new ShapeError(op, `bins must be a positive integer, got ${bins}`);
  const steps = tensor(Array.from({ length: bins + 1 }, (_, i) => i / bins)) as T;
  if (range !== undefined) {
    const [lo, hi] = range;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) throw new ShapeError(op, `range must be two finite numbers [lo, hi] with lo <= hi, got [${lo}, ${hi}]`);
    const [l, h] = lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
    // l·(1 − s) + h·s is exactly l and h at the ends (so the extreme values are counted).
    return tensor(Array.from({ length: bins + 1 }, (_, i) => l * (1 - i / bins) + h * (i / bins))) as T;
  }
  if (a.size === 0) return steps; // NumPy's range (0, 1) for empty data
  let lo = min(a);
  let hi = max(a);
  const same = equal(lo, hi);
  lo = where(same, sub(lo, 0.5), lo);
  hi = where(same, add(hi, 0.5), hi);
  // lo·(1 − s) + hi·s: exactly the data's min and max at the ends, so they are counted.
  return add(mul(lo, sub(1, steps)), mul(hi, steps));
}

/**
 * The bin index (0 … edges − 2) of each entry, or −1 outside the edges:
 * `edges[i] ≤ a < edges[i+1]`, the last bin closed on the right (NumPy's rule).
 */
function binIndex(a: T, edges: T): T {
  const n = edges.shape[0]!;
  const right = searchsorted(edges as never, a as never, 'right') as T; // 1 … n inside
  const last = take(edges, n - 1) as T;
  const idx = sub(where(equal(a, last), n - 1, right), 1);
  return where(logicalAnd(greaterEqual(idx, 0), less(idx, n - 1)), idx, -1);
}

/**
 * The bin edges `histogram` would use (`jnp.histogram_bin_edges`): `bins + 1`
 * equal steps over `range` (default: the data's min and max), or the given
 * edges.
 * @example
 * ```ts
 * fx.histogramBinEdges(fx.tensor([1, 2, 5]), 4); // [1, 2, 3, 4, 5]
 * ```
 * @public
 */
export function histogramBinEdges(a: Tensor<Shape, 'float32'>, bins: Bins = 10, range?: readonly [number, number]): Tensor<[number], 'float32'> {
  return scoped(() => {
    requireDtype('histogramBinEdges', 'a', a, ['float32']);
    return binEdges('histogramBinEdges', reshape(a as T, [a.size]), bins, range) as never;
  });
}

/**
 * A histogram of the flattened `a` (`jnp.histogram`): returns
 * `[counts, edges]`, counts float32 (sums of `weights` when given; divided
 * by width and total with `density`). Bins are half-open `[e_i, e_{i+1})`
 * except the last, which includes its right edge; entries outside the
 * edges (and NaNs) are not counted. Differentiable in `weights`, not in `a`
 * (the counts are piecewise constant).
 * @example
 * ```ts
 * const [counts, edges] = fx.histogram(fx.tensor([0, 1, 1, 2, 3]), 3);
 * // counts [1, 2, 2], edges [0, 1, 2, 3]
 * ```
 * @public
 */
export function histogram(a: Tensor<Shape, 'float32'>, bins: Bins = 10, options: HistogramOptions = {}): [Tensor<[number], 'float32'>, Tensor<[number], 'float32'>] {
  return scoped(() => {
    requireDtype('histogram', 'a', a, ['float32']);
    const flat = reshape(a as T, [a.size]);
    const edges = binEdges('histogram', flat, bins, options.range);
    const w = flatWeights('histogram', a, options.weights);
    const nb = edges.shape[0]! - 1;
    let counts = toFloat32(bincount(cast(binIndex(flat, edges), 'int32') as never, nb, w as never) as T);
    if (options.density) {
      const widths = sub(slice(edges, [1], [nb]), slice(edges, [0], [nb]));
      counts = div(div(counts, widths), sum(counts));
    }
    return [counts, edges] as never;
  });
}

function flatWeights(op: string, a: Tensor<Shape, 'float32'>, weights: Tensor<Shape, 'float32'> | undefined): T | undefined {
  if (weights === undefined) return undefined;
  if (showShape(weights.shape) !== showShape(a.shape) || weights.dtype !== 'float32') {
    throw new ShapeError(op, `weights must be float32 with a's shape ${showShape(a.shape)}, got ${weights.dtype} ${showShape(weights.shape)}`);
  }
  return reshape(weights as T, [weights.size]);
}

function toFloat32(x: T): T {
  return x.dtype === 'float32' ? x : cast(x, 'float32');
}

/**
 * A two-dimensional histogram of the points `(x[i], y[i])`
 * (`jnp.histogram2d`): returns `[counts, xEdges, yEdges]` with counts of
 * shape `[nx, ny]`. `bins` is one value for both axes or a pair; `range`,
 * when given, is `[[xlo, xhi], [ylo, yhi]]`.
 * @example
 * ```ts
 * const [h] = fx.histogram2d(fx.tensor([0, 1, 1]), fx.tensor([0, 0, 1]), 2);
 * // h [[1, 0], [1, 1]]
 * ```
 * @public
 */
export function histogram2d(
  x: Tensor<[number], 'float32'>,
  y: Tensor<[number], 'float32'>,
  bins: Bins | readonly [Bins, Bins] = 10,
  options: { readonly range?: readonly [readonly [number, number], readonly [number, number]]; readonly weights?: Tensor<[number], 'float32'>; readonly density?: boolean } = {},
): [Tensor<[number, number], 'float32'>, Tensor<[number], 'float32'>, Tensor<[number], 'float32'>] {
  return scoped(() => {
    requireDtype('histogram2d', 'x', x, ['float32']);
    requireDtype('histogram2d', 'y', y, ['float32']);
    if (x.rank !== 1 || showShape(x.shape) !== showShape(y.shape)) throw new ShapeError('histogram2d', `x and y must be 1-D of one length, got ${showShape(x.shape)} and ${showShape(y.shape)}`);
    const [bx, by] = Array.isArray(bins) ? (bins as readonly [Bins, Bins]) : [bins as Bins, bins as Bins];
    const ex = binEdges('histogram2d', x as T, bx, options.range?.[0]);
    const ey = binEdges('histogram2d', y as T, by, options.range?.[1]);
    const [nx, ny] = [ex.shape[0]! - 1, ey.shape[0]! - 1];
    const ix = binIndex(x as T, ex);
    const iy = binIndex(y as T, ey);
    const inside = logicalAnd(greaterEqual(ix, 0), greaterEqual(iy, 0));
    const flat = where(inside, add(mul(ix, ny), iy), -1);
    const w = flatWeights('histogram2d', x, options.weights);
    let counts = toFloat32(bincount(cast(flat, 'int32') as never, nx * ny, w as never) as T);
    counts = reshape(counts, [nx, ny]);
    if (options.density) {
      const wx = reshape(sub(slice(ex, [1], [nx]), slice(ex, [0], [nx])), [nx, 1]);
      const wy = reshape(sub(slice(ey, [1], [ny]), slice(ey, [0], [ny])), [1, ny]);
      counts = div(div(counts, mul(wx, wy)), sum(counts));
    }
    return [counts, ex, ey] as never;
  });
}

// ---------------------------------------------------------------- integration and polynomials

/**
 * The trapezoidal rule along `axis` (`jnp.trapezoid`, formerly `trapz`):
 * `Σ (y[i] + y[i+1]) / 2 · Δx_i`, with sample points `x` (1-D, the axis
 * length) or a constant spacing `dx`.
 * @example
 * ```ts
 * fx.trapezoid(fx.tensor([1, 2, 3])); // 4
 * fx.trapezoid(fx.tensor([1, 2, 3]), fx.tensor([0, 1, 3])); // 6.5
 * ```
 * @public
 */
export function trapezoid(y: Tensor<Shape, 'float32'>, x?: Tensor<[number], 'float32'>, dx = 1, axis = -1): Tensor<number[], 'float32'> {
  return scoped(() => {
    requireDtype('trapezoid', 'y', y, ['float32']);
    const ax = normalizeAxis('trapezoid', axis, y.rank);
    const n = y.shape[ax]!;
    if (n < 2) return mul(sum(y as T, ax), 0) as never;
    const part = (start: number) => slice(y as T, y.shape.map((_, i) => (i === ax ? start : 0)), y.shape.map((d, i) => (i === ax ? n - 1 : d)));
    const mid = mul(add(part(0), part(1)), 0.5);
    if (x === undefined) return mul(sum(mid, ax), dx) as never;
    if (x.rank !== 1 || x.shape[0] !== n) throw new ShapeError('trapezoid', `x must be 1-D of length ${n} (axis ${ax} of y ${showShape(y.shape)}), got ${showShape(x.shape)}`);
    const d = sub(slice(x as T, [1], [n - 1]), slice(x as T, [0], [n - 1]));
    const dShape = y.shape.map((_, i) => (i === ax ? n - 1 : 1));
    return sum(mul(mid, reshape(d, dShape)), ax) as never;
  });
}

/**
 * Evaluates the polynomial with coefficients `p` (highest degree first) at
 * `x` by Horner's rule (`jnp.polyval`). Differentiable in `p` and `x`.
 * @example
 * ```ts
 * fx.polyval(fx.tensor([1, 0, -2]), fx.tensor([0, 2])); // x² − 2: [-2, 2]
 * ```
 * @public
 */
export function polyval<S extends Shape>(p: Tensor<[number], 'float32'>, x: Tensor<S, 'float32'>): Tensor<S, 'float32'> {
  return scoped(() => {
    requireDtype('polyval', 'p', p, ['float32']);
    requireDtype('polyval', 'x', x, ['float32']);
    if (p.rank !== 1) throw new ShapeError('polyval', `p must be 1-D (highest degree first), got ${showShape(p.shape)}`);
    let y: T = mul(x as T, 0);
    for (let i = 0; i < p.shape[0]!; i++) y = add(mul(y, x as T), take(p as T, i) as T);
    return y as never;
  });
}

// ---------------------------------------------------------------- small shape helpers

/**
 * Reverses axis 0 (`jnp.flipud`).
 * @example
 * ```ts
 * fx.flipud(fx.tensor([[1, 2], [3, 4]])); // [[3, 4], [1, 2]]
 * ```
 * @public
 */
export function flipud<S extends Shape, D extends Dtype>(x: Tensor<S, D>): Tensor<S, D> {
  if (x.rank < 1) throw new ShapeError('flipud', `x must have rank >= 1, got ${showShape(x.shape)}`);
  return flip(x, 0);
}

/**
 * Reverses axis 1 (`jnp.fliplr`).
 * @example
 * ```ts
 * fx.fliplr(fx.tensor([[1, 2], [3, 4]])); // [[2, 1], [4, 3]]
 * ```
 * @public
 */
export function fliplr<S extends Shape, D extends Dtype>(x: Tensor<S, D>): Tensor<S, D> {
  if (x.rank < 2) throw new ShapeError('fliplr', `x must have rank >= 2, got ${showShape(x.shape)}`);
  return flip(x, 1);
}

/**
 * Splits along axis 2 (`jnp.dsplit`), as `split(x, sections, 2)`.
 * @example
 * ```ts
 * fx.dsplit(fx.zeros([1, 1, 4]), 2).map((t) => t.shape); // [[1, 1, 2], [1, 1, 2]]
 * ```
 * @public
 */
export function dsplit<S extends Shape, D extends Dtype>(x: Tensor<S, D>, sections: number | readonly number[]): Tensor<number[], D>[] {
  if (x.rank < 3) throw new ShapeError('dsplit', `x must have rank >= 3, got ${showShape(x.shape)}`);
  return split(x, sections, 2);
}
