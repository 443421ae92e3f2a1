#!/usr/bin/env node
// The command line is TypeScript, run by Node's own type stripping (on by default from
// Node 22.18; Node 22.12–22.17 need the flag, so the process re-runs itself with it).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `qkv-atlas needs Node.js 22.12 or newer; this is ${process.version}.\n` +
      '  what to do: install Node 24, or run through npx: npx -y -p node@24 -c "npx qkv-atlas ..."',
  );
  process.exit(1);
}
if (!process.features.typescript) {
  const result = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
