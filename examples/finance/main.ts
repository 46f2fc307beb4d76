/**
 * finance: Black–Scholes price and Greeks by automatic differentiation, and
 * Monte Carlo Greeks by reparameterization.
 *
 * 1. The closed-form call price C(S, σ, T, r) = S·N(d₁) − K·e^{−rT}·N(d₂)
 *    is written with fluxion ops (N from `fx.erf`). `fx.grad` gives delta,
 *    vega, theta and rho in one reverse pass; `fx.hessian` gives gamma (and
 *    vanna, volga); each is compared with its textbook closed form.
 * 2. Monte Carlo: terminal prices S_T = S·exp((r − σ²/2)T + σ√T·Z) with Z
 *    drawn by the `Random` effect (`random.normal`, handled by `runRandom`
 *    with a fixed key). Because S_T is a differentiable function of the
 *    parameters given Z (the reparameterization trick), `fx.grad` of the
 *    effectful pricing program gives pathwise estimators of delta, vega,
 *    theta and rho. (Gamma has no pathwise estimator for a kinked payoff:
 *    the payoff's second derivative is zero almost everywhere.)
 *
 * `npm run example -- finance [--paths 200000]`
 * Writes `examples/out/finance.svg`: price, delta and gamma across spot
 * prices (AD lines over closed-form dots), and the Monte Carlo Greeks with
 * their standard errors.
 */
import * as fx from '../../lib/index.js';
import { Eff, random, runRandom } from '../../effects/index.js';
import { consoleLog, elapsed, isMain, parseFlags, writeOut, type Log } from '../common/cli.js';
import { PALETTE, Panel, Svg, extent } from '../common/svg.js';

/** Market inputs as one vector, so `grad` and `hessian` give every sensitivity at once. */
type Market = fx.Tensor<[4], 'float32'>; // [spot S, volatility σ, maturity T (years), rate r]
type Scalar = fx.Tensor<[], 'float32'>;

export const MARKET = { spot: 100, vol: 0.2, maturity: 1, rate: 0.05 };
export const STRIKE = 105;

const component = (m: Market, i: number) => fx.reshape(fx.slice(m, [i], [1]), []) as Scalar;

/** Standard normal CDF: N(x) = ½(1 + erf(x/√2)). */
const normalCdf = <S extends number[]>(x: fx.Tensor<S, 'float32'>) => fx.mul(fx.add(fx.erf(fx.mul(x, Math.SQRT1_2)), 1), 0.5);

/**
 * Black–Scholes price of a European call with strike K, elementwise over
 * broadcastable inputs (a vector of spots gives a vector of prices).
 */
export function blackScholesCall<S extends number[]>(s: fx.Tensor<S, 'float32'>, sigma: Scalar, t: Scalar, r: Scalar, strike = STRIKE): fx.Tensor<S, 'float32'> {
  const volSqrtT = fx.mul(sigma, fx.sqrt(t));
  const d1 = fx.div(fx.add(fx.log(fx.div(s, strike)), fx.mul(fx.add(r, fx.mul(fx.square(sigma), 0.5)), t)), volSqrtT);
  const d2 = fx.sub(d1, volSqrtT);
  const discountedStrike = fx.mul(fx.exp(fx.neg(fx.mul(r, t))), strike);
  return fx.sub(fx.mul(s, normalCdf(d1)), fx.mul(discountedStrike, normalCdf(d2)));
}

/** The call price as a function of the market vector [S, σ, T, r]. */
export function callPrice(m: Market, strike = STRIKE): Scalar {
  const [s, sigma, t, r] = [0, 1, 2, 3].map((i) => component(m, i)) as [Scalar, Scalar, Scalar, Scalar];
  return blackScholesCall(s, sigma, t, r, strike);
}

/** Closed forms (float64, on the host). Theta is −∂C/∂T (value lost per year). */
export function closedForm(spot = MARKET.spot, vol = MARKET.vol, maturity = MARKET.maturity, rate = MARKET.rate, strike = STRIKE) {
  const cdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
  const pdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  const sqrtT = Math.sqrt(maturity);
  const d1 = (Math.log(spot / strike) + (rate + 0.5 * vol * vol) * maturity) / (vol * sqrtT);
  const d2 = d1 - vol * sqrtT;
  const disc = Math.exp(-rate * maturity);
  return {
    price: spot * cdf(d1) - strike * disc * cdf(d2),
    delta: cdf(d1),
    gamma: pdf(d1) / (spot * vol * sqrtT),
    vega: spot * pdf(d1) * sqrtT,
    theta: -(spot * pdf(d1) * vol) / (2 * sqrtT) - rate * strike * disc * cdf(d2),
    rho: strike * maturity * disc * cdf(d2),
    vanna: (-pdf(d1) * d2) / vol,
    volga: (spot * pdf(d1) * sqrtT * d1 * d2) / vol,
  };
}

/** erf on the host: the Numerical Recipes erfc approximation (relative error < 1.2e-7, far inside the 1e-3 checks). */
function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

/**
 * The Monte Carlo price as an effectful program: draws `paths` standard
 * normals, maps them to terminal prices, averages the discounted payoffs.
 */
export function monteCarloPrice(m: Market, paths: number, strike = STRIKE) {
  return Eff.gen(function* () {
    const z = yield* random.normal([paths]);
    const [s, sigma, t, r] = [0, 1, 2, 3].map((i) => component(m, i)) as [Scalar, Scalar, Scalar, Scalar];
    const drift = fx.mul(fx.sub(r, fx.mul(fx.square(sigma), 0.5)), t);
    const terminal = fx.mul(s, fx.exp(fx.add(drift, fx.mul(fx.mul(sigma, fx.sqrt(t)), z))));
    const payoff = fx.relu(fx.sub(terminal, strike));
    return fx.mul(fx.mean(payoff), fx.exp(fx.neg(fx.mul(r, t)))) as Scalar;
  });
}

/** Per-path discounted payoffs, to estimate the standard errors. */
function perPathPayoff(m: Market, paths: number, strike = STRIKE) {
  return Eff.gen(function* () {
    const z = yield* random.normal([paths]);
    const [s, sigma, t, r] = [0, 1, 2, 3].map((i) => component(m, i)) as [Scalar, Scalar, Scalar, Scalar];
    const terminal = fx.mul(s, fx.exp(fx.add(fx.mul(fx.sub(r, fx.mul(fx.square(sigma), 0.5)), t), fx.mul(fx.mul(sigma, fx.sqrt(t)), z))));
    return fx.mul(fx.relu(fx.sub(terminal, strike)), fx.exp(fx.neg(fx.mul(r, t))));
  });
}

export interface FinanceOptions {
  /** Monte Carlo paths. */
  paths?: number;
  seed?: number;
  log?: Log;
  svg?: string | null;
}

export interface GreekRow {
  name: string;
  ad: number;
  exact: number;
}

export interface FinanceResult {
  /** AD (grad/hessian of the closed-form price) vs closed-form Greeks. */
  analytic: GreekRow[];
  /** Largest |AD − closed form| over the analytic rows. */
  maxAnalyticError: number;
  /** Monte Carlo price and pathwise Greeks, with standard errors. */
  monteCarlo: { name: string; estimate: number; standardError: number; exact: number }[];
  seconds: number;
  svgPath: string | null;
}

export async function run(options: FinanceOptions = {}): Promise<FinanceResult> {
  const { paths = 200_000, seed = 0, log = consoleLog } = options;
  const started = performance.now();
  const exact = closedForm();
  const market = fx.tensor([MARKET.spot, MARKET.vol, MARKET.maturity, MARKET.rate]) as Market;
  log(`finance: European call, S = ${MARKET.spot}, K = ${STRIKE}, σ = ${MARKET.vol}, T = ${MARKET.maturity}, r = ${MARKET.rate}; backend ${fx.getBackend()}`);

  // ------------------------------------------------------------ closed-form price: Greeks by grad and hessian
  const [price, grads] = fx.valueAndGrad(callPrice)(market);
  const hessian = fx.hessian(callPrice)(market);
  const g = Array.from(await grads.data());
  const h = (await hessian.array()) as number[][];
  const analytic: GreekRow[] = [
    { name: 'price', ad: (await price.data())[0]!, exact: exact.price },
    { name: 'delta ∂C/∂S', ad: g[0]!, exact: exact.delta },
    { name: 'gamma ∂²C/∂S²', ad: h[0]![0]!, exact: exact.gamma },
    { name: 'vega ∂C/∂σ', ad: g[1]!, exact: exact.vega },
    { name: 'theta −∂C/∂T', ad: -g[2]!, exact: exact.theta },
    { name: 'rho ∂C/∂r', ad: g[3]!, exact: exact.rho },
    { name: 'vanna ∂²C/∂S∂σ', ad: h[0]![1]!, exact: exact.vanna },
    { name: 'volga ∂²C/∂σ²', ad: h[1]![1]!, exact: exact.volga },
  ];
  fx.optim.dispose(price, grads, hessian);
  const maxAnalyticError = Math.max(...analytic.map((row) => Math.abs(row.ad - row.exact)));
  log('closed-form price, Greeks by fx.grad / fx.hessian vs textbook formulas:');
  for (const row of analytic) log(`  ${row.name.padEnd(16)} AD ${row.ad.toFixed(6).padStart(11)}   exact ${row.exact.toFixed(6).padStart(11)}   |diff| ${Math.abs(row.ad - row.exact).toExponential(1)}`);
  log(`  largest |AD − exact| = ${maxAnalyticError.toExponential(2)}`);

  // ------------------------------------------------------------ Monte Carlo: pathwise Greeks through the Random effect
  const key = fx.random.key(seed);
  const mcStarted = performance.now();
  const [mcPrice, mcGrads] = runRandom(fx.valueAndGrad((m: Market) => monteCarloPrice(m, paths))(market), key);
  // Standard errors from the per-path values: the same key replays the same draws. Per-path
  // pathwise derivatives come from one forward-mode pass (jvp) per parameter.
  const perPath = runRandom(perPathPayoff(market, paths), key);
  const payoffs = Array.from(await perPath.data());
  perPath.dispose();
  const directional = await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const tangent = fx.tensor([0, 1, 2, 3].map((j) => (j === i ? 1 : 0))) as Market;
      const [out, dir] = runRandom(fx.jvp((m: Market) => perPathPayoff(m, paths), [market], [tangent]), key);
      const values = Array.from(await dir.data());
      fx.optim.dispose(out, dir, tangent);
      return values;
    }),
  );
  const se = (xs: number[]) => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) / xs.length);
  };
  const mg = Array.from(await mcGrads.data());
  const monteCarlo = [
    { name: 'price', estimate: (await mcPrice.data())[0]!, standardError: se(payoffs), exact: exact.price },
    { name: 'delta', estimate: mg[0]!, standardError: se(directional[0]!), exact: exact.delta },
    { name: 'vega', estimate: mg[1]!, standardError: se(directional[1]!), exact: exact.vega },
    { name: 'theta', estimate: -mg[2]!, standardError: se(directional[2]!), exact: exact.theta },
    { name: 'rho', estimate: mg[3]!, standardError: se(directional[3]!), exact: exact.rho },
  ];
  fx.optim.dispose(mcPrice, mcGrads);
  log(`Monte Carlo with ${paths} paths (pathwise derivatives through random.normal, ${elapsed(mcStarted)}):`);
  for (const row of monteCarlo) {
    log(`  ${row.name.padEnd(6)} MC ${row.estimate.toFixed(4).padStart(9)} ± ${row.standardError.toFixed(4)}   exact ${row.exact.toFixed(4).padStart(9)}   (${((row.estimate - row.exact) / row.standardError).toFixed(2)} SE)`);
  }

  let svgPath: string | null = null;
  const svgName = options.svg === undefined ? 'finance.svg' : options.svg;
  if (svgName) {
    svgPath = writeOut(svgName, await picture(monteCarlo));
    log(`picture: ${svgPath}`);
  }
  market.dispose();
  const seconds = (performance.now() - started) / 1000;
  log(`done in ${elapsed(started)}`);
  return { analytic, maxAnalyticError, monteCarlo, seconds, svgPath };
}

/** Price, delta and gamma across spot prices: AD lines over closed-form dots; Monte Carlo error bars. */
async function picture(monteCarlo: FinanceResult['monteCarlo']): Promise<string> {
  const spots = Array.from({ length: 61 }, (_, i) => 60 + i);
  // The price is elementwise in S, so the gradient of Σᵢ C(Sᵢ) holds every delta, and the gradient of Σᵢ deltaᵢ every gamma.
  const [sigma, t, r] = [fx.scalar(MARKET.vol), fx.scalar(MARKET.maturity), fx.scalar(MARKET.rate)];
  const priceAt = (x: fx.Tensor<[number], 'float32'>) => blackScholesCall(x, sigma, t, r);
  const delta = fx.grad((x: fx.Tensor<[number], 'float32'>) => fx.sum(priceAt(x)));
  const gamma = fx.grad((x: fx.Tensor<[number], 'float32'>) => fx.sum(delta(x)));
  const s = fx.tensor(spots) as fx.Tensor<[number], 'float32'>;
  const [prices, deltas, gammas] = await Promise.all(
    [fx.scope(() => priceAt(s)), fx.scope(() => delta(s)), fx.scope(() => gamma(s))].map(async (v) => {
      const values = Array.from(await v.data());
      v.dispose();
      return values;
    }),
  );
  fx.optim.dispose(s, sigma, t, r);
  const exactAt = spots.map((sp) => closedForm(sp));
  const svg = new Svg(1100, 380);
  svg.text(550, 22, `Black–Scholes call (K = ${STRIKE}, σ = ${MARKET.vol}, T = ${MARKET.maturity}, r = ${MARKET.rate}): AD vs closed form`, { anchor: 'middle', size: 15, weight: 'bold' });
  const panels: [string, number[], number[]][] = [
    ['price C(S)', prices!, exactAt.map((e) => e.price)],
    ['delta ∂C/∂S (grad)', deltas!, exactAt.map((e) => e.delta)],
    ['gamma ∂²C/∂S² (grad of grad)', gammas!, exactAt.map((e) => e.gamma)],
  ];
  panels.forEach(([title, ad, ex], i) => {
    const p = new Panel(svg, 50 + i * 260, 60, 210, 250, [spots[0]!, spots[spots.length - 1]!], extent([...ad, ...ex]));
    p.frame(title, 'spot S', '');
    p.points(spots.filter((_, j) => j % 4 === 0), ex.filter((_, j) => j % 4 === 0), PALETTE[1]!, 3);
    p.series(spots, ad, PALETTE[0]!, 1.8);
    if (i === 0) p.legend([['AD', PALETTE[0]!], ['closed form', PALETTE[1]!]]);
  });
  // Monte Carlo estimates as z-scores with ±2 SE bands.
  const mc = new Panel(svg, 860, 60, 210, 250, [-0.5, monteCarlo.length - 0.5], [-4, 4]);
  mc.frame('Monte Carlo − exact (in SE)', '', 'standard errors', false);
  for (const v of [-4, -2, 0, 2, 4]) svg.text(mc.x - 4, mc.py(v) + 4, String(v), { anchor: 'end', size: 10, color: '#666' });
  svg.rect(mc.x, mc.py(2), mc.w, mc.py(-2) - mc.py(2), '#eef3fa');
  svg.line(mc.x, mc.py(0), mc.x + mc.w, mc.py(0), '#999', 1, '3,3');
  monteCarlo.forEach((row, i) => {
    const z = (row.estimate - row.exact) / row.standardError;
    mc.points([i], [Math.max(-4, Math.min(4, z))], PALETTE[0]!, 4);
    svg.text(mc.px(i), mc.y + mc.h + 14, row.name, { anchor: 'middle', size: 10 });
  });
  svg.text(mc.x + mc.w / 2, mc.y + mc.h + 32, 'shaded: ±2 SE', { anchor: 'middle', size: 10, color: '#666' });
  return svg.toString();
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  const r = await run({ paths: Number(flags.paths ?? 200_000), seed: Number(flags.seed ?? 0) });
  if (r.maxAnalyticError > 1e-3) process.exitCode = 1;
}
