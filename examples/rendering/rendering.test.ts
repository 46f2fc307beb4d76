import { describe, expect, it } from 'vitest';
import { silent } from '../common/cli.js';
import { run } from './main.js';

describe('rendering example: soft rasterizer', () => {
  it('recovers every disc centre within 0.01 image widths and every colour within 0.05 from a 16×16 target', async () => {
    const r = await run({ size: 16, steps: 200, log: silent, svg: null });
    expect(r.positionError).toBeLessThan(0.01);
    expect(r.radiusError).toBeLessThan(0.01);
    expect(r.colorError).toBeLessThan(0.05);
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! / 1000);
  });
});
