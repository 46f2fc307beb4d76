/**
 * Host-side (float64) special functions for turning random bits into
 * samples: every backend then receives the same float32 values.
 * @internal
 */

const TWO32 = 4294967296;

/** A 32-bit word to a uniform in the open interval (0, 1), float64. */
export function openUnit(word: number): number {
  return (word + 0.5) / TWO32;
}

/** A 32-bit word to a uniform in [0, 1) exactly representable in float32 (JAX's mapping: 23 mantissa bits). */
export function unitFloat32(word: number): number {
  return (word >>> 9) / 8388608;
}

/**
 * The standard normal quantile Φ⁻¹(p) for 0 < p < 1: Wichura's algorithm
 * AS241 (PPND16), accurate to about 1e-16.
 */
export function normalQuantile(p: number): number {
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r + 13731.693765509461125) * r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((5226.495278852545561 * r + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r + 5394.1960214247511077) * r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value =
      (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r + 3.64784832476320460504) * r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r + 0.68976733498510000455) * r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    value =
      (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r + 0.29656057182850489123) * r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -value : value;
}

const INV_SQRT_2PI = 0.3989422804014327;

/** The standard normal density. */
export function normalDensity(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/**
 * The standard normal CDF Φ(x), accurate in relative terms in the lower
 * tail: Marsaglia's series for |x| ≤ 5, a continued fraction beyond.
 */
export function normalCdf(x: number): number {
  if (x === -Infinity) return 0;
  if (x === Infinity) return 1;
  if (x < -5) return tail(-x);
  if (x > 5) return 1 - tail(x);
  // Φ(x) = 1/2 + φ(x) (x + x³/3 + x⁵/(3·5) + …)
  let term = x;
  let sum = x;
  const x2 = x * x;
  for (let n = 3; Math.abs(term) > 1e-17 * Math.abs(sum); n += 2) {
    term *= x2 / n;
    sum += term;
  }
  return 0.5 + normalDensity(x) * sum;
}

/** Upper tail 1 - Φ(x) for x > 5, by the Laplace continued fraction (evaluated backwards). */
function tail(x: number): number {
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / f;
  return normalDensity(x) / f;
}

/**
 * A sample of the standard normal truncated to [lower, upper] by inverse
 * CDF, from a uniform u in (0, 1). Works in the lower tail for accuracy.
 */
export function truncatedNormalFromUnit(u: number, lower: number, upper: number): number {
  if (lower > 0) return -truncatedNormalFromUnit(1 - u, -upper, -lower);
  const pa = normalCdf(lower);
  const pb = normalCdf(upper);
  const p = pa + u * (pb - pa);
  const z = normalQuantile(Math.min(Math.max(p, Number.MIN_VALUE), 1 - 2 ** -53));
  return Math.min(Math.max(z, lower), upper);
}

/** log Φ(−v) for v ≥ 0, accurate far in the tail (Laplace's continued fraction there). */
function logNormalUpperTail(v: number): number {
  if (v <= 5) return Math.log(normalCdf(-v));
  let f = v;
  for (let k = 60; k >= 1; k--) f = v + k / f;
  return -0.5 * v * v - 0.5 * Math.log(2 * Math.PI) - Math.log(f);
}

/**
 * dx/dμ of an IG(μ, 1) sample x, −(∂F/∂μ)/p(x). With F = Φ(u) + e^{2/μ} Φ(−v),
 * u = (x/μ − 1)/√x, v = (x/μ + 1)/√x, the φ terms cancel (e^{2/μ} φ(v) = φ(u)),
 * leaving ∂F/∂μ = −(2/μ²) e^{2/μ} Φ(−v); evaluated in log space.
 */
export function waldSampleDerivative(mu: number, x: number): number {
  if (!(x > 0)) return 0;
  const v = (x / mu + 1) / Math.sqrt(x);
  const logNum = Math.log(2) - 2 * Math.log(mu) + 2 / mu + logNormalUpperTail(v);
  const logDensity = -0.5 * Math.log(2 * Math.PI * x * x * x) - ((x - mu) * (x - mu)) / (2 * mu * mu * x);
  return Math.exp(logNum - logDensity);
}

/** The IG(μ, 1) CDF (for tests): Φ(u) + e^{2/μ} Φ(−v). */
export function waldCdf(mu: number, x: number): number {
  if (!(x > 0)) return 0;
  const u = (x / mu - 1) / Math.sqrt(x);
  const v = (x / mu + 1) / Math.sqrt(x);
  return normalCdf(u) + Math.exp(2 / mu + logNormalUpperTail(v));
}
