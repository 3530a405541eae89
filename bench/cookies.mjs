// Cookie store throughput, this project beside tough-cookie 6 (CookieJar over its MemoryCookieStore)
// on the same inputs in one run, on the workloads of reference/cookies.md §6: 20,000 cookies on one
// host, 20,000 hosts × 1 cookie, the 3,240-cookie jar (18 sites × 180), overwrites of one cookie,
// and Set-Cookie ingest of attribute-rich lines. Warm-up run first, then RUNS interleaved runs
// (the order of the two libraries alternates per run); every cell is the median over the runs.
// Our ingest calls CookieStore.setFromLine exactly as the ses.fetch cookie stage does (setLine
// below): the bench measures what ses.fetch does, and must keep doing so if the stage changes.
// Run: npm run bench:cookies  (builds first)   or   node bench/cookies.mjs [--runs N]  (after npm run build)
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CookieJar } from 'tough-cookie';
import {
  CookieStore,
  cookiePartitionKeyFromUrl,
  requestSameSiteContext,
  session,
  toElectronCookie,
} from '../dist/node.js';
import { ingestInputs } from './cookie-ingest-inputs.mjs';

const args = process.argv.slice(2);
const RUNS = args.includes('--runs') ? Math.max(1, Number(args[args.indexOf('--runs') + 1]) || 7) : 7;
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 150);

// ---------------------------------------------------------------------------------------------
// Timing. Every timed pass starts right after a full garbage collection, so that neither side pays
// for collecting what the other (or an earlier row) left behind.

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc');

/** µs per call of a sync fn: a short warm-up, then batches until MIN_MS has elapsed. */
function perOp(fn, batch = 100) {
  for (let i = 0; i < Math.min(batch, 20); i++) fn(i);
  collect();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < batch; i++) fn(calls + i);
    calls += batch;
    elapsed = performance.now() - start;
  } while (elapsed < MIN_MS);
  return (elapsed * 1000) / calls;
}

/** The same for an async fn, awaited one call at a time (as a caller of `cookies.get` would). */
async function perOpAsync(fn, batch = 100) {
  for (let i = 0; i < Math.min(batch, 20); i++) await fn(i);
  collect();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < batch; i++) await fn(calls + i);
    calls += batch;
    elapsed = performance.now() - start;
  } while (elapsed < MIN_MS);
  return (elapsed * 1000) / calls;
}

/** µs per item of one pass of fn over `n` items (ingest into a fresh jar). */
function perItem(n, fn) {
  collect();
  const start = performance.now();
  fn();
  return ((performance.now() - start) * 1000) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------------------------------------------------------------------------------------------
// The two sides. Ours goes the way ses.fetch's cookie stage goes: CookieStore.setFromLine on the
// response URL (already parsed), the stage's own call (createCanonicalCookie + setCanonicalCookie,
// in one wasm call for the usual line); reads are CookieStore.getCookieList /
// getCookieLine, or Electron's `ses.cookies.get({ url })`.

let partitionCounter = 0;
/** A fresh in-memory session and its jar (limits on: Chromium's 180 per eTLD+1, 3300 global). */
async function freshSession() {
  const ses = session.fromPartition(`bench-cookies-${process.pid}-${partitionCounter++}`);
  runSessions.push(ses);
  return { ses, jar: await ses.cookies.jar() };
}
/**
 * The sessions of the current run: emptied at its end (a session lives as long as the program, as
 * in Electron; tough-cookie's jars of the run are garbage by then, so ours go too).
 */
const runSessions = [];

/** Ingest one Set-Cookie line as the fetch stage does (same-site response, no Date header). */
function setLine(jar, url, line, now) {
  // Exactly the stage's call (core/src/session/cookies.ts): CookieStore.setFromLine.
  const reasons = jar.setFromLine(url, line, now, { serverTime: null, partitionKey: null, sameSiteContext: 'same-site' });
  if (reasons.length > 0) throw new Error(`ours refused ${line} for ${url}`);
}

/** `ses.cookies.get({ url })` over a bare CookieStore (same options, same conversion). */
function getLikeElectron(jar, url) {
  let parsed;
  try { parsed = new URL(url); } catch { return []; }
  return jar.getCookieList(parsed, { context: 'same-site', includeHttpOnly: true, partitions: 'all', updateAccessTime: false, now: Date.now() }).map(toElectronCookie);
}

/** The fetch stage's per-request cookie work for a parsed URL: partition key, context, Cookie line. */
function stageCookieLine(jar, url) {
  const partitionKey = cookiePartitionKeyFromUrl(url);
  return jar.getCookieLine(url, { context: requestSameSiteContext(url, 'GET', {}), partitions: partitionKey, now: Date.now() });
}

const newTough = () => new CookieJar();
const toughSet = (jar, url, line) => {
  if (jar.setCookieSync(line, url) === undefined) throw new Error(`tough-cookie refused ${line} for ${url}`);
};

// ---------------------------------------------------------------------------------------------
// Inputs

const SINGLE_HOST_N = 20000;
const SINGLE_HOST_URL = 'https://www.example.com/';
const SINGLE_HOST_LINES = Array.from({ length: SINGLE_HOST_N }, (_, i) => `cookie${i}=value${i}`);

const MANY_HOSTS_N = 20000;
const MANY_HOSTS = Array.from({ length: MANY_HOSTS_N }, (_, i) => ({ url: new URL(`https://www.host${i}.com/`), line: `c=v${i}` }));
const MANY_HOSTS_READS = (() => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return Array.from({ length: 1024 }, () => `https://www.host${Math.floor(rand() * MANY_HOSTS_N)}.com/`);
})();

/** 18 sites × 180: even i host cookies on www0..www3, odd i domain cookies; paths /, /a, /a/b, /a/b/c. */
const JAR_PATHS = ['/', '/a', '/a/b', '/a/b/c'];
const JAR_INPUTS = [];
for (let s = 0; s < 18; s++) {
  for (let i = 0; i < 180; i++) {
    const host = i % 2 === 0;
    const path = JAR_PATHS[(i >> 3) % 4];
    JAR_INPUTS.push({
      url: new URL(`https://www${(i >> 1) % 4}.site${s}.com/`),
      line: host ? `c${i}=value${i}; Path=${path}` : `c${i}=value${i}; Domain=site${s}.com; Path=${path}`,
    });
  }
}
const JAR_READ = 'https://www1.site7.com/a/b/c';
const JAR_READ_URL = new URL(JAR_READ);
// Eight request URLs on two sites and four paths, taken in turn (no two consecutive alike).
const JAR_VARIED_URLS = ['/a/b/c', '/a/b', '/a', '/'].flatMap((p) => [new URL(`https://www1.site7.com${p}`), new URL(`https://www2.site3.com${p}`)]);

const OVERWRITE_URL = new URL('https://www.example.com/');

// The Set-Cookie ingest inputs (bench/cookie-ingest-inputs.mjs, shared with bench/cookies-apart.mjs).
const { INGEST, INGEST_SITES, INGEST_LINES } = ingestInputs();

// ---------------------------------------------------------------------------------------------
// Result checks: name/value lists compared between the two on the same read.

/** Cookies in a tough-cookie MemoryCookieStore (its idx: domain → path → name → Cookie). */
const toughCount = (jar) => Object.values(jar.store.idx).reduce((n, paths) => n + Object.values(paths).reduce((m, names) => m + Object.keys(names).length, 0), 0);
const headerCheck = (row, ours, theirs) => check(row, [ours], [theirs], { label: ` header (${ours === '' ? 0 : ours.split('; ').length} cookies, same order)` });
const nv = (list) => list.map((c) => `${c.name ?? c.key}=${c.value}`);
const checks = new Map();
function check(row, ours, theirs, { ordered = true, label } = {}) {
  const a = ordered ? ours : [...ours].sort();
  const b = ordered ? theirs : [...theirs].sort();
  const same = a.length === b.length && a.every((x, i) => x === b[i]);
  const note = same ? `identical${label ?? ` (${a.length} cookies${ordered ? ', same order' : ', as sets'})`}` : `DIFFER: ours ${a.length} [${a.slice(0, 3)}...], tough-cookie ${b.length} [${b.slice(0, 3)}...]`;
  const prev = checks.get(row);
  if (prev === undefined || prev.startsWith('identical')) checks.set(row, note);
}

// ---------------------------------------------------------------------------------------------
// One run: every workload, both libraries, fresh jars.

const results = new Map();
const record = (row, side, us) => {
  if (!results.has(row)) results.set(row, { ours: [], tough: [] });
  results.get(row)[side].push(us);
};

async function oneRun(keep, toughFirst) {
  const rec = keep ? record : () => {};
  // The two sides of one row, in this run's order.
  const pair = async (row, oursFn, toughFn) => {
    if (toughFirst) { rec(row, 'tough', await toughFn()); rec(row, 'ours', await oursFn()); }
    else { rec(row, 'ours', await oursFn()); rec(row, 'tough', await toughFn()); }
  };

  // 1. 20,000 cookies on one host. Our store with limits off (Chromium would keep 180).
  {
    let ours, tough;
    const url = new URL(SINGLE_HOST_URL);
    await pair('20,000 on one host: ingest (per cookie)',
      () => { ours = new CookieStore({ limits: false }); return perItem(SINGLE_HOST_N, () => { const now = Date.now(); for (const line of SINGLE_HOST_LINES) setLine(ours, url, line, now); }); },
      () => { tough = newTough(); return perItem(SINGLE_HOST_N, () => { for (const line of SINGLE_HOST_LINES) toughSet(tough, url, line); }); });
    await pair('20,000 on one host: read all, Cookie objects (per read)',
      () => perOp(() => getLikeElectron(ours, SINGLE_HOST_URL), 1),
      () => perOp(() => tough.getCookiesSync(SINGLE_HOST_URL), 1));
    await pair('20,000 on one host: Cookie header (per read)',
      () => perOp(() => stageCookieLine(ours, url), 1),
      () => perOp(() => tough.getCookieStringSync(url), 1));
    check('20,000 on one host: read all, Cookie objects (per read)', nv(getLikeElectron(ours, SINGLE_HOST_URL)), nv(tough.getCookiesSync(SINGLE_HOST_URL, { sort: true })));
    headerCheck('20,000 on one host: Cookie header (per read)', stageCookieLine(ours, url), tough.getCookieStringSync(url));
    check('20,000 on one host: ingest (per cookie)', [String(ours.size)], [String(toughCount(tough))], { label: ` count (${ours.size} stored)` });
    ours.dispose();
  }

  // 2. 20,000 hosts × 1 cookie, in a session's jar (limits on; one cookie per eTLD+1).
  {
    let ses, jar, tough;
    const s = await freshSession();
    ses = s.ses; jar = s.jar;
    await pair('20,000 hosts × 1: ingest (per cookie)',
      () => perItem(MANY_HOSTS_N, () => { const now = Date.now(); for (const { url, line } of MANY_HOSTS) setLine(jar, url, line, now); }),
      () => { tough = newTough(); return perItem(MANY_HOSTS_N, () => { for (const { url, line } of MANY_HOSTS) toughSet(tough, url, line); }); });
    await pair('20,000 hosts × 1: ses.cookies.get({url}) vs getCookiesSync, one host',
      () => perOpAsync((i) => ses.cookies.get({ url: MANY_HOSTS_READS[i & 1023] })),
      () => perOp((i) => tough.getCookiesSync(MANY_HOSTS_READS[i & 1023])));
    const readUrls = MANY_HOSTS_READS.map((u) => new URL(u));
    await pair('20,000 hosts × 1: Cookie header, one host',
      () => perOp((i) => stageCookieLine(jar, readUrls[i & 1023])),
      () => perOp((i) => tough.getCookieStringSync(readUrls[i & 1023])));
    for (const u of MANY_HOSTS_READS.slice(0, 32)) {
      check('20,000 hosts × 1: ses.cookies.get({url}) vs getCookiesSync, one host', nv(await ses.cookies.get({ url: u })), nv(tough.getCookiesSync(u, { sort: true })));
      headerCheck('20,000 hosts × 1: Cookie header, one host', stageCookieLine(jar, new URL(u)), tough.getCookieStringSync(u));
    }
    check('20,000 hosts × 1: ingest (per cookie)', [String(jar.size)], [String(toughCount(tough))], { label: ` count (${jar.size} stored)` });
  }

  // 3. The 3,240-cookie jar (18 sites × 180, at Chromium's per-site limit, under the global 3,300).
  {
    let ses, jar, tough;
    await pair('3,240 jar: ingest (per cookie)',
      async () => { const s = await freshSession(); ses = s.ses; jar = s.jar; return perItem(JAR_INPUTS.length, () => { const now = Date.now(); for (const { url, line } of JAR_INPUTS) setLine(jar, url, line, now); }); },
      () => { tough = newTough(); return perItem(JAR_INPUTS.length, () => { for (const { url, line } of JAR_INPUTS) toughSet(tough, url, line); }); });
    if (jar.size !== 3240) throw new Error(`our jar holds ${jar.size} cookies, not 3,240`);
    await pair('3,240 jar (a): ses.cookies.get({url}) vs getCookiesSync(url)',
      () => perOpAsync(() => ses.cookies.get({ url: JAR_READ })),
      () => perOp(() => tough.getCookiesSync(JAR_READ)));
    await pair('3,240 jar (a): ses.cookies.get({url}) vs getCookiesSync(url, {sort:true})',
      () => perOpAsync(() => ses.cookies.get({ url: JAR_READ })),
      () => perOp(() => tough.getCookiesSync(JAR_READ, { sort: true })));
    await pair('3,240 jar (a): ses.cookies.get({url}) vs getCookies(url) (both async)',
      () => perOpAsync(() => ses.cookies.get({ url: JAR_READ })),
      () => perOpAsync(() => tough.getCookies(JAR_READ)));
    // A repeated read of an unchanged jar reuses the last match; these reads change URL every time.
    const variedHrefs = JAR_VARIED_URLS.map((u) => u.href);
    await pair('3,240 jar (a, URL changes each call): ses.cookies.get({url}) vs getCookiesSync(url)',
      () => perOpAsync((i) => ses.cookies.get({ url: variedHrefs[i & 7] })),
      () => perOp((i) => tough.getCookiesSync(variedHrefs[i & 7])));
    await pair('3,240 jar (a\'): CookieStore.getCookieList alone vs getCookiesSync(url)',
      () => perOp(() => jar.getCookieList(JAR_READ_URL, { context: 'same-site', includeHttpOnly: true, partitions: 'all', updateAccessTime: false })),
      () => perOp(() => tough.getCookiesSync(JAR_READ)));
    await pair('3,240 jar (b): Cookie header, fetch stage vs getCookieStringSync',
      () => perOp(() => stageCookieLine(jar, JAR_READ_URL)),
      () => perOp(() => tough.getCookieStringSync(JAR_READ_URL)));
    // The same URL again hits the store's last-line cache; these requests change URL every time.
    await pair('3,240 jar (b, URL changes each request): Cookie header, fetch stage vs getCookieStringSync',
      () => perOp((i) => stageCookieLine(jar, JAR_VARIED_URLS[i & 7])),
      () => perOp((i) => tough.getCookieStringSync(JAR_VARIED_URLS[i & 7])));
    await pair('3,240 jar (b\'): jar.getCookieLine alone vs getCookieStringSync',
      () => perOp(() => jar.getCookieLine(JAR_READ_URL, { context: 'same-site', partitions: 'none' })),
      () => perOp(() => tough.getCookieStringSync(JAR_READ_URL)));
    const ourList = nv(await ses.cookies.get({ url: JAR_READ }));
    check('3,240 jar (a): ses.cookies.get({url}) vs getCookiesSync(url)', ourList, nv(tough.getCookiesSync(JAR_READ)), { ordered: false });
    check('3,240 jar (a): ses.cookies.get({url}) vs getCookiesSync(url, {sort:true})', ourList, nv(tough.getCookiesSync(JAR_READ, { sort: true })));
    check('3,240 jar (a): ses.cookies.get({url}) vs getCookies(url) (both async)', ourList, nv(await tough.getCookies(JAR_READ)), { ordered: false });
    for (const href of variedHrefs) check('3,240 jar (a, URL changes each call): ses.cookies.get({url}) vs getCookiesSync(url)', nv(await ses.cookies.get({ url: href })), nv(tough.getCookiesSync(href)), { ordered: false });
    check('3,240 jar (a\'): CookieStore.getCookieList alone vs getCookiesSync(url)', ourList, nv(tough.getCookiesSync(JAR_READ)), { ordered: false });
    headerCheck('3,240 jar (b): Cookie header, fetch stage vs getCookieStringSync', stageCookieLine(jar, JAR_READ_URL), tough.getCookieStringSync(JAR_READ_URL));
    for (const u of JAR_VARIED_URLS) headerCheck('3,240 jar (b, URL changes each request): Cookie header, fetch stage vs getCookieStringSync', stageCookieLine(jar, u), tough.getCookieStringSync(u));
    headerCheck('3,240 jar (b\'): jar.getCookieLine alone vs getCookieStringSync', jar.getCookieLine(JAR_READ_URL), tough.getCookieStringSync(JAR_READ_URL));
    check('3,240 jar: ingest (per cookie)', [String(jar.size)], [String(toughCount(tough))], { label: ` count (${jar.size} stored, no eviction)` });
  }

  // 4. Overwrites of the same cookie (a new value each time), in a session's jar.
  {
    const { jar } = await freshSession();
    const tough = newTough();
    await pair('overwrite the same cookie (per set)',
      () => perOp((i) => setLine(jar, OVERWRITE_URL, `a=${i}`, Date.now())),
      () => perOp((i) => toughSet(tough, OVERWRITE_URL, `a=${i}`)));
    check('overwrite the same cookie (per set)', [String(jar.size), jar.getCookieLine(OVERWRITE_URL).split('=')[0]], [String(toughCount(tough)), tough.getCookieStringSync(OVERWRITE_URL).split('=')[0]], { label: ': one cookie "a" left in each' });
  }

  // 5. Set-Cookie ingest: 2,000 responses × 8 attribute-rich lines, into a fresh session's jar.
  {
    let ses, jar, tough;
    await pair('Set-Cookie ingest, attribute-rich lines (per line)',
      async () => { const s = await freshSession(); ses = s.ses; jar = s.jar; return perItem(INGEST_LINES, () => { for (const { url, lines } of INGEST) { const now = Date.now(); for (const line of lines) setLine(jar, url, line, now); } }); },
      () => { tough = newTough(); return perItem(INGEST_LINES, () => { for (const { url, lines } of INGEST) for (const line of lines) toughSet(tough, url, line); }); });
    // Compare what was stored, attribute by attribute, on a sample of sites.
    const row = 'Set-Cookie ingest, attribute-rich lines (per line)';
    const describe = (c) => `${c.name}=${c.value} domain=${c.domain.replace(/^\./, '')} path=${c.path} secure=${c.secure} httpOnly=${c.httpOnly} sameSite=${c.sameSite}`;
    const sameSiteOfTough = { none: 'no_restriction', lax: 'lax', strict: 'strict' };
    const ours = [];
    const theirs = [];
    let expiryDiff = 0;
    for (let s = 0; s < INGEST_SITES; s += 97) {
      const url = `https://www.shop${s}.com/account/orders`;
      const a = await ses.cookies.get({ url });
      const b = tough.getCookiesSync(url, { sort: true });
      for (const c of a) ours.push(describe(c));
      for (const c of b) theirs.push(describe({ name: c.key, value: c.value, domain: c.domain, path: c.path, secure: c.secure, httpOnly: c.httpOnly, sameSite: sameSiteOfTough[c.sameSite] ?? 'unspecified' }));
      const expiries = new Map(b.map((c) => { const t = c.expiryTime(); return [c.key, Number.isFinite(t) ? t : undefined]; }));
      for (const c of a) {
        const e = expiries.get(c.name);
        const ourE = c.expirationDate === undefined ? undefined : c.expirationDate * 1000;
        if ((e === undefined) !== (ourE === undefined) || (e !== undefined && Math.abs(e - ourE) > 60000)) expiryDiff++;
      }
    }
    check(row, ours, theirs, { label: ` (${ours.length} cookies of ${theirs.length > 0 ? Math.ceil(INGEST_SITES / 97) : 0} sites: name, value, domain, path, Secure, HttpOnly, SameSite)` });
    if (expiryDiff > 0) checks.set(row, `${checks.get(row)}; ${expiryDiff} expiries DIFFER`);
    else checks.set(row, `${checks.get(row)}; expiries agree (±60 s)`);
  }
}

// ---------------------------------------------------------------------------------------------

const TARGETS = new Map([
  ['3,240 jar (a): ses.cookies.get({url}) vs getCookiesSync(url)', 10],
  ['3,240 jar (a): ses.cookies.get({url}) vs getCookiesSync(url, {sort:true})', 10],
  ['3,240 jar (a, URL changes each call): ses.cookies.get({url}) vs getCookiesSync(url)', 10],
  ['3,240 jar (b): Cookie header, fetch stage vs getCookieStringSync', 10],
  ['3,240 jar (b, URL changes each request): Cookie header, fetch stage vs getCookieStringSync', 10],
  ['Set-Cookie ingest, attribute-rich lines (per line)', 3],
]);

const NOTES = [
  'Ours: ingest = CookieStore.setFromLine(url, line), the ses.fetch cookie stage\'s own call (= createCanonicalCookie + setCanonicalCookie; URL already parsed);',
  '  reads = ses.cookies.get({ url }) (async, Electron Cookie objects) or the fetch stage\'s Cookie line (partition key + same-site context +',
  '  jar.getCookieLine). tough-cookie: CookieJar (MemoryCookieStore), setCookieSync(line, url), getCookiesSync / getCookieStringSync.',
  '20,000 on one host: our store runs with limits off (new CookieStore({ limits: false })); with Chromium\'s limits it would keep 180 (per eTLD+1).',
  '  Its "Cookie objects" read is getCookieList + toElectronCookie, i.e. ses.cookies.get({url}) on that store; there is no session jar without limits.',
  'The other workloads use a session\'s jar with Chromium\'s limits on (180 per eTLD+1, 3,300 global soft cap); none of them reaches a limit,',
  '  so the stored sets are the same. All reads are same-site (Lax-by-default changes nothing there); tough-cookie returns its unsorted',
  '  order unless sort:true, so "(a) vs getCookiesSync(url)" compares as sets. Domain cookies: ours ".site7.com", tough-cookie "site7.com"',
  '  (compared without the dot). Expiries here are below Chromium\'s 400-day cap, which tough-cookie does not apply.',
  'ses.cookies.get returns new Electron Cookie objects on every call (as Electron does); tough-cookie\'s getCookies returns its stored',
  '  Cookie objects themselves (and stamps lastAccessed on them). (a\') and (b\') are our store calls alone, without the API or stage wrapper.',
  'Each timed pass starts after a full garbage collection; at the end of a run its sessions\' jars are emptied (its tough-cookie jars are garbage).',
];

const distMtime = statSync(fileURLToPath(new URL('../dist/node.js', import.meta.url))).mtime.toISOString();
const t0 = performance.now();
/** A run, then its sessions' jars emptied. */
async function runAndRelease(keep, toughFirst) {
  await oneRun(keep, toughFirst);
  for (const ses of runSessions.splice(0)) await ses.clearStorageData({ storages: ['cookies'] });
}
await runAndRelease(false, false); // warm-up, discarded
for (let run = 0; run < RUNS; run++) await runAndRelease(true, run % 2 === 1);
const seconds = ((performance.now() - t0) / 1000).toFixed(0);

const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : us >= 10 ? `${us.toFixed(1)} µs` : `${us.toFixed(2)} µs`);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, Node ${process.version}, tough-cookie 6 (${(await import('tough-cookie')).version ?? '?'}); dist/node.js built ${distMtime}`);
console.log(`warm-up run + ${RUNS} interleaved runs, median per cell, ≥${MIN_MS} ms per read measurement; ${seconds} s in all`);
console.log('| workload | ours | tough-cookie | tough-cookie / ours (min–max over runs) | target | results |');
console.log('| --- | ---: | ---: | ---: | :---: | --- |');
for (const [row, r] of results) {
  const ours = median(r.ours);
  const tough = median(r.tough);
  // The ratio of each run's pair (measured back to back), median over the runs.
  const ratios = r.ours.map((o, i) => r.tough[i] / o);
  const ratio = median(ratios);
  const target = TARGETS.get(row);
  const targetCell = target === undefined ? '' : `≥ ${target}x ${ratio >= target ? 'met' : 'MISSED'}`;
  console.log(`| ${row} | ${fmt(ours)} | ${fmt(tough)} | ${ratio.toFixed(1)}x (${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}) | ${targetCell} | ${checks.get(row) ?? ''} |`);
}
for (const line of NOTES) console.log(line);
process.exit(0);
