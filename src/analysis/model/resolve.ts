import { existsSync, statSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { getRepoFolderName } from '@huggingface/hub';
import { AtlasError } from '../errors.ts';
import { readHubEnv } from './hub-env.ts';
import { ensureCachedFile, readRef, writeRef } from './hub-cache.ts';
import { HubRequestError, expectedSize, fetchRepoInfo, isCommitHash, type HubContext, type HubSibling } from './hub-protocol.ts';
import { createHubTransport } from './hub-fetch.ts';
import { createConsoleProgress, type ProgressCallback } from './progress.ts';
import { otherNames } from './renamed-ids.ts';

/**
 * Turns `--model` into a folder of files on disk: a local folder as is, or a
 * Hugging Face model id (`org/name`, optionally `org/name@revision`) through
 * the standard Hugging Face cache, downloading what is missing. Only
 * safetensors weights are ever fetched or accepted; never a pickle.
 */

export const DEFAULT_MODEL = 'openai-community/gpt2';
export const DEFAULT_REVISION = 'main';

export interface ResolvedModel {
  /** The hub id, or for a local folder the path as given. */
  id: string;
  /** The commit sha for hub models, null for local folders. */
  revision: string | null;
  /** The folder with the files: a cache snapshot folder or the local folder. */
  dir: string;
  files: {
    config: string;
    /** model.safetensors in `dir` (in the cache, a symlink into blobs/). */
    weights: string;
    /** The weights' real path, through any symlink: onnxruntime refuses external data reached through a symlink. */
    weightsRealPath: string;
    /** tokenizer.json, or vocab.json and merges.txt; then tokenizer_config.json when present. */
    tokenizer: string[];
  };
  source: 'local' | 'cache' | 'download';
}

export interface ResolveOptions {
  /** A branch, tag or commit; the same as `id@revision` in the spec. */
  revision?: string;
  /** Never use the network (default: HF_HUB_OFFLINE). */
  offline?: boolean;
  /** The hub cache folder (default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** The hub address (default: HF_ENDPOINT, else https://huggingface.co). */
  endpoint?: string;
  /** An access token for private or gated models (default: HF_TOKEN, else the token file of `hf auth login`). */
  token?: string;
  /** Called as bytes arrive; when given, no progress bar is drawn on stderr. */
  onProgress?: (p: { file: string; bytes: number; total: number }) => void;
  /** One-line notices (a cut download being resumed, the cache used because the hub failed); default: stderr. */
  onWarning?: (message: string) => void;
  /** The first wait before resuming a cut download, in ms (doubled at each retry; default 1000). */
  retryDelayMs?: number;
  /** Replaces the network (tests); then HTTPS_PROXY and the other proxy variables are not applied. */
  fetch?: typeof fetch;
}

const CONFIG = 'config.json';
const WEIGHTS = 'model.safetensors';
const TOKENIZER_JSON = 'tokenizer.json';
const VOCAB = 'vocab.json';
const MERGES = 'merges.txt';
const TOKENIZER_CONFIG = 'tokenizer_config.json';
const TOKENIZER_MISSING = 'tokenizer.json (or vocab.json + merges.txt)';
const PICKLE = /\.(bin|pt|pth|ckpt|pkl|pickle)$/i;
const FOLDER_HINT = '--model ./path/to/folder';

interface Plan {
  config: string;
  weights: string;
  tokenizer: string[];
}

/** The files to use, by name, from what a folder or a repo holds; or what is missing. */
function planFiles(has: (name: string) => boolean): { plan: Plan } | { missing: string[] } {
  const missing: string[] = [];
  if (!has(CONFIG)) missing.push(CONFIG);
  if (!has(WEIGHTS)) missing.push(WEIGHTS);
  let tokenizer: string[] = [];
  if (has(TOKENIZER_JSON)) tokenizer = [TOKENIZER_JSON];
  else if (has(VOCAB) && has(MERGES)) tokenizer = [VOCAB, MERGES];
  else missing.push(TOKENIZER_MISSING);
  if (missing.length > 0) return { missing };
  if (has(TOKENIZER_CONFIG)) tokenizer.push(TOKENIZER_CONFIG);
  return { plan: { config: CONFIG, weights: WEIGHTS, tokenizer } };
}

function planNames(plan: Plan): string[] {
  return [plan.config, plan.weights, ...plan.tokenizer];
}

/** Why weights are missing, when the names say more than "missing". */
function weightsNote(names: Iterable<string>): string {
  const list = [...names];
  if (list.some((n) => n.endsWith('.safetensors.index.json') || /model-\d+-of-\d+\.safetensors$/.test(n))) {
    return ' Its weights are split into several safetensors files (a sharded checkpoint), which qkv-atlas does not read.';
  }
  const pickles = list.filter((n) => PICKLE.test(n));
  if (pickles.length > 0) {
    return ` It has only PyTorch pickle weights (${pickles.slice(0, 3).join(', ')}), which qkv-atlas never loads` + ' (a pickle can run arbitrary code).';
  }
  return '';
}

// ---------------------------------------------------------------- the spec

/** Hub ids as Python's `validate_repo_id` accepts them: `name` or `org/name`, no `..` or `--`. */
const MODEL_ID = /^(?:\b[\w.-]+\b\/)?\b[\w.-]{1,96}\b$/;
const REVISION_SEGMENT = /^[\w.-]+$/;

function idHint(): string {
  return (
    'a model id looks like openai-community/gpt2 (letters, digits, "-", "_", "."), optionally with @revision ' +
    `(openai-community/gpt2@main); a local folder is given as a path, e.g. ${FOLDER_HINT}.`
  );
}

export function validateModelId(id: string): void {
  if (!MODEL_ID.test(id) || id.includes('..') || id.includes('--')) {
    throw new AtlasError(`"${id}" is neither a model folder nor a valid Hugging Face model id.`, `--model ${id}`, idHint());
  }
}

export function validateRevision(revision: string): void {
  const segments = revision.split('/');
  const ok = revision.length > 0 && revision.length <= 256 && segments.every((s) => REVISION_SEGMENT.test(s) && s !== '.' && s !== '..');
  if (!ok) {
    throw new AtlasError(
      `"${revision}" is not a valid revision (a branch, tag or commit name).`,
      `revision ${revision}`,
      'use a branch or tag name (letters, digits, "-", "_", ".", "/" between parts) or a 40-character commit hash, ' + 'e.g. openai-community/gpt2@main.',
    );
  }
}

function looksLikePath(spec: string): boolean {
  return /^(\.{1,2}([\\/]|$)|[\\/]|~([\\/]|$)|[A-Za-z]:)/.test(spec) || spec.includes('\\');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export type ModelSpec = { kind: 'local'; path: string } | { kind: 'hub'; id: string; revision: string | undefined };

/**
 * A path-like spec (`./x`, `../x`, `/x`, `~/x`, `C:\x`) or an existing folder is
 * a local folder (as in Python `transformers`); anything else must be a valid
 * hub id, with an optional `@revision`.
 */
export function parseModelSpec(spec: string, revisionOption?: string): ModelSpec {
  const text = spec.trim() === '' ? DEFAULT_MODEL : spec.trim();
  if (looksLikePath(text) || (!text.includes('@') && existsSync(text) && isDirectory(text))) {
    return { kind: 'local', path: text };
  }
  const at = text.indexOf('@');
  const id = at >= 0 ? text.slice(0, at) : text;
  const inline = at >= 0 ? text.slice(at + 1) : undefined;
  validateModelId(id);
  if (inline !== undefined) validateRevision(inline);
  if (revisionOption !== undefined) validateRevision(revisionOption);
  if (inline !== undefined && revisionOption !== undefined && inline !== revisionOption) {
    throw new AtlasError(
      `Two different revisions were given for ${id}: "${inline}" and "${revisionOption}".`,
      `--model ${text}`,
      'give the revision once, either as id@revision or as the revision option.',
    );
  }
  return { kind: 'hub', id, revision: inline ?? revisionOption };
}

// ---------------------------------------------------------------- local folders

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function listFolder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return [];
  }
}

async function presentIn(dir: string): Promise<(name: string) => boolean> {
  const names = [CONFIG, WEIGHTS, TOKENIZER_JSON, VOCAB, MERGES, TOKENIZER_CONFIG];
  const found = new Set<string>();
  for (const name of names) if (await exists(join(dir, name))) found.add(name);
  return (name) => found.has(name);
}

export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') || path.startsWith('~\\') ? join(homedir(), path.slice(1)) : path;
}

async function resolveFromPlan(dir: string, plan: Plan): Promise<ResolvedModel['files']> {
  const weights = join(dir, plan.weights);
  return {
    config: join(dir, plan.config),
    weights,
    weightsRealPath: await realpath(weights),
    tokenizer: plan.tokenizer.map((n) => join(dir, n)),
  };
}

async function resolveLocal(spec: string, revision: string | undefined): Promise<ResolvedModel> {
  const dir = resolvePath(expandHome(spec));
  if (revision !== undefined) {
    throw new AtlasError(
      `A revision ("${revision}") was given for the local folder ${spec}.`,
      dir,
      'a revision applies to Hugging Face model ids only; leave it out for a folder.',
    );
  }
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch {
    throw new AtlasError(
      `The model folder ${spec} does not exist.`,
      dir,
      `check the path; a model folder holds config.json, model.safetensors and tokenizer.json (or vocab.json + merges.txt). ` +
        'A Hugging Face model id has the form org/name, e.g. openai-community/gpt2.',
    );
  }
  if (!info.isDirectory()) {
    throw new AtlasError(
      `--model ${spec} is a file, not a folder.`,
      dir,
      `pass the folder that holds config.json, model.safetensors and the tokenizer files, e.g. ${FOLDER_HINT}.`,
    );
  }
  const planned = planFiles(await presentIn(dir));
  if ('missing' in planned) {
    const present = await listFolder(dir);
    const shown = present.length === 0 ? 'nothing' : present.slice(0, 20).join(', ') + (present.length > 20 ? ', …' : '');
    throw new AtlasError(
      `The model folder ${spec} lacks ${planned.missing.join(', ')}.` + (planned.missing.includes(WEIGHTS) ? weightsNote(present) : ''),
      dir,
      `a model folder needs config.json, model.safetensors and tokenizer.json (or vocab.json + merges.txt); ` +
        `it holds: ${shown}. Add the missing files (weights as safetensors), or give a Hugging Face model id instead.`,
    );
  }
  return { id: spec, revision: null, dir, files: await resolveFromPlan(dir, planned.plan), source: 'local' };
}

// ---------------------------------------------------------------- hub models

function repoFolder(cacheDir: string, id: string): string {
  const repoDir = join(cacheDir, getRepoFolderName({ type: 'model', name: id }));
  // The id is validated already; this guards the cache boundary once more.
  const inside = relative(cacheDir, repoDir);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.includes('/') || inside.includes('\\')) {
    throw new AtlasError(`"${id}" is not a valid Hugging Face model id.`, `--model ${id}`, idHint());
  }
  return repoDir;
}

type CacheLookup = { model: ResolvedModel } | { commit: string | undefined; missing: string[] };

async function fromCache(id: string, repoDir: string, revision: string): Promise<CacheLookup> {
  const commit = await readRef(repoDir, revision);
  if (!commit) return { commit: undefined, missing: [] };
  const dir = join(repoDir, 'snapshots', commit);
  const planned = planFiles(await presentIn(dir));
  if ('missing' in planned) return { commit, missing: planned.missing };
  return { model: { id, revision: commit, dir, files: await resolveFromPlan(dir, planned.plan), source: 'cache' } };
}

/** The cache of the id, else of another name of the same repository (see renamed-ids.ts); the first lookup when none is complete. */
async function fromCaches(id: string, repoDirs: string[], revision: string): Promise<CacheLookup> {
  let first: CacheLookup | undefined;
  for (const repoDir of repoDirs) {
    const lookup = await fromCache(id, repoDir, revision);
    if ('model' in lookup) return lookup;
    first ??= lookup;
  }
  return first ?? { commit: undefined, missing: [] };
}

function notCached(id: string, revision: string, cacheDir: string, repoDir: string, lookup: CacheLookup, why: string): AtlasError {
  const detail =
    'missing' in lookup && lookup.commit && lookup.missing.length > 0 ? ` (its cached snapshot ${lookup.commit} lacks ${lookup.missing.join(', ')})` : '';
  return new AtlasError(
    `The model ${id} (revision ${revision}) is not in the Hugging Face cache${detail}, and ${why}.`,
    repoDir,
    `download it once with a network (HF_HUB_OFFLINE unset), point HF_HOME or HF_HUB_CACHE at a cache that holds it ` +
      `(searched: ${cacheDir}), or pass a local folder with ${FOLDER_HINT}.`,
  );
}

interface HubSettings {
  cacheDir: string;
  offline: boolean;
  ctx: HubContext;
  onProgress: ProgressCallback | undefined;
  warn: (message: string) => void;
}

async function resolveHub(id: string, revisionGiven: string | undefined, settings: HubSettings): Promise<ResolvedModel> {
  const revision = revisionGiven ?? DEFAULT_REVISION;
  const { cacheDir, ctx } = settings;
  const repoDir = repoFolder(cacheDir, id);
  // The id's own folder first, then those of its other names.
  const repoDirs = [repoDir, ...otherNames(id).map((name) => repoFolder(cacheDir, name))];

  if (settings.offline) {
    const lookup = await fromCaches(id, repoDirs, revision);
    if ('model' in lookup) return lookup.model;
    throw notCached(id, revision, cacheDir, repoDir, lookup, 'downloads are off (offline mode: HF_HUB_OFFLINE=1 or the offline option)');
  }
  // A commit never changes: when its snapshot is complete, no request is needed.
  if (isCommitHash(revision)) {
    const lookup = await fromCaches(id, repoDirs, revision);
    if ('model' in lookup) return lookup.model;
  }

  /**
   * As Python does: when the hub fails (an outage, a rate limit, an expired
   * token, a proxy, no network) but the cache holds the whole snapshot that
   * the revision last pointed to, that snapshot is used, with a warning. A
   * revision or file that does not exist, bad bytes or a full disk still fail,
   * and so does a commit that is not cached.
   */
  const fallBack = async (error: unknown): Promise<ResolvedModel> => {
    if (!(error instanceof HubRequestError)) throw error;
    const lookup = await fromCaches(id, repoDirs, revision);
    if (!('model' in lookup)) throw error;
    settings.warn(`${error.message.split('\n')[0]} Using the cached snapshot ${lookup.model.revision} of ${id} (revision ${revision}) instead.`);
    return lookup.model;
  };

  let info: Awaited<ReturnType<typeof fetchRepoInfo>>;
  try {
    info = await fetchRepoInfo(ctx, id, revision);
  } catch (error) {
    return fallBack(error);
  }

  const byName = new Map<string, HubSibling>(info.siblings.map((s) => [s.rfilename, s]));
  const planned = planFiles((name) => byName.has(name));
  if ('missing' in planned) {
    const note = planned.missing.includes(WEIGHTS) ? weightsNote(byName.keys()) : '';
    throw new AtlasError(
      `The model ${id} (revision ${revision}, commit ${info.sha}) has no ${planned.missing.join(', ')} on the hub.${note}`,
      `${ctx.endpoint}/${id}/tree/${encodeURIComponent(revision)}`,
      planned.missing.includes(WEIGHTS)
        ? 'choose a model (or a revision, e.g. a conversion pull request: id@refs/pr/N) that has model.safetensors, ' +
            `or convert the weights to safetensors yourself and pass the folder with ${FOLDER_HINT}.`
        : `choose a GPT-2 model repository with these files, or pass a local folder with ${FOLDER_HINT}.`,
    );
  }

  // The same commit, complete under another name of the repository (and not
  // under this one): no download.
  if (repoDirs.length > 1 && !('model' in (await fromCache(id, repoDir, info.sha)))) {
    for (const other of repoDirs.slice(1)) {
      const lookup = await fromCache(id, other, info.sha);
      if ('model' in lookup) {
        await writeRef(other, revision, info.sha);
        return lookup.model;
      }
    }
  }

  const names = planNames(planned.plan);
  const siblings = names.map((n) => byName.get(n)!);
  let onProgress = settings.onProgress;
  let finish: ((ok: boolean) => void) | undefined;
  if (!onProgress) {
    // Sizes of the files not yet in the snapshot: the bar's 100%.
    let total = 0;
    for (const s of siblings) {
      if (!(await exists(join(repoDir, 'snapshots', info.sha, s.rfilename)))) total += expectedSize(s) ?? 0;
    }
    const bar = createConsoleProgress(`Downloading ${id}`, { total });
    onProgress = bar.update;
    finish = bar.finish;
  }

  let downloaded = false;
  try {
    for (const sibling of siblings) {
      const how = await ensureCachedFile(ctx, { id, commit: info.sha, repoDir, sibling, onProgress });
      if (how === 'download') downloaded = true;
    }
    finish?.(true);
  } catch (error) {
    finish?.(false);
    return fallBack(error);
  }
  await writeRef(repoDir, revision, info.sha);

  const dir = join(repoDir, 'snapshots', info.sha);
  return {
    id,
    revision: info.sha,
    dir,
    files: await resolveFromPlan(dir, planned.plan),
    source: downloaded ? 'download' : 'cache',
  };
}

/**
 * Resolves `--model` (a hub id, `id@revision`, or a local folder) to files on
 * disk. Environment variables (HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE,
 * HF_ENDPOINT, HF_TOKEN, and HTTPS_PROXY, HTTP_PROXY, NO_PROXY) give the
 * defaults; options override them. Every
 * failure is an AtlasError that says what, where and what to do.
 */
export async function resolveModel(spec: string, options: ResolveOptions = {}): Promise<ResolvedModel> {
  const parsed = parseModelSpec(spec, options.revision);
  if (parsed.kind === 'local') return resolveLocal(parsed.path, options.revision);
  const env = readHubEnv();
  const endpoint = (options.endpoint ?? env.endpoint).replace(/\/+$/, '');
  // On a terminal, the line first clears a progress bar being drawn (the next update redraws it).
  const warn = options.onWarning ?? ((message: string) => process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[2K' : ''}Warning: ${message}\n`));
  const offline = options.offline ?? env.offline;
  // Offline, nothing is sent: a broken proxy setting must not matter then.
  const transport = options.fetch || offline ? undefined : createHubTransport(env.proxy);
  const noNetwork: typeof fetch = async () => {
    throw new Error('offline');
  };
  try {
    return await resolveHub(parsed.id, parsed.revision, {
      cacheDir: resolvePath(expandHome(options.cacheDir ?? env.cacheDir)),
      offline,
      ctx: {
        endpoint,
        token: options.token ?? env.token,
        fetch: options.fetch ?? transport?.fetch ?? noNetwork,
        proxy: transport ? env.proxy : undefined,
        retry: { attempts: 5, delayMs: options.retryDelayMs ?? 1000 },
        warn,
      },
      onProgress: options.onProgress,
      warn,
    });
  } finally {
    // Everything read is read by now; drop the connections kept for reuse.
    await transport?.destroy();
  }
}
