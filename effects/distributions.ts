/**
 * More distributions for the `Random` effect, after `jax.random`: each is a
 * program `Eff<'Random', Tensor>` (in `random`) and a pure function of a key
 * (in `keyedMore`). Random words come from `fx.random.bits` (Threefry, on the
 * host), so every backend draws bit-identical samples.
 *
 * Continuous samplers are reparameterized where JAX's are: the noise is drawn
 * on the host and the parameters enter through ordinary ops, so `fx.grad`
 * gives pathwise gradients (`laplace`, `logistic`, `cauchy`, `lognormal`,
 * `exponential`, `rayleigh`, `pareto`, `weibullMin`, `triangular`,
 * `doubleSidedMaxwell`, `multivariateNormal`). `gamma` (and `beta`,
 * `dirichlet`, built on it) uses implicit reparameterization, as JAX's
 * `random.gamma`: d sample / d α = −(∂F/∂α) / p, with the gamma CDF F
 * evaluated in float64 on the host (first-order derivatives; α must be
 * concrete, i.e. not traced by `jit`). Discrete samplers (`randint`,
 * `poisson`, `geometric`, `rademacher`, `choice`, `permutation`) return
 * int32 tensors (NoDiff).
 */
import type { Shape } from '../typelevel/index.js';
import { ShapeError, showShape } from '../lib/core/errors.js';
import { Tensor, sizeOf, type AnyTensor } from '../lib/core/tensor.js';
import { broadcastShapes } from '../lib/primitives/define.js';
import { bits, fold, type Key } from '../lib/random/keys.js';
import { threefry2x32 } from '../lib/random/threefry.js';
import * as fx from '../lib/index.js';
import type { Eff } from './Eff.js';
import { normalQuantile, openUnit, waldSampleDerivative } from './hostMath.js';
import * as op from './ops.js';
import { affine, checkParams as checkRandomParams, checkSampleShape, draw, floats, type Param } from './random.js';

type T = AnyTensor;

// -------------------------------------------------------------------------------------
// host helpers
// -------------------------------------------------------------------------------------

/** random.ts's parameter check (broadcasts to the sample shape without enlarging it), and finite numbers. */
function checkParams(name: string, shape: readonly number[], params: Record<string, Param>): void {
  for (const [pname, p] of Object.entries(params)) {
    if (typeof p === 'number' && !Number.isFinite(p)) throw new RangeError(`random.${name}: ${pname} must be finite, got ${p}`);
  }
  checkRandomParams(name, shape, params);
}

/** `n` host values made from one 32-bit word each: float32 as random.ts's `floats`, or int32. */
function fromWords(k: Key, shape: readonly number[], map: (word: number) => number, dtype: 'float32' | 'int32' = 'float32'): T {
  if (dtype === 'float32') return floats(k, shape, map);
  const n = sizeOf(shape);
  const words = bits(k, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = map(words[i]!);
  return op.hostTensor(out, shape, 'int32');
}

/**
 * A stream of words for sample i (for rejection samplers that need a varying
 * number of words): the hash of counter (i, j) for j = 0, 1, … under a key
 * derived from `k`, so streams never overlap `bits(k, ·)`.
 */
function wordStream(k: Key): (i: number) => () => number {
  const base = fold(k, 0x5eed1e55);
  const hi = new Uint32Array(1);
  const lo = new Uint32Array(1);
  return (i) => {
    let j = 0;
    return () => {
      hi[0] = i;
      lo[0] = j++;
      threefry2x32(base.words[0], base.words[1], hi, lo);
      return (hi[0]! ^ lo[0]!) >>> 0;
    };
  };
}

const uniformOf = (next: () => number) => openUnit(next());
const normalOf = (next: () => number) => normalQuantile(openUnit(next()));

/** Host values of a parameter broadcast to `shape` (the parameter must be concrete). */
function hostValues(name: string, p: Param, shape: readonly number[]): Float64Array {
  const n = sizeOf(shape);
  if (typeof p === 'number') return new Float64Array(n).fill(p);
  let flat: ArrayLike<number>;
  try {
    flat = fx.scope(() => (fx.broadcastTo(p as never, shape as never) as T).dataSync()) as ArrayLike<number>;
  } catch (e) {
    throw new TypeError(`random.${name}: its parameter must be a concrete value (a number, or a tensor not traced by jit): ${(e as Error).message}`);
  }
  return Float64Array.from(flat);
}

// ---------------------------------------------------------------- gamma function family (float64)

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** log Γ(x) for x > 0 (Lanczos, g = 7; ~1e-15 relative). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularized lower incomplete gamma function P(a, x) (series below a + 1, Lentz's continued fraction above). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return Math.exp(logPrefix) * sum;
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-17) break;
  }
  return 1 - Math.exp(logPrefix) * h;
}

/** A standard gamma(α) sample (Marsaglia and Tsang; α < 1 through gamma(α + 1) · u^(1/α)). */
function gammaSample(alpha: number, next: () => number): number {
  if (alpha < 1) {
    const g = gammaSample(alpha + 1, next);
    return g * Math.exp(Math.log(uniformOf(next)) / alpha);
  }
  const d = alpha - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normalOf(next);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = uniformOf(next);
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** d x / d α of a gamma(α) sample x, by implicit differentiation of its CDF: −(∂P/∂α)(α, x) / p(x; α). */
function gammaSampleDerivative(alpha: number, x: number): number {
  if (x <= 0) return 0;
  const h = 1e-5 * Math.max(1, alpha);
  const dPda = (gammaP(alpha + h, x) - gammaP(alpha - h, x)) / (2 * h);
  const logDensity = (alpha - 1) * Math.log(x) - x - logGamma(alpha);
  const density = Math.exp(logDensity);
  return density > 0 ? -dPda / density : 0;
}

// -------------------------------------------------------------------------------------
// keyed samplers (pure functions of a key)
// -------------------------------------------------------------------------------------

/** Standard gamma samples with parameter `alpha` broadcast to `shape`; gradients w.r.t. a tensor `alpha` by implicit reparameterization. */
function gammaKeyed(k: Key, shape: readonly number[], alpha: Param): T {
  checkSampleShape('gamma', shape);
  checkParams('gamma', shape, { alpha });
  const a = hostValues('gamma', alpha, shape);
  const n = a.length;
  const stream = wordStream(k);
  const x = new Float32Array(n);
  const dx = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (!(a[i]! > 0)) throw new RangeError(`random.gamma: alpha must be positive, got ${a[i]} at flat index ${i}`);
    const s = gammaSample(a[i]!, stream(i));
    x[i] = s;
    dx[i] = gammaSampleDerivative(a[i]!, s);
  }
  const sample = op.hostTensor(x, shape, 'float32');
  if (typeof alpha === 'number') return sample;
  // value: the sample; derivative w.r.t. alpha: dx/dα (alpha − stopGradient(alpha) is 0 with derivative 1).
  const slope = op.hostTensor(dx, shape, 'float32');
  return op.add(sample, op.mul(slope, op.sub(alpha as T, op.stopGradient(alpha as T))));
}

/** Moves axis `axis` of `x` last. */
function axisLast(x: T, axis: number): T {
  const r = x.rank;
  const a = axis < 0 ? axis + r : axis;
  if (a === r - 1) return x;
  const perm = [...Array(r).keys()].filter((i) => i !== a);
  perm.push(a);
  return fx.transpose(x as never, perm as never) as T;
}

/**
 * The keyed forms of the samplers below (pure functions of a key).
 * @public
 */
export const keyedMore = {
  exponential(k: Key, shape: readonly number[], rate: Param = 1): T {
    checkSampleShape('exponential', shape);
    checkParams('exponential', shape, { rate });
    const e = fromWords(k, shape, (w) => -Math.log(openUnit(w)));
    return typeof rate === 'number' && rate === 1 ? e : op.div(e, rate);
  },
  laplace(k: Key, shape: readonly number[], loc: Param = 0, scale: Param = 1): T {
    checkSampleShape('laplace', shape);
    checkParams('laplace', shape, { loc, scale });
    return affine(
      fromWords(k, shape, (w) => {
        const v = 2 * openUnit(w) - 1;
        return -Math.sign(v) * Math.log1p(-Math.abs(v));
      }),
      loc,
      scale,
    );
  },
  logistic(k: Key, shape: readonly number[], loc: Param = 0, scale: Param = 1): T {
    checkSampleShape('logistic', shape);
    checkParams('logistic', shape, { loc, scale });
    return affine(
      fromWords(k, shape, (w) => {
        const u = openUnit(w);
        return Math.log(u) - Math.log1p(-u);
      }),
      loc,
      scale,
    );
  },
  cauchy(k: Key, shape: readonly number[], loc: Param = 0, scale: Param = 1): T {
    checkSampleShape('cauchy', shape);
    checkParams('cauchy', shape, { loc, scale });
    return affine(
      fromWords(k, shape, (w) => Math.tan(Math.PI * (openUnit(w) - 0.5))),
      loc,
      scale,
    );
  },
  lognormal(k: Key, shape: readonly number[], mean: Param = 0, sigma: Param = 1): T {
    checkSampleShape('lognormal', shape);
    checkParams('lognormal', shape, { mean, sigma });
    return op.exp(affine(fromWords(k, shape, (w) => normalQuantile(openUnit(w))), mean, sigma));
  },
  rayleigh(k: Key, shape: readonly number[], scale: Param = 1): T {
    checkSampleShape('rayleigh', shape);
    checkParams('rayleigh', shape, { scale });
    return affine(
      fromWords(k, shape, (w) => Math.sqrt(-2 * Math.log(openUnit(w)))),
      0,
      scale,
    );
  },
  pareto(k: Key, shape: readonly number[], b: Param): T {
    checkSampleShape('pareto', shape);
    checkParams('pareto', shape, { b });
    // exp(E / b), E standard exponential (as JAX).
    return op.exp(op.div(fromWords(k, shape, (w) => -Math.log(openUnit(w))), b));
  },
  weibullMin(k: Key, shape: readonly number[], scale: Param, concentration: Param): T {
    checkSampleShape('weibullMin', shape);
    checkParams('weibullMin', shape, { scale, concentration });
    // scale · E^(1/concentration), E standard exponential (inverse CDF, as JAX).
    const e = fromWords(k, shape, (w) => -Math.log(openUnit(w)));
    return op.mul(scale, op.exp(op.div(op.log(e), concentration)));
  },
  triangular(k: Key, shape: readonly number[], left: Param, mode: Param, right: Param): T {
    checkSampleShape('triangular', shape);
    checkParams('triangular', shape, { left, mode, right });
    const u = fromWords(k, shape, (w) => openUnit(w));
    const width = op.sub(right, left);
    const c = op.div(op.sub(mode, left), width);
    const lower = op.add(left, op.sqrt(op.mul(op.mul(u, width), op.sub(mode, left))));
    const upper = op.sub(right, op.sqrt(op.mul(op.mul(op.sub(1, u), width), op.sub(right, mode))));
    return op.where(op.less(u, c), lower, upper);
  },
  maxwell(k: Key, shape: readonly number[]): T {
    checkSampleShape('maxwell', shape);
    const n = sizeOf(shape);
    const words = bits(k, 3 * n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < 3; j++) s += normalQuantile(openUnit(words[3 * i + j]!)) ** 2;
      out[i] = Math.sqrt(s);
    }
    return op.hostTensor(out, shape, 'float32');
  },
  doubleSidedMaxwell(k: Key, shape: readonly number[], loc: Param = 0, scale: Param = 1): T {
    checkSampleShape('doubleSidedMaxwell', shape);
    checkParams('doubleSidedMaxwell', shape, { loc, scale });
    const [km, ks] = fx.random.split(k);
    const m = keyedMore.maxwell(km!, shape);
    const sign = fromWords(ks!, shape, (w) => (w & 1 ? 1 : -1));
    return affine(op.mul(m, sign), loc, scale);
  },
  gamma(k: Key, shape: readonly number[], alpha: Param, scale: Param = 1): T {
    return affine(gammaKeyed(k, shape, alpha), 0, scale);
  },
  beta(k: Key, shape: readonly number[], a: Param, b: Param): T {
    checkSampleShape('beta', shape);
    checkParams('beta', shape, { a, b });
    const [ka, kb] = fx.random.split(k);
    const x = gammaKeyed(ka!, shape, a);
    const y = gammaKeyed(kb!, shape, b);
    return op.div(x, op.add(x, y));
  },
  dirichlet(k: Key, alpha: Tensor<Shape, 'float32'>, shape?: readonly number[]): T {
    if (!(alpha instanceof Tensor) || alpha.dtype !== 'float32' || alpha.rank === 0) {
      throw new ShapeError('random.dirichlet', 'alpha must be a float32 tensor with the categories on its last axis');
    }
    const s = [...(shape ?? alpha.shape.slice(0, -1)), alpha.shape[alpha.rank - 1]!];
    checkSampleShape('dirichlet', s);
    const g = gammaKeyed(k, s, alpha as T);
    return op.div(g, op.sum(g, -1, true));
  },
  poisson(k: Key, lam: Param, shape?: readonly number[]): T {
    const s = shape ?? (typeof lam === 'number' ? [] : lam.shape);
    checkSampleShape('poisson', s);
    checkParams('poisson', s, { lam });
    const rate = hostValues('poisson', lam, s);
    const stream = wordStream(k);
    const out = new Int32Array(rate.length);
    for (let i = 0; i < rate.length; i++) {
      const l = rate[i]!;
      if (!(l >= 0)) throw new RangeError(`random.poisson: lam must be non-negative, got ${l} at flat index ${i}`);
      out[i] = poissonSample(l, stream(i));
    }
    return op.hostTensor(out, s, 'int32');
  },
  geometric(k: Key, p: Param, shape?: readonly number[]): T {
    const s = shape ?? (typeof p === 'number' ? [] : p.shape);
    checkSampleShape('geometric', s);
    checkParams('geometric', s, { p });
    const prob = hostValues('geometric', p, s);
    const words = bits(k, prob.length);
    const out = new Int32Array(prob.length);
    for (let i = 0; i < prob.length; i++) {
      const q = prob[i]!;
      if (!(q > 0 && q <= 1)) throw new RangeError(`random.geometric: p must be in (0, 1], got ${q} at flat index ${i}`);
      // Trials up to and including the first success (support 1, 2, …), as JAX.
      out[i] = q === 1 ? 1 : Math.min(2147483647, Math.floor(Math.log(openUnit(words[i]!)) / Math.log1p(-q)) + 1);
    }
    return op.hostTensor(out, s, 'int32');
  },
  randint(k: Key, shape: readonly number[], minval: number, maxval: number): T {
    checkSampleShape('randint', shape);
    if (!Number.isInteger(minval) || !Number.isInteger(maxval) || minval < -(2 ** 31) || maxval > 2 ** 31) {
      throw new RangeError(`random.randint: minval and maxval must be int32 integers, got ${minval} and ${maxval}`);
    }
    const n = sizeOf(shape);
    const span = maxval - minval;
    if (span <= 0) return op.hostTensor(new Int32Array(n).fill(minval), shape, 'int32');
    // 53 uniform bits from two words: the bias against any span below 2^32 is under 2^-21.
    const words = bits(k, 2 * n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const u = (words[2 * i]! * 2097152 + (words[2 * i + 1]! >>> 11)) / 9007199254740992;
      out[i] = minval + Math.floor(u * span);
    }
    return op.hostTensor(out, shape, 'int32');
  },
  rademacher(k: Key, shape: readonly number[], dtype: 'int32' | 'float32' = 'int32'): T {
    checkSampleShape('rademacher', shape);
    return fromWords(k, shape, (w) => (w & 1 ? 1 : -1), dtype);
  },
  permutation(k: Key, n: number): T {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`random.permutation: n must be a non-negative integer, got ${n}`);
    const words = bits(k, n);
    const out = Int32Array.from({ length: n }, (_, i) => i);
    // Fisher–Yates, each swap index from one word (53-bit products are exact).
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor((words[i]! / 4294967296) * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return op.hostTensor(out, [n], 'int32');
  },
  categorical(k: Key, logits: Tensor<Shape, 'float32'>, options: CategoricalOptions = {}): T {
    if (!(logits instanceof Tensor) || logits.dtype !== 'float32' || logits.rank === 0) {
      throw new ShapeError('random.categorical', 'logits must be a float32 tensor with a category axis');
    }
    const axis = options.axis ?? -1;
    if (!Number.isInteger(axis) || axis < -logits.rank || axis >= logits.rank) {
      throw new ShapeError('random.categorical', `axis ${axis} is out of range for logits of rank ${logits.rank}`);
    }
    const z = axisLast(op.stopGradient(logits as T), axis);
    const depth = z.shape[z.rank - 1]!;
    const batch = z.shape.slice(0, -1);
    const s = options.shape ?? batch;
    checkSampleShape('categorical', s);
    const lead = s.slice(0, s.length - batch.length);
    if (showShape(s.slice(s.length - batch.length)) !== showShape(batch) || s.length < batch.length) {
      throw new ShapeError('random.categorical', `the sample shape ${showShape(s)} must end with the logits' batch shape ${showShape(batch)}`);
    }
    if (options.replace === false) {
      // Without replacement: the top-k of logits + Gumbel noise (k = the leading sample dims), as JAX.
      const count = sizeOf(lead);
      if (count > depth) throw new ShapeError('random.categorical', `cannot draw ${count} categories without replacement from ${depth}`);
      const g = fromWords(k, z.shape, (w) => -Math.log(-Math.log(openUnit(w))));
      const idx = (fx.topk(op.add(z, g) as never, count) as unknown as { indices: T }).indices;
      // idx: [...batch, count] → [...lead, ...batch]
      const moved = batch.length === 0 ? idx : (fx.transpose(idx as never, [batch.length, ...batch.map((_: number, i: number) => i)] as never) as T);
      return op.reshape(moved, [...lead, ...batch]);
    }
    const g = fromWords(k, [...s, depth], (w) => -Math.log(-Math.log(openUnit(w))));
    return op.argmax(op.add(z, g), -1);
  },
  choice(k: Key, a: number | Tensor<Shape>, shape: readonly number[] = [], options: ChoiceOptions = {}): T {
    checkSampleShape('choice', shape);
    const n = typeof a === 'number' ? a : a.shape[0];
    if (n === undefined || !Number.isInteger(n) || n < 0) throw new ShapeError('random.choice', `a must be a non-negative integer or a tensor of rank >= 1, got ${typeof a === 'number' ? a : showShape(a.shape)}`);
    const count = sizeOf(shape);
    let idx: T;
    if (options.p !== undefined) {
      if (!(options.p instanceof Tensor) || showShape(options.p.shape) !== showShape([n])) throw new ShapeError('random.choice', `p must be a float32 tensor of shape [${n}]`);
      idx = keyedMore.categorical(k, op.log(options.p as T) as never, { shape: options.replace === false ? [count] : [count], replace: options.replace ?? true });
    } else if (options.replace === false) {
      if (count > n) throw new ShapeError('random.choice', `cannot take ${count} of ${n} without replacement`);
      idx = op.slice(keyedMore.permutation(k, n), [0], [count]);
    } else {
      idx = keyedMore.randint(k, [count], 0, n);
    }
    idx = op.reshape(idx, [...shape]);
    if (typeof a === 'number') return idx;
    return fx.take(a as never, idx as never, 0 as never) as T;
  },
  ball(k: Key, d: number, p = 2, shape: readonly number[] = []): T {
    checkSampleShape('ball', shape);
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`random.ball: d must be a positive integer, got ${d}`);
    if (!(p > 0)) throw new RangeError(`random.ball: p must be positive, got ${p}`);
    // Barthe et al.: g with density ∝ exp(−|g|^p) per coordinate, e standard exponential; g / (Σ|g|^p + e)^(1/p).
    const n = sizeOf(shape);
    const stream = wordStream(k);
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const next = stream(i);
      const g: number[] = [];
      let norm = 0;
      for (let j = 0; j < d; j++) {
        const magnitude = gammaSample(1 / p, next) ** (1 / p);
        const v = next() & 1 ? magnitude : -magnitude;
        g.push(v);
        norm += Math.abs(v) ** p;
      }
      const e = -Math.log(uniformOf(next));
      const scale = (norm + e) ** (-1 / p);
      for (let j = 0; j < d; j++) out[i * d + j] = g[j]! * scale;
    }
    return op.hostTensor(out, [...shape, d], 'float32');
  },
  multivariateNormal(k: Key, mean: Tensor<Shape, 'float32'>, cov: Tensor<Shape, 'float32'>, shape?: readonly number[]): T {
    if (!(mean instanceof Tensor) || !(cov instanceof Tensor) || mean.rank < 1 || cov.rank < 2) {
      throw new ShapeError('random.multivariateNormal', 'mean must be [..., d] and cov [..., d, d] float32 tensors');
    }
    const d = mean.shape[mean.rank - 1]!;
    if (cov.shape[cov.rank - 1] !== d || cov.shape[cov.rank - 2] !== d) {
      throw new ShapeError('random.multivariateNormal', `cov ${showShape(cov.shape)} must end with [${d}, ${d}] to match mean ${showShape(mean.shape)}`);
    }
    const batch = broadcastShapes('random.multivariateNormal', mean.shape.slice(0, -1), cov.shape.slice(0, -2));
    const s = [...(shape ?? batch), d];
    checkSampleShape('multivariateNormal', s);
    const eps = fromWords(k, s, (w) => normalQuantile(openUnit(w))); // [..., d]
    const chol = fx.cholesky(cov as never) as T; // [..., d, d], lower
    // mean + L ε, as a batched matrix-vector product.
    const le = op.reshape(fx.matmul(chol as never, op.reshape(eps, [...s, 1]) as never) as T, s);
    return op.add(mean as T, le);
  },
  chisquare(k: Key, shape: readonly number[], df: Param): T {
    checkSampleShape('chisquare', shape);
    checkParams('chisquare', shape, { df });
    // 2 · gamma(df / 2) (implicitly reparameterized in df, as JAX).
    return fx.scope(() => op.mul(2, gammaKeyed(k, shape, halve(df))));
  },
  t(k: Key, shape: readonly number[], df: Param): T {
    checkSampleShape('t', shape);
    checkParams('t', shape, { df });
    // ε · √((df/2) / G), G ~ gamma(df/2): ε / √(χ²_df / df), as JAX.
    const [kn, kg] = fx.random.split(k);
    return fx.scope(() => {
      const eps = fromWords(kn!, shape, (w) => normalQuantile(openUnit(w)));
      const half = halve(df);
      return op.mul(eps, op.sqrt(op.div(half, gammaKeyed(kg!, shape, half))));
    });
  },
  f(k: Key, shape: readonly number[], dfnum: Param, dfden: Param): T {
    checkSampleShape('f', shape);
    checkParams('f', shape, { dfnum, dfden });
    // (χ²_dfnum / dfnum) / (χ²_dfden / dfden), as JAX.
    const [ka, kb] = fx.random.split(k);
    return fx.scope(() => op.div(op.div(keyedMore.chisquare(ka!, shape, dfnum), dfnum), op.div(keyedMore.chisquare(kb!, shape, dfden), dfden)));
  },
  loggamma(k: Key, shape: readonly number[], a: Param): T {
    checkSampleShape('loggamma', shape);
    checkParams('loggamma', shape, { a });
    return logGammaKeyed(k, shape, a);
  },
  generalizedNormal(k: Key, shape: readonly number[], p: number): T {
    checkSampleShape('generalizedNormal', shape);
    if (!(typeof p === 'number' && p > 0 && Number.isFinite(p))) throw new RangeError(`random.generalizedNormal: p must be a positive number, got ${p}`);
    // ±G^(1/p), G ~ gamma(1/p): density ∝ exp(−|x|^p), as JAX.
    const [kg, ks] = fx.random.split(k);
    const stream = wordStream(kg!);
    const signs = bits(ks!, sizeOf(shape));
    const out = new Float32Array(sizeOf(shape));
    for (let i = 0; i < out.length; i++) out[i] = (signs[i]! & 1 ? 1 : -1) * gammaSample(1 / p, stream(i)) ** (1 / p);
    return op.hostTensor(out, shape, 'float32');
  },
  wald(k: Key, shape: readonly number[], mean: Param): T {
    checkSampleShape('wald', shape);
    checkParams('wald', shape, { mean });
    // The inverse Gaussian IG(μ, 1) by Michael, Schucany and Haas (as JAX's random.wald), in float64 on the host.
    // Derivative w.r.t. a tensor mean by implicit reparameterization: dx/dμ = −(∂F/∂μ)/p(x) (first order; mean concrete).
    const mu = hostValues('wald', mean, shape);
    const [kn, ku] = fx.random.split(k);
    const n = mu.length;
    const normals = bits(kn!, n);
    const uniforms = bits(ku!, n);
    const x = new Float32Array(n);
    const dx = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const m = mu[i]!;
      if (!(m > 0)) throw new RangeError(`random.wald: mean must be positive, got ${m} at flat index ${i}`);
      const w = m * normalQuantile(openUnit(normals[i]!)) ** 2;
      // μ(1 + w/2 − √(w + w²/4)) written without cancellation.
      const small = m / (1 + w / 2 + Math.sqrt(w + (w * w) / 4));
      const v = openUnit(uniforms[i]!) <= m / (m + small) ? small : (m * m) / small;
      x[i] = v;
      dx[i] = waldSampleDerivative(m, v);
    }
    const sample = op.hostTensor(x, shape, 'float32');
    if (typeof mean === 'number') return sample;
    return fx.scope(() => op.add(sample, op.mul(op.hostTensor(dx, shape, 'float32'), op.sub(mean as T, op.stopGradient(mean as T)))));
  },
  binomial(k: Key, n: Param, p: Param, shape?: readonly number[]): T {
    const s = shape ?? broadcastShapes('random.binomial', typeof n === 'number' ? [] : n.shape, typeof p === 'number' ? [] : p.shape);
    checkSampleShape('binomial', s);
    checkParams('binomial', s, { n, p });
    const counts = hostValues('binomial', n, s);
    const probs = hostValues('binomial', p, s);
    const stream = wordStream(k);
    const out = new Float32Array(counts.length);
    for (let i = 0; i < out.length; i++) {
      const [ni, pi] = [counts[i]!, probs[i]!];
      if (!(Number.isInteger(ni) && ni >= 0)) throw new RangeError(`random.binomial: n must be a non-negative integer, got ${ni} at flat index ${i}`);
      if (!(pi >= 0 && pi <= 1)) throw new RangeError(`random.binomial: p must be in [0, 1], got ${pi} at flat index ${i}`);
      out[i] = binomialSample(ni, pi, stream(i));
    }
    return op.hostTensor(out, s, 'float32');
  },
  multinomial(k: Key, n: Param, p: Tensor<Shape, 'float32'>, shape?: readonly number[]): T {
    if (!(p instanceof Tensor) || p.dtype !== 'float32' || p.rank === 0) {
      throw new ShapeError('random.multinomial', 'p must be a float32 tensor with the categories on its last axis');
    }
    const depth = p.shape[p.rank - 1]!;
    const batch = shape ?? broadcastShapes('random.multinomial', typeof n === 'number' ? [] : n.shape, p.shape.slice(0, -1));
    checkSampleShape('multinomial', batch);
    checkParams('multinomial', batch, { n });
    const counts = hostValues('multinomial', n, batch);
    const probs = hostValues('multinomial', p, [...batch, depth]);
    const stream = wordStream(k);
    const out = new Float32Array(counts.length * depth);
    for (let b = 0; b < counts.length; b++) {
      const nb = counts[b]!;
      if (!(Number.isInteger(nb) && nb >= 0)) throw new RangeError(`random.multinomial: n must be a non-negative integer, got ${nb} at flat index ${b}`);
      // Conditional binomials: category j gets Binomial(remaining, p_j / (mass left)).
      const next = stream(b);
      let left = nb;
      let mass = 1;
      for (let j = 0; j < depth; j++) {
        const pj = probs[b * depth + j]!;
        if (!(pj >= 0)) throw new RangeError(`random.multinomial: p must be non-negative, got ${pj}`);
        const c = j === depth - 1 ? left : left === 0 ? 0 : binomialSample(left, Math.min(1, Math.max(0, mass > 0 ? pj / mass : 0)), next);
        out[b * depth + j] = c;
        left -= c;
        mass -= pj;
      }
    }
    return op.hostTensor(out, [...batch, depth], 'float32');
  },
  orthogonal(k: Key, n: number, shape: readonly number[] = []): T {
    checkSampleShape('orthogonal', shape);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`random.orthogonal: n must be a positive integer, got ${n}`);
    // Haar-distributed: Q of the QR decomposition of a standard normal matrix with R's diagonal made positive
    // (Gram–Schmidt twice over in float64, which gives that Q directly).
    const count = sizeOf(shape);
    const words = bits(k, count * n * n);
    const out = new Float32Array(count * n * n);
    const col = new Float64Array(n);
    for (let b = 0; b < count; b++) {
      const q: Float64Array[] = [];
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) col[i] = normalQuantile(openUnit(words[(b * n + i) * n + j]!));
        const v = Float64Array.from(col);
        for (let pass = 0; pass < 2; pass++) {
          for (const u of q) {
            let d = 0;
            for (let i = 0; i < n; i++) d += u[i]! * v[i]!;
            for (let i = 0; i < n; i++) v[i] = v[i]! - d * u[i]!;
          }
        }
        const norm = Math.hypot(...v);
        for (let i = 0; i < n; i++) v[i] = v[i]! / norm;
        q.push(v);
      }
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[b * n * n + i * n + j] = q[j]![i]!;
    }
    return op.hostTensor(out, [...shape, n, n], 'float32');
  },
};

/** Draws a Poisson(λ) count: Knuth's product method below λ = 30, Hörmann's PTRS above. */
function poissonSample(lam: number, next: () => number): number {
  if (lam === 0) return 0;
  if (lam < 30) {
    const limit = Math.exp(-lam);
    let k = 0;
    let prod = uniformOf(next);
    while (prod > limit) {
      k++;
      prod *= uniformOf(next);
    }
    return k;
  }
  const logLam = Math.log(lam);
  const b = 0.931 + 2.53 * Math.sqrt(lam);
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = uniformOf(next) - 0.5;
    const v = uniformOf(next);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lam + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -lam + k * logLam - logGamma(k + 1)) return k;
  }
}

/** `df / 2` for a number or a tensor. */
function halve(df: Param): Param {
  return typeof df === 'number' ? df / 2 : op.mul(df, 0.5);
}

/**
 * log of a standard gamma(α) sample, exact also where the sample underflows
 * (α < 1: log G(α + 1) + log(u)/α, the same words as `gammaSample`, so
 * `loggamma` is `log(gamma)` for one key wherever the latter is representable).
 */
function logGammaSample(alpha: number, next: () => number): [number, number, number] {
  if (alpha < 1) {
    const g = gammaSample(alpha + 1, next);
    const logU = Math.log(uniformOf(next));
    return [Math.log(g) + logU / alpha, g, logU];
  }
  return [Math.log(gammaSample(alpha, next)), 0, 0];
}

/** log-gamma samples; derivative w.r.t. a tensor `a`: the implicit one (dx/dα)/x, or where x underflows float64 the pathwise one of log G(α+1) + log(u)/α. */
function logGammaKeyed(k: Key, shape: readonly number[], a: Param): T {
  const alpha = hostValues('loggamma', a, shape);
  const stream = wordStream(k);
  const n = alpha.length;
  const y = new Float32Array(n);
  const dy = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const al = alpha[i]!;
    if (!(al > 0)) throw new RangeError(`random.loggamma: a must be positive, got ${al} at flat index ${i}`);
    const [logx, g, logU] = logGammaSample(al, stream(i));
    y[i] = logx;
    const x = Math.exp(logx);
    dy[i] = x > 1e-300 ? gammaSampleDerivative(al, x) / x : gammaSampleDerivative(al + 1, g) / g - logU / (al * al);
  }
  const sample = op.hostTensor(y, shape, 'float32');
  if (typeof a === 'number') return sample;
  return fx.scope(() => op.add(sample, op.mul(op.hostTensor(dy, shape, 'float32'), op.sub(a as T, op.stopGradient(a as T)))));
}

/**
 * A Binomial(n, p) count: inversion (a CDF walk) when n·min(p, 1 − p) < 10,
 * else Hörmann's BTRS (transformed rejection with squeeze, as TensorFlow's and
 * JAX's samplers); p > ½ by symmetry.
 */
function binomialSample(n: number, p: number, next: () => number): number {
  if (n === 0 || p === 0) return 0;
  if (p === 1) return n;
  if (p > 0.5) return n - binomialSample(n, 1 - p, next);
  const q = 1 - p;
  if (n * p < 10) {
    for (;;) {
      const s = p / q;
      const a = (n + 1) * s;
      let r = q ** n;
      let u = uniformOf(next);
      let x = 0;
      while (u > r) {
        u -= r;
        x++;
        if (x > n) break;
        r *= a / x - s;
      }
      if (x <= n) return x;
    }
  }
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const alpha = (2.83 + 5.1 / b) * spq;
  const lpq = Math.log(p / q);
  const m = Math.floor((n + 1) * p);
  const h = logGamma(m + 1) + logGamma(n - m + 1);
  for (;;) {
    const u = uniformOf(next) - 0.5;
    const v = uniformOf(next);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    const lv = Math.log((v * alpha) / (a / (us * us) + b));
    if (lv <= h - logGamma(k + 1) - logGamma(n - k + 1) + (k - m) * lpq) return k;
  }
}

/** Options of `random.categorical`. @public */
export interface CategoricalOptions {
  /** The category axis of the logits (default −1). */
  readonly axis?: number;
  /** The sample shape: leading sample dims, then the logits' batch shape (default: the batch shape). */
  readonly shape?: readonly number[];
  /** `false` draws the leading sample dims without replacement (Gumbel top-k); default `true`. */
  readonly replace?: boolean;
}

/** Options of `random.choice`. @public */
export interface ChoiceOptions {
  /** Draw with replacement (default `true`). */
  readonly replace?: boolean;
  /** Probabilities of the `a` entries (a float32 tensor of shape [n]). */
  readonly p?: Tensor<Shape, 'float32'>;
}


type Sample<S extends Shape, D extends 'float32' | 'int32' = 'float32'> = Eff<'Random', Tensor<S, D>>;

/**
 * Exponential samples `E / rate` (reparameterized in `rate`).
 * @example
 * ```ts
 * const e = yield* random.exponential([3]);
 * ```
 * @public
 */
export function exponential<const S extends Shape>(shape: S, rate: Param = 1): Sample<S> {
  return draw((k) => keyedMore.exponential(k, shape, rate)) as never;
}
/** Laplace samples `loc + scale · L` (reparameterized). @example `yield* random.laplace([3], 0, 2)` @public */
export function laplace<const S extends Shape>(shape: S, loc: Param = 0, scale: Param = 1): Sample<S> {
  return draw((k) => keyedMore.laplace(k, shape, loc, scale)) as never;
}
/** Logistic samples `loc + scale · log(u / (1 − u))` (reparameterized). @example `yield* random.logistic([3])` @public */
export function logistic<const S extends Shape>(shape: S, loc: Param = 0, scale: Param = 1): Sample<S> {
  return draw((k) => keyedMore.logistic(k, shape, loc, scale)) as never;
}
/** Cauchy samples `loc + scale · tan(π(u − ½))` (reparameterized). @example `yield* random.cauchy([3])` @public */
export function cauchy<const S extends Shape>(shape: S, loc: Param = 0, scale: Param = 1): Sample<S> {
  return draw((k) => keyedMore.cauchy(k, shape, loc, scale)) as never;
}
/** Log-normal samples `exp(mean + sigma · ε)` (reparameterized). @example `yield* random.lognormal([3], 0, 0.5)` @public */
export function lognormal<const S extends Shape>(shape: S, mean: Param = 0, sigma: Param = 1): Sample<S> {
  return draw((k) => keyedMore.lognormal(k, shape, mean, sigma)) as never;
}
/** Rayleigh samples `scale · √(−2 log u)` (reparameterized). @example `yield* random.rayleigh([3], 2)` @public */
export function rayleigh<const S extends Shape>(shape: S, scale: Param = 1): Sample<S> {
  return draw((k) => keyedMore.rayleigh(k, shape, scale)) as never;
}
/** Pareto samples `exp(E / b)` on [1, ∞) (reparameterized in `b`). @example `yield* random.pareto([3], 3)` @public */
export function pareto<const S extends Shape>(shape: S, b: Param): Sample<S> {
  return draw((k) => keyedMore.pareto(k, shape, b)) as never;
}
/** Weibull samples `scale · E^(1/concentration)` (reparameterized). @example `yield* random.weibullMin([3], 1, 2)` @public */
export function weibullMin<const S extends Shape>(shape: S, scale: Param, concentration: Param): Sample<S> {
  return draw((k) => keyedMore.weibullMin(k, shape, scale, concentration)) as never;
}
/** Triangular samples on [left, right] with the given mode (inverse CDF; reparameterized). @example `yield* random.triangular([3], 0, 1, 2)` @public */
export function triangular<const S extends Shape>(shape: S, left: Param, mode: Param, right: Param): Sample<S> {
  return draw((k) => keyedMore.triangular(k, shape, left, mode, right)) as never;
}
/** Maxwell samples (the norm of three standard normals). @example `yield* random.maxwell([3])` @public */
export function maxwell<const S extends Shape>(shape: S): Sample<S> {
  return draw((k) => keyedMore.maxwell(k, shape)) as never;
}
/** Double-sided Maxwell samples `loc + scale · ±M` (reparameterized). @example `yield* random.doubleSidedMaxwell([3], 0, 1)` @public */
export function doubleSidedMaxwell<const S extends Shape>(shape: S, loc: Param = 0, scale: Param = 1): Sample<S> {
  return draw((k) => keyedMore.doubleSidedMaxwell(k, shape, loc, scale)) as never;
}
/**
 * Gamma(alpha, scale) samples; differentiable w.r.t. a concrete tensor `alpha`
 * by implicit reparameterization (as JAX's `random.gamma`), and w.r.t. `scale`.
 * @example
 * ```ts
 * const g = yield* random.gamma([3], 2.5);
 * ```
 * @public
 */
export function gamma<const S extends Shape>(shape: S, alpha: Param, scale: Param = 1): Sample<S> {
  return draw((k) => keyedMore.gamma(k, shape, alpha, scale)) as never;
}
/** Beta(a, b) samples `X / (X + Y)` with X, Y gamma (implicitly reparameterized). @example `yield* random.beta([3], 2, 5)` @public */
export function beta<const S extends Shape>(shape: S, a: Param, b: Param): Sample<S> {
  return draw((k) => keyedMore.beta(k, shape, a, b)) as never;
}
/** Dirichlet(alpha) samples over alpha's last axis (implicitly reparameterized). @example `yield* random.dirichlet(fx.tensor([1, 2, 3]))` @public */
export function dirichlet<S extends Shape>(alpha: Tensor<S, 'float32'>, shape?: readonly number[]): Eff<'Random', Tensor<Shape, 'float32'>> {
  return draw((k) => keyedMore.dirichlet(k, alpha, shape)) as never;
}
/** Poisson(lam) counts (int32, NoDiff). @example `yield* random.poisson(4, [10])` @public */
export function poisson<const S extends Shape>(lam: Param, shape: S): Sample<S, 'int32'> {
  return draw((k) => keyedMore.poisson(k, lam, shape)) as never;
}
/** Geometric(p) trial counts ≥ 1 (int32, NoDiff). @example `yield* random.geometric(0.3, [10])` @public */
export function geometric<const S extends Shape>(p: Param, shape: S): Sample<S, 'int32'> {
  return draw((k) => keyedMore.geometric(k, p, shape)) as never;
}
/** Integers uniform on [minval, maxval) (int32). @example `yield* random.randint([5], 0, 10)` @public */
export function randint<const S extends Shape>(shape: S, minval: number, maxval: number): Sample<S, 'int32'> {
  return draw((k) => keyedMore.randint(k, shape, minval, maxval)) as never;
}
/** ±1 with equal probability (int32 by default, as JAX). @example `yield* random.rademacher([5])` @public */
export function rademacher<const S extends Shape>(shape: S, dtype: 'int32' | 'float32' = 'int32'): Eff<'Random', Tensor<S, 'int32' | 'float32'>> {
  return draw((k) => keyedMore.rademacher(k, shape, dtype)) as never;
}
/** A random permutation of 0 … n−1 (int32). @example `yield* random.permutation(10)` @public */
export function permutation<const N extends number>(n: N): Sample<[N], 'int32'> {
  return draw((k) => keyedMore.permutation(k, n)) as never;
}
/**
 * Category indices from `softmax(logits)` along `axis`, with or without
 * replacement (int32, NoDiff); the sample shape is the leading sample dims
 * then the logits' batch shape.
 * @example
 * ```ts
 * const three = yield* random.categoricalWith(logits, { shape: [3], replace: false });
 * ```
 * @public
 */
export function categoricalWith(logits: Tensor<Shape, 'float32'>, options: CategoricalOptions = {}): Eff<'Random', Tensor<Shape, 'int32'>> {
  return draw((k) => keyedMore.categorical(k, logits, options)) as never;
}
/**
 * Entries of `a` (or of 0 … a−1 when `a` is a number) drawn uniformly or
 * with probabilities `p`, with or without replacement.
 * @example
 * ```ts
 * const idx = yield* random.choice(10, [3], { replace: false });
 * ```
 * @public
 */
export function choice(a: number | Tensor<Shape>, shape: readonly number[] = [], options: ChoiceOptions = {}): Eff<'Random', Tensor<Shape>> {
  return draw((k) => keyedMore.choice(k, a, shape, options)) as never;
}
/** Points uniform in the unit p-ball of R^d (shape [...shape, d]). @example `yield* random.ball(3)` @public */
export function ball(d: number, p = 2, shape: readonly number[] = []): Eff<'Random', Tensor<Shape, 'float32'>> {
  return draw((k) => keyedMore.ball(k, d, p, shape)) as never;
}
/** Multivariate normal samples `mean + L ε` with `L = cholesky(cov)` (reparameterized in both). @example `yield* random.multivariateNormal(mu, sigma)` @public */
export function multivariateNormal(mean: Tensor<Shape, 'float32'>, cov: Tensor<Shape, 'float32'>, shape?: readonly number[]): Eff<'Random', Tensor<Shape, 'float32'>> {
  return draw((k) => keyedMore.multivariateNormal(k, mean, cov, shape)) as never;
}
/**
 * Chi-square samples with `df` degrees of freedom, `2 · gamma(df / 2)`
 * (`random.chisquare`); differentiable in a concrete tensor `df` by gamma's
 * implicit reparameterization.
 * @example
 * ```ts
 * const c = yield* random.chisquare([100], 3); // mean 3, variance 6
 * ```
 * @public
 */
export function chisquare<const S extends Shape>(shape: S, df: Param): Sample<S> {
  return draw((k) => keyedMore.chisquare(k, shape, df)) as never;
}
/**
 * Student's t samples with `df` degrees of freedom, `ε / √(χ²_df / df)`
 * (`random.t`); differentiable in a concrete tensor `df`. Also exported as `t`.
 * @example
 * ```ts
 * const x = yield* random.studentT([100], 5); // variance 5/3
 * ```
 * @public
 */
export function studentT<const S extends Shape>(shape: S, df: Param): Sample<S> {
  return draw((k) => keyedMore.t(k, shape, df)) as never;
}
export { studentT as t };
/**
 * Fisher's F samples `(χ²_dfnum / dfnum) / (χ²_dfden / dfden)` (`random.f`).
 * @example
 * ```ts
 * const x = yield* random.f([100], 4, 10); // mean 10/8
 * ```
 * @public
 */
export function f<const S extends Shape>(shape: S, dfnum: Param, dfden: Param): Sample<S> {
  return draw((k) => keyedMore.f(k, shape, dfnum, dfden)) as never;
}
/**
 * log of gamma(a) samples, accurate also for small `a` where the gamma
 * sample itself underflows (`random.loggamma`); differentiable in a concrete
 * tensor `a`.
 * @example
 * ```ts
 * const y = yield* random.loggamma([10], 0.01);
 * ```
 * @public
 */
export function loggamma<const S extends Shape>(shape: S, a: Param): Sample<S> {
  return draw((k) => keyedMore.loggamma(k, shape, a)) as never;
}
/**
 * Generalized normal samples with density ∝ exp(−|x|^p)
 * (`random.generalized_normal`): p = 2 is a normal with variance ½, p = 1 a
 * Laplace. `p` is a host number.
 * @example
 * ```ts
 * const x = yield* random.generalizedNormal([10], 1.5);
 * ```
 * @public
 */
export function generalizedNormal<const S extends Shape>(shape: S, p: number): Sample<S> {
  return draw((k) => keyedMore.generalizedNormal(k, shape, p)) as never;
}
/**
 * Wald (inverse Gaussian IG(mean, 1)) samples (`random.wald`): mean `mean`,
 * variance `mean³`; differentiable in a concrete tensor `mean` by implicit
 * reparameterization (first order; an unbiased pathwise gradient, unlike
 * differentiating the sampler's branch).
 * @example
 * ```ts
 * const x = yield* random.wald([10], 2);
 * ```
 * @public
 */
export function wald<const S extends Shape>(shape: S, mean: Param): Sample<S> {
  return draw((k) => keyedMore.wald(k, shape, mean)) as never;
}
/**
 * Binomial(n, p) counts as float32, as JAX's `random.binomial` (NoDiff);
 * `n` non-negative integers, the shape defaults to the parameters' broadcast
 * shape.
 * @example
 * ```ts
 * const x = yield* random.binomial(10, 0.3, [100]); // mean 3, variance 2.1
 * ```
 * @public
 */
export function binomial<const S extends Shape>(n: Param, p: Param, shape?: S): Sample<S> {
  return draw((k) => keyedMore.binomial(k, n, p, shape)) as never;
}
/**
 * Multinomial counts over `p`'s last axis (`random.multinomial`): `n` draws
 * per batch entry, float32 counts of shape `[...shape, k]` that sum to `n`
 * (NoDiff). The batch shape defaults to `p`'s leading axes broadcast with `n`.
 * @example
 * ```ts
 * const c = yield* random.multinomial(10, fx.tensor([0.2, 0.3, 0.5]));
 * ```
 * @public
 */
export function multinomial(n: Param, p: Tensor<Shape, 'float32'>, shape?: readonly number[]): Eff<'Random', Tensor<Shape, 'float32'>> {
  return draw((k) => keyedMore.multinomial(k, n, p, shape)) as never;
}
/**
 * Haar-distributed (uniformly random) orthogonal n×n matrices, shape
 * `[...shape, n, n]` (`random.orthogonal`): Q of the QR decomposition of a
 * standard normal matrix, with R's diagonal made positive.
 * @example
 * ```ts
 * const q = yield* random.orthogonal(3); // qᵀq = I
 * ```
 * @public
 */
export function orthogonal(n: number, shape: readonly number[] = []): Eff<'Random', Tensor<Shape, 'float32'>> {
  return draw((k) => keyedMore.orthogonal(k, n, shape)) as never;
}
