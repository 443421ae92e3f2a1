import { AtlasError } from '../errors.ts';
import { readGpt2Config } from '../model/config.ts';
import { TOKENIZER_DIR } from '../model/random-model.ts';
import { parseModelSpec, resolveModel, type ResolvedModel } from '../model/resolve.ts';
import { loadTokenizer, type Tokenizer } from '../model/tokenizer.ts';
import { refuseReservedName } from './reserved.ts';
import { loadSetFile, resolveLayers, type SetWarning, type SentenceSet } from './set-file.ts';
import { locateInSet, type LocatedSentence } from './locate.ts';

export interface CheckResult {
  set: SentenceSet;
  warnings: SetWarning[];
  sentences: LocatedSentence[];
  tokenizer: Tokenizer;
  /** where the tokenizer came from: the model's folder, or GPT-2's tokenizer shipped with the project */
  tokenizerSource: string;
  /** what could not be checked without the model (it is not cached yet), for the reader to know */
  notes: string[];
}

/** GPT-2's context, for when the model's config is not at hand. */
const GPT2_CONTEXT = 1024;

/**
 * Validates a set and tokenizes it without running the model, and refuses what `analyze` or the
 * site's build would refuse: a name the site keeps for its own pages, layers the model does not
 * have, sentences longer than its context, a model folder or config.json that cannot be used.
 * It uses the model's own tokenizer and config when the model is a local folder or already
 * cached, else GPT-2's tokenizer (every GPT-2 checkpoint shares it), so that a set can be
 * checked offline before the first download; what then needs the model is named in `notes`.
 */
export async function checkSet(file: string, modelOverride?: string): Promise<CheckResult> {
  const { set, warnings } = loadSetFile(file);
  refuseReservedName(set.name, file);
  const spec = modelOverride ?? set.model;
  // an invalid model id is refused here as analyze refuses it
  const local = parseModelSpec(spec).kind === 'local';
  let resolved: ResolvedModel | null = null;
  try {
    resolved = await resolveModel(spec, { offline: true });
  } catch (error) {
    // a hub model that is not cached yet is no error (analyze downloads it); a local folder
    // that cannot be used is the same error analyze would give
    if (!(error instanceof AtlasError) || local) throw error;
  }

  const notes: string[] = [];
  let tokenizerDir = TOKENIZER_DIR;
  let tokenizerSource = "GPT-2's tokenizer (the model is not cached yet)";
  let context = GPT2_CONTEXT;
  if (resolved) {
    const config = await readGpt2Config(resolved.files.config);
    resolveLayers(set, config.n_layer);
    tokenizerDir = resolved.dir;
    tokenizerSource = `the tokenizer of ${resolved.id}`;
    context = config.n_positions;
  } else {
    const unchecked = set.layers === null ? 'its context was' : `its layers (${set.layers.join(', ')}) and its context were`;
    notes.push(
      `${spec} is not in the Hugging Face cache, so ${unchecked} not checked against its config.json; ` +
        `GPT-2's context of ${GPT2_CONTEXT} tokens was assumed. analyze checks this once the model is downloaded.`,
    );
  }
  const tokenizer = await loadTokenizer(tokenizerDir);
  const located = locateInSet(set, tokenizer, context);
  return { set, warnings, sentences: located.sentences, tokenizer, tokenizerSource, notes };
}

/** One line per sentence: the comparison token in «», the target in [ ]. */
export function markSentence(sentence: LocatedSentence, tokenizer: Tokenizer): string {
  return tokenizer
    .tokens(sentence.ids)
    .map((token, position) => {
      if (position === sentence.target) return `[${token}]`;
      if (position === sentence.nontarget) return `«${token}»`;
      return token;
    })
    .join('');
}
