// The cookie index: one record per cookie id (the host keeps the strings and the full cookie),
// bucketed like CookieMonster's `cookies_` / `partitioned_cookies_` maps: by (partition key id,
// registrable domain). Each bucket keeps its ids in CookieSorter order (path length descending,
// then creation ascending, then the host's insertion sequence), so a request scans it once and
// needs no sort. A per-jar hash table on (bucket, name, domain, path) finds the equivalent cookie
// of an insert (RefUniqueKey) without scanning the bucket. The partitioned buckets of one
// registrable domain are chained, so a request can read every partition at once.
// Chromium: net/cookies/cookie_monster.cc; reference/cookies.md §4.5, §4.6, §4.9.

import { Interned, bytesEqual, hashBytes, internAcquire, internAt, internFind, internRelease, internRetain } from './intern';
import { Shape, shapeAcquire, shapeAt, shapeRelease } from './shape';

/** Change causes, numbered for the host (reference/cookies.md §4.8). */
export const CAUSE_EXPLICIT: i32 = 1;
export const CAUSE_OVERWRITE: i32 = 2;
export const CAUSE_EXPIRED: i32 = 3;
export const CAUSE_EVICTED: i32 = 4;
export const CAUSE_EXPIRED_OVERWRITE: i32 = 5;

export const FLAG_LIVE: i32 = 1;
export const FLAG_SECURE: i32 = 2;
export const FLAG_HTTP_ONLY: i32 = 4;
/** The cookie's header pair has a byte >= 0x80 (the host then decodes a line with it as UTF-8). */
export const FLAG_NON_ASCII: i32 = 8;
/**
 * Bits 8.. of `Rec.flags`: the SameSite context rank a request needs (CookieEffectiveSameSite):
 * None 0, Lax 2, Strict 3; 4 never (SameSite=None without Secure); 5 unspecified, which is
 * Lax-allow-unsafe (1) for 2 minutes after creation and Lax (2) after.
 */
const NEED_SHIFT: i32 = 8;
const NEED_NEVER: i32 = 4;
const NEED_UNSPECIFIED: i32 = 5;
/** The bits of `Rec.flags` a cookie's shape keeps (what inclusion depends on). */
const SHAPE_FLAGS: i32 = FLAG_SECURE | FLAG_HTTP_ONLY | (0xff << NEED_SHIFT);

/** Partition argument of a request that reads every partition (CookiePartitionKeyCollection::ContainsAll). */
export const PARTITION_ALL: i32 = -1;

// CookieMonster constants (cookie_monster.cc; reference/cookies.md §4.1).
const DOMAIN_MAX: i32 = 180;
const DOMAIN_KEEP: i32 = 150;
const GLOBAL_MAX: i32 = 3300;
const GLOBAL_KEEP: i32 = 3000;
const PARTITION_DOMAIN_MAX: i32 = 180;
const PARTITION_DOMAIN_MAX_BYTES: i32 = 10240;
const QUOTA_LOW: i32 = 30;
const QUOTA_MEDIUM: i32 = 50;
const QUOTA_HIGH: i32 = 70;
const US_PER_DAY: f64 = 86400e6;
const SAFE_FROM_GLOBAL_PURGE: f64 = 30 * US_PER_DAY;
const ACCESS_UPDATE_THRESHOLD: f64 = 60e6;
const LAX_ALLOW_UNSAFE_MAX_AGE: f64 = 120e6;

/**
 * One cookie. Times are µs since the epoch as f64 (exact below 2^53); expiry +Infinity = session.
 * 80 bytes; what a request reads of every cookie (flags, domain, path, access) comes first.
 */
@unmanaged
export class Rec {
  access: f64 = 0;
  flags: i32 = 0;
  domain: i32 = 0;
  path: i32 = 0;
  bucket: i32 = 0;
  creation: f64 = 0;
  expiry: f64 = 0;
  seq: f64 = 0;
  partition: i32 = 0;
  namePtr: usize = 0;
  nameLen: i32 = 0;
  nameHash: u32 = 0;
  size: i32 = 0;
  sameSite: i32 = 0;
  priority: i32 = 0;
  /** Bytes of the value, kept after the name as `name=value` at `namePtr` (the Cookie header pair). */
  valueLen: i32 = 0;
  /** The cookie's shape (shape.ts): domain, path and the flags inclusion depends on. */
  shape: i32 = 0;
}

/** The Cookie header pair of a record: `name=value`, or the bare value of a nameless cookie. */
// @ts-ignore: decorator
@inline function pairPtr(r: Rec): usize {
  return r.nameLen > 0 ? r.namePtr : r.namePtr + 1;
}

// @ts-ignore: decorator
@inline function pairLen(r: Rec): i32 {
  return r.nameLen > 0 ? r.nameLen + 1 + r.valueLen : r.valueLen;
}

/**
 * The ids of one (partition, registrable domain) key, in CookieSorter order. `ids` holds
 * [id, shape] pairs (8 bytes each), so a request's scan reads the shapes in the same stream.
 */
@unmanaged
export class Bucket {
  ids: usize = 0;
  len: i32 = 0;
  cap: i32 = 0;
  partition: i32 = 0;
  reg: i32 = -1;
  bytes: i32 = 0;
  /** Secure cookies in the bucket: "Leave Secure Cookies Alone" scans only when there are some. */
  secureCount: i32 = 0;
  /** The other partitioned buckets of the same registrable domain (-1 ends; unused when unpartitioned). */
  nextReg: i32 = -1;
  prevReg: i32 = -1;
  minExpiry: f64 = 0;
}

const REC: usize = offsetof<Rec>();
const BUCKET: usize = offsetof<Bucket>();
/**
 * One cookie index ("jar"): everything a CookieMonster keeps per store. Many jars share one
 * instance; the interned strings are shared (each jar holds its own references), the output and
 * scratch lists are per call. Every export selects its jar by handle first (`jarSelect`).
 */
@unmanaged
export class Jar {
  recs: usize = 0;
  recCap: i32 = 0;
  buckets: usize = 0;
  bucketCap: i32 = 0;
  bucketUsed: i32 = 0;
  bucketFreeHead: i32 = -1;
  /** Unpartitioned cookies (`cookies_.size()`), the count the global limit applies to. */
  unpartitionedCount: i32 = 0;
  /** All cookies. */
  totalCount: i32 = 0;
  /** `earliest_access_time_`; -Infinity stands for Chromium's null Time (earlier than any time). */
  earliestAccess: f64 = -Infinity;
  /** Whether inserts run CookieMonster's garbage collection (off only for benchmarks of huge jars). */
  limitsEnabled: bool = true;
  /** Set when the last commit ran the global pass (the host then re-reads `earliestAccess`). */
  globalPassRan: bool = false;
  /** The last (partition, registrable domain) key `bucketFind` resolved, and its bucket (-1: none). */
  memoKey: u64 = 0;
  memoBucket: i32 = -1;
  /**
   * The equivalence table: open addressing, linear probing, 8-byte slots [hash u32, id + 1]
   * (0 = empty), keyed on (bucket, name, domain, path); at most half full.
   */
  eqSlots: usize = 0;
  eqCap: i32 = 0;
  eqUsed: i32 = 0;
  /** Bumped whenever a record is filled or removed (a header pair may have changed; ids are reused). */
  pairsVersion: i32 = 0;
  /** The ids of the last Cookie line built for this jar, and `pairsVersion` then (lineValid: any yet). */
  lineIds: usize = 0;
  lineIdsCap: i32 = 0;
  lineIdsLen: i32 = 0;
  lineVersion: i32 = 0;
  lineValid: bool = false;
  /** The ids of a match the host keeps to answer the same request again (`keepMatch`). */
  keptIds: usize = 0;
  keptCap: i32 = 0;
}

const JAR: usize = offsetof<Jar>();

/** The selected jar. */
export let J: Jar = changetype<Jar>(0);
let current: i32 = 0;
/** The selected jar's (partition, registrable domain) → bucket map (managed, so rooted in `jarMaps`). */
let bucketIndex = new Map<u64, i32>();
const jarMaps = new Array<Map<u64, i32> | null>();

// Handle table: slot i holds [jar pointer or next free index, live flag], 8 bytes; handle = i + 1.
let jarSlots: usize = 0;
let jarSlotCap: i32 = 0;
let jarSlotUsed: i32 = 0;
let jarFreeHead: i32 = -1;
let jarLive: i32 = 0;

/** Creates an empty jar and returns its handle (>= 1). */
export function jarNew(): i32 {
  const j = changetype<Jar>(heap.alloc(JAR));
  memory.fill(changetype<usize>(j), 0, JAR);
  j.bucketFreeHead = -1;
  j.memoBucket = -1;
  j.earliestAccess = -Infinity;
  j.limitsEnabled = true;
  let index: i32;
  if (jarFreeHead >= 0) {
    index = jarFreeHead;
    jarFreeHead = <i32>load<u32>(jarSlots + (<usize>index << 3));
    jarMaps[index] = new Map<u64, i32>();
  } else {
    if (jarSlotUsed == jarSlotCap) {
      const next = jarSlotCap == 0 ? 16 : jarSlotCap << 1;
      jarSlots = jarSlots == 0 ? heap.alloc(<usize>next << 3) : heap.realloc(jarSlots, <usize>next << 3);
      jarSlotCap = next;
    }
    index = jarSlotUsed++;
    jarMaps.push(new Map<u64, i32>());
  }
  store<u32>(jarSlots + (<usize>index << 3), <u32>changetype<usize>(j));
  store<i32>(jarSlots + (<usize>index << 3), 1, 4);
  jarLive++;
  return index + 1;
}

/** Makes the jar behind `handle` the one the store functions work on; aborts on a bad handle. */
export function jarSelect(handle: i32): void {
  if (handle == current && handle != 0) return;
  const index = handle - 1;
  if (index < 0 || index >= jarSlotUsed || load<i32>(jarSlots + (<usize>index << 3), 4) == 0) {
    abort('cookie index: invalid cookie index handle');
  }
  J = changetype<Jar>(<usize>load<u32>(jarSlots + (<usize>index << 3)));
  bucketIndex = jarMaps[index]!;
  current = handle;
}

/** Frees a jar: its records, buckets, name bytes and its references to interned strings. */
export function jarFree(handle: i32): void {
  jarSelect(handle);
  const j = J;
  for (let id = 0; id < j.recCap; id++) {
    const r = rec(id);
    if ((r.flags & FLAG_LIVE) == 0) continue;
    internRelease(r.domain);
    internRelease(r.path);
    shapeRelease(r.shape);
    heap.free(r.namePtr);
  }
  for (let i = 0; i < j.bucketUsed; i++) {
    const b = bucketAt(i);
    if (b.reg < 0) continue;
    internRelease(b.reg);
    heap.free(b.ids);
  }
  if (j.recs != 0) heap.free(j.recs);
  if (j.buckets != 0) heap.free(j.buckets);
  if (j.eqSlots != 0) heap.free(j.eqSlots);
  if (j.lineIds != 0) heap.free(j.lineIds);
  if (j.keptIds != 0) heap.free(j.keptIds);
  heap.free(changetype<usize>(j));
  const index = handle - 1;
  jarMaps[index] = null;
  store<u32>(jarSlots + (<usize>index << 3), <u32>jarFreeHead);
  store<i32>(jarSlots + (<usize>index << 3), 0, 4);
  jarFreeHead = index;
  jarLive--;
  J = changetype<Jar>(0);
  current = 0;
}

/** Number of live jars. */
export function jarCount(): i32 {
  return jarLive;
}

export function setEarliestAccess(t: f64): void {
  J.earliestAccess = t;
}

export function setLimitsEnabled(on: bool): void {
  J.limitsEnabled = on;
}

// ---- growable i32 lists (output pairs and scratch vectors) ----

@unmanaged
export class IntList {
  ptr: usize = 0;
  len: i32 = 0;
  cap: i32 = 0;
}

export function listNew(): IntList {
  const l = changetype<IntList>(heap.alloc(offsetof<IntList>()));
  l.ptr = heap.alloc(256);
  l.len = 0;
  l.cap = 64;
  return l;
}

export function listPush(l: IntList, v: i32): void {
  if (l.len == l.cap) {
    l.cap <<= 1;
    l.ptr = heap.realloc(l.ptr, <usize>l.cap << 2);
  }
  store<i32>(l.ptr + (<usize>l.len << 2), v);
  l.len++;
}

/** Makes room for `n` entries in all. */
export function listReserve(l: IntList, n: i32): void {
  if (n <= l.cap) return;
  let cap = l.cap;
  while (cap < n) cap <<= 1;
  l.ptr = heap.realloc(l.ptr, <usize>cap << 2);
  l.cap = cap;
}

// @ts-ignore: decorator
@inline export function listAt(l: IntList, i: i32): i32 {
  return load<i32>(l.ptr + (<usize>i << 2));
}

function listErase(l: IntList, i: i32): void {
  const at = l.ptr + (<usize>i << 2);
  memory.copy(at, at + 4, <usize>(l.len - i - 1) << 2);
  l.len--;
}

/** (id, cause) pairs of the last operation, or plain ids for a match. */
export const out = listNew();
const tmp = listNew();
const tmpB = listNew();
const secureList = listNew();
const nonSecureList = listNew();
const expiredList = listNew();
/** Start offsets (in `out`) of the sorted runs a multi-bucket match merges. */
const runStarts = listNew();
/** Ids whose last access time the current match moved. */
const touchedList = listNew();

// ---- records ----

// @ts-ignore: decorator
@inline export function rec(id: i32): Rec {
  return changetype<Rec>(J.recs + <usize>id * REC);
}

/** The live record behind `id`; aborts on a wrong or stale id (the host then rebuilds). */
export function liveRec(id: i32): Rec {
  if (id < 0 || id >= J.recCap || (rec(id).flags & FLAG_LIVE) == 0) abort('cookie index: unknown cookie id');
  return rec(id);
}

export function ensureRecord(id: i32): void {
  if (id < 0) abort('cookie index: negative cookie id');
  if (id < J.recCap) return;
  let cap = J.recCap == 0 ? 256 : J.recCap;
  while (cap <= id) cap <<= 1;
  J.recs = J.recs == 0 ? heap.alloc(<usize>cap * REC) : heap.realloc(J.recs, <usize>cap * REC);
  memory.fill(J.recs + <usize>J.recCap * REC, 0, <usize>(cap - J.recCap) * REC);
  J.recCap = cap;
}

// @ts-ignore: decorator
@inline function pathLen(r: Rec): i32 {
  return internAt(r.path).len;
}

/** CookieSorter: longer path first, then older creation, then earlier insertion. */
function sortsBefore(a: i32, b: i32): bool {
  const ra = rec(a);
  const rb = rec(b);
  const la = pathLen(ra);
  const lb = pathLen(rb);
  if (la != lb) return la > lb;
  if (ra.creation != rb.creation) return ra.creation < rb.creation;
  return ra.seq < rb.seq;
}

/** LRACookieSorter: least recently accessed first, ties by creation (then insertion). */
function lraBefore(a: i32, b: i32): bool {
  const ra = rec(a);
  const rb = rec(b);
  if (ra.access != rb.access) return ra.access < rb.access;
  if (ra.creation != rb.creation) return ra.creation < rb.creation;
  return ra.seq < rb.seq;
}

/** Stable merge sort of `l` by `before`, using tmpB as the buffer. */
function sortList(l: IntList, before: (a: i32, b: i32) => bool): void {
  const n = l.len;
  if (n < 2) return;
  listReserve(tmpB, n);
  let src = l.ptr;
  let dst = tmpB.ptr;
  for (let width = 1; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      const mid = min(lo + width, n);
      const hi = min(lo + (width << 1), n);
      let i = lo, j = mid, k = lo;
      while (i < mid || j < hi) {
        let v: i32;
        if (j >= hi || (i < mid && !before(load<i32>(src + (<usize>j << 2)), load<i32>(src + (<usize>i << 2))))) {
          v = load<i32>(src + (<usize>i << 2));
          i++;
        } else {
          v = load<i32>(src + (<usize>j << 2));
          j++;
        }
        store<i32>(dst + (<usize>k << 2), v);
        k++;
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != l.ptr) memory.copy(l.ptr, src, <usize>n << 2);
}

// ---- buckets ----

// @ts-ignore: decorator
@inline export function bucketAt(i: i32): Bucket {
  return changetype<Bucket>(J.buckets + <usize>i * BUCKET);
}

// @ts-ignore: decorator
@inline function bucketKey(partition: i32, reg: i32): u64 {
  return (<u64><u32>partition << 32) | <u64><u32>reg;
}

export function bucketFind(partition: i32, reg: i32): i32 {
  const key = bucketKey(partition, reg);
  if (J.memoBucket >= 0 && J.memoKey == key) return J.memoBucket;
  if (!bucketIndex.has(key)) return -1;
  const bi = bucketIndex.get(key);
  J.memoKey = key;
  J.memoBucket = bi;
  return bi;
}

/** The first partitioned bucket of `reg` (chained through `nextReg`), or -1. */
function partitionedHead(reg: i32): i32 {
  const key = bucketKey(PARTITION_ALL, reg);
  return bucketIndex.has(key) ? bucketIndex.get(key) : -1;
}

/** Creates the bucket; it owns one reference to `reg`. */
function bucketNew(partition: i32, reg: i32): i32 {
  let i: i32;
  if (J.bucketFreeHead >= 0) {
    i = J.bucketFreeHead;
    J.bucketFreeHead = bucketAt(i).len;
  } else {
    if (J.bucketUsed == J.bucketCap) {
      const cap = J.bucketCap == 0 ? 64 : J.bucketCap << 1;
      J.buckets = J.buckets == 0 ? heap.alloc(<usize>cap * BUCKET) : heap.realloc(J.buckets, <usize>cap * BUCKET);
      J.bucketCap = cap;
    }
    i = J.bucketUsed++;
  }
  const b = bucketAt(i);
  b.cap = 8;
  b.ids = heap.alloc(64);
  b.len = 0;
  b.partition = partition;
  b.reg = reg;
  b.bytes = 0;
  b.secureCount = 0;
  b.minExpiry = Infinity;
  b.nextReg = -1;
  b.prevReg = -1;
  bucketIndex.set(bucketKey(partition, reg), i);
  if (partition != 0) {
    const head = partitionedHead(reg);
    if (head >= 0) {
      bucketAt(head).prevReg = i;
      b.nextReg = head;
    }
    bucketIndex.set(bucketKey(PARTITION_ALL, reg), i);
  }
  return i;
}

function bucketFree(i: i32): void {
  const b = bucketAt(i);
  bucketIndex.delete(bucketKey(b.partition, b.reg));
  if (J.memoBucket == i) J.memoBucket = -1;
  if (b.partition != 0) {
    const prev = b.prevReg, next = b.nextReg;
    if (next >= 0) bucketAt(next).prevReg = prev;
    if (prev >= 0) bucketAt(prev).nextReg = next;
    else if (next >= 0) bucketIndex.set(bucketKey(PARTITION_ALL, b.reg), next);
    else bucketIndex.delete(bucketKey(PARTITION_ALL, b.reg));
  }
  internRelease(b.reg);
  heap.free(b.ids);
  b.ids = 0;
  b.reg = -1;
  b.len = J.bucketFreeHead;
  J.bucketFreeHead = i;
}

/** Whether bucket slot `i` holds a live bucket. */
export function bucketLive(i: i32): bool {
  return i < J.bucketUsed && bucketAt(i).reg >= 0;
}

export function bucketCount(): i32 {
  return J.bucketUsed;
}

// @ts-ignore: decorator
@inline export function bucketId(b: Bucket, k: i32): i32 {
  return load<i32>(b.ids + (<usize>k << 3));
}

/** First position whose id does not sort before `id`. */
function lowerBound(b: Bucket, id: i32): i32 {
  let lo = 0, hi = b.len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortsBefore(bucketId(b, mid), id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position whose cookie path is at most `len` bytes long (the bucket is longest path first). */
function firstPathNoLongerThan(b: Bucket, len: i32): i32 {
  let lo = 0, hi = b.len;
  if (hi == 0 || pathLen(rec(bucketId(b, 0))) <= len) return 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pathLen(rec(bucketId(b, mid))) > len) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function bucketInsert(b: Bucket, id: i32): void {
  if (b.len == b.cap) {
    b.cap <<= 1;
    b.ids = heap.realloc(b.ids, <usize>b.cap << 3);
  }
  // Usually the newest cookie of its path length; it goes last when it also has the shortest path.
  const at = b.len == 0 || sortsBefore(bucketId(b, b.len - 1), id) ? b.len : lowerBound(b, id);
  const p = b.ids + (<usize>at << 3);
  memory.copy(p + 8, p, <usize>(b.len - at) << 3);
  store<i32>(p, id);
  store<i32>(p, rec(id).shape, 4);
  b.len++;
}

function bucketErase(b: Bucket, id: i32): void {
  let at = lowerBound(b, id);
  // Equal sort keys: an overwrite with an unchanged value inherits creation and sequence, and the
  // new cookie goes in before the old one goes out.
  while (at < b.len && bucketId(b, at) != id && !sortsBefore(id, bucketId(b, at))) at++;
  if (at >= b.len || bucketId(b, at) != id) {
    at = -1;
    for (let k = 0; k < b.len; k++) if (bucketId(b, k) == id) { at = k; break; }
    if (at < 0) abort('cookie index: id missing from its bucket');
  }
  const p = b.ids + (<usize>at << 3);
  memory.copy(p, p + 8, <usize>(b.len - at - 1) << 3);
  b.len--;
}

// ---- the equivalence table: (bucket, name, domain, path) → id (RefUniqueKey inside a bucket) ----

const EQ_MIN_CAP: i32 = 64;

/** Hash of an equivalence key; the name enters through its FNV-1a hash, the rest as ids. */
function eqHash(bucket: i32, domain: i32, path: i32, nameHash: u32): u32 {
  let h = nameHash ^ (<u32>bucket * 0x9e3779b1);
  h = rotl<u32>(h ^ (<u32>domain * 0x85ebca77), 13) * 5 + 0xe6546b64;
  h ^= <u32>path * 0xc2b2ae3d;
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

// @ts-ignore: decorator
@inline function eqSlot(i: i32): usize {
  return J.eqSlots + (<usize>i << 3);
}

// @ts-ignore: decorator
@inline function recHash(r: Rec): u32 {
  return eqHash(r.bucket, r.domain, r.path, r.nameHash);
}

/** Rehashes the table into `cap` slots (a power of two). */
function eqResize(cap: i32): void {
  const old = J.eqSlots;
  const oldCap = J.eqCap;
  const slots = heap.alloc(<usize>cap << 3);
  memory.fill(slots, 0, <usize>cap << 3);
  const mask = cap - 1;
  for (let k = 0; k < oldCap; k++) {
    const s = old + (<usize>k << 3);
    const v = load<i32>(s, 4);
    if (v == 0) continue;
    const h = load<u32>(s);
    let i = <i32>(h & <u32>mask);
    while (load<i32>(slots + (<usize>i << 3), 4) != 0) i = (i + 1) & mask;
    store<u32>(slots + (<usize>i << 3), h);
    store<i32>(slots + (<usize>i << 3), v, 4);
  }
  if (old != 0) heap.free(old);
  J.eqSlots = slots;
  J.eqCap = cap;
}

/** The live id with this key, or -1. */
export function eqFind(bucket: i32, domain: i32, path: i32, name: usize, nameLen: i32, nameHash: u32): i32 {
  if (J.eqUsed == 0) return -1;
  const h = eqHash(bucket, domain, path, nameHash);
  const mask = J.eqCap - 1;
  let i = <i32>(h & <u32>mask);
  while (true) {
    const s = eqSlot(i);
    const v = load<i32>(s, 4);
    if (v == 0) return -1;
    if (load<u32>(s) == h) {
      const r = rec(v - 1);
      if (r.bucket == bucket && r.domain == domain && r.path == path && r.nameLen == nameLen && bytesEqual(r.namePtr, name, nameLen)) {
        return v - 1;
      }
    }
    i = (i + 1) & mask;
  }
}

/** Adds a live record (duplicates from a load are kept; a lookup returns one of them). */
function eqAdd(id: i32): void {
  if ((J.eqUsed + 1) << 1 > J.eqCap) eqResize(J.eqCap == 0 ? EQ_MIN_CAP : J.eqCap << 1);
  const h = recHash(rec(id));
  const mask = J.eqCap - 1;
  let i = <i32>(h & <u32>mask);
  while (load<i32>(eqSlot(i), 4) != 0) i = (i + 1) & mask;
  store<u32>(eqSlot(i), h);
  store<i32>(eqSlot(i), id + 1, 4);
  J.eqUsed++;
}

/** Removes a record (its key fields still set) by backward-shift deletion; shrinks when 1/8 full. */
function eqDelete(id: i32): void {
  const h = recHash(rec(id));
  const mask = J.eqCap - 1;
  let i = <i32>(h & <u32>mask);
  let probes = 0;
  while (load<i32>(eqSlot(i), 4) != id + 1) {
    if (load<i32>(eqSlot(i), 4) == 0 || ++probes > mask) abort('cookie index: id missing from the equivalence table');
    i = (i + 1) & mask;
  }
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const v = load<i32>(eqSlot(j), 4);
    if (v == 0) break;
    const hj = load<u32>(eqSlot(j));
    const home = <i32>(hj & <u32>mask);
    // The entry at j may fill the hole at i when its home is not cyclically in (i, j].
    if (((j - home) & mask) >= ((j - i) & mask)) {
      store<u32>(eqSlot(i), hj);
      store<i32>(eqSlot(i), v, 4);
      i = j;
    }
  }
  store<u64>(eqSlot(i), 0);
  J.eqUsed--;
  if (J.eqCap > EQ_MIN_CAP && J.eqUsed << 3 < J.eqCap) eqResize(J.eqCap >> 1);
}

/**
 * Self-check for tests: the number of live cookies, or -1 when the equivalence table does not
 * find every live record under its own key (or holds more entries), a bucket's count of Secure
 * cookies or its length is off, or a chain of partitioned buckets is broken.
 */
export function verifyIndex(): i32 {
  if (J.eqUsed != J.totalCount) return -1;
  let live = 0;
  for (let id = 0; id < J.recCap; id++) {
    const r = rec(id);
    if ((r.flags & FLAG_LIVE) == 0) continue;
    if (eqFind(r.bucket, r.domain, r.path, r.namePtr, r.nameLen, r.nameHash) != id) return -1;
    if (!bucketLive(r.bucket)) return -1;
    live++;
  }
  let inBuckets = 0;
  for (let i = 0; i < J.bucketUsed; i++) {
    if (!bucketLive(i)) continue;
    const b = bucketAt(i);
    if (b.len <= 0 || bucketFind(b.partition, b.reg) != i) return -1;
    let secure = 0;
    for (let k = 0; k < b.len; k++) {
      const r = rec(bucketId(b, k));
      if ((r.flags & FLAG_LIVE) == 0 || r.bucket != i) return -1;
      // Its shape, in the bucket and in the record, is its own.
      const s = shapeAt(r.shape);
      if (load<i32>(b.ids + (<usize>k << 3), 4) != r.shape || s.refs <= 0) return -1;
      if (s.domain != r.domain || s.path != r.path || s.bits != (r.flags & SHAPE_FLAGS)) return -1;
      if ((r.flags & FLAG_SECURE) != 0) secure++;
    }
    if (secure != b.secureCount) return -1;
    inBuckets += b.len;
    if (b.partition == 0) continue;
    // Reachable from its chain's head, with the back links right on the way.
    let cur = partitionedHead(b.reg);
    let prev = -1;
    let steps = 0;
    while (cur >= 0 && cur != i) {
      const c = bucketAt(cur);
      if (!bucketLive(cur) || c.prevReg != prev || c.reg != b.reg || c.partition == 0 || ++steps > J.bucketUsed) return -1;
      prev = cur;
      cur = c.nextReg;
    }
    if (cur != i || b.prevReg != prev) return -1;
  }
  return inBuckets == live && live == J.totalCount ? live : -1;
}

// ---- insert / remove ----

/**
 * Adds the record for `id` from the key bytes (registrable domain, name, domain, path) and the
 * fields, as a load does. Returns the bucket index.
 */
export function insertRecord(
  id: i32, regPtr: usize, regLen: i32, namePtr: usize, nameLen: i32, domainPtr: usize, domainLen: i32,
  pathPtr: usize, pathLenBytes: i32, valuePtr: usize, valueLen: i32, partition: i32, creation: f64, seq: f64,
  access: f64, expiry: f64, flags: i32, sameSite: i32, priority: i32, size: i32,
): i32 {
  claimRecord(id, partition);
  let reg = internFind(regPtr, regLen);
  let bi = reg >= 0 ? bucketFind(partition, reg) : -1;
  if (bi < 0) {
    reg = internAcquire(regPtr, regLen);
    bi = bucketNew(partition, reg);
  }
  const domain = internAcquire(domainPtr, domainLen);
  const path = internAcquire(pathPtr, pathLenBytes);
  fillRecord(id, bi, domain, path, namePtr, nameLen, hashBytes(namePtr, nameLen), valuePtr, valueLen, partition,
    creation, seq, access, expiry, flags, sameSite, priority, size);
  return bi;
}

/**
 * Adds the record for `id` under the key the last `findEquivalent` resolved (its ids are still
 * valid: nothing ran in between). Done before the equivalent cookie is removed, so the bucket and
 * the interned strings they share stay. Returns the bucket index.
 */
export function insertFound(
  id: i32, regPtr: usize, regLen: i32, namePtr: usize, nameLen: i32, domainPtr: usize, domainLen: i32,
  pathPtr: usize, pathLenBytes: i32, valuePtr: usize, valueLen: i32, partition: i32, creation: f64, seq: f64,
  access: f64, expiry: f64, flags: i32, sameSite: i32, priority: i32, size: i32,
): i32 {
  claimRecord(id, partition);
  let bi = findBucket;
  if (bi < 0) {
    let reg = findReg;
    if (reg >= 0) internRetain(reg);
    else reg = internAcquire(regPtr, regLen);
    bi = bucketNew(partition, reg);
  }
  let domain = findDomain;
  if (domain >= 0) internRetain(domain);
  else domain = internAcquire(domainPtr, domainLen);
  let path = findPath;
  if (path >= 0) internRetain(path);
  else path = internAcquire(pathPtr, pathLenBytes);
  fillRecord(id, bi, domain, path, namePtr, nameLen, findNameHash, valuePtr, valueLen, partition,
    creation, seq, access, expiry, flags, sameSite, priority, size);
  return bi;
}

function claimRecord(id: i32, partition: i32): void {
  ensureRecord(id);
  if ((rec(id).flags & FLAG_LIVE) != 0) abort('cookie index: cookie id already in use');
  if (partition < 0) abort('cookie index: negative partition key');
}

/** Fills a claimed record (owning one reference each to `domain` and `path`) and links it in. */
function fillRecord(
  id: i32, bi: i32, domain: i32, path: i32, namePtr: usize, nameLen: i32, nameHash: u32, valuePtr: usize, valueLen: i32, partition: i32,
  creation: f64, seq: f64, access: f64, expiry: f64, flags: i32, sameSite: i32, priority: i32, size: i32,
): void {
  const r = rec(id);
  r.creation = creation;
  r.seq = seq;
  r.access = access;
  r.expiry = expiry;
  r.bucket = bi;
  r.domain = domain;
  r.path = path;
  r.partition = partition;
  // [name]=[value]: the name for the equivalence checks, and the Cookie header pair.
  const block = heap.alloc(<usize>(nameLen + 1 + valueLen));
  memory.copy(block, namePtr, <usize>nameLen);
  store<u8>(block + <usize>nameLen, 0x3d);
  memory.copy(block + <usize>nameLen + 1, valuePtr, <usize>valueLen);
  let high: u8 = 0;
  for (let k: usize = 0, e = <usize>(nameLen + 1 + valueLen); k < e; k++) high |= load<u8>(block + k);
  r.namePtr = block;
  r.nameLen = nameLen;
  r.valueLen = valueLen;
  r.nameHash = nameHash;
  r.size = size;
  const secure = (flags & FLAG_SECURE) != 0;
  let need: i32;
  if (sameSite == 0) need = secure ? 0 : NEED_NEVER; // EXCLUDE_SAMESITE_NONE_INSECURE
  else if (sameSite == 1) need = 2;
  else if (sameSite == 2) need = 3;
  else need = NEED_UNSPECIFIED;
  r.flags = (flags & (FLAG_SECURE | FLAG_HTTP_ONLY)) | FLAG_LIVE | (high >= 0x80 ? FLAG_NON_ASCII : 0) | (need << NEED_SHIFT);
  r.sameSite = sameSite;
  r.priority = priority;
  r.shape = shapeAcquire(domain, path, r.flags & SHAPE_FLAGS);
  const b = bucketAt(bi);
  bucketInsert(b, id);
  eqAdd(id);
  b.bytes += size;
  if (secure) b.secureCount++;
  if (expiry < b.minExpiry) b.minExpiry = expiry;
  if (partition == 0) J.unpartitionedCount++;
  J.totalCount++;
  J.pairsVersion++;
}

/** Removes a live record; frees its bucket when it was the last one. */
export function removeRecord(id: i32): void {
  const r = liveRec(id);
  const bi = r.bucket;
  const b = bucketAt(bi);
  bucketErase(b, id);
  eqDelete(id);
  b.bytes -= r.size;
  if ((r.flags & FLAG_SECURE) != 0) b.secureCount--;
  if (r.partition == 0) J.unpartitionedCount--;
  J.totalCount--;
  internRelease(r.domain);
  internRelease(r.path);
  shapeRelease(r.shape);
  heap.free(r.namePtr);
  r.namePtr = 0;
  r.flags = 0;
  J.pairsVersion++;
  if (b.len == 0) bucketFree(bi);
}

function removeWithCause(id: i32, cause: i32): void {
  removeRecord(id);
  listPush(out, id);
  listPush(out, cause);
}

/** IsExpired: a non-session cookie whose expiry is not after `now`. */
// @ts-ignore: decorator
@inline export function isExpired(r: Rec, now: f64): bool {
  return now >= r.expiry;
}

/**
 * Deletes the expired cookies of bucket `bi` (cause expired, or into `expiredList` when
 * `toExpiredList`). Returns whether the bucket still exists.
 */
export function sweepExpired(bi: i32, now: f64, toExpiredList: bool): bool {
  let b = bucketAt(bi);
  if (now < b.minExpiry) return true;
  tmp.len = 0;
  let minExpiry = Infinity;
  for (let k = 0; k < b.len; k++) {
    const id = bucketId(b, k);
    const r = rec(id);
    if (isExpired(r, now)) listPush(tmp, id);
    else if (r.expiry < minExpiry) minExpiry = r.expiry;
  }
  const n = tmp.len;
  for (let k = 0; k < n; k++) {
    const id = listAt(tmp, k);
    removeRecord(id);
    if (toExpiredList) listPush(expiredList, id);
    else {
      listPush(out, id);
      listPush(out, CAUSE_EXPIRED);
    }
  }
  if (!bucketLive(bi) || bucketAt(bi).len == 0) return false;
  b = bucketAt(bi);
  b.minExpiry = minExpiry;
  return true;
}

// ---- matching (CookieMonster::GetCookieListWithOptions, CanonicalCookie::IncludeForRequestURL) ----

let stamp: i32 = 0;

/** cookie_util::IsDomainMatch: equal host, or a dotted domain equal to or a suffix of it. */
export function domainMatches(d: usize, dLen: i32, host: usize, hostLen: i32): bool {
  if (dLen == hostLen && bytesEqual(d, host, dLen)) return true;
  if (dLen == 0 || load<u8>(d) != 0x2e) return false;
  if (dLen - 1 == hostLen && bytesEqual(d + 1, host, hostLen)) return true;
  return hostLen > dLen && bytesEqual(host + <usize>(hostLen - dLen), d, dLen);
}

/** cookie_util::IsOnPath: a prefix ending at a '/' boundary of the request path. */
export function pathMatches(c: usize, cLen: i32, u: usize, uLen: i32): bool {
  if (cLen == 0 || uLen < cLen || !bytesEqual(c, u, cLen)) return false;
  if (cLen != uLen && load<u8>(c + <usize>(cLen - 1)) != 0x2f && load<u8>(u + <usize>cLen) != 0x2f) return false;
  return true;
}

export const REQ_SECURE: i32 = 1;
export const REQ_HTTP_ONLY: i32 = 2;
export const REQ_UPDATE_ACCESS: i32 = 4;
export const REQ_UNPARTITIONED: i32 = 8;

/** A shape's answer for the request being matched: excluded, included, or decided per cookie by age. */
const SHAPE_OUT: i32 = 0;
const SHAPE_IN: i32 = 1;
const SHAPE_BY_AGE: i32 = 2;

/**
 * Whether a request includes cookies of shape `s` (CanonicalCookie::IncludeForRequestURL): Secure
 * and HttpOnly through `deny`, then SameSite, domain and path. An unspecified SameSite in a
 * Lax-allow-unsafe context (a top-level POST) depends on each cookie's age: SHAPE_BY_AGE. Domain
 * and path answers are cached in the interned strings under `stamp`, as they are shared by shapes.
 */
function shapeVerdict(s: Shape, host: usize, hostLen: i32, path: usize, pathLen: i32, deny: i32, context: i32): i32 {
  const f = s.bits;
  if ((f & deny) != 0) return SHAPE_OUT;
  const need = f >>> NEED_SHIFT;
  let verdict = SHAPE_IN;
  if (need > context) {
    // Only an unspecified SameSite can still pass: Lax, or Lax+POST for 2 minutes.
    if (need != NEED_UNSPECIFIED || context == 0) return SHAPE_OUT;
    if (context == 1) verdict = SHAPE_BY_AGE;
  }
  const st = stamp;
  const d = internAt(s.domain);
  if (d.stamp != st) {
    d.stamp = st;
    d.result = domainMatches(d.ptr, d.len, host, hostLen) ? 1 : 0;
  }
  if (d.result == 0) return SHAPE_OUT;
  const p = internAt(s.path);
  if (p.stamp != st) {
    p.stamp = st;
    p.result = pathMatches(p.ptr, p.len, path, pathLen) ? 1 : 0;
  }
  return p.result == 0 ? SHAPE_OUT : verdict;
}

/**
 * Appends to `out`, in bucket order, the ids of bucket `bi` that a request includes: each shape
 * is decided once (shapeVerdict, cached in the entry under `stamp`), then the scan reads only the
 * bucket's [id, shape] pairs. With `touch`, moves the last access time of each included cookie to
 * `now` unless it moved less than a minute ago (the order of the updates does not matter).
 */
function scanBucket(bi: i32, host: usize, hostLen: i32, path: usize, pathLen: i32, deny: i32, context: i32, now: f64, touch: bool): void {
  const b = bucketAt(bi);
  // The bucket is in CookieSorter order, longest path first, and a path longer than the
  // request's cannot match it (IsOnPath): the scan starts at the first path no longer than it.
  const first = firstPathNoLongerThan(b, pathLen);
  const n = b.len - first;
  const before = out.len;
  listReserve(out, before + n);
  const start = out.ptr + (<usize>before << 2);
  let o = start;
  let p = b.ids + (<usize>first << 3);
  const end = p + (<usize>n << 3);
  const st = stamp;
  while (p < end) {
    const id = load<i32>(p);
    const s = shapeAt(load<i32>(p, 4));
    p += 8;
    if (s.stamp != st) {
      s.stamp = st;
      s.result = shapeVerdict(s, host, hostLen, path, pathLen, deny, context);
    }
    const verdict = s.result;
    if (verdict == SHAPE_BY_AGE) {
      if (now - rec(id).creation > LAX_ALLOW_UNSAFE_MAX_AGE) continue;
      store<i32>(o, id);
      o += 4;
      continue;
    }
    // Written either way (the slot is reserved); kept by moving on only when included.
    store<i32>(o, id);
    o += <usize>verdict << 2;
  }
  out.len = before + <i32>((o - start) >> 2);
  if (!touch) return;
  for (let q = start; q < o; q += 4) {
    const id = load<i32>(q);
    const r = rec(id);
    if (now - r.access >= ACCESS_UPDATE_THRESHOLD) {
      r.access = now;
      listPush(touchedList, id);
    }
  }
}

/** Merges the sorted runs of `out` that start at `runStarts` into one, in CookieSorter order. */
function mergeRuns(): void {
  const n = out.len;
  listReserve(tmpB, n);
  let runs = runStarts.len;
  let src = out.ptr;
  let dst = tmpB.ptr;
  while (runs > 1) {
    let w = 0;
    for (let r = 0; r < runs; r += 2) {
      const lo = listAt(runStarts, r);
      const mid = r + 1 < runs ? listAt(runStarts, r + 1) : n;
      const hi = r + 2 < runs ? listAt(runStarts, r + 2) : n;
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        const x = load<i32>(src + (<usize>i << 2));
        const y = load<i32>(src + (<usize>j << 2));
        if (sortsBefore(y, x)) {
          store<i32>(dst + (<usize>k << 2), y);
          j++;
        } else {
          store<i32>(dst + (<usize>k << 2), x);
          i++;
        }
        k++;
      }
      if (i < mid) memory.copy(dst + (<usize>k << 2), src + (<usize>i << 2), <usize>(mid - i) << 2);
      else if (j < hi) memory.copy(dst + (<usize>k << 2), src + (<usize>j << 2), <usize>(hi - j) << 2);
      store<i32>(runStarts.ptr + (<usize>w << 2), lo);
      w++;
    }
    runs = w;
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != out.ptr) memory.copy(out.ptr, src, <usize>n << 2);
}

/** Sweeps, then scans bucket `bi` into `out` as one more run (empty runs are not recorded). */
function matchBucket(bi: i32, host: usize, hostLen: i32, path: usize, pathLen: i32, deny: i32, context: i32, now: f64, touch: bool): void {
  // FindCookiesForRegistryControlledHost deletes the bucket's expired cookies (cause expired).
  if (now >= bucketAt(bi).minExpiry && !sweepExpired(bi, now, true)) return;
  const minExpiry = bucketAt(bi).minExpiry;
  if (minExpiry < matchMinExpiry) matchMinExpiry = minExpiry;
  const before = out.len;
  scanBucket(bi, host, hostLen, path, pathLen, deny, context, now, touch);
  if (out.len > before) listPush(runStarts, before);
}

/**
 * A lower bound of the expiry times in the buckets the last `matchRequest` read (after their
 * sweep; Infinity when none): until then, and while the jar's `pairsVersion` stays the same, the
 * same request (without access-time updates or the Lax-allow-unsafe age rule) matches the same ids.
 */
export let matchMinExpiry: f64 = Infinity;

/**
 * Ids for a request, in CookieSorter order, into `out`; expired cookies met in the buckets are
 * deleted first and listed after the matches, then come the number of matches whose last access
 * time moved and their ids: [matches][expired][touched count][touched]. `partition` is a
 * partition key id, 0 for none, or PARTITION_ALL for every partition of the registrable domain.
 * Returns the number of matches.
 */
export function matchRequest(
  reg: usize, regLen: i32, host: usize, hostLen: i32, path: usize, pathLen: i32,
  partition: i32, flags: i32, context: i32, now: f64,
): i32 {
  out.len = 0;
  expiredList.len = 0;
  runStarts.len = 0;
  touchedList.len = 0;
  matchMinExpiry = Infinity;
  const regId = internFind(reg, regLen);
  if (regId < 0) {
    listPush(out, 0);
    return 0;
  }
  if (++stamp == 0) stamp = 1;
  const deny = ((flags & REQ_SECURE) != 0 ? 0 : FLAG_SECURE) | ((flags & REQ_HTTP_ONLY) != 0 ? 0 : FLAG_HTTP_ONLY);
  const touch = (flags & REQ_UPDATE_ACCESS) != 0;
  if ((flags & REQ_UNPARTITIONED) != 0) {
    const bu = bucketFind(0, regId);
    if (bu >= 0) matchBucket(bu, host, hostLen, path, pathLen, deny, context, now, touch);
  }
  if (partition == PARTITION_ALL) {
    let bi = partitionedHead(regId);
    while (bi >= 0) {
      const next = bucketAt(bi).nextReg; // read first: a sweep may free the bucket
      matchBucket(bi, host, hostLen, path, pathLen, deny, context, now, touch);
      bi = next;
    }
  } else if (partition != 0) {
    const bp = bucketFind(partition, regId);
    if (bp >= 0) matchBucket(bp, host, hostLen, path, pathLen, deny, context, now, touch);
  }
  if (runStarts.len > 1) mergeRuns();
  const matched = out.len;
  const ne = expiredList.len;
  const nt = touchedList.len;
  listReserve(out, matched + ne + 1 + nt);
  memory.copy(out.ptr + (<usize>matched << 2), expiredList.ptr, <usize>ne << 2);
  store<i32>(out.ptr + (<usize>(matched + ne) << 2), nt);
  memory.copy(out.ptr + (<usize>(matched + ne + 1) << 2), touchedList.ptr, <usize>nt << 2);
  out.len = matched + ne + 1 + nt;
  return matched;
}

/**
 * Copies the first `n` ids of the last match (`n` at most its matches) to the selected jar's kept
 * list and returns the list's address: valid until the jar's next `keepMatch` or its free.
 */
export function keepMatch(n: i32): usize {
  if (n < 0 || n > out.len) abort('cookie index: kept match longer than the match');
  if (J.keptCap < n || J.keptIds == 0) {
    let cap = J.keptCap == 0 ? 64 : J.keptCap;
    while (cap < n) cap <<= 1;
    // The new list first: an allocation that aborts leaves the old one in place.
    const list = heap.alloc(<usize>cap << 2);
    if (J.keptIds != 0) heap.free(J.keptIds);
    J.keptIds = list;
    J.keptCap = cap;
  }
  memory.copy(J.keptIds, out.ptr, <usize>n << 2);
  return J.keptIds;
}

// ---- the Cookie header line of a match ----

/** The line buffer (grown on demand; a large one is given back when a later line is small). */
let lineBuf: usize = heap.alloc(4096);
let lineCap: i32 = 4096;
const LINE_KEEP: i32 = 65536;

function sameIds(a: usize, b: usize, n: i32): bool {
  for (let k = 0; k < n; k++) if (load<i32>(a + (<usize>k << 2)) != load<i32>(b + (<usize>k << 2))) return false;
  return true;
}

/**
 * Writes `pair; pair; ...` of the first `matched` ids of `out` into the line buffer and appends
 * [line address, line bytes, 1 if some byte is >= 0x80 else 0] to `out`; or [0, 0, 2] when the
 * ids and their pairs are those of the jar's previous line (the host reuses its string).
 */
export function appendLine(matched: i32): void {
  const j = J;
  const bytes = <usize>matched << 2;
  if (j.lineValid && j.lineVersion == j.pairsVersion && j.lineIdsLen == matched && sameIds(j.lineIds, out.ptr, matched)) {
    listPush(out, 0);
    listPush(out, 0);
    listPush(out, 2);
    return;
  }
  if (matched > j.lineIdsCap) {
    let cap = j.lineIdsCap == 0 ? 16 : j.lineIdsCap;
    while (cap < matched) cap <<= 1;
    if (j.lineIds != 0) heap.free(j.lineIds);
    j.lineIds = heap.alloc(<usize>cap << 2);
    j.lineIdsCap = cap;
  }
  memory.copy(j.lineIds, out.ptr, bytes);
  j.lineIdsLen = matched;
  j.lineVersion = j.pairsVersion;
  j.lineValid = true;
  const recs = J.recs;
  const ids = out.ptr;
  let total = 0;
  let high = 0;
  for (let k = 0; k < matched; k++) {
    const r = changetype<Rec>(recs + <usize>load<i32>(ids + (<usize>k << 2)) * REC);
    total += pairLen(r);
    high |= r.flags;
  }
  if (matched > 1) total += (matched - 1) << 1;
  if (total > lineCap || (lineCap > LINE_KEEP && total <= LINE_KEEP >> 2)) {
    let cap = 4096;
    while (cap < total) cap <<= 1;
    heap.free(lineBuf);
    lineBuf = heap.alloc(<usize>cap);
    lineCap = cap;
  }
  let o = lineBuf;
  for (let k = 0; k < matched; k++) {
    const r = changetype<Rec>(recs + <usize>load<i32>(out.ptr + (<usize>k << 2)) * REC);
    if (k > 0) {
      store<u16>(o, 0x203b); // "; "
      o += 2;
    }
    // A word loop: V8's memory.copy costs a call each, too much for pairs of a few dozen bytes.
    let src = pairPtr(r);
    const end = o + <usize>pairLen(r);
    while (o + 8 <= end) {
      store<u64>(o, load<u64>(src));
      o += 8;
      src += 8;
    }
    while (o < end) {
      store<u8>(o, load<u8>(src));
      o++;
      src++;
    }
  }
  listPush(out, <i32>lineBuf);
  listPush(out, total);
  listPush(out, (high & FLAG_NON_ASCII) != 0 ? 1 : 0);
}

/** Number of expired ids the last match appended after its matches. */
export function lastExpiredCount(): i32 {
  return expiredList.len;
}

// ---- equivalence and set-time checks (MaybeDeleteEquivalentCookieAndUpdateStatus) ----

/** cookie_util::IsSubdomainOf on domains without their leading dot. */
function isSubdomainOf(sub: usize, subLen: i32, sup: usize, supLen: i32): bool {
  if (subLen <= supLen) return subLen == supLen && bytesEqual(sub, sup, subLen);
  if (!bytesEqual(sub + <usize>(subLen - supLen), sup, supLen)) return false;
  return load<u8>(sub + <usize>(subLen - supLen - 1)) == 0x2e;
}

/** Result of the last `findEquivalent`: the equivalent id (or -1) and "Leave Secure Cookies Alone". */
export let foundId: i32 = -1;
export let secureBlocked: bool = false;
/** The ids the last `findEquivalent` resolved (-1: not interned / no bucket yet), for `insertFound`. */
let findReg: i32 = -1;
let findBucket: i32 = -1;
/** The bucket the last `findEquivalent` resolved, if it still exists (-1: none). */
export function foundBucket(): i32 {
  return findBucket >= 0 && bucketLive(findBucket) ? findBucket : -1;
}
let findDomain: i32 = -1;
let findPath: i32 = -1;
let findNameHash: u32 = 0;

/**
 * Finds the cookie with the same name, domain and path (RefUniqueKey) in the bucket of
 * (partition, registrable domain) through the equivalence table and, when the setter may not set
 * Secure cookies and the bucket has some, scans them for one that is equivalent for secure cookie
 * matching (same name, domains in a subdomain relation, its path on the new cookie's path).
 */
export function findEquivalent(
  reg: usize, regLen: i32, name: usize, nameLen: i32, domain: usize, domainLen: i32,
  path: usize, pathLenBytes: i32, partition: i32, allowSecure: bool,
): void {
  foundId = -1;
  secureBlocked = false;
  if (partition < 0) abort('cookie index: negative partition key');
  const nameHash = hashBytes(name, nameLen);
  const regId = internFind(reg, regLen);
  const domainId = internFind(domain, domainLen);
  const pathId = internFind(path, pathLenBytes);
  const bi = regId >= 0 ? bucketFind(partition, regId) : -1;
  findReg = regId;
  findBucket = bi;
  findDomain = domainId;
  findPath = pathId;
  findNameHash = nameHash;
  if (bi < 0) return;
  const b = bucketAt(bi);
  if (!allowSecure && b.secureCount > 0) {
    const dnd = domainLen > 0 && load<u8>(domain) == 0x2e ? 1 : 0;
    const a = domain + <usize>dnd, aLen = domainLen - dnd;
    for (let k = 0; k < b.len; k++) {
      const r = rec(bucketId(b, k));
      if ((r.flags & FLAG_SECURE) == 0) continue;
      if (r.nameHash != nameHash || r.nameLen != nameLen || !bytesEqual(r.namePtr, name, nameLen)) continue;
      const d = internAt(r.domain);
      const od = d.len > 0 && load<u8>(d.ptr) == 0x2e ? 1 : 0;
      const p = internAt(r.path);
      const c = d.ptr + <usize>od, cLen = d.len - od;
      if ((isSubdomainOf(a, aLen, c, cLen) || isSubdomainOf(c, cLen, a, aLen)) && pathMatches(p.ptr, p.len, path, pathLenBytes)) {
        secureBlocked = true;
        break;
      }
    }
  }
  if (domainId >= 0 && pathId >= 0) foundId = eqFind(bi, domainId, pathId, name, nameLen, nameHash);
}

// ---- garbage collection (CookieMonster::GarbageCollect, GarbageCollectPartitionedCookies) ----

/** IsCookieEligibleForEviction / CountCookiesForPossibleDeletion on `tmp`. */
function purgeLeastRecentMatches(priority: i32, toProtect: i32, purgeGoal: i32, protectSecure: bool): i32 {
  let atPriority = 0, secure = 0;
  for (let k = 0; k < tmp.len; k++) {
    const r = rec(listAt(tmp, k));
    if (r.priority != priority) continue;
    atPriority++;
    if ((r.flags & FLAG_SECURE) != 0) secure++;
  }
  if (atPriority <= toProtect) return 0;
  let possible = atPriority - (protectSecure ? max(secure, toProtect) : toProtect);
  let removed = 0, k = 0;
  while (removed < purgeGoal && k < tmp.len && possible > 0) {
    const id = listAt(tmp, k);
    const r = rec(id);
    if (r.priority == priority && (!protectSecure || (r.flags & FLAG_SECURE) == 0)) {
      removeWithCause(id, CAUSE_EVICTED);
      listErase(tmp, k);
      removed++;
      possible--;
    } else k++;
  }
  return removed;
}

/** Per-key pass: over 180 → expired first, then six priority rounds down to 150. */
export function collectDomain(bi: i32, now: f64): void {
  if (bucketAt(bi).len <= DOMAIN_MAX) return;
  if (!sweepExpired(bi, now, false)) return;
  const b = bucketAt(bi);
  if (b.len <= DOMAIN_MAX) return;
  let purgeGoal = b.len - DOMAIN_KEEP;
  tmp.len = 0;
  for (let k = 0; k < b.len; k++) listPush(tmp, bucketId(b, k));
  sortList(tmp, lraBefore);
  // kPurgeRounds: (priority, protect secure): low/yes, low/no, medium/yes, high/yes, medium/no, high/no.
  for (let round = 0; round < 6 && purgeGoal > 0; round++) {
    const priority = round < 2 ? 0 : round == 2 || round == 4 ? 1 : 2;
    const protectSecure = round == 0 || round == 2 || round == 3;
    const quota = priority == 0 ? QUOTA_LOW : priority == 1 ? QUOTA_MEDIUM : QUOTA_HIGH;
    purgeGoal -= purgeLeastRecentMatches(priority, quota, purgeGoal, protectSecure);
  }
}

/**
 * GarbageCollectLeastRecentlyAccessed: deletes, least recently accessed first and at most
 * `goal`, the cookies of `l` last accessed before `safeDate`. Returns the count; the access
 * time at the boundary goes to `boundaryAccess` (-Infinity when the boundary is the end).
 */
let boundaryAccess: f64 = -Infinity;
function collectLeastRecentlyAccessed(l: IntList, safeDate: f64, goal: i32): i32 {
  sortList(l, lraBefore);
  let cut = 0;
  while (cut < goal && rec(listAt(l, cut)).access < safeDate) cut++;
  boundaryAccess = cut < l.len ? rec(listAt(l, cut)).access : -Infinity;
  for (let k = 0; k < cut; k++) removeWithCause(listAt(l, k), CAUSE_EVICTED);
  return cut;
}

/** Bucket indexes in CookieMonster's map order (for the rare passes over every bucket). */
const bucketOrder = listNew();

/** Orders buckets by partition id, then registrable domain bytes (std::string's order). */
function bucketBefore(a: i32, b: i32): bool {
  const ba = bucketAt(a);
  const bb = bucketAt(b);
  if (ba.partition != bb.partition) return ba.partition < bb.partition;
  const ra = internAt(ba.reg);
  const rb = internAt(bb.reg);
  const c = memory.compare(ra.ptr, rb.ptr, <usize>min(ra.len, rb.len));
  return c != 0 ? c < 0 : ra.len < rb.len;
}

/**
 * The live buckets (of partition 0 only when `unpartitionedOnly`) into `bucketOrder` as
 * CookieMonster walks its multimap: registrable domain order, partition 0 first (the host orders
 * the partitioned ones by partition key).
 */
function orderBuckets(unpartitionedOnly: bool, expiredBy: f64 = -Infinity): void {
  bucketOrder.len = 0;
  for (let i = 0; i < J.bucketUsed; i++) {
    if (!bucketLive(i)) continue;
    const b = bucketAt(i);
    if (unpartitionedOnly && b.partition != 0) continue;
    // Only buckets with something expired by then, when asked (the others have nothing to sweep).
    if (expiredBy != -Infinity && expiredBy < b.minExpiry) continue;
    listPush(bucketOrder, i);
  }
  if (bucketOrder.len > 1) sortList(bucketOrder, bucketBefore);
}

/** Global pass: only over 3300 and when some cookie may be older than the 30-day safe window. */
export function collectGlobal(now: f64): void {
  J.globalPassRan = false;
  const safeDate = now - SAFE_FROM_GLOBAL_PURGE;
  if (!(J.unpartitionedCount > GLOBAL_MAX && J.earliestAccess < safeDate)) return;
  J.globalPassRan = true;
  // GarbageCollectExpired over cookies_ from begin() to end(): registrable domain order.
  orderBuckets(true);
  tmp.len = 0;
  for (let i = 0; i < bucketOrder.len; i++) {
    const b = bucketAt(listAt(bucketOrder, i));
    for (let k = 0; k < b.len; k++) listPush(tmp, bucketId(b, k));
  }
  secureList.len = 0;
  nonSecureList.len = 0;
  const n = tmp.len;
  let live = 0;
  for (let k = 0; k < n; k++) {
    const id = listAt(tmp, k);
    const r = rec(id);
    if (isExpired(r, now)) {
      removeWithCause(id, CAUSE_EXPIRED);
      continue;
    }
    live++;
    listPush((r.flags & FLAG_SECURE) != 0 ? secureList : nonSecureList, id);
  }
  if (live <= GLOBAL_MAX) return;
  const purgeGoal = live - GLOBAL_KEEP;
  const deleted = collectLeastRecentlyAccessed(nonSecureList, safeDate, min(purgeGoal, nonSecureList.len));
  const earliestNonSecure = boundaryAccess;
  if (secureList.len == 0) {
    J.earliestAccess = earliestNonSecure;
  } else if (deleted < purgeGoal) {
    collectLeastRecentlyAccessed(secureList, safeDate, min(purgeGoal - deleted, secureList.len));
    const earliestSecure = boundaryAccess;
    J.earliestAccess = earliestNonSecure != -Infinity && earliestNonSecure < earliestSecure ? earliestNonSecure : earliestSecure;
  }
}

/** Per-partition, per-key pass: over 180 cookies or 10240 name+value bytes, down to both. */
export function collectPartitioned(bi: i32, now: f64): void {
  let b = bucketAt(bi);
  if (b.bytes <= PARTITION_DOMAIN_MAX_BYTES && b.len <= PARTITION_DOMAIN_MAX) return;
  if (!sweepExpired(bi, now, false)) return;
  b = bucketAt(bi);
  let bytes = b.bytes;
  const n = b.len;
  if (bytes <= PARTITION_DOMAIN_MAX_BYTES && n <= PARTITION_DOMAIN_MAX) return;
  tmp.len = 0;
  for (let k = 0; k < n; k++) listPush(tmp, bucketId(b, k));
  sortList(tmp, lraBefore);
  for (let k = 0; bytes > PARTITION_DOMAIN_MAX_BYTES || n - k > PARTITION_DOMAIN_MAX; k++) {
    const id = listAt(tmp, k);
    bytes -= rec(id).size;
    removeWithCause(id, CAUSE_EVICTED);
  }
}

/**
 * GarbageCollectExpired over every bucket (GetAllCookies); pairs into `out`, by partition id then
 * registrable domain (the host puts the partitions in partition key order).
 */
export function purgeAllExpired(now: f64): void {
  out.len = 0;
  orderBuckets(false, now);
  for (let i = 0; i < bucketOrder.len; i++) sweepExpired(listAt(bucketOrder, i), now, false);
}

export { Interned };
