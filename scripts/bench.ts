/**
 * `npm run bench`: every benchmark section, each in its own process so that its peak RSS is its
 * own (read from /usr/bin/time -v where it exists, else from the process itself).
 *
 *   npm run bench                 all sections
 *   npm run bench -- model stats  only these sections
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runMeasured } from './measured.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const SECTIONS: Record<string, { script: string; args: string[]; about: string }> = {
  model: {
    script: 'scripts/bench-model.ts',
    args: [],
    about: "hooked GPT-2 (full-size, random weights), forward ÷ numpy GEMM on the lecture's set and on 2,000 generated sentences",
  },
  kernel: { script: 'scripts/bench-kernel.ts', args: [], about: "the statistics' scan kernel alone, float32 and float64 lanes, ns per similarity" },
  parts: {
    script: 'scripts/bench-parts.ts',
    args: [],
    about: "one layer's statistics step by step on one thread, against the lecture's numpy cells per layer",
  },
  stats: { script: 'scripts/bench-stats.ts', args: [], about: "all statistics for 12 layers at 54, 1,000 and 10,000 sentences vs the lecture's numpy cells" },
  // a random model of GPT-2 small's shape: offline, same page count and sizes as the real report
  build: {
    script: 'scripts/bench-build.ts',
    args: ['--demo', 'gpt2'],
    about: "site build of the lecture's set with the analysis cached, a prose-only rebuild, page weights",
  },
  scale: {
    script: 'scripts/bench-scale.ts',
    args: [],
    about: "analyze on the lecture's set and on 10,000 sentences (time, peak RSS), a 1,000-sentence set end to end, a GPT-2-medium-sized model",
  },
};

const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : Object.keys(SECTIONS);
console.log(
  `machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
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
  const result = runMeasured([process.execPath, section.script, ...section.args], { cwd: root, inheritStdout: true });
  if (result.stderr) process.stderr.write(`${result.stderr}\n`);
  console.log(`  [${name}] ${result.seconds.toFixed(1)} s` + (result.peakMB !== null ? `, peak RSS (/usr/bin/time -v): ${result.peakMB.toFixed(0)} MB` : ''));
  if (result.status !== 0) {
    console.log(`  [${name}] FAILED (exit ${result.status})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
