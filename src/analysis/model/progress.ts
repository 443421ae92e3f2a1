/**
 * Download progress for the terminal: a one-line bar (bytes, rate, time left)
 * redrawn in place when stderr is a terminal, otherwise an occasional plain
 * line, so that CI logs stay short. Callers that show progress their own way
 * (the site build) pass their own `onProgress` instead and this is not used.
 *
 * Written here rather than with `cli-progress`: that package ships no type
 * declarations, and one line redrawn with a carriage return is all that is needed.
 */

export interface DownloadProgress {
  /** The file being downloaded, as named in the repository. */
  file: string;
  /** Bytes of that file received so far. */
  bytes: number;
  /** Size of that file in bytes (0 when unknown). */
  total: number;
}

export type ProgressCallback = (progress: DownloadProgress) => void;

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ConsoleProgress {
  update: ProgressCallback;
  /** Ends the bar (a last redraw and a newline, or a closing plain line). */
  finish(ok: boolean): void;
}

export interface ConsoleProgressOptions {
  stream?: ProgressStream;
  /** Total bytes of all the files to download, when known in advance. */
  total?: number;
  now?: () => number;
  /** Milliseconds between two plain lines when the stream is not a terminal. */
  plainIntervalMs?: number;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function createConsoleProgress(label: string, options: ConsoleProgressOptions = {}): ConsoleProgress {
  const stream: ProgressStream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const plainInterval = options.plainIntervalMs ?? 10_000;
  const files = new Map<string, { bytes: number; total: number }>();
  let started: number | undefined;
  let lastDraw = -Infinity;
  let current = '';
  let finished = false;

  function totals(): { bytes: number; total: number } {
    let bytes = 0;
    let known = 0;
    for (const f of files.values()) {
      bytes += f.bytes;
      known += f.total;
    }
    return { bytes, total: Math.max(options.total ?? 0, known, bytes) };
  }

  function figures(): { bytes: number; total: number; percent: number; rate: number; left: number } {
    const { bytes, total } = totals();
    const elapsed = Math.max((now() - (started ?? now())) / 1000, 1e-3);
    const rate = bytes / elapsed;
    const percent = total > 0 ? Math.min(100, Math.floor((bytes / total) * 100)) : 0;
    const left = rate > 0 ? (total - bytes) / rate : Infinity;
    return { bytes, total, percent, rate, left };
  }

  function barLine(): string {
    const f = figures();
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 70));
    const filled = Math.round((f.percent / 100) * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const line =
      `${label} ${current} [${bar}] ${String(f.percent).padStart(3)}% ` +
      `${formatBytes(f.bytes)}/${formatBytes(f.total)} ${formatBytes(f.rate)}/s ${formatDuration(f.left)} left`;
    const columns = stream.columns ?? 0;
    return columns > 1 && line.length >= columns ? line.slice(0, columns - 1) : line;
  }

  function plainLine(): string {
    const f = figures();
    return (
      `${label}: ${current} ${f.percent}% (${formatBytes(f.bytes)} of ${formatBytes(f.total)}, ` +
      `${formatBytes(f.rate)}/s, about ${formatDuration(f.left)} left)\n`
    );
  }

  return {
    update(p) {
      if (finished) return;
      if (started === undefined) started = now();
      files.set(p.file, { bytes: p.bytes, total: p.total });
      current = p.file;
      const t = now();
      if (tty) {
        if (t - lastDraw >= 100 || (p.total > 0 && p.bytes >= p.total)) {
          stream.write(`\r\x1b[2K${barLine()}`);
          lastDraw = t;
        }
      } else if (t - lastDraw >= plainInterval) {
        stream.write(plainLine());
        lastDraw = t;
      }
    },
    finish(ok) {
      if (finished || started === undefined) {
        finished = true;
        return;
      }
      finished = true;
      const f = figures();
      const elapsed = (now() - started) / 1000;
      if (tty) stream.write(`\r\x1b[2K${barLine()}\n`);
      if (ok && !tty) stream.write(`${label}: done, ${formatBytes(f.bytes)} in ${formatDuration(elapsed)}\n`);
      if (!ok && !tty) stream.write(`${label}: stopped after ${formatBytes(f.bytes)}\n`);
    },
  };
}
