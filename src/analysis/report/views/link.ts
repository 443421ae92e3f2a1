import { neighbours } from '../page-data.ts';

/**
 * How a view turns a site path (as `paths` gives it, no leading slash) into a link: the pages
 * pass their base-aware `href`, tests an identity. The views stay free of the site's base.
 */
export type Link = (path: string) => string;

/** One entry of a row of links (the Pager component's items). */
export interface PagerItem {
  label: string;
  href: string | null;
  current?: boolean;
  rel?: 'prev' | 'next';
}

/** Previous layer, every analysed layer, next layer: each a link to the same kind of page at that layer. */
export function layerPager(layers: readonly number[], layer: number, pageAt: (layer: number) => string): PagerItem[] {
  const { previous, next } = neighbours(layers, layer);
  return [
    { label: '← previous layer', href: previous === null ? null : pageAt(previous), rel: 'prev' },
    ...layers.map((l) => ({ label: String(l), href: pageAt(l), current: l === layer })),
    { label: 'next layer →', href: next === null ? null : pageAt(next), rel: 'next' },
  ];
}
