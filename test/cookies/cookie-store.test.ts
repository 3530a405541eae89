// CookieStore (Chromium's CookieMonster over the wasm index) and CookiePersistence (the batched
// writer into the partition store), tested directly: change order and causes, overwrite rules,
// CHIPS partitions, the commit policy (30 s / 512 / flush) against a recording in-memory store,
// and the record codec with corrupt records (reference/cookies.md §4.5-4.8,
// electron-implementation-notes.md §3).
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type CanonicalCookie,
  type CookiePartitionKey,
  type CreateCanonicalCookieOptions,
  createCanonicalCookie,
  cookiePartitionKeyFromUrl,
} from '../../core/src/cookies/canonical-cookie.ts';
import { CookieStore, cookieUniqueKey, type CookieChange, type CookieChangeSink } from '../../core/src/cookies/cookie-store.ts';
import {
  COOKIE_AREA,
  COOKIE_COMMIT_BATCH,
  COOKIE_COMMIT_INTERVAL_MS,
  CookiePersistence,
  decodeCookieRecord,
  encodeCookieRecord,
  type UnreadableCookieRecord,
} from '../../core/src/cookies/cookie-persistence.ts';
import { CookieExclusionReason } from '../../core/src/cookies/inclusion-status.ts';
import { Cookies } from '../../core/src/session/cookies.ts';
import type { StorageStore } from '../../core/src/storage/port.ts';

const T0 = Date.UTC(2030, 0, 1);
const HOUR = 3600_000;

/** A cookie from a Set-Cookie line, or a failed test naming the reasons. */
function make(url: string, line: string, now = T0, options: CreateCanonicalCookieOptions = {}): CanonicalCookie {
  const r = createCanonicalCookie(url, line, now, options);
  if (!r.ok) throw new Error(`createCanonicalCookie(${url}, ${line}) failed: ${r.reasons.join(', ')}`);
  return r.cookie;
}

/** A store with its changes recorded as `cause name=value`. */
function recordingStore(options: { sink?: CookieChangeSink; now?: () => number } = {}) {
  const changes: CookieChange[] = [];
  const store = new CookieStore({ onChange: (c) => changes.push(c), ...options });
  const log = (): string[] => changes.map((c) => `${c.cause} ${c.cookie.name}=${c.cookie.value}${c.removed ? '' : ' +'}`);
  return { store, changes, log };
}

const names = (list: readonly CanonicalCookie[]): string[] => list.map((c) => c.name);

/** A sink that keeps the last put per key, in order of calls. */
function recordingSink() {
  const puts: [string, CanonicalCookie | null][] = [];
  return { puts, sink: { put: (key: string, cookie: CanonicalCookie | null) => void puts.push([key, cookie]) } satisfies CookieChangeSink };
}

interface StoreOp {
  op: 'set' | 'delete' | 'flush' | 'clear';
  area?: string;
  key?: string;
}

/** An in-memory StorageStore that records every call, with writes that can be made to fail. */
class FakeStore implements StorageStore {
  readonly data = new Map<string, Map<string, Uint8Array>>();
  readonly ops: StoreOp[] = [];
  /** Keys whose next `set` rejects (each entry is consumed by one failure). */
  readonly failSet = new Map<string, number>();
  /** Every set rejects while true. */
  failAll = false;
  /** Keys whose next `set` throws at once, before returning a promise (consumed like failSet). */
  readonly throwSet = new Map<string, number>();
  /** Keys every `set` refuses with a TypeError, as the storage validation does for a bad key. */
  readonly refuseSet = new Set<string>();
  flushes = 0;

  #area(area: string): Map<string, Uint8Array> {
    let m = this.data.get(area);
    if (m === undefined) this.data.set(area, (m = new Map()));
    return m;
  }

  async get(area: string, key: string): Promise<Uint8Array | undefined> {
    return this.data.get(area)?.get(key);
  }
  set(area: string, key: string, value: Uint8Array): Promise<void> {
    this.ops.push({ op: 'set', area, key });
    const now = this.throwSet.get(key) ?? 0;
    if (now > 0) {
      this.throwSet.set(key, now - 1);
      throw new Error(`EIO (thrown synchronously) writing ${key}`);
    }
    return this.#set(area, key, value);
  }
  async #set(area: string, key: string, value: Uint8Array): Promise<void> {
    await Promise.resolve();
    if (this.refuseSet.has(key)) throw new TypeError(`storage.set: key ${JSON.stringify(key)} is not valid`);
    const left = this.failSet.get(key) ?? 0;
    if (this.failAll || left > 0) {
      if (left > 0) this.failSet.set(key, left - 1);
      throw new Error(`disk full writing ${key}`);
    }
    this.#area(area).set(key, value.slice());
  }
  async delete(area: string, key: string): Promise<void> {
    this.ops.push({ op: 'delete', area, key });
    this.data.get(area)?.delete(key);
  }
  async keys(area: string, prefix = ''): Promise<string[]> {
    return [...(this.data.get(area)?.keys() ?? [])].filter((k) => k.startsWith(prefix));
  }
  async entries(area: string): Promise<Array<[string, Uint8Array]>> {
    return [...(this.data.get(area)?.entries() ?? [])];
  }
  async clear(area?: string): Promise<void> {
    this.ops.push({ op: 'clear', ...(area === undefined ? {} : { area }) });
    if (area === undefined) this.data.clear();
    else this.data.delete(area);
  }
  async flush(): Promise<void> {
    this.ops.push({ op: 'flush' });
    this.flushes++;
  }
  async close(): Promise<void> {}

  /** The stored cookies, decoded, by key. */
  cookies(): Map<string, CanonicalCookie> {
    return new Map([...(this.data.get(COOKIE_AREA) ?? [])].map(([k, v]) => [k, decodeCookieRecord(v)]));
  }
  writes(): StoreOp[] {
    return this.ops.filter((o) => o.op === 'set' || o.op === 'delete');
  }
  /** The calls as `set <name>` / `delete <name>` / `flush`, back-to-back flushes counted once. */
  trace(): string[] {
    const out: string[] = [];
    for (const o of this.ops) {
      const line = o.key === undefined ? o.op : `${o.op} ${o.key.split('\n').pop()}`;
      if (line === 'flush' && out[out.length - 1] === 'flush') continue;
      out.push(line);
    }
    return out;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CookieStore: the path-length start of a bucket scan', () => {
  it('matches paths as long as the request path, skips longer ones, and finds nothing when all are longer', () => {
    const store = new CookieStore();
    try {
      const now = Date.now();
      const url = new URL('https://www.scan.example/');
      for (const [name, path] of [['deep', '/abc/d'], ['sib', '/abd'], ['same', '/abc'], ['mid', '/ab'], ['root', '/']]) {
        expect(store.setFromLine(url, `${name}=v; Path=${path}`, now)).toEqual([]);
      }
      const names = (href: string) => store.getCookieList(new URL(href), { now, updateAccessTime: false }).map((c) => c.name);
      expect(names('https://www.scan.example/abc')).toEqual(['same', 'root']); // '/ab' is not on the path '/abc'
      expect(names('https://www.scan.example/abc/d')).toEqual(['deep', 'same', 'root']);
      expect(names('https://www.scan.example/abd')).toEqual(['sib', 'root']);
      expect(names('https://www.scan.example/ab')).toEqual(['mid', 'root']);
      expect(names('https://www.scan.example/ab/x')).toEqual(['mid', 'root']);
      // Only cookies with longer paths in the bucket: nothing, and the Cookie line is empty.
      const only = new CookieStore();
      try {
        only.setFromLine(new URL('https://only.example/'), 'long=v; Path=/long/path', now);
        expect(only.getCookieList(new URL('https://only.example/'), { now })).toEqual([]);
        expect(only.getCookieLine(new URL('https://only.example/x'), { now })).toBe('');
        expect(only.getCookieLine(new URL('https://only.example/long/path/more'), { now })).toBe('long=v');
      } finally {
        only.dispose();
      }
    } finally {
      store.dispose();
    }
  });
});

describe('CookieStore: change order and causes', () => {
  const url = new URL('https://example.com/');

  it('reports overwrite then inserted when the value changes, with removed false only for the insert', () => {
    const { store, changes, log } = recordingStore();
    expect(store.setCanonicalCookie(make('https://example.com/', 'a=1; Max-Age=3600'), url, { now: T0 })).toEqual([]);
    expect(store.setCanonicalCookie(make('https://example.com/', 'a=2; Max-Age=3600', T0 + 1000), url, { now: T0 + 1000 })).toEqual([]);
    expect(log()).toEqual(['inserted a=1 +', 'overwrite a=1', 'inserted a=2 +']);
    expect(changes.map((c) => c.removed)).toEqual([false, true, false]);
    expect(store.size).toBe(1);
  });

  it('reports inserted-no-change-overwrite for an identical replacement', () => {
    const { store, log } = recordingStore();
    store.setCanonicalCookie(make('https://example.com/', 'a=1; Max-Age=3600'), url, { now: T0 });
    // Same data: same expiry (Max-Age from the same moment), same flags.
    store.setCanonicalCookie(make('https://example.com/', 'a=1; Max-Age=3600'), url, { now: T0 });
    expect(log()).toEqual(['inserted a=1 +', 'overwrite a=1', 'inserted-no-change-overwrite a=1 +']);
  });

  it('reports inserted-no-value-change-overwrite when only attributes change', () => {
    const { store, log } = recordingStore();
    store.setCanonicalCookie(make('https://example.com/', 'a=1; Max-Age=3600'), url, { now: T0 });
    store.setCanonicalCookie(make('https://example.com/', 'a=1; Max-Age=7200'), url, { now: T0 });
    store.setCanonicalCookie(make('https://example.com/', 'a=1; Max-Age=7200; HttpOnly'), url, { now: T0 });
    store.setCanonicalCookie(make('https://example.com/', 'a=1; Max-Age=7200; HttpOnly; SameSite=Strict'), url, { now: T0 });
    expect(log()).toEqual([
      'inserted a=1 +',
      'overwrite a=1',
      'inserted-no-value-change-overwrite a=1 +',
      'overwrite a=1',
      'inserted-no-value-change-overwrite a=1 +',
      'overwrite a=1',
      'inserted-no-value-change-overwrite a=1 +',
    ]);
  });

  it('reports inserted-no-change-overwrite when only priority, source scheme or source port change (IsWebEquivalentTo)', () => {
    const { store, changes, log } = recordingStore();
    store.setCanonicalCookie(make('https://example.com/', 'a=1; Max-Age=3600'), url, { now: T0 });
    // Priority is not compared.
    store.setCanonicalCookie(make('https://example.com/', 'a=1; Max-Age=3600; Priority=High'), url, { now: T0 });
    // Nor the source scheme and port (scheme- and port-bound cookies off: IsSecure() is the Secure attribute).
    const http = new URL('http://example.com:8080/');
    store.setCanonicalCookie(make('http://example.com:8080/', 'a=1; Max-Age=3600; Priority=High'), http, { now: T0 });
    expect(changes.map((c) => [c.cookie.priority, c.cookie.sourceScheme, c.cookie.sourcePort])).toEqual([
      ['medium', 'secure', 443],
      ['medium', 'secure', 443],
      ['high', 'secure', 443],
      ['high', 'secure', 443],
      ['high', 'non_secure', 8080],
    ]);
    expect(log()).toEqual([
      'inserted a=1 +',
      'overwrite a=1',
      'inserted-no-change-overwrite a=1 +',
      'overwrite a=1',
      'inserted-no-change-overwrite a=1 +',
    ]);
  });

  it('reports an already-expired replacement as expired-overwrite alone, storing nothing', () => {
    const { sink, puts } = recordingSink();
    const { store, changes, log } = recordingStore({ sink });
    store.setCanonicalCookie(make('https://example.com/', 'a=1; Max-Age=3600'), url, { now: T0 });
    puts.length = 0;
    expect(store.setCanonicalCookie(make('https://example.com/', 'a=gone; Max-Age=0'), url, { now: T0 + 10 })).toEqual([]);
    expect(log()).toEqual(['inserted a=1 +', 'expired-overwrite a=1']);
    expect(changes[1]!.removed).toBe(true);
    expect(store.size).toBe(0);
    expect(puts).toEqual([[cookieUniqueKey(changes[0]!.cookie), null]]);
    // Over nothing, an expired cookie is a no-op that still succeeds.
    expect(store.setCanonicalCookie(make('https://example.com/', 'b=1; Max-Age=0'), url, { now: T0 + 20 })).toEqual([]);
    expect(log()).toHaveLength(2);
    expect(puts).toHaveLength(1);
  });

  it('reports evicted after inserted when an insert pushes a site over 180 cookies', () => {
    const { store, changes } = recordingStore();
    for (let i = 0; i < 180; i++) store.setCanonicalCookie(make('https://example.com/', `c${i}=${i}`, T0 + i), url, { now: T0 + i });
    changes.length = 0;
    store.setCanonicalCookie(make('https://example.com/', 'c180=180', T0 + 180), url, { now: T0 + 180 });
    expect(changes[0]).toMatchObject({ cause: 'inserted', removed: false, cookie: { name: 'c180' } });
    const rest = changes.slice(1);
    expect(rest.length).toBe(31);
    expect(rest.every((c) => c.cause === 'evicted' && c.removed)).toBe(true);
    // Least recently accessed first: the 31 oldest go.
    expect(rest.map((c) => c.cookie.name).sort()).toEqual(Array.from({ length: 31 }, (_, i) => `c${i}`).sort());
    expect(store.size).toBe(150);
  });

  it('deletes an expired cookie met on a read (cause expired) and hands the delete to the sink', () => {
    const { sink, puts } = recordingSink();
    const { store, log } = recordingStore({ sink });
    store.setCanonicalCookie(make('https://example.com/', 'short=1; Max-Age=10'), url, { now: T0 });
    store.setCanonicalCookie(make('https://example.com/', 'long=1; Max-Age=3600'), url, { now: T0 });
    puts.length = 0;
    // Before expiry it is sent; the read at expiry no longer sends it, and deletes it.
    expect(names(store.getCookieList(url, { now: T0 + 9_999, updateAccessTime: false }))).toEqual(['short', 'long']);
    expect(names(store.getCookieList(url, { now: T0 + 10_000, updateAccessTime: false }))).toEqual(['long']);
    expect(log()).toEqual(['inserted short=1 +', 'inserted long=1 +', 'expired short=1']);
    expect(store.size).toBe(1);
    expect(puts).toEqual([[cookieUniqueKey({ name: 'short', domain: 'example.com', path: '/', partitionKey: null }), null]]);
    // A later read does not report it again.
    expect(store.getCookieLine(url, { now: T0 + 20_000, updateAccessTime: false })).toBe('long=1');
    expect(log()).toHaveLength(3);
  });

  it('collects expired cookies in getAllCookies, as GarbageCollectExpired does', () => {
    const { store, log } = recordingStore();
    store.setCanonicalCookie(make('https://example.com/', 'short=1; Max-Age=10'), url, { now: T0 });
    store.setCanonicalCookie(make('https://other.com/', 'elsewhere=1; Max-Age=10'), new URL('https://other.com/'), { now: T0 });
    store.setCanonicalCookie(make('https://example.com/', 'session=1'), url, { now: T0 });
    expect(names(store.getAllCookies(T0 + 60_000))).toEqual(['session']);
    expect(log().slice(3).sort()).toEqual(['expired elsewhere=1', 'expired short=1']);
    expect(store.size).toBe(1);
  });

  it('reports deleteSessionCookies as expired, and explicit deletes as explicit', () => {
    const { store, log } = recordingStore();
    store.setCanonicalCookie(make('https://example.com/', 's=1'), url, { now: T0 });
    store.setCanonicalCookie(make('https://example.com/', 'p=1; Max-Age=60'), url, { now: T0 });
    expect(store.deleteSessionCookies()).toBe(1);
    expect(store.deleteWhere((c) => c.name === 'p')).toBe(1);
    expect(log()).toEqual(['inserted s=1 +', 'inserted p=1 +', 'expired s=1', 'explicit p=1']);
  });
});

describe('CookieStore: the Cookie line', () => {
  it('equals the join of getCookieList over random jars and URLs (UTF-8, nameless, partitions, expiry on the read)', () => {
    let seed = 99;
    const r = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const pick = <T,>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
    const pair = (c: CanonicalCookie): string => (c.name === '' ? c.value : `${c.name}=${c.value}`);
    const sites = ['a.example', 'b.example'];
    const partitionKeys = [cookiePartitionKeyFromUrl(new URL('https://top1.example/')), cookiePartitionKeyFromUrl(new URL('https://top2.example/'))];
    const { store, log } = recordingStore();
    const twin = new CookieStore();
    let now = T0;
    let lines = 0;
    let expiredOnRead = 0;
    for (let op = 0; op < 3000; op++) {
      now += Math.floor(r() * 2000);
      const site = pick(sites);
      const host = `${pick(['', 'www.', 'm.'])}${site}`;
      const url = new URL(`https://${host}${pick(['/', '/a', '/a/b', '/x'])}`);
      if (r() < 0.6) {
        const name = pick(['', 'n1', 'n2', 'ñ', 'sid', `c${Math.floor(r() * 30)}`]);
        const value = pick(['v', 'välue', '😀', 'x'.repeat(Math.floor(r() * 40)), 'plain']);
        const attrs = [
          pick(['', `; Path=${pick(['/', '/a', '/x'])}`]),
          pick(['', `; Domain=${site}`]),
          pick(['', '; Max-Age=3', '; Max-Age=3600']),
          pick(['', '; Secure; Partitioned']),
        ].join('');
        const partitioned = attrs.includes('Partitioned');
        const created = createCanonicalCookie(url.href, `${name === '' ? '' : `${name}=`}${value}${attrs}`, now, {
          partitionKey: partitioned ? pick(partitionKeys) : null,
        });
        if (!created.ok) continue;
        store.setCanonicalCookie(created.cookie, url, { now });
        twin.setCanonicalCookie(created.cookie, url, { now });
      } else {
        const options = { now, partitions: pick(['none', 'all', ...partitionKeys] as const), includeHttpOnly: r() < 0.8 };
        const before = log().length;
        const line = store.getCookieLine(url, options);
        if (log().length > before) expiredOnRead++;
        expect(line).toBe(twin.getCookieList(url, options).map(pair).join('; '));
        expect(store.size).toBe(twin.size);
        if (line !== '') lines++;
      }
    }
    expect(lines).toBeGreaterThan(300);
    expect(expiredOnRead).toBeGreaterThan(10);
  });
});

describe('CookieStore: overwrite rules', () => {
  it('inherits the creation time only when the value is unchanged, which decides the send order', () => {
    const url = new URL('https://example.com/');
    const { store } = recordingStore();
    store.setCanonicalCookie(make('https://example.com/', 'a=1', T0), url, { now: T0 });
    store.setCanonicalCookie(make('https://example.com/', 'b=1', T0 + 1), url, { now: T0 + 1 });
    expect(names(store.getCookieList(url, { now: T0 + 2 }))).toEqual(['a', 'b']);
    // Same value, later set: keeps a's creation, so a stays first.
    store.setCanonicalCookie(make('https://example.com/', 'a=1; HttpOnly', T0 + 10), url, { now: T0 + 10 });
    const [a] = store.getCookieList(url, { now: T0 + 11 });
    expect(a).toMatchObject({ name: 'a', creation: T0, httpOnly: true });
    expect(names(store.getCookieList(url, { now: T0 + 11 }))).toEqual(['a', 'b']);
    // New value: a new creation time, so a now comes after b.
    store.setCanonicalCookie(make('https://example.com/', 'a=2', T0 + 20), url, { now: T0 + 20 });
    expect(store.getCookieList(url, { now: T0 + 21 }).map((c) => [c.name, c.creation])).toEqual([
      ['b', T0 + 1],
      ['a', T0 + 20],
    ]);
    // Longer paths still come first whatever the creation time.
    store.setCanonicalCookie(make('https://example.com/x/y', 'deep=1; Path=/x', T0 + 30), url, { now: T0 + 30 });
    expect(names(store.getCookieList(new URL('https://example.com/x/y'), { now: T0 + 31 }))).toEqual(['deep', 'b', 'a']);
  });

  it('leaves Secure cookies alone: an insecure URL cannot replace or shadow one (EXCLUDE_OVERWRITE_SECURE)', () => {
    const { store, log } = recordingStore();
    const https = new URL('https://example.com/');
    const http = new URL('http://example.com/');
    store.setCanonicalCookie(make('https://example.com/', 'tok=secret; Secure; Path=/'), https, { now: T0 });
    // Same name, domain and path from http.
    expect(store.setCanonicalCookie(make('http://example.com/', 'tok=evil; Path=/'), http, { now: T0 + 1 })).toEqual([
      CookieExclusionReason.EXCLUDE_OVERWRITE_SECURE,
    ]);
    // A path under the secure cookie's path, or a domain cookie covering its host: still refused.
    expect(store.setCanonicalCookie(make('http://example.com/', 'tok=evil; Path=/sub'), http, { now: T0 + 2 })).toEqual([
      CookieExclusionReason.EXCLUDE_OVERWRITE_SECURE,
    ]);
    expect(store.setCanonicalCookie(make('http://www.example.com/', 'tok=evil; Domain=example.com'), new URL('http://www.example.com/'), { now: T0 + 3 })).toEqual([
      CookieExclusionReason.EXCLUDE_OVERWRITE_SECURE,
    ]);
    // Another name is fine, and so is the same name from https.
    expect(store.setCanonicalCookie(make('http://example.com/', 'other=1'), http, { now: T0 + 4 })).toEqual([]);
    expect(log()).toEqual(['inserted tok=secret +', 'inserted other=1 +']);
    expect(store.getCookieLine(https, { now: T0 + 5 })).toBe('tok=secret; other=1');
    expect(store.setCanonicalCookie(make('https://example.com/', 'tok=new; Path=/'), https, { now: T0 + 6 })).toEqual([]);
    expect(log().slice(2)).toEqual(['overwrite tok=secret', 'inserted tok=new +']);
  });

  it('refuses to overwrite an HttpOnly cookie through a non-HTTP API (EXCLUDE_OVERWRITE_HTTP_ONLY), not through HTTP', () => {
    const url = new URL('https://example.com/');
    const { store, log } = recordingStore();
    store.setCanonicalCookie(make('https://example.com/', 'sid=1; HttpOnly'), url, { now: T0 });
    expect(store.setCanonicalCookie(make('https://example.com/', 'sid=2'), url, { httpApi: false, now: T0 + 1 })).toEqual([
      CookieExclusionReason.EXCLUDE_OVERWRITE_HTTP_ONLY,
    ]);
    // Nor delete it by setting an expired one.
    expect(store.setCanonicalCookie(make('https://example.com/', 'sid=x; Max-Age=0'), url, { httpApi: false, now: T0 + 2 })).toEqual([
      CookieExclusionReason.EXCLUDE_OVERWRITE_HTTP_ONLY,
    ]);
    expect(store.getCookieLine(url, { now: T0 + 3 })).toBe('sid=1');
    // Script never sees it either.
    expect(store.getCookieLine(url, { now: T0 + 3, includeHttpOnly: false })).toBe('');
    expect(store.setCanonicalCookie(make('https://example.com/', 'sid=2'), url, { httpApi: true, now: T0 + 4 })).toEqual([]);
    expect(log()).toEqual(['inserted sid=1 +', 'overwrite sid=1', 'inserted sid=2 +']);
    // Secure and HttpOnly at once, replaced from http through a non-HTTP API: both reasons, in enum order.
    const http = new URL('http://example.com/');
    store.setCanonicalCookie(make('https://example.com/', 'both=1; Secure; HttpOnly'), url, { now: T0 + 5 });
    expect(store.setCanonicalCookie(make('http://example.com/', 'both=2'), http, { httpApi: false, now: T0 + 6 })).toEqual([
      CookieExclusionReason.EXCLUDE_OVERWRITE_SECURE,
      CookieExclusionReason.EXCLUDE_OVERWRITE_HTTP_ONLY,
    ]);
  });
});

describe('CookieStore: partitioned cookies (CHIPS)', () => {
  const embed = new URL('https://embed.example/widget');
  const siteA = cookiePartitionKeyFromUrl('https://www.site-a.com/page');
  const siteB = cookiePartitionKeyFromUrl('https://site-b.com/');

  function setIn(store: CookieStore, key: CookiePartitionKey | null, line: string, now = T0): void {
    const cookie = make(embed.href, line, now, { partitionKey: key });
    expect(store.setCanonicalCookie(cookie, embed, { now })).toEqual([]);
  }

  it('sends a Partitioned cookie only with requests in its partition; partitions all reads every one', () => {
    const { store } = recordingStore();
    expect(siteA.topLevelSite).toBe('https://site-a.com');
    setIn(store, siteA, 'chip=a; Secure; Partitioned; SameSite=None');
    setIn(store, siteB, 'chip=b; Secure; Partitioned; SameSite=None', T0 + 1);
    setIn(store, siteA, 'plain=1; Secure; SameSite=None', T0 + 2); // no Partitioned attribute: unpartitioned
    expect(store.size).toBe(3);
    const line = (partitions: 'none' | 'all' | CookiePartitionKey): string => store.getCookieLine(embed, { partitions, now: T0 + 5 });
    expect(line(siteA)).toBe('chip=a; plain=1');
    expect(line(siteB)).toBe('chip=b; plain=1');
    expect(line(cookiePartitionKeyFromUrl('https://site-c.com/'))).toBe('plain=1');
    expect(line('none')).toBe('plain=1');
    expect(line('all')).toBe('chip=a; chip=b; plain=1');
    const all = store.getCookieList(embed, { partitions: 'all', now: T0 + 5 });
    expect(all.map((c) => c.partitionKey?.topLevelSite ?? null)).toEqual(['https://site-a.com', 'https://site-b.com', null]);
    // The cross-site-ancestor bit is part of the key.
    expect(line({ ...siteA, crossSiteAncestor: true })).toBe('plain=1');
    expect(store.getAllCookies(T0 + 5)).toHaveLength(3);
  });

  it('keeps same-named cookies of two partitions apart: overwrites stay inside one partition', () => {
    const { store, log } = recordingStore();
    setIn(store, siteA, 'chip=a1; Secure; Partitioned');
    setIn(store, siteB, 'chip=b1; Secure; Partitioned');
    setIn(store, siteA, 'chip=a2; Secure; Partitioned', T0 + 1);
    expect(log()).toEqual(['inserted chip=a1 +', 'inserted chip=b1 +', 'overwrite chip=a1', 'inserted chip=a2 +']);
    expect(store.getCookieLine(embed, { partitions: siteB, now: T0 + 2 })).toBe('chip=b1');
    expect(store.getCookieLine(embed, { partitions: siteA, now: T0 + 2 })).toBe('chip=a2');
  });

  it('gives a nonce partition no unpartitioned cookies', () => {
    const { store } = recordingStore();
    const nonced = cookiePartitionKeyFromUrl('https://site-a.com/', false, 'n-1');
    setIn(store, null, 'plain=1; Secure');
    setIn(store, nonced, 'anon=1'); // a nonce partition keeps any cookie set in it
    expect(store.getCookieLine(embed, { partitions: nonced, now: T0 + 1 })).toBe('anon=1');
    expect(store.getCookieLine(embed, { partitions: siteA, now: T0 + 1 })).toBe('plain=1');
  });
});

/** A jar writing into a FakeStore through CookiePersistence. */
function persistentJar(options: { commitIntervalMs?: number; commitBatch?: number } = {}) {
  const fake = new FakeStore();
  const errors: unknown[] = [];
  const persistence = new CookiePersistence(fake, { ...options, onError: (e) => errors.push(e) });
  const { store, log } = recordingStore({ sink: persistence });
  const set = (line: string, now = T0, url = 'https://example.com/', options: CreateCanonicalCookieOptions = {}): void => {
    expect(store.setCanonicalCookie(make(url, line, now, options), new URL(url), { now })).toEqual([]);
  };
  return { fake, persistence, store, set, errors, log };
}

describe('CookiePersistence: the commit policy', () => {
  it('uses Chromium constants: 30 s, 512 changes', () => {
    expect(COOKIE_COMMIT_INTERVAL_MS).toBe(30_000);
    expect(COOKIE_COMMIT_BATCH).toBe(512);
  });

  it('writes nothing before the interval and everything queued once it passes (one commit)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fake, persistence, set } = persistentJar();
    set('a=1; Max-Age=3600');
    await vi.advanceTimersByTimeAsync(10_000);
    set('b=1; Max-Age=3600', T0 + 10_000);
    set('a=2; Max-Age=3600', T0 + 10_000); // supersedes a=1 in the queue
    await vi.advanceTimersByTimeAsync(COOKIE_COMMIT_INTERVAL_MS - 10_000 - 1);
    expect(fake.ops).toEqual([]);
    expect(persistence.pending).toBe(2);
    // The timer runs from the first change of the batch, not the last.
    await vi.advanceTimersByTimeAsync(1);
    expect(persistence.commits).toBe(1);
    expect(persistence.pending).toBe(0);
    expect([...fake.cookies().values()].map((c) => `${c.name}=${c.value}`).sort()).toEqual(['a=2', 'b=1']);
    // One write per key (the overwrite's delete and the insert were folded into one set), and
    // the commit is durable, as Chromium's SQLite transaction is.
    expect(fake.trace()).toEqual(['set a', 'set b', 'flush']);
    // A new change arms a new timer.
    set('c=1; Max-Age=3600', T0 + 40_000);
    await vi.advanceTimersByTimeAsync(COOKIE_COMMIT_INTERVAL_MS);
    expect(persistence.commits).toBe(2);
    expect(fake.cookies().has(cookieUniqueKey({ name: 'c', domain: 'example.com', path: '/', partitionKey: null }))).toBe(true);
  });

  it('honours a small commitIntervalMs with real timers', async () => {
    const { fake, persistence, set } = persistentJar({ commitIntervalMs: 30 });
    set('a=1; Max-Age=3600', Date.now());
    expect(fake.ops).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(persistence.commits).toBe(1);
    expect(fake.cookies().size).toBe(1);
  });

  it('commits at once when 512 changes are pending, without waiting for the timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fake, persistence, set } = persistentJar();
    // 16 sites x 32 cookies: under the per-site limit, so no eviction adds changes.
    for (let i = 0; i < COOKIE_COMMIT_BATCH - 1; i++) set(`c${i}=${i}; Max-Age=3600`, T0 + i, `https://site${i % 16}.com/`);
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.ops).toEqual([]);
    expect(persistence.pending).toBe(COOKIE_COMMIT_BATCH - 1);
    set('last=1; Max-Age=3600', T0 + 600, 'https://site0.com/');
    await vi.advanceTimersByTimeAsync(0); // no time passes: only the queued microtasks run
    expect(persistence.commits).toBe(1);
    expect(persistence.pending).toBe(0);
    expect(fake.cookies().size).toBe(COOKIE_COMMIT_BATCH);
    expect(fake.trace().slice(-1)).toEqual(['flush']);
    // The interval timer was cancelled with the batch: nothing more to commit later.
    await vi.advanceTimersByTimeAsync(COOKIE_COMMIT_INTERVAL_MS * 2);
    expect(persistence.commits).toBe(1);
  });

  it('flush writes every pending change, then calls store.flush, and resolves after it', async () => {
    const { fake, persistence, set, store } = persistentJar();
    set('a=1; Max-Age=3600');
    set('b=1; Max-Age=3600');
    set('gone=1; Max-Age=3600');
    await persistence.flush();
    store.deleteWhere((c) => c.name === 'gone');
    set('c=1; Max-Age=3600');
    expect(fake.writes()).toHaveLength(3);
    await persistence.flush();
    expect(fake.trace()).toEqual(['set a', 'set b', 'set gone', 'flush', 'delete gone', 'set c', 'flush']);
    expect(persistence.pending).toBe(0);
    expect([...fake.cookies().values()].map((c) => c.name).sort()).toEqual(['a', 'b', 'c']);
    // A flush with nothing pending commits nothing but still asks the store for durability.
    const flushes = fake.flushes;
    await persistence.flush();
    expect(fake.flushes).toBe(flushes + 1);
    expect(persistence.commits).toBe(2);
  });

  it('never writes session cookies, nor any cookie of a nonce partition', async () => {
    const { fake, persistence, set, store } = persistentJar();
    const nonced = cookiePartitionKeyFromUrl('https://top.example/', false, 'nonce-1');
    set('session=1');
    set('anon=1; Max-Age=3600', T0, 'https://example.com/', { partitionKey: nonced });
    set('anon2=1; Secure; Partitioned; Max-Age=3600', T0, 'https://example.com/', { partitionKey: nonced });
    expect(persistence.pending).toBe(0);
    // Overwrites, deletes, expiry and session ends of those cookies reach no storage either.
    set('session=2');
    set('anon=2; Max-Age=3600', T0 + 1, 'https://example.com/', { partitionKey: nonced });
    store.getCookieList(new URL('https://example.com/'), { partitions: nonced, now: T0 + 3 * HOUR });
    store.deleteSessionCookies();
    expect(store.size).toBe(0);
    await persistence.flush();
    expect(fake.writes()).toEqual([]);
    expect(fake.data.size).toBe(0);
    // A CHIPS cookie of an ordinary partition is persisted, with its partition.
    set('chip=1; Secure; Partitioned; Max-Age=3600', T0, 'https://example.com/', { partitionKey: cookiePartitionKeyFromUrl('https://top.example/', true) });
    await persistence.flush();
    expect([...fake.cookies().values()][0]!.partitionKey).toEqual({ topLevelSite: 'https://top.example', crossSiteAncestor: true });
  });

  it('deletes the stored record when a session cookie overwrites a persistent one', async () => {
    const { fake, persistence, set, log } = persistentJar();
    set('a=1; Max-Age=3600');
    await persistence.flush();
    expect(fake.cookies().size).toBe(1);
    set('a=1', T0 + 1); // same value, now a session cookie
    expect(log().slice(1)).toEqual(['overwrite a=1', 'inserted-no-value-change-overwrite a=1 +']);
    await persistence.flush();
    expect(fake.cookies().size).toBe(0);
    expect(fake.writes().map((o) => o.op)).toEqual(['set', 'delete']);
    // And back: a persistent cookie over the session one is stored again.
    set('a=3; Max-Age=60', T0 + 2);
    await persistence.flush();
    expect([...fake.cookies().values()].map((c) => c.value)).toEqual(['3']);
  });

  it('writes deletes for expiry met on reads, expired-overwrite and eviction', async () => {
    const { fake, persistence, set, store } = persistentJar();
    set('short=1; Max-Age=1');
    set('victim=1; Max-Age=3600');
    for (let i = 0; i < 180; i++) set(`e${i}=1; Max-Age=3600`, T0 + 10 + i, 'https://evict.com/');
    await persistence.flush();
    expect(fake.cookies().size).toBe(182);
    store.getCookieList(new URL('https://example.com/'), { now: T0 + 5000 });
    set('victim=x; Max-Age=0', T0 + 5000);
    set('e180=1; Max-Age=3600', T0 + 6000, 'https://evict.com/');
    await persistence.flush();
    const left = [...fake.cookies().values()];
    expect(left.filter((c) => c.domain === 'example.com')).toEqual([]);
    expect(left.filter((c) => c.domain === 'evict.com')).toHaveLength(150);
    expect(left.some((c) => c.name === 'e0')).toBe(false);
  });

  it('persists access-time updates of reads, not of reads that ask for none', async () => {
    const { fake, persistence, set, store } = persistentJar();
    const url = new URL('https://example.com/');
    set('a=1; Max-Age=36000');
    await persistence.flush();
    store.getCookieList(url, { now: T0 + HOUR, updateAccessTime: false });
    expect(persistence.pending).toBe(0);
    store.getCookieList(url, { now: T0 + HOUR });
    expect(persistence.pending).toBe(1);
    // At most once a minute.
    store.getCookieList(url, { now: T0 + HOUR + 30_000 });
    await persistence.flush();
    expect([...fake.cookies().values()][0]!.lastAccess).toBe(T0 + HOUR);
    expect(fake.writes()).toHaveLength(2);
  });

  it('keeps a change whose store.set failed pending, still makes the others durable; the flush reports it and the next flush retries', async () => {
    const { fake, persistence, set } = persistentJar();
    set('a=1; Max-Age=3600');
    set('b=1; Max-Age=3600');
    const keyA = cookieUniqueKey({ name: 'a', domain: 'example.com', path: '/', partitionKey: null });
    fake.failSet.set(keyA, 1);
    await expect(persistence.flush()).rejects.toThrow(/disk full/);
    // As Chromium's commit goes on past a failed statement: b is written and flushed, a waits.
    expect(fake.flushes).toBe(1);
    expect([...fake.cookies().values()].map((c) => c.name)).toEqual(['b']);
    expect(persistence.pending).toBe(1);
    await persistence.flush();
    expect(persistence.pending).toBe(0);
    expect([...fake.cookies().values()].map((c) => c.name).sort()).toEqual(['a', 'b']);
    expect(fake.trace()).toEqual(['set a', 'set b', 'flush', 'set a', 'flush']);
  });

  it('keeps a change whose store.set threw at once (not a rejection) pending too', async () => {
    const { fake, persistence, set } = persistentJar();
    set('a=1; Max-Age=3600');
    set('b=1; Max-Age=3600');
    fake.throwSet.set(cookieUniqueKey({ name: 'a', domain: 'example.com', path: '/', partitionKey: null }), 1);
    await expect(persistence.flush()).rejects.toThrow(/thrown synchronously/);
    expect(persistence.pending).toBe(1);
    await persistence.flush();
    expect([...fake.cookies().values()].map((c) => c.name).sort()).toEqual(['a', 'b']);
  });

  it('drops a change the store refuses as invalid (a TypeError), reports it once, and goes on committing the rest', async () => {
    const { fake, persistence, set } = persistentJar();
    set('bad=1; Max-Age=3600');
    set('good=1; Max-Age=3600');
    fake.refuseSet.add(cookieUniqueKey({ name: 'bad', domain: 'example.com', path: '/', partitionKey: null }));
    await expect(persistence.flush()).rejects.toThrow(TypeError);
    expect(persistence.pending).toBe(0); // not retried for ever
    expect([...fake.cookies().values()].map((c) => c.name)).toEqual(['good']);
    expect(fake.flushes).toBe(1);
    set('later=1; Max-Age=3600', T0 + 1);
    await persistence.flush(); // later commits are not blocked by it
    expect([...fake.cookies().values()].map((c) => c.name).sort()).toEqual(['good', 'later']);
  });

  it('counts changes, not distinct keys, toward the 512 that trigger a commit (Chromium: "to guarantee progress")', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { persistence, set } = persistentJar();
    // One key throughout: the first set is one change, each overwrite two (the replaced cookie's
    // delete and the new one), so 256 sets make 511 changes.
    for (let i = 0; i < 256; i++) set(`a=${i}; Max-Age=3600`, T0 + i);
    await vi.advanceTimersByTimeAsync(0);
    expect(persistence.commits).toBe(0);
    expect(persistence.pending).toBe(1);
    set('a=last; Max-Age=3600', T0 + 600);
    await vi.advanceTimersByTimeAsync(0);
    expect(persistence.commits).toBe(1);
    expect(persistence.pending).toBe(0);
  });

  it('does not put back a failed change that a newer one superseded', async () => {
    const { fake, persistence, set } = persistentJar();
    set('a=1; Max-Age=3600');
    fake.failAll = true;
    const failed = persistence.flush();
    set('a=2; Max-Age=3600', T0 + 1); // queued while the failing commit runs
    await expect(failed).rejects.toThrow(/disk full/);
    fake.failAll = false;
    await persistence.flush();
    expect([...fake.cookies().values()].map((c) => c.value)).toEqual(['2']);
  });

  it('reports a failed background commit through onError and retries it on the next commit', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fake, persistence, set, errors } = persistentJar();
    fake.failAll = true;
    set('a=1; Max-Age=3600');
    await vi.advanceTimersByTimeAsync(COOKIE_COMMIT_INTERVAL_MS);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/disk full/);
    expect(persistence.pending).toBe(1);
    fake.failAll = false;
    set('b=1; Max-Age=3600');
    await vi.advanceTimersByTimeAsync(COOKIE_COMMIT_INTERVAL_MS);
    expect([...fake.cookies().values()].map((c) => c.name).sort()).toEqual(['a', 'b']);
  });

  it('does not let a flush resolve while a batch commit that started before it failed', async () => {
    const { fake, persistence, set } = persistentJar({ commitBatch: 4 });
    fake.failAll = true;
    for (let i = 0; i < 4; i++) set(`c${i}=1; Max-Age=3600`, T0 + i);
    // The batch commit is queued; a flush asked for now must cover its changes.
    const flushed = persistence.flush();
    await expect(flushed).rejects.toThrow(/disk full/);
    expect(fake.flushes).toBe(0);
    expect(persistence.pending).toBe(4);
    fake.failAll = false;
    await persistence.flush();
    expect(fake.cookies().size).toBe(4);
  });

  it('commits pending changes for an exit once; a failing store gets one attempt so the program can end', async () => {
    const { fake, persistence, set } = persistentJar();
    expect(persistence.commitIfPending()).toBeUndefined(); // nothing pending: no work, the exit goes on
    set('a=1; Max-Age=3600');
    await persistence.commitIfPending();
    expect([...fake.cookies().keys()]).toHaveLength(1);
    expect(persistence.commitIfPending()).toBeUndefined();
    fake.failAll = true;
    set('b=1; Max-Age=3600');
    await expect(persistence.commitIfPending()).rejects.toThrow(/disk full/);
    expect(persistence.pending).toBe(1);
    expect(persistence.commitIfPending()).toBeUndefined();
  });

  it('close() stops the timer: nothing is written afterwards', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fake, persistence, set } = persistentJar();
    set('a=1; Max-Age=3600');
    persistence.close();
    await vi.advanceTimersByTimeAsync(COOKIE_COMMIT_INTERVAL_MS * 2);
    expect(fake.ops).toEqual([]);
  });
});

describe('cookie records', () => {
  const full: CanonicalCookie = {
    ...make('https://www.example.com/a/b', 'n=v ü; Domain=example.com; Path=/a; Secure; HttpOnly; SameSite=Strict; Priority=High; Partitioned; Max-Age=100', T0, {
      partitionKey: cookiePartitionKeyFromUrl('https://top.example/', true),
    }),
    lastAccess: T0 + 5,
  };
  const enc = (row: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(row));
  const goodRow = (): unknown[] => JSON.parse(new TextDecoder().decode(encodeCookieRecord(full))) as unknown[];
  const withField = (i: number, value: unknown): Uint8Array => {
    const row = goodRow();
    row[i] = value;
    return enc(row);
  };

  it('round-trips every field of a persistent cookie', () => {
    expect(full.partitionKey).toEqual({ topLevelSite: 'https://top.example', crossSiteAncestor: true });
    expect(decodeCookieRecord(encodeCookieRecord(full))).toEqual(full);
    const plain = make('https://example.com:8443/', 'p=; Max-Age=100; SameSite=None; Secure', T0);
    expect(decodeCookieRecord(encodeCookieRecord(plain))).toEqual(plain);
    expect(() => encodeCookieRecord(make('https://example.com/', 's=1'))).toThrow(/session cookie "s" is not persisted/);
  });

  it('refuses corrupt records with a TypeError naming what is wrong', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array([0xff, 0xfe, 0x5b]), /not UTF-8 JSON/],
      [new TextEncoder().encode('[1, "n", "v"'), /not UTF-8 JSON/],
      [enc({ name: 'n' }), /unknown shape/],
      [enc(goodRow().slice(0, 13)), /unknown shape/],
      [withField(0, 2), /unknown shape/],
      [withField(1, 7), /invalid name, value, domain or path/],
      [withField(3, ''), /invalid name, value, domain or path/],
      [withField(4, 'a'), /invalid name, value, domain or path/],
      [withField(8, 'yesterday'), /"n" has invalid times or flags/],
      [withField(10, null), /invalid times or flags/],
      [withField(5, Infinity), /invalid times or flags/], // JSON null
      [withField(6, 4), /invalid times or flags/],
      [withField(7, -1), /invalid times or flags/],
      [withField(12, 3), /invalid times or flags/],
      [withField(11, 42), /invalid partition/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => decodeCookieRecord(bytes), String(message)).toThrow(TypeError);
      expect(() => decodeCookieRecord(bytes), String(message)).toThrow(message);
    }
  });

  it('refuses enum fields that are not integer indexes (a string or fraction is corruption too)', () => {
    for (const [i, value] of [
      [6, 'length'],
      [6, '1'],
      [6, 1.5],
      [7, 'length'],
      [7, true],
      [12, '0'],
      [12, 'length'],
    ] as const) {
      expect(() => decodeCookieRecord(withField(i, value)), `field ${i} = ${JSON.stringify(value)}`).toThrow(/invalid times or flags/);
    }
  });

  it('skips a corrupt record at load, reports it through onUnreadable, leaves it in storage, and loads the rest', async () => {
    const fake = new FakeStore();
    const good = (name: string): CanonicalCookie => make('https://example.com/', `${name}=1; Max-Age=3600`, Date.now());
    await fake.set(COOKIE_AREA, cookieUniqueKey(good('ok1')), encodeCookieRecord(good('ok1')));
    await fake.set(COOKIE_AREA, 'garbage-key', new TextEncoder().encode('{"not": "a cookie"}'));
    await fake.set(COOKIE_AREA, 'torn-key', encodeCookieRecord(good('torn')).subarray(0, 20));
    await fake.set(COOKIE_AREA, cookieUniqueKey(good('ok2')), encodeCookieRecord(good('ok2')));
    const reported: UnreadableCookieRecord[] = [];
    const jar = Cookies.create({ openStore: async () => fake, onUnreadable: (records) => reported.push(...records) });
    expect((await jar.get({})).map((c) => c.name).sort()).toEqual(['ok1', 'ok2']);
    expect(reported.map((r) => r.key).sort()).toEqual(['garbage-key', 'torn-key']);
    expect(reported.find((r) => r.key === 'garbage-key')!.reason).toMatch(/unknown shape/);
    expect(reported.find((r) => r.key === 'torn-key')!.reason).toMatch(/not UTF-8 JSON/);
    // New changes and flushes leave the unreadable records where they are.
    await jar.set({ url: 'https://example.com/', name: 'new', value: '1', expirationDate: Date.now() / 1000 + 60 });
    await jar.remove('https://example.com/', 'ok1');
    await jar.flushStore();
    expect((await fake.keys(COOKIE_AREA)).sort()).toEqual(['garbage-key', cookieUniqueKey(good('new')), cookieUniqueKey(good('ok2')), 'torn-key'].sort());
    expect(new TextDecoder().decode(await fake.get(COOKIE_AREA, 'garbage-key'))).toBe('{"not": "a cookie"}');
    await jar.close();
  });

  it('reports a record stored under another cookie\'s key as unreadable and loads nothing from it', async () => {
    const fake = new FakeStore();
    const bar = make('https://example.com/', 'bar=1; Max-Age=3600', Date.now());
    const foo = make('https://example.com/', 'foo=1; Max-Age=3600', Date.now());
    await fake.set(COOKIE_AREA, cookieUniqueKey(foo), encodeCookieRecord(bar));
    const reported: UnreadableCookieRecord[] = [];
    const jar = Cookies.create({ openStore: async () => fake, onUnreadable: (records) => reported.push(...records) });
    expect(await jar.get({})).toEqual([]);
    expect(reported.map((r) => r.key)).toEqual([cookieUniqueKey(foo)]);
    expect(reported[0]!.reason).toMatch(/not its own/);
    await jar.close();
  });

  it('loads stored cookies silently (no changed events, no write back); one expired meanwhile goes at the first read that meets it, as expired, from storage too', async () => {
    const fake = new FakeStore();
    const now = Date.now();
    const live = make('https://example.com/', 'live=1; Max-Age=3600', now - 1000);
    const dead = make('https://example.com/', 'dead=1; Max-Age=1', now - 10_000);
    await fake.set(COOKIE_AREA, cookieUniqueKey(live), encodeCookieRecord(live));
    await fake.set(COOKIE_AREA, cookieUniqueKey(dead), encodeCookieRecord(dead));
    fake.ops.length = 0;
    const jar = Cookies.create({ openStore: async () => fake });
    const events: string[] = [];
    jar.on('changed', (_e: unknown, cookie: { name: string }, cause: string, removed: boolean) => events.push(`${cause} ${cookie.name} ${removed}`));
    // StoreLoadedCookies checks no expiry: the load itself deletes nothing and tells nobody.
    expect(await jar.get({ url: 'https://other.example/' })).toEqual([]);
    await jar.flushStore();
    expect(events).toEqual([]);
    expect(fake.writes()).toEqual([]);
    // GetAllCookies collects the expired ones first (GarbageCollectExpired), and says so.
    expect((await jar.get({})).map((c) => c.name)).toEqual(['live']);
    expect(events).toEqual(['expired dead true']);
    await jar.flushStore();
    expect(fake.writes()).toEqual([{ op: 'delete', area: COOKIE_AREA, key: cookieUniqueKey(dead) }]);
    await jar.close();
  });
});
