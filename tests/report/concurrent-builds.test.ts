import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareAnalyses } from '../../src/integration/analyses.ts';
import { modelFolder } from '../helpers/model-folder.ts';

describe('two builds started at once on the same cache', () => {
  it("analyse each set once: the second waits, then finds the first one's result", async () => {
    const root = mkdtempSync(join(tmpdir(), 'qkv-atlas-root-'));
    mkdirSync(join(root, 'content', 'sets'), { recursive: true });
    const model = modelFolder('hf-random-gpt2');
    writeFileSync(
      join(root, 'content', 'sets', 'pair.yaml'),
      `title: t\nmodel: ${model}\ntarget: " her"\nseed: 1\nsentences:\n  - I saw her at the market.\n  - She gave her the book.\n  - We thanked her twice.\n`,
    );
    const logs: string[][] = [[], []];
    const build = (i: number) =>
      prepareAnalyses({
        root,
        setDirs: ['content/sets'],
        demo: null,
        logger: { info: (m) => logs[i].push(m), warn: (m) => logs[i].push(m) },
      });
    const [a, b] = await Promise.all([build(0), build(1)]);
    expect(a[0].dir).toBe(b[0].dir);
    const analysed = logs.filter((lines) => lines.some((line) => /analysing 3 sentences/.test(line)));
    const cached = logs.filter((lines) => lines.some((line) => /analysis cached/.test(line)));
    expect(analysed).toHaveLength(1);
    expect(cached).toHaveLength(1);
    expect(readdirSync(join(root, '.cache', 'analysis', 'pair'))).toEqual([a[0].dir.split('/').pop()]);
  });
});
