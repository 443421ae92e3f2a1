/**
 * `npm run bench`: every benchmark section, each in its own process so that its peak RSS is its
 * own (read from /usr/bin/time -v where it exists, else from the process itself).
 *
 *   npm run bench                 all sections
 *   npm run bench -- model stats  only these sections
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SECTIONS: Record<string, { script: string; args: string[]; about: string }> = {
  model: { script: 'scripts/bench-model.ts', args: [], about: 'hooked GPT-2 (full-size, random weights) on the lecture\'s 54 sentences' },
  stats: { script: 'scripts/bench-stats.ts', args: [], about: 'all statistics for 12 layers at 54, 1,000 and 10,000 sentences vs the lecture\'s numpy cells' },
  // a random model of GPT-2 small's shape: offline, same page count and sizes as the real report
  build: { script: 'scripts/bench-build.ts', args: ['--demo', 'gpt2'], about: 'site build of the lecture\'s set with the analysis cached, a prose-only rebuild, page weights' },
  scale: { script: 'scripts/bench-scale.ts', args: [], about: 'a 1,000-sentence set end to end, and a GPT-2-medium-sized model' },
};

const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : Object.keys(SECTIONS);
const timeV = existsSync('/usr/bin/time');
console.log(`machine: ${(await import('node:os')).cpus().length} cores, ${((await import('node:os')).totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
let failed = false;
for (const name of names) {
  const section = SECTIONS[name];
  if (!section) {
    console.error(`unknown section "${name}" (sections: ${Object.keys(SECTIONS).join(', ')})`);
    process.exit(2);
  }
  if (!existsSync(`${root}${section.script}`)) {
    console.log(`\n== ${name}: skipped (${section.script} not present)`);
    continue;
  }
  console.log(`\n== ${name}: ${section.about}`);
  const command = timeV ? '/usr/bin/time' : process.execPath;
  const args = timeV ? ['-v', process.execPath, section.script, ...section.args] : [section.script, ...section.args];
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  const peak = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr ?? '');
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)/.exec(result.stderr ?? '');
  const ownErrors = (result.stderr ?? '').split('\n').filter((line) => !/^\t/.test(line) && !/Command being timed/.test(line)).join('\n').trim();
  if (ownErrors) process.stderr.write(`${ownErrors}\n`);
  if (peak) console.log(`  [${name}] peak RSS (/usr/bin/time -v): ${(Number(peak[1]) / 1024).toFixed(0)} MB, wall ${wall?.[1]}`);
  if (result.status !== 0) {
    console.log(`  [${name}] FAILED (exit ${result.status})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
