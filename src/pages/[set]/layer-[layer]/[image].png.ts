import type { APIRoute } from 'astro';
import { analyses, analysisNamed } from '../../../components/build-context.ts';
import { layerImageNames, renderLayerImage } from '../../../analysis/report/images.ts';

/** The PNG rasters of a layer page (similarity matrices, dense scatters), written at build time. */
export function getStaticPaths() {
  return analyses().flatMap((analysis) =>
    analysis.layers.flatMap((layer) => layerImageNames(analysis, layer).map((image) => ({ params: { set: analysis.name, layer: String(layer), image } }))),
  );
}

export const GET: APIRoute = async ({ params }) => {
  const analysis = analysisNamed(String(params.set));
  const png = await renderLayerImage(analysis, Number(params.layer), String(params.image));
  return new Response(png, { headers: { 'Content-Type': 'image/png' } });
};
