// Scratch benchmark of the cookie index (core/src/cookies/cookie-index.ts over the wasm kernel in
// core/assembly/cookies), on the workloads of reference/cookies.md §6, with tough-cookie's
// CookieJar on the same shapes in the same process when it is installed. Bundles the TS source with
// esbuild on the fly, so it needs only `npm run build:wasm` (not the whole dist build).
// Run: node bench/cookie-index-kernel.mjs [--runs N] [--only insert|match|tough]
// Each figure is µs per operation: the minimum and the median over N runs (the minimum is the
// better estimate on a shared machine; the spread shows the noise).
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const RUNS = Math.max(1, Number(arg('--runs', 7)) || 7);
const ONLY = arg('--only', 'all');
const want = (part) => ONLY === 'all' || ONLY === part;
const MIN_MS = 200;

const bundled = await build({
  entryPoints: [path.join(root, 'core/src/cookies/cookie-index.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
});
const dir = await mkdtemp(path.join(os.tmpdir(), 'cookie-bench-'));
const file = path.join(dir, 'cookie-index.mjs');
await writeFile(file, bundled.outputFiles[0].text);
const { CookieIndex, cookieKernel } = await import(pathToFileURL(file).href);
await rm(dir, { recursive: true });
let tough;
try {
  tough = await import('tough-cookie');
} catch {
  tough = undefined;
}

const T0 = 1.7e15;
const PATHS = ['/', '/a', '/a/b', '/a/b/c'];

/** µs per call of fn, after a warm-up, over whole batches until MIN_MS has elapsed. */
function perOp(fn) {
  for (let i = 0; i < 100; i++) fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 100; i++) fn();
    calls += 100;
    elapsed = performance.now() - start;
  } while (elapsed < MIN_MS);
  return (elapsed * 1000) / calls;
}

const entry = (over) => ({
  registrableDomain: 'example.com', name: 'a', value: 'v', domain: 'example.com', hostOnly: true, path: '/',
  secure: false, httpOnly: false, sameSite: -1, creation: T0, expiry: Infinity, ...over,
});

/** cookie_monster_perftest TestAddCookiesOnSingleHost: 20,000 names on one host, limits off. */
function insertSingleHost(options, n = 20000) {
  const index = new CookieIndex(undefined, { limits: false });
  const entries = [];
  for (let i = 0; i < n; i++) entries.push(entry({ name: `cookie${i}`, value: `value${i}`, creation: T0 + i }));
  const start = performance.now();
  for (let i = 0; i < n; i++) index.insert(entries[i], { now: T0 + i, ...options });
  const us = ((performance.now() - start) * 1000) / n;
  index.dispose();
  return us;
}

/** Overwrites cycling through the 2,000 cookies of one bucket, with the same value or a new one. */
function overwriteBucket(sameValue, n = 2000) {
  const index = new CookieIndex(undefined, { limits: false });
  const entries = [];
  for (let i = 0; i < n; i++) entries.push(entry({ name: `cookie${i}`, value: `value${i}`, creation: T0 + i, secure: i % 10 === 0 }));
  for (let i = 0; i < n; i++) index.insert(entries[i], { now: T0 + i });
  const next = entries.map((e) => ({ ...e, value: `${e.value}!` }));
  let k = 0;
  const us = perOp(() => {
    const e = (sameValue || Math.floor(k / n) % 2 === 0 ? next : entries)[k % n];
    k++;
    index.insert(e, { now: T0 + n + k });
  });
  index.dispose();
  return us;
}

/** 18 sites × 180 cookies: half host cookies on www0..www3, half domain cookies; paths /, /a, /a/b, /a/b/c. */
function jar3240() {
  const index = new CookieIndex();
  let t = T0;
  for (let s = 0; s < 18; s++) {
    const reg = `site${s}.com`;
    for (let i = 0; i < 180; i++) {
      const host = i % 2 === 0;
      index.insert(entry({
        registrableDomain: reg, name: `c${i}`, value: `value${i}`, domain: host ? `www${(i >> 1) % 4}.${reg}` : reg,
        hostOnly: host, path: PATHS[(i >> 3) % 4], creation: ++t,
      }), { now: t });
    }
  }
  return index;
}

const request = (over) => ({ registrableDomain: 'site7.com', host: 'www1.site7.com', path: '/a/b/c', secure: true, context: 'same-site', now: T0 + 1e9, ...over });

/** The kernel call alone, the request bytes written each time as CookieIndex.match does. */
function kernelMatch(index, req) {
  const k = cookieKernel(index.core.exports);
  const h = index.handle;
  const text = req.registrableDomain + req.host + req.path;
  const pk = req.partitionKey ?? 0;
  return perOp(() => {
    index.core.writeScratch(text);
    return k.cookieMatch(h, req.registrableDomain.length, req.host.length, req.path.length, pk, 15, 3, req.now);
  });
}

function toughSingleHost(n = 20000) {
  const jar = new tough.CookieJar();
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(`cookie${i}=value${i}`);
  const start = performance.now();
  for (let i = 0; i < n; i++) jar.setCookieSync(lines[i], 'https://example.com/');
  return ((performance.now() - start) * 1000) / n;
}

function toughJar3240() {
  const jar = new tough.CookieJar();
  for (let s = 0; s < 18; s++) {
    for (let i = 0; i < 180; i++) {
      const p = PATHS[(i >> 3) % 4];
      if (i % 2 === 0) jar.setCookieSync(`c${i}=value${i}; Path=${p}`, `https://www${(i >> 1) % 4}.site${s}.com/`);
      else jar.setCookieSync(`c${i}=value${i}; Domain=site${s}.com; Path=${p}`, `https://site${s}.com/`);
    }
  }
  return jar;
}

const results = new Map();
const add = (k, v) => {
  if (!results.has(k)) results.set(k, []);
  results.get(k).push(v);
};
for (let run = 0; run < RUNS; run++) {
  if (want('insert')) {
    add('insert: 20,000 names on one host, limits off', insertSingleHost({}));
    add('insert: same, insecure setter (allowSecure false)', insertSingleHost({ allowSecure: false }));
    add('insert: overwrite in a 2,000-cookie bucket, same value', overwriteBucket(true));
    add('insert: overwrite in a 2,000-cookie bucket, new value', overwriteBucket(false));
  }
  if (want('match')) {
    const jar = jar3240();
    const r = request({});
    const count = jar.match(r).ids.length;
    add(`match: 3,240 jar, www1.site7.com/a/b/c (${count} ids)`, perOp(() => jar.match(r)));
    add('match: 3,240 jar, kernel call only', kernelMatch(jar, r));
    const all = request({ partitionKey: -1 });
    add('match: 3,240 jar, partitionKey -1', perOp(() => jar.match(all)));
    jar.dispose();
    const big = new CookieIndex(undefined, { limits: false });
    for (let i = 0; i < 20000; i++) big.insert(entry({ name: `cookie${i}`, value: `value${i}`, creation: T0 + i }), { now: T0 + i });
    const rb = request({ registrableDomain: 'example.com', host: 'example.com', path: '/' });
    add('match: 20,000 cookies on one host (20,000 ids)', perOp(() => big.match(rb)));
    add('match: 20,000 on one host, kernel call only', kernelMatch(big, rb));
    big.dispose();
  }
  if (tough && want('tough')) {
    add('tough-cookie setCookieSync: 20,000 names on one host', toughSingleHost());
    const jar = toughJar3240();
    add('tough-cookie getCookiesSync: 3,240 jar, www1.site7.com/a/b/c', perOp(() => jar.getCookiesSync('https://www1.site7.com/a/b/c')));
  }
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
};
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, load ${os.loadavg()[0].toFixed(2)}, ${RUNS} runs; µs/op min / median`);
for (const [k, v] of results) {
  const { min, median } = stats(v);
  console.log(`${k.padEnd(64)} ${min.toFixed(3).padStart(10)} ${median.toFixed(3).padStart(10)}`);
}
