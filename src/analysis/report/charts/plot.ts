import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

/**
 * Observable Plot rendered at build time into an inline SVG string, on a server-side DOM
 * (linkedom). The SVG is made lean and accessible: coordinates rounded to 0.1 px, Plot's
 * per-figure <style> dropped (the site stylesheet styles `svg.plot`), and the whole
 * figure exposed as one image with a text label (the data stay in the figure's table).
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
let shared: Document | undefined;

export function svgDocument(): Document {
  shared ??= parseHTML('<!doctype html><html><body></body></html>').document as unknown as Document;
  return shared;
}

export interface RenderOptions extends Plot.PlotOptions {
  /** the figure's text alternative: what it shows, in one or two sentences */
  ariaLabel: string;
}

export function renderPlot(options: RenderOptions): string {
  const document = svgDocument();
  const { ariaLabel, ...plotOptions } = options;
  const element = Plot.plot({ ...plotOptions, className: 'plot', document }) as unknown as Element;
  const svg = element.tagName.toLowerCase() === 'svg' ? element : element.querySelector('svg');
  if (!svg) throw new Error('Plot did not return an SVG');
  for (const style of [...svg.querySelectorAll('style')]) style.remove();
  // the figure is one image to assistive technology: Plot's labels on inner groups ("line",
  // "rule") would be prohibited attributes inside role="img"
  for (const labelled of [...svg.querySelectorAll('[aria-label], [aria-description], [aria-hidden]')]) {
    labelled.removeAttribute('aria-label');
    labelled.removeAttribute('aria-description');
    labelled.removeAttribute('aria-hidden');
  }
  svg.setAttribute('role', 'img');
  svg.removeAttribute('aria-label');
  svg.removeAttribute('font-family');
  // the text alternative may hold a set's own text: written here with every character that
  // matters in an attribute escaped (the DOM's serialiser leaves "&" as is)
  return leanSvg(svg.outerHTML).replace(/^<svg\b/, `<svg aria-label="${escapeAttribute(ariaLabel)}"`);
}

export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const GEOMETRY = /\s(d|transform|x|y|x1|x2|y1|y2|cx|cy|r|width|height|points|viewBox)="([^"]*)"/g;

/** Rounds every decimal number in geometry attributes to 0.1 (screen pixels need no more). */
export function leanSvg(svg: string): string {
  return svg.replace(GEOMETRY, (_, name: string, value: string) => ` ${name}="${value.replace(/-?\d*\.\d+(?:e-?\d+)?/gi, (n) => short(Number(n)))}"`);
}

export function short(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** A render function drawing many points as one <path> of round dots: ~14 bytes a point instead of ~45 for <circle>s. */
export function dotsPath(points: readonly { x: number; y: number }[], style: { colour: string; radius?: number; opacity?: number }): Plot.RenderFunction {
  return (_index, scales, _values, _dimensions, context) => {
    const x = scales.x as ((v: number) => number) | undefined;
    const y = scales.y as ((v: number) => number) | undefined;
    if (!x || !y) return null;
    let d = '';
    for (const point of points) {
      if (!Number.isFinite(point.x) || !Number.isFinite(point.y)) continue;
      d += `M${short(x(point.x))} ${short(y(point.y))}h0`;
    }
    const path = context.document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', style.colour);
    path.setAttribute('stroke-width', String(2 * (style.radius ?? 2)));
    path.setAttribute('stroke-linecap', 'round');
    if (style.opacity !== undefined) path.setAttribute('stroke-opacity', String(style.opacity));
    return path as unknown as SVGElement;
  };
}

/** A render function placing a raster (a PNG of the site) exactly over the plot's frame. */
export function frameImage(href: string, className?: string): Plot.RenderFunction {
  return (_index, _scales, _values, dimensions, context) => {
    const { width, height, marginLeft, marginRight, marginTop, marginBottom } = dimensions;
    const image = context.document.createElementNS(SVG_NS, 'image');
    image.setAttribute('href', href);
    image.setAttribute('x', String(marginLeft));
    image.setAttribute('y', String(marginTop));
    image.setAttribute('width', String(width - marginLeft - marginRight));
    image.setAttribute('height', String(height - marginTop - marginBottom));
    image.setAttribute('preserveAspectRatio', 'none');
    if (className) image.setAttribute('class', className);
    return image as unknown as SVGElement;
  };
}
