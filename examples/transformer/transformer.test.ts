import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silent } from '../common/cli.js';
import { run } from './main.js';

describe('transformer example: a one-block character model', () => {
  it('trains in one jit trace: the loss falls from log V to below 0.5, and the greedy continuation is text it learned', async () => {
    const r = await run({ steps: 150, log: silent, svg: 'transformer.test.svg' });
    expect(r.traces).toBe(1);
    expect(Math.abs(r.losses[0]! - r.uniformLoss)).toBeLessThan(1);
    expect(Math.min(...r.losses.slice(-10))).toBeLessThan(0.5);
    expect(r.sample.startsWith('the quick ')).toBe(true);
    // Every word of the continuation (but a cut-off last one) is a word of the training text.
    const words = r.sample.trim().split(/[ .]+/).slice(0, -1);
    for (const w of words) expect('the quick brown fox jumps over the lazy dog sleeps in sun runs to river and follows'.split(' ')).toContain(w);
    expect(readFileSync(r.svgPath!, 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*training loss[\s\S]*<\/svg>\n$/);
    expect(existsSync(r.svgPath!)).toBe(true);
  }, 120_000);
});
