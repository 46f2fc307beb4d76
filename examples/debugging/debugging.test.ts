import { describe, expect, it } from 'vitest';
import { run } from './main.js';

describe('examples/debugging: every failure mode is caught by its tool', () => {
  it('reports each of the seven modes with the expected content', () => {
    const findings = Object.fromEntries(run().map((f) => [f.mode, f.report]));
    expect(findings['wrong derivative target']).toMatch(/implicit -0\.29\d\d, 3 unrolled iterations -0\.0\d+\n.*derivative of the algorithm/);
    expect(findings['memory blowup']).toMatch(/reverse mode keeps \d+ residuals/);
    expect(findings['silent zero gradients']).toMatch(/argument 0\.w f32\[3\]: gradient is structurally zero — cut by argmax/);
    expect(findings['numerically unstable gradients']).toMatch(/produced by primitive 'log' in the forward pass/);
    expect(findings['excessive recompilation']).toMatch(/"traces":6[\s\S]*argument 1: static 3 → static 4/);
    expect(findings['perturbation confusion']).toMatch(/is 1 \(a confused system gives 2\)/);
    expect(findings['invalid custom rules']).toMatch(/autodiff gives .* but finite differences give/);
  });
});
