import { describe, expect, it } from 'vitest';
import { silent } from '../common/cli.js';
import { run } from './main.js';

describe('finance example: Black–Scholes Greeks', () => {
  it('grad and hessian of the closed-form price give price, delta, gamma, vega, theta, rho (and vanna, volga) within 1e-3 of the closed forms', async () => {
    const r = await run({ paths: 50_000, log: silent, svg: null });
    const names = r.analytic.map((row) => row.name.split(' ')[0]);
    expect(names).toEqual(['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga']);
    for (const row of r.analytic) expect(Math.abs(row.ad - row.exact), row.name).toBeLessThan(1e-3);
    expect(r.maxAnalyticError).toBeLessThan(1e-3);

    // Pathwise Monte Carlo Greeks through the Random effect: within 4 standard errors and 3% of the exact values.
    expect(r.monteCarlo.map((row) => row.name)).toEqual(['price', 'delta', 'vega', 'theta', 'rho']);
    for (const row of r.monteCarlo) {
      expect(Math.abs(row.estimate - row.exact), row.name).toBeLessThan(4 * row.standardError);
      expect(Math.abs(row.estimate - row.exact) / Math.abs(row.exact), row.name).toBeLessThan(0.03);
    }
  });
});
