// HttpCache with an injected clock and network: the size budget and Chromium's eviction order,
// the entry size limit, stale-while-revalidate, must-revalidate, Date/Age arithmetic, and the
// `disk-cache-size` switch through the session module.
import { describe, expect, it } from 'vitest';
import { HttpCache, freshnessLifetimes, ageBase } from '../../core/src/index.ts';
import type { PipelineRequest } from '../../core/src/fetch/transport.ts';
import { app, session } from '../../hosts/node/index.ts';

function request(url: string, init: Partial<PipelineRequest> = {}): PipelineRequest {
  return { url: new URL(url), method: 'GET', headers: new Headers(), body: null, signal: undefined, redirect: 'manual', proxy: 'DIRECT', partition: 'unit', ...init };
}

/** A network that answers every URL with `headers` and a body of `size` bytes, counting requests. */
function network(headers: Record<string, string>, size = 100) {
  const seen: PipelineRequest[] = [];
  const next = async (r: PipelineRequest): Promise<Response> => {
    seen.push(r);
    return new Response(new Uint8Array(size).fill(65), { status: 200, headers });
  };
  return { next, seen };
}

async function load(cache: HttpCache, url: string, next: (r: PipelineRequest) => Promise<Response>, init: Partial<PipelineRequest> = {}): Promise<Response> {
  const response = await cache.stage()(request(url, init), next);
  await response.arrayBuffer();
  await new Promise((r) => setTimeout(r, 0));
  return response;
}

describe('HttpCache (injected clock and network)', () => {
  it('keeps the total under the budget, evicting by (now - last used) x (size + 512), oldest first', async () => {
    let now = 1_000_000;
    const cache = new HttpCache({ openStore: null, maxSize: 64 * 1024, now: () => now });
    const net = network({ 'cache-control': 'max-age=86400' }, 3000);
    for (let i = 0; i < 40; i++) {
      now += 1000;
      await load(cache, `https://a.example/${i}`, net.next);
      // Keep entry 0 in use: it is read again after every write.
      now += 1;
      await load(cache, 'https://a.example/0', net.next);
    }
    expect(await cache.size()).toBeLessThanOrEqual(64 * 1024);
    const before = net.seen.length;
    await load(cache, 'https://a.example/0', net.next);
    expect(net.seen.length, 'the entry used most recently stays').toBe(before);
    await load(cache, 'https://a.example/1', net.next);
    expect(net.seen.length, 'the oldest unused entry was evicted').toBe(before + 1);
    await load(cache, 'https://a.example/39', net.next);
    expect(net.seen.length, 'the newest entry stays').toBe(before + 1);
    cache.dispose();
  });

  it('does not store an entry larger than an eighth of the budget (memory cache)', async () => {
    const cache = new HttpCache({ openStore: null, maxSize: 80_000 });
    const big = network({ 'cache-control': 'max-age=60' }, 10_001);
    await load(cache, 'https://a.example/big', big.next);
    expect(await cache.count()).toBe(0);
    const small = network({ 'cache-control': 'max-age=60' }, 9_000);
    await load(cache, 'https://a.example/small', small.next);
    expect(await cache.count()).toBe(1);
    const size = await cache.size();
    expect(size).toBeGreaterThanOrEqual(9_000);
    expect(size % 256).toBe(0);
    cache.dispose();
  });

  it('serves within stale-while-revalidate and revalidates in the background; must-revalidate turns that off', async () => {
    let now = 5_000_000;
    const cache = new HttpCache({ openStore: null, now: () => now });
    const net = network({ 'cache-control': 'max-age=10, stale-while-revalidate=100', etag: '"x"' });
    await load(cache, 'https://a.example/swr', net.next);
    now += 50_000;
    await load(cache, 'https://a.example/swr', net.next);
    await new Promise((r) => setTimeout(r, 10));
    expect(net.seen.length).toBe(2);
    expect(net.seen[1]!.headers.get('if-none-match')).toBe('"x"');
    const strict = network({ 'cache-control': 'max-age=10, stale-while-revalidate=100, must-revalidate' });
    await load(cache, 'https://a.example/strict', strict.next);
    now += 50_000;
    const response = await cache.stage()(request('https://a.example/strict'), strict.next);
    expect(strict.seen.length).toBe(2);
    await response.arrayBuffer();
    cache.dispose();
  });

  it("computes Chromium's freshness and age from Date, Age, Expires and Last-Modified", () => {
    const t = Date.parse('Sun, 22 Nov 2026 10:00:00 GMT');
    const h = (o: Record<string, string>) => new Headers(o);
    expect(freshnessLifetimes(200, h({ 'cache-control': 'max-age=60, stale-while-revalidate=30' }), t)).toEqual({ freshness: 60_000, staleness: 30_000 });
    expect(freshnessLifetimes(200, h({ 'cache-control': 'max-age=3600a' }), t).freshness).toBe(0);
    expect(freshnessLifetimes(200, h({ date: 'Sun, 22 Nov 2026 10:00:00 GMT', expires: 'Sun, 22 Nov 2026 11:00:00 GMT' }), t).freshness).toBe(3_600_000);
    expect(freshnessLifetimes(200, h({ date: 'Sun, 22 Nov 2026 10:00:00 GMT', 'last-modified': 'Thu, 12 Nov 2026 10:00:00 GMT' }), t).freshness).toBe(86_400_000);
    expect(freshnessLifetimes(404, h({ date: 'Sun, 22 Nov 2026 10:00:00 GMT', 'last-modified': 'Thu, 12 Nov 2026 10:00:00 GMT' }), t).freshness).toBe(0);
    expect(freshnessLifetimes(301, h({}), t).freshness).toBe(Infinity);
    expect(freshnessLifetimes(301, h({ 'cache-control': 'no-cache' }), t).freshness).toBe(0);
    expect(freshnessLifetimes(200, h({ 'cache-control': 'max-age=60', pragma: 'no-cache' }), t).freshness).toBe(0);
    // Two-digit years as Chromium reads them (50 → 2050).
    expect(freshnessLifetimes(200, h({ date: 'Sun, 22 Nov 2026 10:00:00 GMT', expires: 'Thursday, 18-Aug-50 02:01:18 GMT' }), t).freshness).toBeGreaterThan(0);
    // Age: the larger of (response − Date) and Age + (response − request); invalid Age is ignored.
    expect(ageBase(h({ date: 'Sun, 22 Nov 2026 09:59:00 GMT', age: '10' }), t - 2000, t)).toBe(t - 60_000);
    expect(ageBase(h({ date: 'Sun, 22 Nov 2026 10:00:00 GMT', age: '100' }), t - 2000, t)).toBe(t - 102_000);
    expect(ageBase(h({ date: 'Sun, 22 Nov 2026 10:00:00 GMT', age: 'abc' }), t - 2000, t)).toBe(t - 2000);
    expect(ageBase(h({ date: 'Sun, 22 Nov 2026 10:00:00 GMT', age: '0, 7200' }), t, t)).toBe(t);
  });

  it('takes its budget from app.commandLine disk-cache-size, as Electron does', async () => {
    app.commandLine.appendSwitch('disk-cache-size', '40000');
    try {
      const ses = session.fromPartition(`unit-switch-${Date.now()}`);
      const cache = ses.httpCache!;
      const net = network({ 'cache-control': 'max-age=60' }, 4000);
      for (let i = 0; i < 30; i++) await load(cache, `https://a.example/s${i}`, net.next);
      expect(await ses.getCacheSize()).toBeLessThanOrEqual(40_000);
      expect(await ses.getCacheSize()).toBeGreaterThan(20_000);
    } finally {
      app.commandLine.appendSwitch('disk-cache-size', '0'); // 0: the default again
    }
  });
});

describe('HttpCache review regressions', () => {
  it('keeps its own copy of a body: a reader that changes its chunks does not change the entry', async () => {
    const cache = new HttpCache({ openStore: null });
    const next = async () => new Response('SECRET-BODY', { headers: { 'cache-control': 'max-age=60' } });
    const first = await cache.stage()(request('https://a.example/copy'), next);
    const reader = first.body!.getReader();
    for (let step = await reader.read(); !step.done; step = await reader.read()) step.value.fill(0x58);
    await new Promise((r) => setTimeout(r, 0));
    expect(await (await cache.stage()(request('https://a.example/copy'), next)).text()).toBe('SECRET-BODY');
    cache.dispose();
  });

  it('dooms the older entry when a newer answer is cancelled or too large', async () => {
    const cache = new HttpCache({ openStore: null, maxSize: 80_000 });
    let version = 1;
    let size = 10;
    const next = async () => new Response(`v${version}`.padEnd(size, '.'), { headers: { 'cache-control': 'max-age=60' } });
    await load(cache, 'https://a.example/v', next);
    version = 2;
    const reloaded = await cache.stage()(request('https://a.example/v', { cache: 'reload' }), next);
    await reloaded.body!.cancel();
    expect(await cache.count()).toBe(0);
    await load(cache, 'https://a.example/v', next);
    expect(await cache.count()).toBe(1);
    version = 3;
    size = 20_000;
    await load(cache, 'https://a.example/v', next, { cache: 'reload' });
    expect(await cache.count()).toBe(0);
    cache.dispose();
  });

  it('stores what a stale-while-revalidate refresh brings, once per key, with no validator needed', async () => {
    let now = 9_000_000;
    const cache = new HttpCache({ openStore: null, now: () => now });
    let version = 1;
    let calls = 0;
    const next = async () => {
      calls++;
      return new Response(`v${version}`, { headers: { 'cache-control': 'max-age=10, stale-while-revalidate=1000' } });
    };
    await load(cache, 'https://a.example/swr2', next);
    version = 2;
    now += 20_000;
    const a = cache.stage()(request('https://a.example/swr2'), next);
    const b = cache.stage()(request('https://a.example/swr2'), next);
    expect(await (await a).text()).toBe('v1');
    expect(await (await b).text()).toBe('v1');
    for (let i = 0; i < 20 && calls < 2; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toBe(2);
    expect(await (await cache.stage()(request('https://a.example/swr2'), next)).text()).toBe('v2');
    expect(calls).toBe(2);
    cache.dispose();
  });

  it('drops unusable records at load and keeps working; clearWhere leaves unrelated writes in flight', async () => {
    const { createMemoryStorage } = await import('../../adapters/storage-memory.ts');
    const store = await createMemoryStorage().open(`unit-${Date.now()}`);
    const good = new HttpCache({ openStore: async () => store });
    await load(good, 'https://a.example/good', async () => new Response('good', { headers: { 'cache-control': 'max-age=600' } }));
    for (let i = 0; i < 20 && (await good.count()) === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const [metaKey] = await store.keys('http-cache');
    const record = JSON.parse(new TextDecoder().decode((await store.get('http-cache', metaKey!))!));
    const bad = (patch: object) => new TextEncoder().encode(JSON.stringify({ ...record, ...patch }));
    await store.set('http-cache', 'bad-header', bad({ key: 'bad-header', headers: [['bad name', 'x']] }));
    await store.set('http-cache', 'bad-time', bad({ key: 'bad-time', lastUsed: 1e999 }));
    await store.set('http-cache', 'bad-length', bad({ key: 'bad-length', bodyLength: -5 }));
    good.dispose();
    const reopened = new HttpCache({ openStore: async () => store });
    expect(await reopened.count()).toBe(1);
    expect(await store.keys('http-cache')).toEqual([metaKey]);
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const slow = async () => new Response(new ReadableStream({
      async pull(c) { await gate; c.enqueue(new TextEncoder().encode('slow')); c.close(); },
    }), { headers: { 'cache-control': 'max-age=600' } });
    const pending = reopened.stage()(request('https://b.example/slow'), slow).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 5));
    await reopened.clearWhere((url) => url.startsWith('https://c.example/'));
    release();
    expect(await pending).toBe('slow');
    for (let i = 0; i < 20 && (await reopened.count()) < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await reopened.count()).toBe(2);
    reopened.dispose();
  });
});
