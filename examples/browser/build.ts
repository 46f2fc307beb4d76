/**
 * Bundles the browser example: `examples/browser/app.ts` (which imports
 * fluxion from ../../lib/index.js) into one ESM file,
 * `examples/browser/dist/app.js`, with esbuild, and copies tfjs-backend-wasm's
 * .wasm binaries next to it. Run `npx tsx examples/browser/build.ts`, then
 * serve `examples/browser/` over http(s) (WebGPU needs a secure context:
 * localhost counts) and open index.html.
 *
 * fluxion's Node-only code (Dawn's `webgpu` package, `node:*` modules) sits
 * behind `isNode` checks and dynamic imports, so those stay external and are
 * never loaded in a browser.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds dist/app.js and copies the .wasm files; returns the output folder. */
export async function buildBrowserExample(options: { minify?: boolean } = {}): Promise<string> {
  const outdir = join(here, 'dist');
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [join(here, 'app.ts')],
    outfile: join(outdir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['node:*', 'webgpu'],
    minify: options.minify ?? true,
    sourcemap: true,
    logLevel: 'warning',
  });
  const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  for (const f of readdirSync(wasmDir)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join(outdir, f));
  return outdir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const out = await buildBrowserExample();
  console.log(`built ${join(out, 'app.js')} (+ .wasm files) in ${(performance.now() - started).toFixed(0)} ms`);
}
