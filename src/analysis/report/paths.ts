import type { PairType } from '../output-schema.ts';
import { pairSlug } from './labels.ts';

/** Page and file paths relative to the site's base (no leading slash): the stable URLs that docs/site.md lists (deep links from course materials depend on them). */

export const paths = {
  home: () => '',
  methods: () => 'methods/',
  set: (set: string) => `${set}/`,
  data: (set: string) => `${set}/data/`,
  dataFile: (set: string, file: string) => `${set}/data/${file}`,
  layer: (set: string, layer: number) => `${set}/layer-${layer}/`,
  pair: (set: string, layer: number, pair: PairType) => `${set}/layer-${layer}/${pairSlug(pair)}/`,
  image: (set: string, layer: number, image: string) => `${set}/layer-${layer}/${image}.png`,
  /** two sets side by side; `a` is the name that comes first alphabetically */
  compare: (a: string, b: string) => `compare/${a}/${b}/`,
};
