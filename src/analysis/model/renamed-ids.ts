/**
 * GPT-2's repositories were moved under organisations on the hub (`gpt2` is
 * now `openai-community/gpt2`, `distilgpt2` is `distilbert/distilgpt2`). The hub
 * still answers the old ids, but a cache folder is named after the id that was
 * asked for: Python's `from_pretrained("gpt2")` fills `models--gpt2`, the new
 * name fills `models--openai-community--gpt2`. A move keeps the repository's
 * history, so both folders hold the same commits and either one serves a
 * request for the other name.
 */
const RENAMED: Readonly<Record<string, string>> = {
  gpt2: 'openai-community/gpt2',
  'gpt2-medium': 'openai-community/gpt2-medium',
  'gpt2-large': 'openai-community/gpt2-large',
  'gpt2-xl': 'openai-community/gpt2-xl',
  distilgpt2: 'distilbert/distilgpt2',
};

/** The other names of the same repository (empty for any other id). */
export function otherNames(id: string): string[] {
  const current = RENAMED[id];
  if (current) return [current];
  const legacy = Object.keys(RENAMED).find((old) => RENAMED[old] === id);
  return legacy ? [legacy] : [];
}
