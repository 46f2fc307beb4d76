/**
 * transformer: a one-block character-level transformer learns to continue a
 * short text.
 *
 * The model is what people train today, in miniature: a token embedding plus
 * a learned position embedding, one pre-norm block (`fx.nn.rmsNorm`, causal
 * multi-head `fx.nn.dotProductAttention`, a residual, `fx.nn.rmsNorm`, a
 * GELU MLP, a residual), a final norm and a projection to the vocabulary.
 * Every shape is in the types and generic in the batch and sequence lengths
 * (`<B, T>`). Training is full `fx.jit` steps of `fx.valueAndGrad` +
 * `fx.optim.adam` on `fx.nn.softmaxCrossEntropy` over random windows of the
 * text; after training the model samples a continuation greedily.
 *
 * `npm run example -- transformer [--steps 300] [--seed 0]`
 * Writes `examples/out/transformer.svg`: the training loss.
 */
import * as fx from '../../lib/index.js';
import type { Dim } from '../../typelevel/index.js';
import { consoleLog, elapsed, isMain, parseFlags, progressLine, writeOut, type Log } from '../common/cli.js';
import { Svg, lossPanel } from '../common/svg.js';

const TEXT =
  'the quick brown fox jumps over the lazy dog. the lazy dog sleeps in the sun. ' +
  'the quick fox runs to the river and the dog follows the fox to the river. ';

/** Model sizes: vocabulary (the text's characters), context, width, heads, MLP width. */
const D = 32;
const HEADS = 4;
const HEAD = 8; // D / HEADS
const MLP = 64;
const CONTEXT = 16;

type F32<S extends number[]> = fx.Tensor<S, 'float32'>;

export interface Params<V extends Dim = number> {
  tokens: F32<[V, typeof D]>;
  positions: F32<[typeof CONTEXT, typeof D]>;
  norm1: fx.nn.RmsNormParams<typeof D>;
  qkv: fx.nn.DenseParams<typeof D, 96>;
  proj: fx.nn.DenseParams<typeof D, typeof D>;
  norm2: fx.nn.RmsNormParams<typeof D>;
  up: fx.nn.DenseParams<typeof D, typeof MLP>;
  down: fx.nn.DenseParams<typeof MLP, typeof D>;
  normOut: fx.nn.RmsNormParams<typeof D>;
  out: fx.nn.DenseParams<typeof D, V>;
}

/** Logits of every next character: `[B, T] → [B, T, V]`, causal. */
export function forward<B extends Dim, T extends Dim, V extends Dim>(p: Params<V>, ids: fx.Tensor<[B, T], 'int32'>): F32<[B, T, V]> {
  const [b, t] = ids.shape as [B, T];
  const pos = fx.slice(p.positions, [0, 0], [t, D]) as F32<[T, typeof D]>;
  const x = fx.add(fx.nn.embedding(p.tokens, ids), pos) as F32<[B, T, typeof D]>;
  // Attention: one dense layer makes q, k and v for all heads; [B, T, 3·D] → three [B, T, HEADS, HEAD].
  const qkv = fx.nn.dense(p.qkv, fx.nn.rmsNorm(p.norm1, x));
  // (Reshapes with two symbolic dims, B and T, do not resolve statically yet: the casts state the shapes the runtime checks.)
  const part = (i: number) => fx.reshape(fx.slice(qkv, [0, 0, i * D], [b, t, D]) as F32<[B, T, typeof D]>, [b, t, HEADS, HEAD]) as unknown as F32<[B, T, typeof HEADS, typeof HEAD]>;
  const attended = fx.nn.dotProductAttention(part(0), part(1), part(2), { causal: true });
  const h = fx.add(x, fx.nn.dense(p.proj, fx.reshape(attended, [b, t, D]) as unknown as F32<[B, T, typeof D]>));
  // MLP with a tanh-approximated GELU, and the second residual.
  const y = fx.add(h, fx.nn.dense(p.down, fx.nn.gelu(fx.nn.dense(p.up, fx.nn.rmsNorm(p.norm2, h)))));
  return fx.nn.dense(p.out, fx.nn.rmsNorm(p.normOut, y));
}

/** Mean cross-entropy of predicting each next character. */
export function loss<B extends Dim, T extends Dim, V extends Dim>(p: Params<V>, ids: fx.Tensor<[B, T], 'int32'>, next: fx.Tensor<[B, T], 'int32'>): F32<[]> {
  return fx.nn.softmaxCrossEntropy(forward(p, ids), next);
}

function init(key: fx.random.Key, vocab: number): Params {
  const k = fx.random.split(key, 8);
  const normal = (i: number, shape: [number, number], std: number) => fx.nn.normal(k[i]!, shape, 0, std);
  return {
    tokens: normal(0, [vocab, D], 0.5) as never,
    positions: normal(1, [CONTEXT, D], 0.1) as never,
    norm1: { scale: fx.ones([D]) },
    qkv: fx.nn.denseInit(k[2]!, D, 96),
    proj: fx.nn.denseInit(k[3]!, D, D),
    norm2: { scale: fx.ones([D]) },
    up: fx.nn.denseInit(k[4]!, D, MLP),
    down: fx.nn.denseInit(k[5]!, MLP, D),
    normOut: { scale: fx.ones([D]) },
    out: fx.nn.denseInit(k[6]!, D, vocab),
  };
}

export interface TransformerOptions {
  steps?: number;
  batch?: number;
  learningRate?: number;
  seed?: number;
  log?: Log;
  /** File name under `examples/out/`, or `null` for no picture. */
  svg?: string | null;
}

export interface TransformerResult {
  losses: number[];
  /** Greedy continuation of the prompt. */
  sample: string;
  /** Cross-entropy of a uniform guess over the vocabulary (log V): where the loss starts. */
  uniformLoss: number;
  traces: number;
  svgPath: string | null;
}

export async function run(options: TransformerOptions = {}): Promise<TransformerResult> {
  const { steps = 300, batch = 16, learningRate = 0.01, seed = 0, log = consoleLog } = options;
  const started = performance.now();
  const chars = [...new Set(TEXT)].sort();
  const vocab = chars.length;
  const encoded = [...TEXT].map((c) => chars.indexOf(c));
  const [initKey, dataKey] = fx.random.split(fx.random.key(seed));
  let params = init(initKey!, vocab);
  const optimizer = fx.optim.adam({ learningRate });
  let state = optimizer.init(params);

  const step = fx.jit((p: Params, s: fx.optim.AdamState<Params>, ids: fx.Tensor<[number, number], 'int32'>, next: fx.Tensor<[number, number], 'int32'>) => {
    const [value, grads] = fx.valueAndGrad(loss<number, number, number>)(p, ids, next);
    const [nextParams, nextState] = optimizer.update(grads, s, p);
    return [value, nextParams, nextState] as const;
  });

  /** A batch of windows of the text (inputs, and the same shifted by one). */
  const windows = (i: number) => {
    const words = fx.random.bits(fx.random.fold(dataKey!, i), batch);
    const starts = Array.from(words, (w) => w % (encoded.length - CONTEXT - 1));
    const ids = starts.flatMap((s) => encoded.slice(s, s + CONTEXT));
    const next = starts.flatMap((s) => encoded.slice(s + 1, s + CONTEXT + 1));
    return [fx.tensor(ids, [batch, CONTEXT], 'int32'), fx.tensor(next, [batch, CONTEXT], 'int32')] as const;
  };

  log(`transformer: 1 block, d ${D}, ${HEADS} heads, context ${CONTEXT}, vocab ${vocab}, batch ${batch}, adam lr ${learningRate}, backend ${fx.getBackend()}`);
  const losses: number[] = [];
  for (let i = 1; i <= steps; i++) {
    const [ids, next] = windows(i);
    const [value, nextParams, nextState] = step(params, state, ids, next);
    fx.optim.dispose(params, state, ids, next);
    [params, state] = [nextParams as Params, nextState as fx.optim.AdamState<Params>];
    losses.push((await value.data())[0]!);
    value.dispose();
    if (i === 1 || i % Math.max(1, Math.round(steps / 10)) === 0) log(progressLine(i, steps, { loss: losses[losses.length - 1]! }));
  }

  // Greedy continuation of a prompt, one character at a time (the window slides over the last CONTEXT characters).
  const prompt = 'the quick ';
  let text = prompt;
  for (let i = 0; i < 24; i++) {
    const window = [...text.slice(-CONTEXT)].map((c) => chars.indexOf(c));
    const nextId = await fx.scope(async () => {
      const logits = forward(params, fx.tensor(window, [1, window.length], 'int32'));
      const last = fx.slice(logits, [0, window.length - 1, 0], [1, 1, vocab]);
      return (await fx.argmax(fx.reshape(last, [vocab]) as F32<[number]>).data())[0]!;
    });
    text += chars[nextId];
  }
  log(`sample: "${text}"`);

  let svgPath: string | null = null;
  const svgName = options.svg === undefined ? 'transformer.svg' : options.svg;
  if (svgName) {
    const svg = new Svg(520, 360);
    svg.text(260, 22, 'one-block character transformer: training loss', { anchor: 'middle', size: 14, weight: 'bold' });
    lossPanel(svg, 60, 50, 420, 260, losses, 'softmax cross-entropy (log10)');
    svgPath = writeOut(svgName, svg.toString());
    log(`picture: ${svgPath}`);
  }
  fx.optim.dispose(params, state);
  log(`done in ${elapsed(started)} (jit: ${step.stats().traces} trace, ${step.stats().cacheHits} cache hits)`);
  return { losses, sample: text, uniformLoss: Math.log(vocab), traces: step.stats().traces, svgPath };
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  await run({ steps: Number(flags.steps ?? 300), seed: Number(flags.seed ?? 0) });
}
