import { parseArgs } from 'node:util';
import { isAtlasError } from '../analysis/errors.ts';
import { printable, printableLines } from '../analysis/printable.ts';
import { RANDOM_CONFIGS, type RandomConfigName } from '../analysis/model/random-model.ts';

const USAGE = `qkv-atlas: token-related similarities within and across GPT-2's Q, K, V neurons

Usage:
  qkv-atlas analyze --set FILE [--model ID_OR_DIR] [--revision REV] --out DIR [--offline] [--device cpu|cuda]
      Run the model over a sentence set and write manifest.json, activations/*.npy, stats/*.json.
      --model defaults to the set's "model" (a Hugging Face id, or a local folder).
  qkv-atlas make-model --random --out DIR [--config ${Object.keys(RANDOM_CONFIGS).join('|')}] [--seed N]
      Write a GPT-2 folder with random weights (for demos, tests and benchmarks; no network).
  qkv-atlas check FILE [--model ID_OR_DIR]
      Validate a set and tokenize it without running the model: each sentence is printed with
      its target in [ ] and its comparison token in « ».
  qkv-atlas new-set NAME --target " word" [--dir content/sets]
      Write a commented template set file to DIR/NAME.yaml.
  qkv-atlas help
`;

type Command = (args: string[]) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  analyze: async (args) => {
    const { values } = parseArgs({
      args,
      options: {
        set: { type: 'string' },
        model: { type: 'string' },
        revision: { type: 'string' },
        out: { type: 'string' },
        offline: { type: 'boolean' },
        device: { type: 'string' },
      },
      strict: true,
    });
    if (!values.set || !values.out) throw usageError('analyze needs --set FILE and --out DIR.');
    if (values.device && values.device !== 'cpu' && values.device !== 'cuda') throw usageError(`--device must be cpu or cuda, not "${values.device}".`);
    // commands load their modules lazily: `make-model` need not load onnxruntime or the statistics
    const { analyze } = await import('../analysis/analyze.ts');
    await analyze({
      setFile: values.set,
      model: values.model,
      revision: values.revision,
      out: values.out,
      offline: values.offline,
      device: values.device as 'cpu' | 'cuda' | undefined,
      log: (line) => process.stderr.write(`${printableLines(line)}\n`),
    });
  },
  'make-model': async (args) => {
    const { values } = parseArgs({
      args,
      options: { random: { type: 'boolean' }, out: { type: 'string' }, config: { type: 'string' }, seed: { type: 'string' } },
      strict: true,
    });
    if (!values.random) throw usageError('make-model writes random models only: pass --random.');
    if (!values.out) throw usageError('make-model needs --out DIR.');
    const config = (values.config ?? 'tiny') as RandomConfigName;
    if (!(config in RANDOM_CONFIGS)) throw usageError(`--config must be one of ${Object.keys(RANDOM_CONFIGS).join(', ')}, not "${config}".`);
    const seed = values.seed === undefined ? 0 : Number(values.seed);
    if (!Number.isSafeInteger(seed) || seed < 0) throw usageError(`--seed must be a non-negative integer, not "${values.seed}".`);
    const { writeRandomModel } = await import('../analysis/model/random-model.ts');
    await writeRandomModel(values.out, { config, seed });
    process.stderr.write(`wrote a random GPT-2 (${config}, seed ${seed}) to ${values.out}\n`);
  },
  check: async (args) => {
    const { values, positionals } = parseArgs({ args, options: { model: { type: 'string' } }, allowPositionals: true, strict: true });
    if (positionals.length !== 1) throw usageError('check needs one set file, e.g. qkv-atlas check content/sets/her.yaml');
    const { checkSet, markSentence } = await import('../analysis/sentences/check.ts');
    const result = await checkSet(positionals[0], values.model);
    // a set's text never reaches the terminal raw: an escape sequence in it is shown, not obeyed
    for (const warning of result.warnings) process.stderr.write(`warning: ${printableLines(`${warning.message} (${warning.where})`)}\n`);
    for (const note of result.notes) process.stderr.write(`note: ${printableLines(note)}\n`);
    const { set, sentences, tokenizer } = result;
    process.stdout.write(
      `${printable(`${set.file} — ${set.title}`)}\n  ${printable(`target ${JSON.stringify(set.target)}, compare ${set.compare.label}, ${sentences.length} sentences, tokenized with ${result.tokenizerSource}`)}\n`,
    );
    const width = String(sentences.length).length;
    for (const [i, sentence] of sentences.entries())
      process.stdout.write(`${String(i + 1).padStart(width)}  ${printable(markSentence(sentence, tokenizer))}\n`);
    process.stdout.write('ok: every sentence has the target and a comparison token\n');
  },
  'new-set': async (args) => {
    const { values, positionals } = parseArgs({ args, options: { target: { type: 'string' }, dir: { type: 'string' } }, allowPositionals: true, strict: true });
    if (positionals.length !== 1 || values.target === undefined)
      throw usageError('new-set needs a NAME and --target, e.g. qkv-atlas new-set bank --target " bank"');
    const { setTemplate } = await import('../analysis/sentences/template.ts');
    const { writeFileAtomic } = await import('../analysis/io/atomic.ts');
    const { checkOutputFile } = await import('../analysis/io/safe-output.ts');
    const { join } = await import('node:path');
    const text = setTemplate(positionals[0], values.target);
    const file = join(values.dir ?? 'content/sets', `${positionals[0]}.yaml`);
    // the same output rule as analyze and make-model: never over anything that exists, checked before writing
    await checkOutputFile(file, values.dir === undefined ? 'new-set' : '--dir');
    await writeFileAtomic(file, text, { exclusive: true });
    process.stderr.write(`wrote ${file}: edit its sentences, then run qkv-atlas check ${file}\n`);
  },
};

class UsageError extends Error {}
function usageError(message: string): UsageError {
  return new UsageError(message);
}

/** Runs one command; returns the exit status. Errors are printed as one clear message, no stack. */
export async function main(argv: string[]): Promise<number> {
  // `qkv-atlas check … | head` closes the pipe early: that is not an error
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`qkv-atlas: unknown command "${name}".\n\n${USAGE}`);
    return 2;
  }
  try {
    await command(args);
    return 0;
  } catch (error) {
    if (isAtlasError(error)) {
      process.stderr.write(`qkv-atlas: ${printableLines(error.message)}\n`);
      return 1;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`qkv-atlas: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}
