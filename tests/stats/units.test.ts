import { describe, expect, it } from 'vitest';
import { columnStats } from '../../src/analysis/stats/columns.ts';
import { METRIC_CORR, METRIC_COS } from '../../src/analysis/stats/scan.ts';
import { transpose } from '../../src/analysis/stats/transpose.ts';
import { UNIT_CHUNK, neuronRange, similarities } from '../../src/analysis/stats/units.ts';
import { randomMatrix, refSimilarity } from './reference.ts';

describe('exact similarities (previews, the QQ block, the report blocks)', () => {
  it('match a float64 reference over several chunks of sentences, with undefined neurons as NaN', async () => {
    // more sentences than one chunk, and not a multiple of it
    const rows = 2 * UNIT_CHUNK + 37;
    const m = 12;
    const x = randomMatrix(rows, m, 23);
    // neuron 5 is constant (correlation undefined, cosine defined), neuron 9 is zero (both undefined)
    for (let s = 0; s < rows; s++) {
      x[s * m + 5] = 0.25;
      x[s * m + 9] = 0;
    }
    const cols = columnStats(rows, m, transpose(x, rows, m));
    const a = [0, 5, 9, 11, 3];
    const b = neuronRange(2, 12);
    for (const [metric, centre] of [
      [METRIC_COS, false],
      [METRIC_CORR, true],
    ] as const) {
      const reference = refSimilarity(x, rows, m, centre);
      const got = await similarities(cols, metric, a, b);
      const same = await similarities(cols, metric, a, a);
      const undefinedNeuron = (i: number) => i === 9 || (centre && i === 5);
      for (const [pick, values] of [
        [b, got],
        [a, same],
      ] as const) {
        a.forEach((i, r) =>
          pick.forEach((j, c) => {
            const value = values[r * pick.length + c];
            if (undefinedNeuron(i) || undefinedNeuron(j)) expect(value).toBeNaN();
            else expect(Math.abs(value - reference[i * m + j])).toBeLessThan(1e-13);
          }),
        );
      }
    }
  });
});
