// Cookie persistence in real Deno processes running the built bundle (dist/deno.js, made by the
// vitest global setup): a Deno writer killed with SIGKILL after flushStore() leaves every flushed
// persistent cookie, with identical fields, and no session cookie, for the next Deno process and
// for Node (one file format).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileStorage } from '../../adapters/storage-file.ts';
import { createNodeFs } from '../../adapters/fs-node.ts';
import { Cookies } from '../../core/src/index.ts';
import { spawnLineChild, type LineChild } from '../harness/line-child.ts';
import { denoBinary } from '../harness/deno-binary.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const distUrl = pathToFileURL(path.join(repo, 'dist/deno.js')).href;
const denoBin = denoBinary();

// `deno run -A child.mjs <dist url> <folder> <write|read>`; each output line is a marker, then
// optionally a space and JSON.
const CHILD = String.raw`
const [distUrl, folder, mode] = Deno.args;
const { session } = await import(distUrl);
const ses = session.fromPath(folder);
const print = (marker, value) => console.log(marker + (value === undefined ? '' : ' ' + JSON.stringify(value)));
const expirationDate = Math.floor(Date.now() / 1000) + 7 * 86400 + 0.5;

if (mode === 'write') {
  await ses.cookies.set({ url: 'https://example.com/a/b', name: 'host', value: 'v ü', expirationDate });
  await ses.cookies.set({ url: 'https://www.example.org/', name: 'dom', value: 'd', domain: 'example.org', secure: true, httpOnly: true, sameSite: 'strict', expirationDate });
  await ses.cookies.set({ url: 'http://127.0.0.1:8080/x/', name: 'ip', value: 'i', path: '/x', sameSite: 'no_restriction', expirationDate });
  await ses.cookies.set({ url: 'https://example.com/', name: 'mutable', value: 'old', expirationDate });
  await ses.cookies.set({ url: 'https://example.com/', name: 'doomed', value: 'x', expirationDate });
  await ses.cookies.set({ url: 'https://example.com/', name: 'session', value: 's' });
  await ses.cookies.flushStore();
  print('flushed', await ses.cookies.get({}));
  // Not flushed: may or may not survive the kill.
  await ses.cookies.set({ url: 'https://example.com/', name: 'mutable', value: 'new', expirationDate });
  await ses.cookies.remove('https://example.com/', 'doomed');
  await ses.cookies.set({ url: 'https://example.com/', name: 'late', value: 'l', expirationDate });
  print('unflushed');
  setInterval(() => {}, 1 << 30);
} else if (mode === 'read') {
  const cookies = await ses.cookies.get({});
  const store = await ses.getStore();
  print('loaded', { cookies, records: (await store.keys('cookies')).length });
} else {
  throw new Error('unknown mode ' + mode);
}
`;

let root: string;
let script: string;
const live = new Set<LineChild>();

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'sa-cookie-deno-'));
  script = path.join(root, 'cookie-child.mjs');
  await writeFile(script, CHILD);
});

afterAll(async () => {
  for (const child of live) await child.kill();
  await rm(root, { recursive: true, force: true });
});

function deno(folder: string, mode: 'write' | 'read'): LineChild {
  const child = spawnLineChild(denoBin!, ['run', '-A', '--no-prompt', script, distUrl, folder, mode]);
  live.add(child);
  void child.exited.then(() => live.delete(child));
  return child;
}

async function line(child: LineChild, marker: string): Promise<any> {
  const find = () => child.lines.find((l) => l.startsWith(`${marker} `) || l === marker);
  await child.waitFor(() => find() !== undefined, `'${marker}' from deno`);
  const text = find()!.slice(marker.length + 1);
  return text === '' ? undefined : JSON.parse(text);
}

const denoMissing = denoBin === undefined ? ' (skipped: no deno binary in the `deno` npm package; run npm install)' : '';

describe.skipIf(denoBin === undefined)(`cookie persistence across Deno processes (dist/deno.js)${denoMissing}`, () => {
  it('keeps every flushed persistent cookie, identical, and no session cookie, after a SIGKILL', async () => {
    const folder = path.join(root, 'Partitions', 'crash');
    const writer = deno(folder, 'write');
    const flushed = (await line(writer, 'flushed')) as any[];
    expect(flushed.map((c) => c.name).sort()).toEqual(['dom', 'doomed', 'host', 'ip', 'mutable', 'session']);
    await line(writer, 'unflushed');
    await writer.kill();
    expect(await writer.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(writer.stderr()).toBe('');

    const persistent = flushed.filter((c) => !c.session);
    const check = (cookies: any[], records: number, who: string) => {
      const byName = new Map(cookies.map((c) => [c.name, c]));
      expect(records, `${who}: stored records = cookies loaded`).toBe(cookies.length);
      for (const c of persistent) {
        if (c.name === 'doomed' || c.name === 'mutable') continue;
        expect(byName.get(c.name), `${who}: ${c.name}`).toEqual(c);
      }
      expect(byName.has('session'), `${who}: no session cookie`).toBe(false);
      // The unflushed changes may or may not have reached the disk, but nothing else is there.
      expect(['old', 'new'], `${who}: mutable`).toContain(byName.get('mutable')?.value);
      for (const name of byName.keys()) expect(['host', 'dom', 'ip', 'mutable', 'doomed', 'late'], `${who}: ${name}`).toContain(name);
    };

    const reader = deno(folder, 'read');
    const loaded = await line(reader, 'loaded');
    await reader.exited;
    check(loaded.cookies, loaded.records, 'deno');

    // Node reads the same folder (the reader's lock is gone with it).
    const store = await createFileStorage(createNodeFs()).open(folder);
    const jar = Cookies.create({ openStore: async () => store });
    try {
      check(await jar.get({}), (await store.keys('cookies')).length, 'node');
    } finally {
      await jar.close();
      await store.close();
    }
  }, 60_000);
});
