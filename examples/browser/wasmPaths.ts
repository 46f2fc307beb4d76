/**
 * Imported by app.ts BEFORE fluxion: importing fluxion starts the default
 * backend (wasm), and in a browser tfjs-backend-wasm fetches its .wasm files
 * from the page's folder unless told otherwise. build.ts copies them next to
 * the bundle, so point tfjs at the bundle's own folder.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

setWasmPaths(new URL('./', import.meta.url).href);
