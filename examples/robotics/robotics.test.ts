import { describe, expect, it } from 'vitest';
import { silent } from '../common/cli.js';
import { run } from './main.js';

describe('robotics example: 3-link arm', () => {
  it('reaches every IK target within 0.1 mm, and the jacfwd controller tracks the circle within 1 cm', async () => {
    const r = await run({ ikSteps: 100, controlSteps: 120, log: silent, svg: null });
    expect(r.ikErrors).toHaveLength(4);
    for (const e of r.ikErrors) expect(e).toBeLessThan(1e-4);
    // jacfwd's Jacobian equals the closed form at every visited pose.
    expect(r.jacobianError).toBeLessThan(1e-4);
    expect(r.trackingMax).toBeLessThan(1e-2);
    expect(r.trackingRms).toBeLessThan(5e-3);
  });
});
