import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { encodeIndexedPng, encodeRgbaPng } from '../../src/analysis/report/png.ts';
import { decode } from '../helpers/png-decode.ts';
import { similarityImage, scatterImage, SIMILARITY_LEVELS } from '../../src/analysis/report/raster.ts';

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
    const palette = [
      [0, 0, 0, 0],
      [255, 0, 0, 255],
      [0, 0, 255, 128],
    ] as const;
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

  it('ends with the IEND chunk and its well-known CRC', () => {
    const png = encodeRgbaPng({ width: 1, height: 1, rgba: new Uint8Array(4) });
    // length 0, "IEND", CRC-32 of "IEND" = 0xae426082 (the same in every PNG file)
    expect([...png.subarray(png.length - 12)]).toEqual([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
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
    expect(image.indices[6]).toBe(SIMILARITY_LEVELS); // undefined: grey, off the scale
    expect(image.palette[SIMILARITY_LEVELS]).toEqual([150, 150, 150, 255]);
    const decoded = decode(encodeIndexedPng(image));
    expect([...decoded.pixels]).toEqual([...image.indices]);
    // blue for negative, red for positive
    const colour = (i: number) => [...decoded.palette!.subarray(image.indices[i] * 3, image.indices[i] * 3 + 3)];
    expect(colour(0)[2]).toBeGreaterThan(colour(0)[0]);
    expect(colour(5)[0]).toBeGreaterThan(colour(5)[2]);
  });

  it('draws scatter points where the domains put them, on a transparent background', () => {
    const image = scatterImage({
      width: 11,
      height: 11,
      xDomain: [0, 10],
      yDomain: [0, 10],
      series: [{ x: [0, 10], y: [10, 0], colour: [1, 2, 3] }],
      radius: 0.5,
    });
    expect(image.palette[0][3]).toBe(0);
    expect(image.indices[0]).toBe(1); // (0, 10): top left
    expect(image.indices[10 * 11 + 10]).toBe(1); // (10, 0): bottom right
    expect(image.indices[5 * 11 + 5]).toBe(0);
  });
});
