/**
 * ml: a multilayer perceptron classifies Fisher's Iris flowers.
 *
 * The data ship with the example (`iris.ts`, 150 rows). A stratified split
 * keeps 10 flowers per species for testing; features are standardized with
 * the training set's statistics. The model is two `fx.nn.dense` layers with
 * a tanh between them, trained full-batch with `fx.optim.adam` on
 * `fx.nn.softmaxCrossEntropy`; each training step (loss, gradient and Adam
 * update) is one `fx.jit`-compiled function.
 *
 * `npm run example -- ml [--steps 300] [--hidden 16] [--seed 0]`
 * Writes `examples/out/ml.svg`: the loss curve and the learned decision
 * regions over petal length × petal width (other features at their mean).
 */
import * as fx from '../../lib/index.js';
import { consoleLog, elapsed, isMain, parseFlags, progressLine, writeOut, type Log } from '../common/cli.js';
import { Panel, PALETTE, Svg, lossPanel, rgb } from '../common/svg.js';
import { IRIS, IRIS_CLASSES } from './iris.js';

export interface MlOptions {
  /** Training steps (full batch). */
  steps?: number;
  /** Hidden units. */
  hidden?: number;
  learningRate?: number;
  /** Seed of the split and the initial weights. */
  seed?: number;
  log?: Log;
  /** File name under `examples/out/`, or `null` for no picture. */
  svg?: string | null;
}

export interface MlResult {
  trainAccuracy: number;
  testAccuracy: number;
  losses: number[];
  trainSize: number;
  testSize: number;
  seconds: number;
  svgPath: string | null;
}

type Layers = { hidden: fx.nn.DenseParams; out: fx.nn.DenseParams };

/** Logits of the classifier: dense → tanh → dense. The batch dim `B` is symbolic. */
function model<B extends number>(p: Layers, x: fx.Tensor<[B, number], 'float32'>): fx.Tensor<[B, number], 'float32'> {
  return fx.nn.dense(p.out, fx.tanh(fx.nn.dense(p.hidden, x)));
}

function loss(p: Layers, x: fx.Tensor<[number, number], 'float32'>, labels: fx.Tensor<[number], 'int32'>): fx.Tensor<[], 'float32'> {
  return fx.nn.softmaxCrossEntropy(model(p, x), labels);
}

/** Stratified split: `perClass` test rows per species, chosen by a key-driven shuffle. */
function split(key: fx.random.Key, perClass: number): { train: number[]; test: number[] } {
  const words = fx.random.bits(key, IRIS.length);
  const order = IRIS.map((_, i) => i).sort((a, b) => words[a]! - words[b]!);
  const taken = [0, 0, 0];
  const train: number[] = [];
  const test: number[] = [];
  for (const i of order) {
    const c = IRIS[i]![4];
    if (taken[c]! < perClass) {
      taken[c]!++;
      test.push(i);
    } else train.push(i);
  }
  return { train, test };
}

async function accuracy(p: Layers, x: fx.Tensor<[number, number], 'float32'>, labels: fx.Tensor<[number], 'int32'>): Promise<number> {
  const hits = fx.scope(() => fx.mean(fx.cast(fx.equal(fx.argmax(model(p, x), -1), labels), 'float32')));
  const value = (await hits.data())[0]!;
  hits.dispose();
  return value;
}

export async function run(options: MlOptions = {}): Promise<MlResult> {
  const { steps = 300, hidden = 16, learningRate = 0.05, seed = 0, log = consoleLog } = options;
  const started = performance.now();
  const [splitKey, initKey] = fx.random.split(fx.random.key(seed));
  const { train, test } = split(splitKey!, 10);

  // Standardize with the training rows' mean and standard deviation.
  const mean = [0, 1, 2, 3].map((j) => train.reduce((s, i) => s + IRIS[i]![j]!, 0) / train.length);
  const std = [0, 1, 2, 3].map((j) => Math.sqrt(train.reduce((s, i) => s + (IRIS[i]![j]! - mean[j]!) ** 2, 0) / train.length));
  const features = (rows: number[]) => fx.tensor(rows.map((i) => [0, 1, 2, 3].map((j) => (IRIS[i]![j]! - mean[j]!) / std[j]!))) as fx.Tensor<[number, number], 'float32'>;
  const labelsOf = (rows: number[]) => fx.tensor(rows.map((i) => IRIS[i]![4]), 'int32') as fx.Tensor<[number], 'int32'>;
  const [xTrain, yTrain, xTest, yTest] = [features(train), labelsOf(train), features(test), labelsOf(test)];

  const [k1, k2] = fx.random.split(initKey!);
  let params: Layers = { hidden: fx.nn.denseInit(k1!, 4, hidden), out: fx.nn.denseInit(k2!, hidden, 3) };
  const optimizer = fx.optim.adam({ learningRate });
  let state = optimizer.init(params);

  const lossAndGrad = fx.valueAndGrad(loss);
  const trainStep = fx.jit((p: Layers, s: fx.optim.AdamState<Layers>, x: fx.Tensor<[number, number], 'float32'>, y: fx.Tensor<[number], 'int32'>) => {
    const [value, grads] = lossAndGrad(p, x, y);
    const [nextParams, nextState] = optimizer.update(grads, s, p);
    return [value, nextParams, nextState] as const;
  });

  log(`ml: iris MLP 4-${hidden}-3, ${train.length} training / ${test.length} test flowers, adam lr ${learningRate}, backend ${fx.getBackend()}`);
  const losses: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const [value, nextParams, nextState] = trainStep(params, state, xTrain, yTrain) as unknown as [fx.Tensor<[], 'float32'>, Layers, fx.optim.AdamState<Layers>];
    fx.optim.dispose(params, state);
    [params, state] = [nextParams, nextState];
    losses.push((await value.data())[0]!);
    value.dispose();
    if (step === 1 || step % Math.max(1, Math.round(steps / 10)) === 0 || step === steps) log(progressLine(step, steps, { loss: losses[losses.length - 1]! }));
  }
  const trainAccuracy = await accuracy(params, xTrain, yTrain);
  const testAccuracy = await accuracy(params, xTest, yTest);
  log(`train accuracy ${(100 * trainAccuracy).toFixed(1)}%   test accuracy ${(100 * testAccuracy).toFixed(1)}% (${Math.round(testAccuracy * test.length)}/${test.length})`);

  let svgPath: string | null = null;
  const svgName = options.svg === undefined ? 'ml.svg' : options.svg;
  if (svgName) {
    svgPath = writeOut(svgName, await picture(params, losses, mean, std, test));
    log(`picture: ${svgPath}`);
  }
  fx.optim.dispose(params, state, xTrain, yTrain, xTest, yTest);
  const seconds = (performance.now() - started) / 1000;
  log(`done in ${elapsed(started)} (jit: ${trainStep.stats().traces} trace, ${trainStep.stats().cacheHits} cache hits)`);
  return { trainAccuracy, testAccuracy, losses, trainSize: train.length, testSize: test.length, seconds, svgPath };
}

/** Loss curve and decision regions over petal length × width (sepal features at their mean). */
async function picture(params: Layers, losses: number[], mean: number[], std: number[], test: number[]): Promise<string> {
  const svg = new Svg(860, 430);
  svg.text(430, 22, 'Iris MLP: training loss and decision regions', { anchor: 'middle', size: 15, weight: 'bold' });
  lossPanel(svg, 60, 60, 330, 280, losses, 'softmax cross-entropy (log10)');
  const region = new Panel(svg, 470, 60, 360, 280, [0.8, 7.1], [0, 2.6]);
  const n = 48;
  const grid: number[][] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const pl = 0.8 + ((j + 0.5) / n) * 6.3;
      const pw = 2.6 - ((i + 0.5) / n) * 2.6;
      grid.push([0, 0, (pl - mean[2]!) / std[2]!, (pw - mean[3]!) / std[3]!]);
    }
  }
  const classes = fx.scope(() => fx.argmax(model(params, fx.tensor(grid) as fx.Tensor<[number, number], 'float32'>), -1));
  const predicted = Array.from(await classes.data());
  classes.dispose();
  const tint = [rgb(0.8, 0.88, 0.97), rgb(0.98, 0.82, 0.82), rgb(0.82, 0.94, 0.82)];
  const cw = region.w / n;
  const ch = region.h / n;
  predicted.forEach((c, k) => svg.rect(region.x + (k % n) * cw, region.y + Math.floor(k / n) * ch, cw + 0.3, ch + 0.3, tint[c]!));
  region.frame('decision regions (petal length × width, cm)', 'petal length', 'petal width');
  const isTest = new Set(test);
  IRIS.forEach((row, i) => region.points([row[2]], [row[3]], PALETTE[row[4]]!, isTest.has(i) ? 4.5 : 2.5, isTest.has(i) ? { stroke: '#000' } : { opacity: 0.7 }));
  IRIS_CLASSES.forEach((name, c) => {
    svg.circle(480 + c * 95, 402, 5, PALETTE[c]!);
    svg.text(490 + c * 95, 406, name, { size: 11 });
  });
  svg.text(830, 406, 'outlined: test flowers', { size: 11, anchor: 'end', color: '#555' });
  svg.text(650, 424, 'sepal measurements held at their training mean', { size: 10, anchor: 'middle', color: '#777' });
  return svg.toString();
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  const result = await run({
    steps: Number(flags.steps ?? 300),
    hidden: Number(flags.hidden ?? 16),
    seed: Number(flags.seed ?? 0),
    learningRate: Number(flags.lr ?? 0.05),
  });
  if (result.testAccuracy < 0.9) process.exitCode = 1;
}
