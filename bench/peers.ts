/**
 * Setting up the peers: TensorFlow.js autodiff (same tfjs-core 4.22 engine
 * and backend as fluxion) and jax-js (its own wasm/cpu devices).
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import * as jax from '@jax-js/jax';
import type { BackendName } from './harness.js';
import { Unavailable } from './harness.js';

let gradientsLoaded = false;

/**
 * tfjs-core's gradient functions are not part of its bundles
 * (`tf-core.node.js` has none): the union package `@tensorflow/tfjs`
 * registers them by importing `@tensorflow/tfjs-core/dist/register_all_gradients`.
 * That file is in tfjs-core's ESM tree, whose extensionless and directory
 * imports (`./gradients`) Node's ESM loader rejects. Loaded through
 * `require` (CommonJS resolution; tsx compiles the ESM syntax) it works, and
 * it registers into the same global gradient registry the engine reads
 * (tfjs keeps its engine and registries on a global), so `tf.grads` works
 * with only tfjs-core and the backend packages installed.
 */
export function registerTfGradients(): number {
  if (gradientsLoaded) return 0;
  const t0 = performance.now();
  createRequire(import.meta.url)('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  gradientsLoaded = true;
  return performance.now() - t0;
}

let jaxDevices: string[] | undefined;
let jaxInitError: string | undefined;

/**
 * Initializes jax-js once. Its `init()` without arguments probes WebGPU
 * through `navigator.gpu`, which Node 20 does not define (a ReferenceError),
 * so the devices are named. jax-js's wasm device is single-threaded here:
 * its worker pool needs a global `Worker`, which Node does not have.
 */
export async function initJax(): Promise<string[]> {
  if (jaxDevices) return jaxDevices;
  try {
    jaxDevices = await jax.init('cpu', 'wasm');
  } catch (e) {
    jaxInitError = (e as Error).message;
    jaxDevices = [];
  }
  return jaxDevices;
}

/** Why jax-js has no WebGPU device in this Node process (set once probed). */
export let jaxWebgpuReason =
  'jax-js 0.1.25 lists Node.js as "WebGPU ❌"; its WebGPU device needs navigator.gpu, which Node 20 lacks (not probed yet)';

/**
 * Tries jax-js's WebGPU device on the `navigator.gpu` that fluxion's
 * `setBackend('webgpu')` installs from the `webgpu` package (Dawn).
 */
export async function probeJaxWebgpu(): Promise<boolean> {
  const g = globalThis as { navigator?: { gpu?: unknown; userAgent?: string } };
  if (!g.navigator?.gpu) {
    jaxWebgpuReason = 'no navigator.gpu in this Node process';
    return false;
  }
  // jax-js's WebGPU module reads navigator.userAgent (a browser check); Node 20's stand-in navigator has none.
  if (typeof g.navigator.userAgent !== 'string') Object.defineProperty(g.navigator, 'userAgent', { value: `Node.js/${process.version}`, configurable: true });
  try {
    const got = await jax.init('webgpu');
    if (got.includes('webgpu')) {
      // A smoke test: a tiny jitted gradient must give the right number.
      jax.defaultDevice('webgpu');
      const v = await jax.grad((x: jax.numpy.Array) => x.ref.mul(x).sum())(jax.numpy.array([3])).data();
      if (Math.abs(v[0]! - 6) > 1e-4) throw new Error(`grad of x² at 3 gave ${v[0]}`);
      jaxDevices = [...new Set([...(jaxDevices ?? []), 'webgpu'])];
      jaxWebgpuReason = 'runs in Node on the `webgpu` package\'s navigator.gpu (Dawn) that fluxion installs, with a navigator.userAgent stand-in that its browser check reads';
      return true;
    }
    jaxWebgpuReason = 'jax.init("webgpu") returned no webgpu device on the Dawn adapter of the `webgpu` package';
  } catch (e) {
    jaxWebgpuReason = `jax-js WebGPU on the Dawn adapter (webgpu package) failed: ${(e as Error).message.split('\n')[0]}`;
  }
  return false;
}

/**
 * Selects jax-js's device for `backend`, or throws `Unavailable` with the
 * reason. `cpuTooSlow` (a measured note) keeps a heavy workload off jax-js's
 * cpu device, which its README calls "slow, interpreted JS, only meant for
 * debugging".
 */
export async function useJaxDevice(backend: BackendName, cpuTooSlow?: string): Promise<void> {
  const devices = await initJax();
  if (jaxInitError) throw new Unavailable(`jax-js init failed: ${jaxInitError}`);
  if (!devices.includes(backend)) throw new Unavailable(backend === 'webgpu' ? jaxWebgpuReason : `jax-js has no ${backend} device here`);
  if (backend === 'cpu' && cpuTooSlow) {
    throw new Unavailable(`not run on jax-js's cpu device ("slow, interpreted JS, only meant for debugging", its README): ${cpuTooSlow}`);
  }
  jax.defaultDevice(backend);
}

/** The webgpu adapter tfjs runs on, e.g. `google swiftshader` (a software rasterizer, not a GPU). */
export function webgpuAdapter(): string {
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return info ? `${info.vendor || '?'} ${info.architecture || '?'}` : 'unknown';
}

/** Reads every leaf of a list of jax-js arrays; `data()` consumes the array's reference (jax-js ownership). */
export async function readJax(arrays: readonly jax.numpy.Array[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const a of arrays) out.push(Float32Array.from(await a.data()));
  return out;
}

/** Reads every tfjs tensor and disposes it. */
export async function readTf(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const t of tensors) {
    out.push(Float32Array.from(await t.data()));
    t.dispose();
  }
  return out;
}

/** `f` as it is (eager) or `jax.jit(f)`, with a `dispose` that frees the compiled program and `owned`. */
export function jaxVariant<F extends (...args: never[]) => unknown>(f: F, jit: boolean, owned: readonly { dispose(): void }[]): { step: F; dispose: () => void } {
  const step = (jit ? jax.jit(f as never) : f) as F;
  return {
    step,
    dispose() {
      if ('dispose' in step) (step as { dispose(): void }).dispose();
      owned.forEach((a) => a.dispose());
    },
  };
}

export { tf, jax };
