/**
 * The browser example end to end: bundles it with esbuild, serves
 * examples/browser/ on a localhost port, opens it in headless Chromium
 * (playwright-core driving the system's /usr/bin/chromium; no browser is
 * downloaded) with the flags that give WebGPU on SwiftShader's Vulkan driver,
 * waits for the training to finish, checks the backend and the loss, and
 * saves a screenshot to examples/out/browser.png. Skipped, with the reason
 * printed, where /usr/bin/chromium is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { buildBrowserExample } from './build.js';

const CHROMIUM = '/usr/bin/chromium';
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'out');

// Headless Chromium with WebGPU on SwiftShader (Vulkan on the CPU): no GPU needed.
const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  // Without these two, tfjs-webgpu's synchronous readback (OffscreenCanvas, used
  // once by fx.jit's optimizer to inspect constants) loses the WebGPU device.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-vulkan-surface',
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

/** A tiny static server for `root` on a free localhost port (localhost is a secure context: WebGPU allowed). */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`browser example test skipped: ${CHROMIUM} does not exist (apt-get install -y chromium libvulkan1)`);

describe.skipIf(!hasChromium)('browser example (headless Chromium)', () => {
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    await buildBrowserExample();
    server = await serve(here);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ARGS,
      env: { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
      timeout: 30_000,
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  /** Opens the page with `query`, waits for the training to end, returns <body>'s data-* state. */
  async function runPage(query: string, screenshot?: string, initScript?: string, logs: string[] = []): Promise<Record<string, string | undefined>> {
    const started = performance.now();
    const page = await browser.newPage({ viewport: { width: 820, height: 380 } });
    if (initScript) await page.addInitScript(initScript);
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    try {
      const { port } = server.address() as AddressInfo;
      await page.goto(`http://localhost:${port}/index.html${query}`);
      await page.waitForSelector('body[data-done]', { timeout: 60_000 });
      const state = await page.evaluate(() => ({ ...document.body.dataset }));
      if (screenshot) {
        mkdirSync(outDir, { recursive: true });
        await page.screenshot({ path: join(outDir, screenshot) });
      }
      console.log(
        `browser example ${query}: backend ${state.backend}, loss ${state.firstLoss} -> ${state.lastLoss} in ${state.steps} steps, ` +
          `${state.ms} ms training, ${((performance.now() - started) / 1000).toFixed(1)} s with page load` +
          (screenshot ? `; screenshot examples/out/${screenshot}` : ''),
      );
      if (state.error) console.log(`page console:\n${logs.join('\n')}`);
      return state;
    } catch (e) {
      console.log(`page console:\n${logs.join('\n')}`);
      throw e;
    } finally {
      await page.close();
    }
  }

  it('falls back from a webgpu that gives no adapter to wasm quietly: a one-line warning, no stack trace', async () => {
    const logs: string[] = [];
    // As on a machine whose browser has navigator.gpu but no usable adapter.
    const state = await runPage('?steps=10', undefined, 'navigator.gpu && (navigator.gpu.requestAdapter = async () => null);', logs);
    expect(state.backend).toBe('wasm');
    expect(state.error).toBeUndefined();
    const stackLines = logs.filter((l) => /\n\s+at |Initialization of backend webgpu failed/.test(l));
    expect(stackLines).toEqual([]);
    expect(logs.some((l) => l.includes('fluxion: webgpu unavailable: webgpu: navigator.gpu gave no adapter'))).toBe(true);
  }, 120_000);

  function expectLossFell(state: Record<string, string | undefined>): void {
    expect(state.error).toBeUndefined();
    const first = Number(state.firstLoss);
    const last = Number(state.lastLoss);
    expect(Number.isFinite(first) && Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(first / 3);
  }

  // SwiftShader runs WebGPU on the CPU at ~130 ms a step here, so 60 steps (the loss falls >20x in 10).
  it('trains the network live in the page on webgpu (falling back to wasm) and the loss falls more than 3x', async () => {
    const state = await runPage('?steps=60', 'browser.png');
    expect(['webgpu', 'wasm']).toContain(state.backend);
    if (state.backend !== 'webgpu') console.log('browser example: WebGPU did not start in this Chromium; the page fell back to wasm');
    expectLossFell(state);
    expect(existsSync(join(outDir, 'browser.png'))).toBe(true);
  }, 120_000);

  it('loads the wasm backend from the .wasm files copied next to the bundle', async () => {
    const state = await runPage('?backend=wasm&steps=200');
    expect(state.backend).toBe('wasm');
    expectLossFell(state);
  }, 120_000);
});
