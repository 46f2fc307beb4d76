import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/**
 * The compiler's own messages for programs that must not compile (tsd checks
 * that they fail; this checks what the user reads). Type-checks one virtual
 * file in effects/ against the sources.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

function diagnostics(source: string): string[] {
  const file = join(here, '__messages__.ts');
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const host = ts.createCompilerHost({ ...options, noEmit: true });
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], { ...options, noEmit: true }, host);
  return program.getSemanticDiagnostics(program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('compile-time messages at the differentiation boundary', () => {
  it('grad, valueAndGrad, vjp and jvp of a program with IO say that I/O cannot be differentiated', () => {
    const messages = diagnostics(`
      import * as fx from '../lib/index.js';
      import { Eff, io, random } from './index.js';
      type Scalar = fx.Tensor<[], 'float32'>;
      const withIO = (m: Scalar) => Eff.gen(function* () { yield* io.log('m'); return fx.sum(yield* random.normal([3], m)); });
      export const a = fx.grad(withIO);
      export const b = fx.valueAndGrad(withIO);
      export const c = fx.vjp(withIO, fx.scalar(1));
      export const d = fx.jvp(withIO, [fx.scalar(1)], [fx.scalar(1)]);
      const pure = (m: Scalar) => Eff.gen(function* () { return fx.sum(yield* random.normal([3], m)); });
      export const ok = fx.grad(pure);
    `);
    expect(messages.length).toBe(4);
    for (const m of messages) {
      expect(m).toContain('I/O cannot be differentiated: this program has the IO effect in its row; do the I/O outside grad/vjp/jvp');
    }
  }, 300_000);
});
