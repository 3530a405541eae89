// The HTTP cache index kernel: per session, the metadata of every cache entry that the
// validation decision and the eviction need, keyed by a 64-bit hash of the cache key (the host
// hashes the key, keeps the key string, headers and body location under the entry id, and
// verifies the key on a hit: a hash collision is a miss there). Modelled on Chromium's SimpleIndex
// (net/disk_cache/simple/simple_index.cc; reference/http-cache.md §4.5): an O(1) running size,
// watermarks at 95 % / 90 % of the maximum and a batch eviction by (now - last used) x (size + 512).
// The validation decision is HttpResponseHeaders::RequiresValidation's (fresh, async, sync).
// Many indexes live in one instance: `cacheIndexNew` returns a handle that every other export
// takes first; a wrong or freed handle aborts. A wrong entry id does not abort: the export
// returns 0 / -1 and the host reports it. Times are ms (f64); the host passes `now`.
import { KIND_CACHE_INDEX, handleGet, handleLive, handleNew, handleRelease } from '../handles';

// ---- entry records ----

/** Record layout (56 bytes): hash lo/hi, flags, state (LIVE or next free id), then the f64 fields. */
const REC: usize = 56;
const R_LO: usize = 0;
const R_HI: usize = 4;
const R_FLAGS: usize = 8;
const R_STATE: usize = 12;
const R_SIZE: usize = 16;
const R_USED: usize = 24;
const R_AGE_BASE: usize = 32;
const R_FRESH: usize = 40;
const R_STALE: usize = 48;
const LIVE: i32 = -2;

/** Flag bits the kernel reads; the other bits are the host's. */
const FLAG_NO_CACHE: u32 = 1;
const FLAG_PINNED: u32 = 4;

/** SimpleIndex's kEstimatedEntryOverhead. */
const ENTRY_OVERHEAD: f64 = 512;

const DECISION_MISS: i32 = 0;
const DECISION_FRESH: i32 = 1;
const DECISION_ASYNC: i32 = 2;
const DECISION_SYNC: i32 = 3;
const MODE_VALIDATE: i32 = 1;
const MODE_SKIP_VALIDATION: i32 = 2;

/** One index. Slots of the hash table are 8 bytes: [hash lo][id + 1], id + 1 == 0 when empty. */
@unmanaged
class Idx {
  recs: usize = 0;
  recCap: i32 = 0;
  hwm: i32 = 0;
  freeHead: i32 = -1;
  count: i32 = 0;
  slots: usize = 0;
  slotMask: u32 = 0;
  slotShift: u32 = 0;
  total: f64 = 0;
  maxSize: f64 = Infinity;
  high: f64 = Infinity;
  low: f64 = Infinity;
}

const IDX: usize = offsetof<Idx>();
const MIN_SLOT_BITS: u32 = 4;


// ---- shared output ----

/** Growable i32 output list (ids of `cacheIds` / `cacheEvict`). */
let outPtr: usize = heap.alloc(1024);
let outCap: i32 = 256;

/**
 * Fixed info block (never moves): [0] decision i32, [4] flags u32, [8] hash lo, [12] hash hi,
 * [16] size, [24] last used, [32] age base, [40] freshness, [48] stale window, [56] current age (f64).
 */
// @ts-ignore: decorator
@lazy const INFO: usize = memory.data(64, 8);

// Eviction work arrays: score, size and id per candidate.
let evScore: usize = 0;
let evSize: usize = 0;
let evId: usize = 0;
let evCap: i32 = 0;
let rngState: u32 = 0x9e3779b9;

function sel(h: i32): Idx {
  return changetype<Idx>(handleGet(h, KIND_CACHE_INDEX));
}

// @ts-ignore: decorator
@inline function rec(I: Idx, id: i32): usize {
  return I.recs + <usize>id * REC;
}

/** The record of `id` if it is live, else 0. */
function liveRec(I: Idx, id: i32): usize {
  if (id < 0 || id >= I.hwm) return 0;
  const r = rec(I, id);
  return load<i32>(r, R_STATE) == LIVE ? r : 0;
}

// @ts-ignore: decorator
@inline function home(I: Idx, lo: u32): u32 {
  return (lo * 0x9e3779b1) >>> I.slotShift;
}

function tableInit(I: Idx, bits: u32): void {
  const n: usize = <usize>1 << bits;
  I.slots = heap.alloc(n << 3);
  memory.fill(I.slots, 0, n << 3);
  I.slotMask = <u32>(n - 1);
  I.slotShift = 32 - bits;
}

function tablePut(I: Idx, lo: u32, id: i32): void {
  const mask = I.slotMask;
  const slots = I.slots;
  let i = home(I, lo);
  while (load<i32>(slots + (<usize>i << 3), 4) != 0) i = (i + 1) & mask;
  store<u32>(slots + (<usize>i << 3), lo);
  store<i32>(slots + (<usize>i << 3), id + 1, 4);
}

function tableGrow(I: Idx): void {
  const oldSlots = I.slots;
  const oldN: usize = <usize>I.slotMask + 1;
  tableInit(I, 32 - I.slotShift + 1);
  for (let i: usize = 0; i < oldN; i++) {
    const v = load<i32>(oldSlots + (i << 3), 4);
    if (v != 0) tablePut(I, load<u32>(oldSlots + (i << 3)), v - 1);
  }
  heap.free(oldSlots);
}

function find(I: Idx, lo: u32, hi: u32): i32 {
  const mask = I.slotMask;
  const slots = I.slots;
  let i = home(I, lo);
  while (true) {
    const s = slots + (<usize>i << 3);
    const v = load<i32>(s, 4);
    if (v == 0) return -1;
    if (load<u32>(s) == lo && load<u32>(rec(I, v - 1), R_HI) == hi) return v - 1;
    i = (i + 1) & mask;
  }
  return -1;
}

/** Removes `id` (hash lo `lo`) from the table by backward-shift deletion (no tombstones). */
function tableDelete(I: Idx, lo: u32, id: i32): void {
  const mask = I.slotMask;
  const slots = I.slots;
  let i = home(I, lo);
  while (load<i32>(slots + (<usize>i << 3), 4) != id + 1) i = (i + 1) & mask;
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const sj = slots + (<usize>j << 3);
    const v = load<i32>(sj, 4);
    if (v == 0) break;
    const k = home(I, load<u32>(sj));
    // The entry at j may move to i unless its home lies cyclically in (i, j].
    const stays = i <= j ? (k > i && k <= j) : (k > i || k <= j);
    if (!stays) {
      store<u64>(slots + (<usize>i << 3), load<u64>(sj));
      i = j;
    }
  }
  store<u64>(slots + (<usize>i << 3), 0);
}

function newId(I: Idx): i32 {
  if (I.freeHead >= 0) {
    const id = I.freeHead;
    I.freeHead = load<i32>(rec(I, id), R_STATE);
    return id;
  }
  if (I.hwm == I.recCap) {
    const cap = I.recCap == 0 ? 64 : I.recCap << 1;
    I.recs = I.recs == 0 ? heap.alloc(<usize>cap * REC) : heap.realloc(I.recs, <usize>cap * REC);
    I.recCap = cap;
  }
  return I.hwm++;
}

function removeId(I: Idx, id: i32): void {
  const r = rec(I, id);
  tableDelete(I, load<u32>(r, R_LO), id);
  I.total -= load<f64>(r, R_SIZE);
  I.count--;
  store<i32>(r, I.freeHead, R_STATE);
  I.freeHead = id;
  if (I.count == 0) I.total = 0; // no drift from float rounding once empty
}

function outReserve(n: i32): void {
  if (n <= outCap) return;
  let cap = outCap;
  while (cap < n) cap <<= 1;
  outPtr = heap.realloc(outPtr, <usize>cap << 2);
  outCap = cap;
}

function writeInfo(r: usize, decision: i32, age: f64): void {
  store<i32>(INFO, decision);
  memory.copy(INFO + 4, r + R_FLAGS, 4);
  memory.copy(INFO + 8, r, 8);
  memory.copy(INFO + 16, r + R_SIZE, 40);
  store<f64>(INFO, age, 56);
}

// ---- exports ----

/** Creates an empty cache index (no maximum size) and returns its handle (>= 1). */
export function cacheIndexNew(): i32 {
  const I = changetype<Idx>(heap.alloc(IDX));
  memory.fill(changetype<usize>(I), 0, IDX);
  I.freeHead = -1;
  I.maxSize = Infinity;
  I.high = Infinity;
  I.low = Infinity;
  tableInit(I, MIN_SLOT_BITS);
  return handleNew(KIND_CACHE_INDEX, changetype<usize>(I));
}

/** Frees a cache index and everything it holds; the handle becomes invalid. */
export function cacheIndexFree(h: i32): void {
  const I = sel(h);
  if (I.recs != 0) heap.free(I.recs);
  heap.free(I.slots);
  heap.free(changetype<usize>(I));
  handleRelease(h, KIND_CACHE_INDEX);
}

/** Number of live cache indexes in this instance. */
export function cacheIndexCount(): i32 {
  return handleLive(KIND_CACHE_INDEX);
}

/** Address of the i32 id list `cacheIds` and `cacheEvict` write (it moves when it grows). */
export function cacheOutPtr(): usize {
  return outPtr;
}

/** Address of the fixed info block `cacheLookup` and `cacheEntry` write (it never moves). */
export function cacheInfoPtr(): usize {
  return INFO;
}

/** The id of the entry with hash (lo, hi), or -1. No side effects. */
export function cacheFind(h: i32, lo: u32, hi: u32): i32 {
  return find(sel(h), lo, hi);
}

/**
 * Looks the entry up for a request at `now` and, on a hit, sets its last used time to `now` and
 * writes the decision (1 fresh, 2 usable but revalidate in the background, 3 validate first; 0 on
 * a miss), the entry's fields and its current age into the info block. `mode` 0: Chromium's
 * RequiresValidation (fresh iff freshness > age; async iff freshness + stale window > age;
 * flag bit 0 forces 3); 1: always validate (LOAD_VALIDATE_CACHE); 2: never (LOAD_SKIP_CACHE_VALIDATION).
 */
export function cacheLookup(h: i32, lo: u32, hi: u32, now: f64, mode: i32): i32 {
  const I = sel(h);
  const id = find(I, lo, hi);
  if (id < 0) {
    store<i32>(INFO, DECISION_MISS);
    return -1;
  }
  const r = rec(I, id);
  store<f64>(r, now, R_USED);
  const age = now - load<f64>(r, R_AGE_BASE);
  const fresh = load<f64>(r, R_FRESH);
  let d: i32;
  if (mode == MODE_SKIP_VALIDATION) d = DECISION_FRESH;
  else if (mode == MODE_VALIDATE || (load<u32>(r, R_FLAGS) & FLAG_NO_CACHE) != 0) d = DECISION_SYNC;
  else if (fresh > age) d = DECISION_FRESH;
  else if (fresh + load<f64>(r, R_STALE) > age) d = DECISION_ASYNC;
  else d = DECISION_SYNC;
  writeInfo(r, d, age);
  return id;
}

/**
 * Inserts the entry with hash (lo, hi) and returns its id; an entry with the same hash is replaced
 * in place (same id, every field new, the total adjusted). Last used = `now`.
 */
export function cacheInsert(h: i32, lo: u32, hi: u32, size: f64, now: f64, ageBase: f64, freshness: f64, staleWindow: f64, flags: u32): i32 {
  const I = sel(h);
  let id = find(I, lo, hi);
  let r: usize;
  if (id >= 0) {
    r = rec(I, id);
    I.total -= load<f64>(r, R_SIZE);
  } else {
    if (<u32>(I.count + 1) << 1 > I.slotMask + 1) tableGrow(I);
    id = newId(I);
    r = rec(I, id);
    store<u32>(r, lo, R_LO);
    store<u32>(r, hi, R_HI);
    store<i32>(r, LIVE, R_STATE);
    tablePut(I, lo, id);
    I.count++;
  }
  store<u32>(r, flags, R_FLAGS);
  store<f64>(r, size, R_SIZE);
  store<f64>(r, now, R_USED);
  store<f64>(r, ageBase, R_AGE_BASE);
  store<f64>(r, freshness, R_FRESH);
  store<f64>(r, staleWindow, R_STALE);
  I.total += size;
  return id;
}

/** Sets the freshness fields and flags of `id` (after a 304). Returns 1, or 0 when `id` is not live. */
export function cacheUpdate(h: i32, id: i32, ageBase: f64, freshness: f64, staleWindow: f64, flags: u32): i32 {
  const r = liveRec(sel(h), id);
  if (r == 0) return 0;
  store<f64>(r, ageBase, R_AGE_BASE);
  store<f64>(r, freshness, R_FRESH);
  store<f64>(r, staleWindow, R_STALE);
  store<u32>(r, flags, R_FLAGS);
  return 1;
}

/** Sets the flags of `id` (e.g. bit 2, pinned, while its body is written). Returns 1, or 0 when not live. */
export function cacheSetFlags(h: i32, id: i32, flags: u32): i32 {
  const r = liveRec(sel(h), id);
  if (r == 0) return 0;
  store<u32>(r, flags, R_FLAGS);
  return 1;
}

/** Sets the size of `id` and adjusts the total. Returns 1, or 0 when `id` is not live. */
export function cacheSetSize(h: i32, id: i32, size: f64): i32 {
  const I = sel(h);
  const r = liveRec(I, id);
  if (r == 0) return 0;
  I.total += size - load<f64>(r, R_SIZE);
  store<f64>(r, size, R_SIZE);
  return 1;
}

/** Sets the last used time of `id`. Returns 1, or 0 when `id` is not live. */
export function cacheTouch(h: i32, id: i32, now: f64): i32 {
  const r = liveRec(sel(h), id);
  if (r == 0) return 0;
  store<f64>(r, now, R_USED);
  return 1;
}

/** Removes `id`; its id goes to the free list (reused last in, first out). Returns 1, or 0 when not live. */
export function cacheRemove(h: i32, id: i32): i32 {
  const I = sel(h);
  if (liveRec(I, id) == 0) return 0;
  removeId(I, id);
  return 1;
}

/** Removes every entry; ids start again from 0. The maximum size stays. */
export function cacheClear(h: i32): void {
  const I = sel(h);
  heap.free(I.slots);
  tableInit(I, MIN_SLOT_BITS);
  I.hwm = 0;
  I.freeHead = -1;
  I.count = 0;
  I.total = 0;
}

/** Number of entries. */
export function cacheCount(h: i32): i32 {
  return sel(h).count;
}

/** Sum of the entries' sizes (bytes). */
export function cacheTotal(h: i32): f64 {
  return sel(h).total;
}

/** Writes the fields of `id` into the info block (decision 0, age 0); returns 1, or 0 when not live. */
export function cacheEntry(h: i32, id: i32): i32 {
  const r = liveRec(sel(h), id);
  if (r == 0) return 0;
  writeInfo(r, DECISION_MISS, 0);
  return 1;
}

/** Size of `id`, or -1 when it is not live. */
export function cacheEntrySize(h: i32, id: i32): f64 {
  const r = liveRec(sel(h), id);
  return r == 0 ? -1 : load<f64>(r, R_SIZE);
}

/** Last used time of `id`, or NaN when it is not live. */
export function cacheEntryLastUsed(h: i32, id: i32): f64 {
  const r = liveRec(sel(h), id);
  return r == 0 ? NaN : load<f64>(r, R_USED);
}

/** Writes every live id, ascending, to the output list and returns how many. */
export function cacheIds(h: i32): i32 {
  const I = sel(h);
  outReserve(I.count);
  let n = 0;
  const end = I.hwm;
  for (let id = 0; id < end; id++) {
    if (load<i32>(rec(I, id), R_STATE) == LIVE) {
      store<i32>(outPtr + (<usize>n << 2), id);
      n++;
    }
  }
  return n;
}

/**
 * Sets the maximum size (bytes; +Infinity: none): the high watermark is max - max/20 and the low
 * one max - 2 * max/20, with max/20 rounded down as SimpleIndex's integer division does.
 */
export function cacheSetMaxSize(h: i32, maxBytes: f64): void {
  const I = sel(h);
  I.maxSize = maxBytes;
  if (maxBytes == Infinity) {
    I.high = Infinity;
    I.low = Infinity;
  } else {
    const step = Math.floor(maxBytes / 20);
    I.high = maxBytes - step;
    I.low = maxBytes - 2 * step;
  }
}

/** The high watermark (bytes). */
export function cacheHighWatermark(h: i32): f64 {
  return sel(h).high;
}

/** The low watermark (bytes). */
export function cacheLowWatermark(h: i32): f64 {
  return sel(h).low;
}

// ---- eviction ----

function evReserve(n: i32): void {
  if (n <= evCap) return;
  let cap = evCap == 0 ? 1024 : evCap;
  while (cap < n) cap <<= 1;
  if (evScore != 0) {
    heap.free(evScore);
    heap.free(evSize);
    heap.free(evId);
  }
  evScore = heap.alloc(<usize>cap << 3);
  evSize = heap.alloc(<usize>cap << 3);
  evId = heap.alloc(<usize>cap << 2);
  evCap = cap;
}

// @ts-ignore: decorator
@inline function sc(i: i32): f64 {
  return load<f64>(evScore + (<usize>i << 3));
}
// @ts-ignore: decorator
@inline function wt(i: i32): f64 {
  return load<f64>(evSize + (<usize>i << 3));
}
// @ts-ignore: decorator
@inline function eid(i: i32): i32 {
  return load<i32>(evId + (<usize>i << 2));
}

function swap(a: i32, b: i32): void {
  const pa = evScore + (<usize>a << 3), pb = evScore + (<usize>b << 3);
  const s = load<f64>(pa);
  store<f64>(pa, load<f64>(pb));
  store<f64>(pb, s);
  const qa = evSize + (<usize>a << 3), qb = evSize + (<usize>b << 3);
  const w = load<f64>(qa);
  store<f64>(qa, load<f64>(qb));
  store<f64>(qb, w);
  const ia = evId + (<usize>a << 2), ib = evId + (<usize>b << 2);
  const d = load<i32>(ia);
  store<i32>(ia, load<i32>(ib));
  store<i32>(ib, d);
}

/** Doom order: higher score first, then lower id (a strict total order). */
// @ts-ignore: decorator
@inline function before(sa: f64, ia: i32, sb: f64, ib: i32): bool {
  return sa > sb || (sa == sb && ia < ib);
}

function nextRandom(): u32 {
  let x = rngState;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rngState = x;
  return x;
}

/**
 * Moves the first elements of the doom order within [lo, hi) to the front of the range: returns m
 * such that [lo, m) is exactly the shortest prefix of the order whose sizes add up to >= need (all
 * of the range if they never do). Weighted quickselect: expected O(hi - lo), no full sort.
 */
function selectPrefix(lo: i32, hi: i32, need: f64): i32 {
  while (true) {
    if (need <= 0) return lo;
    if (hi - lo <= 0) return lo;
    const p = lo + <i32>(nextRandom() % <u32>(hi - lo));
    swap(p, hi - 1);
    const ps = sc(hi - 1), pi = eid(hi - 1);
    let store_ = lo;
    let sum: f64 = 0;
    for (let i = lo; i < hi - 1; i++) {
      if (before(sc(i), eid(i), ps, pi)) {
        sum += wt(i);
        swap(i, store_);
        store_++;
      }
    }
    swap(store_, hi - 1); // the pivot right after the elements before it
    if (sum >= need) {
      hi = store_;
      continue;
    }
    const withPivot = sum + wt(store_);
    if (withPivot >= need) return store_ + 1;
    need -= withPivot;
    lo = store_ + 1;
  }
  return lo;
}

/** Sorts [lo, hi) in doom order (quicksort with a random pivot, insertion sort below 16). */
function sortRange(lo: i32, hi: i32): void {
  while (hi - lo > 16) {
    const p = lo + <i32>(nextRandom() % <u32>(hi - lo));
    swap(p, hi - 1);
    const ps = sc(hi - 1), pi = eid(hi - 1);
    let s = lo;
    for (let i = lo; i < hi - 1; i++) {
      if (before(sc(i), eid(i), ps, pi)) {
        swap(i, s);
        s++;
      }
    }
    swap(s, hi - 1);
    // Recurse into the smaller side, loop on the larger one.
    if (s - lo < hi - s - 1) {
      sortRange(lo, s);
      lo = s + 1;
    } else {
      sortRange(s + 1, hi);
      hi = s;
    }
  }
  for (let i = lo + 1; i < hi; i++) {
    let j = i;
    while (j > lo && before(sc(j), eid(j), sc(j - 1), eid(j - 1))) {
      swap(j, j - 1);
      j--;
    }
  }
}

const SAMPLE: i32 = 512;

/** Scores the unpinned entries with score >= threshold into the work arrays; returns how many, and their size in `collected`. */
let collected: f64 = 0;
function collect(I: Idx, now: f64, threshold: f64): i32 {
  let n = 0;
  let sum: f64 = 0;
  const end = I.hwm;
  let r = I.recs;
  for (let id = 0; id < end; id++, r += REC) {
    if (load<i32>(r, R_STATE) != LIVE || (load<u32>(r, R_FLAGS) & FLAG_PINNED) != 0) continue;
    const size = load<f64>(r, R_SIZE);
    const score = (now - load<f64>(r, R_USED)) * (size + ENTRY_OVERHEAD);
    if (score < threshold) continue;
    store<f64>(evScore + (<usize>n << 3), score);
    store<f64>(evSize + (<usize>n << 3), size);
    store<i32>(evId + (<usize>n << 2), id);
    sum += size;
    n++;
  }
  collected = sum;
  return n;
}

/**
 * SimpleIndex's eviction: when the total is above the high watermark, dooms unpinned entries
 * (flag bit 2 clear) by descending (now - last used) x (size + 512), lower id first on a tie,
 * until the total is at or below the low watermark (or no unpinned entry is left). Removes them,
 * writes their ids to the output list in that order and returns how many.
 */
export function cacheEvict(h: i32, now: f64): i32 {
  const I = sel(h);
  if (!(I.total > I.high)) return 0;
  const need = I.total - I.low;
  evReserve(I.count + 1);
  let threshold = -Infinity;
  // Estimate a score threshold from a sample (twice the share of the entries to free), so that
  // the full pass keeps only the likely doomed; if the estimate falls short, a second pass keeps all.
  if (I.count > SAMPLE * 8) {
    const stride = I.hwm / SAMPLE;
    let s = 0;
    let sampleSum: f64 = 0;
    for (let k = 0; k < SAMPLE; k++) {
      const id = k * stride;
      const r = rec(I, id);
      if (load<i32>(r, R_STATE) != LIVE || (load<u32>(r, R_FLAGS) & FLAG_PINNED) != 0) continue;
      const size = load<f64>(r, R_SIZE);
      store<f64>(evScore + (<usize>s << 3), (now - load<f64>(r, R_USED)) * (size + ENTRY_OVERHEAD));
      store<f64>(evSize + (<usize>s << 3), size);
      store<i32>(evId + (<usize>s << 2), id);
      sampleSum += size;
      s++;
    }
    if (s > 0 && sampleSum > 0) {
      const share = (need / I.total) * 2 + 8.0 / <f64>s;
      if (share < 1) {
        const m = selectPrefix(0, s, sampleSum * share);
        if (m < s) {
          threshold = Infinity;
          for (let i = 0; i < m; i++) if (sc(i) < threshold) threshold = sc(i);
        }
      }
    }
  }
  let n = collect(I, now, threshold);
  if (collected < need && threshold != -Infinity) n = collect(I, now, -Infinity);
  const m = selectPrefix(0, n, need);
  sortRange(0, m);
  outReserve(m);
  for (let i = 0; i < m; i++) {
    const id = eid(i);
    store<i32>(outPtr + (<usize>i << 2), id);
    removeId(I, id);
  }
  return m;
}
