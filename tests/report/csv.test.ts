import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, toCsv } from '../../src/analysis/report/csv.ts';
import { layerCsv, TIDY_HEADER } from '../../src/analysis/report/downloads.ts';
import { layerStats } from './synthetic.ts';

describe('csvCell', () => {
  it('prefixes text that a spreadsheet would run as a formula', () => {
    expect(csvCell('=SUM(A1:A2)')).toBe("'=SUM(A1:A2)");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe('"\'\rx"');
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=a,"b"')).toBe('"\'=a,""b"""');
  });

  it('keeps numbers numbers, negative ones included, and leaves undefined cells empty', () => {
    expect(csvCell(-0.125)).toBe('-0.125');
    expect(csvCell(3)).toBe('3');
    expect(csvCell(NaN)).toBe('');
    expect(csvCell(Infinity)).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell('plain')).toBe('plain');
  });

  it('joins rows and files with CRLF', () => {
    expect(csvRow(['a', 1, null])).toBe('a,1,');
    expect(
      toCsv(
        ['x', 'y'],
        [
          [1, 2],
          ['=z', -1],
        ],
      ),
    ).toBe("x,y\r\n1,2\r\n'=z,-1\r\n");
  });
});

describe('layerCsv', () => {
  it('is tidy: one row per statistic, bin and head pair, all with the same columns', () => {
    const stats = layerStats(5, { nHead: 2 });
    const lines = layerCsv(stats).trimEnd().split('\r\n');
    expect(lines[0]).toBe(TIDY_HEADER.join(','));
    const rows = lines.slice(1).map((line) => line.split(','));
    expect(rows.every((row) => row.length === TIDY_HEADER.length)).toBe(true);
    // 2 metrics × 4 conditions × 6 pairs × (15 statistics + 100 bins) + 2 × 5 comparisons × 6 pairs × 3 + 2 × 2 sides × 6 pairs × 4 head cells
    expect(rows).toHaveLength(2 * 4 * 6 * (15 + 100) + 2 * 5 * 6 * 3 + 2 * 2 * 6 * 4);
    const sd = rows.find((r) => r[1] === 'cosine' && r[2] === 'target' && r[3] === 'QQ' && r[4] === 'sd');
    expect(sd?.[0]).toBe('5');
    expect(Number(sd?.[9])).toBeCloseTo(0.2);
    const bin = rows.find((r) => r[4] === 'density');
    expect(Number(bin?.[5])).toBeCloseTo(-1);
    expect(Number(bin?.[6])).toBeCloseTo(-0.98);
    const head = rows.find((r) => r[4] === 'head_mean_abs');
    expect(head?.slice(7, 9)).toEqual(['0', '0']);
  });
});
