import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { AtlasError } from '../errors.ts';
import { npyFloat32Header } from './npy.ts';
import { isDiskFull } from './fs-errors.ts';

/**
 * A float32 [rows, cols] .npy file filled row by row, in any order, by positional writes: the
 * file is made at its full size up front, so a row can be written the moment it is computed
 * and dropped from memory. Large sets thus never hold a whole layer in memory while the model
 * runs. The file belongs in a staging folder (io/output-dir.ts), which is what makes the
 * finished output appear all at once; `close` flushes it to disk first.
 */
export class NpyRowsFile {
  readonly path: string;
  readonly rows: number;
  readonly cols: number;
  private readonly headerBytes: number;
  private fd: number | null;
  private readonly written: Uint8Array;

  constructor(path: string, rows: number, cols: number) {
    this.path = path;
    this.rows = rows;
    this.cols = cols;
    const header = npyFloat32Header([rows, cols]);
    this.headerBytes = header.length;
    this.written = new Uint8Array(rows);
    const fd = openSync(path, 'w');
    this.fd = fd;
    try {
      writeAll(fd, header, 0, path);
      ftruncateSync(fd, header.length + rows * cols * 4);
    } catch (error) {
      this.fd = null;
      closeSync(fd);
      throw error;
    }
  }

  /** Writes row `index` (cols values, little-endian as .npy declares). */
  writeRow(index: number, values: Float32Array): void {
    if (this.fd === null) throw new Error(`npy rows: ${this.path} is closed`);
    if (values.length !== this.cols || index < 0 || index >= this.rows) {
      throw new Error(`npy rows: row ${index} of ${values.length} values does not fit [${this.rows}, ${this.cols}]`);
    }
    writeAll(this.fd, littleEndianBytes(values), this.headerBytes + index * this.cols * 4, this.path);
    this.written[index] = 1;
  }

  /** Flushes and closes the file; every row must have been written (a hole would read as zeros). */
  close(): void {
    if (this.fd === null) return;
    const missing = this.written.indexOf(0);
    const fd = this.fd;
    this.fd = null;
    try {
      if (missing >= 0) throw new Error(`npy rows: row ${missing} of ${this.path} was never written`);
      try {
        fsyncSync(fd);
      } catch (error) {
        throw diskError(error, this.path);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Closes without the checks, after a failure elsewhere: the staging folder is thrown away. */
  abandon(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * A float32 .npy file's values read straight into one Float32Array (no second copy of the
 * whole file, which readNpy makes): what the statistics read back, one layer at a time.
 * With `shared`, the array lives in a SharedArrayBuffer, which the statistics' worker threads
 * read as it is instead of copying it. With `transposed`, the array is [cols, rows] (one
 * column contiguous, the layout the statistics work in), filled from ROWS_PER_READ rows read
 * at a time: the row-major layer is never held whole.
 */
export function readNpyFloat32(path: string, shape: readonly [number, number], options: { shared?: boolean; transposed?: boolean } = {}): Float32Array {
  const fd = openSync(path, 'r');
  try {
    const expected = npyFloat32Header(shape);
    const header = new Uint8Array(expected.length);
    readAll(fd, header, 0);
    const size = fstatSync(fd).size;
    // the file was written by NpyRowsFile: its header must be byte for byte the one made for this shape
    if (size !== expected.length + shape[0] * shape[1] * 4 || !header.every((b, i) => b === expected[i])) {
      throw new AtlasError(
        `The activations file does not hold float32 [${shape.join(', ')}] as written.`,
        path,
        'the file was changed after the analysis wrote it: run the analysis again.',
      );
    }
    const [rows, cols] = shape;
    const bytes = rows * cols * 4;
    const values = new Float32Array(options.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    if (!options.transposed) {
      readAll(fd, new Uint8Array(values.buffer), expected.length);
      if (!isLittleEndian()) fromLittleEndian(values);
      return values;
    }
    const block = new Float32Array(Math.min(rows, ROWS_PER_READ) * cols);
    for (let r0 = 0; r0 < rows; r0 += ROWS_PER_READ) {
      const count = Math.min(ROWS_PER_READ, rows - r0);
      const part = block.subarray(0, count * cols);
      readAll(fd, new Uint8Array(part.buffer, 0, part.byteLength), expected.length + r0 * cols * 4);
      if (!isLittleEndian()) fromLittleEndian(part);
      for (let c = 0; c < cols; c++) {
        const dst = c * rows + r0;
        for (let r = 0; r < count; r++) values[dst + r] = part[r * cols + c];
      }
    }
    return values;
  } finally {
    closeSync(fd);
  }
}

/** Rows per read of a transposed read: 64 rows of GPT-2 small (0.6 MB) stay in cache while
 * they are spread over the columns. */
const ROWS_PER_READ = 64;

function fromLittleEndian(values: Float32Array): void {
  const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
}

function writeAll(fd: number, bytes: Uint8Array, position: number, path = 'an activations file'): void {
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
  } catch (error) {
    throw diskError(error, path);
  }
}

/** A full disk, told as such; the file is sparse until written, so this can come at any row or at the flush. */
function diskError(error: unknown, path: string): unknown {
  if (isDiskFull(error)) {
    return new AtlasError(
      'The disk is full: the activations could not be written (the previous output is untouched).',
      path,
      'free some space (or choose another --out folder) and run the command again.',
      { cause: error },
    );
  }
  return error;
}

function readAll(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    // large reads come back in pieces (at most ~2 GB per call on Linux)
    const read = readSync(fd, into, done, Math.min(into.length - done, 1 << 30), position + done);
    if (read === 0) throw new Error('npy rows: unexpected end of file');
    done += read;
  }
}

function littleEndianBytes(values: Float32Array): Uint8Array {
  if (isLittleEndian()) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
