import * as Plot from '@observablehq/plot';
import type { HistogramData, HeadCell, ScatterPoint, TrendPoint } from '../figures.ts';
import type { QuantileBox } from '../compare.ts';
import type { RasterView } from '../images.ts';
import { divergingColour, hex, legendSteps } from '../colormap.ts';
import { countWord, formatNumber } from '../labels.ts';
import { BLOCK_COLOUR_VARS, DASH_PATTERNS, TREND_DASH } from '../palette.ts';
import { PAIR_TYPES } from '../../output-schema.ts';
import { BLOCK_COUNT, BLOCKS, PAIR_COUNT } from '../../shapes.ts';
import { encodeIndexedPng } from '../png.ts';
import { dotsPath, frameImage, renderPlot } from './plot.ts';

/** The report's figure types, each a function from page data to an SVG string. */

/** The first index of each block (and the end of the last): 0, d, 2d, 3d. */
const blockStarts = (d: number) => Array.from({ length: BLOCK_COUNT + 1 }, (_, b) => b * d);
/** The middle of each block, where its letter goes on an axis. */
const blockCentres = (d: number) => BLOCKS.map((_, b) => (b + 0.5) * d);
/** The block letter of an index along an axis. */
const blockLetter = (d: number) => (v: number) => BLOCKS[Math.floor(v / d)];

export interface DensityOptions {
  xLabel: string;
  ariaLabel: string;
  width?: number;
  height?: number;
}

/** Density curves over the report bins (BIN_COUNT) of −1..1, one line per series, dashes for baselines. */
export function densityChart(data: HistogramData, options: DensityOptions): string {
  return renderPlot({
    ariaLabel: options.ariaLabel,
    width: options.width ?? 460,
    height: options.height ?? 220,
    marginLeft: 44,
    x: { domain: [-1, 1], label: options.xLabel, labelAnchor: 'center', labelArrow: 'none', ticks: 5 },
    y: { label: 'Density', labelArrow: 'none', grid: true, ticks: 4, nice: true },
    marks: [
      Plot.ruleY([0]),
      ...data.styles.map((style) =>
        Plot.lineY(
          data.points.filter((p) => p.series === style.key),
          {
            x: 'x',
            y: 'y',
            stroke: style.colour,
            strokeWidth: style.dash === 'solid' ? 1.8 : 1.5,
            strokeDasharray: DASH_PATTERNS[style.dash],
            strokeOpacity: style.opacity,
          },
        ),
      ),
    ],
  });
}

export interface ScatterOptions {
  xLabel: string;
  yLabel: string;
  ariaLabel: string;
  colour: string;
  width?: number;
  height?: number;
  radius?: number;
}

/** A scatter of up to a few thousand points, drawn as one path; a dashed identity line when both axes share units. */
export function scatterChart(points: ScatterPoint[], options: ScatterOptions & { identity?: boolean }): string {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const pad = (lo: number, hi: number): [number, number] => {
    const margin = (hi - lo || 1) * 0.05;
    return [lo - margin, hi + margin];
  };
  let xDomain = pad(Math.min(...xs), Math.max(...xs));
  let yDomain = pad(Math.min(...ys), Math.max(...ys));
  if (options.identity) {
    const both: [number, number] = [Math.min(xDomain[0], yDomain[0]), Math.max(xDomain[1], yDomain[1])];
    xDomain = both;
    yDomain = both;
  }
  return renderPlot({
    ariaLabel: options.ariaLabel,
    width: options.width ?? 300,
    height: options.height ?? 280,
    marginLeft: 48,
    x: { domain: xDomain, label: options.xLabel, labelAnchor: 'center', labelArrow: 'none', ticks: 5 },
    y: { domain: yDomain, label: options.yLabel, labelAnchor: 'center', labelArrow: 'none', ticks: 5 },
    marks: [
      Plot.frame({ strokeOpacity: 0.3 }),
      options.identity
        ? Plot.line(
            [
              [xDomain[0], xDomain[0]],
              [xDomain[1], xDomain[1]],
            ],
            { strokeDasharray: '4,4', strokeOpacity: 0.4 },
          )
        : null,
      dotsPath(points, { colour: options.colour, radius: options.radius ?? 2.2, opacity: 0.7 }),
    ],
  });
}

export interface RasterOptions {
  xLabel: string;
  yLabel: string;
  ariaLabel: string;
  href: string;
  /** vertical lines (e.g. Q | K | V boundaries) in x units */
  xRules?: number[];
  xTicks?: number[];
  className?: string;
}

/** Axes drawn around a PNG that covers the frame exactly (scatter rasters). */
export function rasterChart(view: RasterView, options: RasterOptions): string {
  const marginLeft = 52;
  const marginRight = 12;
  const marginTop = 10;
  const marginBottom = 36;
  return renderPlot({
    ariaLabel: options.ariaLabel,
    width: view.frame.width + marginLeft + marginRight,
    height: view.frame.height + marginTop + marginBottom,
    marginLeft,
    marginRight,
    marginTop,
    marginBottom,
    x: { domain: view.xDomain, label: options.xLabel, labelAnchor: 'center', labelArrow: 'none', ticks: options.xTicks ?? 6 },
    y: { domain: view.yDomain, label: options.yLabel, labelAnchor: 'center', labelArrow: 'none', ticks: 4, grid: true },
    marks: [
      Plot.ruleY([0], { strokeOpacity: 0.3 }),
      frameImage(options.href, options.className),
      options.xRules ? Plot.ruleX(options.xRules, { strokeOpacity: 0.5, strokeDasharray: '3,3' }) : null,
      Plot.frame({ strokeOpacity: 0.3 }),
    ],
  });
}

export interface MatrixOptions {
  ariaLabel: string;
  href: string;
  /** neurons per block (n_embd): the Q | K | V boundaries */
  nEmbd: number;
  size?: number;
}

/** The (BLOCK_COUNT·d)² similarity matrix as an image (row 0 at the top, as imshow), Q/K/V blocks outlined. */
export function matrixChart(options: MatrixOptions): string {
  const side = options.size ?? 300;
  const margin = { marginLeft: 30, marginRight: 8, marginTop: 8, marginBottom: 30 };
  const n = BLOCK_COUNT * options.nEmbd;
  const centres = blockCentres(options.nEmbd);
  const boundaries = blockStarts(options.nEmbd).slice(1, -1);
  return renderPlot({
    ariaLabel: options.ariaLabel,
    width: side + margin.marginLeft + margin.marginRight,
    height: side + margin.marginTop + margin.marginBottom,
    ...margin,
    x: { domain: [0, n], ticks: centres, tickFormat: blockLetter(options.nEmbd), tickSize: 0, label: null },
    y: { domain: [n, 0], ticks: centres, tickFormat: blockLetter(options.nEmbd), tickSize: 0, label: null },
    marks: [
      frameImage(options.href, 'matrix'),
      Plot.ruleX(boundaries, { stroke: 'currentColor', strokeWidth: 1 }),
      Plot.ruleY(boundaries, { stroke: 'currentColor', strokeWidth: 1 }),
      Plot.frame(),
    ],
  });
}

/** The colour scale of the similarity images, −0.4..0.4, as a labelled bar. */
export function matrixLegend(): string {
  const steps = legendSteps(32);
  return renderPlot({
    ariaLabel: 'Colour scale: blue for −0.4 and below, white for 0, red for 0.4 and above.',
    width: 260,
    height: 46,
    marginLeft: 12,
    marginRight: 12,
    marginTop: 4,
    marginBottom: 28,
    x: { domain: [-0.4, 0.4], ticks: [-0.4, -0.2, 0, 0.2, 0.4], label: 'Similarity (clipped to ±0.4)', labelAnchor: 'center', labelArrow: 'none' },
    y: { axis: null },
    marks: [Plot.rectY(steps, { x1: 'from', x2: 'to', y1: 0, y2: 1, fill: 'colour', insetLeft: -0.3 })],
  });
}

/** The lecture's vector mask: each of the BLOCK_COUNT·d indices of c_attn's output labelled with its block's number, 1 (Q), 2 (K) or 3 (V). */
export function vectorMaskChart(nEmbd: number): string {
  const d = nEmbd;
  const segments = BLOCKS.map((block, b) => ({ block, x1: b * d, x2: (b + 1) * d - 1, y: b + 1 }));
  const ranges = segments.map((s, b) => `${s.x1} to ${s.x2} ${b === 0 ? 'are ' : ''}${s.block} (value ${s.y})`);
  return renderPlot({
    ariaLabel: `Vector mask: indices ${ranges.join(', ')}.`,
    width: 340,
    height: 220,
    marginLeft: 48,
    marginBottom: 36,
    marginTop: 12,
    marginRight: 12,
    x: { domain: [0, BLOCK_COUNT * d], ticks: blockStarts(d), label: `Index (${BLOCKS.join(' | ')})`, labelAnchor: 'center', labelArrow: 'none' },
    y: {
      domain: [0.5, BLOCK_COUNT + 0.5],
      ticks: segments.map((s) => s.y),
      tickFormat: (v: number) => `${v} (${BLOCKS[v - 1]})`,
      label: 'Mask value',
      labelAnchor: 'center',
      labelArrow: 'none',
      grid: true,
    },
    marks: [
      Plot.link(segments, { x1: 'x1', x2: 'x2', y1: 'y', y2: 'y', stroke: (s: (typeof segments)[number]) => BLOCK_COLOUR_VARS[s.block], strokeWidth: 6 }),
      Plot.frame({ strokeOpacity: 0.3 }),
    ],
  });
}

/**
 * The lecture's matrix mask, np.triu(vectorMask ⊗ vectorMask, 1): the upper triangle of the
 * (BLOCK_COUNT·d)² matrix split into the pair types by the product of the two mask values (QQ 1,
 * QK 2, QV 3, KK 4, KV 6, VV 9); the diagonal and the lower triangle are 0, left out.
 */
export function matrixMaskChart(nEmbd: number, colours: Record<string, string>): string {
  const d = nEmbd;
  const n = BLOCK_COUNT * d;
  const shapes: { pair: string; value: number; points: [number, number][] }[] = [];
  for (let r = 0; r < BLOCK_COUNT; r++) {
    for (let c = r; c < BLOCK_COUNT; c++) {
      const pair = BLOCKS[r] + BLOCKS[c];
      const [x0, x1, y0, y1] = [c * d, (c + 1) * d, r * d, (r + 1) * d];
      shapes.push({
        pair,
        value: (r + 1) * (c + 1),
        points:
          r === c
            ? [
                [x0, y0],
                [x1, y0],
                [x1, y1],
              ]
            : [
                [x0, y0],
                [x1, y0],
                [x1, y1],
                [x0, y1],
              ],
      });
    }
  }
  const polygons: Plot.RenderFunction = (_index, scales, _values, _dimensions, context) => {
    const x = scales.x as (v: number) => number;
    const y = scales.y as (v: number) => number;
    const group = context.document.createElementNS('http://www.w3.org/2000/svg', 'g');
    for (const shape of shapes) {
      const polygon = context.document.createElementNS('http://www.w3.org/2000/svg', 'polygon');
      polygon.setAttribute('points', shape.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' '));
      polygon.setAttribute('fill', colours[shape.pair]);
      polygon.setAttribute('fill-opacity', '0.55');
      group.appendChild(polygon);
    }
    return group as unknown as SVGElement;
  };
  const labels = shapes.map((shape) => {
    const [cx, cy] = shape.points.reduce(([sx, sy], [px, py]) => [sx + px / shape.points.length, sy + py / shape.points.length], [0, 0]);
    return { x: cx, y: cy, text: `${shape.pair} = ${shape.value}` };
  });
  const centres = blockCentres(d);
  return renderPlot({
    ariaLabel: `Matrix mask: the upper triangle of the similarity matrix, without the diagonal, split into ${countWord(PAIR_COUNT)} pair types by the product of the mask values: ${shapes.map((s) => `${s.pair} ${s.value}`).join(', ')}; the diagonal and the lower triangle are 0.`,
    width: 260,
    height: 250,
    marginLeft: 30,
    marginRight: 8,
    marginTop: 8,
    marginBottom: 30,
    x: { domain: [0, n], ticks: centres, tickFormat: blockLetter(d), tickSize: 0, label: null },
    y: { domain: [n, 0], ticks: centres, tickFormat: blockLetter(d), tickSize: 0, label: null },
    marks: [
      polygons,
      Plot.text(labels, { x: 'x', y: 'y', text: 'text', fontSize: 10, fill: 'currentColor' }),
      Plot.ruleX(blockStarts(d).slice(1, -1), { strokeOpacity: 0.4 }),
      Plot.ruleY(blockStarts(d).slice(1, -1), { strokeOpacity: 0.4 }),
      Plot.frame(),
    ],
  });
}

export interface HeatmapOptions {
  ariaLabel: string;
  nHead: number;
  /** e.g. "Q head" / "K head" */
  rowLabel: string;
  columnLabel: string;
  /** shared colour domain [lowest, highest value shown], so panels compare */
  domain: readonly [number, number];
  size?: number;
}

/** Sequential scale of the head tables: white at the domain's low end, dark red at its high end (the red half of RdBu). */
function heatColour(value: number, domain: readonly [number, number]): [number, number, number] {
  const t = (value - domain[0]) / (domain[1] - domain[0] || 1);
  return divergingColour(0.5 + 0.5 * Math.min(1, Math.max(0, t)));
}

/**
 * An n_head × n_head matrix of mean |similarity| between heads, white (lowest value shown)
 * to dark red (highest): a range from the data, so that differences between heads show. The
 * cells are a tiny PNG inlined as a data URI (one pixel per cell, drawn pixelated): 144 cells
 * as SVG rects would weigh ~10 kB per matrix, the PNG a few hundred bytes.
 */
export function heatmapChart(cells: HeadCell[], options: HeatmapOptions): string {
  const side = options.size ?? 150;
  const ticks = options.nHead <= 6 ? range(options.nHead) : [0, Math.floor(options.nHead / 2), options.nHead - 1];
  return renderPlot({
    ariaLabel: options.ariaLabel,
    width: side + 40,
    height: side + 36,
    marginLeft: 32,
    marginRight: 8,
    marginTop: 4,
    marginBottom: 32,
    // heads are numbered 0, 1, 2 (the domain's half steps made Plot write "1.0", whose width ran into the axis label)
    x: { domain: [-0.5, options.nHead - 0.5], ticks, tickFormat: 'd', label: options.columnLabel, labelAnchor: 'center', labelArrow: 'none', tickSize: 0 },
    y: { domain: [options.nHead - 0.5, -0.5], ticks, tickFormat: 'd', label: options.rowLabel, labelAnchor: 'center', labelArrow: 'none', tickSize: 0 },
    marks: [frameImage(heatmapDataUri(cells, options.nHead, options.domain), 'matrix'), Plot.frame({ strokeOpacity: 0.3 })],
  });
}

const HEAT_LEVELS = 48;

function heatmapDataUri(cells: HeadCell[], n: number, domain: readonly [number, number]): string {
  const palette = Array.from({ length: HEAT_LEVELS }, (_, level) => {
    const [r, g, b] = heatColour(domain[0] + (level / (HEAT_LEVELS - 1)) * (domain[1] - domain[0]), domain);
    return [r, g, b, 255] as const;
  });
  const indices = new Uint8Array(n * n);
  const span = domain[1] - domain[0] || 1;
  for (const cell of cells) {
    const t = Number.isFinite(cell.value) ? Math.min(1, Math.max(0, (cell.value - domain[0]) / span)) : 0;
    indices[cell.row * n + cell.column] = Math.round(t * (HEAT_LEVELS - 1));
  }
  return `data:image/png;base64,${Buffer.from(encodeIndexedPng({ width: n, height: n, palette, indices })).toString('base64')}`;
}

/** The colour bar of the head tables: their domain, white to dark red, with its ends labelled. */
export function heatLegend(domain: readonly [number, number], label: string): string {
  const steps = 32;
  const width = (domain[1] - domain[0]) / steps;
  const cells = Array.from({ length: steps }, (_, i) => {
    const from = domain[0] + i * width;
    return { from, to: from + width, colour: hex(heatColour(from + width / 2, domain)) };
  });
  const ticks = [domain[0], (domain[0] + domain[1]) / 2, domain[1]];
  return renderPlot({
    ariaLabel: `Colour scale of the head tables: white for ${formatNumber(domain[0])}, dark red for ${formatNumber(domain[1])}.`,
    width: 260,
    height: 46,
    marginLeft: 16,
    marginRight: 16,
    marginTop: 4,
    marginBottom: 28,
    x: { domain: [domain[0], domain[1]], ticks, tickFormat: (v: number) => formatNumber(v), label, labelAnchor: 'center', labelArrow: 'none' },
    y: { axis: null },
    marks: [Plot.rectY(cells, { x1: 'from', x2: 'to', y1: 0, y2: 1, fill: 'colour', insetLeft: -0.3 }), Plot.frame({ strokeOpacity: 0.3 })],
  });
}

export interface TrendOptions {
  ariaLabel: string;
  /** the layer to mark (pair pages) */
  highlight?: number;
  width?: number;
  /** facet by pair (overview) or not (one pair) */
  facetPairs: boolean;
  /** the pair types of the columns when faceting (all of them by default): three to a chart reflow on a phone */
  pairs?: readonly string[];
}

const STATISTIC_LABELS = { sd: 'SD', meanAbs: 'mean |x|' } as const;
const TREND_STYLES = {
  target: { stroke: 'var(--c-target)', dash: undefined },
  nontarget: { stroke: 'var(--c-nontarget)', dash: undefined },
  shuffled: { stroke: 'var(--c-baseline)', dash: TREND_DASH },
} as const;

/** SD and mean |x| across layers, target vs comparison token vs shuffled baseline; small multiples by pair when asked. */
export function trendChart(points: TrendPoint[], options: TrendOptions): string {
  const data = points.map((p) => ({ ...p, statisticLabel: STATISTIC_LABELS[p.statistic] }));
  const layers = [...new Set(points.map((p) => p.layer))].sort((a, b) => a - b);
  const facet = options.facetPairs ? { fx: 'pair', fy: 'statisticLabel' } : { fx: 'statisticLabel' };
  const lines = (['target', 'nontarget', 'shuffled'] as const).flatMap((condition) => {
    const subset = data.filter((p) => p.condition === condition);
    const style = TREND_STYLES[condition];
    return [
      Plot.lineY(subset, { x: 'layer', y: 'value', ...facet, stroke: style.stroke, strokeWidth: 1.6, strokeDasharray: style.dash }),
      layers.length <= 16 ? Plot.dot(subset, { x: 'layer', y: 'value', ...facet, fill: style.stroke, r: 1.8 }) : null,
    ];
  });
  // every analysed layer when few; else every k-th of them (a set may analyse layers with gaps)
  const ticks = layers.length <= 6 ? layers : layers.filter((_, i) => i % Math.ceil(layers.length / 4) === 0);
  return renderPlot({
    ariaLabel: options.ariaLabel,
    // narrow enough to be drawn at 90 % or more on a phone (358 px of text width)
    width: options.width ?? (options.facetPairs ? 100 + 84 * (options.pairs?.length ?? PAIR_COUNT) : 400),
    height: options.facetPairs ? 300 : 200,
    marginLeft: 44,
    marginRight: options.facetPairs ? 56 : 10,
    x: { label: 'Layer', labelAnchor: 'center', labelArrow: 'none', ticks, tickFormat: 'd', domain: [layers[0], layers[layers.length - 1]] },
    y: { label: null, grid: true, ticks: 4, zero: true },
    fx: { label: null, ...(options.facetPairs ? { domain: options.pairs ?? PAIR_TYPES } : {}) },
    fy: { label: null },
    marks: [
      options.highlight !== undefined ? Plot.ruleX([options.highlight], { stroke: 'var(--c-highlight)', strokeWidth: 6, strokeOpacity: 0.35 }) : null,
      Plot.frame({ strokeOpacity: 0.2 }),
      ...lines,
    ],
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export interface QuantileOptions {
  yLabel: string;
  ariaLabel: string;
  colours: { a: string; b: string };
  width?: number;
}

/** Two sets' distributions across layers as boxes side by side: 25–75 % box, median bar, 5–95 % whiskers. */
export function quantileChart(boxes: QuantileBox[], options: QuantileOptions): string {
  const layers = [...new Set(boxes.map((box) => box.layer))].sort((x, y) => x - y);
  const slot = (box: QuantileBox) => layers.indexOf(box.layer) + (box.set === 'a' ? -0.18 : 0.18);
  const half = 0.14;
  const marks = (['a', 'b'] as const).flatMap((set) => {
    const subset = boxes.filter((box) => box.set === set);
    const colour = options.colours[set];
    return [
      Plot.ruleX(subset, { x: slot, y1: 'p05', y2: 'p95', stroke: colour, strokeWidth: 1.2 }),
      Plot.rect(subset, {
        x1: (box: QuantileBox) => slot(box) - half,
        x2: (box: QuantileBox) => slot(box) + half,
        y1: 'p25',
        y2: 'p75',
        fill: colour,
        fillOpacity: 0.35,
        stroke: colour,
      }),
      Plot.link(subset, {
        x1: (box: QuantileBox) => slot(box) - half,
        x2: (box: QuantileBox) => slot(box) + half,
        y1: 'median',
        y2: 'median',
        stroke: colour,
        strokeWidth: 2,
      }),
    ];
  });
  return renderPlot({
    ariaLabel: options.ariaLabel,
    width: options.width ?? Math.max(320, Math.min(720, 60 + layers.length * 52)),
    height: 220,
    marginLeft: 44,
    x: {
      domain: [-0.6, layers.length - 0.4],
      ticks: layers.map((_, i) => i),
      tickFormat: (i: number) => String(layers[i]),
      label: 'Layer',
      labelAnchor: 'center',
      labelArrow: 'none',
    },
    y: { domain: [-1, 1], label: options.yLabel, labelArrow: 'none', grid: true, ticks: 5 },
    marks: [Plot.ruleY([0], { strokeOpacity: 0.3 }), ...marks],
  });
}
