/**
 * The closing section of RESULTS.md: where fluxion is behind in this run
 * (found from the numbers) and why (from profiling during development; the
 * numbers quoted in brackets come from this run).
 */
import type { ImplName } from './harness.js';
import { ms, ratio, RATIOS, type BackendResult, type Observed } from './report.js';
import type { KernelCounts } from './workloads/kernels.js';
import type { MemoryResult } from './workloads/w7-memory.js';

const NAMES: Record<ImplName, string> = {
  'fluxion eager': 'eager',
  'fluxion jit': 'jit',
  tfjs: 'TF.js',
  'jax-js jit': 'jax-js jit',
  'jax-js eager': 'jax-js eager',
};

/** One line per fluxion result that missed the float64 reference in this run. */
function failing(results: readonly BackendResult[]): string[] {
  const out: string[] = [];
  for (const b of results) {
    for (const r of b.workloads) {
      for (const m of r.measurements) {
        if (!m.impl.startsWith('fluxion')) continue;
        if (m.error) out.push(`- **${b.backend} ${r.workload.id} ${m.impl} failed**: ${m.error}`);
        else if (m.relErr !== undefined && !(m.relErr <= (r.tolerance ?? 1e-3))) {
          out.push(`- **${b.backend} ${r.workload.id} ${m.impl} is wrong**: relative difference ${m.relErr.toExponential(1)} to the float64 reference.`);
        }
      }
    }
  }
  return out;
}

export function behindNotes(results: readonly BackendResult[], kernels: readonly KernelCounts[], memory: readonly MemoryResult[], observed: Observed): string[] {
  const med = (backend: string, id: string, impl: ImplName) =>
    results.find((r) => r.backend === backend)?.workloads.find((w) => w.workload.id === id)?.measurements.find((m) => m.impl === impl)?.medianMs;
  const fmt = (backend: string, id: string, impl: ImplName) => {
    const m = med(backend, id, impl);
    return m === undefined ? '?' : `${ms(m)} ms`;
  };
  const k = (id: string, impl: ImplName) => kernels.find((c) => c.workload === id && c.impl === impl);
  const first = (backend: string, id: string, impl: ImplName) => {
    const w = results.find((r) => r.backend === backend)?.workloads.find((x) => x.workload.id === id)?.measurements.find((m) => m.impl === impl)?.warmupMs?.[0];
    return w === undefined ? '?' : `${ms(w)} ms`;
  };
  const tileInW2 = k('W2', 'fluxion eager')?.counts?.Tile;
  const kn = (id: string, impl: ImplName) => k(id, impl)?.kernels ?? '?';
  const perKernel = (id: string, impl: ImplName) => {
    const c = k(id, impl);
    if (!c || !c.kernels) return '?';
    return `${((Math.max(0, c.wallMs - c.kernelMs) / c.kernels) * 1000).toFixed(0)} µs`;
  };

  const out = ['## Where fluxion is behind, and why', ''];
  out.push('Cells of this run where a fluxion column is more than 10% slower than the peer it is compared with:', '');
  for (const b of results) {
    if (b.unavailable) continue;
    const items: string[] = [];
    for (const r of b.workloads) {
      if (r.skipped) continue;
      const slow = RATIOS.map(([a, c]) => [a, c, ratio(r, a, c)] as const)
        .filter(([, , q]) => q !== undefined && q > 1.1)
        .map(([a, c, q]) => `${NAMES[a]} ${q! >= 10 ? q!.toFixed(0) : q!.toFixed(1)}× ${NAMES[c]}`);
      if (slow.length) items.push(`${r.workload.id} (${slow.join(', ')})`);
    }
    out.push(`- **${b.backend}**: ${items.length ? items.join('; ') : 'none'}`);
  }
  const mem = memory.find((m) => m.backend === 'wasm') ?? memory[0];
  const plain = mem?.rows?.[0];
  const ckpt = mem?.rows?.[1];
  const kib = (b: number | undefined) => (b === undefined ? '?' : `${(b / 1024).toFixed(0)} KiB`);
  out.push(
    '',
    'Why (from profiling during development; bracketed numbers are this run\'s, kernel counts from the wasm table above):',
    '',
    `1. **Eager per-op overhead** (W3 against TF.js; W4 and W5 against jax-js; the SGD loop). Every eager op goes through \`bind\` → the primitive's shape rule → \`tf.tidy(impl)\` → a \`ConcreteTensor\` registered in the scope; under \`grad\` it also runs its JVP rule on a \`JvpTracer\`, stages the tangent ops as IR equations, and the backward pass runs each transpose rule as eager ops again. W3 on wasm: fluxion eager dispatches [${kn('W3', 'fluxion eager')}] kernels and spends [${perKernel('W3', 'fluxion eager')}] outside kernels per kernel, TF.js [${kn('W3', 'tfjs')}] kernels at [${perKernel('W3', 'tfjs')}]. A CPU profile of 1,000 eager \`valueAndGrad\` calls of a small MLP on wasm (3.3 s): 2.0 s in \`evaluate\` (lib/core/trace.ts), of which 1.3 s in tfjs's \`runKernelFunc\` (kernels and wasm glue) and ~0.5 s in \`tf.tidy\` scopes and tfjs op wrappers (\`convertToTensor\`, dtype and broadcast checks); ~1.3 s in fluxion's own layers (linearize, JVP trace, \`apply1\`, tensor wrappers, pytrees). Fixes: call kernels through \`tf.engine().runKernel\` without a \`tidy\` for single-kernel impls; \`take(x, i)\` with a number index costs a fresh int32 tensor, a host read for the range check, Reshape + GatherV2 + Reshape, and its transpose is ScatterNd + 3 Reshapes — lowering a constant index to \`slice\` (transpose: \`pad\`) would make it one kernel each way.`,
    `2. **jit on cpu and wasm runs the program as JavaScript** (lib/compile/host.ts): every buffer planned at compile time, inputs read in place (views of the wasm heap), elementwise equations of one shape grouped into generated loops, structural ops and small matmuls as hand-written loops; only the results become tfjs tensors. Per-op cost drops from a kernel dispatch (5–20 µs) to well under a microsecond: W3 jit [${fmt('wasm', 'W3', 'fluxion jit')}] vs eager [${fmt('wasm', 'W3', 'fluxion eager')}] and jax-js jit [${fmt('wasm', 'W3', 'jax-js jit')}]. Programs with a large matmul (W1) or a primitive without a host kernel (conv2d, sort, solves) call tfjs kernels for those equations and run their elementwise groups as host loops directly on the tensors' memory (W1 jit [${kn('W1', 'fluxion jit')}] kernels).`,
    `2b. **W1 against its matmul floor**: the step's 411 MFLOP of products run near the rate of W6-512's kernel, but not at it: W6-512 multiplies by a right operand XNNPACK packed once (the same tensor every call), while W1's backward products contract over the batch (K = 128) and pack a new right operand each call (a CPU profile in development: the eight products 23.6 ms against a 20.9 ms floor measured in the same process). The rest of the step runs as WebAssembly SIMD kernels on tfjs-wasm's heap (lib/compile/simd.ts): the two bias + tanh loops (0.3 ms each over 128×512, from 1.6 ms as JS loops), five transposes (0.35 ms, from 1.4 ms), the bias-gradient sums (0.2 ms, from 0.5 ms), with softmax and the small [128, 10] ops about 0.5 ms. This run: jit [${fmt('wasm', 'W1', 'fluxion jit')}], jax-js jit [${fmt('wasm', 'W1', 'jax-js jit')}]. The floor itself moves between runs with W6-512's rate (20.8–24.1 ms in this session's full runs), so the ratio does too.`,
    `3. **Elementwise chains** (W2). On cpu and wasm the whole gradient is one scalar program (each primitive's lowering inlined; sin and cos from one range reduction; float32-accurate polynomial exp and tanh from lib/compile/fastmath.ts) run as two WebAssembly SIMD loops, the elements and then the sum (lib/compile/simd.ts: f64x2, bit-identical to the generated JS loop): jit [${fmt('wasm', 'W2', 'fluxion jit')}] vs jax-js jit [${fmt('wasm', 'W2', 'jax-js jit')}] on wasm, [${fmt('cpu', 'W2', 'fluxion jit')}] vs TF.js [${fmt('cpu', 'W2', 'tfjs')}] on cpu. The loop is bound by its four transcendental functions: about 10 ns per element in SIMD against 33 ns as a JS loop (docs/compiler.md). On webgpu the gradient is one generated WGSL program: jit [${fmt('webgpu', 'W2', 'fluxion jit')}] vs TF.js [${fmt('webgpu', 'W2', 'tfjs')}].`
      + (tileInW2
        ? ` W2 **eager** on wasm still runs ${tileInW2} Tile kernel(s): the transpose of \`sum\` broadcasts the scalar cotangent with \`tf.broadcastTo\`, which tfjs-wasm runs as Tile. Fix (lib/primitives/broadcastTo.ts): a broadcasting add into zeros.`
        : ''),
    `4. **Hessian** (W4). \`fx.hessian\` is \`jacfwd(jacrev(f))\`; both push the whole identity through one \`vmap\`ped evaluation (lib/transforms/jacobian.ts), and matmul's batching rule turns the 64 basis matrix-vector products into one product. Eager [${fmt('wasm', 'W4', 'fluxion eager')}, ${kn('W4', 'fluxion eager')} kernels] against jax-js eager [${fmt('wasm', 'W4', 'jax-js eager')}]; under jit the program is a dozen host steps with the 64×64×64 product as a SIMD kernel in the program's arena [${fmt('wasm', 'W4', 'fluxion jit')}, jax-js jit ${fmt('wasm', 'W4', 'jax-js jit')}]. TF.js's times are for a wrong Hessian (✗ above).`,
    `5. **Long unrolled loops** (W5). fluxion jit traces the 200 unrolled steps once (first call [${first('wasm', 'W5', 'fluxion jit')}]; jax-js's [${first('wasm', 'W5', 'jax-js jit')}]) and runs them as host steps [${fmt('wasm', 'W5', 'fluxion jit')}] vs jax-js jit [${fmt('wasm', 'W5', 'jax-js jit')}] and TF.js [${fmt('wasm', 'W5', 'tfjs')}]; on webgpu each equation is still a dispatch [${fmt('webgpu', 'W5', 'fluxion jit')}].`,
    `6. **Matmul** (W6): fluxion eager and TF.js call the same kernel; their ratio is fluxion's per-call overhead (shape rule, \`tidy\`, wrapper), below the noise of this machine at 512² and 1024². Differences between the two columns larger than a few percent are load noise (A/B runs alternating the two gave equal times).`,
    `7. **Memory** (W7): \`fx.checkpoint\` cuts the residuals reverse mode keeps [${kib(plain?.residualBytes)} → ${kib(ckpt?.residualBytes)}] and the jitted program's peak [${kib(plain?.jitPeakBytes)} → ${kib(ckpt?.jitPeakBytes)}], but the eager peak moves much less [${kib(plain?.peakBytes)} → ${kib(ckpt?.peakBytes)}]: in eager mode \`linearizeFlat\` (lib/transforms/linearize.ts) keeps every primal intermediate alive until linearization ends and then frees them in one go, so the forward pass holds all of them at once, checkpoint or not; and \`transposeIR\` drops each cotangent from its map after use without disposing it, so all cotangents live until \`valueAndGrad\`'s scope closes. Fix: free an eager intermediate at its last use (reference counts, or the last-use plan \`planMemory\` already computes for jit), and in \`transposeIR\` dispose each cotangent once its equation has been transposed and each residual after the last equation that reads it.`,
    `8. **webgpu** (here SwiftShader, a CPU rasterizer: dispatch and shader costs, not GPU throughput). W1: fluxion [${fmt('webgpu', 'W1', 'fluxion eager')}] vs TF.js [${fmt('webgpu', 'W1', 'tfjs')}] — the matmul transpose rule uses explicit transposes everywhere, the fast form on wasm, while on this adapter tfjs's \`transposeA/B\` flags are ~1.3× faster (lib/primitives/matmul.ts's own table); choosing the form per backend would close it. W6-512: fluxion and TF.js run the same tfjs-webgpu matmul shader [${fmt('webgpu', 'W6-512', 'fluxion eager')} vs ${fmt('webgpu', 'W6-512', 'tfjs')}]; jax-js's own generated shader is faster [${fmt('webgpu', 'W6-512', 'jax-js jit')}], a kernel difference, not fluxion overhead. W2: fluxion jit's WGSL fusion gives [${fmt('webgpu', 'W2', 'fluxion eager')} → ${fmt('webgpu', 'W2', 'fluxion jit')}]; jax-js [${fmt('webgpu', 'W2', 'jax-js jit')}].`,
    `9. **Transformer step** (W9, issue 21): jit [${fmt('wasm', 'W9', 'fluxion jit')}] vs jax-js jit [${fmt('wasm', 'W9', 'jax-js jit')}]. A CPU profile of 10 jitted steps on wasm in development (365 ms per step on a loaded machine): tfjs-wasm's BatchMatMul (the dense layers, folded to [B·T, d]) 44%; fluxion's generated JS elementwise loops 17% and its SIMD kernels 8% (of which the attention products, run as \`simdBatchedMatmul\`, 2%); tfjs \`Tile\` 7% — two \`broadcastTo\` equations the jit materializes through tfjs (the softmax backward's [16, 4, 1, 64, 1] → [16, 4, 1, 64, 64] and the cross-entropy's [16, 64, 1] → [16, 64, 64]) where the fused loop that reads them could broadcast in place; other tfjs elementwise kernels 7%; the embedding's GatherV2 4%; hostKernels.ts JS (gather/scatter maps) 6%; execute/dispose bookkeeping 3%.`,
    '',
  );
  const defects = [
    ...failing(results),
    ...(observed.isTestLeftOn
      ? [
          '- **`fx.setBackend(\'cpu\')` leaves tfjs\'s `IS_TEST` flag on** (lib/backend/index.ts): it turns on tfjs\'s per-kernel leak check for every later kernel on every backend, and that check throws a false "Backend \'wasm\' has an internal memory leak" in TF.js\'s `logSoftmax` on wasm. The harness turned the flag off after each `setBackend`.',
        ]
      : []),
    ...(observed.syncGpuReadWarnings
      ? [
          `- tfjs warned ${observed.syncGpuReadWarnings} time(s) about a synchronous GPU readback during the webgpu phase: some fluxion path (in development it was lib/compile/optimize.ts reading constants with \`dataSync()\`) reads synchronously on webgpu, which in Node throws.`,
        ]
      : []),
  ];
  if (defects.length) out.push('', 'Defects seen in this run (in files this harness does not own):', '', ...defects);
  out.push('');
  return out;
}

/** Multiply-adds of W1's step: forward, weight gradients, and input gradients of layers 2 and 3 (x is data). */
const W1_MACS = 128 * (784 * 512 + 512 * 512 + 512 * 10) * 2 + 128 * (512 * 512 + 512 * 10);

/** Issue 7's "done when" bars, checked against this run's medians. */
export function targetSection(results: readonly BackendResult[]): string[] {
  const med = (backend: string, id: string, impl: ImplName) =>
    results.find((r) => r.backend === backend)?.workloads.find((w) => w.workload.id === id)?.measurements.find((m) => m.impl === impl)?.medianMs;
  const rows: string[] = [];
  const row = (what: string, a: number | undefined, b: number | undefined, bar: number, text: (q: number) => string) => {
    if (a === undefined || b === undefined) {
      rows.push(`| ${what} | not measured in this run | ≤ ${bar}× | — |`);
      return;
    }
    const q = a / b;
    rows.push(`| ${what} | ${text(q)} | ≤ ${bar}× | ${q <= bar ? 'met' : '**not met**'} |`);
  };
  const x = (q: number) => `${q.toFixed(3)}×`;
  const faster = (q: number) => `${q.toFixed(3)}× (${(1 / q).toFixed(1)}× faster)`;
  row('W1 MLP step, jit / jax-js jit (wasm)', med('wasm', 'W1', 'fluxion jit'), med('wasm', 'W1', 'jax-js jit'), 1, x);
  // The floor: W1's FLOPs at the best matmul rate tfjs-wasm reached in this run's W6-512 (the fastest of the
  // three columns that call its kernel: same kernel, same load; the fastest is the least load-inflated).
  const w6s = (['fluxion eager', 'fluxion jit', 'tfjs'] as const).map((impl) => med('wasm', 'W6-512', impl)).filter((m): m is number => m !== undefined);
  const w6 = w6s.length ? Math.min(...w6s) : undefined;
  const floor = w6 === undefined ? undefined : (2 * W1_MACS) / ((2 * 512 ** 3) / w6);
  row(`W1 MLP step, jit / matmul floor (wasm; floor = ${((2 * W1_MACS) / 1e6).toFixed(0)} MFLOP at W6-512's best rate${floor ? `, ${ms(floor)} ms` : ''})`, med('wasm', 'W1', 'fluxion jit'), floor, 1.3, x);
  row('W2 elementwise gradient, jit / jax-js jit (wasm)', med('wasm', 'W2', 'fluxion jit'), med('wasm', 'W2', 'jax-js jit'), 1, x);
  row('W2 elementwise gradient, jit / TF.js (cpu)', med('cpu', 'W2', 'fluxion jit'), med('cpu', 'W2', 'tfjs'), 1 / 3, faster);
  row('W2 elementwise gradient, jit / TF.js (webgpu)', med('webgpu', 'W2', 'fluxion jit'), med('webgpu', 'W2', 'tfjs'), 1 / 3, faster);
  for (const id of ['W3', 'W4', 'W5']) {
    row(`${id}, jit / jax-js jit (wasm)`, med('wasm', id, 'fluxion jit'), med('wasm', id, 'jax-js jit'), 1, x);
    row(`${id}, jit / fluxion eager (wasm)`, med('wasm', id, 'fluxion jit'), med('wasm', id, 'fluxion eager'), 0.1, faster);
  }
  // Issue 21's bars that live in these tables (the first call and the Adam loop have their own sections).
  row('W9 transformer step, jit / jax-js jit (wasm; issue 21)', med('wasm', 'W9', 'fluxion jit'), med('wasm', 'W9', 'jax-js jit'), 0.8, x);
  row('W10 CNN step, jit / jax-js jit (wasm; issue 21)', med('wasm', 'W10', 'fluxion jit'), med('wasm', 'W10', 'jax-js jit'), 0.5, x);
  row('W11 tiny program, jit / jax-js jit (wasm; issue 21)', med('wasm', 'W11', 'fluxion jit'), med('wasm', 'W11', 'jax-js jit'), 1, x);
  return [
    '## Issue 7 and issue 21 targets in this run',
    '',
    'Each bar of issue 7\'s "done when" and those of issue 21 measured in the tables above, from this run\'s medians (same process, same backend, interleaved rounds).',
    '',
    '| bar | this run | target | |',
    '| --- | ---: | ---: | --- |',
    ...rows.map((r) => r.replace('≤ 0.3333333333333333×', '≤ 0.33× (3× faster)').replace('≤ 0.1×', '≤ 0.1× (10× faster)')),
    '',
  ];
}
