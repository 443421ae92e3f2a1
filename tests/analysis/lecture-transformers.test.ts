import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { readNpy } from '../../src/analysis/io/npy.ts';
import { writeRandomModel } from '../../src/analysis/model/random-model.ts';
import { PAIR_TYPES, type LayerStats, type Manifest } from '../../src/analysis/output-schema.ts';
import { fixture } from '../helpers/paths.ts';

/**
 * The whole pipeline against the lecture's own notebook cells run by Hugging Face transformers
 * (scripts/reference/lecture_on_transformers.py) on the lecture's 54 sentences, every layer, on
 * a random model that `make-model` writes identically here (its sha256 is checked). Activations
 * come from two implementations (float32 here, float32 torch there), so similarities differ by
 * ~1e-7 and a value lying on a bin edge may fall on either side: densities are compared up to
 * two values per pair type; n exactly; mean and SD to 1e-5.
 */
interface PairReference {
  n: number;
  density: number[];
  mean: number;
  sd: number;
}
const reference = JSON.parse(readFileSync(fixture('lecture-transformers/reference.json'), 'utf8')) as {
  model_sha256: string;
  ids: number[][];
  layers: {
    layer: number;
    target: number[][];
    nontarget: number[][];
    positions: number[];
    cosine: Record<'target' | 'nontarget', Record<string, PairReference>>;
    correlation: Record<'target' | 'nontarget', Record<string, PairReference>>;
  }[];
};
const setFile = fileURLToPath(new URL('../../content/sets/her.yaml', import.meta.url));

describe("analyze reproduces the lecture's notebook run by transformers", () => {
  let out: string;
  let manifest: Manifest;
  beforeAll(async () => {
    const model = mkdtempSync(join(tmpdir(), 'qkv-atlas-tiny-'));
    await writeRandomModel(model, { config: 'tiny', seed: 0 });
    const sha = createHash('sha256')
      .update(readFileSync(join(model, 'model.safetensors')))
      .digest('hex');
    expect(sha).toBe(reference.model_sha256);
    out = join(mkdtempSync(join(tmpdir(), 'qkv-atlas-out-')), 'her');
    manifest = (await analyze({ setFile, model, out })).manifest;
  }, 120_000);

  it('tokenizes, pads and locates the target as the lecture does', () => {
    expect(manifest.sentences.map((s) => s.ids)).toEqual(reference.ids);
    expect(manifest.sentences.map((s) => s.target)).toEqual(reference.layers[0].positions);
  });

  it("gives the activations the lecture's hook records, every layer, target and comparison token", async () => {
    for (const layer of reference.layers) {
      for (const which of ['target', 'nontarget'] as const) {
        const { data } = await readNpy(join(out, 'activations', `layer-${layer.layer}-${which}.npy`));
        let worst = 0;
        layer[which].forEach((row, s) =>
          row.forEach((v, j) => {
            worst = Math.max(worst, Math.abs(data[s * row.length + j] - v));
          }),
        );
        expect(worst, `layer ${layer.layer} ${which}`).toBeLessThan(1e-4);
      }
    }
  });

  it("gives the lecture's histograms, means and SDs for both metrics, every layer and pair type", () => {
    for (const layer of reference.layers) {
      const stats = JSON.parse(readFileSync(join(out, 'stats', `layer-${layer.layer}.json`), 'utf8')) as LayerStats;
      for (const metric of ['cosine', 'correlation'] as const) {
        for (const condition of ['target', 'nontarget'] as const) {
          for (const pair of PAIR_TYPES) {
            const expected = layer[metric][condition][pair];
            const actual = stats[metric][condition][pair];
            const where = `layer ${layer.layer} ${metric} ${condition} ${pair}`;
            expect(actual.n, where).toBe(expected.n);
            expect(Math.abs(actual.mean - expected.mean), where).toBeLessThan(1e-5);
            expect(Math.abs(actual.sd - expected.sd), where).toBeLessThan(1e-5);
            // each value moved across an edge changes the density by 1/(n·0.02) in two bins
            const moved = (actual.density.reduce((sum, d, i) => sum + Math.abs(d - expected.density[i]), 0) * expected.n * 0.02) / 2;
            expect(moved, where).toBeLessThanOrEqual(2 + 1e-6);
          }
        }
      }
    }
  });
});
