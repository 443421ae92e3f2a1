// @ts-check
import { delimiter } from 'node:path';
import { defineConfig } from 'astro/config';
import qkvAtlas from './src/integration/index.ts';

/**
 * Environment:
 *   SITE_URL          the site's origin, e.g. https://USER.github.io (canonical links)
 *   SITE_BASE         the path it is served under, e.g. /qkv-atlas/ for a GitHub project page
 *   QKV_ATLAS_DEMO    1 (or tiny, gpt2, gpt2:SEED): build from a random model, offline
 *   QKV_ATLAS_SETS    folders of set files, separated by ":" (default content/sets)
 *   QKV_ATLAS_CACHE_DIR  the folder of cached analyses (default .cache/analysis)
 */
const base = normaliseBase(process.env.SITE_BASE);

export default defineConfig({
  site: process.env.SITE_URL || undefined,
  base,
  trailingSlash: 'always',
  build: { format: 'directory', inlineStylesheets: 'never' },
  devToolbar: { enabled: false },
  integrations: [
    qkvAtlas({
      demo: process.env.QKV_ATLAS_DEMO,
      sets: process.env.QKV_ATLAS_SETS ? process.env.QKV_ATLAS_SETS.split(delimiter).filter(Boolean) : undefined,
      cacheDir: process.env.QKV_ATLAS_CACHE_DIR || undefined,
    }),
  ],
});

/**
 * "/qkv-atlas", "qkv-atlas/" and "/qkv-atlas/" all mean "/qkv-atlas/".
 * @param {string | undefined} value
 */
function normaliseBase(value) {
  const trimmed = (value ?? '').trim().replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}
