// CookieStore.setFromLine (the ses.fetch cookie stage's call: the usual Set-Cookie line parsed,
// created and inserted in one wasm call, core/assembly/cookies/line.ts) against the general path
// it stands for: createCanonicalCookie(url, line, now, { serverTime, partitionKey,
// sameSiteContext, checkSetPermitted: false }) then, if created, setCanonicalCookie(cookie, url,
// { sameSiteContext, now }). The same generated URL/line sequences go through both into two fresh
// stores; every returned reason list, every change event, every persistence write and, at the end,
// every stored cookie (all fields) must be the same. Then the IETF http-state cases through setFromLine.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { cookiePartitionKeyFromUrl, createCanonicalCookie, type CookiePartitionKey, type CookieSetContext } from '../../core/src/cookies/canonical-cookie.ts';
import { CookieStore, type CookieChange } from '../../core/src/cookies/cookie-store.ts';
import { CookieIndex, cookieKernel } from '../../core/src/cookies/cookie-index.ts';
import { Core } from '../../core/src/wasm/core.ts';
import { seededRandom as rng } from '../harness/random.ts';
import { countFastLines } from './fast-path-counter.ts';

interface Op {
  url: URL;
  line: string;
  now: number;
  serverTime: number | null;
  partitionKey: CookiePartitionKey | null;
  context: CookieSetContext;
}

interface Side {
  store: CookieStore;
  events: unknown[];
  puts: unknown[];
  results: unknown[];
}

function side(clock: { now: number }): Side {
  const events: unknown[] = [];
  const puts: unknown[] = [];
  const store = new CookieStore({
    now: () => clock.now,
    onChange: (c: CookieChange) => events.push({ cause: c.cause, removed: c.removed, cookie: { ...c.cookie } }),
    sink: { put: (key, cookie) => puts.push([key, cookie === null ? null : { ...cookie }]) },
  });
  return { store, events, puts, results: [] };
}

/** The general path, as the stage did before setFromLine. */
function general(store: CookieStore, op: Op): readonly string[] {
  const created = createCanonicalCookie(op.url, op.line, op.now, {
    serverTime: op.serverTime,
    partitionKey: op.partitionKey,
    sameSiteContext: op.context,
    checkSetPermitted: false,
  });
  if (!created.ok) return created.reasons;
  return store.setCanonicalCookie(created.cookie, op.url, { sameSiteContext: op.context, now: op.now });
}

/**
 * A third store for setFromLine with no persistence and, until `listen` is set, nobody listening:
 * there the lines the kernel takes are kept unbuilt until read (CookieStore #cookieAt).
 */
function keptSide(clock: { now: number }): Side & { listen: { on: boolean } } {
  const events: unknown[] = [];
  const listen = { on: false };
  const store = new CookieStore({
    now: () => clock.now,
    onChange: (c: CookieChange) => events.push({ cause: c.cause, removed: c.removed, cookie: { ...c.cookie } }),
    wantsChanges: () => listen.on,
  });
  return { store, events, puts: [], results: [], listen };
}

/**
 * Runs `ops` through both paths (and setFromLine into a store with nobody to tell, which keeps
 * its lines unbuilt, with a listener from the middle on); every `readEvery` ops all three are
 * read for the op's URL. Returns how many lines the kernel took (the rest fell back).
 */
function runBoth(ops: readonly Op[], readEvery = 23): { fast: number; total: number; causes: Record<string, number> } {
  const clock = { now: 0 };
  const a = side(clock);
  const b = side(clock);
  const c = keptSide(clock);
  const fastLines = countFastLines(b.store);
  const half = ops.length >> 1;
  let eventsAtHalf = 0;
  const plain = (cookies: readonly object[]) => cookies.map((x) => ({ ...x }));
  try {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as Op;
      clock.now = op.now;
      if (i === half) {
        c.listen.on = true;
        eventsAtHalf = a.events.length;
      }
      const ra = [...general(a.store, op)];
      const rb = [...b.store.setFromLine(op.url, op.line, op.now, { serverTime: op.serverTime, partitionKey: op.partitionKey, sameSiteContext: op.context })];
      const rc = [...c.store.setFromLine(op.url, op.line, op.now, { serverTime: op.serverTime, partitionKey: op.partitionKey, sameSiteContext: op.context })];
      if (JSON.stringify(ra) !== JSON.stringify(rb) || a.events.length !== b.events.length || a.puts.length !== b.puts.length || a.store.size !== b.store.size) {
        expect({ i, url: op.url.href, line: op.line, reasons: rb, events: b.events.slice(-3), size: b.store.size }).toEqual({
          i, url: op.url.href, line: op.line, reasons: ra, events: a.events.slice(-3), size: a.store.size,
        });
      }
      if (JSON.stringify(ra) !== JSON.stringify(rc) || a.store.size !== c.store.size) {
        expect({ i, kept: true, url: op.url.href, line: op.line, reasons: rc, size: c.store.size }).toEqual({ i, kept: true, url: op.url.href, line: op.line, reasons: ra, size: a.store.size });
      }
      if (i % readEvery === readEvery - 1) {
        // Reads build what they return: the same cookies as the general path's, both read ways.
        const options = { partitions: 'all', updateAccessTime: false, now: op.now } as const;
        const expected = plain(a.store.getCookieList(op.url, options));
        expect(plain(b.store.getCookieList(op.url, options))).toEqual(expected);
        expect(plain(c.store.getCookieListMapped(op.url, options, (x) => x))).toEqual(expected);
        if (i % 2 === 0) expect(plain(c.store.getCookieList(op.url, options))).toEqual(expected);
      }
    }
    expect(b.events).toEqual(a.events);
    expect(b.puts).toEqual(a.puts);
    // From the middle on, the kept store tells its listener what the general path's tells
    // (removals of cookies kept as lines included).
    expect(c.events).toEqual(a.events.slice(eventsAtHalf));
    const end = (ops.at(-1)?.now ?? 0) + 1;
    const all = a.store.getAllCookies(end);
    expect(b.store.getAllCookies(end)).toEqual(all);
    expect(c.store.getAllCookies(end)).toEqual(all);
    expect(b.store.index.core.exports).toBeDefined();
  } finally {
    a.store.dispose();
    b.store.dispose();
    c.store.dispose();
  }
  const causes: Record<string, number> = {};
  for (const e of a.events as { cause: string }[]) causes[e.cause] = (causes[e.cause] ?? 0) + 1;
  return { fast: fastLines(), total: ops.length, causes };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0) + 0.25;
const httpDate = (ms: number) => new Date(ms).toUTCString();

const URLS = [
  'https://www.shop.com/account/orders',
  'https://shop.com/',
  'http://www.shop.com/a/b/c',
  'http://shop.com:8080/x',
  'https://a.b.example.co.uk/p/q/',
  'https://example.co.uk/',
  'https://foo.github.io/repo/page',
  'https://github.io/',
  'wss://ws.shop.com/socket',
  'ws://ws.shop.com/socket/',
  'http://localhost/app/x',
  'https://localhost:8443/',
  'http://127.0.0.1/z',
  'https://[::1]/z',
  'http://intranet/path/x',
  'https://co.uk/',
  'https://xn--bcher-kva.example.com/b',
  'https://www.shop.com/%7Euser/a%2Fb',
  'ftp://shop.com/file',
  'https://WWW.Shop.COM./trailing/dot',
  'https://x.y.city.kawasaki.jp/w',
  'https://a.b.foo.kawasaki.jp/w',
  'https://s.a.blogspot.co.uk/',
  'https://deep.sub.www.shop.com/a/b',
  'https://www.shop.com:444/p',
];

function domains(host: string): string[] {
  const h = host.replace(/^\[|\]$/g, '');
  const parts = h.split('.');
  const out = [h, `.${h}`, h.toUpperCase(), `..${h}`, `${h}.`, '', '.', 'com', 'co.uk', 'github.io', 'other.com', '.other.com', '1.2.3.4', 'xn--bcher-kva.example.com',
    'sh_op.com', 'hop.com', h.slice(1), `.${h.slice(2)}`, `${h}.evil`, 'SHOP.com', 'b.example.co.uk', '.example.co.uk', 'www.shop.com', '.Shop.Com', 'shop.com', 'ß.shop.com', 'example.com', 'a-b.shop.com'];
  for (let k = 1; k < parts.length; k++) out.push(parts.slice(k).join('.'), `.${parts.slice(k).join('.')}`);
  return out;
}

function dateText(r: () => number, now: number): string {
  const day = 86400000;
  switch (Math.floor(r() * 14)) {
    case 12: return 'Sun, 06 Nov 0094 08:49:37 GMT';
    case 13: return r() < 0.5 ? 'Tue, 29 Feb 2028 23:59:59 GMT' : 'Mon, 29 Feb 2027 10:00:00 GMT';
    case 0: return httpDate(now + 30 * day);
    case 1: return httpDate(now - 30 * day);
    case 2: return httpDate(now + 500 * day);
    case 3: return httpDate(now + 1000);
    case 4: return 'Mon, 30 Feb 2026 10:00:00 GMT';
    case 5: return 'Sun, 06 Nov 0069 08:49:37 GMT';
    case 6: return 'sun, 06 nov 2027 08:49:37 gmt';
    case 7: return 'Sunday, 06-Nov-27 08:49:37 GMT';
    case 8: return 'Thu, 01 Jan 2026 24:00:00 GMT';
    case 9: return 'Jan, 06 Nov 2027 08:49:37 GMT';
    case 10: return 'garbage';
    default: return `${httpDate(now + 7 * day).slice(0, 28)}X`;
  }
}

const NAMES = ['a', 'b', 'SID', 'x y', '__Secure-x', '__Host-y', '__secure-z', '__HOST-w', '__Host-', '__Secure-', '__Securex', '_x', '__', '', 'n\tm', 'é'];
const VALUES = ['1', 'v', 'x=y', '"q"', '', 'two words', 'ü', 'a\tb', '__Host-v', '__secure-v', 'x'.repeat(4090)];
const SAME_SITES = ['None', 'Lax', 'Strict', 'none', 'LAX', 'bogus', ''];
const MAX_AGES = ['0', '-1', '10', '+10', '1e3', '', '999999999999999', '9999999999999999999', '-9999999999999999999', '10 x', '-0', '86400', '3600'];
const PATHS = ['/', '/a', '', 'foo', '/a/b/', '/account', '/%7Euser', '/x;y'];

function attribute(r: () => number, host: string, now: number): string {
  const cased = (s: string) => (r() < 0.2 ? s.toUpperCase() : r() < 0.2 ? s.toLowerCase() : s);
  switch (Math.floor(r() * 14)) {
    case 0: return `${cased('Path')}=${pick(r, PATHS)}`;
    case 1:
    case 2: return `${cased('Domain')}=${pick(r, domains(host))}`;
    case 3: return `${cased('Expires')}=${dateText(r, now)}`;
    case 4: return `${cased('Max-Age')}=${pick(r, MAX_AGES)}`;
    case 5: return cased('Secure');
    case 6: return cased('HttpOnly');
    case 7: return `${cased('SameSite')}=${pick(r, SAME_SITES)}`;
    case 8: return `${cased('Priority')}=${pick(r, ['High', 'low', 'Medium', 'bogus'])}`;
    case 9: return r() < 0.3 ? 'Partitioned' : 'Foo=bar';
    case 10: return r() < 0.2 ? `Comment=${'c'.repeat(1025)}` : 'secure=1';
    case 11: return r() < 0.5 ? `Path=/${'p'.repeat(r() < 0.5 ? 1022 : 1030)}` : 'Path = /a ';
    case 12: return r() < 0.1 ? 'x\u0001y' : r() < 0.1 ? 'bad\x7f=1' : 'Max-Age=60';
    default: return `SameSite=${pick(r, SAME_SITES)}`;
  }
}

function line(r: () => number, host: string, now: number): string {
  const name = r() < 0.7 ? pick(r, NAMES.slice(0, 4)) : pick(r, NAMES);
  const value = r() < 0.8 ? pick(r, VALUES.slice(0, 4)) : pick(r, VALUES);
  let text = r() < 0.03 ? value : `${name}=${value}`;
  if (r() < 0.03) text = ` ${text}  `;
  const n = Math.floor(r() * 6);
  for (let k = 0; k < n; k++) text += (r() < 0.8 ? '; ' : r() < 0.5 ? ';' : ' ;  ') + attribute(r, host, now);
  if (r() < 0.02) text += ';';
  if (r() < 0.01) text = '';
  if (r() < 0.01) text += '\r\nx=1';
  return text;
}

function generated(seed: number, count: number): Op[] {
  const r = rng(seed);
  const ops: Op[] = [];
  let now = T0;
  const partition = cookiePartitionKeyFromUrl('https://top.example/');
  const nonce = cookiePartitionKeyFromUrl('https://top.example/', false, 'n1');
  for (let i = 0; i < count; i++) {
    const url = new URL(pick(r, URLS));
    // Same time now and then (creation kept on unchanged values, ordering ties), else forward.
    if (r() > 0.1) now += Math.floor(r() * 3) * 1000 + 0.001;
    if (r() < 0.01) now += 100 * 86400000;
    ops.push({
      url,
      line: line(r, url.hostname, now),
      now,
      serverTime: r() < 0.7 ? null : r() < 0.5 ? now - 5000 : now + 3600000.5,
      partitionKey: r() < 0.85 ? null : r() < 0.7 ? partition : nonce,
      context: r() < 0.8 ? 'same-site' : 'cross-site',
    });
  }
  return ops;
}

describe('setFromLine = createCanonicalCookie + setCanonicalCookie (differential)', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`generated lines, seed ${seed}`, () => {
      const { fast, total } = runBoth(generated(seed, 4000));
      // Both paths must be exercised.
      expect(fast).toBeGreaterThan(total * 0.2);
      expect(fast).toBeLessThan(total * 0.95);
    });
  }

  test('attribute-rich lines as the bench sends them, overwrites included', () => {
    const ops: Op[] = [];
    let now = T0;
    for (let round = 0; round < 3; round++) {
      for (let s = 0; s < 300; s++) {
        const url = new URL(`https://www.shop${s}.com/account/orders`);
        now += 1;
        const lines = [
          `SESSIONID=8f14e45f${s}; Path=/; Secure; HttpOnly; SameSite=Lax`,
          `_ga=GA1.2.${round === 2 ? 'same' : round}; Expires=${httpDate(now + 390 * 86400000)}; Domain=shop${s}.com; Path=/; SameSite=None; Secure`,
          `__Host-csrf=q9Z${s}; Path=/; Secure; HttpOnly; SameSite=Strict`,
          `__Secure-pref=theme%3Ddark; Max-Age=31536000; Domain=shop${s}.com; Path=/; Secure; SameSite=Lax`,
          `consent=yes-${s}; Expires=${httpDate(now + 180 * 86400000)}; Path=/; SameSite=Lax`,
          `cart=3f2a${s}; Path=/account; HttpOnly; Max-Age=${round === 1 ? 0 : 86400}`,
          `tracking=xyz${s}; Domain=.shop${s}.com; Expires=${httpDate(now + 30 * 86400000)}; Path=/; Secure; SameSite=None; Priority=High`,
          `lang=en-US; Path=/; Max-Age=2592000`,
        ];
        for (const text of lines) ops.push({ url, line: text, now, serverTime: null, partitionKey: null, context: 'same-site' });
      }
    }
    const { fast, total } = runBoth(ops);
    expect(fast).toBe(total);
  });

  test('refused overwrites: Secure from http, HttpOnly kept; SameSite and Secure on http', () => {
    const https = new URL('https://www.shop.com/a');
    const http = new URL('http://www.shop.com/a/b');
    const ops: Op[] = [];
    let now = T0;
    const add = (url: URL, text: string, context: CookieSetContext = 'same-site') => ops.push({ url, line: text, now: (now += 1), serverTime: null, partitionKey: null, context });
    add(https, 's=1; Secure; Path=/');
    add(http, 's=2; Path=/');
    add(http, 's=2; Path=/a');
    add(http, 's=3; Domain=shop.com; Path=/a/b');
    add(https, 'h=1; HttpOnly');
    add(http, 'h=2');
    add(http, 'h=3; Secure');
    add(http, 'n=1; SameSite=None');
    add(https, 'n=1; SameSite=None; Secure', 'cross-site');
    add(https, 'l=1; SameSite=Lax', 'cross-site');
    add(https, 'u=1', 'cross-site');
    add(https, 'e=1; Max-Age=100');
    add(https, 'e=1; Max-Age=0');
    add(https, 'e=2; Max-Age=0');
    add(https, 'v=1; Max-Age=100');
    add(https, 'v=1; Max-Age=200; HttpOnly');
    add(https, 'v=1; Max-Age=200; HttpOnly');
    add(https, 'v=2; Max-Age=200; HttpOnly');
    // Prefixes.
    add(https, '__Host-a=1; Secure; Path=/; Domain=www.shop.com');
    add(https, '__Host-b=1; Secure; Path=/');
    add(https, '__Host-c=1; Secure; Path=/; Domain=');
    add(https, '__host-f=1; secure; path=/');
    add(https, '__Host-g=1; Secure; Path=/a');
    add(https, '__Host-h=1; Path=/');
    add(https, '__Secure-d=1; Secure; Domain=shop.com');
    add(https, '__SECURE-d2=1');
    add(http, '__Secure-e=1; Secure');
    // Dates: Feb 29 of a common and of a leap year, the 400-day cap, the server's clock.
    add(https, 'f=1; Expires=Mon, 29 Feb 2027 10:00:00 GMT');
    add(https, 'f2=1; Expires=Tue, 29 Feb 2028 10:00:00 GMT');
    add(https, 'f3=1; Expires=Wed, 31 Dec 2098 23:59:59 GMT');
    add(https, 'f4=1; Expires=Wed, 01 Jul 2026 00:00:00 GMT');
    ops.push({ url: https, line: 'f5=1; Expires=Wed, 01 Jul 2026 00:00:00 GMT', now: (now += 1), serverTime: now - 86400000 * 3, partitionKey: null, context: 'same-site' });
    add(https, 'f6=1; Max-Age=100; Expires=Wed, 01 Jul 2026 00:00:00 GMT');
    add(https, 'f7=1; Expires=Wed, 01 Jul 2026 00:00:00 GMT; Max-Age=-5');
    runBoth(ops);
  });

  test('eviction past 180 per domain and 3300 in all', () => {
    const ops: Op[] = [];
    let now = T0;
    const r = rng(99);
    for (let i = 0; i < 400; i++) {
      const url = new URL(`https://h${i % 7}.evict.com/p`);
      now += 1;
      ops.push({ url, line: `c${i}=${i}; ${r() < 0.3 ? 'Secure; ' : ''}Priority=${pick(r, ['Low', 'Medium', 'High'])}${r() < 0.5 ? '; Domain=evict.com' : ''}`, now, serverTime: null, partitionKey: null, context: 'same-site' });
    }
    for (let i = 0; i < 3600; i++) {
      const url = new URL(`https://site${i % 40}.org/`);
      // Past the 30 days that keep recently used cookies from the global purge, twice.
      now += i === 1800 || i === 3000 ? 31 * 86400000 : 1;
      ops.push({ url, line: `g${i}=${i}; Max-Age=${8640000 + i}`, now, serverTime: null, partitionKey: null, context: 'same-site' });
    }
    const { fast, total, causes } = runBoth(ops);
    expect(fast).toBe(total);
    expect(causes['evicted']).toBeGreaterThan(400);
  });
});

describe('lines kept unbuilt (a store with nobody to tell)', () => {
  test('overwritten thousands of times between reads: reads give the last of each, as the general path', () => {
    const kept = new CookieStore();
    const built = new CookieStore({ onChange: () => {} });
    const url = new URL('https://www.shop.com/a/b');
    try {
      let now = T0;
      for (let round = 0; round < 3; round++) {
        // One cookie set before the overwrites and left alone: still kept unbuilt at every compaction.
        now += 1;
        expect([...kept.setFromLine(url, `stay${round}=1`, now)]).toEqual([...built.setFromLine(url, `stay${round}=1`, now)]);
        // Far past the list's compaction (2 x kept + 1024 ids), with ids freed and reused all along.
        for (let i = 0; i < 5000; i++) {
          now += 1;
          const text = `c${i % 3}=${round}-${i}; Path=/${i % 2 === 0 ? '' : 'a'}${i % 7 === 0 ? '; Max-Age=0' : ''}`;
          expect([...kept.setFromLine(url, text, now)]).toEqual([...built.setFromLine(url, text, now)]);
        }
        expect(kept.getCookieList(url, { updateAccessTime: false, now })).toEqual(built.getCookieList(url, { updateAccessTime: false, now }));
      }
      expect(kept.getAllCookies(now + 1)).toEqual(built.getAllCookies(now + 1));
      expect(kept.size).toBe(built.size);
    } finally {
      kept.dispose();
      built.dispose();
    }
  });

  test('survive a trap of the core: the index rebuilds from them, reads and the Cookie line as before', () => {
    const core = new Core('release');
    const kept = new CookieStore({ index: new CookieIndex(core) });
    // A listener makes the reference build every cookie at once.
    const built = new CookieStore({ onChange: () => {} });
    const ops = generated(11, 600);
    try {
      for (const op of ops) {
        const options = { serverTime: op.serverTime, partitionKey: op.partitionKey, sameSiteContext: op.context };
        expect([...kept.setFromLine(op.url, op.line, op.now, options)]).toEqual([...built.setFromLine(op.url, op.line, op.now, options)]);
      }
      const before = core.generation;
      expect(() => core.call('cookies.remove', (x) => cookieKernel(x).cookieRemove(kept.index.handle, 99999))).toThrow();
      expect(core.generation).toBe(before + 1);
      const now = (ops.at(-1) as Op).now + 1;
      for (const href of URLS) {
        const url = new URL(href);
        expect(kept.getCookieLine(url, { partitions: 'all', now })).toBe(built.getCookieLine(url, { partitions: 'all', now }));
      }
      expect(kept.getAllCookies(now)).toEqual(built.getAllCookies(now));
      expect(kept.size).toBeGreaterThan(20);
    } finally {
      kept.dispose();
      built.dispose();
    }
  });
});

// The IETF http-state cases through setFromLine: the same answers as through the general path
// (http-state.test.ts checks those against the expectations and Chromium's listed differences).
interface ParserCase {
  test: string;
  received: string[];
  sent: Array<{ name: string; value: string }>;
  'sent-to'?: string;
}
const parserCases = JSON.parse(readFileSync(new URL('../../../shared/cookies/http-state/parser.json', import.meta.url), 'utf8')) as ParserCase[];

describe('http-state parser cases through setFromLine', () => {
  test.each(parserCases.map((c) => [c.test, c] as const))('%s', (id, c) => {
    const NOW = Date.UTC(2025, 0, 1);
    const sentTo = c['sent-to'] !== undefined ? new URL(c['sent-to'], 'http://home.example.org') : new URL(`http://home.example.org/cookie-parser-result?${id}`);
    const source = new URL(`http://home.example.org/cookie-parser?${id}`);
    const sent: unknown[] = [];
    for (const fast of [false, true]) {
      let now = NOW;
      const store = new CookieStore({ now: () => now });
      try {
        for (const text of c.received) {
          const t = store.currentTime();
          if (fast) store.setFromLine(source, text, t);
          else {
            const created = createCanonicalCookie(source, text, t, { checkSetPermitted: false });
            if (created.ok) store.setCanonicalCookie(created.cookie, source, { now: t });
          }
          now += 1;
        }
        sent.push(store.getCookieList(sentTo).map(({ name, value }) => ({ name, value })));
        sent.push(store.getAllCookies());
      } finally {
        store.dispose();
      }
    }
    expect(sent[2]).toEqual(sent[0]);
    expect(sent[3]).toEqual(sent[1]);
  });
});
