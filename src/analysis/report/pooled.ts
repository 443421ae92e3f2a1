import type { Summary } from '../output-schema.ts';

/**
 * Several summaries pooled into the summary of all their values together, as the
 * figures that pool pair types show them. Every field is derived here explicitly
 * (`Required<Summary>`, no spread of one of the parts): a field added to Summary does
 * not compile until it says how it pools, instead of silently showing the first
 * part's value.
 */

/** The density of several pair types pooled (weighted by their counts): the density of all their values together. */
export function pooledDensity(summaries: readonly Summary[]): number[] {
  const total = summaries.reduce((n, s) => n + s.n, 0);
  const bins = summaries[0]?.density.length ?? 0;
  return Array.from({ length: bins }, (_, i) => (total > 0 ? summaries.reduce((sum, s) => sum + s.density[i] * s.n, 0) / total : 0));
}

/**
 * Count-weighted: n, undefined and the |x| > 0.5 share add up; mean and mean |x| are
 * weighted means; the SD is the pooled population SD (within-part variance plus the
 * spread of the part means); min and max of the parts'. The median and quantiles
 * cannot be had from the parts' summaries: NaN (shown as "—").
 */
export function pooledSummary(summaries: readonly Summary[]): Summary {
  const n = summaries.reduce((sum, s) => sum + s.n, 0);
  const weighted = (value: (s: Summary) => number) => summaries.reduce((sum, s) => sum + value(s) * s.n, 0) / n;
  const mean = weighted((s) => s.mean);
  const pooled: Required<Summary> = {
    n,
    undefined: summaries.reduce((sum, s) => sum + s.undefined, 0),
    density: pooledDensity(summaries),
    mean,
    sd: Math.sqrt(weighted((s) => s.sd ** 2 + (s.mean - mean) ** 2)),
    median: NaN,
    quantiles: { p01: NaN, p05: NaN, p25: NaN, p75: NaN, p95: NaN, p99: NaN },
    meanAbs: weighted((s) => s.meanAbs),
    shareAbsOver05: weighted((s) => s.shareAbsOver05),
    min: Math.min(...summaries.map((s) => s.min)),
    max: Math.max(...summaries.map((s) => s.max)),
  };
  return pooled;
}
