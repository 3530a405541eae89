// A program that sets persistent cookies and ends normally, without flushStore(), still leaves
// them on disk (Chromium commits its cookie store at shutdown): Node through process 'beforeExit',
// Deno through 'beforeunload'. Real child processes running the built bundles.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const denoBin = path.join(root, 'node_modules/deno/bin.cjs');

const scripts = mkdtempSync(path.join(os.tmpdir(), 'sa-exit-'));
const setScript = path.join(scripts, 'set.mjs');
const getScript = path.join(scripts, 'get.mjs');
writeFileSync(
  setScript,
  `const { session } = await import(process.argv[2]);
const ses = session.fromPath(process.argv[3]);
const expirationDate = Date.now() / 1000 + 3600;
for (let i = 0; i < 20; i++) await ses.cookies.set({ url: 'https://example.com', name: 'p' + i, value: String(i), expirationDate });
await ses.cookies.set({ url: 'https://example.com', name: 'session-only', value: 'x' });
console.log('done');
`,
);
writeFileSync(
  getScript,
  `const { session } = await import(process.argv[2]);
const ses = session.fromPath(process.argv[3]);
console.log(JSON.stringify((await ses.cookies.get({})).map((c) => c.name).sort()));
`,
);
const expected = Array.from({ length: 20 }, (_, i) => `p${i}`).sort();

describe('cookies pending at a normal exit are committed', () => {
  it('on Node (beforeExit)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sa-exit-node-'));
    const bundle = path.join(root, 'dist/node.js');
    await run(process.execPath, [setScript, bundle, dir], { timeout: 20_000 });
    const { stdout } = await run(process.execPath, [getScript, bundle, dir], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual(expected);
  });

  it('on Deno (beforeunload)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sa-exit-deno-'));
    const bundle = path.join(root, 'dist/deno.js');
    await run(process.execPath, [denoBin, 'run', '-A', '--no-prompt', setScript, bundle, dir], { timeout: 30_000 });
    const { stdout } = await run(process.execPath, [denoBin, 'run', '-A', '--no-prompt', getScript, bundle, dir], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual(expected);
  });
});
