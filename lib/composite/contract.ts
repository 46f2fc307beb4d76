/**
 * Tensor contractions of the NumPy/JAX surface: `tensordot`, `matvec`,
 * `vecmat` and `einsum`. Each lowers to transposes, reshapes and one
 * (batched) `matmul`, so contractions run on the fast matmul kernels and
 * differentiate through matmul's rules.
 */
import type { Dim, Shape } from '../../typelevel/index.js';
import { ShapeError, showShape } from '../core/errors.js';
import { sizeOf, type AnyTensor, type Tensor } from '../core/tensor.js';
import { normalizeAxis, requireDtype } from '../primitives/define.js';
import { broadcastTo } from '../primitives/broadcastTo.js';
import { matmul } from '../primitives/matmul.js';
import { reshape } from '../primitives/reshape.js';
import { sum } from '../primitives/sum.js';
import { transpose } from '../primitives/transpose.js';
import { diagonal } from './arrays.js';
import { scoped } from '../core/memory.js';

/**
 * Sums products over the given axes of `a` and `b` (`jnp.tensordot`):
 * `axes = n` contracts the last `n` axes of `a` with the first `n` of `b`
 * (default 2); `axes = [axesOfA, axesOfB]` pairs them explicitly. The result
 * has `a`'s free axes, then `b`'s.
 * @example
 * ```ts
 * fx.tensordot(fx.ones([2, 3, 4]), fx.ones([3, 4, 5]));            // shape [2, 5], all 12
 * fx.tensordot(fx.ones([2, 3]), fx.ones([3, 2]), [[0], [1]]);       // shape [3, 3]
 * ```
 * @public
 */
export function tensordot(a: Tensor<Shape, 'float32'>, b: Tensor<Shape, 'float32'>, axes: number | readonly [readonly number[], readonly number[]] = 2): Tensor<number[], 'float32'> {
  return scoped(() => {
    requireDtype('tensordot', 'a', a, ['float32']);
    requireDtype('tensordot', 'b', b, ['float32']);
    let axA: number[];
    let axB: number[];
    if (typeof axes === 'number') {
      if (!Number.isInteger(axes) || axes < 0 || axes > a.rank || axes > b.rank) {
        throw new ShapeError('tensordot', `axes = ${axes} must be an integer in [0, ${Math.min(a.rank, b.rank)}] for a ${showShape(a.shape)} and b ${showShape(b.shape)}`);
      }
      axA = [...Array(axes).keys()].map((i) => a.rank - axes + i);
      axB = [...Array(axes).keys()];
    } else {
      axA = axes[0].map((x) => normalizeAxis('tensordot', x, a.rank));
      axB = axes[1].map((x) => normalizeAxis('tensordot', x, b.rank));
      if (axA.length !== axB.length) throw new ShapeError('tensordot', `${axA.length} axes of a paired with ${axB.length} axes of b`);
    }
    axA.forEach((x, i) => {
      if (a.shape[x] !== b.shape[axB[i]!]) {
        throw new ShapeError('tensordot', `axis ${x} of a (${a.shape[x]}) and axis ${axB[i]} of b (${b.shape[axB[i]!]}) differ (a ${showShape(a.shape)}, b ${showShape(b.shape)})`);
      }
    });
    const freeA = [...Array(a.rank).keys()].filter((i) => !axA.includes(i));
    const freeB = [...Array(b.rank).keys()].filter((i) => !axB.includes(i));
    const k = sizeOf(axA.map((i) => a.shape[i]!));
    const shapeA = freeA.map((i) => a.shape[i]!);
    const shapeB = freeB.map((i) => b.shape[i]!);
    const a2 = reshape(transpose(a as AnyTensor, [...freeA, ...axA]), [sizeOf(shapeA), k]);
    const b2 = reshape(transpose(b as AnyTensor, [...axB, ...freeB]), [k, sizeOf(shapeB)]);
    return reshape(matmul(a2, b2), [...shapeA, ...shapeB]);
  });
}

/**
 * Matrix-vector products over the last axes with broadcast batch axes
 * (`jnp.matvec`): `[..., M, N] · [..., N] → [..., M]`.
 * @example
 * ```ts
 * fx.matvec(fx.tensor([[1, 2], [3, 4]]), fx.tensor([1, 1])); // [3, 7]
 * ```
 * @public
 */
export function matvec<Bt extends Dim[], M extends Dim, N extends Dim>(a: Tensor<[...Bt, M, N], 'float32'>, v: Tensor<[...Bt, NoInfer<N>], 'float32'>): Tensor<[...Bt, M], 'float32'>;
/** @public */
export function matvec(a: Tensor<Shape, 'float32'>, v: Tensor<Shape, 'float32'>): Tensor<number[], 'float32'>;
export function matvec(a: AnyTensor, v: AnyTensor): AnyTensor {
  return scoped(() => {
    if (a.rank < 2 || v.rank < 1) throw new ShapeError('matvec', `needs a matrix and a vector, got a ${showShape(a.shape)} and v ${showShape(v.shape)}`);
    const col = reshape(v, [...v.shape, 1]);
    const out = matmul(a, col);
    return reshape(out, out.shape.slice(0, -1));
  });
}

/**
 * Vector-matrix products over the last axes with broadcast batch axes
 * (`jnp.vecmat`; real values, so no conjugation): `[..., M] · [..., M, N] → [..., N]`.
 * @example
 * ```ts
 * fx.vecmat(fx.tensor([1, 1]), fx.tensor([[1, 2], [3, 4]])); // [4, 6]
 * ```
 * @public
 */
export function vecmat<Bt extends Dim[], M extends Dim, N extends Dim>(v: Tensor<[...Bt, M], 'float32'>, a: Tensor<[...Bt, NoInfer<M>, N], 'float32'>): Tensor<[...Bt, N], 'float32'>;
/** @public */
export function vecmat(v: Tensor<Shape, 'float32'>, a: Tensor<Shape, 'float32'>): Tensor<number[], 'float32'>;
export function vecmat(v: AnyTensor, a: AnyTensor): AnyTensor {
  return scoped(() => {
    if (a.rank < 2 || v.rank < 1) throw new ShapeError('vecmat', `needs a vector and a matrix, got v ${showShape(v.shape)} and a ${showShape(a.shape)}`);
    const row = reshape(v, [...v.shape.slice(0, -1), 1, v.shape[v.rank - 1]!]);
    const out = matmul(row, a);
    return reshape(out, [...out.shape.slice(0, -2), out.shape[out.rank - 1]!]);
  });
}

// ---------------------------------------------------------------- einsum

interface Term {
  labels: string[];
  x: AnyTensor;
}

function parseLabels(op: string, text: string): string[] {
  const labels = [...text];
  labels.forEach((c) => {
    if (!/^[a-zA-Z]$/.test(c)) throw new ShapeError(op, `einsum labels must be letters, got ${JSON.stringify(c)} in ${JSON.stringify(text)}`);
  });
  return labels;
}

/** Takes the diagonal for a label repeated within one operand, until each label appears once. */
function collapseRepeats(t: Term): Term {
  for (;;) {
    const i = t.labels.findIndex((l, j) => t.labels.indexOf(l) !== j);
    if (i < 0) return t;
    const first = t.labels.indexOf(t.labels[i]!);
    if (t.x.shape[first] !== t.x.shape[i]) {
      throw new ShapeError('einsum', `label ${t.labels[i]} has sizes ${t.x.shape[first]} and ${t.x.shape[i]} in one operand`);
    }
    const x = diagonal(t.x, 0, first, i) as AnyTensor;
    const labels = [...t.labels.filter((_, j) => j !== first && j !== i), t.labels[i]!];
    t = { labels, x };
  }
}

/** Sums out the labels in `drop`. */
function sumOut(t: Term, drop: (l: string) => boolean): Term {
  const axes = t.labels.map((l, i) => (drop(l) ? i : -1)).filter((i) => i >= 0);
  if (axes.length === 0) return t;
  return { labels: t.labels.filter((l) => !drop(l)), x: sum(t.x, axes) };
}

/** Moves a term's axes into the order of `labels` (all present). */
function arrange(t: Term, labels: readonly string[]): AnyTensor {
  return transpose(t.x, labels.map((l) => t.labels.indexOf(l)));
}

/**
 * Einstein summation (`jnp.einsum`), lowered to
 * diagonals, sums, transposes, reshapes and one batched `matmul`: labels
 * in both operands and the output are batch axes, labels in both operands
 * but not the output are contracted, a label repeated within one operand
 * takes its diagonal. Without `->` the output is the labels that appear
 * once, in alphabetical order (after the `...` axes). Three or more operands
 * are contracted pairwise from the left. `...` stands for the
 * remaining axes of an operand, broadcast between operands as NumPy.
 * @example
 * ```ts
 * fx.einsum('ij,jk->ik', a, b);  // matmul
 * fx.einsum('bij,bjk->bik', a, b); // batched matmul
 * fx.einsum('ii->', m);           // trace
 * fx.einsum('ij->ji', m);         // transpose
 * fx.einsum('...ij,...jk->...ik', a, b); // batched matmul, any batch rank
 * ```
 * @public
 */
export function einsum(spec: string, ...operands: Tensor<Shape, 'float32'>[]): Tensor<number[], 'float32'> {
  return scoped(() => {
    const compact = spec.replace(/\s+/g, '');
    const [lhs, rhs] = compact.split('->') as [string, string | undefined];
    const inputs = lhs.split(',');
    if (inputs.length !== operands.length) throw new ShapeError('einsum', `${JSON.stringify(spec)} names ${inputs.length} operand(s) but ${operands.length} were given`);
    if (operands.length < 1) throw new ShapeError('einsum', 'needs at least one operand');
    // Ellipsis: each '...' stands for the operand's leftover axes, aligned from the right (NumPy
    // broadcasting) and named by letters the spec does not use.
    const used = new Set(compact.replace(/[^a-zA-Z]/g, ''));
    const spare = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'].filter((c) => !used.has(c));
    const ellipsisRank = Math.max(0, ...inputs.map((text, i) => (text.includes('...') ? operands[i]!.rank - text.replace('...', '').length : 0)));
    if (ellipsisRank > spare.length) throw new ShapeError('einsum', `too many axes under '...' in ${JSON.stringify(spec)}`);
    const ellipsisLabels = spare.slice(0, ellipsisRank);
    const expand = (text: string, rank: number): string => {
      if (!text.includes('...')) return text;
      const r = rank - text.replace('...', '').length;
      if (r < 0) throw new ShapeError('einsum', `${JSON.stringify(text)} names more axes than the operand's ${rank}`);
      return text.replace('...', ellipsisLabels.slice(ellipsisRank - r).join(''));
    };
    const terms: Term[] = inputs.map((text, i) => {
      const x = operands[i]! as AnyTensor;
      requireDtype('einsum', `operand ${i}`, x, ['float32']);
      const labels = parseLabels('einsum', expand(text, x.rank));
      if (labels.length !== x.rank) throw new ShapeError('einsum', `operand ${i} has shape ${showShape(x.shape)} but ${JSON.stringify(text)} names ${labels.length} axes`);
      return { labels, x };
    });
    const sizes = new Map<string, number>();
    terms.forEach((t, i) =>
      t.labels.forEach((l, j) => {
        const d = t.x.shape[j]!;
        const seen = sizes.get(l);
        const broadcastable = ellipsisLabels.includes(l) && (seen === 1 || d === 1);
        if (seen !== undefined && seen !== d && !broadcastable) throw new ShapeError('einsum', `label ${l} has size ${seen} and ${d} (operand ${i})`);
        sizes.set(l, seen === undefined || seen === 1 ? d : seen);
      }),
    );
    // Size-1 ellipsis axes broadcast against the other operand.
    for (const t of terms) {
      const want = t.labels.map((l) => sizes.get(l)!);
      if (want.some((d, j) => d !== t.x.shape[j])) t.x = broadcastTo(t.x, want);
    }
    const counts = new Map<string, number>();
    terms.forEach((t) => t.labels.forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1)));
    const out =
      rhs === undefined
        ? [...ellipsisLabels, ...[...counts.keys()].filter((l) => counts.get(l) === 1 && !ellipsisLabels.includes(l)).sort()]
        : parseLabels('einsum', rhs.includes('...') ? rhs.replace('...', ellipsisLabels.join('')) : rhs);
    out.forEach((l) => {
      if (!sizes.has(l)) throw new ShapeError('einsum', `output label ${l} appears in no operand`);
    });
    if (new Set(out).size !== out.length) throw new ShapeError('einsum', `output labels repeat in ${JSON.stringify(rhs)}`);

    const collapsed = terms.map(collapseRepeats);
    // Three or more operands: contract left to right, keeping the labels that the output or a later operand needs.
    while (collapsed.length > 2) {
      const [first, second, ...rest] = collapsed as [Term, Term, ...Term[]];
      const needed = new Set([...out, ...rest.flatMap((r) => r.labels)]);
      const keep = [...new Set([...first.labels, ...second.labels])].filter((l) => needed.has(l));
      collapsed.splice(0, 2, { labels: keep, x: contractPair(first, second, keep, sizes) });
    }
    const [t0, t1] = collapsed as [Term, Term | undefined];
    if (!t1) return arrange(sumOut(t0, (l) => !out.includes(l)), out) as never;
    return contractPair(t0, t1, out, sizes) as never;
  });
}

/** Contracts two terms (each label at most once per term) into the labels `out`, via one batched matmul. */
function contractPair(first: Term, second: Term, out: readonly string[], sizes: ReadonlyMap<string, number>): AnyTensor {
  let [t0, t1] = [first, second];
  // Labels only in one operand and not in the output are summed out first.
  t0 = sumOut(t0, (l) => !out.includes(l) && !t1!.labels.includes(l));
  t1 = sumOut(t1, (l) => !out.includes(l) && !t0.labels.includes(l));
  const batch = t0.labels.filter((l) => t1!.labels.includes(l) && out.includes(l));
  const contract = t0.labels.filter((l) => t1!.labels.includes(l) && !out.includes(l));
  const free0 = t0.labels.filter((l) => !t1!.labels.includes(l));
  const free1 = t1.labels.filter((l) => !t0.labels.includes(l));
  const size = (ls: readonly string[]) => sizeOf(ls.map((l) => sizes.get(l)!));
  const a = reshape(arrange(t0, [...batch, ...free0, ...contract]), [size(batch), size(free0), size(contract)]);
  const b = reshape(arrange(t1, [...batch, ...contract, ...free1]), [size(batch), size(contract), size(free1)]);
  const product = reshape(matmul(a, b), [...batch, ...free0, ...free1].map((l) => sizes.get(l)!));
  return arrange({ labels: [...batch, ...free0, ...free1], x: product }, out);
}

