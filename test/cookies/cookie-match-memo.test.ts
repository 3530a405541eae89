// The memo of CookieIndex.matchRecords (a repeated read of an unchanged jar reuses the ids of the
// last match): a store read repeatedly (memo hits) must give the same cookies and change events
// as a store whose memo is defeated by a read of another URL before every read, over random sets,
// deletes, expiries, partitions and clock jumps.
import { describe, expect, it } from 'vitest';
import { CookieStore } from '../../core/src/cookies/cookie-store.ts';
import { createCanonicalCookie, cookiePartitionKeyFromUrl } from '../../core/src/cookies/canonical-cookie.ts';

function run(seed0: number): { fails: number; diffs: string[] } {
  let seed = seed0;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  let fails = 0;
  const diffs: string[] = [];
  const HOSTS = ['a.ex.com', 'b.ex.com', 'ex.com', 'c.other.org'];
  const PATHS = ['/', '/x', '/x/y'];
  const URLS = ['https://a.ex.com/x/y', 'https://ex.com/', 'http://b.ex.com/x', 'https://c.other.org/x/y/z'].map((u) => new URL(u));
  const DUMMY = new URL('https://nothing.example.net/');
  for (let trial = 0; trial < 100; trial++) {
    const logA: string[] = [], logB: string[] = [];
    let now = 1_700_000_000_000;
    const A = new CookieStore({ onChange: (c) => logA.push(`${c.cause}:${c.cookie.name}`), now: () => now });
    const B = new CookieStore({ onChange: (c) => logB.push(`${c.cause}:${c.cookie.name}`), now: () => now });
    // A third jar on the same core, read between A's repeated reads: each jar keeps its own memo ids.
    const C = new CookieStore({ now: () => now });
    const pk = cookiePartitionKeyFromUrl('https://top.example/');
    const fixed = { partitions: pick<'all' | 'none' | typeof pk>(['all', 'none', pk]), includeHttpOnly: rand() < 0.7, context: pick(['same-site', 'lax', 'cross-site'] as const) };
    const urls = [pick(URLS), pick(URLS)];
    for (let step = 0; step < 200; step++) {
      const r = rand();
      if (r < 0.35) {
        const host = pick(HOSTS);
        const url = new URL(`https://${host}/x/`);
        const parts = [`${pick(['n1', 'n2', 'n3', 'n4'])}=${pick(['v1', 'v2', 'v3'])}`, `Path=${pick(PATHS)}`];
        if (rand() < 0.4) parts.push(`Domain=${host.split('.').slice(-2).join('.')}`);
        const e = rand();
        if (e < 0.3) parts.push(`Max-Age=${Math.floor(rand() * 5)}`);
        else if (e < 0.4) parts.push('Max-Age=0');
        if (rand() < 0.3) parts.push('Secure');
        if (rand() < 0.2) parts.push('HttpOnly');
        const partitioned = rand() < 0.15;
        if (partitioned) parts.push('Secure', 'Partitioned');
        if (rand() < 0.3) parts.push(`SameSite=${pick(['Lax', 'Strict', 'None'])}`);
        const line = parts.join('; ');
        for (const S of [A, B, C]) {
          const c = createCanonicalCookie(url, line, now, { partitionKey: partitioned ? pk : null, checkSetPermitted: false });
          if (c.ok) S.setCanonicalCookie(c.cookie, url, { now });
        }
      } else if (r < 0.45) {
        now += Math.floor(rand() * 3000);
      } else if (r < 0.5) {
        const u = pick(URLS);
        const la = A.getCookieList(u, { updateAccessTime: false, partitions: 'all', now });
        const lb = B.getCookieList(u, { updateAccessTime: false, partitions: 'all', now });
        if (la.length > 0 && rand() < 0.5) { const victim = pick(la); A.deleteCookie(victim); B.deleteCookie(lb[la.indexOf(victim)]!); }
      } else {
        const u = pick(urls);
        const opts = { updateAccessTime: false, ...fixed, now };
        const reps = 1 + Math.floor(rand() * 3);
        let la = A.getCookieList(u, opts);
        for (let k = 1; k < reps; k++) {
          C.getCookieList(pick(URLS), opts);
          la = A.getCookieList(u, opts);
        }
        B.getCookieList(DUMMY, { updateAccessTime: false, now });
        const lb = B.getCookieList(u, opts);
        const fa = la.map((c) => `${c.name}=${c.value}@${c.domain}${c.path}`).join(' '), fb = lb.map((c) => `${c.name}=${c.value}@${c.domain}${c.path}`).join(' ');
        if (fa !== fb) { fails++; if (fails < 5) diffs.push(`seed ${seed0} trial ${trial} step ${step}: ${fa} | ${fb}`); }
      }
    }
    if (logA.join() !== logB.join()) { fails++; if (fails < 5) diffs.push(`seed ${seed0} trial ${trial}: change events differ`); }
    A.dispose(); B.dispose(); C.dispose();
  }
  return { fails, diffs };
}

describe('cookie match memo', () => {
  it('gives what a full match gives, on 5 seeds x 100 random jars', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { fails, diffs } = run(seed);
      expect(diffs, `seed ${seed}`).toEqual([]);
      expect(fails).toBe(0);
    }
  });
});
