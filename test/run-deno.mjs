// Runs the shared suites under real Deno: bundles them with esbuild (the test API aliased to the
// mini runner, the host to Deno's), starts the fixtures server and runs `deno run` on the bundle.
import * as esbuild from 'esbuild';
import { nodeBuiltinModulePlugin } from '../scripts/esbuild-plugins.mjs';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFixturesServer } from './harness/fixtures-server.mjs';
import { suiteAliasPlugin, SHARED_SUITES } from './harness/bundle-suites.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, '.tmp');
await mkdir(outDir, { recursive: true });
const outfile = path.join(outDir, 'deno-suites.mjs');

await esbuild.build({
  stdin: { contents: entrySource(), resolveDir: path.join(root, 'test'), sourcefile: 'deno-entry.ts', loader: 'ts' },
  bundle: true, format: 'esm', target: 'es2022', platform: 'neutral', outfile, logLevel: 'warning', ignoreAnnotations: true,
  mainFields: ['module', 'main'], conditions: ['import', 'default'],
  plugins: [suiteAliasPlugin('deno'), nodeBuiltinModulePlugin],
});

function entrySource() {
  return `${SHARED_SUITES.map((s) => `import './${s}';`).join('\n')}
import { run } from './harness/mini-runner.ts';
const r = await run();
for (const f of r.failures) console.log('FAILED: ' + f.name + '\\n  ' + f.error.replace(/\\n/g, '\\n  '));
console.log('deno: ' + r.passed + ' passed, ' + r.failed + ' failed, ' + r.skipped + ' skipped');
Deno.exit(r.failed || r.passed === 0 ? 1 : 0);
`;
}

const fixtures = await startFixturesServer({ proxies: true });
const require = createRequire(import.meta.url);
const denoBin = require('deno/package.json') && path.join(path.dirname(require.resolve('deno/package.json')), 'bin.cjs');
const child = spawn(process.execPath, [denoBin, 'run', '-A', '--no-prompt', outfile], {
  stdio: 'inherit',
  env: { ...process.env, SA_FIXTURES_URL: fixtures.url, NO_COLOR: '1' },
});
const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await fixtures.close();
process.exit(code);
