import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Measured {
  status: number | null;
  seconds: number;
  /** peak RSS of the child in MB, from /usr/bin/time -v; null where that tool is missing */
  peakMB: number | null;
  stdout: string;
  /** the child's own stderr, without /usr/bin/time's report */
  stderr: string;
}

/** Runs a command as its own process, under /usr/bin/time -v where it exists, for its time and peak RSS. */
export function runMeasured(command: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; inheritStdout?: boolean }): Measured {
  const timeV = existsSync('/usr/bin/time');
  const [file, ...args] = timeV ? ['/usr/bin/time', '-v', ...command] : command;
  const started = performance.now();
  const result = spawnSync(file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    stdio: ['ignore', options.inheritStdout ? 'inherit' : 'pipe', 'pipe'],
  });
  const seconds = (performance.now() - started) / 1000;
  const stderr = result.stderr ?? '';
  const peak = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  // /usr/bin/time's report: a "Command being timed" line, then tab-indented lines
  const own = timeV
    ? stderr
        .split('\n')
        .filter((line) => !line.startsWith('\t') && !/Command being timed|Command exited with/.test(line))
        .join('\n')
    : stderr;
  return { status: result.status, seconds, peakMB: peak ? Number(peak[1]) / 1024 : null, stdout: result.stdout ?? '', stderr: own.trim() };
}
