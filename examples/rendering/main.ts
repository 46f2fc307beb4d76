/**
 * rendering: a differentiable soft rasterizer recovers a scene from its image.
 *
 * A scene is a few coloured discs composited back to front over a white
 * background. A pixel's coverage by a disc is `sigmoid((r − d) / s)`, with
 * `d` the pixel's distance to the centre and `s` the edge softness: a
 * smooth stand-in for the hard inside/outside test, so the image is a
 * differentiable function of every centre, radius and colour. Starting from
 * a wrong guess (grey discs in the wrong places), Adam on the pixel MSE
 * recovers the positions, sizes and colours of the target. The softness is
 * annealed from blurry (wide basins) to the target's crisp edges.
 *
 * `npm run example -- rendering [--size 32] [--steps 400]`
 * Writes `examples/out/rendering.svg`: target, initial guess, result, the
 * centres' paths, and the loss curve.
 */
import * as fx from '../../lib/index.js';
import { consoleLog, elapsed, isMain, parseFlags, progressLine, writeOut, type Log } from '../common/cli.js';
import { Svg, lossPanel, Panel, rgb } from '../common/svg.js';

/** The discs of a scene; every leaf is optimized. */
export interface Scene {
  /** Centres, `[K, 2]`, (x, y) in [0, 1] image units, y down. */
  center: fx.Tensor<[number, 2], 'float32'>;
  /** Log radii, `[K]` (the log keeps radii positive). */
  logRadius: fx.Tensor<[number], 'float32'>;
  /** Colour logits, `[K, 3]`; the colour is their sigmoid (so it stays in [0, 1]). */
  colorLogit: fx.Tensor<[number, 3], 'float32'>;
}

/** The true scene: three discs, red, green and blue-ish, overlapping a little. */
export const TRUE_SCENE = {
  center: [
    [0.32, 0.35],
    [0.66, 0.42],
    [0.45, 0.7],
  ],
  radius: [0.2, 0.16, 0.18],
  color: [
    [0.9, 0.2, 0.15],
    [0.2, 0.75, 0.3],
    [0.15, 0.3, 0.85],
  ],
};

const logit = (p: number) => Math.log(p / (1 - p));

function sceneOf(s: { center: number[][]; radius: number[]; color: number[][] }): Scene {
  return {
    center: fx.tensor(s.center) as Scene['center'],
    logRadius: fx.tensor(s.radius.map(Math.log)) as Scene['logRadius'],
    colorLogit: fx.tensor(s.color.map((c) => c.map(logit))) as Scene['colorLogit'],
  };
}

/** Pixel-centre coordinates of a size×size image, `[P, 1]` each. */
function pixelGrid(size: number): { x: fx.Tensor<[number, 1], 'float32'>; y: fx.Tensor<[number, 1], 'float32'> } {
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      xs.push([(j + 0.5) / size]);
      ys.push([(i + 0.5) / size]);
    }
  }
  return { x: fx.tensor(xs) as never, y: fx.tensor(ys) as never };
}

/**
 * Renders `[P, 3]` RGB: white, then each disc composited over with its
 * coverage `α = sigmoid((r − d)/s)`: `image ← image + α (colour − image)`.
 */
export function render(scene: Scene, x: fx.Tensor<[number, 1], 'float32'>, y: fx.Tensor<[number, 1], 'float32'>, softness: fx.Tensor<[], 'float32'>): fx.Tensor<[number, 3], 'float32'> {
  const k = scene.center.shape[0];
  const p = x.shape[0];
  const cx = fx.reshape(fx.slice(scene.center, [0, 0], [k, 1]), [1, k]);
  const cy = fx.reshape(fx.slice(scene.center, [0, 1], [k, 1]), [1, k]);
  // d = √(dx² + dy² + ε): ε keeps the derivative finite at a disc's centre.
  const d = fx.sqrt(fx.add(fx.add(fx.square(fx.sub(x, cx)), fx.square(fx.sub(y, cy))), 1e-6));
  const alpha = fx.sigmoid(fx.div(fx.sub(fx.reshape(fx.exp(scene.logRadius), [1, k]), d), softness)); // [P, K]
  const colors = fx.sigmoid(scene.colorLogit); // [K, 3]
  let image = fx.ones([p, 3]) as fx.Tensor<[number, 3], 'float32'>;
  for (let i = 0; i < k; i++) {
    const a = fx.slice(alpha, [0, i], [p, 1]) as fx.Tensor<[number, 1], 'float32'>;
    const c = fx.slice(colors, [i, 0], [1, 3]) as fx.Tensor<[1, 3], 'float32'>;
    image = fx.add(image, fx.mul(a, fx.sub(c, image)));
  }
  return image;
}

export interface RenderingOptions {
  /** Image side in pixels. */
  size?: number;
  steps?: number;
  learningRate?: number;
  log?: Log;
  svg?: string | null;
}

export interface RenderingResult {
  /** Largest distance between a recovered and a true centre, in image widths. */
  positionError: number;
  /** Largest error of a recovered colour component. */
  colorError: number;
  /** Largest error of a recovered radius, in image widths. */
  radiusError: number;
  losses: number[];
  recovered: { center: number[][]; radius: number[]; color: number[][] };
  seconds: number;
  svgPath: string | null;
}

/** Softness of the target's edges (in image widths) and of the fit's first steps. */
const SHARP = 0.01;
const BLURRY = 0.08;

export async function run(options: RenderingOptions = {}): Promise<RenderingResult> {
  const { size = 32, steps = 400, learningRate = 0.05, log = consoleLog } = options;
  const started = performance.now();
  const { x, y } = pixelGrid(size);
  const truth = sceneOf(TRUE_SCENE);
  const target = fx.scope(() => render(truth, x, y, fx.scalar(SHARP)));

  // The initial guess: grey discs of one size, each displaced by about a radius.
  const initial = sceneOf({
    center: [
      [0.25, 0.25],
      [0.75, 0.3],
      [0.55, 0.78],
    ],
    radius: [0.15, 0.15, 0.15],
    color: [
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
    ],
  });
  const initialImage = fx.scope(() => render(initial, x, y, fx.scalar(SHARP)));
  let scene: Scene = initial;
  const optimizer = fx.optim.adam({ learningRate: fx.optim.cosineDecay(learningRate, steps, { alpha: 0.05 }) });
  let state = optimizer.init(scene);
  const loss = (s: Scene, softness: fx.Tensor<[], 'float32'>) => fx.nn.mse(render(s, x, y, softness), target);
  const lossAndGrad = fx.valueAndGrad(loss);
  const step = fx.jit((s: Scene, st: fx.optim.AdamState<Scene>, softness: fx.Tensor<[], 'float32'>) => {
    const [value, grads] = lossAndGrad(s, softness);
    return [value, ...optimizer.update(grads, st, s)] as const;
  });

  log(`rendering: ${TRUE_SCENE.radius.length} soft discs, ${size}×${size} target, adam + cosine decay, backend ${fx.getBackend()}`);
  const path: number[][][] = [await scene.center.array()];
  const losses: number[] = [];
  for (let i = 1; i <= steps; i++) {
    // Anneal the edges geometrically from blurry to the target's sharpness over the first 40% of the steps.
    const t = Math.min(1, (i - 1) / (0.4 * steps));
    const softness = fx.scalar(BLURRY * Math.pow(SHARP / BLURRY, t));
    const [value, nextScene, nextState] = step(scene, state, softness) as unknown as [fx.Tensor<[], 'float32'>, Scene, fx.optim.AdamState<Scene>];
    fx.optim.dispose(scene, state, softness);
    [scene, state] = [nextScene, nextState];
    losses.push((await value.data())[0]!);
    value.dispose();
    if (i % 10 === 0) path.push(await scene.center.array());
    if (i === 1 || i % Math.max(1, Math.round(steps / 10)) === 0) log(progressLine(i, steps, { loss: losses[i - 1]!, softness: BLURRY * Math.pow(SHARP / BLURRY, t) }));
  }

  const recovered = {
    center: (await scene.center.array()) as number[][],
    radius: Array.from(await fx.scope(() => fx.exp(scene.logRadius)).data()),
    color: (await fx.scope(() => fx.sigmoid(scene.colorLogit)).array()) as number[][],
  };
  const positionError = Math.max(...recovered.center.map((c, k) => Math.hypot(c[0]! - TRUE_SCENE.center[k]![0]!, c[1]! - TRUE_SCENE.center[k]![1]!)));
  const radiusError = Math.max(...recovered.radius.map((r, k) => Math.abs(r - TRUE_SCENE.radius[k]!)));
  const colorError = Math.max(...recovered.color.flatMap((c, k) => c.map((v, j) => Math.abs(v - TRUE_SCENE.color[k]![j]!))));
  log(`max error: centre ${positionError.toExponential(2)} (${(positionError * size).toFixed(3)} px), radius ${radiusError.toExponential(2)}, colour ${colorError.toExponential(2)}`);
  recovered.center.forEach((c, k) =>
    log(`  disc ${k}: centre (${c.map((v) => v.toFixed(3)).join(', ')}) vs (${TRUE_SCENE.center[k]!.join(', ')}), colour (${recovered.color[k]!.map((v) => v.toFixed(2)).join(', ')}) vs (${TRUE_SCENE.color[k]!.join(', ')})`),
  );

  let svgPath: string | null = null;
  const svgName = options.svg === undefined ? 'rendering.svg' : options.svg;
  if (svgName) {
    const finalImage = fx.scope(() => render(scene, x, y, fx.scalar(SHARP)));
    const images = [(await initialImage.array()) as number[][], (await finalImage.array()) as number[][]];
    finalImage.dispose();
    const rows = (flat: number[][]) => Array.from({ length: size }, (_, i) => flat.slice(i * size, (i + 1) * size));
    const svg = new Svg(1020, 330);
    svg.text(510, 22, 'Soft rasterizer: recovering discs from a target image', { anchor: 'middle', size: 15, weight: 'bold' });
    const side = 200;
    svg.image(20, 60, rows((await target.array()) as number[][]), side, 'target');
    svg.image(240, 60, rows(images[0]!), side, 'initial guess');
    svg.image(460, 60, rows(images[1]!), side, `recovered (${steps} steps)`);
    // Centre paths drawn over the target.
    const over = new Panel(svg, 20, 60, side, side, [0, 1], [1, 0]);
    for (let k = 0; k < TRUE_SCENE.radius.length; k++) {
      over.series(path.map((p) => p[k]![0]!), path.map((p) => p[k]![1]!), '#000', 1.2, '3,2');
      over.points([recovered.center[k]![0]!], [recovered.center[k]![1]!], 'white', 3, { stroke: '#000' });
    }
    svg.text(120, 282, 'dashed: centre paths', { anchor: 'middle', size: 11, color: '#555' });
    lossPanel(svg, 740, 60, 250, side, losses, 'pixel MSE (log10)');
    svg.text(460, 300, `max centre error ${(positionError * size).toFixed(2)} px, colour error ${colorError.toFixed(3)}`, { size: 12 });
    svgPath = writeOut(svgName, svg.toString());
    log(`picture: ${svgPath}`);
  }
  fx.optim.dispose(scene, state, truth, target, initialImage, x, y);
  const seconds = (performance.now() - started) / 1000;
  log(`done in ${elapsed(started)}`);
  return { positionError, colorError, radiusError, losses, recovered, seconds, svgPath };
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  const r = await run({ size: Number(flags.size ?? 32), steps: Number(flags.steps ?? 400), learningRate: Number(flags.lr ?? 0.05) });
  if (r.positionError > 0.01 || r.colorError > 0.05) process.exitCode = 1;
}
