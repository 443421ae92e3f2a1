import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpyFloat32, readNpy } from '../../src/analysis/io/npy.ts';
import { fixture } from '../helpers/paths.ts';

describe('.npy files', () => {
  it('writes exactly the bytes numpy.save writes for a float32 array', () => {
    // tests/fixtures/npy/small-3x4-f4.npy: np.save of (np.arange(12).reshape(3, 4) - 5.5) / 3 as float32
    const expected = readFileSync(fixture('npy/small-3x4-f4.npy'));
    const values = Float32Array.from({ length: 12 }, (_, i) => (i - 5.5) / 3);
    expect(Buffer.from(encodeNpyFloat32(values, [3, 4]))).toEqual(expected);
  });

  it("reads numpy's files, float32 and float64, from disk", async () => {
    const small = await readNpy(fixture('npy/small-3x4-f4.npy'));
    expect(small.shape).toEqual([3, 4]);
    expect(small.data).toBeInstanceOf(Float32Array);
    expect(Array.from(small.data)).toEqual(Array.from(Float32Array.from({ length: 12 }, (_, i) => (i - 5.5) / 3)));
    const vector = await readNpy(fixture('npy/vector-5-f8.npy'));
    expect(vector.shape).toEqual([5]);
    expect(Array.from(vector.data)).toEqual([-1, -0.5, 0, 0.5, 1]);
  });

  it('round-trips a large array', () => {
    const values = Float32Array.from({ length: 54 * 2304 }, (_, i) => Math.sin(i));
    const decoded = decodeNpy(encodeNpyFloat32(values, [54, 2304]));
    expect(decoded.shape).toEqual([54, 2304]);
    expect(decoded.data).toEqual(values);
  });

  it('refuses a truncated file and a file that is not .npy, naming it', () => {
    const bytes = encodeNpyFloat32(new Float32Array(6), [2, 3]);
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 4), 'x.npy')).toThrow(/holds 20 data bytes, but its header declares 24[\s\S]*x\.npy/);
    expect(() => decodeNpy(new TextEncoder().encode('hello world'), 'y.npy')).toThrow(/not a NumPy \.npy file[\s\S]*y\.npy/);
  });
});
