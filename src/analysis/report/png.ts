import { crc32, deflateSync } from 'node:zlib';

/**
 * A minimal PNG encoder (8-bit indexed colour with transparency, or 8-bit RGBA) on node:zlib:
 * enough for the report's rasters (similarity matrices, dense scatters), which have few
 * distinct colours, so the indexed form keeps them small.
 */

export interface IndexedImage {
  width: number;
  height: number;
  /** up to 256 colours as [r, g, b, a], 0-255 */
  palette: readonly (readonly [number, number, number, number])[];
  /** width × height palette indices, row-major, top row first */
  indices: Uint8Array;
}

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major, top row first */
  rgba: Uint8Array;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** zlib level 6: level 9 costs ten times the time on sparse scatters for 10% fewer bytes. */
const LEVEL = 6;

export function encodeIndexedPng(image: IndexedImage): Uint8Array<ArrayBuffer> {
  const { width, height, palette, indices } = image;
  checkSize(width, height, indices.length, 1);
  if (palette.length === 0 || palette.length > 256) throw new Error(`png: a palette holds 1 to 256 colours, not ${palette.length}`);
  const plte = new Uint8Array(palette.length * 3);
  const trns = new Uint8Array(palette.length);
  palette.forEach(([r, g, b, a], i) => {
    plte.set([r, g, b], i * 3);
    trns[i] = a;
  });
  const chunks = [chunk('IHDR', header(width, height, 3)), chunk('PLTE', plte)];
  if (trns.some((a) => a !== 255)) chunks.push(chunk('tRNS', trns));
  chunks.push(chunk('IDAT', deflateSync(filterRows(indices, width, height, 1), { level: LEVEL })), chunk('IEND', new Uint8Array(0)));
  return concat([SIGNATURE, ...chunks]);
}

export function encodeRgbaPng(image: RgbaImage): Uint8Array<ArrayBuffer> {
  const { width, height, rgba } = image;
  checkSize(width, height, rgba.length, 4);
  return concat([
    SIGNATURE,
    chunk('IHDR', header(width, height, 6)),
    chunk('IDAT', deflateSync(filterRows(rgba, width, height, 4), { level: LEVEL })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function checkSize(width: number, height: number, length: number, bytesPerPixel: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`png: width and height must be positive integers, not ${width} × ${height}`);
  }
  if (length !== width * height * bytesPerPixel) {
    throw new Error(`png: ${width} × ${height} pixels need ${width * height * bytesPerPixel} bytes, not ${length}`);
  }
}

/** IHDR: size, bit depth 8, colour type (3 indexed, 6 RGBA), deflate, adaptive filtering, no interlace. */
function header(width: number, height: number, colourType: 3 | 6): Uint8Array {
  const bytes = new Uint8Array(13);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  bytes.set([8, colourType, 0, 0, 0], 8);
  return bytes;
}

/**
 * Each row gets the filter with the smallest sum of absolute (signed) bytes: PNG's usual
 * heuristic. Indexed images use filter 0 (None) only, as the PNG specification recommends.
 */
function filterRows(pixels: Uint8Array, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(height * (stride + 1));
  const candidates = bpp === 1 ? [0] : [0, 1, 2, 4];
  const line = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const above = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null;
    let best = 0;
    let bestCost = Infinity;
    for (const filter of candidates) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const value = applyFilter(filter, row, above, i, bpp);
        cost += value < 128 ? value : 256 - value;
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = filter;
      }
    }
    for (let i = 0; i < stride; i++) line[i] = applyFilter(best, row, above, i, bpp);
    out[y * (stride + 1)] = best;
    out.set(line, y * (stride + 1) + 1);
  }
  return out;
}

function applyFilter(filter: number, row: Uint8Array, above: Uint8Array | null, i: number, bpp: number): number {
  const x = row[i];
  const a = i >= bpp ? row[i - bpp] : 0;
  const b = above ? above[i] : 0;
  const c = above && i >= bpp ? above[i - bpp] : 0;
  switch (filter) {
    case 1:
      return (x - a) & 0xff;
    case 2:
      return (x - b) & 0xff;
    case 4:
      return (x - paeth(a, b, c)) & 0xff;
    default:
      return x;
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
