import { type FileHandle, open } from 'node:fs/promises';
import { AtlasError } from '../errors.ts';

/**
 * Reads the header of a .safetensors file (8-byte little-endian header length, a JSON
 * header, then the tensor bytes) and validates it without reading the tensor data:
 * the weights themselves are memory-mapped later by onnxruntime, straight from this file.
 * Anything that does not hold together is refused with a message naming the tensor.
 */

export const DTYPE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

/** A header larger than this is not a model header but a corrupt or hostile file. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** absolute byte offset of the tensor's data in the file */
  offset: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  path: string;
  fileSize: number;
  dataStart: number;
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new AtlasError(
      'The model weights file cannot be opened.',
      path,
      'check that model.safetensors exists and is readable, or download the model again.',
      { cause: error },
    );
  }
  try {
    const { size } = await handle.stat();
    const prefix = Buffer.alloc(8);
    if (size < 8 || (await handle.read(prefix, 0, 8, 0)).bytesRead < 8) {
      throw corrupt(path, `the file is ${size} bytes long, too short to hold a header`);
    }
    const headerLength = Number(prefix.readBigUInt64LE(0));
    if (headerLength > MAX_HEADER_BYTES)
      throw corrupt(path, `its header declares ${headerLength} bytes, more than the ${MAX_HEADER_BYTES} a model header can need`);
    if (8 + headerLength > size) throw corrupt(path, `its header declares ${headerLength} bytes but the file holds only ${size - 8} after the length field`);
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, 8);
    return parseSafetensorsHeader(headerBytes, size, path);
  } finally {
    await handle.close();
  }
}

export function parseSafetensorsHeader(headerBytes: Uint8Array, fileSize: number, path: string): SafetensorsHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(headerBytes).toString('utf8'));
  } catch (error) {
    throw corrupt(path, `its header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupt(path, 'its header is not a JSON object');
  const dataStart = 8 + headerBytes.byteLength;
  const dataLength = fileSize - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (typeof value === 'object' && value !== null ? value : {}) as Record<string, string>;
      continue;
    }
    tensors.set(name, parseEntry(name, value, dataStart, dataLength, path));
  }
  const ordered = [...tensors.values()].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < ordered.length; i++) {
    const previous = ordered[i - 1];
    const current = ordered[i];
    if (current.offset < previous.offset + previous.byteLength && current.byteLength > 0 && previous.byteLength > 0) {
      throw corrupt(path, `tensor "${current.name}" overlaps tensor "${previous.name}"`);
    }
  }
  return { path, fileSize, dataStart, tensors, metadata };
}

function parseEntry(name: string, value: unknown, dataStart: number, dataLength: number, path: string): TensorEntry {
  const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
  if (typeof entry !== 'object' || entry === null) throw corrupt(path, `tensor "${name}" has no description`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZES)) throw corrupt(path, `tensor "${name}" has an unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw corrupt(path, `tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw corrupt(path, `tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin || end > dataLength) {
    throw corrupt(path, `tensor "${name}" claims bytes ${begin}..${end} but the data section holds ${dataLength} bytes (is the file truncated?)`);
  }
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (count * DTYPE_SIZES[dtype] !== end - begin) {
    throw corrupt(
      path,
      `tensor "${name}" of shape [${(shape as number[]).join(', ')}] and dtype ${dtype} needs ${count * DTYPE_SIZES[dtype]} bytes, but its offsets span ${end - begin}`,
    );
  }
  return { name, dtype, shape: shape as number[], offset: dataStart + begin, byteLength: end - begin };
}

function corrupt(path: string, why: string): AtlasError {
  return new AtlasError(
    `The weights file is not a valid safetensors file: ${why}.`,
    path,
    'the download may be incomplete or the file damaged: delete it and download the model again (or re-save it with save_pretrained).',
  );
}
