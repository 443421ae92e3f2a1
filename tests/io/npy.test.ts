import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpyFloat32, readNpy } from '../../src/analysis/io/npy.ts';
import { NpyRowsFile, readNpyFloat32 } from '../../src/analysis/io/npy-rows.ts';
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

  it('activation files written row by row in any order read back as written, row-major or neuron-major', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qkv-npy-rows-'));
    try {
      // 150 rows: more than two reads of a neuron-major read (64 rows each), not a multiple of it
      const [rows, cols] = [150, 7];
      const values = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 3);
      const path = join(dir, 'a.npy');
      const file = new NpyRowsFile(path, rows, cols);
      for (const r of Array.from({ length: rows }, (_, k) => (k * 37) % rows)) file.writeRow(r, values.subarray(r * cols, (r + 1) * cols));
      file.close();
      // the bytes numpy would write for the whole array
      expect(new Uint8Array(readFileSync(path))).toEqual(encodeNpyFloat32(values, [rows, cols]));
      expect(readNpyFloat32(path, [rows, cols])).toEqual(values);
      const transposed = readNpyFloat32(path, [rows, cols], { transposed: true, shared: true });
      expect(transposed.buffer).toBeInstanceOf(SharedArrayBuffer);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(transposed[c * rows + r]).toBe(values[r * cols + c]);
      expect(() => readNpyFloat32(path, [cols, rows], { transposed: true })).toThrow(/does not hold float32 \[7, 150\][\s\S]*a\.npy/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
