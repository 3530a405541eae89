// Benchmark of the HTTP cache index (core/src/cache/cache-index.ts over the wasm kernel in
// core/assembly/cache) against undici 7's MemoryCacheStore, at 100,000 entries, on the same URLs.
// Bundles the TS source with esbuild on the fly, so it needs only `npm run build:wasm`.
// Run: node bench/cache-index.mjs [--runs N] [--entries N]
// Figures are µs per operation: min and median over N runs (the minimum is the better estimate on a
// shared machine).
//
// What each side does (and does not) in each measurement:
// - lookup (hit), in the same random order over all keys:
//   ours: hash the key string (two 32-bit lanes), the kernel's hash-table probe, Chromium's
//     RequiresValidation decision (fresh / async / sync) and the last-used update, then the host's
//     record read by id and the key-string check a real caller does.
//   undici: MemoryCacheStore.get(key) for a prebuilt key object: template-string key, Map lookup,
//     the deleteAt / method / vary check and the result object. It computes no freshness decision
//     (its interceptor does that afterwards), so this side does less work than ours.
// - insert (new key), at 100,000 → 100,000 + N entries, no eviction triggered on either side:
//   ours: hash, kernel insert, the host's record object stored by id, and the eviction check a
//     caller makes after every insert (`evict(now)`, which returns at once below the watermark).
//   undici: createWriteStream(key, value).end(body) with a 1 KiB body, until its final callback has
//     stored the entry (Writable runs `final` on a later tick, so each batch awaits it; the wait is
//     included). Neither side copies the body bytes.
// - evict, per evicted entry, starting from 100,000 entries:
//   ours: one `evict(now)` over 100,000 entries (score every entry, weighted selection, remove the
//     doomed ones) with the maximum size set so that the total is just above the high watermark;
//     SimpleIndex frees down to the low watermark, about 6 % of the entries here. Plus the host
//     dropping the doomed records. Refilling between runs is not timed.
//   undici: the write that exceeds maxCount; its eviction pass drops the first half of every
//     key's variant list. With one entry per URL that removes nothing (splice(0, 0.5) deletes 0),
//     so its store holds 2 Vary variants per URL (50,000 URLs) and a pass removes 50,000 entries.
//     The figure is (time of that write - an ordinary write) / entries removed. The per-pass time
//     is printed too, because the two passes free very different shares.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cacheStores } from 'undici';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const RUNS = Math.max(1, Number(arg('--runs', 7)) || 7);
const N = Math.max(1000, Number(arg('--entries', 100000)) || 100000);
const INSERTS = 10000;

const bundled = await build({
  entryPoints: [path.join(root, 'core/src/cache/cache-index.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
});
const dir = await mkdtemp(path.join(os.tmpdir(), 'cache-bench-'));
const file = path.join(dir, 'cache-index.mjs');
await writeFile(file, bundled.outputFiles[0].text);
const { CacheIndex } = await import(pathToFileURL(file).href);
await rm(dir, { recursive: true });

// ---- data: the same URLs on both sides ----
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = rng(42);
const origins = Array.from({ length: 997 }, (_, i) => `https://cdn${i}.site${i % 89}.example`);
const url = (i) => {
  const origin = origins[i % origins.length];
  return { origin, path: `/assets/v${i % 17}/chunk-${i}-${((i * 2654435761) >>> 0).toString(36)}.js?lang=en` };
};
const makeKeys = (from, count) => Array.from({ length: count }, (_, k) => url(from + k));
const urls = makeKeys(0, N);
const extra = makeKeys(N, INSERTS * (RUNS + 1));
// Chromium-shaped cache key strings for ours; undici key objects for undici.
const ourKey = (u) => `1/0/${u.origin}${u.path}`;
const undiciKey = (u, lang = 'en') => ({ origin: u.origin, method: 'GET', path: u.path, headers: { 'accept-language': lang } });
const keys = urls.map(ourKey);
const uKeys = urls.map((u) => undiciKey(u));
const order = Array.from({ length: N }, (_, i) => i);
for (let i = N - 1; i > 0; i--) {
  const j = Math.floor(r() * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}
const body = Buffer.alloc(1024, 120);
const SIZE = 1024 + 300;
const T0 = Date.now();

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], med: s[Math.floor(s.length / 2)] };
}
const fmt = (x) => (x < 0.1 ? x.toFixed(4) : x < 10 ? x.toFixed(3) : x.toFixed(1));
const rows = [];
function report(name, ours, theirs, note = '') {
  const o = stats(ours);
  const t = stats(theirs);
  rows.push([name, `${fmt(o.min)} / ${fmt(o.med)}`, `${fmt(t.min)} / ${fmt(t.med)}`, `${(t.min / o.min).toFixed(1)}x`, note]);
}

// ---- ours ----
function fillOurs(maxSize) {
  const index = new CacheIndex(undefined, maxSize === undefined ? {} : { maxSize });
  const records = [];
  for (let i = 0; i < N; i++) {
    const now = T0 + i;
    const id = index.insert(keys[i], SIZE, now, now, 86400000, 0, 0);
    records[id] = { key: keys[i], status: 200, headers: [], body };
  }
  return { index, records };
}

function undiciValue(now) {
  return {
    statusCode: 200, statusMessage: 'OK', headers: { 'content-type': 'text/javascript' }, vary: { 'accept-language': 'en' },
    cachedAt: now, staleAt: now + 60000, deleteAt: now + 3600000, cacheControlDirectives: {},
  };
}

async function fillUndici(opts, variants = 1, count = N) {
  const store = new cacheStores.MemoryCacheStore({ maxSize: 1e12, maxEntrySize: 1e9, maxCount: 1e9, ...opts });
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    for (let v = 0; v < variants; v++) {
      const value = undiciValue(now);
      value.vary = { 'accept-language': v === 0 ? 'en' : 'fr' };
      store.createWriteStream(undiciKey(urls[i], v === 0 ? 'en' : 'fr'), value).end(body);
    }
    if (i % 1000 === 999) await new Promise(setImmediate);
  }
  await new Promise(setImmediate);
  return store;
}

// lookup
{
  const { index, records } = fillOurs();
  const store = await fillUndici({});
  const oursT = [];
  const theirT = [];
  let sink = 0;
  for (let run = 0; run <= RUNS; run++) {
    let t = performance.now();
    const now = T0 + N + run;
    for (let k = 0; k < N; k++) {
      const i = order[k];
      const key = keys[i];
      const hit = index.lookup(key, now);
      if (hit !== null && records[hit.id].key === key) sink += hit.decision;
    }
    const a = ((performance.now() - t) * 1000) / N;
    t = performance.now();
    for (let k = 0; k < N; k++) {
      const res = store.get(uKeys[order[k]]);
      if (res !== undefined) sink += res.statusCode;
    }
    const b = ((performance.now() - t) * 1000) / N;
    if (run > 0) {
      oursT.push(a);
      theirT.push(b);
    }
  }
  if (sink !== (RUNS + 1) * N * 201) throw new Error(`lookup: not every lookup hit (${sink})`);
  report('lookup (hit)', oursT, theirT);
  index.dispose();
}

// insert (new key)
{
  const { index, records } = fillOurs();
  const store = await fillUndici({});
  const oursT = [];
  const theirT = [];
  for (let run = 0; run <= RUNS; run++) {
    const batch = extra.slice(run * INSERTS, (run + 1) * INSERTS);
    const ks = batch.map(ourKey);
    const uks = batch.map((u) => undiciKey(u));
    const now = T0 + N + run;
    let t = performance.now();
    for (let k = 0; k < INSERTS; k++) {
      const key = ks[k];
      const id = index.insert(key, SIZE, now, now, 86400000, 0, 0);
      records[id] = { key, status: 200, headers: [], body };
      index.evict(now);
    }
    const a = ((performance.now() - t) * 1000) / INSERTS;
    const values = uks.map(() => undiciValue(Date.now()));
    t = performance.now();
    for (let k = 0; k < INSERTS; k++) store.createWriteStream(uks[k], values[k]).end(body);
    await new Promise(setImmediate);
    const b = ((performance.now() - t) * 1000) / INSERTS;
    if (run > 0) {
      oursT.push(a);
      theirT.push(b);
    }
  }
  if (index.count !== N + (RUNS + 1) * INSERTS) throw new Error(`insert: ours has ${index.count}`);
  report('insert (new key)', oursT, theirT, 'undici value objects prebuilt (not timed)');
  index.dispose();
}

// evict
{
  const oursT = [];
  const oursPass = [];
  let oursDoomed = 0;
  const { index, records } = fillOurs();
  const total = index.total;
  // total just above the high watermark (95 % of max): max = total / 0.96
  index.setMaxSize(Math.floor(total / 0.96));
  for (let run = 0; run <= RUNS; run++) {
    const now = T0 + N + 1000 + run;
    const t = performance.now();
    const doomed = index.evict(now);
    for (let k = 0; k < doomed.length; k++) records[doomed[k]] = undefined;
    const ms = performance.now() - t;
    if (doomed.length === 0) throw new Error('evict: nothing evicted');
    if (run > 0) {
      oursT.push((ms * 1000) / doomed.length);
      oursPass.push(ms * 1000);
      oursDoomed = doomed.length;
    }
    // refill (not timed): the same keys come back, used now
    for (let i = 0; i < N; i++) {
      if (index.find(keys[i]) >= 0) continue;
      const id = index.insert(keys[i], SIZE, now, now, 86400000, 0, 0);
      records[id] = { key: keys[i], status: 200, headers: [], body };
    }
  }
  index.dispose();

  const theirT = [];
  const theirPass = [];
  let theirRemoved = 0;
  const probe = makeKeys(N * 10, RUNS + 1).map((u) => undiciKey(u));
  for (let run = 0; run <= RUNS; run++) {
    const store = await fillUndici({ maxCount: N + 1 }, 2, N / 2);
    // an ordinary write first (N + 1 entries: maxCount reached, not exceeded), then the one that evicts
    const k0 = undiciKey(urls[0], 'de');
    let t = performance.now();
    store.createWriteStream(k0, undiciValue(Date.now())).end(body);
    await new Promise(setImmediate);
    const ordinary = performance.now() - t;
    t = performance.now();
    store.createWriteStream(probe[run], undiciValue(Date.now())).end(body);
    await new Promise(setImmediate);
    const ms = performance.now() - t - ordinary;
    // count what is left: every URL's first variant is gone, its second stays
    let left = 0;
    for (let i = 0; i < N / 2; i++) {
      if (store.get(undiciKey(urls[i], 'en'))) left++;
      if (store.get(undiciKey(urls[i], 'fr'))) left++;
    }
    const removed = N + 2 - (left + (store.get(probe[run]) ? 1 : 0) + (store.get(k0) ? 1 : 0));
    if (removed <= 0) throw new Error('undici evicted nothing');
    if (run > 0) {
      theirT.push((ms * 1000) / removed);
      theirPass.push(ms * 1000);
      theirRemoved = removed;
    }
  }
  report('evict (per evicted entry)', oursT, theirT);
  report('evict (per pass)', oursPass, theirPass, `ours dooms ${oursDoomed} of ${N} (to the low watermark), undici drops ${theirRemoved}`);
}

console.log(`cache index vs undici ${'MemoryCacheStore'} at ${N} entries, ${RUNS} runs (µs/op, min / median)`);
const head = ['operation', 'ours', 'undici', 'undici/ours (min)', 'note'];
const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
for (const row of [head, ...rows]) console.log(row.map((x, c) => x.padEnd(widths[c])).join('  ').trimEnd());
