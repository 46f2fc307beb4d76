import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silent } from '../common/cli.js';
import { run } from './main.js';

describe('ml example: MLP on Iris', () => {
  it('reaches > 90% test accuracy on the held-out flowers and cuts the loss tenfold', async () => {
    const r = await run({ steps: 120, log: silent, svg: 'ml.test.svg' });
    expect(r.trainSize).toBe(120);
    expect(r.testSize).toBe(30);
    expect(r.testAccuracy).toBeGreaterThan(0.9);
    expect(r.trainAccuracy).toBeGreaterThan(0.9);
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! / 10);
    expect(existsSync(r.svgPath!)).toBe(true);
    expect(readFileSync(r.svgPath!, 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*decision regions[\s\S]*<\/svg>\n$/);
  });
});
