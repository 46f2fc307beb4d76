/**
 * Compile-time errors must read like sentences. tsd cannot assert the text of
 * an error, so the type tests mark each rejected line with
 * `// @ts-expect-error <expected text>`; this test type-checks those files
 * with the directives switched off (against the sources, so no build is
 * needed) and asserts that every marked line fails with a message containing
 * its text, and that nothing else fails.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testsDir = path.join(root, 'type-tests');

/** The type-test files whose `@ts-expect-error` comments carry the expected message. */
const FILES = ['tensors', 'elementwise', 'dense', 'shapes', 'grad', 'transforms', 'symbolic'].map((f) => path.join(testsDir, `${f}.test-d.ts`));

const DIRECTIVE = /\/\/ @ts-expect-error(?: (.*))?$/;

interface Expectation {
  file: string;
  /** 0-based line of the statement that must fail. */
  line: number;
  text: string;
}

/** The file as compiled here: directives off, imports of the built package pointed at the sources. */
function prepare(source: string): string {
  return source
    .replaceAll('// @ts-expect-error', '// (expected error)')
    .replaceAll("'../dist/lib/index.js'", "'../lib/index.js'")
    .replaceAll("'../dist/typelevel/index.js'", "'../typelevel/index.js'");
}

function typeCheck(): { expectations: Expectation[]; diagnostics: Map<string, Map<number, string[]>> } {
  const expectations: Expectation[] = [];
  const sources = new Map<string, string>();
  for (const file of FILES) {
    const text = readFileSync(file, 'utf8');
    text.split('\n').forEach((l, i) => {
      const m = DIRECTIVE.exec(l.trim());
      if (m) expectations.push({ file, line: i + 1, text: (m[1] ?? '').trim() });
    });
    sources.set(file, prepare(text));
  }
  const config = ts.getParsedCommandLineOfConfigFile(path.join(testsDir, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options = { ...config.options, noEmit: true, skipLibCheck: true };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => {
    const text = sources.get(path.resolve(name));
    return text !== undefined ? ts.createSourceFile(name, text, lang) : read(name, lang, ...rest);
  };
  const program = ts.createProgram(FILES, options, host);
  const diagnostics = new Map<string, Map<number, string[]>>();
  for (const file of FILES) {
    const sf = program.getSourceFile(file)!;
    const byLine = new Map<number, string[]>();
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const line = sf.getLineAndCharacterOfPosition(d.start ?? 0).line;
      byLine.set(line, [...(byLine.get(line) ?? []), ts.flattenDiagnosticMessageText(d.messageText, '\n')]);
    }
    diagnostics.set(file, byLine);
  }
  return { expectations, diagnostics };
}

describe('compile-time error messages', () => {
  let expectations: Expectation[] = [];
  let diagnostics = new Map<string, Map<number, string[]>>();
  beforeAll(() => {
    ({ expectations, diagnostics } = typeCheck());
  }, 180_000);

  it('the type tests mark at least 30 rejected programs, each with its expected message', () => {
    expect(expectations.length).toBeGreaterThanOrEqual(30);
    expect(expectations.filter((e) => e.text === '').map((e) => `${path.basename(e.file)}:${e.line}`)).toEqual([]);
  });

  it('every marked line fails with a message containing the expected text', () => {
    const wrong = expectations.flatMap((e) => {
      const got = diagnostics.get(e.file)!.get(e.line) ?? [];
      return got.some((m) => m.includes(e.text)) ? [] : [`${path.basename(e.file)}:${e.line + 1}: expected "${e.text}", got ${got.length ? got.map((m) => JSON.stringify(m.slice(0, 600))).join(' | ') : 'no error'}`];
    });
    expect(wrong).toEqual([]);
  });

  it('nothing else in the type tests fails', () => {
    const marked = new Set(expectations.map((e) => `${e.file}:${e.line}`));
    const stray = [...diagnostics].flatMap(([file, byLine]) =>
      [...byLine].filter(([line]) => !marked.has(`${file}:${line}`)).map(([line, ms]) => `${path.basename(file)}:${line + 1}: ${ms.join(' | ').slice(0, 400)}`),
    );
    expect(stray).toEqual([]);
  });
});

/**
 * The first line the compiler prints for a rejected call is the one most
 * users read (an editor's hover, a CI log): it must carry fluxion's sentence,
 * not an unrelated overload's complaint. And a transformed function shows its
 * resulting signature, not the name of a type alias (issue #22).
 */
describe('first lines and hovers', () => {
  const SNIPPET = path.join(root, 'typelevel', '__first_lines__.ts');
  const source = `import * as fx from '../lib/index.js';
import { Eff, io } from '../effects/index.js';
type F32<S extends fx.Shape> = fx.Tensor<S, 'float32'>;
declare const x: F32<[32, 100]>;
declare const w: F32<[784, 10]>;
/*nonScalar*/ fx.grad((v: F32<[3]>) => fx.exp(v));
/*int32*/ fx.grad((i: fx.Tensor<[3], 'int32'>) => fx.sum(fx.cast(i, 'float32')));
/*matmul*/ fx.matmul(x, w);
/*io*/ fx.grad((m: F32<[]>) => Eff.gen(function* () { yield* io.log('m', m); return fx.mul(m, m); }));
/*jacobian*/ fx.jacfwd((p: { w: F32<[3]> }) => p.w);
/*ragged*/ fx.tensor([[1, 2], [3]]);
/*broadcast*/ fx.add(fx.zeros([2, 3]), fx.zeros([4]));
/*reshape*/ fx.reshape(fx.zeros([2, 3]), [4, 2]);
/*reshapeMinusOne*/ fx.reshape(fx.zeros([2, 3]), [-1, 4]);
/*broadcastTo*/ fx.broadcastTo(fx.zeros([2, 3]), [4, 2]);
/*sliceRank*/ fx.slice(fx.zeros([2, 3]), [0], [1]);
/*takeAxis*/ fx.take(fx.zeros([2, 3]), fx.tensor([0], 'int32'), 2);
/*takeIndexAxis*/ fx.take(fx.zeros([2, 3]), 0, -3);
/*compare*/ fx.less(fx.zeros([2, 3]), fx.zeros([2]));
/*broadcastInt*/ fx.mul(fx.zeros([2, 3], 'int32'), fx.zeros([3, 2], 'int32'));
export const vmapped = fx.vmap((a: F32<[3]>, b: F32<[3]>) => fx.add(a, b), { inAxes: [0, null] });
export const jitted = fx.jit((a: F32<[3]>) => fx.sum(a));
`;
  const expected: Record<string, string> = {
    nonScalar: 'grad needs a function that returns a scalar float32 tensor',
    int32: 'cannot differentiate with respect to an int32 tensor',
    matmul: 'shape error: matmul inner dims 100 and 784 differ',
    io: 'I/O cannot be differentiated',
    jacobian: 'jacfwd differentiates with respect to one float32 tensor',
    ragged: 'shape error: tensor data is ragged',
    broadcast: 'shape error: cannot broadcast [2, 3] with [4]',
    reshape: 'shape error: cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)',
    reshapeMinusOne: 'shape error: cannot reshape [2, 3] (6 elements) to [-1, 4] (6 is not a multiple of 4)',
    broadcastTo: 'shape error: cannot broadcast [2, 3] to [4, 2]',
    sliceRank: 'shape error: slice begin [0] and size [1] must both have rank 2 (x [2, 3])',
    takeAxis: 'shape error: axis 2 is out of range for a tensor of rank 2',
    takeIndexAxis: 'shape error: axis -3 is out of range for a tensor of rank 2',
    compare: 'shape error: cannot broadcast [2, 3] with [2]',
    broadcastInt: 'shape error: cannot broadcast [2, 3] with [3, 2]',
  };
  let firstLines = new Map<string, string>();
  let hovers = new Map<string, string>();

  beforeAll(() => {
    const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const options = { ...config.options, noEmit: true, skipLibCheck: true };
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, lang, ...rest) => (path.resolve(name) === SNIPPET ? ts.createSourceFile(name, source, lang) : read(name, lang, ...rest));
    const exists = host.fileExists.bind(host);
    host.fileExists = (name) => path.resolve(name) === SNIPPET || exists(name);
    const program = ts.createProgram([SNIPPET], options, host);
    const sf = program.getSourceFile(SNIPPET)!;
    const lines = source.split('\n');
    for (const d of program.getSemanticDiagnostics(sf)) {
      const line = lines[sf.getLineAndCharacterOfPosition(d.start ?? 0).line]!;
      const tag = /\/\*(\w+)\*\//.exec(line)?.[1] ?? line;
      firstLines.set(tag, ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]!);
    }
    const checker = program.getTypeChecker();
    sf.forEachChild(function visit(node): void {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
        hovers.set(node.name.text, checker.typeToString(checker.getTypeAtLocation(node.name), undefined, ts.TypeFormatFlags.NoTruncation));
      }
      node.forEachChild(visit);
    });
  }, 180_000);

  it('each rejected call fails with fluxion\'s sentence on the first line', () => {
    const wrong = Object.entries(expected).flatMap(([tag, text]) => (firstLines.get(tag)?.includes(text) ? [] : [`${tag}: expected "${text}" on the first line, got ${JSON.stringify(firstLines.get(tag) ?? 'no error')}`]));
    expect(wrong).toEqual([]);
    expect([...firstLines.keys()].sort()).toEqual(Object.keys(expected).sort());
  });

  it('vmap and jit results show their resulting signatures', () => {
    const vmapped = hovers.get('vmapped')!;
    expect(vmapped).not.toMatch(/Vmapped|StackedAt/);
    expect(vmapped).toMatch(/^<N extends number = number>\(a: (fx\.)?Tensor<\[N, 3\], "float32">, b: F32<\[3\]>\) => (fx\.)?Tensor<\[N, 3\], "float32">$/);
    const jitted = hovers.get('jitted')!;
    expect(jitted).not.toMatch(/Jitted</);
    expect(jitted).toMatch(/^\(\(a: F32<\[3\]>\) => (fx\.)?Tensor<\[\], "float32">\) & (fx\.)?JitControls</);
  });
});
