// The session's HTTP cache in `ses.fetch`, beside undici 7's cache interceptor under undici's
// `fetch` (MemoryCacheStore, type 'private'), on the same loopback origin (node:http on 127.0.0.1)
// in one run, with 1 KiB and 64 KiB bodies. Requests go one at a time; every request reads the
// whole body and checks its status and length. Workloads:
// - hit: `Cache-Control: max-age=3600`, the URL stored before timing; no request may reach the origin.
// - miss: the same response on a new URL each time, stored by both (the write is in the figure); the
//   caches are emptied between runs (untimed), so no eviction runs on either side.
// - revalidation: `Cache-Control: no-cache` + `ETag`; every request must reach the origin with
//   If-None-Match and get 304 (which carries the ETag only, see the origin), and the stored body is
//   served.
// - no cache: the hit URL again, through ses.fetch on a `{ cache: false }` partition and through
//   undici fetch on a plain Agent (every request reaches the origin).
// The origin counts what it receives, and every run is checked against it; the bench fails on any
// mismatch. A warm-up run, then RUNS interleaved runs (the order of the two clients alternates per
// run); every cell is the median over the runs.
// Run: npm run bench:cache  (builds first)   or   node bench/cache.mjs [--runs N]  (after npm run build)
import http from 'node:http';
import os from 'node:os';
import { Agent, cacheStores, fetch as undiciFetch, interceptors } from 'undici';
import { session } from '../dist/node.js';

const args = process.argv.slice(2);
const RUNS = args.includes('--runs') ? Math.max(1, Number(args[args.indexOf('--runs') + 1]) || 7) : 7;
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SIZES = [1024, 64 * 1024];
const OPS = { hit: Math.round(2000 * SCALE), miss: Math.round(300 * SCALE), revalidation: Math.round(800 * SCALE), 'no cache': Math.round(800 * SCALE) };

// ---------------------------------------------------------------------------------------------
// Origin: /<client>/<kind>/<size>/<n>. Counts requests, If-None-Match headers and 304s per client/kind.

const bodies = new Map(SIZES.map((s) => [s, Buffer.alloc(s, 'x')]));
const counts = new Map();
const count = (key) => {
  let c = counts.get(key);
  if (c === undefined) counts.set(key, (c = { requests: 0, inm: 0, notModified: 0 }));
  return c;
};
const origin = http.createServer((req, res) => {
  const [, client, kind, size] = req.url.split('/');
  const body = bodies.get(Number(size));
  const c = count(`${client}/${kind}/${size}`);
  c.requests++;
  if (body === undefined) {
    res.writeHead(404).end();
    return;
  }
  if (kind === 'reval') {
    const etag = `"v1-${size}"`;
    const inm = req.headers['if-none-match'];
    if (inm !== undefined) c.inm++;
    if (inm === etag) {
      c.notModified++;
      // ETag only: undici 7.30.2 deletes its stored entry when a 304 carries Cache-Control (its
      // canCacheResponse refuses a 304, and then a 304 with that header dooms the entry), so the
      // next request would be an unconditional 200 and only every other one a revalidation.
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-cache', etag });
    res.end(body);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, 'cache-control': 'max-age=3600' });
  res.end(body);
});
await new Promise((r) => origin.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${origin.address().port}`;

// ---------------------------------------------------------------------------------------------
// Clients

// The hit and revalidation entries live in one cache per client; misses get another (a session and
// a MemoryCacheStore of their own), emptied before every miss run, so that emptying it keeps the rest.
const ses = session.fromPartition(`bench-cache-${process.pid}`);
const sesMiss = session.fromPartition(`bench-cache-miss-${process.pid}`);
const sesPlain = session.fromPartition(`bench-cache-nocache-${process.pid}`, { cache: false });

const cacheAgent = new Agent({ keepAliveTimeout: 10_000 });
const plainAgent = new Agent({ keepAliveTimeout: 10_000 });
const newUndiciCache = () =>
  cacheAgent.compose(interceptors.cache({ store: new cacheStores.MemoryCacheStore(), type: 'private', methods: ['GET', 'HEAD'] }));
const undiciCached = newUndiciCache();
let undiciMiss = newUndiciCache();

async function get(fetchFn, url, size) {
  const res = await fetchFn(url);
  const buf = await res.arrayBuffer();
  if (res.status !== 200 || buf.byteLength !== size) throw new Error(`${url}: status ${res.status}, ${buf.byteLength} bytes (expected 200, ${size})`);
}

const clients = {
  ours: {
    name: 'ses.fetch',
    cached: (url) => ses.fetch(url),
    miss: (url) => sesMiss.fetch(url),
    plain: (url) => sesPlain.fetch(url),
    clearMiss: () => sesMiss.clearCache(),
  },
  undici: {
    name: 'undici fetch',
    cached: (url) => undiciFetch(url, { dispatcher: undiciCached }),
    miss: (url) => undiciFetch(url, { dispatcher: undiciMiss }),
    plain: (url) => undiciFetch(url, { dispatcher: plainAgent }),
    clearMiss: async () => { undiciMiss = newUndiciCache(); },
  },
};

// ---------------------------------------------------------------------------------------------
// Workloads. Each returns ns per request and checks the origin's counts afterwards.

let missSerial = 0;
const snapshot = (key) => ({ ...count(key) });
function expectDelta(label, key, before, want) {
  const now = count(key);
  for (const [field, n] of Object.entries(want)) {
    if (now[field] - before[field] !== n) {
      throw new Error(`${label}: origin saw ${now[field] - before[field]} ${field}, expected ${n}`);
    }
  }
}
const settle = () => new Promise((r) => setTimeout(r, 5));

async function timed(n, fn) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  return Number(process.hrtime.bigint() - start) / n;
}

const workloads = {
  async hit(side, size) {
    const c = clients[side];
    const key = `${side}/fresh/${size}`;
    const url = `${base}/${key}/0`;
    const before = snapshot(key);
    const ns = await timed(OPS.hit, () => get(c.cached, url, size));
    expectDelta(`${c.name} hit ${size}`, key, before, { requests: 0 });
    return ns;
  },
  async miss(side, size) {
    const c = clients[side];
    await c.clearMiss();
    await settle();
    const key = `${side}/miss/${size}`;
    const first = missSerial;
    const before = snapshot(key);
    const ns = await timed(OPS.miss, () => get(c.miss, `${base}/${key}/${missSerial++}`, size));
    expectDelta(`${c.name} miss ${size}`, key, before, { requests: OPS.miss });
    // Stored: the first and the last URL of the run are hits now (untimed).
    await settle();
    const after = snapshot(key);
    await get(c.miss, `${base}/${key}/${first}`, size);
    await get(c.miss, `${base}/${key}/${missSerial - 1}`, size);
    expectDelta(`${c.name} miss ${size} (stored?)`, key, after, { requests: 0 });
    return ns;
  },
  async revalidation(side, size) {
    const c = clients[side];
    const key = `${side}/reval/${size}`;
    const url = `${base}/${key}/0`;
    const before = snapshot(key);
    const ns = await timed(OPS.revalidation, () => get(c.cached, url, size));
    expectDelta(`${c.name} revalidation ${size}`, key, before, { requests: OPS.revalidation, inm: OPS.revalidation, notModified: OPS.revalidation });
    return ns;
  },
  async 'no cache'(side, size) {
    const c = clients[side];
    const key = `${side}/fresh/${size}`;
    const url = `${base}/${key}/0`;
    const before = snapshot(key);
    const ns = await timed(OPS['no cache'], () => get(c.plain, url, size));
    expectDelta(`${c.name} no cache ${size}`, key, before, { requests: OPS['no cache'] });
    return ns;
  },
};

// Prime the hit and revalidation entries (untimed): the first request reaches the origin, once.
for (const side of Object.keys(clients)) {
  for (const size of SIZES) {
    const c = clients[side];
    for (const kind of ['fresh', 'reval']) {
      const key = `${side}/${kind}/${size}`;
      const before = snapshot(key);
      await get(c.cached, `${base}/${key}/0`, size);
      await settle();
      expectDelta(`${c.name} prime ${kind} ${size}`, key, before, { requests: 1, inm: 0 });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Runs: a warm-up, then RUNS interleaved runs.

const results = {};
for (const size of SIZES) for (const kind of Object.keys(workloads)) results[`${kind}/${size}`] = { ours: [], undici: [] };
for (let run = -1; run < RUNS; run++) {
  const order = run % 2 === 0 ? ['ours', 'undici'] : ['undici', 'ours'];
  for (const size of SIZES) {
    for (const [kind, fn] of Object.entries(workloads)) {
      for (const side of order) {
        const ns = await fn(side, size);
        if (run >= 0) results[`${kind}/${size}`][side].push(ns);
      }
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ns) => `${(ns / 1000).toFixed(1)} µs`;
const kib = (s) => `${s / 1024} KiB`;

console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, Node ${process.version}, undici ${(await import('undici/package.json', { with: { type: 'json' } })).default.version}; ` +
    `one request at a time, per run ${Object.entries(OPS).map(([k, n]) => `${n} ${k}`).join(', ')}; median of ${RUNS} interleaved runs`,
);
console.log('| body | workload | ses.fetch | undici fetch | undici / ours (min–max over runs) |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const size of SIZES) {
  for (const kind of Object.keys(workloads)) {
    const r = results[`${kind}/${size}`];
    const ratios = r.ours.map((o, i) => r.undici[i] / o);
    const label = kind === 'no cache' ? 'no cache (cache: false / plain Agent)' : kind;
    console.log(
      `| ${kib(size)} | ${label} | ${fmt(median(r.ours))} | ${fmt(median(r.undici))} | ${(median(r.undici) / median(r.ours)).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) |`,
    );
  }
}
const misses = [];
for (const size of SIZES) {
  const r = results[`hit/${size}`];
  if (median(r.ours) > median(r.undici)) misses.push(`${kib(size)}: ${fmt(median(r.ours))} vs ${fmt(median(r.undici))}`);
}
console.log(misses.length === 0 ? 'target (a hit through ses.fetch no slower than through undici cache + fetch): met' : `target (a hit through ses.fetch no slower than through undici cache + fetch): MISSED at ${misses.join('; ')}`);

await Promise.all([cacheAgent.close(), plainAgent.close()]);
origin.close();
process.exit(0);
