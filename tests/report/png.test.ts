import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, encodeIndexedPng, encodeRgbaPng } from '../../src/analysis/report/png.ts';
import { similarityImage, scatterImage, SIMILARITY_LEVELS } from '../../src/analysis/report/raster.ts';

interface Chunk { type: string; data: Buffer }

function chunks(png: Uint8Array): Chunk[] {
  const bytes = Buffer.from(png);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const out: Chunk[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    expect(bytes.readUInt32BE(offset + 8 + length)).toBe(crc32(bytes.subarray(offset + 4, offset + 8 + length)));
    out.push({ type, data });
    offset += 12 + length;
  }
  return out;
}

/** Decodes 8-bit PNG scanlines (all five filter types), as a viewer would. */
function decode(png: Uint8Array): { width: number; height: number; colourType: number; pixels: Uint8Array; palette?: Buffer; alpha?: Buffer } {
  const list = chunks(png);
  expect(list[0].type).toBe('IHDR');
  expect(list[list.length - 1].type).toBe('IEND');
  const ihdr = list[0].data;
  const [width, height, depth, colourType] = [ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]];
  expect(depth).toBe(8);
  const bpp = colourType === 6 ? 4 : 1;
  const raw = inflateSync(Buffer.concat(list.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * bpp;
  expect(raw.length).toBe(height * (stride + 1));
  const pixels = new Uint8Array(width * height * bpp);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= bpp ? pixels[y * stride + i - bpp] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= bpp ? pixels[(y - 1) * stride + i - bpp] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      expect(predictor).toBeDefined();
      pixels[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return { width, height, colourType, pixels, palette: list.find((c) => c.type === 'PLTE')?.data, alpha: list.find((c) => c.type === 'tRNS')?.data };
}

describe('PNG encoder', () => {
  it('writes RGBA pixels that decode back exactly', () => {
    const width = 7;
    const height = 5;
    const rgba = new Uint8Array(width * height * 4).map((_, i) => (i * 37 + (i >> 3) * 11) & 0xff);
    const decoded = decode(encodeRgbaPng({ width, height, rgba }));
    expect(decoded).toMatchObject({ width, height, colourType: 6 });
    expect([...decoded.pixels]).toEqual([...rgba]);
  });

  it('writes indexed pixels with palette and transparency', () => {
    const palette = [[0, 0, 0, 0], [255, 0, 0, 255], [0, 0, 255, 128]] as const;
    const indices = Uint8Array.from([0, 1, 2, 2, 1, 0]);
    const decoded = decode(encodeIndexedPng({ width: 3, height: 2, palette, indices }));
    expect(decoded).toMatchObject({ width: 3, height: 2, colourType: 3 });
    expect([...decoded.pixels]).toEqual([...indices]);
    expect([...decoded.palette!]).toEqual([0, 0, 0, 255, 0, 0, 0, 0, 255]);
    expect([...decoded.alpha!]).toEqual([0, 255, 128]);
  });

  it('refuses sizes that do not match the pixels', () => {
    expect(() => encodeRgbaPng({ width: 2, height: 2, rgba: new Uint8Array(15) })).toThrow(/need 16 bytes/);
    expect(() => encodeIndexedPng({ width: 0, height: 2, palette: [[0, 0, 0, 255]], indices: new Uint8Array(0) })).toThrow(/positive/);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('rasters', () => {
  it('maps similarities onto the −0.4..0.4 scale, clipping beyond', () => {
    const image = similarityImage([-1, -0.4, 0, 0.39, 0.4, 1, NaN, 0.2, -0.2], 3);
    expect(image.indices[0]).toBe(0);
    expect(image.indices[1]).toBe(0);
    expect(image.indices[2]).toBe(SIMILARITY_LEVELS / 2);
    expect(image.indices[3]).toBe(SIMILARITY_LEVELS - 1);
    expect(image.indices[5]).toBe(SIMILARITY_LEVELS - 1);
    expect(image.indices[6]).toBe(SIMILARITY_LEVELS / 2);
    const decoded = decode(encodeIndexedPng(image));
    expect([...decoded.pixels]).toEqual([...image.indices]);
    // blue for negative, red for positive
    const colour = (i: number) => [...decoded.palette!.subarray(image.indices[i] * 3, image.indices[i] * 3 + 3)];
    expect(colour(0)[2]).toBeGreaterThan(colour(0)[0]);
    expect(colour(5)[0]).toBeGreaterThan(colour(5)[2]);
  });

  it('draws scatter points where the domains put them, on a transparent background', () => {
    const image = scatterImage({ width: 11, height: 11, xDomain: [0, 10], yDomain: [0, 10], series: [{ x: [0, 10], y: [10, 0], colour: [1, 2, 3] }], radius: 0.5 });
    expect(image.palette[0][3]).toBe(0);
    expect(image.indices[0]).toBe(1); // (0, 10): top left
    expect(image.indices[10 * 11 + 10]).toBe(1); // (10, 0): bottom right
    expect(image.indices[5 * 11 + 5]).toBe(0);
  });
});
