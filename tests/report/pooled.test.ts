import { describe, expect, it } from 'vitest';
import type { Summary } from '../../src/analysis/output-schema.ts';
import { pooledSummary } from '../../src/analysis/report/pooled.ts';

/** Four bins over [-1, 1]: density = count / width / total, as numpy's density=True. */
const EDGES = [-1, -0.5, 0, 0.5, 1];

function density(values: readonly number[]): number[] {
  const counts = EDGES.slice(0, -1).map((lo, k) => values.filter((v) => v >= lo && (k === EDGES.length - 2 ? v <= EDGES[k + 1] : v < EDGES[k + 1])).length);
  return counts.map((c, k) => c / (EDGES[k + 1] - EDGES[k]) / values.length);
}

/** A summary computed from the values themselves (population SD, as np.std). */
function summaryOf(values: readonly number[], undefinedCount: number, quantile: number): Summary {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  return {
    n,
    undefined: undefinedCount,
    density: density(values),
    mean,
    sd,
    // distinct per part, so that a copied value would show
    median: quantile,
    quantiles: { p01: quantile, p05: quantile, p25: quantile, p75: quantile, p95: quantile, p99: quantile },
    meanAbs: values.reduce((s, v) => s + Math.abs(v), 0) / n,
    shareAbsOver05: values.filter((v) => Math.abs(v) > 0.5).length / n,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

describe('pooledSummary', () => {
  const parts = [
    [0.9, -0.2, 0.1, 0.6],
    [-0.7, -0.1, 0.3],
    [0.05, 0.2, -0.55, 0.8, 0.35],
  ];
  const all = parts.flat();
  const pooled = pooledSummary(parts.map((values, k) => summaryOf(values, k + 1, 0.11 * (k + 1))));

  it('is the summary of all the values together, field by field', () => {
    const direct = summaryOf(all, 1 + 2 + 3, NaN);
    expect(pooled.n).toBe(direct.n);
    expect(pooled.undefined).toBe(6);
    expect(pooled.mean).toBeCloseTo(direct.mean, 14);
    expect(pooled.sd).toBeCloseTo(direct.sd, 14);
    expect(pooled.meanAbs).toBeCloseTo(direct.meanAbs, 14);
    expect(pooled.shareAbsOver05).toBeCloseTo(direct.shareAbsOver05, 14);
    expect(pooled.min).toBe(-0.7);
    expect(pooled.max).toBe(0.9);
    pooled.density.forEach((d, k) => expect(d).toBeCloseTo(direct.density[k], 14));
  });

  it('copies no part: the median and quantiles, which the parts cannot give, are NaN', () => {
    expect(pooled.median).toBeNaN();
    for (const value of Object.values(pooled.quantiles)) expect(value).toBeNaN();
  });

  it('has exactly the fields of a summary', () => {
    expect(Object.keys(pooled).sort()).toEqual(Object.keys(summaryOf([0], 0, 0)).sort());
  });
});
