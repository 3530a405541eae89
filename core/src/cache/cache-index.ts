import { getCore } from '../wasm/core.ts';
import type { Core, CoreExports } from '../wasm/core.ts';
import { KernelHandles, type KernelHandle } from '../wasm/kernel-handles.ts';

/** The cache index kernel's raw exports (core/assembly/cache/kernel.ts). Times in ms, sizes in bytes. */
export interface CacheKernel {
  cacheIndexNew(): number;
  cacheIndexFree(index: number): void;
  cacheIndexCount(): number;
  /** Address of the i32 id list of `cacheIds` / `cacheEvict` (moves when it grows). */
  cacheOutPtr(): number;
  /** Address of the fixed info block of `cacheLookup` / `cacheEntry` (see {@link CacheIndex}). */
  cacheInfoPtr(): number;
  cacheFind(index: number, lo: number, hi: number): number;
  cacheLookup(index: number, lo: number, hi: number, now: number, mode: number): number;
  cacheInsert(index: number, lo: number, hi: number, size: number, now: number, ageBase: number, freshness: number, staleWindow: number, flags: number): number;
  cacheUpdate(index: number, id: number, ageBase: number, freshness: number, staleWindow: number, flags: number): number;
  cacheSetFlags(index: number, id: number, flags: number): number;
  cacheSetSize(index: number, id: number, size: number): number;
  cacheTouch(index: number, id: number, now: number): number;
  cacheRemove(index: number, id: number): number;
  cacheClear(index: number): void;
  cacheCount(index: number): number;
  cacheTotal(index: number): number;
  cacheEntry(index: number, id: number): number;
  cacheEntrySize(index: number, id: number): number;
  cacheEntryLastUsed(index: number, id: number): number;
  cacheIds(index: number): number;
  cacheSetMaxSize(index: number, maxBytes: number): void;
  cacheHighWatermark(index: number): number;
  cacheLowWatermark(index: number): number;
  cacheEvict(index: number, now: number): number;
}

/** Typed view of a core's exports as the cache index kernel. */
export function cacheKernel(exports: CoreExports): CacheKernel {
  return exports as unknown as CacheKernel;
}

/** A 64-bit cache key hash as two 32-bit lanes (unsigned). */
export interface CacheKeyHash {
  lo: number;
  hi: number;
}

/** The object {@link cacheKeyHash} writes into when not given one (reused: read it before the next call). */
export const cacheKeyHashOut: CacheKeyHash = { lo: 0, hi: 0 };

/**
 * Hashes a cache key into two independent 32-bit lanes, written into `out` (no allocation). The
 * key's UTF-16 code units are read two at a time as one 32-bit word; lane `lo` is a multiply /
 * xor-shift lane, lane `hi` MurmurHash3's block step, both finished with MurmurHash3's fmix32 and
 * the length. A 64-bit collision is only a miss for the caller, which compares the key string it
 * keeps.
 */
export function cacheKeyHash(key: string, out: CacheKeyHash = cacheKeyHashOut): CacheKeyHash {
  let a = 0x811c9dc5 | 0;
  let b = 0x9747b28c | 0;
  const n = key.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const w = key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16);
    a = Math.imul(a ^ w, 0x2c1b3c6d);
    a ^= a >>> 15;
    let k = Math.imul(w, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    b ^= k;
    b = (Math.imul((b << 13) | (b >>> 19), 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    const w = key.charCodeAt(i);
    a = Math.imul(a ^ w, 0x2c1b3c6d);
    a ^= a >>> 15;
    let k = Math.imul(w, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    b ^= k;
  }
  a ^= n;
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  b ^= n;
  b = Math.imul(b ^ (b >>> 16), 0x85ebca6b);
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  b ^= b >>> 16;
  out.lo = a >>> 0;
  out.hi = b >>> 0;
  return out;
}

/**
 * How a lookup may use the entry: 0 miss, 1 fresh (no validation), 2 usable now but revalidate in
 * the background (Chromium's VALIDATION_ASYNCHRONOUS, stale-while-revalidate), 3 validate first
 * (VALIDATION_SYNCHRONOUS).
 */
export type CacheDecision = 0 | 1 | 2 | 3;

/** {@link CacheDecision}: not in the index. */
export const CACHE_DECISION_MISS = 0;
/** {@link CacheDecision}: fresh, use without validation. */
export const CACHE_DECISION_FRESH = 1;
/** {@link CacheDecision}: use now, revalidate in the background (VALIDATION_ASYNCHRONOUS). */
export const CACHE_DECISION_ASYNC = 2;
/** {@link CacheDecision}: validate before use (VALIDATION_SYNCHRONOUS). */
export const CACHE_DECISION_SYNC = 3;

/** 0 normal; 1 always validate (LOAD_VALIDATE_CACHE); 2 never validate (LOAD_SKIP_CACHE_VALIDATION). */
export type CacheLookupMode = 0 | 1 | 2;

/** {@link CacheLookupMode}: Chromium's RequiresValidation decides. */
export const CACHE_MODE_NORMAL = 0;
/** {@link CacheLookupMode}: always validate (LOAD_VALIDATE_CACHE, `cache: 'no-cache'`). */
export const CACHE_MODE_VALIDATE = 1;
/** {@link CacheLookupMode}: never validate (LOAD_SKIP_CACHE_VALIDATION, `cache: 'force-cache'`). */
export const CACHE_MODE_SKIP_VALIDATION = 2;

/** The result of a hit: one object per index, overwritten by the next lookup (read it first). */
export interface CacheHit {
  /** The entry id. */
  id: number;
  /** How the entry may be used (1, 2 or 3). */
  decision: CacheDecision;
  /** Its current age (ms): now - ageBase. */
  age: number;
}

/** Entry flag: always validate (no-cache); a lookup in mode 0 answers 3. */
export const CACHE_FLAG_NO_CACHE = 1;
/** Entry flag: must-revalidate (kept for the host; the kernel does not read it). */
export const CACHE_FLAG_MUST_REVALIDATE = 2;
/** Entry flag: in use (its body is being written); eviction skips it. */
export const CACHE_FLAG_PINNED = 4;
/** Alias of {@link CACHE_FLAG_PINNED}: the entry is in use (its body is being written). */
export const CACHE_FLAG_IN_USE = CACHE_FLAG_PINNED;

/** What the index keeps of an entry's freshness (RFC 9111 §4.2, as Chromium computes it). */
export interface CacheFreshness {
  /** Time (ms) at which the entry's age was 0: response time minus corrected initial age. */
  readonly ageBase: number;
  /** Freshness lifetime (ms); `Infinity` for fresh forever (300/301/308/410). */
  readonly freshness: number;
  /** stale-while-revalidate lifetime (ms) after the freshness ends; default 0. */
  readonly staleWindow?: number;
  /** {@link CACHE_FLAG_NO_CACHE} | {@link CACHE_FLAG_MUST_REVALIDATE} | {@link CACHE_FLAG_PINNED} | host bits (u32); default 0. */
  readonly flags?: number;
}

/** An entry as the index holds it. */
export interface CacheIndexEntry {
  readonly id: number;
  readonly lo: number;
  readonly hi: number;
  readonly size: number;
  readonly lastUsed: number;
  readonly ageBase: number;
  readonly freshness: number;
  readonly staleWindow: number;
  readonly flags: number;
}

/** Options of the index. */
export interface CacheIndexOptions {
  /** Maximum total size in bytes (eviction watermarks at 95 % / 90 %); default Infinity. */
  readonly maxSize?: number;
  /**
   * Called when the index lost its entries because the core replaced a trapped instance: the
   * index starts empty again (every lookup misses), so the host drops its records.
   */
  readonly onReset?: () => void;
}

const handles = new KernelHandles('cache.indexFree', (x, handle) => cacheKernel(x).cacheIndexFree(handle));

function checkTime(api: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`CacheIndex.${api}: ${name} must be a finite number (ms), got ${String(value)}`);
  }
}

function checkSize(api: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    throw new TypeError(`CacheIndex.${api}: size must be a finite number >= 0 (bytes), got ${String(value)}`);
  }
}

function checkLifetime(api: string, name: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new TypeError(`CacheIndex.${api}: ${name} must be a number >= 0 or Infinity (ms), got ${String(value)}`);
  }
}

function checkFlags(api: string, value: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new TypeError(`CacheIndex.${api}: flags must be an integer in [0, 2^32), got ${String(value)}`);
  }
}

const EMPTY_IDS: Int32Array = Object.freeze(new Int32Array(0)) as Int32Array;

/**
 * The per-session HTTP cache index in the wasm core, after Chromium's SimpleIndex
 * (reference/http-cache.md §4.5): 64-bit key hash → id, the freshness fields of every entry for
 * the validation decision, an O(1) running size and count, and the watermark eviction by
 * (now - last used) × (size + 512). The host keeps its records (key, headers, body location) in
 * an array by id and verifies the key on a hit. Many indexes share one core; `dispose()` (or
 * garbage collection of the index) frees the wasm-side state.
 * @example
 * const index = new CacheIndex(getCore(), { maxSize: 50 << 20 });
 * const id = index.insert(url, 1234, now, now, 60_000);
 * const hit = index.lookup(url, Date.now());
 * if (hit !== null && records[hit.id]?.key === url && hit.decision === CACHE_DECISION_FRESH) serveFromCache(hit.id);
 * for (const doomed of index.evict(Date.now())) dropRecord(doomed);
 */
export class CacheIndex {
  readonly core: Core;
  readonly #slot: KernelHandle;
  readonly #onReset: (() => void) | undefined;
  #maxSize = Infinity;
  /** Decision of the last {@link lookup} (0 on a miss). */
  decision: CacheDecision = 0;
  /** Current age (ms) of the entry the last {@link lookup} found (now - ageBase). */
  age = 0;
  /** How many times the index lost its entries to a trapped core instance. */
  resets = 0;
  #f64: Float64Array = new Float64Array(0);
  #u32: Uint32Array = new Uint32Array(0);
  #info = 0;
  #viewGeneration = -1;

  constructor(core: Core = getCore(), options: CacheIndexOptions = {}) {
    this.core = core;
    this.#onReset = options.onReset;
    this.#slot = handles.create(this, core);
    if (options.maxSize !== undefined) this.#checkMax(options.maxSize);
    this.#maxSize = options.maxSize ?? Infinity;
    this.#ensure();
  }

  /** The kernel handle of this index in the core's current instance (allocated on demand). */
  get handle(): number {
    return this.#ensure();
  }

  /** Frees the index's wasm-side state now; a later call starts an empty index. */
  dispose(): void {
    handles.free(this.#slot);
  }

  /** Number of entries. */
  get count(): number {
    return this.#k().cacheCount(this.#ensure());
  }

  /** Sum of the entries' sizes (bytes), kept up to date on every change (O(1)). */
  get total(): number {
    return this.#k().cacheTotal(this.#ensure());
  }

  /** The maximum size (bytes), `Infinity` for none. */
  get maxSize(): number {
    return this.#maxSize;
  }

  /** The high watermark: eviction starts above it (max - ⌊max/20⌋). */
  get highWatermark(): number {
    return this.#k().cacheHighWatermark(this.#ensure());
  }

  /** The low watermark: eviction frees down to it (max - 2⌊max/20⌋). */
  get lowWatermark(): number {
    return this.#k().cacheLowWatermark(this.#ensure());
  }

  /** Sets the maximum size (bytes, integer >= 0, or Infinity); eviction runs on the next {@link evict}. */
  setMaxSize(maxBytes: number): void {
    this.#checkMax(maxBytes);
    this.#maxSize = maxBytes;
    this.#k().cacheSetMaxSize(this.#ensure(), maxBytes);
  }

  /** The id of the entry whose key hashes like `key`, or -1 (no side effects). */
  find(key: string): number {
    const h = cacheKeyHash(key);
    return this.#k().cacheFind(this.#ensure(), h.lo, h.hi);
  }

  /** {@link find} by a hash from {@link cacheKeyHash}. */
  findHash(lo: number, hi: number): number {
    return this.#k().cacheFind(this.#ensure(), lo, hi);
  }

  /**
   * The entry for `key` on a hit, else null. A hit sets the entry's last used time to `now` and
   * reports the validation decision and its current age (also left in {@link decision} and
   * {@link age}). The returned object is reused by the next lookup on this index.
   */
  lookup(key: string, now: number, mode: CacheLookupMode = 0): CacheHit | null {
    const h = cacheKeyHash(key);
    return this.lookupHash(h.lo, h.hi, now, mode);
  }

  /** {@link lookup} by a hash from {@link cacheKeyHash}. */
  lookupHash(lo: number, hi: number, now: number, mode: CacheLookupMode = 0): CacheHit | null {
    if (typeof now !== 'number' || !Number.isFinite(now)) checkTime('lookup', 'now', now);
    if (mode !== 0 && mode !== 1 && mode !== 2) throw new TypeError(`CacheIndex.lookup: mode must be 0, 1 or 2, got ${String(mode)}`);
    const id = this.#k().cacheLookup(this.#ensure(), lo, hi, now, mode);
    if (id < 0) {
      this.decision = 0;
      return null;
    }
    this.#views();
    const hit = this.#hit;
    hit.id = id;
    hit.decision = this.decision = this.#u32[this.#info >>> 2] as CacheDecision;
    hit.age = this.age = this.#f64[(this.#info >>> 3) + 7] as number;
    return hit;
  }

  readonly #hit: CacheHit = { id: -1, decision: 0, age: 0 };

  /**
   * Inserts the entry for `key` and returns its id; an entry with the same key hash is replaced in
   * place (same id, every field new, the total adjusted). `size` in bytes as the host counts it;
   * `now` becomes its last used time; `ageBase`, `freshness`, `staleWindow`, `flags` as in
   * {@link CacheFreshness}. Throws a TypeError naming a bad value (NaN or negative size,
   * non-finite times, NaN or negative lifetimes, flags outside u32).
   */
  insert(key: string, size: number, now: number, ageBase: number, freshness: number, staleWindow = 0, flags = 0): number {
    const h = cacheKeyHash(key);
    return this.insertHash(h.lo, h.hi, size, now, ageBase, freshness, staleWindow, flags);
  }

  /** {@link insert} by a hash from {@link cacheKeyHash}. */
  insertHash(lo: number, hi: number, size: number, now: number, ageBase: number, freshness: number, staleWindow = 0, flags = 0): number {
    checkSize('insert', size);
    checkTime('insert', 'now', now);
    this.#checkFreshness('insert', ageBase, freshness, staleWindow, flags);
    const handle = this.#ensure();
    try {
      return this.#k().cacheInsert(handle, lo, hi, size, now, ageBase, freshness, staleWindow, flags);
    } catch (err) {
      return this.#trap('cache.insert', err);
    }
  }

  /** Replaces the freshness fields and flags of `id` (after a 304 revalidation). */
  update(id: number, ageBase: number, freshness: number, staleWindow = 0, flags = 0): void {
    this.#checkFreshness('update', ageBase, freshness, staleWindow, flags);
    this.#done('update', id, this.#k().cacheUpdate(this.#ensure(), id, ageBase, freshness, staleWindow, flags));
  }

  /** Sets the flags of `id`. */
  setFlags(id: number, flags: number): void {
    checkFlags('setFlags', flags);
    this.#done('setFlags', id, this.#k().cacheSetFlags(this.#ensure(), id, flags));
  }

  /** Marks `id` in use (eviction skips it) or not, keeping its other flags. */
  pin(id: number, pinned = true): void {
    const e = this.entry(id);
    if (e === undefined) this.#done('pin', id, 0);
    else this.setFlags(id, pinned ? (e.flags | CACHE_FLAG_PINNED) >>> 0 : e.flags & ~CACHE_FLAG_PINNED);
  }

  /** Sets the size of `id` (bytes) and adjusts the total. */
  setSize(id: number, size: number): void {
    checkSize('setSize', size);
    this.#done('setSize', id, this.#k().cacheSetSize(this.#ensure(), id, size));
  }

  /** Sets the last used time of `id` to `now` (ms). */
  touch(id: number, now: number): void {
    checkTime('touch', 'now', now);
    this.#done('touch', id, this.#k().cacheTouch(this.#ensure(), id, now));
  }

  /** Removes `id`; ids are reused, the last freed first. */
  remove(id: number): void {
    this.#done('remove', id, this.#k().cacheRemove(this.#ensure(), id));
  }

  /** Removes every entry (ids start again from 0). */
  clear(): void {
    this.#k().cacheClear(this.#ensure());
  }

  /** The fields of `id`, or undefined when it is not in the index. */
  entry(id: number): CacheIndexEntry | undefined {
    if (!Number.isInteger(id)) return undefined;
    if (this.#k().cacheEntry(this.#ensure(), id) === 0) return undefined;
    this.#views();
    const u = this.#info >>> 2;
    const f = this.#info >>> 3;
    const d = this.#f64;
    const w = this.#u32;
    return {
      id, flags: w[u + 1] as number, lo: w[u + 2] as number, hi: w[u + 3] as number, size: d[f + 2] as number,
      lastUsed: d[f + 3] as number, ageBase: d[f + 4] as number, freshness: d[f + 5] as number, staleWindow: d[f + 6] as number,
    };
  }

  /** Every live id, ascending (a copy). */
  ids(): Int32Array {
    const k = this.#k();
    const handle = this.#ensure();
    let n: number;
    try {
      n = k.cacheIds(handle);
    } catch (err) {
      return this.#trap('cache.ids', err);
    }
    return this.#copyOut(k, n);
  }

  /**
   * SimpleIndex's eviction at `now`: when the total is above the high watermark, removes unpinned
   * entries by descending (now - last used) × (size + 512) (lower id first on a tie) until the
   * total is at or below the low watermark. Returns the removed ids in that order (a copy).
   */
  evict(now: number): Int32Array {
    checkTime('evict', 'now', now);
    const k = this.#k();
    const handle = this.#ensure();
    let n: number;
    try {
      n = k.cacheEvict(handle, now);
    } catch (err) {
      return this.#trap('cache.evict', err);
    }
    return n === 0 ? EMPTY_IDS : this.#copyOut(k, n);
  }

  #copyOut(k: CacheKernel, n: number): Int32Array {
    const at = k.cacheOutPtr() >>> 2;
    return new Int32Array(this.core.exports.memory.buffer, 0).slice(at, at + n);
  }

  #checkMax(maxBytes: number): void {
    if (typeof maxBytes !== 'number' || !(maxBytes >= 0) || (maxBytes !== Infinity && !Number.isInteger(maxBytes))) {
      throw new TypeError(`CacheIndex.setMaxSize: maxSize must be an integer >= 0 or Infinity (bytes), got ${String(maxBytes)}`);
    }
  }

  #checkFreshness(api: string, ageBase: number, freshness: number, staleWindow: number, flags: number): void {
    checkTime(api, 'ageBase', ageBase);
    checkLifetime(api, 'freshness', freshness);
    checkLifetime(api, 'staleWindow', staleWindow);
    checkFlags(api, flags);
  }

  #done(api: string, id: number, ok: number): void {
    if (ok === 0) throw new RangeError(`CacheIndex.${api}: no entry with id ${String(id)} in the index`);
  }

  /**
   * Hands a trap of a call that can allocate (memory growth failing) to the core, which records it,
   * replaces the instance and throws a SessionError (ERR_CORE_ABORT); the index then starts empty.
   * The other calls neither allocate nor abort on bad ids, so they run without the wrapper.
   */
  #trap(label: string, err: unknown): never {
    this.core.call(label, () => {
      throw err;
    });
    throw err;
  }

  #k(): CacheKernel {
    return this.core.exports as unknown as CacheKernel;
  }

  #views(): void {
    const core = this.core;
    if (this.#viewGeneration !== core.generation || this.#f64.byteLength === 0) {
      const buffer = core.exports.memory.buffer;
      this.#f64 = new Float64Array(buffer);
      this.#u32 = new Uint32Array(buffer);
      this.#info = this.#k().cacheInfoPtr();
      this.#viewGeneration = core.generation;
    }
  }

  /** The handle in the current instance; a new instance (after a trap) gets a new, empty index. */
  #ensure(): number {
    const slot = this.#slot;
    const core = this.core;
    if (slot.handle !== 0 && slot.generation === core.generation) return slot.handle;
    const lost = slot.generation !== -1 && slot.generation !== core.generation;
    const generation = core.generation;
    const handle = core.call('cache.indexNew', (x) => cacheKernel(x).cacheIndexNew());
    slot.handle = handle;
    slot.generation = generation;
    if (this.#maxSize !== Infinity) this.#k().cacheSetMaxSize(handle, this.#maxSize);
    if (lost) {
      this.resets++;
      this.#onReset?.();
    }
    return handle;
  }
}
