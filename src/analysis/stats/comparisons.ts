import { PAIR_TYPES, type Comparison, type Condition, type MetricStats, type Pairs, type Summary } from '../output-schema.ts';
import { COMPARISONS } from '../shapes.ts';
import { compareFine } from './distances.ts';
import type { Distribution } from './exact.ts';

/** Each comparison of COMPARISONS (shapes.ts), per pair type: KS, Wasserstein, SD ratio. */
export function distanceTable(dists: (c: Condition) => Distribution[], summaries: Record<Condition, Pairs<Summary>>): MetricStats['comparisons'] {
  const out = {} as MetricStats['comparisons'];
  for (const [key, a, b] of COMPARISONS) {
    const pairs = {} as Pairs<Comparison>;
    PAIR_TYPES.forEach((p, k) => {
      const da = dists(a)[k];
      const db = dists(b)[k];
      pairs[p] = compareFine(da.fine, da.count, db.fine, db.count, summaries[a][p].sd, summaries[b][p].sd);
    });
    out[key] = pairs;
  }
  return out;
}
