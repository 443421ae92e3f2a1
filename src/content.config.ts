import { fileURLToPath } from 'node:url';
import { defineCollection } from 'astro:content';
import { glob, type Loader } from 'astro/loaders';
import { z } from 'astro/zod';
import { checkProseFolder, proseKey } from './analysis/report/prose.ts';

/**
 * The explanatory prose (content/prose/*.md) as a content collection. The loader checks the
 * folder against the pieces the pages read before it loads anything: content sync runs at the
 * start of a build, so a missing or misnamed file stops the build there, with its path.
 */
const PROSE_DIR = 'content/prose';

function proseLoader(): Loader {
  const files = glob({ pattern: '**/*.md', base: `./${PROSE_DIR}`, generateId: ({ entry }) => proseKey(entry) });
  return {
    name: 'qkv-atlas-prose',
    load: async (context) => {
      try {
        checkProseFolder(fileURLToPath(new URL(PROSE_DIR, context.config.root)), PROSE_DIR);
      } catch (error) {
        // the message says what, where and what to do; a stack trace from the loader would only bury it
        const failure = new Error(`qkv-atlas: ${(error as Error).message}`);
        failure.stack = failure.message;
        throw failure;
      }
      await files.load(context);
    },
  };
}

export const collections = {
  // prose is plain Markdown: no front matter, so a stray field (a typo for a heading, say) is an error
  prose: defineCollection({ loader: proseLoader(), schema: z.object({}).strict() }),
};
