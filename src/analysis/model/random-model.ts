import { copyFile, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../io/atomic.ts';
import { StagedDirectory } from '../io/output-dir.ts';
import { checkOutputFolder, examples, type FolderRule } from '../io/safe-output.ts';
import { AtlasError } from '../errors.ts';

/**
 * Writes a GPT-2 folder with random weights (config.json, model.safetensors and GPT-2's
 * tokenizer files), so that demos, benchmarks and tests run without the network. Weights
 * follow GPT-2's initialisation (normal, σ = 0.02); layer norms and biases get a little
 * noise too, so that a wrong layer norm or a dropped bias changes the activations.
 */

export const RANDOM_CONFIGS = {
  /** GPT-2 small's shape (124M parameters, 548 MB as float32) */
  gpt2: { n_embd: 768, n_layer: 12, n_head: 12, n_positions: 1024 },
  /** GPT-2 medium's shape (355M parameters) */
  'gpt2-medium': { n_embd: 1024, n_layer: 24, n_head: 16, n_positions: 1024 },
  /** small enough for tests: 4 layers of 64 dimensions, GPT-2's real vocabulary */
  tiny: { n_embd: 64, n_layer: 4, n_head: 4, n_positions: 128 },
} as const;
export type RandomConfigName = keyof typeof RANDOM_CONFIGS;

const VOCAB_SIZE = 50257;
const EOS = 50256;
/** GPT-2's tokenizer, shipped with the project (assets/README.md says where it comes from). */
export const TOKENIZER_DIR = fileURLToPath(new URL('../../../assets/gpt2-tokenizer/', import.meta.url));
const TOKENIZER_FILES = ['vocab.json', 'merges.txt', 'tokenizer.json', 'tokenizer_config.json'];
const CONFIG = 'config.json';
const WEIGHTS = 'model.safetensors';
/** every file make-model writes; a folder holding only these, with its config's mark, is its own */
const MODEL_FILES = [CONFIG, WEIGHTS, ...TOKENIZER_FILES];
/** the key in config.json that marks a model as written by make-model */
const MARK = 'qkv_atlas_random';

export interface RandomModelOptions {
  config?: RandomConfigName;
  seed?: number;
  /** the folder is the tool's own cache (the demo model): an earlier, unfinished model there
   * may be replaced even where it has no config.json yet */
  ownCache?: boolean;
}

/**
 * Writes the model into a staging folder and moves it into place when complete, so an
 * interrupted run never leaves a half-written model that a later run would take as whole.
 * `outDir` follows the output rule (src/analysis/io/safe-output.ts): new, empty, or a
 * model that make-model wrote.
 */
export async function writeRandomModel(outDir: string, options: RandomModelOptions = {}): Promise<void> {
  const name = options.config ?? 'tiny';
  const plan = randomModelPlan(name, options.seed ?? 0);
  const rule: FolderRule = { option: '--out', writes: 'a model', recognise: (dir) => whyNotARandomModel(dir, options.ownCache ?? false) };
  const { path: real } = await checkOutputFolder(outDir, rule);
  const output = await StagedDirectory.create(real, {
    beforeReplace: async () => {
      await checkOutputFolder(outDir, rule);
    },
  });
  try {
    await writeModelFiles(output.staging, plan);
    await output.commit();
  } catch (error) {
    await output.abandon();
    throw error;
  }
}

interface Plan {
  config: Record<string, unknown>;
  tensors: [string, number[], 'weight' | 'norm' | 'bias'][];
  headerText: string;
  /** the size of model.safetensors */
  bytes: number;
  seed: number;
}

function randomModelPlan(name: RandomConfigName, seed: number): Plan {
  const shape = RANDOM_CONFIGS[name];
  if (!shape) {
    throw new AtlasError(`Unknown random model configuration "${name}".`, '--config', `choose one of ${Object.keys(RANDOM_CONFIGS).join(', ')}.`);
  }
  const { n_embd: d, n_layer, n_head, n_positions } = shape;

  const config = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    activation_function: 'gelu_new',
    n_embd: d,
    n_layer,
    n_head,
    n_positions,
    n_ctx: n_positions,
    vocab_size: VOCAB_SIZE,
    layer_norm_epsilon: 1e-5,
    bos_token_id: EOS,
    eos_token_id: EOS,
    [MARK]: { config: name, seed },
  };

  // (name, shape, kind) in GPT2Model's order; kind picks the initialisation
  const tensors: [string, number[], 'weight' | 'norm' | 'bias'][] = [
    ['wte.weight', [VOCAB_SIZE, d], 'weight'],
    ['wpe.weight', [n_positions, d], 'weight'],
  ];
  for (let layer = 0; layer < n_layer; layer++) {
    const h = `h.${layer}`;
    tensors.push(
      [`${h}.ln_1.weight`, [d], 'norm'],
      [`${h}.ln_1.bias`, [d], 'bias'],
      [`${h}.attn.c_attn.weight`, [d, 3 * d], 'weight'],
      [`${h}.attn.c_attn.bias`, [3 * d], 'bias'],
      [`${h}.attn.c_proj.weight`, [d, d], 'weight'],
      [`${h}.attn.c_proj.bias`, [d], 'bias'],
      [`${h}.ln_2.weight`, [d], 'norm'],
      [`${h}.ln_2.bias`, [d], 'bias'],
      [`${h}.mlp.c_fc.weight`, [d, 4 * d], 'weight'],
      [`${h}.mlp.c_fc.bias`, [4 * d], 'bias'],
      [`${h}.mlp.c_proj.weight`, [4 * d, d], 'weight'],
      [`${h}.mlp.c_proj.bias`, [d], 'bias'],
    );
  }
  tensors.push(['ln_f.weight', [d], 'norm'], ['ln_f.bias', [d], 'bias']);

  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [tensorName, tensorShape] of tensors) {
    const bytes = tensorShape.reduce((a, b) => a * b, 1) * 4;
    header[tensorName] = { dtype: 'F32', shape: tensorShape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  headerText = headerText.padEnd(Math.ceil(headerText.length / 8) * 8, ' '); // data 8-byte aligned, as safetensors writes it
  return { config, tensors, headerText, bytes: 8 + headerText.length + offset, seed };
}

async function writeModelFiles(outDir: string, { config, tensors, headerText, seed }: Plan): Promise<void> {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerText.length));
  const normal = gaussian(seed);
  function* content(): Generator<Uint8Array> {
    yield prefix;
    yield Buffer.from(headerText, 'utf8');
    for (const [, tensorShape, kind] of tensors) {
      const values = new Float32Array(tensorShape.reduce((a, b) => a * b, 1));
      const [centre, spread] = kind === 'weight' ? [0, 0.02] : kind === 'norm' ? [1, 0.1] : [0, 0.1];
      for (let i = 0; i < values.length; i++) values[i] = centre + spread * normal();
      yield new Uint8Array(values.buffer);
    }
  }
  await writeFileAtomic(join(outDir, WEIGHTS), content());
  await writeFileAtomic(join(outDir, CONFIG), JSON.stringify(config, null, 2) + '\n');
  for (const file of TOKENIZER_FILES) await copyFile(join(TOKENIZER_DIR, file), join(outDir, file));
}

/** null when `dir` holds only files that make-model writes, with its config's mark; otherwise why not. */
async function whyNotARandomModel(dir: string, ownCache: boolean): Promise<string | null> {
  const entries = (await readdir(dir)).sort();
  const foreign = entries.filter((entry) => !MODEL_FILES.includes(entry));
  if (foreign.length > 0) return `it holds ${examples(foreign)}, which make-model does not write`;
  try {
    const config = JSON.parse(await readFile(join(dir, CONFIG), 'utf8'));
    if (typeof config?.[MARK] === 'object' && config[MARK] !== null) return null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && ownCache) return null;
  }
  return `its ${CONFIG} is not one that make-model wrote (no "${MARK}")`;
}

/**
 * Whether `dir` holds the whole random model of this configuration and seed: every file, the
 * weights at their full size, the tokenizer files as shipped. An older version wrote the
 * model in place, so an interrupted demo build could leave the weights and config without
 * the tokenizer, which every later build then took for a complete model.
 */
export async function isCompleteRandomModel(dir: string, name: RandomConfigName, seed: number): Promise<boolean> {
  try {
    const plan = randomModelPlan(name, seed);
    const config = JSON.parse(await readFile(join(dir, CONFIG), 'utf8'));
    if (JSON.stringify(config) !== JSON.stringify(plan.config)) return false;
    if ((await stat(join(dir, WEIGHTS))).size !== plan.bytes) return false;
    for (const file of TOKENIZER_FILES) {
      if ((await stat(join(dir, file))).size !== (await stat(join(TOKENIZER_DIR, file))).size) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Standard normal numbers from a seeded mulberry32 stream (Box–Muller, both values used). */
function gaussian(seed: number): () => number {
  let state = (seed ^ 0x9e3779b9) >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}
