/**
 * Set names the site keeps for its own pages. A set's name is its URL segment (`/{name}/`), so
 * a set named like a top-level page of the site (src/pages: /compare/…, /methods/) would collide
 * with it. The build refuses such a set; `check` and `new-set` say so first.
 */
import { AtlasError } from '../errors.ts';

export const RESERVED_SET_NAMES = ['compare', 'methods'] as const;

/** Throws when `name` is one of the site's own pages. */
export function refuseReservedName(name: string, where: string): void {
  if (!(RESERVED_SET_NAMES as readonly string[]).includes(name)) return;
  throw new AtlasError(
    `A sentence set is named "${name}", which the site uses for its own pages (/${name}/).`,
    where,
    `Rename the file (the file name is the URL); ${RESERVED_SET_NAMES.join(', ')} are taken.`,
  );
}
