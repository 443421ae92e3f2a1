import { type FileHandle, link, open, rename, rm, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AtlasError } from '../errors.ts';
import { folderError, makeFolders } from './safe-output.ts';
import { isDiskFull, isNotWritable } from './fs-errors.ts';

/**
 * Writes a file so that readers only ever see the old content or the whole new
 * content: the bytes go to a temporary sibling, are flushed to disk, and the
 * temporary file is renamed over the target. On any failure (a full disk, an
 * interrupt) the temporary file is removed and the target is left untouched.
 */
export type FileContent = string | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

interface AtomicOptions {
  /** never replace an existing file: the write fails with an AtlasError instead (new-set) */
  exclusive?: boolean;
}

export async function writeFileAtomic(path: string, data: FileContent, options: AtomicOptions = {}): Promise<void> {
  try {
    await makeFolders(dirname(path));
  } catch (error) {
    throw folderError(dirname(path), path, 'the output', error);
  }
  const temporary = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const chunks = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, 'w');
    for await (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
        offset += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (options.exclusive) await placeExclusive(temporary, path);
    else await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temporary, { force: true }).catch(() => {});
    throw writeError(path, error);
  }
}

/** A hard link fails when the name exists, where a rename would replace it: no check-then-write race. */
async function placeExclusive(temporary: string, path: string): Promise<void> {
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AtlasError('The file already exists; it was left as it is.', path, 'choose another name, or edit the existing file.');
    }
    throw error;
  }
  await unlink(temporary);
}

function writeError(path: string, error: unknown): unknown {
  if (error instanceof AtlasError) return error;
  if (isDiskFull(error)) {
    return new AtlasError(
      'The disk is full: a file could not be written (nothing was changed).',
      path,
      'free some space (or choose another --out folder) and run the command again.',
      { cause: error },
    );
  }
  if (isNotWritable(error)) {
    return new AtlasError('A file could not be written: permission denied.', path, 'choose an output folder you can write to, or fix its permissions.', {
      cause: error,
    });
  }
  return error;
}
