import { access, constants } from 'node:fs/promises';
import type { LaunchOptions } from 'playwright-core';

/**
 * Which Chromium the end-to-end tests drive, in this order:
 *   1. `CHROMIUM_PATH`, when set (it must exist);
 *   2. the headless Chromium that the npm package `@sparticuz/chromium` ships (a dev dependency),
 *      where its platform fits (linux-x64): `npm ci` alone gives a fresh machine a browser;
 *   3. a system Chromium or Chrome at the usual places;
 *   4. otherwise one message that says what to install.
 * No browser is ever downloaded: the npm package carries its build inside.
 */

/** Flags every launch gets: no background traffic to Google's hosts, no first-run UI, no sandbox (CI runs as root). */
const COMMON_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Flags of the npm build's recommended list (made for one-page serverless runs) that the tests
 * leave out: `--single-process` ends the browser when the first page closes (measured: the next
 * `newPage` fails), and web security stays on, as in a reader's browser.
 */
const DROPPED_ARGS = new Set(['--single-process', '--disable-web-security', '--allow-running-insecure-content']);

const SYSTEM_CANDIDATES: Record<string, string[]> = {
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'],
  darwin: ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium'],
  win32: ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe'],
};

export interface BrowserChoice {
  launch: LaunchOptions;
  /** Where the browser came from, for the test log. */
  source: 'CHROMIUM_PATH' | 'npm (@sparticuz/chromium)' | 'system';
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The npm-shipped build: unpacked into the temp folder at first use, then reused. */
async function npmChromium(): Promise<LaunchOptions | undefined> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  let chromium: { executablePath(): Promise<string>; args: string[] };
  try {
    chromium = (await import('@sparticuz/chromium')).default;
  } catch {
    return undefined; // not installed (an optional install that was skipped)
  }
  const executablePath = await chromium.executablePath();
  const args = chromium.args.filter((arg) => !DROPPED_ARGS.has(arg) && !arg.startsWith('--headless'));
  return { executablePath, args: [...new Set([...args, ...COMMON_ARGS])] };
}

export async function chooseChromium(env: NodeJS.ProcessEnv = process.env): Promise<BrowserChoice> {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!(await executable(fromEnv))) {
      throw new Error(
        `CHROMIUM_PATH is ${JSON.stringify(fromEnv)}, which is not an executable file. Point it at a Chromium or Chrome binary, or unset it to use the browser that npm installs.`,
      );
    }
    return { launch: { executablePath: fromEnv, args: COMMON_ARGS }, source: 'CHROMIUM_PATH' };
  }
  const npm = await npmChromium();
  if (npm !== undefined) return { launch: npm, source: 'npm (@sparticuz/chromium)' };
  for (const path of SYSTEM_CANDIDATES[process.platform] ?? []) {
    if (await executable(path)) return { launch: { executablePath: path, args: COMMON_ARGS }, source: 'system' };
  }
  throw new Error(
    `No Chromium for the end-to-end tests on ${process.platform}-${process.arch}: the browser that npm installs (@sparticuz/chromium) ` +
      `runs on linux-x64 only, and none was found at ${(SYSTEM_CANDIDATES[process.platform] ?? []).join(', ') || 'the usual places'}. ` +
      'Install Chromium or Google Chrome, or set CHROMIUM_PATH to its binary.',
  );
}
