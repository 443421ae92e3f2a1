/**
 * Scale benchmark: (1) a 1,000-sentence set on a full-size random GPT-2, end to end (analysis,
 * then the site); (2) a random GPT-2-medium-sized model (24 layers, d = 1024) on the lecture's
 * set. Each step runs as its own process under /usr/bin/time -v (where it exists) for its time
 * and peak RSS.
 *
 *   node scripts/bench-scale.ts [--skip-site]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeRandomModel } from '../src/analysis/model/random-model.ts';
import { ensureBenchModel } from './bench-model.ts';
import { runMeasured } from './measured.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = `${root}.cache/bench`;
const skipSite = process.argv.includes('--skip-site');

/** 1,000 distinct sentences with " her" as an object, from a grid of frames. */
function thousandSentences(): string[] {
  const subjects = ['I', 'She', 'They', 'We', 'The teacher', 'My brother', 'The doctor', 'Our neighbour', 'The coach', 'Everyone'];
  const verbs = ['saw', 'thanked', 'called', 'helped', 'met', 'visited', 'warned', 'invited', 'praised', 'followed'];
  const endings = ['at the market.', 'after the meeting.', 'yesterday.', 'last week.', 'in the morning.', 'at the station.', 'twice.', 'during lunch.', 'before the storm.', 'near the river.'];
  const out: string[] = [];
  for (const s of subjects) for (const v of verbs) for (const e of endings) out.push(`${s} ${v} her ${e}`);
  return out;
}

function timed(label: string, command: string[], env: NodeJS.ProcessEnv = {}): void {
  const result = runMeasured(command, { cwd: root, env });
  if (result.status !== 0) {
    console.log(`  ${label}: FAILED (exit ${result.status})\n${result.stderr.split('\n').slice(-15).join('\n')}`);
    process.exitCode = 1;
    return;
  }
  console.log(`  ${label}: ${result.seconds.toFixed(1)} s, peak RSS ${result.peakMB !== null ? `${result.peakMB.toFixed(0)} MB` : 'n/a (no /usr/bin/time)'}`);
}

mkdirSync(`${work}/sets`, { recursive: true });
mkdirSync(`${work}/sets-thousand`, { recursive: true });
const gpt2 = await ensureBenchModel();

// (1) 1,000 sentences, full-size GPT-2
// alone in its folder: the site build takes folders of sets
const thousand = `${work}/sets-thousand/thousand.yaml`;
writeFileSync(thousand, [
  'title: A thousand sentences with "her" (benchmark)',
  `model: ${gpt2}`,
  'target: " her"',
  'seed: 1',
  'sentences:',
  ...thousandSentences().map((s) => `  - ${s}`),
].join('\n') + '\n');
console.log(`1,000 sentences × ${12} layers, random GPT-2 (d = 768):`);
timed('analysis', [process.execPath, 'bin/qkv-atlas.js', 'analyze', '--set', thousand, '--out', `${work}/out/thousand`]);
if (!skipSite) {
  // the site's own analysis cache is separate from the command's output folder: the build analyses again
  timed('site build (analysis included, in its own cache)', [process.execPath, 'node_modules/astro/bin/astro.mjs', 'build', '--outDir', `${work}/dist-thousand`],
    { QKV_ATLAS_SETS: `${work}/sets-thousand`, QKV_ATLAS_CACHE_DIR: `${work}/analysis-cache`, ASTRO_TELEMETRY_DISABLED: '1' });
}

// (2) GPT-2-medium-sized model on the lecture's set
const medium = `${root}.cache/models/random-gpt2-medium-seed1`;
if (!existsSync(`${medium}/model.safetensors`)) {
  console.log(`writing a random GPT-2-medium-sized model to ${medium} ...`);
  await writeRandomModel(medium, { config: 'gpt2-medium', seed: 1 });
}
const lecture = readFileSync(`${root}content/sets/her.yaml`, 'utf8').replace(/^model: .*$/m, `model: ${medium}`);
const mediumSet = `${work}/sets/her-medium.yaml`;
writeFileSync(mediumSet, lecture);
console.log('the lecture\'s 54 sentences × 24 layers, random GPT-2-medium (d = 1024):');
timed('analysis', [process.execPath, 'bin/qkv-atlas.js', 'analyze', '--set', mediumSet, '--out', `${work}/out/her-medium`]);
