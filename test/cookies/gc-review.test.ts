// Garbage collection against chromium net/cookies/cookie_monster.cc (00004bca59): collection after
// an already-expired set, none on load (StoreLoadedCookies), and the order of the expired cookies
// a pass over every key deletes (the multimap's key order, partitions after).
import { describe, expect, it } from 'vitest';
import { type CanonicalCookie, createCanonicalCookie, cookiePartitionKeyFromUrl } from '../../core/src/cookies/canonical-cookie.ts';
import { CookieStore, type CookieChange } from '../../core/src/cookies/cookie-store.ts';

const T = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

function make(url: string, line: string, now = T, partitionKey: ReturnType<typeof cookiePartitionKeyFromUrl> | null = null): CanonicalCookie {
  const r = createCanonicalCookie(url, line, now, partitionKey ? { partitionKey } : {});
  if (!r.ok) throw new Error(`createCanonicalCookie(${url}, ${line}) failed: ${r.reasons.join(', ')}`);
  return r.cookie;
}

function storeWithChanges() {
  const changes: CookieChange[] = [];
  const store = new CookieStore({ onChange: (c) => changes.push(c) });
  return { store, changes };
}

/** 3301 cookies on 30 keys at T (the last set runs a global pass that deletes nothing). */
function fill(store: CookieStore, how: 'line' | 'canonical'): void {
  for (let i = 0; i < 3301; i++) {
    const url = new URL(`https://s${i % 30}.com/`);
    if (how === 'line') store.setFromLine(url, `c${i}=v`, T);
    else store.setCanonicalCookie(make(url.href, `c${i}=v`), url, { now: T });
  }
}

describe('garbage collection after an already-expired set', () => {
  it.each(['line', 'canonical'] as const)('%s: the global pass runs and evicts down to 3000', (how) => {
    const { store, changes } = storeWithChanges();
    try {
      fill(store, how);
      expect(store.getAllCookies(T).length).toBe(3301);
      changes.length = 0;
      const now = T + 31 * DAY;
      const url = new URL('https://zz.com/');
      if (how === 'line') store.setFromLine(url, 'zz=gone; Max-Age=0', now);
      else store.setCanonicalCookie(make(url.href, 'zz=gone; Max-Age=0', now), url, { now });
      expect(changes.filter((c) => c.cause === 'evicted').length).toBe(301);
      expect(store.getAllCookies(now).length).toBe(3000);
    } finally {
      store.dispose();
    }
  });

  it('per-key: an expired set on a key over 180 collects it', () => {
    const { store, changes } = storeWithChanges();
    try {
      const url = new URL('https://a.com/');
      for (let i = 0; i < 180; i++) store.setFromLine(url, `c${i}=v`, T + i);
      // Over the limit only through a load (no collection there), as Chromium allows.
      store.load(make(url.href, 'extra1=v', T + 200));
      store.load(make(url.href, 'extra2=v', T + 200));
      expect(store.getAllCookies(T + 300).length).toBe(182);
      changes.length = 0;
      store.setFromLine(url, 'c0=gone; Max-Age=0', T + 400);
      // c0 expired-overwrite, then 181 → 150.
      expect(changes.filter((c) => c.cause === 'evicted').length).toBe(31);
      expect(store.getAllCookies(T + 500).length).toBe(150);
    } finally {
      store.dispose();
    }
  });
});

describe('loading from storage', () => {
  it('keeps 200 cookies of one key until the next set on it', () => {
    const { store } = storeWithChanges();
    try {
      const url = 'https://a.com/';
      for (let i = 0; i < 200; i++) store.load(make(url, `c${i}=v; Max-Age=86400`, T + i));
      expect(store.getAllCookies(T + 1000).length).toBe(200);
      store.setFromLine(new URL(url), 'next=v', T + 2000);
      expect(store.getAllCookies(T + 2000).length).toBe(150);
    } finally {
      store.dispose();
    }
  });

  it('keeps a cookie that expired before the load until a read of its site deletes it (expired, from storage too)', () => {
    const changes: CookieChange[] = [];
    const puts: string[] = [];
    const store = new CookieStore({ onChange: (c) => changes.push(c), sink: { put: (key, cookie) => puts.push(`${cookie === null ? 'delete' : 'put'} ${key.includes('gone') ? 'gone' : 'kept'}`) } });
    try {
      const at = T + DAY;
      store.load(make('https://a.com/', 'gone=v; Max-Age=60', T));
      store.load(make('https://a.com/', 'kept=v; Max-Age=864000', T));
      expect(store.size).toBe(2);
      expect(changes).toEqual([]);
      expect(puts).toEqual([]);
      // A read of another site leaves it; a read of its own deletes it (FindCookiesForRegistryControlledHost).
      expect(store.getCookieList(new URL('https://b.com/'), { now: at })).toEqual([]);
      expect(store.size).toBe(2);
      expect(store.getCookieList(new URL('https://a.com/'), { now: at }).map((c) => c.name)).toEqual(['kept']);
      expect(changes.map((c) => `${c.cause} ${c.cookie.name} ${c.removed}`)).toEqual(['expired gone true']);
      // Then the read's access time update of the one it sends, written back as Chromium does.
      expect(puts).toEqual(['delete gone', 'put kept']);
      expect(store.size).toBe(1);
    } finally {
      store.dispose();
    }
  });

  it('does not let a loaded creation time in the future hold the clock there', () => {
    const now = Date.now();
    const store = new CookieStore();
    try {
      store.load(make('https://a.com/', 'future=v; Max-Age=864000000', now + 5 * 365 * DAY));
      expect(store.setFromLine(new URL('https://a.com/'), 'soon=v; Max-Age=86400', now)).toEqual([]);
      const soon = store.getAllCookies(now).find((c) => c.name === 'soon')!;
      expect(soon.creation).toBeLessThan(now + 1000);
      expect(store.getCookieList(new URL('https://a.com/'), { now }).map((c) => c.name)).toContain('soon');
    } finally {
      store.dispose();
    }
  });

  it('sets the earliest access time to the smallest loaded one (no global pass before it is 30 days old)', () => {
    const { store, changes } = storeWithChanges();
    try {
      const at = T + 10 * DAY;
      store.load(make('https://old.com/', 'dies=v; Max-Age=864000', at));
      for (let i = 0; i < 3299; i++) store.load(make(`https://s${i % 30}.com/`, `c${i}=v`, at));
      const now = T + 31 * DAY;
      // 3301 cookies, but none accessed before now - 30 days: Chromium runs no global pass, so the
      // expired old.com cookie stays until something reads it.
      store.setFromLine(new URL('https://new.com/'), 'n=v', now);
      expect(changes.filter((c) => c.removed).map((c) => c.cookie.name)).toEqual([]);
      expect(store.getAllCookies(now).length).toBe(3300);
      expect(changes.filter((c) => c.removed).map((c) => `${c.cause} ${c.cookie.name}`)).toEqual(['expired dies']);
    } finally {
      store.dispose();
    }
  });
});

describe('the order of the expired cookies a pass over every key deletes', () => {
  it('global pass: registrable domain order', () => {
    const { store, changes } = storeWithChanges();
    try {
      store.setFromLine(new URL('https://zz.com/'), 'z=1; Max-Age=60', T);
      store.setFromLine(new URL('https://aa.com/'), 'a=1; Max-Age=60', T);
      store.setFromLine(new URL('https://mm.com/'), 'm=1; Max-Age=60', T);
      for (let i = 0; i < 3299; i++) store.setFromLine(new URL(`https://s${i % 30}.com/`), `c${i}=v`, T);
      changes.length = 0;
      store.setFromLine(new URL('https://new.com/'), 'n=v', T + 31 * DAY);
      expect(changes.filter((c) => c.cause === 'expired').map((c) => c.cookie.name)).toEqual(['a', 'm', 'z']);
    } finally {
      store.dispose();
    }
  });

  it('getAllCookies: unpartitioned by key, then each partition in partition key order', () => {
    const { store, changes } = storeWithChanges();
    try {
      const set = (site: string, line: string, top: string | null) => {
        const url = new URL(`https://${site}/`);
        const partitionKey = top === null ? null : cookiePartitionKeyFromUrl(top);
        store.setCanonicalCookie(make(url.href, line, T, partitionKey), url, { now: T });
      };
      set('zz.com', 'p1=1; Max-Age=60; Secure; Partitioned', 'https://b.com');
      set('zz.com', 'u1=1; Max-Age=60', null);
      set('zz.com', 'p2=1; Max-Age=60; Secure; Partitioned', 'https://a.com');
      set('aa.com', 'p3=1; Max-Age=60; Secure; Partitioned', 'https://b.com');
      set('aa.com', 'u2=1; Max-Age=60', null);
      set('aa.com', 'p4=1; Max-Age=60; Secure; Partitioned', 'http://c.com');
      changes.length = 0;
      expect(store.getAllCookies(T + 120_000)).toEqual([]);
      // http://c.com (port 80) before https://a.com and https://b.com (port 443).
      expect(changes.map((c) => c.cookie.name)).toEqual(['u2', 'u1', 'p4', 'p2', 'p3', 'p1']);
    } finally {
      store.dispose();
    }
  });
});
