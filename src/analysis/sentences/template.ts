/**
 * The commented starting point of a new sentence set (`qkv-atlas new-set NAME --target " word"`).
 * It is a valid set as written: two example sentences that contain the target.
 */
import { AtlasError } from '../errors.ts';
import { refuseReservedName } from './reserved.ts';
import { checkSetName } from './set-file.ts';

export function setTemplate(name: string, target: string): string {
  checkSetName(name, `set name "${name}"`);
  refuseReservedName(name, `set name "${name}"`);
  if (target === '') {
    throw new AtlasError('The target is empty.', '--target', 'Give the target token with its leading space, e.g. --target " her".');
  }
  const quoted = JSON.stringify(target); // a JSON string is a valid YAML double-quoted scalar
  const word = target.trim() || target;
  const example = (text: string) => `  - ${JSON.stringify(text)}`;

  return `# Sentence set "${name}": the report will be published under /${name}/.
# Build it with: npx qkv-atlas analyze --set content/sets/${name}.yaml

# One line, shown as the report's heading.
title: ${JSON.stringify(`Sentences with "${word}"`)}

# Markdown shown on the report's front page: what the sentences have in common, and why.
description: |
  Sentences in which ${JSON.stringify(target)} appears, compared with the token just before it.

# A Hugging Face model id, or a local folder in Hugging Face layout.
model: openai-community/gpt2

# The target token. It must be exactly one token; keep its leading space (" her" and "her"
# are different tokens, and so are " her" and " Her"). Its first occurrence in each sentence
# is the one analysed.
target: ${quoted}

# The comparison token: previous (the token before the target), next, or an offset such as -2.
compare: previous

# Seed of the random permutations behind the baselines; change it to check they are stable.
seed: 1

# Optional: analyse only some layers (indices from 0). Every layer when absent.
# layers: [0, 5, 11]

# One sentence per item; every sentence must contain the target. Quote a sentence that
# contains ": " or " #", or that starts with a quote, "-", "[", "{", "&", "*", "!" or "%".
sentences:
${example(`Replace this sentence: it must contain${target} somewhere.`)}
${example(`A second example with${target} in it.`)}
`;
}
