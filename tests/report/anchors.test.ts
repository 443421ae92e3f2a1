import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allAnchors } from '../../src/analysis/report/anchors.ts';

describe('figure anchors', () => {
  const anchors = allAnchors();

  it('are unique on each kind of page and safe in a URL fragment', () => {
    for (const ids of Object.values(anchors)) {
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9-]*$/);
    }
  });

  it('are all listed in docs/anchors.md, the public list course materials rely on', () => {
    const doc = readFileSync(new URL('../../docs/anchors.md', import.meta.url), 'utf8');
    for (const id of Object.values(anchors).flat()) expect(doc).toContain(`\`#${id}\``);
  });
});
