import site from 'virtual:qkv-atlas/analyses';
import { loadAnalysis, type Analysis } from '../analysis/report/load.ts';
import { publicModelId } from '../analysis/report/model-name.ts';

/** What the pages share: the analyses of this build, the demo flag, and base-aware links. */

export function analyses(): Analysis[] {
  return site.analyses.map(({ dir }) => loadAnalysis(dir));
}

export function analysisNamed(name: string): Analysis {
  const entry = site.analyses.find((a) => a.name === name);
  if (!entry) throw new Error(`no analysis for the set "${name}"`);
  return loadAnalysis(entry.dir);
}

export const demo = site.demo;

/** A path of the site (as `paths` gives them, no leading slash) with the configured base. */
export function href(path: string): string {
  const base = import.meta.env.BASE_URL.endsWith('/') ? import.meta.env.BASE_URL : `${import.meta.env.BASE_URL}/`;
  return `${base}${path}`;
}

/** The model as the site names it: the random demo model says so. */
export function modelName(analysis: Analysis): string {
  if (demo) return `random GPT-2 weights (${demo.config}, seed ${demo.seed}; demo)`;
  const { revision } = analysis.manifest.model;
  const id = publicModelId(analysis.manifest.model);
  return revision ? `${id} @ ${revision.slice(0, 7)}` : id;
}
