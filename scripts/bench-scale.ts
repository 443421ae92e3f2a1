/**
 * Scale benchmark, each step its own process under /usr/bin/time -v (where it exists) for its
 * time and peak RSS:
 *   (1) the lecture's set through analyze on a full-size random GPT-2;
 *   (2) 10,000 generated sentences through analyze on the same model: the activations stream
 *       to disk, so memory stays bounded however large the set;
 *   (3) 1,000 sentences end to end (analysis, then the site that analyses the set itself);
 *   (4) a random GPT-2-medium-sized model (24 layers, d = 1024) on the lecture's set;
 *   (5) only when asked (--only 10000-site, about 10 minutes on 2 cores): the site build of
 *       the 10,000 sentences, its analysis included.
 *
 *   node scripts/bench-scale.ts [--skip-site] [--only lecture|10000|1000|medium|10000-site]
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeRandomModel } from '../src/analysis/model/random-model.ts';
import { ensureBenchModel, generatedSentences, writeSetFile } from './bench-model.ts';
import { runMeasured } from './measured.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = `${root}.cache/bench`;
const skipSite = process.argv.includes('--skip-site');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? process.argv[onlyArg + 1] : null;

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
const analyzeCommand = (set: string, out: string) => [process.execPath, 'bin/qkv-atlas.js', 'analyze', '--set', set, '--out', out];

// (1) the lecture's set
if (!only || only === 'lecture') {
  const lectureSet = `${work}/sets/her.yaml`;
  writeFileSync(lectureSet, readFileSync(`${root}content/sets/her.yaml`, 'utf8').replace(/^model: .*$/m, `model: ${gpt2}`));
  console.log("the lecture's set × 12 layers, random GPT-2 (d = 768):");
  timed('analysis', analyzeCommand(lectureSet, `${work}/out/her`));
}

// (2) 10,000 sentences
if (!only || only === '10000') {
  const large = `${work}/sets/ten-thousand.yaml`;
  writeSetFile(large, '10,000 generated sentences with "her" (benchmark)', generatedSentences(10000), gpt2);
  console.log('10,000 generated sentences × 12 layers, random GPT-2 (d = 768):');
  timed('analysis', analyzeCommand(large, `${work}/out/ten-thousand`));
  // 2.2 GB of activations: not kept between runs
  rmSync(`${work}/out/ten-thousand`, { recursive: true, force: true });
}

// (3) 1,000 sentences, analysis and site
if (!only || only === '1000') {
  // alone in its folder: the site build takes folders of sets
  const thousand = `${work}/sets-thousand/thousand.yaml`;
  writeSetFile(thousand, 'A thousand sentences with "her" (benchmark)', generatedSentences(1000), gpt2);
  console.log('1,000 generated sentences × 12 layers, random GPT-2 (d = 768):');
  timed('analysis', analyzeCommand(thousand, `${work}/out/thousand`));
  if (!skipSite) {
    // the site's own analysis cache is separate from the command's output folder: the build analyses again
    rmSync(`${work}/analysis-cache`, { recursive: true, force: true });
    timed(
      'site build (analysis included, in its own cache)',
      [process.execPath, 'node_modules/astro/bin/astro.mjs', 'build', '--outDir', `${work}/dist-thousand`],
      { QKV_ATLAS_SETS: `${work}/sets-thousand`, QKV_ATLAS_CACHE_DIR: `${work}/analysis-cache`, ASTRO_TELEMETRY_DISABLED: '1' },
    );
  }
}

// (4) GPT-2-medium-sized model on the lecture's set
if (!only || only === 'medium') {
  const medium = `${root}.cache/models/random-gpt2-medium-seed1`;
  if (!existsSync(`${medium}/model.safetensors`)) {
    console.log(`writing a random GPT-2-medium-sized model to ${medium} ...`);
    await writeRandomModel(medium, { config: 'gpt2-medium', seed: 1 });
  }
  const mediumSet = `${work}/sets/her-medium.yaml`;
  writeFileSync(mediumSet, readFileSync(`${root}content/sets/her.yaml`, 'utf8').replace(/^model: .*$/m, `model: ${medium}`));
  console.log("the lecture's set × 24 layers, random GPT-2-medium (d = 1024):");
  timed('analysis', analyzeCommand(mediumSet, `${work}/out/her-medium`));
}

// (5) 10,000 sentences, the site build that analyses them (only when asked: long)
if (only === '10000-site') {
  mkdirSync(`${work}/sets-ten-thousand`, { recursive: true });
  const large = `${work}/sets-ten-thousand/ten-thousand.yaml`;
  writeSetFile(large, '10,000 generated sentences with "her" (benchmark)', generatedSentences(10000), gpt2);
  console.log('10,000 generated sentences × 12 layers, random GPT-2 (d = 768), site build:');
  rmSync(`${work}/analysis-cache-ten-thousand`, { recursive: true, force: true });
  timed(
    'site build (analysis included, in its own cache)',
    [process.execPath, 'node_modules/astro/bin/astro.mjs', 'build', '--outDir', `${work}/dist-ten-thousand`],
    { QKV_ATLAS_SETS: `${work}/sets-ten-thousand`, QKV_ATLAS_CACHE_DIR: `${work}/analysis-cache-ten-thousand`, ASTRO_TELEMETRY_DISABLED: '1' },
  );
  // 2.2 GB of activations and the site's full-resolution images: not kept between runs
  rmSync(`${work}/analysis-cache-ten-thousand`, { recursive: true, force: true });
  rmSync(`${work}/dist-ten-thousand`, { recursive: true, force: true });
}
