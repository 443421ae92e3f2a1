import { readFile } from 'node:fs/promises';
import { AtlasError } from '../errors.ts';

/**
 * NumPy's .npy format, version 1.0, for little-endian float32 C-order arrays:
 * what `np.load` reads without arguments. The header is padded with spaces so
 * that the data starts on a 64-byte boundary, as NumPy itself writes it.
 */
export function encodeNpyFloat32(values: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length) throw new Error(`npy: shape ${JSON.stringify(shape)} does not hold ${values.length} values`);
  const head = npyFloat32Header(shape);
  const padded = head.length;
  const out = new Uint8Array(padded + values.byteLength);
  out.set(head, 0);
  const body = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (isLittleEndian()) out.set(body, padded);
  else {
    const view = new DataView(out.buffer, padded);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  }
  return out;
}

/** The header (magic, version, dictionary) of a float32 C-order .npy file: the data follows it. */
export function npyFloat32Header(shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const preamble = 10; // magic (6) + version (2) + header length (2)
  const padded = Math.ceil((preamble + header.length + 1) / 64) * 64;
  header = header.padEnd(padded - preamble - 1, ' ') + '\n';
  const out = new Uint8Array(padded);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), preamble);
  return out;
}

export interface NpyArray {
  shape: number[];
  data: Float32Array | Float64Array;
}

/** Reads a .npy file of little-endian float32 or float64 values (versions 1.0-3.0, C order). */
export function decodeNpy(bytes: Uint8Array, source = 'npy data'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) {
    throw new AtlasError('This is not a NumPy .npy file (bad magic bytes).', source, 'pass a file written by numpy.save or by qkv-atlas analyze.');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = Buffer.from(bytes.subarray(headerStart, headerStart + headerLength)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) {
    throw new AtlasError('The .npy header could not be read.', source, 'write the array again with numpy.save.');
  }
  if (fortran === 'True') throw new AtlasError('Fortran-ordered .npy arrays are not supported.', source, 'save np.ascontiguousarray(a) instead.');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLength;
  const itemSize = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (itemSize === 0) throw new AtlasError(`Unsupported .npy dtype ${descr}.`, source, 'save the array as float32 or float64 (little-endian).');
  if (bytes.length - start !== count * itemSize) {
    throw new AtlasError(
      `The .npy file holds ${bytes.length - start} data bytes, but its header declares ${count * itemSize}.`,
      source,
      'the file is truncated or corrupt: write it again.',
    );
  }
  // a copy into a fresh buffer (Buffer#slice would be a view sharing the whole file's buffer)
  const copy = new Uint8Array(bytes.subarray(start, start + count * itemSize));
  const data = itemSize === 4 ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
  return { shape, data };
}

export async function readNpy(path: string): Promise<NpyArray> {
  return decodeNpy(await readFile(path), path);
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
