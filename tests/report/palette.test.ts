import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BLOCK_COLOURS, BLOCK_COLOURS_RGB, MASK_COLOURS, PAIR_COLOURS } from '../../src/analysis/report/palette.ts';

/** The light theme's custom properties as the stylesheet declares them (its first :root block). */
function lightThemeProperties(): Map<string, string> {
  const css = readFileSync(new URL('../../src/styles/global.css', import.meta.url), 'utf8');
  const root = css.slice(css.indexOf(':root {'), css.indexOf('}', css.indexOf(':root {')));
  return new Map([...root.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()]));
}

describe('palette', () => {
  it('gives the blocks the colours the stylesheet gives them (light theme)', () => {
    const css = lightThemeProperties();
    expect(css.get('--c-q')).toBe(BLOCK_COLOURS.Q);
    expect(css.get('--c-k')).toBe(BLOCK_COLOURS.K);
    expect(css.get('--c-v')).toBe(BLOCK_COLOURS.V);
  });

  it('has the Okabe–Ito values, as hex and as RGB', () => {
    expect(BLOCK_COLOURS).toEqual({ Q: '#0072b2', K: '#d55e00', V: '#009e73' });
    expect(BLOCK_COLOURS_RGB).toEqual({ Q: [0, 114, 178], K: [213, 94, 0], V: [0, 158, 115] });
  });

  it('colours every pair: six distinct mask colours, within pairs in their block colour', () => {
    expect(new Set(Object.values(MASK_COLOURS)).size).toBe(6);
    expect([MASK_COLOURS.QQ, MASK_COLOURS.KK, MASK_COLOURS.VV]).toEqual([BLOCK_COLOURS.Q, BLOCK_COLOURS.K, BLOCK_COLOURS.V]);
    expect(PAIR_COLOURS).toEqual({ QQ: 'var(--c-q)', KK: 'var(--c-k)', VV: 'var(--c-v)', QK: 'var(--c-qk)', QV: 'var(--c-qv)', KV: 'var(--c-kv)' });
    // every property a pair colour names exists in the stylesheet
    const css = lightThemeProperties();
    for (const value of Object.values(PAIR_COLOURS)) expect(css.has(value.slice(4, -1))).toBe(true);
  });
});
