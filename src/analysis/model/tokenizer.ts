/**
 * GPT-2's byte-level BPE tokenizer, loaded offline from a model folder.
 *
 * The folder is in Hugging Face layout: `tokenizer.json` (+ `tokenizer_config.json`), or the
 * original pair `vocab.json` + `merges.txt`. Tokenisation itself is `@huggingface/transformers`'
 * (its GPT2Tokenizer, the class AutoTokenizer picks for GPT-2). This module reads the files
 * itself rather than through `AutoTokenizer.from_pretrained`, because it must correct one thing
 * before the tokenizer is built (see `withOpenAiWhitespace`), accept the two-file layout, and
 * never reach for the network. It also fixes what matters to the analysis: no special tokens
 * are added (GPT-2 has no BOS; one would shift every target position by one).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { GPT2Tokenizer, env } from '@huggingface/transformers';
import type { PreTrainedTokenizer } from '@huggingface/transformers';

import { AtlasError } from '../errors.ts';

export interface Tokenizer {
  /** The folder the tokenizer was read from (absolute). */
  readonly dir: string;
  /** End-of-text id: the padding token of the lecture (`tokenizer.pad_token = tokenizer.eos_token`). */
  readonly eosId: number;
  /** Number of ids in the vocabulary, special tokens included. */
  readonly vocabSize: number;
  /** Token ids of `text`, without any special token added. */
  encode(text: string): number[];
  /** One display string per id, decoded: `' her'` for 607. Bytes that are only part of a
   * character (emoji, CJK split across tokens) are shown as `\xNN` escapes. */
  tokens(ids: readonly number[]): string[];
  /** One vocabulary entry per id, as BPE stores it: `'Ġher'` for 607. */
  pieces(ids: readonly number[]): string[];
  /** The text of a sequence of ids (exact inverse of `encode` for GPT-2). */
  decode(ids: readonly number[]): string;
}

const EOS_TOKEN = '<|endoftext|>';

/** tokenizer_config.json of openai-community/gpt2, used when a folder has none. */
const GPT2_TOKENIZER_CONFIG = {
  add_prefix_space: false,
  bos_token: EOS_TOKEN,
  eos_token: EOS_TOKEN,
  unk_token: EOS_TOKEN,
  model_max_length: 1024,
  tokenizer_class: 'GPT2Tokenizer',
};

// Tokenizer files are always local: a missing file must be an error, never a download.
env.allowRemoteModels = false;
env.allowLocalModels = true;

export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const folder = resolve(dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new AtlasError('Tokenizer folder not found.', folder, 'Pass a model folder in Hugging Face layout (tokenizer.json, or vocab.json + merges.txt).');
  }
  const has = (name: string) => existsSync(join(folder, name));

  let tokenizerJson: unknown;
  let source: string;
  if (has('tokenizer.json')) {
    source = 'tokenizer.json';
    tokenizerJson = readJson(folder, source);
  } else if (has('vocab.json') && has('merges.txt')) {
    source = 'vocab.json';
    tokenizerJson = tokenizerJsonFromBpeFiles(folder);
  } else {
    const present = ['vocab.json', 'merges.txt', 'tokenizer_config.json'].filter(has);
    throw new AtlasError(
      'No usable tokenizer files in the model folder' + (present.length > 0 ? ` (found only ${present.join(', ')}).` : '.'),
      folder,
      'Put tokenizer.json (or both vocab.json and merges.txt) of the model in this folder, ' + 'e.g. from the Hugging Face repository openai-community/gpt2.',
    );
  }
  const config = has('tokenizer_config.json') ? { ...GPT2_TOKENIZER_CONFIG, ...(readJson(folder, 'tokenizer_config.json') as object) } : GPT2_TOKENIZER_CONFIG;

  let tokenizer: PreTrainedTokenizer;
  try {
    // As AutoTokenizer.from_pretrained would build it from these two objects.
    tokenizer = new GPT2Tokenizer(withOpenAiWhitespace(tokenizerJson), config);
  } catch (error) {
    throw new AtlasError(
      `The tokenizer in ${source} could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      join(folder, source),
      `Replace ${source} with an intact copy from the model's repository.`,
      { cause: error },
    );
  }
  return wrap(folder, tokenizer);
}

function wrap(folder: string, tokenizer: PreTrainedTokenizer): Tokenizer {
  const vocab = tokenizer.get_vocab();
  const pieceOf: string[] = [];
  for (const [piece, id] of vocab) pieceOf[id] = piece;
  const special = new Set<number>(tokenizer.all_special_ids);

  const eosId = tokenizer.eos_token_id ?? vocab.get(EOS_TOKEN);
  if (typeof eosId !== 'number') {
    throw new AtlasError(
      `The tokenizer has no end-of-text token (${EOS_TOKEN}), which pads the sentences.`,
      folder,
      'Use the tokenizer files of a GPT-2 model; its vocabulary ends with <|endoftext|> (id 50256).',
    );
  }

  const pieces = (ids: readonly number[]): string[] =>
    ids.map((id) => {
      const piece = pieceOf[id];
      if (piece === undefined) {
        throw new AtlasError(`Token id ${id} is not in the vocabulary (${pieceOf.length} entries).`, folder, 'Use ids produced by this tokenizer.');
      }
      return piece;
    });

  return {
    dir: folder,
    eosId,
    vocabSize: pieceOf.length,
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }),
    pieces,
    tokens: (ids) => pieces(ids).map((piece, i) => (special.has(ids[i]) ? piece : displayPiece(piece))),
    decode: (ids) => (ids.length === 0 ? '' : tokenizer.decode([...ids], { clean_up_tokenization_spaces: false })),
  };
}

/** The tokenizer.json that Hugging Face writes for GPT-2, built from the original two files. */
function tokenizerJsonFromBpeFiles(folder: string): object {
  const vocab = readJson(folder, 'vocab.json');
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
    throw new AtlasError('vocab.json is not an object mapping tokens to ids.', join(folder, 'vocab.json'), 'Replace it with the vocab.json of a GPT-2 model.');
  }
  const mergesText = readFileSync(join(folder, 'merges.txt'), 'utf8');
  // First line is "#version: 0.2"; each following line is one merge "a b", by rank.
  const merges = mergesText.split('\n').filter((line, i) => line.trim() !== '' && !(i === 0 && line.startsWith('#version')));
  const badLine = merges.findIndex((line) => line.split(' ').length !== 2);
  if (badLine >= 0) {
    throw new AtlasError(
      `merges.txt has a line that is not one merge "a b": ${JSON.stringify(merges[badLine])}.`,
      join(folder, 'merges.txt'),
      'Replace it with the merges.txt of a GPT-2 model.',
    );
  }
  const eosId = (vocab as Record<string, unknown>)[EOS_TOKEN];
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens:
      typeof eosId === 'number'
        ? [
            {
              id: eosId,
              content: EOS_TOKEN,
              single_word: false,
              lstrip: false,
              rstrip: false,
              normalized: true,
              special: true,
            },
          ]
        : [],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

/** OpenAI's pre-tokenisation pattern (gpt-2 `encoder.py`), verbatim. */
export const GPT2_SPLIT_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/**
 * The library's ByteLevel pre-tokenizer runs OpenAI's pattern as a JavaScript regex, where `\s`
 * also matches U+FEFF and misses U+0085 (Python's `regex`, which GPT-2 was trained with, does the
 * opposite), so " \uFEFF" or "!\u0085" would split differently. The same pattern given as a
 * Split pre-tokenizer is translated by the library with Unicode's White_Space for `\s`; ByteLevel
 * then only maps bytes.
 */
function withOpenAiWhitespace(tokenizerJson: unknown): unknown {
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null) return tokenizerJson;
  const json = tokenizerJson as {
    pre_tokenizer?: { type?: string; use_regex?: boolean; add_prefix_space?: boolean } | null;
  };
  const pre = json.pre_tokenizer;
  // With a prefix space, ByteLevel would add it to every split piece: leave such files as they are.
  if (pre?.type !== 'ByteLevel' || pre.use_regex === false || pre.add_prefix_space) return tokenizerJson;
  return {
    ...json,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: GPT2_SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
        { ...pre, use_regex: false },
      ],
    },
  };
}

function readJson(folder: string, file: string): unknown {
  const path = join(folder, file);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AtlasError(
      `Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
      path,
      `Replace ${file} with an intact copy from the model's repository.`,
      { cause: error },
    );
  }
}

/**
 * GPT-2 stores tokens as bytes mapped to printable characters (OpenAI's `bytes_to_unicode`):
 * printable Latin-1 bytes stand for themselves, the others are shifted to U+0100 onwards.
 */
const BYTE_OF_CHAR: ReadonlyMap<string, number> = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = new Map<string, number>();
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    map.set(String.fromCodePoint(printable(b) ? b : 256 + shifted++), b);
  }
  return map;
})();

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function displayPiece(piece: string): string {
  const bytes: number[] = [];
  for (const char of piece) {
    const byte = BYTE_OF_CHAR.get(char);
    if (byte === undefined) return piece; // not a byte-level piece: show it as stored
    bytes.push(byte);
  }
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    // A fragment of a multi-byte character: show its bytes, ASCII as is.
    return bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  }
}
