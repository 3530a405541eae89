// A persistent session's HTTP cache across killed processes (Node, files): a child stores
// responses through ses.fetch and acknowledges each flush; the parent SIGKILLs it while it keeps
// writing. A fresh process then finds every acknowledged entry with its exact body
// (`only-if-cached`), and any other entry either whole or absent, never cut or mixed up.
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnLineChild } from '../harness/line-child.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const distUrl = pathToFileURL(path.join(root, 'dist/node.js')).href;
const work = mkdtempSync(path.join(tmpdir(), 'cache-crash-'));
let server: http.Server;
let origin = '';

// The body of entry i: long enough to span several chunks, different for every entry.
const bodyOf = (i: number): string => `entry ${i} `.repeat(2000 + (i % 7) * 300);

const writer = path.join(work, 'writer.mjs');
writeFileSync(writer, `
const [distUrl, folder, origin, start] = process.argv.slice(2);
const { session } = await import(distUrl);
const ses = session.fromPath(folder);
for (let i = Number(start); ; i++) {
  const url = origin + '/e?i=' + i;
  await (await ses.fetch(url)).text();
  // The entry is written once the body was read (it may also be there from a killed round whose
  // last ack never reached the parent): wait until the cache answers for it, then make it durable
  // every 3 entries.
  for (;;) {
    try {
      await (await ses.fetch(url, { cache: 'only-if-cached' })).text();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  if (i % 3 === 2) {
    await ses.httpCache.flush();
    console.log('ack ' + i);
  }
}
`);

const checker = path.join(work, 'checker.mjs');
writeFileSync(checker, `
const [distUrl, folder, origin, upTo] = process.argv.slice(2);
const { session } = await import(distUrl);
const ses = session.fromPath(folder);
const found = [];
for (let i = 0; i <= Number(upTo); i++) {
  try {
    const response = await ses.fetch(origin + '/e?i=' + i, { cache: 'only-if-cached' });
    found.push([i, await response.text()]);
  } catch (err) {
    if (err.code !== 'ERR_CACHE_MISS') throw err;
  }
}
console.log(JSON.stringify({ found, count: await ses.httpCache.count(), size: await ses.getCacheSize() }));
await (await ses.getStore()).close();
`);

const exiter = path.join(work, 'exiter.mjs');
writeFileSync(exiter, `
const [distUrl, folder, origin] = process.argv.slice(2);
const { session } = await import(distUrl);
const ses = session.fromPath(folder);
await (await ses.fetch(origin + '/e?i=7')).text();
while ((await ses.httpCache.count()) === 0) await new Promise((r) => setTimeout(r, 1));
console.log('stored');
// No flush: a normal exit must write it (beforeExit), within Chromium's 20 s index delay or not.
`);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const i = Number(new URL(req.url!, 'http://x').searchParams.get('i'));
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=86400' });
    // Two writes, so a kill can land between them.
    const body = bodyOf(i);
    res.write(body.slice(0, body.length >> 1));
    setImmediate(() => res.end(body.slice(body.length >> 1)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

describe('HTTP cache persistence across killed processes (Node)', () => {
  it('writes pending entries at a normal exit, without a flush', async () => {
    const folder = path.join(work, 'exit-profile');
    const child = spawnLineChild(process.execPath, [exiter, distUrl, folder, origin]);
    const exit = await child.exited;
    expect(exit.code, child.stderr()).toBe(0);
    expect(child.lines).toContain('stored');
    const check = spawnLineChild(process.execPath, [checker, distUrl, folder, origin, '7']);
    expect((await check.exited).code, check.stderr()).toBe(0);
    const result = JSON.parse(check.lines.at(-1)!) as { found: Array<[number, string]> };
    expect(result.found).toEqual([[7, bodyOf(7)]]);
  }, 30_000);

  it('keeps every flushed entry whole over 4 SIGKILL rounds, and serves no cut or mixed body', async () => {
    const folder = path.join(work, 'profile');
    let acked = -1;
    let next = 0;
    for (let round = 0; round < 4; round++) {
      const child = spawnLineChild(process.execPath, [writer, distUrl, folder, origin, String(next)]);
      const target = acked + 9;
      try {
        await child.waitFor((lines) => lines.some((l) => Number(l.slice(4)) >= target), `ack ${target}`);
        // Let it get into the next entries, then kill it mid-write.
        await new Promise((r) => setTimeout(r, 15 + round * 10));
      } finally {
        await child.kill();
      }
      for (const line of child.lines) if (line.startsWith('ack ')) acked = Math.max(acked, Number(line.slice(4)));
      next = acked + 1;
    }
    const check = spawnLineChild(process.execPath, [checker, distUrl, folder, origin, String(acked + 20)]);
    const exit = await check.exited;
    expect(exit.code, check.stderr()).toBe(0);
    const result = JSON.parse(check.lines.at(-1)!) as { found: Array<[number, string]>; count: number; size: number };
    const byIndex = new Map(result.found);
    for (let i = 0; i <= acked; i++) expect(byIndex.get(i), `flushed entry ${i}`).toBe(bodyOf(i));
    for (const [i, text] of result.found) expect(text, `entry ${i} is whole`).toBe(bodyOf(i));
    expect(result.count).toBeGreaterThanOrEqual(acked + 1);
    expect(result.size).toBeGreaterThan(0);
  }, 60_000);
});
