/**
 * Static shape = runtime shape, property-tested: for every shape rule in
 * `typelevel/rules.ts`, thousands of random shapes are run through the
 * rule's runtime twin in `lib/` (or the op itself, on tiny tensors), and a
 * generated TypeScript file asserts that the type-level rule gives the same
 * shape — or an error type exactly where the runtime throws. The generated
 * file is type-checked in memory with the TypeScript compiler API and must
 * have no diagnostics. Set `FLUXION_RULES_SEED` to replay another sample.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../lib/backend/index.js';
import { zeros } from '../lib/core/creation.js';
import { ShapeError } from '../lib/core/errors.js';
import { scope } from '../lib/core/memory.js';
import type { AbstractValue } from '../lib/core/tensor.js';
import { insertionAxis } from '../lib/composite/expandDims.js';
import { squeeze } from '../lib/composite/squeeze.js';
import { concatPrimitive } from '../lib/primitives/concat.js';
import { broadcastTo } from '../lib/primitives/broadcastTo.js';
import { broadcastShapes, normalizeAxis, sameShape } from '../lib/primitives/define.js';
import { gatherShape } from '../lib/primitives/gather.js';
import { matmulResultShape } from '../lib/primitives/matmul.js';
import { resolveReshape } from '../lib/primitives/reshape.js';
import { resolveSlice } from '../lib/primitives/slice.js';
import { reduceAxes, reducedShape } from '../lib/primitives/sum.js';
import { checkPerm } from '../lib/primitives/transpose.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SEED = Number(process.env.FLUXION_RULES_SEED ?? 20240611);

type Dims = number[];
/** A dim as written in a type: a literal, or `number` for a dim known only at run time. */
type TypeDim = number | 'number';

/** One generated assertion: the type expression, and what the runtime twin said. */
interface Case {
  readonly rule: string;
  /** The type-level expression, e.g. `Broadcast<[2, 1], [3]>`. */
  readonly expr: string;
  /** The same rule's `…Result` form, to check the error text on failures. */
  readonly resultExpr: string;
  /** The runtime shape, or `null` when the runtime threw. */
  readonly runtime: Dims | null;
  /** True when some dims were written as `number`: then the type need only contain the runtime shape. */
  readonly open: boolean;
}

const show = (s: readonly TypeDim[]): string => `[${s.join(', ')}]`;
const lit = (x: number | undefined): string => (x === undefined ? 'undefined' : String(x));
const list = (xs: readonly number[] | number | undefined): string => (Array.isArray(xs) ? show(xs) : lit(xs as number | undefined));

/** Runs a runtime twin: its shape, or `null` when it throws a ShapeError. */
function run(f: () => readonly number[]): Dims | null {
  try {
    return [...f()];
  } catch (e) {
    if ((e as Error).name !== 'ShapeError') throw e;
    return null;
  }
}

/** Hides some dims behind `number` (about one case in six). */
function openUp(shape: Dims, mask: boolean[]): TypeDim[] {
  return shape.map((d, i) => (mask[i] ? 'number' : d));
}

// ---------------------------------------------------------------- arbitraries

const smallDim = fc.integer({ min: 1, max: 4 });
const anyDim = fc.oneof({ weight: 6, arbitrary: smallDim }, { weight: 1, arbitrary: fc.constantFrom(0, 5, 7, 10, 28, 64, 128, 784, 1000, 60000) });
const shapeOf = (dim: fc.Arbitrary<number>, min = 0, max = 4): fc.Arbitrary<Dims> => fc.array(dim, { minLength: min, maxLength: max });
const mask = fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }).map((m) => m.map((b, i) => b && i % 3 === 0));
const maybeOpen = fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const axisFor = (rank: number, slack = 1): fc.Arbitrary<number> => fc.integer({ min: -rank - slack, max: Math.max(rank - 1 + slack, -rank - slack) });

function sample<T>(arb: fc.Arbitrary<T>, n: number, salt: number): T[] {
  return fc.sample(arb, { numRuns: n, seed: SEED + salt });
}

// ---------------------------------------------------------------- cases per rule

function broadcastCases(n: number): Case[] {
  const arb = fc.tuple(shapeOf(fc.constantFrom(1, 2, 3), 0, 5), shapeOf(fc.constantFrom(1, 2, 3), 0, 5), maybeOpen, mask, mask);
  return sample(arb, n, 1).map(([a, b, open, ma, mb]) => {
    const ta = open ? openUp(a, ma) : a;
    const tb = open ? openUp(b, mb) : b;
    const args = `${show(ta)}, ${show(tb)}`;
    return { rule: 'Broadcast', expr: `Broadcast<${args}>`, resultExpr: `BroadcastResult<${args}>`, runtime: run(() => broadcastShapes('add', a, b)), open: open && ma.concat(mb).some(Boolean) };
  });
}

function matmulCases(n: number): Case[] {
  const operand = fc.oneof({ weight: 1, arbitrary: shapeOf(fc.constantFrom(1, 2, 3), 0, 1) }, { weight: 6, arbitrary: shapeOf(fc.constantFrom(1, 2, 3), 2, 5) });
  const arb = fc.tuple(operand, operand, fc.constantFrom(2, 3, 784, 100), fc.constantFrom(2, 3, 784, 100), fc.boolean());
  return sample(arb, n, 2).map(([a, b, k1, k2, sameK]) => {
    // Most cases get matching inner dims; the rest (and short shapes) test the errors.
    const aa = a.length >= 2 ? [...a.slice(0, -1), k1] : a;
    const bb = b.length >= 2 ? [...b.slice(0, -2), sameK ? k1 : k2, b[b.length - 1]!] : b;
    const args = `${show(aa)}, ${show(bb)}`;
    return { rule: 'MatMul', expr: `MatMul<${args}>`, resultExpr: `MatMulResult<${args}>`, runtime: run(() => matmulResultShape(aa, bb)), open: false };
  });
}

function reduceCases(n: number): Case[] {
  const arb = shapeOf(smallDim, 0, 5).chain((s) =>
    fc.tuple(fc.constant(s), fc.oneof(fc.constant(undefined), axisFor(s.length), fc.array(axisFor(s.length, 0), { maxLength: 3 })), fc.boolean()),
  );
  return sample(arb, n, 3).map(([s, axis, keep]) => {
    const args = `${show(s)}, ${list(axis)}, ${keep}`;
    const runtime = run(() => reducedShape(s, reduceAxes('sum', s.length, axis), keep));
    return { rule: 'Reduce', expr: `Reduce<${args}>`, resultExpr: `ReduceResult<${args}>`, runtime, open: false };
  });
}

/** Splits `n` into `parts` factors (so most reshape targets are valid). */
function factor(n: number, parts: number, picks: number[]): number[] {
  const out: number[] = [];
  let rest = n;
  for (let i = 0; i < parts - 1; i++) {
    const divisors = [...Array(Math.min(rest, 1000) + 1).keys()].filter((d) => d > 0 && rest % d === 0);
    const d = divisors[picks[i]! % divisors.length] ?? 1;
    out.push(d);
    rest /= d;
  }
  out.push(rest);
  return out;
}

function reshapeCases(n: number): Case[] {
  const arb = fc.tuple(
    shapeOf(anyDim, 0, 4),
    fc.integer({ min: 1, max: 4 }),
    fc.array(fc.nat(50), { minLength: 4, maxLength: 4 }),
    fc.constantFrom('valid', 'valid', 'minusOne', 'random', 'twoMinusOnes', 'negative'),
    fc.nat(3),
    shapeOf(anyDim, 0, 4),
    maybeOpen,
    mask,
  );
  return sample(arb, n, 4).map(([s, parts, picks, kind, at, random, open, m]) => {
    const count = s.reduce((a, b) => a * b, 1);
    let t: number[] = count === 0 ? [0, ...random.slice(1)] : factor(count, parts, picks);
    if (kind === 'minusOne') t[at % t.length] = -1;
    if (kind === 'random') t = random;
    if (kind === 'twoMinusOnes') t = [-1, -1, ...random.slice(2)];
    if (kind === 'negative') t = [...t.slice(1), -2];
    const ts = open ? openUp(s, m) : s;
    const args = `${show(ts)}, ${show(t)}`;
    return { rule: 'Reshape', expr: `Reshape<${args}>`, resultExpr: `ReshapeResult<${args}>`, runtime: run(() => resolveReshape(s, t)), open: open && m.slice(0, s.length).some(Boolean) };
  });
}

/**
 * `ReshapeKeepEnds`: reshape cases wrapped in the same non-zero dims at both
 * ends, which the rule keeps (for type parameters there; literals here, so
 * the runtime can say what the shape is).
 */
function reshapeKeepEndsCases(n: number): Case[] {
  return reshapeCases(n).map((c, i) => {
    const [s, t] = JSON.parse(`[${c.resultExpr.slice('ReshapeResult<'.length, -1)}]`.replaceAll('number', 'null')) as [Dims, Dims];
    const prefix = [[], [2], [3, 1], [5]][i % 4]!;
    const suffix = [[], [], [4], [1, 2]][(i >> 2) % 4]!;
    const full = [[...prefix, ...s, ...suffix], [...prefix, ...t, ...suffix]] as const;
    const args = `${show(full[0])}, ${show(full[1])}`;
    const open = s.some((d) => d === null);
    return { rule: 'ReshapeKeepEnds', expr: `KeepEnds<${args}>`, resultExpr: `ReshapeKeepEnds<${args}>`, runtime: open ? null : run(() => resolveReshape(full[0], full[1])), open };
  }).filter((c) => !c.open);
}

function broadcastToCases(n: number): Case[] {
  const arb = fc.tuple(shapeOf(fc.constantFrom(1, 2, 3), 0, 4), shapeOf(fc.constantFrom(0, 1, 2, 3), 0, 5), fc.boolean());
  return sample(arb, n, 13).map(([s, t, fit]) => {
    // Half the targets are built to fit: s's dims (1s replaced at random), after extra leading dims.
    const target = fit ? [...t.slice(0, Math.max(0, t.length - s.length)), ...s.map((d, i) => (d === 1 ? (t[i] ?? 1) : d))] : t;
    const args = `${show(s)}, ${show(target)}`;
    const runtime = run(() => scope(() => (broadcastTo(zeros(s), target as never) as AbstractValue).shape.slice()));
    return { rule: 'BroadcastTo', expr: `BroadcastTo<${args}>`, resultExpr: `BroadcastToResult<${args}>`, runtime, open: false };
  });
}

function transposeCases(n: number): Case[] {
  const arb = shapeOf(fc.integer({ min: 1, max: 6 }), 0, 5).chain((s) =>
    fc.tuple(
      fc.constant(s),
      fc.oneof(
        fc.constant(undefined),
        fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }),
        fc.array(fc.integer({ min: -1, max: s.length }), { minLength: Math.max(0, s.length - 1), maxLength: s.length + 1 }),
      ),
    ),
  );
  return sample(arb, n, 5).map(([s, perm]) => {
    const args = `${show(s)}, ${list(perm)}`;
    const runtime = run(() => {
      const p = perm ?? [...s.keys()].reverse();
      checkPerm(p, s.length);
      return p.map((i) => s[i]!);
    });
    return { rule: 'Transpose', expr: `Transpose<${args}>`, resultExpr: `TransposeResult<${args}>`, runtime, open: false };
  });
}

function concatCases(n: number): Case[] {
  const arb = shapeOf(smallDim, 1, 4).chain((s) =>
    fc.tuple(
      fc.constant(s),
      fc.array(fc.tuple(smallDim, fc.boolean(), fc.nat(3)), { minLength: 0, maxLength: 3 }),
      axisFor(s.length),
      fc.nat(20),
    ),
  );
  return sample(arb, n, 6).map(([s, others, axis, salt]) => {
    const ax = ((axis % s.length) + s.length) % s.length;
    const shapes: Dims[] = [s];
    for (const [d, bend, where] of others) {
      const o = s.slice();
      o[ax] = d;
      if (bend && salt % 3 === 0) o[where % o.length] = d + 1; // sometimes an off-axis mismatch
      if (bend && salt % 7 === 0) o.push(1); // sometimes a rank mismatch
      shapes.push(o);
    }
    const runtime = run(() => {
      const a = normalizeAxis('concat', axis, s.length);
      if (shapes.length === 1) return s;
      const avals: AbstractValue[] = shapes.map((shape) => ({ shape, dtype: 'float32' }));
      return concatPrimitive.abstractEval(avals, { axis: a })[0]!.shape;
    });
    const args = `[${shapes.map(show).join(', ')}], ${axis}`;
    return { rule: 'Concat', expr: `Concat<${args}>`, resultExpr: `ConcatResult<${args}>`, runtime, open: false };
  });
}

function stackCases(n: number): Case[] {
  const arb = shapeOf(smallDim, 0, 4).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 1, max: 4 }), fc.boolean(), axisFor(s.length + 1)));
  return sample(arb, n, 7).map(([s, count, bend, axis]) => {
    const shapes = Array.from({ length: count }, (_, i) => (bend && i === count - 1 && s.length > 0 ? [...s.slice(0, -1), s[s.length - 1]! + 1] : s));
    const runtime = run(() => {
      const first = shapes[0]!;
      shapes.forEach((x) => {
        if (!sameShape(x, first)) throw new ShapeError('stack', 'shapes differ');
      });
      const at = insertionAxis('stack', axis, first);
      return [...first.slice(0, at), count, ...first.slice(at)];
    });
    const args = `[${shapes.map(show).join(', ')}], ${axis}`;
    return { rule: 'Stack', expr: `Stack<${args}>`, resultExpr: `StackResult<${args}>`, runtime, open: false };
  });
}

function sliceCases(n: number): Case[] {
  const arb = shapeOf(fc.integer({ min: 0, max: 6 }), 0, 4).chain((s) =>
    fc.tuple(fc.constant(s), fc.array(fc.integer({ min: -1, max: 7 }), { minLength: s.length, maxLength: s.length }), fc.array(fc.integer({ min: -2, max: 7 }), { minLength: s.length, maxLength: s.length }), fc.nat(9)),
  );
  return sample(arb, n, 8).map(([s, begin, size, fit]) => {
    // Pull most blocks inside the shape so that valid cases are common.
    const b = begin.map((x, i) => (fit < 7 ? Math.min(Math.max(x, 0), s[i]!) : x));
    const z = size.map((x, i) => (fit < 7 && x !== -1 ? Math.min(Math.max(x, 0), s[i]! - b[i]!) : x));
    const zz = fit === 8 ? [...z, 1] : z;
    const args = `${show(s)}, ${show(b)}, ${show(zz)}`;
    return { rule: 'Slice', expr: `Slice<${args}>`, resultExpr: `SliceResult<${args}>`, runtime: run(() => resolveSlice(s, b, zz)), open: false };
  });
}

function gatherCases(n: number): Case[] {
  const arb = shapeOf(smallDim, 1, 4).chain((s) => fc.tuple(fc.constant(s), shapeOf(smallDim, 0, 3), axisFor(s.length)));
  return sample(arb, n, 9).map(([s, idx, axis]) => {
    const args = `${show(s)}, ${show(idx)}, ${axis}`;
    const runtime = run(() => gatherShape(s, idx, normalizeAxis('take', axis, s.length)));
    return { rule: 'Gather', expr: `Gather<${args}>`, resultExpr: `GatherResult<${args}>`, runtime, open: false };
  });
}

function expandDimsCases(n: number): Case[] {
  const arb = shapeOf(smallDim, 0, 5).chain((s) => fc.tuple(fc.constant(s), axisFor(s.length + 1)));
  return sample(arb, n, 10).map(([s, axis]) => {
    const runtime = run(() => {
      const at = insertionAxis('expandDims', axis, s);
      return [...s.slice(0, at), 1, ...s.slice(at)];
    });
    const args = `${show(s)}, ${axis}`;
    return { rule: 'ExpandDims', expr: `ExpandDims<${args}>`, resultExpr: `ExpandDimsResult<${args}>`, runtime, open: false };
  });
}

function insertDimCases(n: number): Case[] {
  const arb = shapeOf(smallDim, 0, 5).chain((s) => fc.tuple(fc.constant(s), axisFor(s.length + 1)));
  return sample(arb, n, 12).map(([s, axis]) => {
    // vmap's batch axis (inAxes/outAxes): inserted where expandDims would put a 1.
    const runtime = run(() => {
      const at = insertionAxis('vmap', axis, s);
      return [...s.slice(0, at), 9, ...s.slice(at)];
    });
    return { rule: 'InsertDim', expr: `InsertDim<${show(s)}, ${axis}, 9>`, resultExpr: `ExpandDimsResult<${show(s)}, ${axis}>`, runtime, open: false };
  });
}

function squeezeCases(n: number): Case[] {
  const arb = shapeOf(fc.constantFrom(1, 1, 2, 3), 0, 4).chain((s) =>
    fc.tuple(fc.constant(s), fc.oneof(fc.constant(undefined), axisFor(s.length), fc.array(axisFor(s.length, 0), { minLength: 1, maxLength: 2 }))),
  );
  // The op itself is the runtime twin here (squeeze has no separate shape function); tiny zero tensors.
  return sample(arb, n, 11).map(([s, axis]) => {
    const runtime = run(() => scope(() => squeeze(zeros(s), axis).shape.slice()));
    const args = `${show(s)}, ${list(axis)}`;
    return { rule: 'Squeeze', expr: `Squeeze<${args}>`, resultExpr: `SqueezeResult<${args}>`, runtime, open: false };
  });
}

// ---------------------------------------------------------------- the generated file

const PRELUDE = `import type { Broadcast, BroadcastResult, BroadcastTo, BroadcastToResult, MatMul, MatMulResult, Reduce, ReduceResult, Reshape, ReshapeResult, ReshapeKeepEnds, OkShape, Transpose, TransposeResult,
  Concat, ConcatResult, Stack, StackResult, Slice, SliceResult, Gather, GatherResult, ExpandDims, ExpandDimsResult, Squeeze, SqueezeResult, InsertDim, TypeError } from './index.js';
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type KeepEnds<S extends number[], T extends number[]> = ReshapeKeepEnds<S, T> extends infer R ? OkShape<R> : never;
type Contains<Wide, Narrow> = [Narrow] extends [never] ? false : [Narrow] extends [Wide] ? true : false;
type IsShapeError<R> = [R] extends [TypeError<\`shape error: \${string}\`>] ? true : false;
`;

function assertion(c: Case, i: number): string {
  if (c.runtime === null) {
    // Runtime throws: the rule is never, and its Result form is a readable shape error.
    return c.open ? '' : `export type C${i} = [Expect<Equal<${c.expr}, never>>, Expect<IsShapeError<${c.resultExpr}>>];`;
  }
  return c.open ? `export type C${i} = Expect<Contains<${c.expr}, ${show(c.runtime)}>>;` : `export type C${i} = Expect<Equal<${c.expr}, ${show(c.runtime)}>>;`;
}

const GENERATED = path.join(here, '__rules_cases__.ts');

/** Type-checks the generated source in memory; returns the diagnostics with the offending case lines. */
function typeCheck(source: string): { messages: string[]; seconds: number; cpuSeconds: number } {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (path.resolve(name) === GENERATED ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === GENERATED || fileExists(name);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const program = ts.createProgram([GENERATED], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const lines = source.split('\n');
  const messages = diagnostics.map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n').slice(0, 400);
    return where ? `${path.basename(d.file!.fileName)}:${where.line + 1}: ${text}\n    ${lines[where.line] ?? ''}` : text;
  });
  return { messages, seconds, cpuSeconds };
}

const generators: Record<string, (n: number) => Case[]> = {
  Broadcast: broadcastCases,
  MatMul: matmulCases,
  Reduce: reduceCases,
  Reshape: reshapeCases,
  BroadcastTo: broadcastToCases,
  ReshapeKeepEnds: reshapeKeepEndsCases,
  Transpose: transposeCases,
  Concat: concatCases,
  Stack: stackCases,
  Slice: sliceCases,
  Gather: gatherCases,
  ExpandDims: expandDimsCases,
  Squeeze: squeezeCases,
  InsertDim: insertDimCases,
};

const COUNTS: Record<string, number> = {
  Broadcast: 400,
  MatMul: 300,
  Reduce: 350,
  Reshape: 450,
  BroadcastTo: 200,
  ReshapeKeepEnds: 200,
  Transpose: 250,
  Concat: 250,
  Stack: 200,
  Slice: 300,
  Gather: 150,
  ExpandDims: 150,
  Squeeze: 200,
  InsertDim: 150,
};

describe('type-level shape rules agree with their runtime twins', () => {
  let cases: Case[] = [];
  let result: { messages: string[]; seconds: number; cpuSeconds: number };

  beforeAll(async () => {
    await setBackend('cpu');
    cases = Object.entries(generators).flatMap(([rule, gen]) => gen(COUNTS[rule]!));
    const source = PRELUDE + cases.map(assertion).join('\n') + '\n';
    result = typeCheck(source);
    if (result.messages.length > 0) {
      const dir = mkdtempSync(path.join(tmpdir(), 'fluxion-rules-'));
      writeFileSync(path.join(dir, 'cases.ts'), source);
      console.error(`rules.test: generated cases kept in ${dir}/cases.ts (seed ${SEED})`);
    }
  }, 180_000);

  it('generates thousands of cases, with both accepted and rejected shapes for every rule', () => {
    expect(cases.length).toBeGreaterThanOrEqual(3000);
    for (const rule of Object.keys(generators)) {
      const mine = cases.filter((c) => c.rule === rule);
      const ok = mine.filter((c) => c.runtime !== null).length;
      const bad = mine.length - ok;
      console.log(`${rule}: ${mine.length} cases (${ok} accepted, ${bad} rejected at run time)`);
      expect(ok, `${rule} accepted cases`).toBeGreaterThan(mine.length / 10);
      expect(bad, `${rule} rejected cases`).toBeGreaterThan(mine.length / 20);
    }
  });

  it('every static result equals the runtime shape, and is an error exactly where the runtime throws', () => {
    console.log(`type-checked ${cases.length} cases in ${result.seconds.toFixed(1)} s (${result.cpuSeconds.toFixed(1)} s CPU)`);
    const failing = Object.keys(generators).map((rule) => `${rule}: ${result.messages.filter((m) => m.includes(`<${rule}<`) || m.includes(` ${rule}<`)).length}`);
    expect(result.messages.length === 0 ? [] : [failing.join(', '), ...result.messages.slice(0, 30)]).toEqual([]);
  });
});
