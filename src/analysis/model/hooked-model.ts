import { realpath } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AtlasError } from '../errors.ts';
import { readGpt2Config, type Gpt2Config } from './config.ts';
import { readSafetensorsHeader } from './safetensors.ts';
import { findGpt2Weights, type Gpt2Weights } from './weights.ts';
import { buildGpt2Graph } from './graph.ts';
import { hookDepth } from './hooks.ts';

/** An activation: a float32 tensor in row-major order. */
export interface Activation {
  dims: number[];
  data: Float32Array;
}

/** What one run returns: each requested hook's activation, keyed by hook name. */
export type ActivationCache = Map<string, Activation>;

export interface ModelFiles {
  config: string;
  weights: string;
}

export type Device = 'cpu' | 'cuda';

export interface LoadOptions {
  device?: Device;
  /** threads for onnxruntime's intra-op pool (default: every core, `os.availableParallelism()`) */
  threads?: number;
  /** further onnxruntime session options, over the defaults (the model benchmark compares them) */
  session?: ort.InferenceSession.SessionOptions;
}

/**
 * GPT-2 on onnxruntime with every intermediate reachable by hook name. One onnxruntime
 * session is built per set of requested hooks (the graph is cut after the deepest one)
 * and kept for later runs.
 */
export class HookedModel {
  readonly config: Gpt2Config;
  private readonly weights: Gpt2Weights;
  private readonly weightsFolder: string;
  private readonly weightsFile: string;
  private readonly options: LoadOptions;
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();

  private constructor(config: Gpt2Config, weights: Gpt2Weights, weightsRealPath: string, options: LoadOptions) {
    this.config = config;
    this.weights = weights;
    // onnxruntime refuses external data reached through a symlink (the Hugging Face cache
    // is made of them), so it is pointed at the real file's folder and name.
    this.weightsFolder = dirname(weightsRealPath);
    this.weightsFile = basename(weightsRealPath);
    this.options = options;
  }

  static async load(files: ModelFiles, options: LoadOptions = {}): Promise<HookedModel> {
    const config = await readGpt2Config(files.config);
    const header = await readSafetensorsHeader(files.weights);
    const weights = findGpt2Weights(header, config);
    const weightsRealPath = await realpath(files.weights);
    return new HookedModel(config, weights, weightsRealPath, options);
  }

  /** Builds (or reuses) the session for these hooks; `run` calls it, but callers may warm it up. */
  prepare(hooks: readonly string[]): Promise<ort.InferenceSession> {
    const unique = [...new Set(hooks)].sort();
    for (const hook of unique) {
      if (!hookDepth(hook, this.config.n_layer)) {
        throw new AtlasError(
          `Unknown hook "${hook}".`,
          `a GPT-2 with ${this.config.n_layer} layers`,
          'use a name such as blocks.0.attn.hook_qkv, blocks.3.hook_resid_post or logits (see src/analysis/model/hooks.ts).',
        );
      }
    }
    if (unique.length === 0) throw new AtlasError('No hook was requested.', 'HookedModel.run', 'name at least one hook, e.g. blocks.0.attn.hook_qkv.');
    const key = unique.join('\n');
    let session = this.sessions.get(key);
    if (!session) {
      session = this.createSession(unique);
      this.sessions.set(key, session);
      session.catch(() => this.sessions.delete(key));
    }
    return session;
  }

  /**
   * Runs a batch of token-id sequences (any lengths ≥ 1): padded on the right with EOS and
   * masked, as the lecture does, so activations at real positions do not depend on the batch.
   */
  async run(sequences: readonly (readonly number[])[], hooks: readonly string[]): Promise<ActivationCache> {
    const session = await this.prepare(hooks);
    const feeds = this.feeds(sequences);
    const results = await session.run(feeds);
    const cache: ActivationCache = new Map();
    for (const hook of new Set(hooks)) {
      const tensor = results[hook];
      cache.set(hook, { dims: tensor.dims.slice(), data: tensor.data as Float32Array });
    }
    return cache;
  }

  async dispose(): Promise<void> {
    for (const session of this.sessions.values()) await (await session).release();
    this.sessions.clear();
  }

  private async createSession(hooks: string[]): Promise<ort.InferenceSession> {
    const graph = buildGpt2Graph(this.config, this.weights, { weightsFile: this.weightsFile, hooks });
    const extra = (this.options.session?.extra ?? {}) as Record<string, unknown>;
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: this.options.device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      graphOptimizationLevel: 'all',
      // every core, said explicitly: left to itself onnxruntime ran the forward pass on one thread
      // on a 2-core machine (lecture's set: 0.25 s by default, 0.15 s with 2 threads)
      intraOpNumThreads: this.options.threads ?? availableParallelism(),
      ...this.options.session,
      extra: { ...extra, session: { ...(extra.session as object | undefined), model_external_initializers_file_folder_path: this.weightsFolder } },
    };
    try {
      return await ort.InferenceSession.create(graph, options);
    } catch (error) {
      const message = (error as Error).message;
      if (this.options.device === 'cuda' && /cuda|provider/i.test(message)) {
        throw new AtlasError(
          `onnxruntime could not start on CUDA (${message}).`,
          'onnxruntime-node',
          'install onnxruntime-node\'s CUDA files as the README explains ("Running on a GPU"), or run without --device cuda.',
          { cause: error },
        );
      }
      throw new AtlasError(
        `onnxruntime could not load the model (${message}).`,
        `${this.weightsFolder}/${this.weightsFile}`,
        'the weights file may be damaged: delete it and download the model again.',
        { cause: error },
      );
    }
  }

  private feeds(sequences: readonly (readonly number[])[]): Record<string, ort.Tensor> {
    const { n_positions, vocab_size, eos_token_id } = this.config;
    if (sequences.length === 0) throw new AtlasError('The batch is empty.', 'HookedModel.run', 'pass at least one sequence of token ids.');
    const length = Math.max(...sequences.map((s) => s.length));
    sequences.forEach((sequence, index) => {
      if (sequence.length === 0) throw new AtlasError(`Sequence ${index} is empty.`, 'HookedModel.run', 'every sentence must have at least one token.');
      if (sequence.length > n_positions) {
        throw new AtlasError(
          `Sequence ${index} has ${sequence.length} tokens, more than the model's context of ${n_positions}.`,
          'HookedModel.run',
          'shorten the sentence.',
        );
      }
      const bad = sequence.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab_size);
      if (bad !== undefined) {
        throw new AtlasError(
          `Sequence ${index} holds token id ${bad}, outside the vocabulary of ${vocab_size}.`,
          'HookedModel.run',
          "tokenize with this model's own tokenizer.",
        );
      }
    });
    const batch = sequences.length;
    const inputIds = new BigInt64Array(batch * length).fill(BigInt(eos_token_id));
    const positionIds = new BigInt64Array(batch * length);
    const bias = new Float32Array(batch * length * length).fill(-Infinity);
    sequences.forEach((sequence, b) => {
      for (let p = 0; p < length; p++) {
        if (p < sequence.length) inputIds[b * length + p] = BigInt(sequence[p]);
        positionIds[b * length + p] = BigInt(p);
        // query p sees keys 0..p that are real tokens; key 0 is always real, so no row is empty
        const row = (b * length + p) * length;
        const visible = Math.min(p, sequence.length - 1);
        bias.fill(0, row, row + visible + 1);
      }
    });
    return {
      input_ids: new ort.Tensor('int64', inputIds, [batch, length]),
      position_ids: new ort.Tensor('int64', positionIds, [batch, length]),
      attention_bias: new ort.Tensor('float32', bias, [batch, 1, length, length]),
    };
  }
}
