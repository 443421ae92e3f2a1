import { AtlasError } from '../errors.ts';
import { readGpt2Config } from '../model/config.ts';
import { TOKENIZER_DIR } from '../model/random-model.ts';
import { resolveModel } from '../model/resolve.ts';
import { loadTokenizer, type Tokenizer } from '../model/tokenizer.ts';
import { loadSetFile, type SetWarning, type SentenceSet } from './set-file.ts';
import { locateInSet, type LocatedSentence } from './locate.ts';

export interface CheckResult {
  set: SentenceSet;
  warnings: SetWarning[];
  sentences: LocatedSentence[];
  tokenizer: Tokenizer;
  /** where the tokenizer came from: the model's folder, or GPT-2's tokenizer shipped with the project */
  tokenizerSource: string;
}

/** GPT-2's context, for when the model's config is not at hand. */
const GPT2_CONTEXT = 1024;

/**
 * Validates a set and tokenizes it without running the model: the model's own tokenizer when
 * the model is a local folder or already cached, else GPT-2's (every GPT-2 checkpoint shares it),
 * so that a set can be checked offline before the first download.
 */
export async function checkSet(file: string, modelOverride?: string): Promise<CheckResult> {
  const { set, warnings } = loadSetFile(file);
  let tokenizerDir = TOKENIZER_DIR;
  let tokenizerSource = "GPT-2's tokenizer (the model is not cached yet)";
  let context = GPT2_CONTEXT;
  try {
    const resolved = await resolveModel(modelOverride ?? set.model, { offline: true });
    tokenizerDir = resolved.dir;
    tokenizerSource = `the tokenizer of ${resolved.id}`;
    context = (await readGpt2Config(resolved.files.config)).n_positions;
  } catch (error) {
    if (!(error instanceof AtlasError)) throw error;
  }
  const tokenizer = await loadTokenizer(tokenizerDir);
  const located = locateInSet(set, tokenizer, context);
  return { set, warnings, sentences: located.sentences, tokenizer, tokenizerSource };
}

/** One line per sentence: the comparison token in «», the target in [ ]. */
export function markSentence(sentence: LocatedSentence, tokenizer: Tokenizer): string {
  return tokenizer.tokens(sentence.ids).map((token, position) => {
    if (position === sentence.target) return `[${token}]`;
    if (position === sentence.nontarget) return `«${token}»`;
    return token;
  }).join('');
}
