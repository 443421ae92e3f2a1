import { printableLines } from './printable.ts';

/**
 * The one error type the tool raises for bad input or an unusable environment.
 * Its message always says what failed, where, and what to do about it, so the
 * command line can print it as is (no stack trace) and exit non-zero.
 */
export class AtlasError extends Error {
  readonly where: string;
  readonly hint: string;

  constructor(what: string, where: string, hint: string, options?: { cause?: unknown }) {
    // messages quote set files, file names and model ids: a control character among them is
    // shown as an escape, so that no terminal or log viewer obeys it
    super(printableLines(`${what}\n  where: ${where}\n  what to do: ${hint}`), options);
    this.name = 'AtlasError';
    this.where = where;
    this.hint = hint;
  }
}

export function isAtlasError(error: unknown): error is AtlasError {
  return error instanceof AtlasError;
}
