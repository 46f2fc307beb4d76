/**
 * Hover cost (issue 22): a 200-op model generic over a symbolic batch dim
 * (tanh, bias add, matmul, scalar mul, mean with keepDims and two symbolic
 * reshapes), written to temp/hover200.ts; a fresh TypeScript language service
 * loads the program, then the first quick info on the last line is timed
 * (the checker is cold for that file). `npx tsx bench/hover.ts`
 */
import ts from 'typescript';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const file = `${root}temp/hover200.ts`;
const ops = ['h = fx.tanh(h);', 'h = fx.add(h, b);', 'h = fx.matmul(h, w);', 'h = fx.mul(h, 0.5);', 'h = fx.reshape(fx.reshape(fx.sub(h, fx.mean(h, 0, true)), [-1, 8, 8]), [-1, 64]);'];
const text = [
  "import * as fx from '../lib/index.js';",
  "export function model<B extends number>(x: fx.Tensor<[B, 64], 'float32'>, w: fx.Tensor<[64, 64], 'float32'>, b: fx.Tensor<[64], 'float32'>) {",
  '  let h = x;',
  ...Array.from({ length: 200 }, (_, i) => `  ${ops[i % ops.length]}`),
  '  const out = fx.sum(h);',
  '  return out;',
  '}',
  '',
].join('\n');
mkdirSync(`${root}temp`, { recursive: true });
writeFileSync(file, text);
const cfg = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
const host: ts.LanguageServiceHost = {
  getScriptFileNames: () => [file],
  getScriptVersion: () => '1',
  getScriptSnapshot: (f) => (ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(f)!) : undefined),
  getCurrentDirectory: () => root,
  getCompilationSettings: () => cfg.options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: ts.sys.fileExists,
  readFile: ts.sys.readFile,
  readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists,
  getDirectories: ts.sys.getDirectories,
};
let t = performance.now();
const ls = ts.createLanguageService(host);
ls.getProgram();
const loadMs = performance.now() - t;
t = performance.now();
const info = ls.getQuickInfoAtPosition(file, text.lastIndexOf('out =') + 1);
const hoverMs = performance.now() - t;
console.log(`program load ${loadMs.toFixed(0)} ms; first hover on the last line ${hoverMs.toFixed(0)} ms: ${ts.displayPartsToString(info?.displayParts)}; errors in the file: ${ls.getSemanticDiagnostics(file).length}`);
