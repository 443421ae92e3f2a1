import { describe, expect, it } from 'vitest';
import { PAIR_TYPES } from '../../src/analysis/output-schema.ts';
import { BIN_COUNT, BLOCKS, BLOCKS_OF_PAIR, FINE_PER_BIN, PAIR_OF_BLOCKS, PAIRS, isWithinPair } from '../../src/analysis/shapes.ts';
import { EDGES, FINE_BINS, fineBin } from '../../src/analysis/stats/histogram.ts';
import { pairCount, pairOf } from '../../src/analysis/stats/pair-mask.ts';

describe('the named shapes', () => {
  it('number the pairs as the lecture mask does: product of the block numbers, 1 4 9 within, 2 3 6 across', () => {
    // mask value (a + 1)(b + 1) for blocks a ≤ b, and the output format's order of PAIR_TYPES
    const byMaskValue = new Map<number, string>([
      [1, 'QQ'],
      [4, 'KK'],
      [9, 'VV'],
      [2, 'QK'],
      [3, 'QV'],
      [6, 'KV'],
    ]);
    for (let a = 0; a < BLOCKS.length; a++) {
      for (let b = a; b < BLOCKS.length; b++) {
        expect(PAIR_TYPES[PAIR_OF_BLOCKS[a][b]]).toBe(byMaskValue.get((a + 1) * (b + 1)));
        expect(BLOCKS_OF_PAIR[PAIR_OF_BLOCKS[a][b]]).toEqual([a, b]);
      }
    }
    expect(PAIR_OF_BLOCKS).toEqual([
      [0, 3, 4],
      [-1, 1, 5],
      [-1, -1, 2],
    ]);
    expect(PAIRS.map((p) => p.kind)).toEqual(['within', 'within', 'within', 'across', 'across', 'across']);
    expect(PAIRS.map((_, k) => isWithinPair(k))).toEqual([true, true, true, false, false, false]);
  });

  it('agree with the mask entry by entry on a small matrix', () => {
    const d = 4;
    const counts = new Array(PAIRS.length).fill(0);
    for (let i = 0; i < 3 * d; i++)
      for (let j = 0; j < 3 * d; j++) {
        const p = pairOf(i, j, d);
        if (p >= 0) counts[p]++;
      }
    expect(counts).toEqual(PAIRS.map((_, k) => pairCount(k, d)));
    expect(counts).toEqual([6, 6, 6, 16, 16, 16]);
  });

  it('make every report edge a fine edge, and ±0.5 report edges', () => {
    expect(FINE_BINS).toBe(BIN_COUNT * FINE_PER_BIN);
    for (let k = 1; k < BIN_COUNT; k++) {
      // the fine bin just above report edge k starts a report bin
      expect((fineBin(EDGES[k] + 1e-9) - 1) % FINE_PER_BIN).toBe(0);
    }
    expect(EDGES).toContain(-0.5);
    expect(EDGES).toContain(0.5);
  });
});
