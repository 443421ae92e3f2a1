import { existsSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AstroIntegration } from 'astro';
import { isAtlasError } from '../analysis/errors.ts';
import { StagedDirectory } from '../analysis/io/output-dir.ts';
import { checkProseFolder } from '../analysis/report/prose.ts';
import { parseDemo, prepareAnalyses, type DemoOptions, type PreparedAnalysis } from './analyses.ts';

/**
 * The Astro integration of qkv-atlas: before pages are built, it runs the analysis of every
 * sentence set (or finds it in `.cache/analysis/`), then hands the output folders to the
 * pages through the virtual module `virtual:qkv-atlas/analyses`. Pages read those folders
 * through src/analysis/report and never run the model themselves.
 *
 * `astro build` empties its output folder and writes pages in place, so a killed build used to
 * leave a broken site. The integration points Astro at a staging folder beside the output
 * folder and swaps it in when the build is done: the previous site stays whole until a
 * complete new one replaces it, and the staging folder of a killed build is cleared by the next.
 */

export interface QkvAtlasOptions {
  /** folders of set files, relative to the project root (default: content/sets) */
  sets?: string[];
  /** build every set with a random model the project writes (QKV_ATLAS_DEMO: "1", "tiny", "gpt2", "gpt2:SEED") */
  demo?: string;
  /** the folder of cached analyses, relative to the project root (QKV_ATLAS_CACHE_DIR; default .cache/analysis) */
  cacheDir?: string;
}

export interface SiteAnalyses {
  analyses: { name: string; dir: string }[];
  demo: DemoOptions | null;
}

const VIRTUAL_ID = 'virtual:qkv-atlas/analyses';
const RESOLVED_ID = `\0${VIRTUAL_ID}`;

export default function qkvAtlas(options: QkvAtlasOptions = {}): AstroIntegration {
  let site: SiteAnalyses = { analyses: [], demo: null };
  let staged: StagedDirectory | null = null;
  return {
    name: 'qkv-atlas',
    hooks: {
      'astro:config:setup': async ({ config, command, logger, updateConfig, addWatchFile }) => {
        const root = fileURLToPath(config.root);
        const demo = parseDemo(options.demo);
        const setDirs = options.sets && options.sets.length > 0 ? options.sets : ['content/sets'];
        if (command === 'build' || command === 'dev') {
          // the prose is checked first: a misnamed file should stop the build before the model runs,
          // not minutes later (the prose collection's loader checks again when the content syncs)
          try {
            checkProseFolder(join(root, 'content', 'prose'), 'content/prose');
          } catch (error) {
            if (!isAtlasError(error)) throw error;
            const failure = new Error(`qkv-atlas: the prose cannot be read, so the site cannot be built.\n${error.message}`);
            failure.stack = failure.message;
            throw failure;
          }
          if (demo) logger.info(`demo build: every set is analysed with a random GPT-2 (${demo.config}, seed ${demo.seed}), not the model it names`);
          let prepared: PreparedAnalysis[];
          try {
            prepared = await prepareAnalyses({ root, setDirs, demo, logger, cacheDir: options.cacheDir || undefined });
          } catch (error) {
            if (!isAtlasError(error)) throw error;
            // one clear message (what, where, what to do), without a stack trace from inside the analysis
            const failure = new Error(
              `qkv-atlas: the analysis could not run, so the site cannot be built.\n${error.message}\n` +
                '  (a set file\'s "model:" may also name a local model folder)\n' +
                '  (to build the whole site offline from a random model instead: QKV_ATLAS_DEMO=1 astro build, or npm run build:demo)',
            );
            failure.stack = failure.message;
            throw failure;
          }
          for (const entry of prepared) addWatchFile(entry.setFile);
          site = { analyses: prepared.map(({ name, dir }) => ({ name, dir })), demo };
          logger.info(`${prepared.length} set${prepared.length === 1 ? '' : 's'} ready: ${prepared.map((p) => p.name).join(', ')}; rendering pages`);
        }
        if (command === 'build') {
          // through a link: the folder it points to is replaced, the link stays
          const outDir = fileURLToPath(config.outDir);
          staged = await StagedDirectory.create(existsSync(outDir) ? realpathSync(outDir) : outDir, { option: 'outDir' });
          updateConfig({ outDir: pathToFileURL(staged.staging + sep) });
        }
        updateConfig({
          vite: {
            plugins: [
              {
                name: 'qkv-atlas:analyses',
                resolveId: (id: string) => (id === VIRTUAL_ID ? RESOLVED_ID : undefined),
                load: (id: string) => (id === RESOLVED_ID ? `export default ${JSON.stringify(site)};` : undefined),
              },
            ],
          },
        });
      },
      // the last step of a build; this integration is the only one, so nothing writes after the swap
      'astro:build:done': async ({ pages, logger }) => {
        if (staged) {
          try {
            await staged.commit();
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code !== 'EBUSY' && code !== 'EXDEV') throw error;
            logger.warn(`${staged.target} cannot be replaced in one step (${code}: a mount point?): its contents are replaced instead`);
            await staged.commitInPlace();
          }
          logger.info(`${pages.length} pages written to ${staged.target}`);
          staged = null;
        }
      },
    },
  };
}
