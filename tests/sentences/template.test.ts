import { describe, expect, it } from 'vitest';

import { AtlasError } from '../../src/analysis/errors.ts';
import { loadTokenizer } from '../../src/analysis/model/tokenizer.ts';
import { locateInSet } from '../../src/analysis/sentences/locate.ts';
import { parseSetFile } from '../../src/analysis/sentences/set-file.ts';
import { setTemplate } from '../../src/analysis/sentences/template.ts';
import { FIXTURE_TOKENIZER_DIR } from './fixtures.ts';

describe('setTemplate', () => {
  it('is a valid set whose example sentences hold the target', async () => {
    const text = setTemplate('pronoun-him', ' him');
    const { set, warnings } = parseSetFile(text, 'content/sets/pronoun-him.yaml');
    expect(warnings).toEqual([]);
    expect(set).toMatchObject({
      name: 'pronoun-him',
      target: ' him',
      model: 'openai-community/gpt2',
      compare: { label: 'previous', offset: -1 },
      seed: 1,
      layers: null,
    });
    expect(set.sentences).toHaveLength(2);
    const tokenizer = await loadTokenizer(FIXTURE_TOKENIZER_DIR);
    expect(locateInSet(set, tokenizer, 1024).sentences).toHaveLength(2);
  });

  it('refuses a name the site keeps for its own pages, as the build would', () => {
    for (const name of ['compare', 'methods']) {
      expect(() => setTemplate(name, ' her')).toThrow(AtlasError);
      expect(() => setTemplate(name, ' her')).toThrow(`which the site uses for its own pages (/${name}/)`);
    }
  });

  it('is commented, so a person can fill it in', () => {
    const text = setTemplate('demo', ' her');
    expect(text).toMatch(/^# /);
    expect(text).toMatch(/# .*leading space/);
    expect(text).toMatch(/# layers: \[0, 5, 11\]/);
    expect(text).toContain('/demo/');
  });

  it('keeps awkward targets intact through YAML', () => {
    for (const target of [' "quoted"', " it's", ' #1', ': colon', '\ttab', ' \\back']) {
      const { set } = parseSetFile(setTemplate('x', target), 'content/sets/x.yaml');
      expect(set.target).toBe(target);
    }
  });

  it('refuses a name that cannot be a URL, and an empty target', () => {
    expect(() => setTemplate('My Set', ' her')).toThrow(AtlasError);
    expect(() => setTemplate('My Set', ' her')).toThrow(/"my-set"/);
    expect(() => setTemplate('ok', '')).toThrow(/target is empty/);
  });
});
