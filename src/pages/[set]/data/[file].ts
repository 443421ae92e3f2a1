import type { APIRoute } from 'astro';
import { analyses, analysisNamed } from '../../../components/build-context.ts';
import { downloads } from '../../../analysis/report/downloads.ts';

/** The downloads of a set, copied or derived from the analysis output at build time. */
export function getStaticPaths() {
  return analyses().flatMap((analysis) => downloads(analysis).map((download) => ({ params: { set: analysis.name, file: download.file } })));
}

const TYPES = { json: 'application/json', csv: 'text/csv; charset=utf-8', npy: 'application/octet-stream' } as const;

export const GET: APIRoute = ({ params }) => {
  const download = downloads(analysisNamed(String(params.set))).find((d) => d.file === params.file);
  if (!download) return new Response(null, { status: 404 });
  return new Response(download.bytes(), { headers: { 'Content-Type': TYPES[download.kind] } });
};
