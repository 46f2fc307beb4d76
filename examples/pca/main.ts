/**
 * pca: principal component analysis of Fisher's Iris flowers by SVD, and the
 * gradient of the explained variance.
 *
 * The four measurements are centred and each scaled by a weight `w`
 * (initially 1/std: standardized features). `fx.linalg.svd` of the centred
 * data gives the principal axes (rows of `vh`) and the singular values `s`;
 * the first two components explain `(s₁² + s₂²) / Σ sᵢ²` of the variance.
 * `fx.grad` of that ratio with respect to `w` (through the SVD's derivative
 * rule) says which feature's weight would concentrate the variance further;
 * a few steps of gradient ascent on `w` follow it. The gradient is checked
 * against central finite differences of the ratio computed in float64.
 *
 * `npm run example -- pca [--steps 30]`
 * Writes `examples/out/pca.svg`: the flowers on the first two principal
 * axes, and the explained variance of each component.
 */
import * as fx from '../../lib/index.js';
import { consoleLog, elapsed, isMain, parseFlags, writeOut, type Log } from '../common/cli.js';
import { Panel, PALETTE, Svg } from '../common/svg.js';
import { IRIS, IRIS_CLASSES, IRIS_FEATURES } from '../ml/iris.js';

type Weights = fx.Tensor<[4], 'float32'>;
type Data = fx.Tensor<[150, 4], 'float32'>;

/** The centred data with each feature scaled by its weight. */
function scaled(x: Data, w: Weights): Data {
  return fx.mul(fx.sub(x, fx.mean(x, 0, true)), w) as Data;
}

/** The share of the variance the first two principal components explain. */
export function explainedTop2(x: Data, w: Weights): fx.Tensor<[], 'float32'> {
  const s = fx.linalg.svdvals(scaled(x, w));
  const variance = fx.square(s);
  return fx.div(fx.sum(fx.slice(variance, [0], [2])), fx.sum(variance));
}

/** The same ratio in float64 on the host (eigenvalues of the 4×4 covariance by Jacobi rotations). */
export function explainedTop2Host(rows: readonly (readonly number[])[], w: readonly number[]): number {
  const n = rows.length;
  const mean = [0, 1, 2, 3].map((j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
  const c = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => rows.reduce((s, r) => s + (r[i]! - mean[i]!) * w[i]! * (r[j]! - mean[j]!) * w[j]!, 0)));
  for (let sweep = 0; sweep < 50; sweep++) {
    for (let p = 0; p < 4; p++) {
      for (let q = p + 1; q < 4; q++) {
        if (Math.abs(c[p]![q]!) < 1e-300) continue;
        const theta = (c[q]![q]! - c[p]![p]!) / (2 * c[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let k = 0; k < 4; k++) {
          const a = c[k]![p]!;
          const b = c[k]![q]!;
          c[k]![p] = cs * a - sn * b;
          c[k]![q] = sn * a + cs * b;
        }
        for (let k = 0; k < 4; k++) {
          const a = c[p]![k]!;
          const b = c[q]![k]!;
          c[p]![k] = cs * a - sn * b;
          c[q]![k] = sn * a + cs * b;
        }
      }
    }
  }
  const eig = [0, 1, 2, 3].map((i) => c[i]![i]!).sort((a, b) => b - a);
  return (eig[0]! + eig[1]!) / eig.reduce((s, v) => s + v, 0);
}

export interface PcaOptions {
  /** Gradient-ascent steps on the feature weights. */
  steps?: number;
  learningRate?: number;
  log?: Log;
  /** File name under `examples/out/`, or `null` for no picture. */
  svg?: string | null;
}

export interface PcaResult {
  /** Explained variance ratio of each component, standardized features. */
  ratios: number[];
  /** The gradient of the top-2 ratio w.r.t. the weights, and its float64 finite-difference estimate. */
  gradient: number[];
  finiteDifference: number[];
  /** Top-2 ratio before and after the ascent on the weights. */
  before: number;
  after: number;
  svgPath: string | null;
}

export async function run(options: PcaOptions = {}): Promise<PcaResult> {
  const { steps = 30, learningRate = 0.5, log = consoleLog } = options;
  const started = performance.now();
  const rows = IRIS.map((r) => r.slice(0, 4) as number[]);
  const x = fx.tensor(rows.flat(), [150, 4]) as Data;
  const std = [0, 1, 2, 3].map((j) => {
    const m = rows.reduce((s, r) => s + r[j]!, 0) / 150;
    return Math.sqrt(rows.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / 150);
  });
  let w = fx.tensor(std.map((s) => 1 / s)) as Weights;

  // Components of the standardized data.
  const [scores, ratios] = await fx.scope(async () => {
    const [u, s] = fx.linalg.svd(scaled(x, w));
    const variance = (await fx.square(s).array()) as number[];
    const total = variance.reduce((a, b) => a + b, 0);
    // Principal-component scores: u · s (the data in the principal axes' coordinates).
    const projected = (await fx.mul(u, s).array()) as number[][];
    return [projected, variance.map((v) => v / total)] as const;
  });
  log(`pca: explained variance ${ratios.map((r) => `${(100 * r).toFixed(1)}%`).join(', ')} (features ${IRIS_FEATURES.join(', ')})`);

  // The gradient of the top-2 ratio w.r.t. the feature weights, against float64 central differences.
  const wHost = Array.from(await w.data());
  const g = fx.grad((v: Weights) => explainedTop2(x, v))(w);
  const gradient = Array.from(await g.data());
  g.dispose();
  const h = 1e-4;
  const finiteDifference = wHost.map((_, j) => {
    const plus = wHost.map((v, k) => (k === j ? v * (1 + h) : v));
    const minus = wHost.map((v, k) => (k === j ? v * (1 - h) : v));
    return (explainedTop2Host(rows, plus) - explainedTop2Host(rows, minus)) / (2 * h * wHost[j]!);
  });
  log(`d ratio / d w: ${gradient.map((v) => v.toFixed(4)).join(', ')} (float64 finite differences: ${finiteDifference.map((v) => v.toFixed(4)).join(', ')})`);

  // Gradient ascent on the (relative) weights: which scaling makes two components explain most.
  const before = explainedTop2Host(rows, wHost);
  const ascend = fx.jit((v: Weights) => {
    const [value, dv] = fx.valueAndGrad((u: Weights) => explainedTop2(x, u))(v);
    return [value, fx.add(v, fx.mul(fx.mul(dv, v), fx.mul(v, learningRate)))] as const;
  });
  for (let i = 0; i < steps; i++) {
    const [value, next] = ascend(w);
    value.dispose();
    w.dispose();
    w = next as Weights;
  }
  const after = explainedTop2Host(rows, Array.from(await w.data()));
  log(`top-2 explained variance ${(100 * before).toFixed(2)}% -> ${(100 * after).toFixed(2)}% after ${steps} ascent steps on the feature weights`);

  let svgPath: string | null = null;
  const svgName = options.svg === undefined ? 'pca.svg' : options.svg;
  if (svgName) {
    const svg = new Svg(860, 400);
    svg.text(430, 22, 'Iris by PCA (SVD of the standardized data)', { anchor: 'middle', size: 15, weight: 'bold' });
    const pc1 = scores.map((r) => r[0]!);
    const pc2 = scores.map((r) => r[1]!);
    const span = (v: number[]) => [Math.min(...v) - 0.5, Math.max(...v) + 0.5] as [number, number];
    const scatter = new Panel(svg, 60, 50, 420, 300, span(pc1), span(pc2)).frame('flowers on the first two principal axes', 'PC1', 'PC2');
    IRIS_CLASSES.forEach((name, c) => {
      const idx = IRIS.flatMap((r, i) => (r[4] === c ? [i] : []));
      scatter.points(idx.map((i) => pc1[i]!), idx.map((i) => pc2[i]!), PALETTE[c]!, 3, { opacity: 0.8 });
    });
    scatter.legend(IRIS_CLASSES.map((name, c) => [name, PALETTE[c]!] as [string, string]));
    const bars = new Panel(svg, 560, 50, 260, 300, [0.5, 4.5], [0, 1]).frame('explained variance ratio', 'component', '');
    ratios.forEach((r, i) => svg.rect(bars.px(i + 0.7), bars.py(r), bars.px(i + 1.3) - bars.px(i + 0.7), bars.py(0) - bars.py(r), PALETTE[3] ?? '#4477aa'));
    svgPath = writeOut(svgName, svg.toString());
    log(`picture: ${svgPath}`);
  }
  fx.optim.dispose(x, w);
  log(`done in ${elapsed(started)}`);
  return { ratios, gradient, finiteDifference, before, after, svgPath };
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  await run({ steps: Number(flags.steps ?? 30) });
}
