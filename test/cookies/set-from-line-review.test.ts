// Review of CookieStore.setFromLine (core/assembly/cookies/line.ts) against the general path
// (createCanonicalCookie + setCanonicalCookie), on targeted inputs: the divergences found, and the
// risky cases the generated test in set-from-line.test.ts rarely sends through the fast path.
import { describe, expect, test } from 'vitest';
import { createCanonicalCookie, type CookieSetContext } from '../../core/src/cookies/canonical-cookie.ts';
import { CookieStore, type CookieChange } from '../../core/src/cookies/cookie-store.ts';
import { countFastLines } from './fast-path-counter.ts';

interface Op {
  url: string;
  line: string;
  serverTime?: number | null;
  context?: CookieSetContext;
}

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0) + 0.25;

function side() {
  const events: unknown[] = [];
  const puts: unknown[] = [];
  const store = new CookieStore({
    onChange: (c: CookieChange) => events.push({ cause: c.cause, cookie: { ...c.cookie } }),
    sink: { put: (key, cookie) => puts.push([key, cookie === null ? null : { ...cookie }]) },
  });
  return { store, events, puts, reasons: [] as unknown[] };
}

/** Both paths into fresh stores; returns what each did and how many lines the kernel took. */
function runBoth(ops: readonly Op[]) {
  const a = side();
  const b = side();
  const fastLines = countFastLines(b.store);
  let now = T0;
  for (const op of ops) {
    now += 1000;
    const url = new URL(op.url);
    const context = op.context ?? 'same-site';
    const created = createCanonicalCookie(url, op.line, now, { serverTime: op.serverTime ?? null, partitionKey: null, sameSiteContext: context, checkSetPermitted: false });
    a.reasons.push(created.ok ? [...a.store.setCanonicalCookie(created.cookie, url, { sameSiteContext: context, now })] : [...created.reasons]);
    b.reasons.push([...b.store.setFromLine(url, op.line, now, { serverTime: op.serverTime ?? null, partitionKey: null, sameSiteContext: context })]);
  }
  const out = (s: ReturnType<typeof side>) => ({ reasons: s.reasons, events: s.events, puts: s.puts, cookies: s.store.getAllCookies(now + 1) });
  const result = { general: out(a), fastPath: out(b), fast: fastLines(), a: a.store, b: b.store };
  return result;
}

function expectSame(ops: readonly Op[], minFast = ops.length): void {
  const r = runBoth(ops);
  try {
    expect(r.fastPath).toEqual(r.general);
    expect(r.fast).toBeGreaterThanOrEqual(minFast);
  } finally {
    r.a.dispose();
    r.b.dispose();
  }
}

describe('setFromLine review: divergences found, now fixed', () => {
  // A URL host with a leading dot or an empty label (WHATWG/Node accept https://.shop.com/). The
  // general path makes the domain '.shop.com' with hostOnly false (canonical-cookie.ts: hostOnly
  // is "domain does not start with '.'"); the fast path used to say hostOnly true. Such hosts now
  // take the general path; whichever path a line takes, the two must agree.
  test.each([
    ['https://.shop.com/a', 'a=1'],
    ['http://.shop.com/', 'a=1; Max-Age=3600'],
    ['https://..shop.com/a', 'a=1'],
    ['https://www..shop.com/a', 'a=1'],
  ])('leading-dot host %s %s: hostOnly', (url, line) => {
    expectSame([{ url, line }], 0);
  });

  test('leading-dot host: after a reload (store.load of the persisted cookie) the fast-path cookie stops going to subdomains', () => {
    const r = runBoth([{ url: 'https://.shop.com/', line: 'a=1; Max-Age=3600' }]);
    const sentAfterReload = (cookies: typeof r.general.cookies) => {
      const store = new CookieStore();
      try {
        for (const c of cookies) store.load({ ...c });
        return store.getCookieList(new URL('https://www.shop.com/'), { now: T0 + 5000, updateAccessTime: false }).length;
      } finally {
        store.dispose();
      }
    };
    try {
      expect(sentAfterReload(r.fastPath.cookies)).toBe(sentAfterReload(r.general.cookies));
    } finally {
      r.a.dispose();
      r.b.dispose();
    }
  });

  // API edge (the ses.fetch stage maps NaN to null, so it does not reach this): a NaN serverTime
  // gave expiry NaN on the general path (Expires + (now - NaN)) and a session cookie on the fast
  // path; both now take a server time that is not a time as none.
  test('serverTime NaN with Expires', () => {
    expectSame([{ url: 'https://shop.com/', line: 'x=1; Expires=Wed, 01 Jul 2026 00:00:00 GMT', serverTime: Number.NaN }]);
  });
});

describe('setFromLine: __Http- and __Host-Http- prefixes (both paths)', () => {
  test('__Http- without HttpOnly is refused by setFromLine', () => {
    const store = new CookieStore();
    try {
      expect(store.setFromLine(new URL('https://a.example.com/'), '__Http-a=1; Secure', T0)).toEqual(['EXCLUDE_INVALID_PREFIX']);
      expect(store.setFromLine(new URL('https://a.example.com/x'), '__Host-Http-b=1; Secure; Path=/', T0)).toEqual(['EXCLUDE_INVALID_PREFIX']);
      expect(store.getAllCookies(T0 + 1)).toEqual([]);
    } finally {
      store.dispose();
    }
  });

  test('valid and invalid __Http- / __Host-Http- lines: same as the general path, the valid ones through the kernel', () => {
    expectSame(
      [
        { url: 'https://www.shop.com/a', line: '__Http-a=1; Secure; HttpOnly' },
        { url: 'https://www.shop.com/a', line: '__http-b=1; secure; httponly; Domain=shop.com' },
        { url: 'https://www.shop.com/a', line: '__Host-Http-c=1; Secure; HttpOnly; Path=/' },
        { url: 'https://www.shop.com/a', line: '__HOST-HTTP-d=1; Secure; HttpOnly; Path=/' },
        { url: 'https://www.shop.com/a', line: '__Http-e=1; Secure' },
        { url: 'https://www.shop.com/a', line: '__Http-f=1; HttpOnly' },
        { url: 'https://www.shop.com/a', line: '__Host-Http-g=1; Secure; Path=/' },
        { url: 'https://www.shop.com/a', line: '__Host-Http-h=1; Secure; HttpOnly' },
        { url: 'https://www.shop.com/a', line: '__Host-Http-i=1; Secure; HttpOnly; Path=/; Domain=www.shop.com' },
        { url: 'http://www.shop.com/a', line: '__Http-j=1; Secure; HttpOnly' },
        { url: 'https://www.shop.com/a', line: '__Httpx=1' },
      ],
      4,
    );
  });
});

describe('setFromLine review: risky cases through the fast path (same as the general path)', () => {
  test('cross-site SameSite=None; Secure, and the cross-site refusals', () => {
    expectSame(
      [
        { url: 'https://www.shop.com/a', line: 'n=1; SameSite=None; Secure', context: 'cross-site' },
        { url: 'https://www.shop.com/a', line: 'n=2; samesite=NONE; secure; Domain=shop.com; Path=/', context: 'cross-site' },
        { url: 'wss://www.shop.com/a', line: 'n=3; SameSite=none; Secure; Max-Age=10', context: 'cross-site' },
        { url: 'https://www.shop.com/a', line: 'l=1; SameSite=Lax', context: 'cross-site' },
        { url: 'https://www.shop.com/a', line: 's=1; SameSite=Strict; Secure', context: 'cross-site' },
        { url: 'https://www.shop.com/a', line: 'u=1; Secure', context: 'cross-site' },
      ],
      3,
    );
  });

  test('prefixes, ASCII case-insensitive', () => {
    expectSame(
      [
        { url: 'https://www.shop.com/a', line: '__Host-a=1; Secure; Path=/' },
        { url: 'https://www.shop.com/a', line: '__HOST-b=1; secure; path=/' },
        { url: 'https://www.shop.com/a', line: '__host-c=1; Secure; Path=/; Domain=' },
        { url: 'https://www.shop.com/a', line: '__Host-d=1; Secure; Path=/; Domain=www.shop.com; Domain=' },
        { url: 'https://www.shop.com/a', line: '__Host-e=1; Secure; Path=/; Domain=; Domain=www.shop.com' },
        { url: 'https://www.shop.com/a', line: '__Host-f=1; Secure; Path=/; Path=/a' },
        { url: 'https://www.shop.com/a', line: '__SeCuRe-g=1; Secure; Domain=SHOP.com' },
        { url: 'https://www.shop.com/a', line: '__Secure-h=1' },
        { url: 'http://www.shop.com/a', line: '__Secure-i=1; Secure' },
        { url: 'https://www.shop.com/a', line: '__Hostx=1' },
        { url: 'https://www.shop.com/a', line: '__Securex=1' },
      ],
      6,
    );
  });

  test('Domain attributes: case, dots, public suffixes with wildcards, exceptions and private registries', () => {
    const ops: Op[] = [];
    for (const host of ['a.b.c.shop.com', 'x.y.city.kawasaki.jp', 'a.b.foo.kawasaki.jp', 'a.www.ck', 'x.b.ck', 's.a.blogspot.co.uk', 'a.foo.github.io', 'a.b.c.compute.amazonaws.com', 'x.a.b.example.k12.ak.us', 'a.-b.shop.com']) {
      const parts = host.split('.');
      for (let k = 0; k < parts.length; k++) {
        const d = parts.slice(k).join('.');
        for (const v of [d, `.${d}`, d.toUpperCase(), `..${d}`, `${d}.`]) ops.push({ url: `https://${host}/p/q`, line: `c${ops.length}=1; Domain=${v}` });
      }
    }
    expectSame(ops, 70);
  });

  test('Max-Age forms and precedence, Expires with server clock skew, the 400-day cap', () => {
    const expires = (ms: number) => new Date(ms).toUTCString();
    expectSame(
      [
        { url: 'https://shop.com/', line: 'a=1; Max-Age=+10' },
        { url: 'https://shop.com/', line: 'b=1; Max-Age=00010' },
        { url: 'https://shop.com/', line: 'c=1; Max-Age=-0' },
        { url: 'https://shop.com/', line: 'd=1; Max-Age=999999999999999' },
        { url: 'https://shop.com/', line: 'e=1; Max-Age=1000000000000000' },
        { url: 'https://shop.com/', line: `f=1; Expires=${expires(T0 + 86400000)}; Max-Age=5` },
        { url: 'https://shop.com/', line: `g=1; Max-Age=5; Expires=${expires(T0 + 86400000)}` },
        { url: 'https://shop.com/', line: `h=1; Max-Age=; Expires=${expires(T0 + 86400000)}` },
        { url: 'https://shop.com/', line: `i=1; Expires=${expires(T0 + 86400000)}`, serverTime: T0 - 3600000.5 },
        { url: 'https://shop.com/', line: `j=1; Expires=${expires(T0 + 399 * 86400000)}`, serverTime: T0 - 5 * 86400000 },
        { url: 'https://shop.com/', line: 'k=1; Expires=Thu, 31 Dec 2099 23:59:59 GMT' },
        { url: 'https://shop.com/', line: 'l=1; Expires=Sun, 06 Nov 0069 08:49:37 GMT' },
        { url: 'https://shop.com/', line: 'm=1; Expires=Sun, 31 Apr 2027 08:49:37 GMT' },
        { url: 'https://shop.com/', line: 'n=1; Expires=Sun, 30 Apr 2027 08:49:60 GMT' },
        { url: 'https://shop.com/', line: 'o=1; Expires=' },
      ],
      10,
    );
  });
});
