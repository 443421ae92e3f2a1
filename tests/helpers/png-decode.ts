import { crc32, inflateSync } from 'node:zlib';
import { expect } from 'vitest';

/** A PNG reader for the tests: chunks with their CRCs checked, and 8-bit scanlines decoded. */

export interface Chunk {
  type: string;
  data: Buffer;
}

export function chunks(png: Uint8Array): Chunk[] {
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
export function decode(png: Uint8Array): { width: number; height: number; colourType: number; pixels: Uint8Array; palette?: Buffer; alpha?: Buffer } {
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
