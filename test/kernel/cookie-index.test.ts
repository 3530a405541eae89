import { describe, expect, it } from 'vitest';
import { hasCode } from '../../core/src/errors.ts';
import { Core } from '../../core/src/wasm/core.ts';
import { CookieIndex, cookieKernel } from '../../core/src/cookies/cookie-index.ts';
import type { CookieIndexEntry, CookieRemovalCause, CookieRequest, SameSiteContext } from '../../core/src/cookies/cookie-index.ts';
import { seededRandom as rng } from '../harness/random.ts';

const DAY = 86400e6;
const T0 = 1.7e15;

// ---- reference model: CookieMonster as reference/cookies.md §4.5, §4.6, §4.9 describe it ----

interface RefCookie {
  tag: number;
  e: CookieIndexEntry;
  domain: string;
  partition: number;
  priority: number;
  creation: number;
  seq: number;
  access: number;
  size: number;
}

interface RefRemoval {
  tag: number;
  cause: CookieRemovalCause;
}

const isExpired = (c: RefCookie, now: number): boolean => now >= c.e.expiry;
const byOrder = (a: RefCookie, b: RefCookie): number => b.e.path.length - a.e.path.length || a.creation - b.creation || a.seq - b.seq;
const byLra = (a: RefCookie, b: RefCookie): number => a.access - b.access || a.creation - b.creation || a.seq - b.seq;

function domainMatch(domain: string, host: string): boolean {
  if (host === domain) return true;
  if (!domain.startsWith('.')) return false;
  return domain.slice(1) === host || (host.length > domain.length && host.endsWith(domain));
}

function onPath(cookiePath: string, urlPath: string): boolean {
  if (!cookiePath || !urlPath.startsWith(cookiePath)) return false;
  return cookiePath.length === urlPath.length || cookiePath.endsWith('/') || urlPath[cookiePath.length] === '/';
}

function subdomainOf(sub: string, sup: string): boolean {
  return sub === sup || (sub.length > sup.length && sub.endsWith(`.${sup}`));
}

class RefMonster {
  cookies: RefCookie[] = [];
  earliest = -Infinity;
  seq = 0;
  constructor(readonly limits = true) {}

  #bucket(partition: number, reg: string): RefCookie[] {
    return this.cookies.filter((c) => c.partition === partition && c.e.registrableDomain === reg);
  }

  #drop(c: RefCookie, cause: CookieRemovalCause, out: RefRemoval[]): void {
    this.cookies.splice(this.cookies.indexOf(c), 1);
    out.push({ tag: c.tag, cause });
  }

  insert(tag: number, e: CookieIndexEntry, now: number, allowSecure: boolean, excludeHttpOnly: boolean): { inserted: boolean; removed: RefRemoval[]; status: string } {
    const domain = e.hostOnly ? e.domain.replace(/^\./, '') : `.${e.domain.replace(/^\./, '')}`;
    const partition = e.partitionKey ?? 0;
    const removed: RefRemoval[] = [];
    let blockedSecure = false;
    let equivalent: RefCookie | undefined;
    for (const c of this.#bucket(partition, e.registrableDomain)) {
      if (c.e.name !== e.name) continue;
      const a = domain.replace(/^\./, '');
      const b = c.domain.replace(/^\./, '');
      if (!allowSecure && c.e.secure && (subdomainOf(a, b) || subdomainOf(b, a)) && onPath(c.e.path, e.path)) blockedSecure = true;
      if (c.domain === domain && c.e.path === e.path) equivalent = c;
    }
    if (blockedSecure) return { inserted: false, removed, status: 'exclude-overwrite-secure' };
    if (equivalent && excludeHttpOnly && equivalent.e.httpOnly) return { inserted: false, removed, status: 'exclude-overwrite-http-only' };
    const expired = now >= e.expiry;
    let creation = e.creation;
    let seq = ++this.seq;
    if (equivalent) {
      if (equivalent.e.value === e.value) {
        creation = equivalent.creation;
        seq = equivalent.seq;
      }
      this.#drop(equivalent, expired ? 'expired-overwrite' : 'overwrite', removed);
    }
    if (expired) return { inserted: false, removed, status: 'expired' };
    const size = new TextEncoder().encode(e.name + e.value).length;
    this.cookies.push({ tag, e, domain, partition, priority: e.priority ?? 1, creation, seq, access: e.lastAccess ?? e.creation, size });
    if (this.limits) {
      if (partition !== 0) this.#gcPartitioned(partition, e.registrableDomain, now, removed);
      else {
        this.#gcDomain(e.registrableDomain, now, removed);
        this.#gcGlobal(now, removed);
      }
    }
    return { inserted: true, removed, status: 'inserted' };
  }

  #gcDomain(reg: string, now: number, out: RefRemoval[]): void {
    if (this.#bucket(0, reg).length <= 180) return;
    for (const c of this.#bucket(0, reg)) if (isExpired(c, now)) this.#drop(c, 'expired', out);
    const list = this.#bucket(0, reg).sort(byLra);
    if (list.length <= 180) return;
    let goal = list.length - 150;
    const rounds: [number, boolean][] = [[0, true], [0, false], [1, true], [2, true], [1, false], [2, false]];
    for (const [priority, protectSecure] of rounds) {
      if (goal <= 0) break;
      const quota = [30, 50, 70][priority] as number;
      const atPriority = list.filter((c) => c.priority === priority);
      if (atPriority.length <= quota) continue;
      const secure = atPriority.filter((c) => c.e.secure).length;
      let possible = atPriority.length - (protectSecure ? Math.max(secure, quota) : quota);
      for (let k = 0; k < list.length && goal > 0 && possible > 0; ) {
        const c = list[k] as RefCookie;
        if (c.priority === priority && !(protectSecure && c.e.secure)) {
          this.#drop(c, 'evicted', out);
          list.splice(k, 1);
          goal--;
          possible--;
        } else k++;
      }
    }
  }

  #gcGlobal(now: number, out: RefRemoval[]): void {
    const safe = now - 30 * DAY;
    const unpartitioned = (): RefCookie[] => this.cookies.filter((c) => c.partition === 0);
    if (!(unpartitioned().length > 3300 && this.earliest < safe)) return;
    for (const c of unpartitioned()) if (isExpired(c, now)) this.#drop(c, 'expired', out);
    const live = unpartitioned();
    if (live.length <= 3300) return;
    const goal = live.length - 3000;
    const pass = (list: RefCookie[], n: number): [number, number] => {
      list.sort(byLra);
      let cut = 0;
      while (cut < n && (list[cut] as RefCookie).access < safe) cut++;
      const boundary = cut < list.length ? (list[cut] as RefCookie).access : -Infinity;
      for (const c of list.slice(0, cut)) this.#drop(c, 'evicted', out);
      return [cut, boundary];
    };
    const secure = live.filter((c) => c.e.secure);
    const nonSecure = live.filter((c) => !c.e.secure);
    const [deleted, earliestNonSecure] = pass(nonSecure, Math.min(goal, nonSecure.length));
    if (secure.length === 0) this.earliest = earliestNonSecure;
    else if (deleted < goal) {
      const [, earliestSecure] = pass(secure, Math.min(goal - deleted, secure.length));
      this.earliest = earliestNonSecure !== -Infinity && earliestNonSecure < earliestSecure ? earliestNonSecure : earliestSecure;
    }
  }

  #gcPartitioned(partition: number, reg: string, now: number, out: RefRemoval[]): void {
    const bytes = (l: RefCookie[]): number => l.reduce((s, c) => s + c.size, 0);
    let list = this.#bucket(partition, reg);
    if (bytes(list) <= 10240 && list.length <= 180) return;
    for (const c of list) if (isExpired(c, now)) this.#drop(c, 'expired', out);
    list = this.#bucket(partition, reg).sort(byLra);
    let total = bytes(list);
    for (let k = 0; total > 10240 || list.length - k > 180; k++) {
      const c = list[k] as RefCookie;
      total -= c.size;
      this.#drop(c, 'evicted', out);
    }
  }

  match(r: CookieRequest): { tags: number[]; expired: number[] } {
    // partitionKey -1: every partition (CookiePartitionKeyCollection::ContainsAll).
    const partition = r.partitionKey ?? 0;
    const inPartitions = (p: number): boolean => (partition === -1 ? p !== 0 : partition !== 0 && p === partition);
    const pool = this.cookies.filter(
      (c) => c.e.registrableDomain === r.registrableDomain && ((c.partition === 0 && r.includeUnpartitioned !== false) || inPartitions(c.partition)),
    );
    const expired: number[] = [];
    for (const c of pool) if (isExpired(c, r.now)) {
      this.cookies.splice(this.cookies.indexOf(c), 1);
      expired.push(c.tag);
    }
    const context = { 'cross-site': 0, 'lax-unsafe': 1, lax: 2, 'same-site': 3 }[r.context];
    const hits = pool
      .filter((c) => !isExpired(c, r.now))
      .sort(byOrder)
      .filter((c) => {
        if (c.e.secure && !r.secure) return false;
        if (c.e.httpOnly && r.includeHttpOnly === false) return false;
        const ss = c.e.sameSite;
        if (ss === 0 && !c.e.secure) return false;
        const need = ss === 0 ? 0 : ss === 1 ? 2 : ss === 2 ? 3 : r.now - c.creation <= 120e6 ? 1 : 2;
        if (context < need) return false;
        return domainMatch(c.domain, r.host) && onPath(c.e.path, r.path);
      });
    if (r.updateAccessTime !== false) for (const c of hits) if (r.now - c.access >= 60e6) c.access = r.now;
    return { tags: hits.map((c) => c.tag), expired: expired.sort((a, b) => a - b) };
  }

  remove(tag: number): void {
    this.cookies.splice(this.cookies.findIndex((c) => c.tag === tag), 1);
  }

  purgeExpired(now: number): number[] {
    const gone = this.cookies.filter((c) => isExpired(c, now)).map((c) => c.tag);
    this.cookies = this.cookies.filter((c) => !isExpired(c, now));
    return gone.sort((a, b) => a - b);
  }
}

// ---- deterministic generator ----

const PATHS = ['/', '/a', '/a/', '/a/b', '/a/b/c', '/ab', '/x/y'];
const REQUEST_PATHS = ['/', '/a', '/a/', '/a/b', '/a/b/c/d', '/ab/x', '/abc', '/x/y/z', '/x'];
const CONTEXTS: SameSiteContext[] = ['cross-site', 'lax-unsafe', 'lax', 'same-site'];

/** How the generators spread cookies and requests over partitions (the defaults: 2 partitions, no "all"). */
interface PartitionMix {
  /** Partition key ids drawn from 1..partitions. */
  readonly partitions: number;
  /** Share of generated cookies that are partitioned. */
  readonly partitionedRate: number;
  /** Share of requests that read every partition (partitionKey -1). */
  readonly allRate: number;
}

const DEFAULT_MIX: PartitionMix = { partitions: 2, partitionedRate: 0.1, allRate: 0 };

/**
 * A random request for site `site` (the same draws, in the same order, for every differential
 * run; a mix with allRate 0 draws exactly what the default mix draws).
 */
function randomRequest(site: number, r: () => number, pick: <T>(list: readonly T[]) => T, now: number, mix: PartitionMix = DEFAULT_MIX): CookieRequest {
  const request = {
    registrableDomain: `site${site}.example`,
    host: `${pick(['', 'www.', 'a.www.', 'b.a.www.', 'm.'])}site${site}.example`,
    path: pick(REQUEST_PATHS),
    secure: r() < 0.7,
    context: pick(CONTEXTS),
    partitionKey: r() < 0.2 ? 1 + Math.floor(r() * mix.partitions) : 0,
    includeUnpartitioned: r() < 0.95,
    includeHttpOnly: r() < 0.8,
    updateAccessTime: r() < 0.8,
    now,
  };
  if (mix.allRate > 0 && r() < mix.allRate) request.partitionKey = -1;
  return request;
}

function entryFor(pick: <T>(list: readonly T[]) => T, r: () => number, now: number, sites: number, mix: PartitionMix = DEFAULT_MIX): CookieIndexEntry {
  const site = Math.floor(r() * sites);
  const reg = `site${site}.example`;
  const sub = pick(['', 'www.', 'a.www.', 'm.']);
  const hostOnly = r() < 0.5;
  const secure = r() < 0.4;
  const sameSite = pick([-1, -1, 0, 1, 2] as const);
  const expiry = r() < 0.5 ? Infinity : now + (r() < 0.05 ? -1 : Math.floor(r() * 60 * DAY));
  return {
    registrableDomain: reg,
    name: `n${Math.floor(r() * 400)}`,
    value: pick(['v', 'w', 'value-é', 'x'.repeat(1 + Math.floor(r() * 80))]),
    domain: hostOnly ? `${sub}${reg}` : r() < 0.5 ? `.${sub}${reg}` : `${sub}${reg}`,
    hostOnly,
    path: pick(PATHS),
    secure: secure || sameSite === 0,
    httpOnly: r() < 0.2,
    sameSite,
    priority: pick([0, 1, 1, 1, 2] as const),
    partitionKey: r() < mix.partitionedRate ? 1 + Math.floor(r() * mix.partitions) : 0,
    creation: now,
    expiry,
  };
}

const sortedTags = (l: { tag: number; cause: string }[]): string[] => l.map((x) => `${x.tag}:${x.cause}`).sort();

/** The kernel's self-check (equivalence table, Secure counts, partition chains): the cookie count when consistent, else -1. */
const selfCheck = (index: CookieIndex): number => cookieKernel(index.core.exports).cookieCount(index.handle, 2);

describe.each(['release', 'debug'] as const)('cookie index (%s build)', (build) => {
  const fresh = (limits = true): CookieIndex => new CookieIndex(new Core(build), { limits });
  const base = (over: Partial<CookieIndexEntry>): CookieIndexEntry => ({
    registrableDomain: 'example.com', name: 'a', value: '1', domain: 'example.com', hostOnly: true, path: '/', secure: false,
    httpOnly: false, sameSite: 1, creation: T0, expiry: Infinity, ...over,
  });
  const req = (over: Partial<CookieRequest>): CookieRequest => ({
    registrableDomain: 'example.com', host: 'example.com', path: '/', secure: true, context: 'same-site', now: T0 + 1, ...over,
  });

  it('orders matches by path length, then creation (CookieSorter)', () => {
    const index = fresh();
    const a = index.insert(base({ name: 'a', path: '/', creation: T0 }), { now: T0 }).id;
    const b = index.insert(base({ name: 'b', path: '/foo', creation: T0 + 2 }), { now: T0 + 2 }).id;
    const c = index.insert(base({ name: 'c', path: '/foo', creation: T0 + 1 }), { now: T0 + 2 }).id;
    const d = index.insert(base({ name: 'd', domain: 'example.com', hostOnly: false, path: '/foo/bar' }), { now: T0 + 3 }).id;
    expect([...index.match(req({ path: '/foo/bar/baz', now: T0 + 4 })).ids]).toEqual([d, c, b, a]);
    expect([...index.match(req({ host: 'sub.example.com', path: '/foo', now: T0 + 4 })).ids]).toEqual([]);
    expect([...index.match(req({ host: 'sub.example.com', path: '/foo/bar', now: T0 + 4 })).ids]).toEqual([d]);
    expect([...index.match(req({ path: '/foobar', now: T0 + 4 })).ids]).toEqual([a]);
  });

  it('reports overwrite and expired-overwrite, and keeps the creation time only for an equal value', () => {
    const index = fresh();
    const first = index.insert(base({ creation: T0 }), { now: T0 });
    const same = index.insert(base({ creation: T0 + 10 }), { now: T0 + 10 });
    expect(same.removed).toEqual([{ id: first.id, cause: 'overwrite' }]);
    expect(same.creation).toBe(T0);
    const changed = index.insert(base({ value: '2', creation: T0 + 20 }), { now: T0 + 20 });
    expect(changed.creation).toBe(T0 + 20);
    const gone = index.insert(base({ value: '', expiry: T0 }), { now: T0 + 30 });
    expect(gone).toMatchObject({ id: -1, status: 'expired', removed: [{ id: changed.id, cause: 'expired-overwrite' }] });
    expect(index.size).toBe(0);
  });

  it('leaves Secure cookies alone and keeps HttpOnly cookies from non-HTTP setters', () => {
    const index = fresh();
    index.insert(base({ secure: true, path: '/' }), { now: T0 });
    const blocked = index.insert(base({ domain: 'www.example.com', path: '/x' }), { now: T0, allowSecure: false });
    expect(blocked.status).toBe('exclude-overwrite-secure');
    const h = index.insert(base({ name: 'h', httpOnly: true }), { now: T0 });
    expect(index.insert(base({ name: 'h' }), { now: T0, excludeHttpOnly: true }).status).toBe('exclude-overwrite-http-only');
    expect(index.entry(h.id)?.httpOnly).toBe(true);
  });

  it('applies Secure, HttpOnly and SameSite (Lax by default, Lax+POST for 2 minutes) to requests', () => {
    const index = fresh();
    const s = index.insert(base({ name: 's', secure: true }), { now: T0 }).id;
    const h = index.insert(base({ name: 'h', httpOnly: true }), { now: T0 }).id;
    const u = index.insert(base({ name: 'u', sameSite: -1 }), { now: T0 }).id;
    const n = index.insert(base({ name: 'n', sameSite: 0, secure: true }), { now: T0 }).id;
    const st = index.insert(base({ name: 'st', sameSite: 2 }), { now: T0 }).id;
    const ids = (r: Partial<CookieRequest>): number[] => [...index.match(req({ updateAccessTime: false, ...r })).ids].sort();
    expect(ids({ secure: false })).toEqual([h, u, st].sort());
    expect(ids({ includeHttpOnly: false })).toEqual([s, u, n, st].sort());
    expect(ids({ context: 'cross-site' })).toEqual([n]);
    expect(ids({ context: 'lax-unsafe', now: T0 + 60e6 })).toEqual([u, n].sort());
    expect(ids({ context: 'lax-unsafe', now: T0 + 180e6 })).toEqual([n]);
    expect(ids({ context: 'lax' })).toEqual([s, h, u, n].sort());
  });

  it('shares shapes (domain, path, inclusion flags) among cookies and jars, and frees each with its last cookie', () => {
    const core = new Core(build);
    const shapes = (): number => cookieKernel(core.exports).cookieShapeCount();
    const one = new CookieIndex(core, { limits: true });
    const two = new CookieIndex(core, { limits: true });
    one.insert(base({ name: 'warm' }), { now: T0 });
    const before = shapes();
    // Four shapes: a path, a domain cookie, a Secure one; the same shapes again in the other jar.
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      const over = [{ path: '/x' }, { domain: '.example.com', hostOnly: false }, { secure: true }, { path: '/y', httpOnly: true }][i % 4];
      ids.push(one.insert(base({ name: `c${i}`, ...over }), { now: T0 }).id);
      two.insert(base({ name: `c${i}`, ...over }), { now: T0 });
    }
    expect(shapes()).toBe(before + 4);
    expect(selfCheck(one)).toBe(13);
    // The Secure shape stays while a cookie in either jar has it.
    for (const i of [2, 6, 10]) one.remove(ids[i] as number);
    expect(shapes()).toBe(before + 4);
    expect(selfCheck(one)).toBe(10);
    two.dispose();
    expect(shapes()).toBe(before + 3);
    const r = req({ path: '/x/1', updateAccessTime: false, now: T0 + 1 });
    expect(one.match(r).ids.length).toBe(3 + 3 + 1);
    one.dispose();
    expect(shapes()).toBe(before - 1);
  });

  it('deletes expired cookies met on a request and on purgeExpired (cause expired)', () => {
    const index = fresh();
    const e = index.insert(base({ name: 'e', expiry: T0 + 5 }), { now: T0 }).id;
    const k = index.insert(base({ name: 'k', registrableDomain: 'other.com', domain: 'other.com', expiry: T0 + 5 }), { now: T0 }).id;
    const r = index.match(req({ now: T0 + 5 }));
    expect([...r.expired]).toEqual([e]);
    expect(index.purgeExpired(T0 + 5)).toEqual([{ id: k, cause: 'expired' }]);
    expect(index.size).toBe(0);
  });

  it('evicts per registrable domain down to 150: non-secure low priority first, least recently used first', () => {
    const index = fresh();
    const ids: number[] = [];
    for (let i = 0; i < 181; i++) {
      const r = index.insert(base({ name: `c${i}`, secure: i % 2 === 0, priority: i < 60 ? 0 : 1, creation: T0 + i }), { now: T0 + i });
      ids.push(r.id);
      if (i < 180) expect(r.removed).toEqual([]);
      else {
        // Round 1 (low, secure protected) keeps max(30 secure, quota 30): the 30 low non-secure go.
        // Round 2 skips (30 low left, quota 30); round 3 takes the oldest medium non-secure cookie.
        expect(r.removed).toHaveLength(31);
        expect(r.removed.every((x) => x.cause === 'evicted')).toBe(true);
        const evicted = r.removed.map((x) => x.id);
        expect(evicted.slice(0, 30)).toEqual(ids.filter((_, k) => k < 60 && k % 2 === 1));
        expect(evicted[30]).toBe(ids[61]);
      }
    }
    expect(index.size).toBe(150);
  });

  it('evicts globally only cookies not accessed for 30 days, non-secure first', () => {
    const index = fresh();
    const old: number[] = [];
    for (let i = 0; i < 3301; i++) {
      const now = i < 400 ? T0 + i : T0 + 40 * DAY + i;
      const r = index.insert(base({ registrableDomain: `s${i % 30}.com`, domain: `s${i % 30}.com`, name: `c${i}`, secure: i % 3 === 0, creation: now }), { now });
      if (i < 400) old.push(r.id);
      if (i === 3300) {
        // 301 to purge; only the 400 old ones qualify, non-secure (266) before secure (35 of 134).
        expect(r.removed).toHaveLength(301);
        const nonSecureOld = old.filter((_, k) => k % 3 !== 0);
        expect(r.removed.slice(0, 266).map((x) => x.id)).toEqual(nonSecureOld);
      }
    }
    expect(index.size).toBe(3000);
  });

  it('caps a partition per registrable domain at 10240 name+value bytes', () => {
    const index = fresh();
    const ids = [0, 1, 2, 3].map((i) => index.insert(base({ name: `p${i}`, value: 'x'.repeat(3000), partitionKey: 7, secure: true, creation: T0 + i }), { now: T0 + i }));
    expect(ids[3]?.removed).toEqual([{ id: ids[0]?.id, cause: 'evicted' }]);
    expect([...index.match(req({ partitionKey: 7, now: T0 + 10 })).ids]).toEqual([ids[1]?.id, ids[2]?.id, ids[3]?.id]);
    expect([...index.match(req({ now: T0 + 10 })).ids]).toEqual([]);
  });

  it.each([
    { sites: 5, ops: 6000, seed: 1, want: 'per-domain eviction' },
    { sites: 40, ops: 16000, seed: 2, want: 'global eviction' },
  ])('agrees with the reference model on generated jars and requests: $sites sites, $ops operations ($want)', ({ sites, ops, seed }) => {
    const r = rng(seed + (build === 'release' ? 0 : 100));
    const pick = <T,>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
    const index = fresh();
    const ref = new RefMonster();
    const tagOf = new Map<number, number>();
    const idOf = new Map<number, number>();
    let now = T0;
    let tag = 0;
    let matches = 0;
    let evictions = 0;
    let globalEvictions = 0;
    const forgetIds = (ids: Iterable<number>): number[] => {
      const tags: number[] = [];
      for (const id of ids) {
        const t = tagOf.get(id) as number;
        tags.push(t);
        tagOf.delete(id);
        idOf.delete(t);
      }
      return tags;
    };
    for (let op = 0; op < ops; op++) {
      now += Math.floor(r() * 30e6);
      if (r() < 0.0005) now += 35 * DAY;
      const roll = r();
      if (roll < 0.72) {
        const e = entryFor(pick, r, now, sites);
        const allowSecure = r() < 0.9;
        const excludeHttpOnly = r() < 0.1;
        const t = ++tag;
        const got = index.insert(e, { now, allowSecure, excludeHttpOnly });
        const want = ref.insert(t, e, now, allowSecure, excludeHttpOnly);
        if (got.id >= 0) {
          tagOf.set(got.id, t);
          idOf.set(t, got.id);
        }
        const gotRemoved = got.removed.map((x) => ({ tag: tagOf.get(x.id) as number, cause: x.cause }));
        forgetIds(got.removed.map((x) => x.id));
        expect(got.status).toBe(want.status);
        expect(sortedTags(gotRemoved)).toEqual(sortedTags(want.removed));
        evictions += want.removed.filter((x) => x.cause === 'evicted').length;
        if (want.removed.filter((x) => x.cause === 'evicted').length > 50) globalEvictions++;
      } else if (roll < 0.97) {
        const site = Math.floor(r() * sites);
        const request = randomRequest(site, r, pick, now);
        const got = index.match(request);
        const want = ref.match(request);
        const gotTags = [...got.ids].map((id) => tagOf.get(id));
        expect(gotTags).toEqual(want.tags);
        expect(forgetIds(got.expired).sort((a, b) => a - b)).toEqual(want.expired);
        matches += want.tags.length;
      } else if (roll < 0.995) {
        const live = [...idOf.keys()];
        if (live.length === 0) continue;
        const t = pick(live);
        index.remove(idOf.get(t) as number);
        forgetIds([idOf.get(t) as number]);
        ref.remove(t);
      } else {
        const got = index.purgeExpired(now);
        expect(forgetIds(got.map((x) => x.id)).sort((a, b) => a - b)).toEqual(ref.purgeExpired(now));
      }
      expect(index.size).toBe(ref.cookies.length);
    }
    for (const c of ref.cookies) expect(index.lastAccess(idOf.get(c.tag) as number)).toBe(c.access);
    expect(matches).toBeGreaterThan(1000);
    expect(evictions).toBeGreaterThan(100);
    if (sites > 20) expect(globalEvictions).toBeGreaterThan(0);
  });

  it('surfaces an abort in the cookie kernel as ERR_CORE_ABORT and rebuilds the index afterwards', () => {
    const index = fresh();
    const a = index.insert(base({ name: 'a', path: '/a' }), { now: T0 }).id;
    const b = index.insert(base({ name: 'b', domain: 'example.com', hostOnly: false }), { now: T0 }).id;
    index.match(req({ path: '/a', now: T0 + 120e6 }));
    const before = index.core.generation;
    let caught: unknown;
    try {
      index.core.call('cookies.remove', (x) => cookieKernel(x).cookieRemove(index.handle, 9999));
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'ERR_CORE_ABORT')).toBe(true);
    expect(String((caught as Error).message)).toContain('unknown cookie id');
    expect(index.core.generation).toBe(before + 1);
    expect([...index.match(req({ path: '/a/x', now: T0 + 121e6 })).ids]).toEqual([a, b]);
    expect(index.lastAccess(a)).toBe(T0 + 120e6);
    expect(index.insert(base({ name: 'a', path: '/a', value: '2' }), { now: T0 + 200e6 }).removed).toEqual([{ id: a, cause: 'overwrite' }]);
  });

  it('holds a second index on the same core (no ERR_COOKIE_INDEX_CORE_IN_USE)', () => {
    const core = new Core(build);
    const keep = new CookieIndex(core);
    let caught: unknown;
    let second: CookieIndex | undefined;
    try {
      second = new CookieIndex(core);
    } catch (err) {
      caught = err;
    }
    expect(keep.size).toBe(0);
    expect(caught).toBeUndefined();
    expect(second?.handle).not.toBe(keep.handle);
    expect(cookieKernel(core.exports).cookieIndexCount()).toBe(2);
  });

  it.each([2, 10])('keeps %i indexes on one core independent: interleaved inserts, matches and evictions', (count) => {
    const core = new Core(build);
    const drivers = Array.from({ length: count }, (_, k) => new Driver(new CookieIndex(core), rng(1000 * count + k + (build === 'release' ? 0 : 7)), 2, new CookieIndex(new Core(build))));
    const order = rng(count);
    const opsEach = count === 2 ? 3000 : 1200;
    for (let op = 0; op < opsEach * count; op++) (drivers[Math.floor(order() * count)] as Driver).step();
    expect(cookieKernel(core.exports).cookieIndexCount()).toBe(count);
    for (const d of drivers) {
      d.checkAccess();
      expect(d.matches).toBeGreaterThan(50);
      expect(d.evictions).toBeGreaterThan(0);
    }
  });

  it('frees an index on dispose: 1,000 create/dispose cycles keep memory bounded', () => {
    const core = new Core(build);
    const keep = new Driver(new CookieIndex(core), rng(5), 3);
    for (let i = 0; i < 200; i++) keep.step();
    const kernel = (): ReturnType<typeof cookieKernel> => cookieKernel(core.exports);
    let peak = 0;
    for (let i = 0; i < 1000; i++) {
      const index = new CookieIndex(core);
      for (let k = 0; k < 20; k++) {
        index.insert(base({ registrableDomain: `r${i}.example`, domain: `www.r${i}.example`, name: `c${k}`, path: `/p${i}/${k % 4}`, value: 'x'.repeat(50) }), { now: T0 + k });
      }
      expect(index.match(req({ registrableDomain: `r${i}.example`, host: `www.r${i}.example`, path: `/p${i}/1/x`, now: T0 + 30 })).ids).toHaveLength(5);
      index.dispose();
      if (i % 50 === 0) keep.step();
      peak = Math.max(peak, core.exports.memory.buffer.byteLength);
      expect(kernel().cookieIndexCount()).toBe(1);
    }
    // Without freeing, the 1,000 record tables alone would take over 20 MiB.
    expect(peak).toBeLessThanOrEqual(4 * 1024 * 1024);
    for (let i = 0; i < 200; i++) keep.step();
    keep.checkAccess();
  });

  it('rejects a freed handle in the kernel and rebuilds a disposed index on its next use', () => {
    const core = new Core(build);
    const index = new CookieIndex(core);
    const a = index.insert(base({ name: 'a' }), { now: T0 }).id;
    const stale = index.handle;
    index.dispose();
    let caught: unknown;
    try {
      core.call('cookies.match', (x) => cookieKernel(x).cookieCount(stale, 0));
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'ERR_CORE_ABORT')).toBe(true);
    expect(String((caught as Error).message)).toContain('invalid cookie index handle');
    expect([...index.match(req({})).ids]).toEqual([a]);
  });

  it('rebuilds every index on the core after a trap in one of them', () => {
    const core = new Core(build);
    const drivers = [0, 1, 2].map((k) => new Driver(new CookieIndex(core), rng(77 + k + (build === 'release' ? 0 : 50)), 2));
    for (let op = 0; op < 3000; op++) (drivers[op % 3] as Driver).step();
    const victim = (drivers[1] as Driver).index;
    const before = core.generation;
    let caught: unknown;
    try {
      core.call('cookies.remove', (x) => cookieKernel(x).cookieRemove(victim.handle, 99999));
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'ERR_CORE_ABORT')).toBe(true);
    expect(core.generation).toBe(before + 1);
    for (let op = 0; op < 3000; op++) (drivers[(op * 7) % 3] as Driver).step();
    expect(cookieKernel(core.exports).cookieIndexCount()).toBe(3);
    for (const d of drivers) {
      d.checkAccess();
      expect(d.index.size).toBe(d.ref.cookies.length);
    }
  });

  // ---- every partition at once (partitionKey -1) ----

  it('reads every partition at once (partitionKey -1), merged in Chromium order', () => {
    const index = fresh();
    const put = (over: Partial<CookieIndexEntry>, creation: number): number =>
      index.insert(base({ secure: true, creation, ...over }), { now: creation }).id;
    const u1 = put({ name: 'u1', path: '/a' }, T0 + 3);
    const p1 = put({ name: 'p1', path: '/a/b', partitionKey: 1 }, T0 + 1);
    const p2 = put({ name: 'p2', path: '/a', partitionKey: 2 }, T0 + 2);
    const p3 = put({ name: 'p3', path: '/', partitionKey: 3 }, T0);
    const u2 = put({ name: 'u2', path: '/' }, T0 + 5);
    put({ name: 'other', path: '/', partitionKey: 4, registrableDomain: 'other.com', domain: 'other.com' }, T0);
    // Equal path length and creation: the insertion sequence decides, across partitions too.
    const u3 = put({ name: 'u3', path: '/b' }, T0 + 9);
    const p4 = put({ name: 'p4', path: '/c', partitionKey: 1 }, T0 + 9);
    const ids = (r: Partial<CookieRequest>): number[] => [...index.match(req({ path: '/a/b', now: T0 + 20, ...r })).ids];
    expect(ids({ partitionKey: -1 })).toEqual([p1, p2, u1, p3, u2]);
    expect(ids({ partitionKey: -1, includeUnpartitioned: false })).toEqual([p1, p2, p3]);
    expect(ids({ partitionKey: 2 })).toEqual([p2, u1, u2]);
    expect(ids({})).toEqual([u1, u2]);
    expect(ids({ partitionKey: -1, path: '/' })).toEqual([p3, u2]);
    expect([...index.match(req({ partitionKey: -1, path: '/b/c/d', now: T0 + 20 })).ids]).toEqual([u3, p3, u2]);
    expect([...index.match(req({ partitionKey: -1, path: '/c', now: T0 + 20 })).ids]).toEqual([p4, p3, u2]);
    const both = index.insert(base({ name: 'p5', path: '/d', partitionKey: 2, secure: true, creation: T0 + 9 }), { now: T0 + 9 }).id;
    expect([...index.match(req({ partitionKey: -1, path: '/d', now: T0 + 20 })).ids]).toEqual([both, p3, u2]);
    expect([...index.match(req({ partitionKey: -1, registrableDomain: 'none.com', host: 'none.com', now: T0 + 20 })).ids]).toEqual([]);
  });

  it('deletes the expired cookies of every partition on a partitionKey -1 request, also when their buckets empty', () => {
    const index = fresh();
    const put = (name: string, partitionKey: number, expiry: number): number =>
      index.insert(base({ name, secure: true, partitionKey, expiry, creation: T0 }), { now: T0 }).id;
    const gone = [put('a', 1, T0 + 5), put('b', 2, T0 + 5), put('c', 3, T0 + 5), put('d', 0, T0 + 5)];
    const keep = [put('e', 2, Infinity), put('f', 4, Infinity)];
    const r = index.match(req({ partitionKey: -1, now: T0 + 5 }));
    expect([...r.ids].sort()).toEqual([...keep].sort());
    expect([...r.expired].sort()).toEqual([...gone].sort());
    expect(index.size).toBe(2);
    expect(selfCheck(index)).toBe(2);
    // The emptied partitions come back (their buckets are chained again).
    const again = [put('a', 1, Infinity), put('c', 3, Infinity), put('g', 5, Infinity)];
    expect([...index.match(req({ partitionKey: -1, now: T0 + 6 })).ids].sort()).toEqual([...keep, ...again].sort());
    for (const id of [keep[0] as number, again[0] as number]) index.remove(id);
    expect([...index.match(req({ partitionKey: -1, now: T0 + 7 })).ids].sort()).toEqual([keep[1], again[1], again[2]].sort());
  });

  it('rejects partition keys below 0 on insert, and other than -1 on match', () => {
    const index = fresh();
    expect(() => index.insert(base({ partitionKey: -1 }), { now: T0 })).toThrow(RangeError);
    expect(() => index.insert(base({ partitionKey: 1.5 }), { now: T0 })).toThrow(RangeError);
    expect(() => index.match(req({ partitionKey: -2 }))).toThrow(RangeError);
    expect(index.size).toBe(0);
    const core = index.core;
    let caught: unknown;
    try {
      core.call('cookies.find', (x) => cookieKernel(x).cookieFind(index.handle, 0, 0, 0, 0, -1, 1));
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'ERR_CORE_ABORT')).toBe(true);
    expect(String((caught as Error).message)).toContain('negative partition key');
  });

  it('agrees with the reference model when requests read every partition (partitionKey -1)', () => {
    const mix: PartitionMix = { partitions: 5, partitionedRate: 0.5, allRate: 0.5 };
    const d = new Driver(fresh(), rng(31 + (build === 'release' ? 0 : 9)), 3, new CookieIndex(new Core(build)), mix);
    for (let op = 0; op < 6000; op++) d.step();
    d.checkAccess();
    expect(d.allRequests).toBeGreaterThan(500);
    // Requests whose answer interleaves cookies of three or more partitions (unpartitioned included).
    expect(d.mixedAll).toBeGreaterThan(100);
    expect(d.evictions).toBeGreaterThan(0);
  });

  // ---- the Cookie line built in the kernel (matchLine) ----

  it('builds the Cookie line in the kernel: same answer as match, pairs joined in order, UTF-8 and nameless cookies', () => {
    const index = fresh();
    const put = (over: Partial<CookieIndexEntry>, creation: number): number => index.insert(base({ creation, ...over }), { now: creation }).id;
    put({ name: 'a', value: '1', path: '/' }, T0);
    put({ name: '', value: 'bare', path: '/x' }, T0 + 1);
    put({ name: 'ñame', value: 'välue€😀', path: '/' }, T0 + 2);
    put({ name: 'e', value: '', path: '/' }, T0 + 3);
    put({ name: 'p', value: 'part', path: '/', partitionKey: 2 }, T0 + 4);
    put({ name: 'gone', value: 'soon', path: '/', expiry: T0 + 50 }, T0 + 5);
    const twin = fresh();
    for (const id of index.ids()) twin.insert({ ...(index.entry(id) as CookieIndexEntry) }, { now: T0 + 6 });
    const got = index.matchLine(req({ path: '/x/y', now: T0 + 100, partitionKey: -1 }));
    expect(got.line).toBe('bare; a=1; ñame=välue€😀; e=; p=part');
    expect(got.expired).toHaveLength(1);
    expect(index.size).toBe(5);
    const plain = twin.match(req({ path: '/x/y', now: T0 + 100, partitionKey: -1 }));
    expect([...got.ids].map((id) => index.entry(id)?.name)).toEqual([...plain.ids].map((id) => twin.entry(id)?.name));
    // ASCII only; nothing; a registrable domain never seen.
    expect(index.matchLine(req({ path: '/x', now: T0 + 200 })).line).toBe('bare; a=1; ñame=välue€😀; e=');
    expect(index.matchLine(req({ path: '/', secure: false, now: T0 + 200 })).line).toBe('a=1; ñame=välue€😀; e=');
    expect(index.matchLine(req({ registrableDomain: 'nowhere.example', host: 'nowhere.example', now: T0 + 200 }))).toEqual({ ids: new Int32Array(0), expired: new Int32Array(0), line: '' });
    index.remove([...index.ids()].find((id) => index.entry(id)?.name === 'ñame') as number);
    expect(index.matchLine(req({ path: '/x', now: T0 + 300 })).line).toBe('bare; a=1; e=');
    // An overwrite replaces the pair.
    put({ name: 'a', value: 'two', path: '/' }, T0 + 400);
    expect(index.matchLine(req({ path: '/x', now: T0 + 500 })).line).toBe('bare; e=; a=two');
    // The pairs survive a dispose and a trap (the index reloads them from its entries).
    index.dispose();
    expect(index.matchLine(req({ path: '/x', now: T0 + 600 })).line).toBe('bare; e=; a=two');
    try {
      index.core.call('cookies.remove', (x) => cookieKernel(x).cookieRemove(index.handle, 99999));
    } catch {
      // expected: ERR_CORE_ABORT
    }
    expect(index.matchLine(req({ path: '/x', now: T0 + 700 })).line).toBe('bare; e=; a=two');
    expect(selfCheck(index)).toBe(index.size);
  });

  it('grows the line buffer for a huge jar (20,000 cookies on one host) and gives it back after', () => {
    const index = fresh(false);
    const pairs: string[] = [];
    for (let k = 0; k < 20000; k++) {
      const name = k % 1000 === 7 ? `ü${k}` : `cookie${k}`;
      index.insert(base({ name, value: `value-${k}`, creation: T0 + k }), { now: T0 + k });
      pairs.push(`${name}=value-${k}`);
    }
    const small = fresh();
    small.insert(base({ name: 's', value: 'v' }), { now: T0 });
    for (let round = 0; round < 3; round++) {
      const got = index.matchLine(req({ now: T0 + 30000 + round }));
      expect(got.ids).toHaveLength(20000);
      expect(got.line.length).toBeGreaterThan(300000);
      expect(got.line).toBe(pairs.join('; '));
      expect(small.matchLine(req({ now: T0 + 30000 + round })).line).toBe('s=v');
    }
    expect(index.core.exports.memory.buffer.byteLength).toBeLessThanOrEqual(16 * 1024 * 1024);
  });

  it('agrees with the JS join of the matched pairs on generated jars (UTF-8, nameless, partitions incl. -1, expiry on match)', () => {
    const mix: PartitionMix = { partitions: 4, partitionedRate: 0.4, allRate: 0.4 };
    const d = new Driver(fresh(), rng(4242 + (build === 'release' ? 0 : 3)), 3, new CookieIndex(new Core(build)), mix);
    for (let op = 0; op < 5000; op++) d.step();
    d.checkAccess();
    expect(d.lineMatches).toBeGreaterThan(300);
    expect(d.utf8Lines).toBeGreaterThan(50);
    expect(d.allRequests).toBeGreaterThan(100);
  });

  // ---- the equivalence hash index ----

  /** Deletes the cookie with this key, if any, by setting it already expired; returns the id it removed. */
  const probe = (index: CookieIndex, e: CookieIndexEntry, now: number): number | undefined => {
    const r = index.insert({ ...e, value: 'probe', expiry: now - 1 }, { now });
    expect(r.status).toBe('expired');
    expect(r.removed.length).toBeLessThanOrEqual(1);
    if (r.removed[0]) expect(r.removed[0].cause).toBe('expired-overwrite');
    return r.removed[0]?.id;
  };

  it('finds the equivalent cookie among many equal names on different domains, paths and partitions', () => {
    const index = fresh(false);
    const domains: [string, boolean][] = [['example.com', true], ['example.com', false], ['www.example.com', true], ['www.example.com', false], ['a.www.example.com', true]];
    const keys: CookieIndexEntry[] = [];
    for (const name of ['sid', 'SID', 'sid2', '']) {
      for (const [domain, hostOnly] of domains) {
        for (let k = 0; k < 40; k++) {
          for (const partitionKey of [0, 3]) keys.push(base({ name, domain, hostOnly, path: k === 0 ? '/' : `/p${k}`, partitionKey, secure: true }));
        }
      }
    }
    const ids: number[] = [];
    for (const e of keys) {
      const r = index.insert(e, { now: T0 });
      expect(r.removed).toEqual([]);
      ids.push(r.id);
    }
    expect(index.size).toBe(keys.length);
    expect(selfCheck(index)).toBe(keys.length);
    keys.forEach((e, i) => {
      const r = index.insert({ ...e, value: '2' }, { now: T0 + 1 });
      expect(r.removed).toEqual([{ id: ids[i], cause: 'overwrite' }]);
      ids[i] = r.id;
    });
    expect(index.size).toBe(keys.length);
    // A domain cookie and a host cookie of the same host are different keys; so are partitions.
    expect(probe(index, keys[0] as CookieIndexEntry, T0 + 2)).toBe(ids[0]);
    expect(probe(index, keys[0] as CookieIndexEntry, T0 + 2)).toBeUndefined();
    expect(probe(index, keys[1] as CookieIndexEntry, T0 + 2)).toBe(ids[1]);
    expect(probe(index, keys[80] as CookieIndexEntry, T0 + 2)).toBe(ids[80]);
    expect(selfCheck(index)).toBe(keys.length - 3);
  });

  it('keys UTF-8 names by their bytes', () => {
    const index = fresh();
    const names = ['naïve', 'naive', 'nai\u0308ve', '名前', '名', '前名', '😀', '😀😀', 'é', 'e\u0301', 'a'.repeat(100), 'a'.repeat(101), 'ä=b', '\u00a0'];
    const ids = new Map<string, number>();
    for (const name of names) {
      for (const path of ['/', '/ü', '/ü/ß']) {
        const r = index.insert(base({ name, path, value: name }), { now: T0 });
        expect(r.removed).toEqual([]);
        ids.set(`${name}|${path}`, r.id);
      }
    }
    expect(selfCheck(index)).toBe(names.length * 3);
    for (const name of names) {
      for (const path of ['/', '/ü', '/ü/ß']) {
        const r = index.insert(base({ name, path, value: `${name}!` }), { now: T0 + 1 });
        expect(r.removed).toEqual([{ id: ids.get(`${name}|${path}`), cause: 'overwrite' }]);
        ids.set(`${name}|${path}`, r.id);
      }
    }
    // UTF-8 paths sort by their byte length (CookieSorter compares std::string sizes).
    const got = [...index.match(req({ path: '/ü/ß/x', now: T0 + 2 })).ids];
    expect(got).toHaveLength(names.length * 3);
    expect(got.slice(0, names.length).map((id) => index.entry(id)?.path)).toEqual(Array(names.length).fill('/ü/ß'));
    expect(selfCheck(index)).toBe(names.length * 3);
  });

  it('keeps the hash index right across remove, eviction, expiry on match, purge and a dispose', () => {
    const index = fresh();
    const key = (i: number): CookieIndexEntry =>
      base({ name: `k${i}`, path: `/p${i % 7}`, priority: i < 60 ? 0 : 1, expiry: i % 10 === 3 ? T0 + 1e9 : Infinity, creation: T0 + i });
    const live = new Map<number, number>();
    const byId = new Map<number, number>();
    for (let i = 0; i < 181; i++) {
      const r = index.insert(key(i), { now: T0 + i });
      live.set(i, r.id);
      byId.set(r.id, i);
      for (const x of r.removed) live.delete(byId.get(x.id) as number);
    }
    expect(index.size).toBe(150);
    expect(selfCheck(index)).toBe(150);
    // Remove a few by id.
    for (const i of [100, 101, 150]) {
      index.remove(live.get(i) as number);
      live.delete(i);
    }
    expect(selfCheck(index)).toBe(147);
    // The expiring ones go on a request that reaches them, some more on a purge.
    const r = index.match(req({ path: '/p3', now: T0 + 1e9 }));
    for (const id of r.expired) live.delete(byId.get(id) as number);
    expect(r.expired.length).toBeGreaterThan(0);
    expect(selfCheck(index)).toBe(index.size);
    index.dispose();
    // After the rebuild (a load of every entry), each key still finds exactly its own cookie.
    for (let i = 0; i < 181; i++) {
      if (i % 2 === 1) continue;
      expect(probe(index, key(i), T0 + 1e9)).toBe(i % 10 === 3 ? undefined : live.get(i));
      live.delete(i);
    }
    expect(selfCheck(index)).toBe(live.size);
    expect(index.purgeExpired(T0 + 2e9)).toEqual([]);
    for (let i = 0; i < 181; i++) if (live.has(i)) expect(probe(index, key(i), T0 + 2e9)).toBe(live.get(i));
    expect(index.size).toBe(0);
    expect(selfCheck(index)).toBe(0);
  });

  it('rebuilds the hash index after a trap, and shrinks and regrows it on a big jar', () => {
    const index = fresh(false);
    const key = (i: number): CookieIndexEntry => base({ name: `n${i}`, path: i % 3 === 0 ? '/' : '/x', creation: T0 + i, expiry: i % 4 === 0 ? T0 + 100 : Infinity });
    const ids: number[] = [];
    for (let i = 0; i < 5000; i++) ids.push(index.insert(key(i), { now: T0 }).id);
    expect(selfCheck(index)).toBe(5000);
    const purged = index.purgeExpired(T0 + 100);
    expect(purged).toHaveLength(1250);
    for (let i = 0; i < 5000; i++) if (i % 4 !== 0 && i >= 20) index.remove(ids[i] as number);
    expect(index.size).toBe(15);
    expect(selfCheck(index)).toBe(15);
    let caught: unknown;
    try {
      index.core.call('cookies.remove', (x) => cookieKernel(x).cookieRemove(index.handle, 123456));
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'ERR_CORE_ABORT')).toBe(true);
    expect(selfCheck(index)).toBe(15);
    for (let i = 0; i < 20; i++) expect(probe(index, key(i), T0 + 200)).toBe(i % 4 === 0 ? undefined : ids[i]);
    // The probes emptied the index; those with i % 4 == 0 are already expired now, so 3,750 go in.
    for (let i = 0; i < 5000; i++) index.insert(key(i), { now: T0 + 300 });
    expect(index.size).toBe(3750);
    expect(selfCheck(index)).toBe(3750);
    expect(index.insert({ ...key(4321), value: 'w' }, { now: T0 + 400 }).removed).toHaveLength(1);
  });

  it('leaves Secure cookies alone in a big bucket and forgets them once they are gone', () => {
    const index = fresh(false);
    for (let i = 0; i < 2000; i++) index.insert(base({ name: `c${i}`, creation: T0 + i }), { now: T0 });
    const insecure = (over: Partial<CookieIndexEntry>, now = T0 + 10) => index.insert(base(over), { now, allowSecure: false });
    const sec = index.insert(base({ name: 'sec', secure: true }), { now: T0 }).id;
    expect(insecure({ name: 'sec', domain: 'www.example.com', hostOnly: false, path: '/x' }).status).toBe('exclude-overwrite-secure');
    expect(insecure({ name: 'sec', domain: 'example.com', path: '/' }).status).toBe('exclude-overwrite-secure');
    // Not path-matching ("/x" is not on "/y"), or not domain-matching: allowed.
    index.insert(base({ name: 'sp', secure: true, path: '/x' }), { now: T0 });
    expect(insecure({ name: 'sp', path: '/y' }).status).toBe('inserted');
    expect(insecure({ name: 'sp', path: '/' }).status).toBe('inserted');
    expect(insecure({ name: 'sp', path: '/x/z' }).status).toBe('exclude-overwrite-secure');
    expect(insecure({ name: 'c5', value: 'new' }).removed).toHaveLength(1);
    index.remove(sec);
    expect(insecure({ name: 'sec' }).status).toBe('inserted');
    // Expired on a request: gone, so no longer protecting its name.
    index.insert(base({ name: 'sec2', secure: true, expiry: T0 + 20 }), { now: T0 });
    expect(insecure({ name: 'sec2' }).status).toBe('exclude-overwrite-secure');
    expect(index.match(req({ now: T0 + 20 })).expired).toHaveLength(1);
    expect(insecure({ name: 'sec2' }, T0 + 21).status).toBe('inserted');
    // Rebuilt after a dispose, the bucket still knows its Secure cookies.
    index.insert(base({ name: 'sec3', secure: true }), { now: T0 + 22 });
    index.dispose();
    expect(insecure({ name: 'sec3' }, T0 + 23).status).toBe('exclude-overwrite-secure');
    expect(selfCheck(index)).toBe(index.size);
  });
});

/**
 * One index under random operations, checked after each against the reference model and, when
 * given, against a twin index that lives alone on its own core (same ids, same removals).
 */
class Driver {
  readonly ref = new RefMonster();
  readonly tagOf = new Map<number, number>();
  readonly idOf = new Map<number, number>();
  now = T0;
  tag = 0;
  matches = 0;
  evictions = 0;
  /** Requests with partitionKey -1, and those whose answer holds cookies of three or more partitions. */
  allRequests = 0;
  mixedAll = 0;
  readonly #pick: <T>(list: readonly T[]) => T;

  steps = 0;
  /** Matches that went through matchLine, and those whose line held a non-ASCII byte. */
  lineMatches = 0;
  utf8Lines = 0;

  constructor(
    readonly index: CookieIndex,
    readonly r: () => number,
    readonly sites: number,
    readonly twin?: CookieIndex,
    readonly mix: PartitionMix = DEFAULT_MIX,
  ) {
    this.#pick = <T,>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  }

  #forget(ids: Iterable<number>): number[] {
    const tags: number[] = [];
    for (const id of ids) {
      const t = this.tagOf.get(id) as number;
      tags.push(t);
      this.tagOf.delete(id);
      this.idOf.delete(t);
    }
    return tags;
  }

  step(): void {
    const { r, index, ref, twin } = this;
    const pick = this.#pick;
    this.now += Math.floor(r() * 30e6);
    const now = this.now;
    const roll = r();
    if (roll < 0.75) {
      let e = entryFor(pick, r, now, this.sites, this.mix);
      const t = ++this.tag;
      // Nameless cookies and UTF-8 names too (no extra draws: the same jars as before otherwise).
      if (t % 11 === 0) e = { ...e, name: '' };
      else if (t % 7 === 0) e = { ...e, name: `ñ${e.name}` };
      const allowSecure = r() < 0.9;
      const excludeHttpOnly = r() < 0.1;
      const got = index.insert(e, { now, allowSecure, excludeHttpOnly });
      if (twin) expect(twin.insert(e, { now, allowSecure, excludeHttpOnly })).toEqual(got);
      const want = ref.insert(t, e, now, allowSecure, excludeHttpOnly);
      if (got.id >= 0) {
        this.tagOf.set(got.id, t);
        this.idOf.set(t, got.id);
      }
      const gotRemoved = got.removed.map((x) => ({ tag: this.tagOf.get(x.id) as number, cause: x.cause }));
      this.#forget(got.removed.map((x) => x.id));
      expect(got.status).toBe(want.status);
      expect(sortedTags(gotRemoved)).toEqual(sortedTags(want.removed));
      this.evictions += want.removed.filter((x) => x.cause === 'evicted').length;
    } else if (roll < 0.97) {
      const site = Math.floor(r() * this.sites);
      const request = randomRequest(site, r, pick, now, this.mix);
      // Every other request through matchLine: the same answer, plus the Cookie line.
      const withLine = this.steps % 2 === 0;
      const got = withLine ? index.matchLine(request) : index.match(request);
      if (twin) expect(withLine ? twin.matchLine(request) : twin.match(request)).toEqual(got);
      const partitionOf = new Map(ref.cookies.map((c) => [c.tag, c.partition]));
      const entryOf = new Map(ref.cookies.map((c) => [c.tag, c.e]));
      const want = ref.match(request);
      expect([...got.ids].map((id) => this.tagOf.get(id))).toEqual(want.tags);
      if (withLine) {
        const line = want.tags
          .map((t) => entryOf.get(t) as CookieIndexEntry)
          .map((e) => (e.name === '' ? e.value : `${e.name}=${e.value}`))
          .join('; ');
        expect((got as unknown as { line: string }).line).toBe(line);
        this.lineMatches++;
        if (/[^\x00-\x7f]/.test(line)) this.utf8Lines++;
      }
      expect(this.#forget(got.expired).sort((a, b) => a - b)).toEqual(want.expired);
      this.matches += want.tags.length;
      if (request.partitionKey === -1) {
        this.allRequests++;
        if (new Set(want.tags.map((t) => partitionOf.get(t))).size >= 3) this.mixedAll++;
      }
    } else if (roll < 0.995) {
      const live = [...this.idOf.keys()];
      if (live.length === 0) return;
      const t = pick(live);
      const id = this.idOf.get(t) as number;
      index.remove(id);
      twin?.remove(id);
      this.#forget([id]);
      ref.remove(t);
    } else {
      const got = index.purgeExpired(now);
      if (twin) expect(twin.purgeExpired(now)).toEqual(got);
      expect(this.#forget(got.map((x) => x.id)).sort((a, b) => a - b)).toEqual(ref.purgeExpired(now));
    }
    expect(index.size).toBe(ref.cookies.length);
    if (++this.steps % 100 === 0) expect(selfCheck(index)).toBe(index.size);
  }

  checkAccess(): void {
    for (const c of this.ref.cookies) expect(this.index.lastAccess(this.idOf.get(c.tag) as number)).toBe(c.access);
  }
}
