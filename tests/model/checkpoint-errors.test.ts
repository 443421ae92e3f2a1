import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HookedModel } from '../../src/analysis/model/hooked-model.ts';
import { readGpt2Config } from '../../src/analysis/model/config.ts';
import { AtlasError } from '../../src/analysis/errors.ts';
import { fixture } from '../helpers/paths.ts';
import { readHeaderJson, safetensorsBytes } from '../helpers/safetensors-writer.ts';

/** Each way a checkpoint can be broken gets one clear message naming the tensor or key. */
const source = fixture('models/tiny-bare-f32');
const original = readFileSync(`${source}/model.safetensors`);

function folderWith(weights: Uint8Array | null, config?: object): { config: string; weights: string } {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-atlas-ckpt-'));
  if (config) writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  else copyFileSync(`${source}/config.json`, join(dir, 'config.json'));
  if (weights) writeFileSync(join(dir, 'model.safetensors'), weights);
  return { config: join(dir, 'config.json'), weights: join(dir, 'model.safetensors') };
}

function edited(edit: (header: ReturnType<typeof readHeaderJson>['header']) => void): Uint8Array {
  const { header, data } = readHeaderJson(original);
  edit(header);
  return safetensorsBytes(header, data);
}

async function failure(files: { config: string; weights: string }): Promise<AtlasError> {
  try {
    await HookedModel.load(files);
  } catch (error) {
    expect(error).toBeInstanceOf(AtlasError);
    return error as AtlasError;
  }
  throw new Error('expected the load to fail');
}

const baseConfig = JSON.parse(readFileSync(`${source}/config.json`, 'utf8'));

describe('a broken weights file is refused with a message that names the problem', () => {
  it.each([
    ['a file shorter than the length field', () => new Uint8Array(5), /too short to hold a header/],
    ['a header length beyond the file', () => safetensorsBytes({}, new Uint8Array(0), 1000), /declares 1000 bytes but the file holds only/],
    ['a huge declared header', () => safetensorsBytes({}, new Uint8Array(0), 2 ** 40), /more than the .* a model header can need/],
    ['a header that is not JSON', () => Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{bad')]), /header is not valid JSON/],
    ['a header that is a JSON array', () => safetensorsBytes([1, 2], new Uint8Array(0)), /header is not a JSON object/],
    [
      'offsets past the end of the data',
      () =>
        edited((h) => {
          h['wte.weight'].data_offsets = [0, 10 ** 9];
        }),
      /tensor "wte.weight" claims bytes 0..1000000000/,
    ],
    ['a truncated file', () => original.subarray(0, original.length - 100), /claims bytes .* \(is the file truncated\?\)/],
    [
      'overlapping tensors',
      () =>
        edited((h) => {
          const [a] = h['wpe.weight'].data_offsets;
          h['h.0.ln_1.bias'].data_offsets = [a, a + 192];
        }),
      /overlaps tensor/,
    ],
    [
      'an unknown dtype',
      () =>
        edited((h) => {
          h['wte.weight'].dtype = 'F24';
        }),
      /tensor "wte.weight" has an unknown dtype "F24"/,
    ],
    [
      'a shape that does not match the byte count',
      () =>
        edited((h) => {
          h['wte.weight'].shape = [100, 48];
        }),
      /tensor "wte.weight" of shape \[100, 48\].* needs 19200 bytes, but its offsets span 19392/,
    ],
    [
      'a negative offset',
      () =>
        edited((h) => {
          h['wte.weight'].data_offsets = [-4, 19388];
        }),
      /tensor "wte.weight" has invalid data_offsets/,
    ],
  ])('%s', async (_, bytes, message) => {
    const error = await failure(folderWith(bytes()));
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/not a valid safetensors file/);
    expect(error.where).toMatch(/model\.safetensors$/);
    expect(error.hint).toMatch(/download the model again/);
  });

  it('a missing tensor names it', async () => {
    const error = await failure(
      folderWith(
        edited((h) => {
          delete h['h.1.mlp.c_fc.bias'];
        }),
      ),
    );
    expect(error.message).toMatch(/no tensor "h\.1\.mlp\.c_fc\.bias"/);
  });

  it('a shape that disagrees with config.json names the tensor and both shapes', async () => {
    const error = await failure(folderWith(original, { ...baseConfig, n_embd: 64, n_head: 4 }));
    expect(error.message).toMatch(/Tensor "wte.weight" has shape \[101, 48\], but config.json implies \[101, 64\]/);
  });

  it('more layers in the file than in config.json', async () => {
    const error = await failure(folderWith(original, { ...baseConfig, n_layer: 2 }));
    expect(error.message).toMatch(/tensor "h\.2\..*" for layer 2, but config.json says n_layer = 2/);
  });

  it('weights stored as integers are refused by name', async () => {
    const error = await failure(
      folderWith(
        edited((h) => {
          h['wpe.weight'].dtype = 'I32';
        }),
      ),
    );
    expect(error.message).toMatch(/Tensor "wpe.weight" is stored as I32; only F32, F16, BF16 weights are supported/);
  });

  it('a missing weights file', async () => {
    const error = await failure(folderWith(null));
    expect(error.message).toMatch(/weights file cannot be opened/);
  });
});

describe('config.json that is not GPT-2 as built here is refused by name', () => {
  it.each([
    ['another architecture', { model_type: 'llama' }, /This is not a GPT-2 model: config.json says model_type "llama"/],
    ['an unsupported activation', { activation_function: 'relu' }, /activation_function "relu" is not supported/],
    ['n_embd not divisible by n_head', { n_head: 5 }, /n_embd \(48\) is not a multiple of n_head \(5\)/],
    ['a missing size', { n_layer: undefined }, /"n_layer" must be a positive integer/],
    ['a scaled-attention variant', { scale_attn_by_inverse_layer_idx: true }, /scale_attn_by_inverse_layer_idx is true/],
  ])('%s', async (_, change, message) => {
    const error = await failure(folderWith(original, { ...baseConfig, ...change }));
    expect(error.message).toMatch(message);
    expect(error.where).toMatch(/config\.json$/);
  });

  // JSON.parse reads 1e400 as Infinity, which would make every layer norm divide by infinity
  it.each([
    ['1e400', /"layer_norm_epsilon" must be a finite positive number, found Infinity \(a number too large to represent, such as 1e400\)/],
    ['-1e400', /"layer_norm_epsilon" must be a finite positive number, found -Infinity/],
    ['0', /"layer_norm_epsilon" must be a finite positive number, found 0\./],
    ['-1e-05', /"layer_norm_epsilon" must be a finite positive number, found -0\.00001\./],
    ['"1e-05"', /"layer_norm_epsilon" must be a finite positive number, found "1e-05"\./],
  ])('layer_norm_epsilon %s is refused, naming config.json and the field', async (written, message) => {
    const files = folderWith(original);
    writeFileSync(files.config, JSON.stringify(baseConfig).replace(/"layer_norm_epsilon":[^,}]*/, `"layer_norm_epsilon": ${written}`));
    expect(readFileSync(files.config, 'utf8')).toContain(`"layer_norm_epsilon": ${written}`);
    const error = await readGpt2Config(files.config).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AtlasError);
    expect((error as AtlasError).message).toMatch(message);
    expect((error as AtlasError).where).toBe(files.config);
  });

  it('config.json that is not JSON', async () => {
    const files = folderWith(original);
    writeFileSync(files.config, '{"model_type": "gpt2",');
    const error = await failure(files);
    expect(error.message).toMatch(/config.json is not valid JSON/);
  });
});
