/**
 * What a failed write says about the disk, by its error code: full (or over a quota), or not
 * writable (permissions, a read-only file system). Each caller words its own message.
 */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? '';
}

export function isDiskFull(error: unknown): boolean {
  return DISK_FULL.has(codeOf(error));
}

export function isNotWritable(error: unknown): boolean {
  return NOT_WRITABLE.has(codeOf(error));
}
