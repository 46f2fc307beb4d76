/**
 * Backend selection: the only place that chooses and initializes a
 * TensorFlow.js backend. `wasm` is the default (its matmul is ~30× the cpu
 * backend's); `cpu` is the reference and the fallback; `webgpu` runs in a
 * browser through `navigator.gpu` and in Node through the `webgpu` package
 * (Dawn), which on a machine without a GPU needs the SwiftShader Vulkan
 * driver (`apt-get install -y chromium libvulkan1`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendHooks } from '../core/kernels.js';

/** The backends fluxion runs on. @public */
export type BackendName = 'cpu' | 'wasm' | 'webgpu';

const BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'webgpu'];

/** Thrown when a backend cannot start; the message says why and how to fix it. @public */
export class BackendError extends Error {
  override readonly name = 'BackendError';
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

// Each backend's package is loaded when it is first chosen, so the import
// of fluxion costs only the backend it starts (the cpu package alone takes
// ~0.15 s to load).
let cpuLoaded: Promise<unknown> | undefined;
const prepareCpu = () => (cpuLoaded ??= import('@tensorflow/tfjs-backend-cpu'));

let wasmPrepared: Promise<void> | undefined;
function prepareWasm(): Promise<void> {
  wasmPrepared ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!isNode) return;
    // Load the .wasm binaries from the installed package: no network.
    const { createRequire } = await import('node:module');
    const path = await import('node:path');
    const dir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${dir}/`);
  })();
  return wasmPrepared;
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
let webgpuLoaded = false;

async function prepareWebgpu(): Promise<void> {
  if (webgpuLoaded) return;
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator?.gpu) {
    if (!isNode) throw new BackendError('webgpu: this browser has no navigator.gpu; use a browser with WebGPU enabled, or fx.setBackend("wasm")');
    const fs = await import('node:fs');
    if (!process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
    let dawn: { create: (flags: string[]) => unknown; globals: Record<string, unknown> };
    try {
      dawn = (await import('webgpu')) as never;
    } catch (e) {
      throw new BackendError(`webgpu: the 'webgpu' npm package (Dawn for Node) could not load: ${(e as Error).message}. Install it with npm i webgpu`);
    }
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]) as { requestAdapter(): Promise<unknown> };
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      throw new BackendError(
        'webgpu: no WebGPU adapter found. On a machine without a GPU install the SwiftShader Vulkan driver ' +
          '(apt-get install -y chromium libvulkan1) and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json and XDG_RUNTIME_DIR=/tmp',
      );
    }
    if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    else g.navigator = { gpu };
  } else {
    // Ask for an adapter before tfjs does: when there is none, tfjs logs its own failure with a
    // stack trace; a BackendError lets the caller fall back quietly (the browser page does).
    const adapter = await (g.navigator.gpu as { requestAdapter(): Promise<unknown> }).requestAdapter().catch(() => null);
    if (!adapter) throw new BackendError('webgpu: navigator.gpu gave no adapter (WebGPU is disabled or unsupported here); use fx.setBackend("wasm")');
  }
  const webgpu = await import('@tensorflow/tfjs-backend-webgpu');
  // jit's fused kernels build tfjs-webgpu programs with its dispatch helpers.
  backendHooks.webgpuUtil = webgpu.webgpu_util as never;
  selectAnyRankOnWebgpu();
  webgpuLoaded = true;
}

/**
 * tfjs-webgpu's Select (`tf.where`) supports rank ≤ 4 ("Where for rank 5 is
 * not yet supported"), which rank-5 selections (grouped attention's mask and
 * softmax, a vmapped rank-4 `where`, the NaN handling of `max`) hit. tfjs
 * broadcasts the three operands to one shape before the kernel, so above rank
 * 4 the kernel runs on them as flat vectors and the result takes the shape back.
 */
function selectAnyRankOnWebgpu(): void {
  const base = tf.getKernel('Select', 'webgpu');
  if (!base) return;
  tf.unregisterKernel('Select', 'webgpu');
  tf.registerKernel({
    ...base,
    kernelFunc: (args) => {
      const { condition, t, e } = args.inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
      if (t.shape.length <= 4) return base.kernelFunc(args);
      const flat = (x: tf.TensorInfo): tf.TensorInfo => ({ ...x, shape: [x.shape.reduce((n, d) => n * d, 1)] });
      const out = base.kernelFunc({ ...args, inputs: { condition: flat(condition), t: flat(t), e: flat(e) } }) as tf.TensorInfo;
      return { ...out, shape: t.shape };
    },
  });
}

/**
 * Chooses the backend every following op runs on.
 * @example
 * ```ts
 * await fx.setBackend('cpu');
 * fx.getBackend(); // 'cpu'
 * ```
 * @public
 */
export async function setBackend(name: BackendName): Promise<void> {
  if (!BACKENDS.includes(name)) throw new BackendError(`unknown backend ${JSON.stringify(name)}; choose one of ${BACKENDS.join(', ')}`);
  if (name === 'cpu') await prepareCpu();
  if (name === 'wasm') await prepareWasm();
  if (name === 'webgpu') await prepareWebgpu();
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new BackendError(`${name}: the backend failed to initialize: ${(e as Error).message}`);
  }
  if (!ok) throw new BackendError(`${name}: the backend failed to initialize (TensorFlow.js returned false); see the warnings above`);
  await tf.ready();
  // The cpu backend prints a banner suggesting tfjs-node on its first write in Node; fluxion
  // chooses its backends itself. Marking the banner as shown changes nothing else (tfjs's
  // IS_TEST flag would also silence it, but turns on per-kernel leak checks everywhere).
  if (name === 'cpu') {
    const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | undefined;
    if (cpu) cpu.firstUse = false;
  }
}

/**
 * The backend ops run on now.
 * @public
 */
export function getBackend(): BackendName {
  return tf.getBackend() as BackendName;
}

/** Synchronous readback is slow on webgpu; used by tests and tools to know. @internal */
export function isGpuBackend(): boolean {
  return getBackend() === 'webgpu';
}

/**
 * Initializes the default backend: `FLUXION_BACKEND` when set (Node), else
 * `wasm`, falling back to `cpu` with a warning if wasm cannot start.
 */
export async function initDefaultBackend(): Promise<void> {
  const requested = (isNode ? process.env.FLUXION_BACKEND : undefined) as BackendName | undefined;
  try {
    await setBackend(requested ?? 'wasm');
  } catch (e) {
    if (requested) throw e;
    console.warn(`fluxion: wasm backend unavailable (${(e as Error).message}); using cpu`);
    await setBackend('cpu');
  }
}
