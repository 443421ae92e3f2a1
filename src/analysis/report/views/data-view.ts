import { anchors } from '../anchors.ts';
import { downloads } from '../downloads.ts';
import type { Analysis } from '../load.ts';
import { paths } from '../paths.ts';
import type { Link } from './link.ts';
import { BLOCK_COUNT } from '../../shapes.ts';

/** A download as a page links it. */
export interface DataLink {
  /** the link's text */
  label: string;
  /** the file name under /{set}/data/ */
  file: string;
  href: string;
  description: string;
}

/** Everything the data page (`/{set}/data/`) lays out. */
export interface DataView {
  set: string;
  /** the set's title */
  title: string;
  links: { home: string; set: string };
  /** the set's own files, each with its size as shown */
  setFiles: (DataLink & { size: string })[];
  /** one row per analysed layer: the layer's page and its files, each named by what differs from the others */
  layerFiles: { layer: number; href: string; files: DataLink[] }[];
  nSentences: number;
  /** columns of an activation file: Q | K | V */
  width: number;
  /** the layer the Python example loads */
  firstLayer: number;
}

/** A file size as the data page shows it: kB below a megabyte (at least 1), else MB with one decimal. */
export function fileSize(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

export function dataView(analysis: Analysis, link: Link): DataView {
  const { manifest } = analysis;
  const set = analysis.name;
  const files = downloads(analysis);
  const linkTo = (file: string) => link(paths.dataFile(set, file));
  return {
    set,
    title: manifest.set.title,
    links: { home: link(paths.home()), set: link(paths.set(set)) },
    setFiles: files
      .filter((f) => f.layer === null)
      .map((f) => ({
        label: f.file,
        file: f.file,
        href: linkTo(f.file),
        description: f.description,
        size: fileSize(f.bytes().length),
      })),
    layerFiles: analysis.layers.map((layer) => ({
      layer,
      href: link(paths.layer(set, layer)),
      // the row names the layer: layer-2-target.npy → target.npy, layer-2.json → json
      files: files
        .filter((f) => f.layer === layer)
        .map((f) => ({
          label: f.file.replace(`layer-${layer}`, '').replace(/^[-.]/, '') || f.file,
          file: f.file,
          href: linkTo(f.file),
          description: f.description,
        })),
    })),
    nSentences: manifest.sentences.length,
    width: BLOCK_COUNT * manifest.model.n_embd,
    firstLayer: analysis.layers[0],
  };
}

/** The downloads behind one layer's page, linked from that page, and where the data page says how to load them. */
export function layerDataLinks(analysis: Analysis, layer: number, link: Link): { files: DataLink[]; howTo: string } {
  return {
    // the row's label names the layer, so each link shows what differs: layer-2-target.npy → target.npy, layer-2.json → .json
    files: downloads(analysis)
      .filter((f) => f.layer === layer)
      .map((f) => ({
        label: f.file.replace(`layer-${layer}`, '').replace(/^-/, ''),
        file: f.file,
        href: link(paths.dataFile(analysis.name, f.file)),
        description: f.description,
      })),
    howTo: link(`${paths.data(analysis.name)}#${anchors.data.python}`),
  };
}
