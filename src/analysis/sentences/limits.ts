/**
 * How large a sentence set may be. Each limit is far above a real set (the lecture's has 54
 * sentences of under 100 characters; sets of 10,000 sentences are fine) and far below what
 * would exhaust memory or time before anything useful is said: without them, a 50 MB set took
 * 6 GB of memory and printed half a million warnings.
 */

/** 10 MiB: 100,000 sentences of 100 characters. Checked before the file is read. */
export const MAX_SET_FILE_BYTES = 10 * 1024 * 1024;

export const MAX_SENTENCES = 100_000;

/**
 * About 1,100 GPT-2 tokens of English: as much as the model's 1,024-token context holds, so no
 * sentence that could be analysed is refused, and the tokenizer never works on megabytes of one
 * "sentence" (a sentence over the context is refused after tokenizing, naming its tokens).
 */
export const MAX_SENTENCE_CHARS = 5_000;

/** How many problems a message lists before it says how many more there are. */
export const MAX_LISTED_PROBLEMS = 20;
