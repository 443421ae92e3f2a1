import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, versions } from '../analysis/analyze.ts';
import { isCompleteRandomModel, writeRandomModel, RANDOM_CONFIGS, type RandomConfigName } from '../analysis/model/random-model.ts';
import { resolveModel } from '../analysis/model/resolve.ts';
import { loadSetFile } from '../analysis/sentences/set-file.ts';
import { refuseReservedName } from '../analysis/sentences/reserved.ts';
import { AtlasError } from '../analysis/errors.ts';
import { withLock } from '../analysis/io/lock.ts';
import { CACHE_MARK } from '../analysis/analysis-folder.ts';
import { analysisCodeVersion, analysisKey, localModelRevision } from './cache-key.ts';

/**
 * Runs (or finds in the cache) the analysis of every sentence set: the build-time half of
 * the site. Results live in `.cache/analysis/{set}/{key}/` (or under the folder that
 * `cacheDir` names); a folder with a manifest is a complete analysis (analyze writes it last).
 * The cache folder may be one the user shares with other files (QKV_ATLAS_CACHE_DIR), so the
 * clean-up removes only analyses that carry the build's mark (CACHE_MARK, holding their key).
 */

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export interface DemoOptions {
  config: RandomConfigName;
  seed: number;
}

export interface PrepareOptions {
  root: string;
  /** folders of set files (*.yaml), relative to root */
  setDirs: string[];
  demo: DemoOptions | null;
  logger: Logger;
  /** the folder of cached analyses, relative to root (default `.cache/analysis`) */
  cacheDir?: string;
}

export const DEFAULT_CACHE_DIR = join('.cache', 'analysis');

export interface PreparedAnalysis {
  name: string;
  setFile: string;
  dir: string;
  cached: boolean;
}

const ANALYSIS_DIR = fileURLToPath(new URL('../analysis/', import.meta.url));
const KEEP_PER_SET = 2;
const LOCK = '.qkv-atlas.lock';

export function findSetFiles(root: string, setDirs: string[]): string[] {
  const files: string[] = [];
  for (const dir of setDirs) {
    const absolute = resolve(root, dir);
    if (!existsSync(absolute)) {
      throw new AtlasError(
        `The folder of sentence sets ${dir} does not exist.`,
        absolute,
        'create it with at least one set file (NAME.yaml), or fix QKV_ATLAS_SETS.',
      );
    }
    for (const name of readdirSync(absolute).sort()) {
      if (/\.ya?ml$/.test(name)) files.push(join(absolute, name));
    }
  }
  if (files.length === 0) {
    throw new AtlasError('No sentence set was found.', setDirs.join(', '), 'add a set file such as content/sets/her.yaml.');
  }
  return files;
}

export async function demoModelDir(root: string, demo: DemoOptions, logger: Logger): Promise<string> {
  const dir = join(root, '.cache', 'models', `random-${demo.config}-seed-${demo.seed}`);
  if (!(await isCompleteRandomModel(dir, demo.config, demo.seed))) {
    const state = existsSync(dir) ? 'an unfinished one left by an interrupted build is replaced' : 'once';
    logger.info(`demo: writing a random GPT-2 (${demo.config}, seed ${demo.seed}) to ${relativeTo(root, dir)} (${state})`);
    await writeRandomModel(dir, { config: demo.config, seed: demo.seed, ownCache: true });
  }
  return dir;
}

export async function prepareAnalyses(options: PrepareOptions): Promise<PreparedAnalysis[]> {
  const { root, logger } = options;
  const setFiles = findSetFiles(root, options.setDirs);
  const codeVersion = analysisCodeVersion(ANALYSIS_DIR, versions());
  const demoModel = options.demo ? await demoModelDir(root, options.demo, logger) : null;
  const prepared: PreparedAnalysis[] = [];
  const names = new Map<string, string>();
  const cacheDir = resolve(root, options.cacheDir ?? DEFAULT_CACHE_DIR);

  for (const setFile of setFiles) {
    prepared.push(await prepareOne(setFile, { root, logger, codeVersion, demoModel, names, cacheDir }));
  }
  return prepared;
}

interface Context {
  root: string;
  logger: Logger;
  codeVersion: string;
  demoModel: string | null;
  names: Map<string, string>;
  cacheDir: string;
}

async function prepareOne(setFile: string, { root, logger, codeVersion, demoModel, names, cacheDir }: Context): Promise<PreparedAnalysis> {
  const { set } = loadSetFile(setFile);
  refuseReservedName(set.name, setFile);
  const earlier = names.get(set.name);
  if (earlier) {
    throw new AtlasError(
      `Two sentence sets are named "${set.name}": their pages would collide.`,
      `${earlier} and ${setFile}`,
      'rename one of the files (the file name is the URL).',
    );
  }
  names.set(set.name, setFile);
  const modelSpec = demoModel ?? set.model;
  let lastShown = -1;
  const resolved = await resolveModel(modelSpec, {
    onProgress: ({ file, bytes, total }) => {
      const percent = total > 0 ? Math.floor((bytes / total) * 10) * 10 : 0;
      if (percent === lastShown) return;
      lastShown = percent;
      logger.info(`${set.name}: downloading ${file} ${percent}% (${megabytes(bytes)} of ${megabytes(total)} MB)`);
    },
  });
  const modelRevision = resolved.revision ?? `local:${localModelRevision(resolved.files.config, resolved.files.weightsRealPath)}`;
  const key = analysisKey({ setHash: set.hash, modelId: resolved.id, modelRevision, codeVersion });
  const setCacheDir = join(cacheDir, set.name);
  const dir = join(setCacheDir, key);

  // one build at a time analyses a set; a build that waited finds the other's result in the cache
  return withLock(
    join(setCacheDir, LOCK),
    async () => {
      if (existsSync(join(dir, 'manifest.json'))) {
        logger.info(`${set.name}: analysis cached (${relativeTo(root, dir)}), the model is not run`);
        return { name: set.name, setFile, dir, cached: true };
      }
      logger.info(
        `${set.name}: analysing ${set.sentences.length} sentences with ${relativeTo(root, resolved.id)}${resolved.revision ? `@${resolved.revision.slice(0, 10)}` : ''}`,
      );
      const started = performance.now();
      await analyze({
        setFile,
        model: resolved.source === 'local' ? portablePath(resolved.dir) : resolved.id,
        revision: resolved.revision ?? undefined,
        out: dir,
        cacheMark: key,
        log: (line) => logger.info(`${set.name}: ${line}`),
      });
      logger.info(`${set.name}: analysis done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      prune(setCacheDir, key);
      return { name: set.name, setFile, dir, cached: false };
    },
    { onWait: (pid) => logger.info(`${set.name}: waiting for another build (pid ${pid}) that is analysing this set`) },
  );
}

/**
 * Keeps the newest few analyses of a set (a switch back and forth stays cheap), removes older
 * ones: only folders that this build's code made, recognised by the mark analyze wrote into
 * them with their key. Anything else in the folder is someone else's and is left alone.
 */
function prune(setCacheDir: string, keep: string): void {
  const entries = readdirSync(setCacheDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== keep && carriesMark(join(setCacheDir, entry.name), entry.name))
    .map((entry) => ({ path: join(setCacheDir, entry.name), time: statSync(join(setCacheDir, entry.name)).mtimeMs }))
    .sort((a, b) => b.time - a.time);
  for (const old of entries.slice(KEEP_PER_SET - 1)) rmSync(old.path, { recursive: true, force: true });
}

function carriesMark(dir: string, key: string): boolean {
  try {
    return readFileSync(join(dir, CACHE_MARK), 'utf8').trim() === key;
  } catch {
    return false;
  }
}

export function parseDemo(value: string | undefined): DemoOptions | null {
  if (value === undefined || value === '' || value === '0' || value === 'false') return null;
  const [configText, seedText] = value.split(':');
  const config = (configText === '1' || configText === 'true' ? 'tiny' : configText) as RandomConfigName;
  if (!(config in RANDOM_CONFIGS)) {
    throw new AtlasError(
      `QKV_ATLAS_DEMO="${value}" names no random model configuration.`,
      'QKV_ATLAS_DEMO',
      `use 1 (tiny), or one of ${Object.keys(RANDOM_CONFIGS).join(', ')}, optionally with :SEED (e.g. gpt2:0).`,
    );
  }
  const seed = seedText === undefined ? 0 : Number(seedText);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new AtlasError(`QKV_ATLAS_DEMO="${value}" has an invalid seed.`, 'QKV_ATLAS_DEMO', 'use a whole number from 0 up, e.g. tiny:0.');
  }
  return { config, seed };
}

/** A folder as the manifest records it: relative to the working directory when inside it, so no machine path is published. */
function portablePath(dir: string): string {
  const inside = relative(process.cwd(), dir);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? `./${inside.split('\\').join('/')}` : dir;
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(0);
}

function relativeTo(root: string, path: string): string {
  return path.startsWith(root) ? path.slice(root.length).replace(/^[\\/]/, '') : path;
}
