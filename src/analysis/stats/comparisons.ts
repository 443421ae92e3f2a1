import { PAIR_TYPES, type Comparison, type Condition, type MetricStats, type Pairs, type Summary } from '../output-schema.ts';
import { compareFine } from './distances.ts';
import type { Distribution } from './exact.ts';

/** The five comparisons of MetricStats, per pair type: measured conditions against
 * each other and against both baselines. */
export const COMPARISONS = [
  ['targetVsNontarget', 'target', 'nontarget'],
  ['targetVsShuffled', 'target', 'shuffled'],
  ['targetVsShuffledPerNeuron', 'target', 'shuffledPerNeuron'],
  ['nontargetVsShuffled', 'nontarget', 'shuffled'],
  ['nontargetVsShuffledPerNeuron', 'nontarget', 'shuffledPerNeuron'],
] as const satisfies readonly (readonly [keyof MetricStats['comparisons'], Condition, Condition])[];

export function distanceTable(
  dists: (c: Condition) => Distribution[],
  summaries: Record<Condition, Pairs<Summary>>,
): MetricStats['comparisons'] {
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
