import { describe, expect, it } from 'vitest';
import { Core } from '../../core/src/wasm/core.ts';
import { CACHE_FLAG_NO_CACHE, CACHE_FLAG_PINNED, CacheIndex, cacheKernel, cacheKeyHash } from '../../core/src/cache/cache-index.ts';
import type { CacheDecision, CacheLookupMode } from '../../core/src/cache/cache-index.ts';
import { seededRandom as rng } from '../harness/random.ts';

const T0 = 1.7e12;

interface Init {
  size: number;
  now: number;
  ageBase: number;
  freshness: number;
  staleWindow?: number;
  flags?: number;
}
const ins = (ix: CacheIndex, key: string, e: Init): number => ix.insert(key, e.size, e.now, e.ageBase, e.freshness, e.staleWindow, e.flags);
const look = (ix: CacheIndex, key: string, now: number, mode?: CacheLookupMode): number => ix.lookup(key, now, mode)?.id ?? -1;

// ---- reference model: SimpleIndex (reference/http-cache.md §4.5) and RequiresValidation ----

interface RefEntry {
  key: string;
  size: number;
  lastUsed: number;
  ageBase: number;
  freshness: number;
  stale: number;
  flags: number;
}

class RefIndex {
  entries: (RefEntry | undefined)[] = [];
  byKey = new Map<string, number>();
  free: number[] = [];
  total = 0;
  count = 0;
  high = Infinity;
  low = Infinity;

  setMaxSize(max: number): void {
    if (max === Infinity) this.high = this.low = Infinity;
    else {
      const step = Math.floor(max / 20);
      this.high = max - step;
      this.low = max - 2 * step;
    }
  }

  insert(key: string, size: number, now: number, ageBase: number, freshness: number, stale: number, flags: number): number {
    let id = this.byKey.get(key);
    if (id !== undefined) this.total -= (this.entries[id] as RefEntry).size;
    else {
      id = this.free.length > 0 ? (this.free.pop() as number) : this.entries.length;
      this.byKey.set(key, id);
      this.count++;
    }
    this.entries[id] = { key, size, lastUsed: now, ageBase, freshness, stale, flags };
    this.total += size;
    return id;
  }

  lookup(key: string, now: number, mode: number): { id: number; decision: CacheDecision } {
    const id = this.byKey.get(key);
    if (id === undefined) return { id: -1, decision: 0 };
    const e = this.entries[id] as RefEntry;
    e.lastUsed = now;
    const age = now - e.ageBase;
    let decision: CacheDecision;
    if (mode === 2) decision = 1;
    else if (mode === 1 || e.flags & 1) decision = 3;
    else if (e.freshness > age) decision = 1;
    else if (e.freshness + e.stale > age) decision = 2;
    else decision = 3;
    return { id, decision };
  }

  remove(id: number): void {
    const e = this.entries[id] as RefEntry;
    this.byKey.delete(e.key);
    this.entries[id] = undefined;
    this.total -= e.size;
    this.count--;
    this.free.push(id);
    if (this.count === 0) this.total = 0;
  }

  clear(): void {
    this.entries = [];
    this.byKey.clear();
    this.free = [];
    this.total = 0;
    this.count = 0;
  }

  evict(now: number): number[] {
    if (!(this.total > this.high)) return [];
    const need = this.total - this.low;
    const scored: { id: number; score: number; size: number }[] = [];
    this.entries.forEach((e, id) => {
      if (e && !(e.flags & 4)) scored.push({ id, score: (now - e.lastUsed) * (e.size + 512), size: e.size });
    });
    scored.sort((a, b) => b.score - a.score || a.id - b.id);
    const doomed: number[] = [];
    let freed = 0;
    for (const s of scored) {
      if (freed >= need) break;
      freed += s.size;
      doomed.push(s.id);
    }
    for (const id of doomed) this.remove(id);
    return doomed;
  }

  ids(): number[] {
    const out: number[] = [];
    this.entries.forEach((e, id) => e && out.push(id));
    return out;
  }
}

const urlKey = (i: number): string => `1/0/_dk_https://site${i % 977}.example https://site${i % 977}.example/path/${i}/resource-${(i * 2654435761) >>> 0}.js?v=${i % 13}`;

describe('cacheKeyHash', () => {
  it('has no 64-bit collision over 1,000,000 distinct URL-like keys, and both lanes are about uniform', () => {
    const full = new Set<string>();
    const lo = new Set<number>();
    const hi = new Set<number>();
    const n = 1_000_000;
    for (let i = 0; i < n; i++) {
      const h = cacheKeyHash(urlKey(i));
      full.add(`${h.lo},${h.hi}`);
      lo.add(h.lo);
      hi.add(h.hi);
    }
    expect(full.size).toBe(n);
    // About n²/2³³ ≈ 116 collisions are expected per 32-bit lane; far more would mean a weak lane.
    expect(n - lo.size).toBeLessThan(300);
    expect(n - hi.size).toBeLessThan(300);
  });

  it('writes into a reusable object and distinguishes near keys', () => {
    const out = { lo: 0, hi: 0 };
    expect(cacheKeyHash('a', out)).toBe(out);
    const a = { ...cacheKeyHash('https://x/ab') };
    const b = { ...cacheKeyHash('https://x/ba') };
    expect(a).not.toEqual(b);
    expect(cacheKeyHash('')).toEqual(cacheKeyHash(''));
    expect(Number.isInteger(a.lo) && a.lo >= 0 && a.lo < 2 ** 32).toBe(true);
  });
});

describe.each(['release', 'debug'] as const)('cache index (%s build)', (build) => {
  const core = new Core(build);
  const fresh = (maxSize?: number): CacheIndex => new CacheIndex(core, maxSize === undefined ? {} : { maxSize });

  it('decides fresh / async / sync at the boundaries (freshness == age is stale)', () => {
    const index = fresh();
    const id = ins(index, 'k', { size: 10, now: T0, ageBase: T0 - 100, freshness: 1000, staleWindow: 500 });
    expect(look(index, 'k', T0 + 899)).toBe(id);
    expect(index.decision).toBe(1);
    expect(index.age).toBe(999);
    look(index, 'k', T0 + 900);
    expect(index.decision).toBe(2); // age 1000 == freshness: stale
    look(index, 'k', T0 + 1399);
    expect(index.decision).toBe(2);
    look(index, 'k', T0 + 1400);
    expect(index.decision).toBe(3); // age == freshness + stale window
    look(index, 'k', T0 + 1400, 2);
    expect(index.decision).toBe(1);
    look(index, 'k', T0, 1);
    expect(index.decision).toBe(3);
    // Fresh forever, even a century later; no-cache forces validation in mode 0 only.
    ins(index, 'f', { size: 1, now: T0, ageBase: T0, freshness: Infinity });
    look(index, 'f', T0 + 3e12);
    expect(index.decision).toBe(1);
    ins(index, 'n', { size: 1, now: T0, ageBase: T0, freshness: Infinity, flags: CACHE_FLAG_NO_CACHE });
    look(index, 'n', T0);
    expect(index.decision).toBe(3);
    look(index, 'n', T0, 2);
    expect(index.decision).toBe(1);
    // freshness 0 with no stale window: always sync
    ins(index, 'z', { size: 1, now: T0, ageBase: T0, freshness: 0 });
    look(index, 'z', T0);
    expect(index.decision).toBe(3);
    const hit = index.lookup('k', T0 + 1);
    expect(hit).toEqual({ id, decision: 1, age: 101 });
    expect(index.lookup('k', T0 + 2)).toBe(hit);
    expect(index.lookup('missing', T0)).toBeNull();
    expect(look(index, 'missing', T0)).toBe(-1);
    expect(index.decision).toBe(0);
    // a lookup moves last used, find does not
    const used = index.entry(id)?.lastUsed;
    expect(index.find('k')).toBe(id);
    expect(index.entry(id)?.lastUsed).toBe(used);
    look(index, 'k', T0 + 5);
    expect(index.entry(id)?.lastUsed).toBe(T0 + 5);
    index.dispose();
  });

  it('replaces in place, updates after a 304, keeps totals and reuses ids last freed first', () => {
    const index = fresh();
    const a = ins(index, 'a', { size: 100, now: T0, ageBase: T0, freshness: 10 });
    const b = ins(index, 'b', { size: 50, now: T0, ageBase: T0, freshness: 10 });
    expect(index.total).toBe(150);
    expect(ins(index, 'a', { size: 30, now: T0 + 1, ageBase: T0, freshness: 10 })).toBe(a);
    expect(index.total).toBe(80);
    expect(index.count).toBe(2);
    look(index, 'a', T0 + 20);
    expect(index.decision).toBe(3);
    index.update(a, T0 + 20, 100);
    look(index, 'a', T0 + 21);
    expect(index.decision).toBe(1);
    index.setSize(b, 70);
    expect(index.total).toBe(100);
    const c = ins(index, 'c', { size: 1, now: T0, ageBase: T0, freshness: 0 });
    index.remove(b);
    index.remove(a);
    expect(ins(index, 'd', { size: 1, now: T0, ageBase: T0, freshness: 0 })).toBe(a);
    expect(ins(index, 'e', { size: 1, now: T0, ageBase: T0, freshness: 0 })).toBe(b);
    expect([...index.ids()]).toEqual([a, b, c].sort((x, y) => x - y));
    expect(() => index.remove(99)).toThrow(RangeError);
    expect(() => index.touch(-1, T0)).toThrow(/no entry with id -1/);
    index.clear();
    expect(index.count).toBe(0);
    expect(index.total).toBe(0);
    expect(ins(index, 'x', { size: 1, now: T0, ageBase: T0, freshness: 0 })).toBe(0);
    index.dispose();
  });

  it('rejects bad input in the wrapper with a TypeError naming the value', () => {
    const index = fresh();
    const e = { size: 1, now: T0, ageBase: T0, freshness: 1 };
    expect(() => ins(index, 'k', { ...e, size: NaN })).toThrow(/size must be a finite number >= 0.*got NaN/);
    expect(() => ins(index, 'k', { ...e, size: -1 })).toThrow(TypeError);
    expect(() => ins(index, 'k', { ...e, size: -1 })).toThrow(/got -1/);
    expect(() => ins(index, 'k', { ...e, size: Infinity })).toThrow(/got Infinity/);
    expect(() => ins(index, 'k', { ...e, now: NaN })).toThrow(/now must be a finite number.*got NaN/);
    expect(() => ins(index, 'k', { ...e, freshness: NaN })).toThrow(/freshness .*got NaN/);
    expect(() => ins(index, 'k', { ...e, staleWindow: -5 })).toThrow(/staleWindow .*got -5/);
    expect(() => ins(index, 'k', { ...e, flags: 1.5 })).toThrow(/flags .*got 1.5/);
    expect(() => index.setSize(0, NaN)).toThrow(/got NaN/);
    expect(() => look(index, 'k', NaN)).toThrow(TypeError);
    expect(() => look(index, 'k', T0, 3 as CacheLookupMode)).toThrow(/mode must be 0, 1 or 2, got 3/);
    expect(() => index.setMaxSize(-1)).toThrow(/got -1/);
    expect(() => index.evict(NaN)).toThrow(TypeError);
    expect(index.count).toBe(0);
    index.dispose();
  });

  it('evicts by (now - last used) x (size + 512) between the watermarks, skipping pinned entries', () => {
    const index = fresh(2000);
    expect(index.highWatermark).toBe(1900);
    expect(index.lowWatermark).toBe(1800);
    const ids = [0, 1, 2, 3].map((i) => ins(index, `k${i}`, { size: 400, now: T0 + i * 10, ageBase: T0, freshness: 1 }));
    expect(index.evict(T0 + 100).length).toBe(0); // 1600 <= 1900
    const big = ins(index, 'big', { size: 400, now: T0 + 50, ageBase: T0, freshness: 1 }); // 2000 > 1900
    index.pin(ids[0] as number);
    // scores at T0+100: k0 pinned, k1 90*912, k2 80*912, k3 70*912, big 50*912 -> need 200: doom k1 only
    expect([...index.evict(T0 + 100)]).toEqual([ids[1]]);
    expect(index.total).toBe(1600);
    expect(index.entry(ids[0] as number)?.flags).toBe(CACHE_FLAG_PINNED);
    index.pin(ids[0] as number, false);
    index.setMaxSize(1000); // high 950, low 900: need 700 -> k0 (100), k2 (80), then k3 (70)
    expect([...index.evict(T0 + 100)]).toEqual([ids[0], ids[2]]);
    expect(index.total).toBe(800);
    expect([...index.ids()]).toEqual([ids[3] as number, big].sort((x, y) => x - y));
    index.dispose();
  });

  it('evicts nothing when every entry is pinned, and ties go to the lower id', () => {
    const index = fresh(100);
    const a = ins(index, 'a', { size: 60, now: T0, ageBase: T0, freshness: 1, flags: CACHE_FLAG_PINNED });
    ins(index, 'b', { size: 60, now: T0, ageBase: T0, freshness: 1, flags: CACHE_FLAG_PINNED });
    expect(index.evict(T0 + 1).length).toBe(0);
    index.setFlags(a, 0);
    expect([...index.evict(T0 + 1)]).toEqual([a]);
    const c = ins(index, 'c', { size: 10, now: T0, ageBase: T0, freshness: 1 });
    const d = ins(index, 'd', { size: 10, now: T0, ageBase: T0, freshness: 1 });
    ins(index, 'e', { size: 40, now: T0 + 1, ageBase: T0, freshness: 1 });
    // total 120 > 95; need 30 (low 90); c and d tie (score 1 * 522): c (lower id) first, then d, then e.
    expect([...index.evict(T0 + 1)].slice(0, 2)).toEqual([Math.min(c, d), Math.max(c, d)]);
    index.dispose();
  });

  it('matches the reference model on seeded random operation sequences', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(seed * 7919 + (build === 'release' ? 0 : 3));
      const index = fresh();
      const ref = new RefIndex();
      const keyCount = 5 + Math.floor(r() * 300);
      const max = Math.floor(r() * 40000) + 1000;
      index.setMaxSize(max);
      ref.setMaxSize(max);
      let now = T0;
      const pick = (): string => `https://h${Math.floor(r() * keyCount)}.test/p?q=${seed}`;
      for (let step = 0; step < 3000; step++) {
        now += Math.floor(r() * 50);
        const op = r();
        if (op < 0.35) {
          const key = pick();
          const size = r() < 0.1 ? 0 : Math.floor(r() * 2000);
          const ageBase = now - Math.floor(r() * 1000);
          const freshness = r() < 0.1 ? Infinity : Math.floor(r() * 1500);
          const stale = r() < 0.5 ? 0 : Math.floor(r() * 1000);
          const flags = r() < 0.1 ? 1 : r() < 0.1 ? 4 : 0;
          const want = ref.insert(key, size, now, ageBase, freshness, stale, flags);
          expect(ins(index, key, { size, now, ageBase, freshness, staleWindow: stale, flags })).toBe(want);
        } else if (op < 0.7) {
          const key = pick();
          const mode = (r() < 0.8 ? 0 : r() < 0.5 ? 1 : 2) as CacheLookupMode;
          // probe boundaries: a lookup exactly at the end of freshness or the stale window
          const id0 = ref.byKey.get(key);
          let t = now;
          if (id0 !== undefined && r() < 0.3) {
            const e = ref.entries[id0] as RefEntry;
            const edge = r() < 0.5 ? e.ageBase + e.freshness : e.ageBase + e.freshness + e.stale;
            if (Number.isFinite(edge) && edge >= now) t = edge;
          }
          const want = ref.lookup(key, t, mode);
          expect(look(index, key, t, mode)).toBe(want.id);
          expect(index.decision).toBe(want.decision);
        } else if (op < 0.8) {
          const live = ref.ids();
          if (live.length === 0) continue;
          const id = live[Math.floor(r() * live.length)] as number;
          ref.remove(id);
          index.remove(id);
        } else if (op < 0.85) {
          const live = ref.ids();
          if (live.length === 0) continue;
          const id = live[Math.floor(r() * live.length)] as number;
          const e = ref.entries[id] as RefEntry;
          const size = Math.floor(r() * 3000);
          ref.total += size - e.size;
          e.size = size;
          index.setSize(id, size);
        } else if (op < 0.9) {
          const live = ref.ids();
          if (live.length === 0) continue;
          const id = live[Math.floor(r() * live.length)] as number;
          const e = ref.entries[id] as RefEntry;
          e.flags = e.flags & 4 ? 0 : 4;
          index.setFlags(id, e.flags);
        } else if (op < 0.995) {
          expect([...index.evict(now)]).toEqual(ref.evict(now));
        } else {
          ref.clear();
          index.clear();
        }
        expect(index.count).toBe(ref.count);
        expect(index.total).toBe(ref.total);
      }
      expect([...index.ids()]).toEqual(ref.ids());
      for (const id of ref.ids()) {
        const e = ref.entries[id] as RefEntry;
        expect(index.entry(id)).toMatchObject({ size: e.size, lastUsed: e.lastUsed, ageBase: e.ageBase, freshness: e.freshness, staleWindow: e.stale, flags: e.flags });
      }
      index.dispose();
    }
  });

  it('holds 100,000 entries and evicts them as the model does (sampled threshold path)', () => {
    const r = rng(99 + (build === 'release' ? 0 : 1));
    const index = fresh();
    const ref = new RefIndex();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const key = urlKey(i);
      const size = 200 + Math.floor(r() * 20000);
      const now = T0 + Math.floor(r() * 1e7);
      const flags = r() < 0.01 ? CACHE_FLAG_PINNED : 0;
      expect(ins(index, key, { size, now, ageBase: now, freshness: 60000, flags })).toBe(ref.insert(key, size, now, now, 60000, 0, flags));
    }
    expect(index.count).toBe(n);
    expect(index.total).toBe(ref.total);
    for (let i = 0; i < n; i += 97) expect(index.find(urlKey(i))).toBe(ref.byKey.get(urlKey(i)));
    expect(index.find('https://absent.example/')).toBe(-1);
    for (const share of [0.97, 0.9, 0.5, 0.05]) {
      const max = Math.floor(ref.total * share);
      index.setMaxSize(max);
      ref.setMaxSize(max);
      const now = T0 + 2e7;
      const got = [...index.evict(now)];
      expect(got).toEqual(ref.evict(now));
      expect(index.total).toBe(ref.total);
      expect(index.total <= index.lowWatermark || got.length > 0).toBe(true);
    }
    // inserting more after eviction reuses the freed ids, last freed first
    const nextId = ref.insert('new-key', 1, T0, T0, 1, 0, 0);
    expect(ins(index, 'new-key', { size: 1, now: T0, ageBase: T0, freshness: 1 })).toBe(nextId);
    index.dispose();
  });

  it('evicts exactly as the model when the sampled threshold misleads (fallback to a full pass)', () => {
    // The kernel samples ids 0, 19, 38, ... at 10,000 entries: make exactly those the oldest, so its
    // threshold keeps only them (5 %) while a third of the bytes must go.
    const index = fresh();
    const ref = new RefIndex();
    for (let i = 0; i < 10_000; i++) {
      const now = i % 19 === 0 ? T0 : T0 + 1000 + (i % 7);
      expect(ins(index, `k${i}`, { size: 100, now, ageBase: now, freshness: 1 })).toBe(ref.insert(`k${i}`, 100, now, now, 1, 0, 0));
    }
    const max = Math.floor(ref.total / 1.5);
    index.setMaxSize(max);
    ref.setMaxSize(max);
    const want = ref.evict(T0 + 5000);
    expect(want.length).toBeGreaterThan(3000);
    expect([...index.evict(T0 + 5000)]).toEqual(want);
    expect(index.total).toBe(ref.total);
    index.dispose();
  });

  it('starts empty and tells its owner when the core replaced a trapped instance', () => {
    const own = new Core(build);
    let resets = 0;
    const index = new CacheIndex(own, { maxSize: 1000, onReset: () => resets++ });
    ins(index, 'a', { size: 10, now: T0, ageBase: T0, freshness: 1 });
    expect(() => own.call('test', (x) => x.debugAbort(1))).toThrow(/requested abort/);
    expect(index.count).toBe(0);
    expect(resets).toBe(1);
    expect(index.resets).toBe(1);
    expect(index.highWatermark).toBe(950);
    expect(look(index, 'a', T0)).toBe(-1);
    expect(ins(index, 'a', { size: 10, now: T0, ageBase: T0, freshness: 1 })).toBe(0);
    index.dispose();
  });

  it('keeps many indexes apart in one core', () => {
    const indexes = Array.from({ length: 64 }, () => fresh());
    indexes.forEach((ix, k) => {
      for (let i = 0; i <= k; i++) ins(ix, `key${i}`, { size: k, now: T0, ageBase: T0, freshness: 1 });
    });
    const before = cacheKernel(core.exports).cacheIndexCount();
    indexes.forEach((ix, k) => {
      expect(ix.count).toBe(k + 1);
      expect(ix.total).toBe(k * (k + 1));
      expect(ix.find(`key${k}`)).toBe(k);
      expect(ix.find(`key${k + 1}`)).toBe(-1);
    });
    for (const ix of indexes) ix.dispose();
    expect(cacheKernel(core.exports).cacheIndexCount()).toBe(before - 64);
    // a disposed index starts again empty on its next use
    const again = indexes[5] as CacheIndex;
    expect(again.count).toBe(0);
    again.dispose();
  });
});
