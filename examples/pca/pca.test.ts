import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silent } from '../common/cli.js';
import { explainedTop2Host, run } from './main.js';

describe('pca example: Iris by SVD, and the gradient of the explained variance', () => {
  it('explains the standardized Iris variance as the float64 eigenvalues do; its gradient matches float64 finite differences; the ascent raises the ratio', async () => {
    const r = await run({ steps: 20, log: silent, svg: 'pca.test.svg' });
    // Ratios sum to 1 and the first two agree with the float64 Jacobi eigenvalues of the covariance.
    expect(r.ratios.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    expect(r.ratios[0]! + r.ratios[1]!).toBeCloseTo(r.before, 5);
    expect(r.ratios[0]!).toBeGreaterThan(0.7);
    r.gradient.forEach((g, j) => expect(Math.abs(g - r.finiteDifference[j]!)).toBeLessThan(2e-4 + 1e-3 * Math.abs(r.finiteDifference[j]!)));
    expect(r.after).toBeGreaterThan(r.before + 0.01);
    expect(readFileSync(r.svgPath!, 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*principal axes[\s\S]*<\/svg>\n$/);
  });

  it('the float64 reference: equal weights on two identical features put all their variance in one component', () => {
    const rows = Array.from({ length: 20 }, (_, i) => [i, i, Math.sin(i), Math.cos(3 * i)]);
    expect(explainedTop2Host(rows, [1, 1, 0, 0])).toBeCloseTo(1, 12);
  });
});
