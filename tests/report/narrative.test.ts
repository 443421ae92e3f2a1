import { describe, expect, it } from 'vitest';
import {
  distinctRowsSentences,
  distinctRowsTrendSentence,
  layerNarrative,
  pairComparisonNarrative,
  pairNarrative,
  trendSentence,
} from '../../src/analysis/report/narrative.ts';
import { SAME_SPREAD, compareSpread } from '../../src/analysis/report/spread.ts';
import { formatRatio } from '../../src/analysis/report/labels.ts';
import { layerStats, metricStats, summary } from './synthetic.ts';

describe('compareSpread', () => {
  it('says "wider" only beyond the band of "about the same"', () => {
    expect(compareSpread(0.2, 0.1)?.word).toBe('wider');
    expect(compareSpread(0.1 * (1 + SAME_SPREAD) + 0.0006, 0.1)?.word).toBe('wider');
    expect(compareSpread(0.1 * (1 + SAME_SPREAD) - 1e-6, 0.1)?.word).toBe('about the same');
    expect(compareSpread(0.105, 0.1)?.word).toBe('about the same');
    expect(compareSpread(0.1, 0.1)?.word).toBe('about the same');
  });

  it('is symmetric: narrower is wider seen from the other side', () => {
    expect(compareSpread(0.1, 0.2)?.word).toBe('narrower');
    expect(compareSpread(0.1, 0.105)?.word).toBe('about the same');
    expect(compareSpread(0.0904, 0.1)?.word).toBe('narrower');
  });

  it('decides on the ratio as displayed: 1.10× is never "wider", 0.91× never "narrower"', () => {
    // 1.104 is beyond 1 + 10 %, but reads 1.10×
    const barely = compareSpread(0.1104, 0.1)!;
    expect(formatRatio(barely.ratio)).toBe('1.10×');
    expect(barely.word).toBe('about the same');
    expect(compareSpread(0.1106, 0.1)!.word).toBe('wider'); // 1.11×
    const low = compareSpread(0.0906, 0.1)!; // 0.906 < 1/1.1, but reads 0.91×
    expect(formatRatio(low.ratio)).toBe('0.91×');
    expect(low.word).toBe('about the same');
  });

  it('says nothing about undefined spreads', () => {
    expect(compareSpread(NaN, 0.1)).toBeNull();
    expect(compareSpread(0.1, 0)).toBeNull();
    expect(compareSpread(0.1, Infinity)).toBeNull();
  });

  it('reports the ratio', () => {
    expect(compareSpread(0.3, 0.2)?.ratio).toBeCloseTo(1.5);
  });
});

describe('pairNarrative', () => {
  const text = (sentences: string[]) => sentences.join(' ');

  it('calls the target wider than chance and than the comparison token when it is', () => {
    const stats = metricStats({ target: { QK: 0.3 }, nontarget: { QK: 0.15 }, shuffled: 0.1, shuffledPerNeuron: 0.1 });
    const said = text(pairNarrative({ pair: 'QK', metric: 'correlation', layer: 4, stats }));
    expect(said).toContain('At layer 4');
    expect(said).toContain('SD) of 0.300');
    expect(said).toContain('3.00× the SD of the shuffled baseline (0.100): wider than chance');
    expect(said).toContain("the target's distribution is wider (ratio 2.00×)");
    expect(said).toContain('more than either baseline');
    expect(said).not.toMatch(/narrower|about as wide/);
  });

  it('says "about as wide" inside the threshold, never "wider"', () => {
    const stats = metricStats({ target: { QQ: 0.104 }, nontarget: { QQ: 0.1 }, shuffled: 0.1, shuffledPerNeuron: 0.1 });
    const said = text(pairNarrative({ pair: 'QQ', metric: 'cosine', layer: 5, stats }));
    expect(said).not.toContain('wider');
    expect(said).toContain('about as wide as chance');
    expect(said).toContain('is about as wide (ratio 1.04×)');
    expect(said).toContain('no more alike across sentences than shuffled values');
  });

  it('says "narrower" when the target is narrower', () => {
    const stats = metricStats({ target: { VV: 0.05 }, nontarget: { VV: 0.1 }, shuffled: 0.1, shuffledPerNeuron: 0.1 });
    const said = text(pairNarrative({ pair: 'VV', metric: 'cosine', layer: 2, stats }));
    expect(said).toContain('narrower than chance');
    expect(said).toContain('is narrower (ratio 0.50×)');
    expect(said).not.toContain('wider');
  });

  it('explains an excess over the shuffled baseline that the per-neuron baseline reproduces', () => {
    const stats = metricStats({ target: { KK: 0.5 }, shuffled: 0.1, shuffledPerNeuron: 0.49 });
    const said = text(pairNarrative({ pair: 'KK', metric: 'cosine', layer: 1, stats }));
    expect(said).toContain('wider than chance');
    expect(said).toContain("comes from each neuron's own values");
    expect(said).not.toContain('more than either baseline');
  });

  it('reports undefined similarities and makes no claim when nothing is defined', () => {
    const stats = metricStats();
    stats.target.QQ = { ...summary(0.2), undefined: 12 };
    expect(text(pairNarrative({ pair: 'QQ', metric: 'correlation', layer: 0, stats }))).toContain('12 similarities are left out');
    stats.target.QQ = { ...summary(NaN), n: 0 };
    const said = pairNarrative({ pair: 'QQ', metric: 'correlation', layer: 0, stats });
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('no QQ correlations of the target token are defined');
  });

  it('names the widest and narrowest layers, and this layer when it is one of them', () => {
    const stats = metricStats();
    const said = text(
      pairNarrative({
        pair: 'QQ',
        metric: 'cosine',
        layer: 2,
        stats,
        acrossLayers: [
          { layer: 0, sd: 0.1 },
          { layer: 1, sd: 0.2 },
          { layer: 2, sd: 0.4 },
        ],
      }),
    );
    expect(said).toContain('largest at layer 2 (0.400) and smallest at layer 0 (0.100); this layer is the widest');
    const flat = text(
      pairNarrative({
        pair: 'QQ',
        metric: 'cosine',
        layer: 0,
        stats,
        acrossLayers: [
          { layer: 0, sd: 0.2 },
          { layer: 1, sd: 0.205 },
        ],
      }),
    );
    expect(flat).toContain('stays about the same');
  });
});

describe('layerNarrative', () => {
  it('ranks the pair types and tallies target against comparison token and chance', () => {
    const stats = layerStats(3, {
      cosine: {
        target: { QQ: 0.3, KK: 0.2, VV: 0.1, QK: 0.2, QV: 0.2, KV: 0.2 },
        nontarget: { QQ: 0.1, KK: 0.2, VV: 0.2, QK: 0.2, QV: 0.2, KV: 0.2 },
        shuffled: 0.05,
      },
    });
    const said = layerNarrative(stats, 'cosine').join(' ');
    expect(said).toContain('the widest within-matrix cosine similarities are QQ (SD 0.300), the narrowest VV (SD 0.100)');
    expect(said).toContain('across-matrix cosine similarities (QK, QV, KV) are about equally wide');
    expect(said).toContain('QQ is wider at the target');
    expect(said).toContain('VV is narrower at the target');
    expect(said).toContain('KK, QK, QV and KV are about the same at the target');
    expect(said).toContain('All 6 pair types are wider at the target than the shuffled baseline.');
  });
});

describe('trendSentence', () => {
  it('names the peak layer and counts layers where the target is wider', () => {
    const sentence = trendSentence('QQ', 'cosine', [
      { layer: 0, target: 0.1, nontarget: 0.1 },
      { layer: 1, target: 0.3, nontarget: 0.1 },
      { layer: 2, target: 0.2, nontarget: 0.1 },
    ]);
    // layer 0 is left out of the peak and the count, even where it is widest
    expect(sentence).toBe(
      "QQ (cosine similarity): after layer 0, the target's SD peaks at layer 1 (0.300); it is wider than at the comparison token in all 2 layers after layer 0.",
    );
    expect(
      trendSentence('QQ', 'cosine', [
        { layer: 0, target: 0.9, nontarget: 0.1 },
        { layer: 1, target: 0.1, nontarget: 0.1 },
        { layer: 2, target: 0.3, nontarget: 0.1 },
      ]),
    ).toBe(
      "QQ (cosine similarity): after layer 0, the target's SD peaks at layer 2 (0.300); it is wider than at the comparison token in 1 of the 2 layers after layer 0.",
    );
    expect(
      trendSentence('QQ', 'cosine', [
        { layer: 3, target: 0.1, nontarget: 0.1 },
        { layer: 5, target: 0.3, nontarget: 0.1 },
      ]),
    ).toBe("QQ (cosine similarity): the target's SD peaks at layer 5 (0.300); it is wider than at the comparison token in 1 of the 2 layers.");
    expect(
      trendSentence('QQ', 'cosine', [
        { layer: 0, target: 0.1, nontarget: 0.1 },
        { layer: 1, target: 0.1, nontarget: 0.1 },
      ]),
    ).toBeNull();
  });
});

describe('layer 0 and distinct vectors', () => {
  it('does not rank target against comparison token at layer 0', () => {
    const spreads = { target: { QQ: 0.3, KK: 0.3, VV: 0.3, QK: 0.3, QV: 0.3, KV: 0.3 }, nontarget: { QQ: 0.1, KK: 0.1, VV: 0.1, QK: 0.1, QV: 0.1, KV: 0.1 } };
    const at0 = layerNarrative(layerStats(0, { cosine: spreads }), 'cosine').join(' ');
    expect(at0).not.toContain('wider at the target;');
    expect(at0).toContain('not ranked');
    expect(layerNarrative(layerStats(1, { cosine: spreads }), 'cosine').join(' ')).toContain('are wider at the target');
    const pair0 = pairNarrative({ pair: 'QQ', metric: 'cosine', layer: 0, stats: layerStats(0, { cosine: spreads }).cosine }).join(' ');
    expect(pair0).not.toMatch(/distribution is (wider|narrower)/);
    expect(pair0).toContain('differ only by position');
  });

  it('states the counts of distinct vectors, and why at layer 0', () => {
    const stats = layerStats(0);
    stats.distinctRows = { target: 4, nontarget: 51 };
    const said = distinctRowsSentences(stats, 54).join(' ');
    expect(said).toContain('the 54 sentences give 4 distinct target vectors and 51 distinct comparison-token vectors');
    expect(said).toContain('differ only by the position');
    const later = layerStats(6);
    later.distinctRows = { target: 54, nontarget: 54 };
    expect(distinctRowsSentences(later, 54)).toEqual([]);
    later.distinctRows = { target: 53, nontarget: 53 };
    expect(distinctRowsSentences(later, 54).join(' ')).toContain('53 distinct target vectors');
    expect(
      distinctRowsTrendSentence(
        [
          { layer: 0, target: 4, nontarget: 51 },
          { layer: 1, target: 53, nontarget: 53 },
          { layer: 2, target: 53, nontarget: 53 },
        ],
        54,
      ),
    ).toContain('At every other layer they give 53 distinct target and 53 distinct comparison-token vectors');
    expect(distinctRowsTrendSentence([{ layer: 3, target: 9, nontarget: 9 }], 9)).toBeNull();
  });
});

describe('pairComparisonNarrative', () => {
  it('says "at every common layer" when a word holds at all of them', () => {
    const cells = [0, 1, 2].map((layer) => ({ layer, pair: 'QQ' as const, ks: 0.1, wasserstein: 0.05, sdA: 0.3, sdB: 0.1, spread: compareSpread(0.3, 0.1) }));
    const said = pairComparisonNarrative('QQ', 'cosine', { a: 'a', b: 'b' }, cells as never).join(' ');
    expect(said).toContain('wider than in \u201cb\u201d at every common layer');
    expect(said).not.toContain('layers 0, 1 and 2');
  });
});
