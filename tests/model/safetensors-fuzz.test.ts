import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AtlasError } from '../../src/analysis/errors.ts';
import { readSafetensorsHeader } from '../../src/analysis/model/safetensors.ts';
import { fixture } from '../helpers/paths.ts';
import { readHeaderJson, safetensorsBytes } from '../helpers/safetensors-writer.ts';

/**
 * Hostile weights files: whatever the bytes, the parser either returns a header whose every
 * tensor lies inside the file, or throws one AtlasError — never another exception, never an
 * allocation driven by a declared size.
 */
const dir = mkdtempSync(join(tmpdir(), 'qkv-atlas-fuzz-'));
const original = new Uint8Array(readFileSync(fixture('models/tiny-bare-f32/model.safetensors')));
let counter = 0;

async function parse(bytes: Uint8Array) {
  const path = join(dir, `case-${counter++}.safetensors`);
  writeFileSync(path, bytes);
  try {
    const header = await readSafetensorsHeader(path);
    for (const tensor of header.tensors.values()) {
      expect(tensor.offset).toBeGreaterThanOrEqual(header.dataStart);
      expect(tensor.offset + tensor.byteLength).toBeLessThanOrEqual(bytes.length);
    }
    return 'parsed';
  } catch (error) {
    if (!(error instanceof AtlasError)) throw error;
    expect(error.where).toBe(path);
    return 'refused';
  }
}

describe('safetensors parser under hostile input', () => {
  it('random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        expect(await parse(bytes)).toBe('refused');
      }),
      { numRuns: 200 },
    );
  });

  it('a real file with random bytes overwritten', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: 4000 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (edits) => {
        const bytes = original.slice();
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        await parse(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('truncated at any length', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: original.length - 1 }), async (length) => {
        expect(await parse(original.subarray(0, length))).toBe('refused');
      }),
      { numRuns: 150 },
    );
  });

  it('huge declared header lengths, shapes and offsets, without huge allocations', async () => {
    const { header, data } = readHeaderJson(original);
    const before = process.memoryUsage().rss;
    const cases = [
      safetensorsBytes({}, new Uint8Array(0), 2 ** 53 - 1),
      safetensorsBytes({}, new Uint8Array(0), 2 ** 31),
      safetensorsBytes({ ...header, 'wte.weight': { dtype: 'F32', shape: [2 ** 40, 2 ** 20], data_offsets: [0, 4] } }, data),
      safetensorsBytes({ ...header, 'wte.weight': { dtype: 'F32', shape: [1], data_offsets: [0, 2 ** 60] } }, data),
      safetensorsBytes({ ...header, 'wte.weight': { dtype: 'F32', shape: [-1, 4], data_offsets: [0, 4] } }, data),
      safetensorsBytes({ ...header, 'wte.weight': { dtype: 'F32', shape: '[1]', data_offsets: [0, 4] } }, data),
      safetensorsBytes({ ...header, 'wte.weight': null }, data),
    ];
    for (const bytes of cases) expect(await parse(bytes)).toBe('refused');
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 2 ** 20);
  });
});
