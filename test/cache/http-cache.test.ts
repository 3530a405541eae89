// The session's HTTP cache on every host (Node under vitest, Deno, headless Chromium): what is
// reused, validated and invalidated through `ses.fetch`, the fetch cache modes, getCacheSize /
// clearCache, a session without a cache, and persistence over a re-open of the partition store.
import { describe, it, expect } from '../harness/api.ts';
import { host } from '../harness/host.ts';
import { HttpCache } from '../../core/src/index.ts';

const { session } = host;
let counter = 0;
const fresh = (label: string, options?: { cache?: boolean }) => session.fromPartition(`cache-${label}-${Date.now()}-${counter++}`, options);
const uid = (label: string) => `${label}-${Date.now()}-${counter++}`;

/** A /cacheable URL on the fixtures server; `params` become its query (see fixtures-server.mjs). */
function cacheable(params: Record<string, string | string[]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const item of Array.isArray(v) ? v : [v]) q.append(k, item);
  return `${host.fixturesUrl}/cacheable?${q}`;
}

async function get(ses: any, url: string, init: any = {}): Promise<{ status: number; n: number; body: any; headers: Headers }> {
  const response = await ses.fetch(url, init);
  const text = await response.text();
  const body = text === '' ? null : JSON.parse(text);
  return { status: response.status, n: body?.n ?? -1, body, headers: response.headers };
}

describe(`the HTTP cache on ${host.name}`, () => {
  it('reuses a fresh response (max-age) and counts it in getCacheSize; clearCache empties it', async () => {
    const ses = fresh('fresh');
    const url = cacheable({ id: uid('fresh'), cc: 'max-age=3600' });
    expect(await ses.getCacheSize()).toBe(0);
    expect((await get(ses, url)).n).toBe(1);
    const second = await get(ses, url);
    expect(second.n).toBe(1);
    expect(second.status).toBe(200);
    expect(second.headers.get('cache-control')).toBe('max-age=3600');
    const size = await ses.getCacheSize();
    expect(size).toBeGreaterThan(0);
    expect(size % 256).toBe(0);
    await ses.clearCache();
    expect(await ses.getCacheSize()).toBe(0);
    expect((await get(ses, url)).n).toBe(2);
  });

  it('does not keep no-store responses, and keeps partitions apart', async () => {
    const ses = fresh('nostore');
    const url = cacheable({ id: uid('nostore'), cc: 'no-store, max-age=3600' });
    expect((await get(ses, url)).n).toBe(1);
    expect((await get(ses, url)).n).toBe(2);
    const shared = cacheable({ id: uid('partition'), cc: 'max-age=3600' });
    expect((await get(ses, shared)).n).toBe(1);
    expect((await get(fresh('other'), shared)).n).toBe(2);
    expect((await get(ses, shared)).n).toBe(1);
  });

  it('validates a stale response with If-None-Match and serves the stored body on 304, with updated headers', async () => {
    const ses = fresh('etag');
    const url = cacheable({ id: uid('etag'), cc: 'max-age=0', etag: '"v1"' });
    const first = await get(ses, url);
    expect(first.n).toBe(1);
    expect(first.body.ifNoneMatch).toBe(null);
    const second = await get(ses, url);
    // The origin answered 304 (its count moved on) and the cache served the first body.
    expect(second.status).toBe(200);
    expect(second.n).toBe(1);
    expect(second.headers.get('x-count')).toBe('2');
    expect(second.headers.get('etag')).toBe('"v1"');
  });

  it('validates with If-Modified-Since when there is only Last-Modified', async () => {
    const ses = fresh('lm');
    const lm = new Date(Date.now() - 3_600_000).toUTCString();
    const url = cacheable({ id: uid('lm'), cc: 'no-cache', lm });
    expect((await get(ses, url)).n).toBe(1);
    const second = await get(ses, url);
    expect(second.n).toBe(1);
    expect(second.headers.get('x-count')).toBe('2');
  });

  it('uses the 10% Last-Modified heuristic for a 200 without explicit freshness', async () => {
    const ses = fresh('heuristic');
    const url = cacheable({ id: uid('heuristic'), lm: new Date(Date.now() - 10 * 86_400_000).toUTCString() });
    expect((await get(ses, url)).n).toBe(1);
    expect((await get(ses, url)).n).toBe(1);
    expect((await get(ses, url)).headers.get('x-count')).toBe('1');
    // 404 gets no heuristic freshness in Chromium (only 200, 203, 206): it is validated (the origin
    // answers 304 to the If-Modified-Since, so the body is the stored one).
    const missing = cacheable({ id: uid('heuristic404'), status: '404', lm: new Date(Date.now() - 10 * 86_400_000).toUTCString() });
    expect((await get(ses, missing)).n).toBe(1);
    const again = await get(ses, missing);
    expect(again.headers.get('x-count')).toBe('2');
    expect(again.body.ifModifiedSince).toBe(null);
    expect(again.status).toBe(404);
  });

  it('honours the fetch cache modes', async () => {
    const ses = fresh('modes');
    const url = cacheable({ id: uid('modes'), cc: 'max-age=3600', etag: '"m"' });
    expect((await get(ses, url)).n).toBe(1);
    expect((await get(ses, url, { cache: 'default' })).n).toBe(1);
    // no-store: straight to the network, the entry stays as it was.
    expect((await get(ses, url, { cache: 'no-store' })).n).toBe(2);
    expect((await get(ses, url)).n).toBe(1);
    // no-cache: a conditional request (answered 304: the stored body).
    const validated = await get(ses, url, { cache: 'no-cache' });
    expect(validated.n).toBe(1);
    expect(validated.headers.get('x-count')).toBe('3');
    // reload: the network, and the answer replaces the entry.
    expect((await get(ses, url, { cache: 'reload' })).n).toBe(4);
    expect((await get(ses, url)).n).toBe(4);
    // force-cache uses even a stale entry; only-if-cached too, and fails on a miss.
    const stale = cacheable({ id: uid('stale'), cc: 'max-age=0' });
    expect((await get(ses, stale)).n).toBe(1);
    expect((await get(ses, stale)).n).toBe(2);
    expect((await get(ses, stale, { cache: 'force-cache' })).n).toBe(2);
    expect((await get(ses, stale, { cache: 'only-if-cached', mode: 'same-origin' })).n).toBe(2);
    const never = cacheable({ id: uid('never') });
    const error = await ses.fetch(never, { cache: 'only-if-cached', mode: 'same-origin' }).then(() => null, (e: Error) => e);
    expect(error?.message).toBe('net::ERR_CACHE_MISS');
  });

  it('treats request Cache-Control: no-cache as a reload and max-age=0 as a validation', async () => {
    const ses = fresh('reqcc');
    const url = cacheable({ id: uid('reqcc'), cc: 'max-age=3600', etag: '"r"' });
    expect((await get(ses, url)).n).toBe(1);
    const bypassed = await get(ses, url, { headers: { 'cache-control': 'no-cache' } });
    expect(bypassed.n).toBe(2);
    expect(bypassed.body.ifNoneMatch).toBe(null);
    const validated = await get(ses, url, { headers: { 'cache-control': 'max-age=0' } });
    expect(validated.n).toBe(2);
    expect(validated.headers.get('x-count')).toBe('3');
  });

  it('keeps one Vary variant per URL', async () => {
    const ses = fresh('vary');
    const url = cacheable({ id: uid('vary'), cc: 'max-age=3600', vary: 'Accept' });
    expect((await get(ses, url, { headers: { accept: 'text/a' } })).n).toBe(1);
    expect((await get(ses, url, { headers: { accept: 'text/a' } })).n).toBe(1);
    expect((await get(ses, url, { headers: { accept: 'text/b' } })).n).toBe(2);
    expect((await get(ses, url, { headers: { accept: 'text/b' } })).n).toBe(2);
    // The first variant was replaced (Chromium keeps one entry per key).
    expect((await get(ses, url, { headers: { accept: 'text/a' } })).n).toBe(3);
    const star = cacheable({ id: uid('varystar'), cc: 'max-age=3600', vary: '*' });
    expect((await get(ses, star)).n).toBe(1);
    expect((await get(ses, star)).n).toBe(2);
  });

  it('invalidates a URL after a successful POST, PUT or DELETE, not after a failed one', async () => {
    const ses = fresh('invalidate');
    const url = cacheable({ id: uid('invalidate'), cc: 'max-age=3600' });
    expect((await get(ses, url)).n).toBe(1);
    expect((await get(ses, url)).n).toBe(1);
    expect((await get(ses, url, { method: 'POST', body: 'x' })).n).toBe(2);
    expect((await get(ses, url)).n).toBe(3);
    expect((await get(ses, url, { method: 'DELETE' })).n).toBe(4);
    expect((await get(ses, url)).n).toBe(5);
    const failing = cacheable({ id: uid('invalidate-failed'), cc: 'max-age=3600' });
    expect((await get(ses, failing)).n).toBe(1);
    expect((await get(ses, `${failing}&status=500`, { method: 'PUT', body: 'x' })).status).toBe(500);
    expect((await get(ses, failing)).n).toBe(1);
  });

  it('serves HEAD from a stored GET without a body, and does not store HEAD answers', async () => {
    const ses = fresh('head');
    const url = cacheable({ id: uid('head'), cc: 'max-age=3600' });
    const head = await ses.fetch(url, { method: 'HEAD' });
    expect(head.headers.get('x-count')).toBe('1');
    expect((await get(ses, url)).n).toBe(2);
    const again = await ses.fetch(url, { method: 'HEAD' });
    expect(again.headers.get('x-count')).toBe('2');
    expect(await again.text()).toBe('');
  });

  it.skipIf(!host.capabilities.has('manual-redirects'))('keeps redirects that are fresh forever (301) and follows them from the cache (capability "manual-redirects")', async () => {
    const ses = fresh('redirect');
    const target = cacheable({ id: uid('target'), cc: 'max-age=3600' });
    const from = cacheable({ id: uid('moved'), status: '301', h: `location:${target}` });
    const first = await ses.fetch(from);
    expect((await first.json()).n).toBe(1);
    expect(first.url).toBe(target);
    const second = await ses.fetch(from);
    expect((await second.json()).n).toBe(1);
    expect(second.redirected).toBe(true);
  });

  it('does not store a response whose body was not read to the end', async () => {
    const ses = fresh('unread');
    const url = cacheable({ id: uid('unread'), cc: 'max-age=3600' });
    const first = await ses.fetch(url);
    await first.body?.cancel();
    expect((await get(ses, url)).n).toBe(2);
    expect((await get(ses, url)).n).toBe(2);
  });

  it('clearData clears the cache by origin (dataTypes "cache"), and leaves it for other data types', async () => {
    const ses = fresh('cleardata');
    const url = cacheable({ id: uid('cleardata'), cc: 'max-age=3600' });
    expect((await get(ses, url)).n).toBe(1);
    await ses.clearData({ dataTypes: ['cookies'] });
    await ses.clearData({ dataTypes: ['cache'], origins: ['https://unrelated.example'] });
    expect((await get(ses, url)).n).toBe(1);
    await ses.clearData({ dataTypes: ['cache'], origins: [new URL(host.fixturesUrl).origin] });
    expect(await ses.getCacheSize()).toBe(0);
    expect((await get(ses, url)).n).toBe(2);
    await ses.clearData();
    expect((await get(ses, url)).n).toBe(3);
  });

  it('never stores a body that was cut off, and stores no entry that a clearCache overtook', async () => {
    const ses = fresh('cut');
    const cut = cacheable({ id: uid('cut'), cc: 'max-age=3600', cut: '1' });
    const failed = await ses.fetch(cut).then((r: Response) => r.text()).then(() => null, (e: Error) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(await ses.getCacheSize()).toBe(0);
    const again = await ses.fetch(cut).then((r: Response) => r.text()).then(() => null, (e: Error) => e);
    expect(again).toBeInstanceOf(Error);
    // A response still streaming when clearCache runs is not stored afterwards, and is not counted meanwhile.
    const slow = cacheable({ id: uid('slow'), cc: 'max-age=3600', delay: '300' });
    const response = await ses.fetch(slow);
    const reading = response.text();
    expect(await ses.getCacheSize()).toBe(0);
    await ses.clearCache();
    expect(JSON.parse(await reading).n).toBe(1);
    expect((await get(ses, slow)).n).toBe(2);
    expect((await get(ses, slow)).n).toBe(2);
    expect(await ses.getCacheSize()).toBeGreaterThan(0);
  });

  it('has no cache in a session made with { cache: false }', async () => {
    const ses = fresh('nocache', { cache: false });
    const url = cacheable({ id: uid('nocache'), cc: 'max-age=3600' });
    expect((await get(ses, url)).n).toBe(1);
    expect((await get(ses, url)).n).toBe(2);
    expect(await ses.getCacheSize()).toBe(0);
    await ses.clearCache();
  });

  it('keeps entries over a re-open of the partition store; an entry whose body never reached it is not a hit', async () => {
    const { adapter, location } = host.persistentStorage();
    const url = cacheable({ id: uid('persist'), cc: 'max-age=3600' });
    const network = (request: any) => fetch(request.url.href, { method: request.method, headers: request.headers, cache: 'no-store' });
    const request = () => ({ url: new URL(url), method: 'GET', headers: new Headers(), body: null, signal: undefined, redirect: 'manual' as const, proxy: 'DIRECT', partition: 'p' });
    const store1 = await adapter.open(location);
    const cache1 = new HttpCache({ openStore: async () => store1 });
    const stage1 = cache1.stage();
    expect((await (await stage1(request(), network)).json()).n).toBe(1);
    // The body is written when the reader has finished; give the write a moment, then flush.
    for (let i = 0; i < 50 && (await cache1.count()) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await (await stage1(request(), network)).json()).n).toBe(1);
    const size = await cache1.size();
    await cache1.flush();
    cache1.dispose();
    await store1.close();

    const store2 = await adapter.open(location);
    const cache2 = new HttpCache({ openStore: async () => store2 });
    expect(await cache2.size()).toBe(size);
    expect((await (await cache2.stage()(request(), network)).json()).n).toBe(1);
    // A metadata record without its body (a killed process between the two writes) is dropped at load.
    const [key] = await store2.keys('http-cache-body');
    await store2.delete('http-cache-body', key!);
    await store2.flush();
    cache2.dispose();
    await store2.close();
    const store3 = await adapter.open(location);
    const cache3 = new HttpCache({ openStore: async () => store3 });
    expect(await cache3.count()).toBe(0);
    expect((await (await cache3.stage()(request(), network)).json()).n).toBe(2);
    cache3.dispose();
    await store3.close();
  });
});
