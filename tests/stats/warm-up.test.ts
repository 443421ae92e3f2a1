import { describe, expect, it } from 'vitest';
import { computeLayerStats, warmUpStats } from '../../src/analysis/stats/layer-stats.ts';
import { randomMatrix } from './reference.ts';

describe('warmUpStats', () => {
  it('is idempotent, settles, and leaves the statistics unchanged', async () => {
    const d = 6;
    const input = { layer: 1, target: randomMatrix(15, 3 * d, 3), nontarget: randomMatrix(15, 3 * d, 4), nSentences: 15, nEmbd: d, nHead: 2, seed: 7 };
    const before = await computeLayerStats(input);
    const first = warmUpStats();
    expect(warmUpStats()).toBe(first);
    await first;
    const after = await computeLayerStats(input);
    expect(after).toEqual(before);
  }, 60_000);
});
