// Runs the shared suites in real headless Chromium (Debian's `chromium`, driven by playwright-core
// with executablePath): bundles them for the browser, serves the page from the fixtures server and
// relays the page's console to stdout.
import * as esbuild from 'esbuild';
import { browserNoNodeModulePlugin } from '../scripts/esbuild-plugins.mjs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startFixturesServer } from './harness/fixtures-server.mjs';
import { suiteAliasPlugin, SHARED_SUITES } from './harness/bundle-suites.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, '.tmp', 'browser');
await mkdir(outDir, { recursive: true });

await esbuild.build({
  stdin: { contents: entrySource(), resolveDir: path.join(root, 'test'), sourcefile: 'browser-entry.ts', loader: 'ts' },
  bundle: true, format: 'esm', target: 'es2022', platform: 'browser', outfile: path.join(outDir, 'suites.js'), logLevel: 'warning', ignoreAnnotations: true,
  plugins: [suiteAliasPlugin('browser'), browserNoNodeModulePlugin],
});
// The published browser bundle is checked too: it must load and answer with its embedded core.
if (!existsSync(path.join(root, 'dist/browser.js'))) execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'inherit' });
await copyFile(path.join(root, 'dist/browser.js'), path.join(outDir, 'dist-browser.js'));
await writeFile(path.join(outDir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>session-anywhere tests</title><script type="module" src="suites.js"></script>');

function entrySource() {
  return `${SHARED_SUITES.map((s) => `import './${s}';`).join('\n')}
import { run } from './harness/mini-runner.ts';
run().then((r) => {
  for (const f of r.failures) console.log('FAILED: ' + f.name + '\\n  ' + f.error.replace(/\\n/g, '\\n  '));
  globalThis.__result = { passed: r.passed, failed: r.failed, skipped: r.skipped };
  globalThis.__done = r.failed || r.passed === 0 ? 1 : 0;
}, (err) => { console.log('runner crashed: ' + err); globalThis.__result = { passed: 0, failed: 1, skipped: 0 }; globalThis.__done = 1; });
`;
}

const executablePath = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!executablePath) {
  console.error('Chromium not found: install Debian\'s "chromium" package (.ci/run does) or set CHROMIUM_PATH');
  process.exit(1);
}
const fixtures = await startFixturesServer({ staticDir: outDir });
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let code = 1;
try {
  const page = await browser.newPage();
  page.on('console', (msg) => console.log(msg.text()));
  page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  await page.goto(`${fixtures.url}/static/index.html`);
  await page.waitForFunction(() => globalThis.__done !== undefined, null, { timeout: 600_000, polling: 200 });
  code = await page.evaluate(() => globalThis.__done);
  const result = await page.evaluate(() => globalThis.__result);
  const smoke = await page.evaluate(async () => {
    const m = await import('./dist-browser.js');
    const ses = m.session.fromPartition('dist-smoke');
    await ses.setProxy({ proxyRules: 'http=a:1', proxyBypassRules: '.internal' });
    return `${WebAssembly.Module.imports(new m.Core().module).length} ${await ses.resolveProxy('http://x.internal/')} ${await ses.resolveProxy('http://x.test/')}`;
  });
  const smokeOk = smoke === '0 DIRECT PROXY a:1';
  console.log(`${smokeOk ? 'ok  ' : 'FAIL'} dist/browser.js loads in Chromium and answers with its embedded core${smokeOk ? '' : `: ${smoke}`}`);
  if (smokeOk) result.passed++;
  else { result.failed++; code = 1; }
  console.log(`browser: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`);
} finally {
  await browser.close();
  await fixtures.close();
}
process.exit(code);
