// `session-anywhere/undici-cache-store` (Node): a session's HTTP cache as undici's CacheStore, used
// by undici's own cache interceptor against a loopback origin, plus the store contract undici's
// stores follow (vary selection, deleteAt, overwrite, delete of every variant), budget and clear.
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch as undiciFetch, interceptors } from 'undici';
import { session } from '../../hosts/node/index.ts';
import { SessionCacheStore } from '../../core/src/interop/undici-cache-store.ts';

let server: http.Server;
let origin = '';
const hits = new Map<string, number>();
let counter = 0;
const fresh = (label: string, options?: { cache?: boolean }) => session.fromPartition(`undici-store-${label}-${Date.now()}-${counter++}`, options);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const n = (hits.get(url.pathname) ?? 0) + 1;
    hits.set(url.pathname, n);
    const etag = '"e1"';
    if (url.searchParams.has('etag') && req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'cache-control': url.searchParams.get('cc') ?? 'no-cache' });
      res.end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'text/plain', 'cache-control': url.searchParams.get('cc') ?? 'max-age=3600', 'x-n': String(n) };
    if (url.searchParams.has('etag')) headers.etag = etag;
    if (url.searchParams.has('vary')) headers.vary = url.searchParams.get('vary')!;
    res.writeHead(200, headers);
    res.end(`body ${n} ${req.headers.accept ?? ''}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function writeValue(store: SessionCacheStore, key: any, value: any, body: string): Promise<void> {
  const stream = store.createWriteStream(key, value) as Writable;
  stream.end(body);
  await once(stream, 'finish');
}

describe('SessionCacheStore (undici CacheStore over a session cache)', () => {
  it("serves hits for undici's cache interceptor, revalidates with ETag, and counts in the session's size", async () => {
    const ses = fresh('interceptor');
    const agent = new Agent().compose(interceptors.cache({ store: new SessionCacheStore(ses), type: 'private', methods: ['GET', 'HEAD'] }));
    try {
      const a = await undiciFetch(`${origin}/hit`, { dispatcher: agent });
      expect(await a.text()).toBe('body 1 */*');
      await new Promise((r) => setTimeout(r, 20));
      const b = await undiciFetch(`${origin}/hit`, { dispatcher: agent });
      expect(await b.text()).toBe('body 1 */*');
      expect(hits.get('/hit')).toBe(1);
      expect(await ses.getCacheSize()).toBeGreaterThan(0);

      await undiciFetch(`${origin}/validate?etag=1&cc=no-cache`, { dispatcher: agent }).then((r) => r.text());
      await new Promise((r) => setTimeout(r, 20));
      const validated = await undiciFetch(`${origin}/validate?etag=1&cc=no-cache`, { dispatcher: agent });
      expect(await validated.text()).toBe('body 1 */*');
      expect(hits.get('/validate')).toBe(2);

      await ses.clearCache();
      expect(await ses.getCacheSize()).toBe(0);
      await undiciFetch(`${origin}/hit`, { dispatcher: agent }).then((r) => r.text());
      expect(hits.get('/hit')).toBe(2);
    } finally {
      await agent.close();
    }
  });

  it('follows the store contract: method, deleteAt, vary selection, overwrite and delete', async () => {
    let now = 1_000_000;
    const ses = fresh('contract');
    const store = new SessionCacheStore(ses, { now: () => now });
    const key = { origin: 'https://example.com', method: 'GET', path: '/a?x=1', headers: { accept: 'text/a' } };
    const value = { statusCode: 200, statusMessage: 'OK', headers: { 'content-type': 'text/plain', 'set-thing': ['1', '2'] }, vary: { accept: 'text/a' }, cachedAt: now, staleAt: now + 1000, deleteAt: now + 5000 };
    expect(await store.get(key)).toBeUndefined();
    await writeValue(store, key, value, 'first');
    const got = await store.get(key);
    expect(got?.body.toString()).toBe('first');
    expect(got?.headers).toEqual({ 'content-type': 'text/plain', 'set-thing': ['1', '2'] });
    expect(got).toMatchObject({ statusCode: 200, statusMessage: 'OK', vary: { accept: 'text/a' }, cachedAt: value.cachedAt, staleAt: value.staleAt, deleteAt: value.deleteAt });
    // Another method, other vary values, or past deleteAt: no entry.
    expect(await store.get({ ...key, method: 'HEAD' })).toBeUndefined();
    expect(await store.get({ ...key, headers: { accept: 'text/b' } })).toBeUndefined();
    expect(await store.get({ ...key, headers: {} })).toBeUndefined();
    now += 4000;
    expect((await store.get(key))?.body.toString()).toBe('first');
    now += 1000;
    expect(await store.get(key)).toBeUndefined();
    // A write replaces the stored variant (one per method and URL).
    await writeValue(store, { ...key, headers: { accept: 'text/b' } }, { ...value, vary: { accept: 'text/b' }, cachedAt: now, staleAt: now + 1000, deleteAt: now + 5000 }, 'second');
    expect((await store.get({ ...key, headers: { accept: 'text/b' } }))?.body.toString()).toBe('second');
    expect(await store.get(key)).toBeUndefined();
    // A vary value of null matches an absent header.
    const noLang = { ...key, path: '/n', headers: {} };
    await writeValue(store, noLang, { ...value, vary: { 'accept-language': null }, cachedAt: now, staleAt: now + 1000, deleteAt: now + 5000 }, 'n');
    expect((await store.get(noLang))?.body.toString()).toBe('n');
    expect(await store.get({ ...noLang, headers: { 'accept-language': 'fr' } })).toBeUndefined();
    // delete removes every method of origin + path.
    await writeValue(store, { ...key, method: 'HEAD', headers: { accept: 'text/b' } }, { ...value, vary: { accept: 'text/b' }, cachedAt: now, staleAt: now + 1000, deleteAt: now + 5000 }, '');
    await store.delete({ origin: key.origin, method: 'GET', path: key.path });
    expect(await store.get({ ...key, headers: { accept: 'text/b' } })).toBeUndefined();
    expect(await store.get({ ...key, method: 'HEAD', headers: { accept: 'text/b' } })).toBeUndefined();
    expect((await store.get(noLang))?.body.toString()).toBe('n');
  });

  it('does not keep a body written across a clearCache, and rejects bad input with clear errors', async () => {
    const ses = fresh('clear');
    const store = new SessionCacheStore(ses);
    const now = Date.now();
    const key = { origin: 'https://example.com', method: 'GET', path: '/c' };
    const stream = store.createWriteStream(key, { statusCode: 200, statusMessage: 'OK', headers: {}, cachedAt: now, staleAt: now + 1000, deleteAt: now + 2000 }) as Writable;
    stream.write('part');
    await ses.clearCache();
    stream.end('rest');
    await once(stream, 'finish');
    expect(await store.get(key)).toBeUndefined();
    expect(() => store.createWriteStream(key, { statusCode: 200, statusMessage: 'OK', headers: {}, cachedAt: NaN, staleAt: 0, deleteAt: 0 } as any)).toThrow(/cachedAt must be a finite number \(ms\), got NaN/);
    await expect(store.get({ origin: 'x', method: 1, path: '/' } as any)).rejects.toThrow(/method must be a string, got number/);
    expect(() => new SessionCacheStore(fresh('none', { cache: false }))).toThrow(/no HTTP cache/);
    expect(() => new SessionCacheStore({} as any)).toThrow(/expects a session/);
  });

  it('keeps entries of a persistent session in the partition store (area http-cache)', async () => {
    const ses = session.fromPartition(`persist:undici-store-${Date.now()}`);
    const store = new SessionCacheStore(ses);
    const now = Date.now();
    const key = { origin: 'https://example.com', method: 'GET', path: '/p' };
    await writeValue(store, key, { statusCode: 200, statusMessage: 'OK', headers: { a: 'b' }, cachedAt: now, staleAt: now + 60_000, deleteAt: now + 120_000 }, 'persisted');
    const disk = await ses.getStore();
    const keys = await disk.keys('http-cache');
    expect(keys).toContain('undici GET https://example.com/p');
    expect((await store.get(key))?.body.toString()).toBe('persisted');
  });
});
