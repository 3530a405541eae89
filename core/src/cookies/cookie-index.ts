import { getCore } from '../wasm/core.ts';
import type { Core, CoreExports } from '../wasm/core.ts';
import { KernelHandles, type KernelHandle } from '../wasm/kernel-handles.ts';
import type { CanonicalCookie } from './canonical-cookie.ts';

/** The cookie kernel's raw exports (core/assembly/cookies/kernel.ts). */
export interface CookieKernel {
  cookieIndexNew(): number;
  cookieIndexFree(index: number): void;
  cookieIndexCount(): number;
  cookieOutPtr(): number;
  cookieFind(index: number, regLen: number, nameLen: number, domainLen: number, pathLen: number, partition: number, allowSecure: number): number;
  /** The value's `valueLen` UTF-8 bytes follow the key in scratch (written before `cookieFind`). */
  cookieCommit(index: number, id: number, creation: number, seq: number, access: number, expiry: number, flags: number, sameSite: number, priority: number, size: number, now: number, options: number, valueLen: number): number;
  /** cookieFind + cookieCommit in one call; status bit 16: the equivalent cookie (first output entry) has the same value. */
  cookieSet(index: number, regLen: number, nameLen: number, domainLen: number, pathLen: number, valueLen: number, partition: number, allowSecure: number, id: number, creation: number, seq: number, access: number, expiry: number, flags: number, sameSite: number, priority: number, size: number, now: number, options: number): number;
  /** Scratch: [registrable domain][name][domain][path][value]. */
  cookieLoad(index: number, id: number, regLen: number, nameLen: number, domainLen: number, pathLen: number, partition: number, creation: number, seq: number, access: number, expiry: number, flags: number, sameSite: number, priority: number, size: number, valueLen: number): void;
  cookieRemove(index: number, id: number): void;
  cookieMatch(index: number, regLen: number, hostLen: number, pathLen: number, partition: number, flags: number, context: number, now: number): number;
  /** `cookieMatch` plus [line address][line bytes][kind: 0 ASCII, 1 UTF-8, 2 same as this index's last line] after the touched ids. */
  cookieMatchLine(index: number, regLen: number, hostLen: number, pathLen: number, partition: number, flags: number, context: number, now: number): number;
  cookieMatchExpired(index: number): number;
  /** Live cookie shapes (domain, path, inclusion flags) in the instance, shared by its indexes. */
  cookieShapeCount(): number;
  /** The jar's change counter (bumped whenever a record is filled or removed). */
  cookieVersion(index: number): number;
  /**
   * `cookieMatch`, then, in the record at `cookieMatchInfoPtr()`: [f64 min expiry][i32 expired count]
   * [i32 version][i32 kept at (keep 1) or 0][i32 output list address].
   */
  cookieMatchIds(index: number, regLen: number, hostLen: number, pathLen: number, partition: number, flags: number, context: number, now: number, keep: number): number;
  cookieMatchInfoPtr(): number;
  cookiePurgeExpired(index: number, now: number): number;
  cookieEarliestAccess(index: number): number;
  cookieSetEarliestAccess(index: number, t: number): void;
  cookieSetLimits(index: number, on: number): void;
  cookieSetLastAccess(index: number, id: number, t: number): void;
  cookieLastAccess(index: number, id: number): number;
  /** mode 0: all cookies, 1: unpartitioned ones, 2: a self-check for tests (the count, or -1 when the kernel finds its structures inconsistent). */
  cookieCount(index: number, mode: number): number;
  /** One Set-Cookie line parsed, created and set (core/assembly/cookies/line.ts); -1: not decided there, nothing done. */
  cookieSetLine(index: number, regLen: number, hostLen: number, defaultPathLen: number, lineLen: number, flags: number, id: number, seq: number, nowMs: number, skewMs: number): number;
  /** The field block cookieSetLine fills. */
  cookieLineOutPtr(): number;
  /** Where cookieSetLine reads the line (8192 bytes). */
  cookieLineInputPtr(): number;
  /** Where cookieSetLine reads [registrable domain][host][default path] (8192 bytes). */
  cookieLineFactsPtr(): number;
}

/** Typed view of a core's exports as the cookie kernel. */
export function cookieKernel(exports: CoreExports): CookieKernel {
  return exports as unknown as CookieKernel;
}

/** Chromium's `CookieSameSite`: UNSPECIFIED -1, NO_RESTRICTION 0, LAX_MODE 1, STRICT_MODE 2. */
export type CookieSameSiteCode = -1 | 0 | 1 | 2;
/** Chromium's `CookiePriority`: LOW 0, MEDIUM 1 (default), HIGH 2. */
export type CookiePriorityCode = 0 | 1 | 2;

/**
 * The request's `SameSiteCookieContext`: `same-site` (SAME_SITE_STRICT), `lax` (a main-frame
 * navigation with a cross-site initiator, e.g. a link from another site, with a safe method),
 * `lax-unsafe` (the same with an unsafe method, which still carries Lax-by-default cookies younger
 * than 2 minutes) and `cross-site`.
 */
export type SameSiteContext = 'same-site' | 'lax' | 'lax-unsafe' | 'cross-site';

/** Electron's change causes for removals (reference/cookies.md §4.8). */
export type CookieRemovalCause = 'explicit' | 'overwrite' | 'expired' | 'evicted' | 'expired-overwrite';

const CAUSES: readonly CookieRemovalCause[] = ['explicit', 'explicit', 'overwrite', 'expired', 'evicted', 'expired-overwrite'];
/** The match calls of #runMatch: the ids with the expired and touched (#readMatch), the same with the Cookie line, the ids with the info record (#matchIds), and the same keeping the ids for the memo. */
const MATCH_PLAIN = 0;
const MATCH_LINE = 1;
const MATCH_IDS = 2;
const MATCH_KEEP = 3;
const MATCH_LABELS = ['cookies.match', 'cookies.matchLine', 'cookies.match', 'cookies.matchKeep'];

const CONTEXTS: Readonly<Record<SameSiteContext, number>> = { 'cross-site': 0, 'lax-unsafe': 1, lax: 2, 'same-site': 3 };

/** What the index needs of one cookie. The host keeps the full CanonicalCookie under the same id. */
export interface CookieIndexEntry {
  /** eTLD+1 of the cookie's domain (the domain itself without a registry), no leading dot. */
  readonly registrableDomain: string;
  readonly name: string;
  /** Compared with the displaced cookie's value: Chromium keeps the old creation time only if equal. */
  readonly value: string;
  /** The cookie domain, with or without a leading dot; `hostOnly` decides how it is stored. */
  readonly domain: string;
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: CookieSameSiteCode;
  readonly priority?: CookiePriorityCode;
  /** Host-assigned id of the CookiePartitionKey; 0 or absent = unpartitioned. */
  readonly partitionKey?: number;
  /** Creation time, µs since the epoch. */
  readonly creation: number;
  /** Last access time, µs; defaults to `creation`. */
  readonly lastAccess?: number;
  /** Expiry, µs; `Infinity` for a session cookie. */
  readonly expiry: number;
}

/** An entry as stored: its canonical domain, inherited creation and tiebreak sequence. */
export interface StoredCookieIndexEntry extends CookieIndexEntry {
  readonly id: number;
  readonly creation: number;
  readonly seq: number;
  readonly partitionKey: number;
  readonly priority: CookiePriorityCode;
}

/** One cookie the index deleted, with Electron's cause. */
export interface CookieRemoval {
  readonly id: number;
  readonly cause: CookieRemovalCause;
}

/** Options of `insert`. */
export interface CookieInsertOptions {
  /** Current time, µs. */
  readonly now: number;
  /** The setter may set Secure cookies (secure or trustworthy URL); false enables "Leave Secure Cookies Alone". */
  readonly allowSecure?: boolean;
  /** The setter is a non-HTTP API: it may not overwrite HttpOnly cookies. */
  readonly excludeHttpOnly?: boolean;
}

/** Outcome of `insert`: the new id (or -1) and, in order, the cookies it removed. */
export interface CookieInsertResult {
  readonly id: number;
  readonly status: 'inserted' | 'expired' | 'exclude-overwrite-secure' | 'exclude-overwrite-http-only';
  /** Creation time stored (inherited from the overwritten cookie when the value is unchanged). */
  readonly creation: number;
  readonly removed: readonly CookieRemoval[];
}

/** A request to match. */
export interface CookieRequest {
  readonly registrableDomain: string;
  readonly host: string;
  readonly path: string;
  /** Cryptographic scheme, or a trustworthy origin such as http://localhost. */
  readonly secure: boolean;
  readonly context: SameSiteContext;
  readonly now: number;
  /**
   * Partition key id of the request (0 or absent: none), or -1 for the cookies of every partition
   * (Chromium's CookiePartitionKeyCollection::ContainsAll), merged with the unpartitioned ones
   * (unless `includeUnpartitioned` is false) in Chromium's order.
   */
  readonly partitionKey?: number;
  /** Default true; false for a nonced partition (IncludeUnpartitionedCookies). */
  readonly includeUnpartitioned?: boolean;
  /** Default true (HTTP requests); false for script-visible access. */
  readonly includeHttpOnly?: boolean;
  /** Default true; Electron's `cookies.get` passes false. */
  readonly updateAccessTime?: boolean;
  /**
   * `registrableDomain`, `host` and `path` as the bytes of one ASCII string, when the caller keeps
   * them (written into the kernel's window in one copy); absent, the three are written one by one.
   */
  readonly encoded?: Uint8Array | null;
}

/**
 * Matched ids in Chromium's order, and the expired ids deleted on the way (cause `expired`).
 * Both are copies the caller may keep (small ones share a pooled ArrayBuffer: use them through
 * their own length and offset, not through `.buffer`).
 */
export interface CookieMatchResult {
  readonly ids: Int32Array;
  readonly expired: Int32Array;
}

/**
 * `match` with the Cookie header line of the matches: their `name=value` pairs (a nameless
 * cookie's bare value) joined by "; ", built in the kernel; `''` when nothing matches.
 */
export interface CookieMatchLineResult extends CookieMatchResult {
  readonly line: string;
}

/** Options of the index. */
export interface CookieIndexOptions {
  /** CookieMonster's limits and garbage collection; default true. Off only to benchmark huge jars. */
  readonly limits?: boolean;
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const handles = new KernelHandles('cookies.indexFree', (x, handle) => cookieKernel(x).cookieIndexFree(handle));

const EMPTY_IDS: Int32Array = Object.freeze(new Int32Array(0)) as Int32Array;
const NO_REMOVALS: readonly CookieRemoval[] = Object.freeze([]);

// Results are copied into slices of a shared ArrayBuffer: a fresh small Int32Array costs an
// off-heap allocation each (about 0.5 µs in V8), a view into an existing buffer does not.
const POOL_BYTES = 16384;
let pool = new ArrayBuffer(POOL_BYTES);
let poolUsed = 0;

function copyIds(src: Int32Array, at: number, count: number): Int32Array {
  const bytes = count * 4;
  let dst: Int32Array;
  if (bytes > POOL_BYTES >> 2) dst = new Int32Array(count);
  else {
    if (poolUsed + bytes > POOL_BYTES) {
      pool = new ArrayBuffer(POOL_BYTES);
      poolUsed = 0;
    }
    dst = new Int32Array(pool, poolUsed, count);
    poolUsed += bytes;
  }
  dst.set(src.subarray(at, at + count));
  return dst;
}

/** Writes `text` at `at` if it is ASCII; returns the end, or -1 at the first other character. */
export function writeAscii(u8: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    u8[at + i] = c;
  }
  return at + text.length;
}

interface LatinBuffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
type BufferFactory = { from(buffer: ArrayBuffer): LatinBuffer };
const NodeBuffer = (globalThis as unknown as { Buffer?: BufferFactory }).Buffer;
const lineDecoder = new TextDecoder();
let lineMemory: ArrayBuffer | null = null;
let lineView: LatinBuffer | null = null;

/**
 * Decodes `len` bytes of wasm memory at `ptr`: through a Node Buffer over the memory where there
 * is one (latin1 when every byte is ASCII: no UTF-8 validation), else through TextDecoder.
 */
function decodeLine(buffer: ArrayBuffer, bytes: Uint8Array, ptr: number, len: number, nonAscii: boolean): string {
  if (NodeBuffer !== undefined) {
    if (lineMemory !== buffer || lineView === null) {
      lineView = NodeBuffer.from(buffer);
      lineMemory = buffer;
    }
    return nonAscii ? lineView.utf8Slice(ptr, ptr + len) : lineView.latin1Slice(ptr, ptr + len);
  }
  return lineDecoder.decode(bytes.subarray(ptr, ptr + len));
}

const US = 1000;
/** The size of the line kernel's input windows. */
const LINE_INPUT_MAX = 8192;
const lineEncoder = new TextEncoder();
/** Which URL facts the line kernel's facts window holds (one window per core instance, shared by every index). */
const factsWritten: { facts: object | null; core: Core | null; generation: number } = { facts: null, core: null, generation: -1 };

function sameSiteCode(sameSite: CanonicalCookie['sameSite']): CookieSameSiteCode {
  // Anything else than the four (not a CookieSameSite) reaches the kernel as 0, as before.
  return sameSite === 'unspecified' ? -1 : sameSite === 'lax' ? 1 : sameSite === 'strict' ? 2 : 0;
}

function priorityCode(priority: CanonicalCookie['priority']): CookiePriorityCode {
  return priority === 'low' ? 0 : priority === 'high' ? 2 : 1;
}

function canonicalDomain(domain: string, hostOnly: boolean): string {
  // Already in canonical form (the usual case): no new string.
  const dotted = domain.charCodeAt(0) === 0x2e;
  if (dotted !== hostOnly) return domain;
  return hostOnly ? domain.slice(1) : `.${domain}`;
}

/**
 * CookieMonster's index in the wasm core: buckets per (partition, registrable domain), request
 * matching in Chromium's order, overwrite detection and the eviction passes (reference/cookies.md
 * §4.5, §4.6, §4.9). Ids are small integers the host uses to find its records. Any number of
 * indexes share one core, each under its own kernel handle (one cookie jar per session). The index
 * keeps the entries it was given, so it rebuilds itself after the core replaced a trapped instance;
 * `dispose()` (or garbage collection of the index) frees its wasm-side state.
 * @example
 * const index = new CookieIndex();
 * const { id } = index.insert({ registrableDomain: 'example.com', name: 'a', value: '1', domain: 'example.com',
 *   hostOnly: true, path: '/', secure: false, httpOnly: false, sameSite: -1, creation: now, expiry: Infinity }, { now });
 * index.match({ registrableDomain: 'example.com', host: 'example.com', path: '/x', secure: true, context: 'same-site', now }).ids;
 */
export class CookieIndex {
  readonly core: Core;
  readonly #limits: boolean;
  readonly #slot: KernelHandle;
  /** The entries as given (kept, not copied), with what the index decided for each beside them. */
  #entries: (CookieIndexEntry | CanonicalCookie | string | undefined)[] = [];
  /** For a cookie given to insertCookie, its registrable domain (undefined for an entry). */
  #registrables: (string | undefined)[] = [];
  #partitionOf: number[] = [];
  /** Canonical domain (leading dot unless host-only), stored creation time and tiebreak sequence. */
  #domains: string[] = [];
  #creations: number[] = [];
  #seqs: number[] = [];
  #lastAccess: number[] = [];
  #free: number[] = [];
  #seq = 0;
  #earliestAccess = -Infinity;
  #size = 0;

  constructor(core: Core = getCore(), options: CookieIndexOptions = {}) {
    this.core = core;
    this.#limits = options.limits ?? true;
    this.#slot = handles.create(this, core);
    this.#ensure();
  }

  /** The kernel handle of this index in the core's current instance (allocated or rebuilt on demand). */
  get handle(): number {
    this.#ensure();
    return this.#slot.handle;
  }

  /**
   * Frees the index's wasm-side state now. The entries stay on the TS side, so a later call
   * allocates a new handle and rebuilds the index from them.
   */
  dispose(): void {
    handles.free(this.#slot);
  }

  /** Number of cookies in the index. */
  get size(): number {
    return this.#size;
  }

  /** The stored entry for `id`, or undefined. */
  entry(id: number): StoredCookieIndexEntry | undefined {
    if (this.#entries[id] === undefined) return undefined;
    const e = this.#entryOf(id);
    return {
      ...e, id, domain: this.#domains[id] as string, priority: e.priority ?? 1, partitionKey: e.partitionKey ?? 0,
      creation: this.#creations[id] as number, seq: this.#seqs[id] as number, lastAccess: e.lastAccess ?? e.creation,
    };
  }

  /** The tiebreak sequence of `id` (CookieSorter's last key), or 0. */
  seq(id: number): number {
    return this.#entries[id] === undefined ? 0 : (this.#seqs[id] as number);
  }

  /** Last access time of `id` (µs), as the eviction passes see it. */
  lastAccess(id: number): number {
    this.#live(id, 'lastAccess');
    return this.#lastAccess[id] ?? 0;
  }

  /** Sets the last access time of `id` (e.g. when loading a persisted store). */
  setLastAccess(id: number, time: number): void {
    this.#live(id, 'setLastAccess');
    this.#ensure();
    this.#kernel('cookies.setLastAccess', (k) => k.cookieSetLastAccess(this.#slot.handle, id, time));
    this.#lastAccess[id] = time;
  }

  /** Live ids, in id order. */
  *ids(): IterableIterator<number> {
    for (let i = 0; i < this.#entries.length; i++) if (this.#entries[i]) yield i;
  }

  /**
   * Sets a cookie (SetCanonicalCookie after the access checks): removes the equivalent cookie
   * (`overwrite`, or `expired-overwrite` when the new one is already expired), inserts, then runs
   * the garbage collection of §4.5 (`expired` / `evicted`).
   */
  insert(entry: CookieIndexEntry, options: CookieInsertOptions): CookieInsertResult {
    const status = this.insertEntry(entry, entry.registrableDomain, entry.partitionKey ?? 0, options.now, options.allowSecure !== false, options.excludeHttpOnly === true);
    const removed = this.#lastRemovedCount === 0 ? NO_REMOVALS : this.readRemovals();
    if ((status & 4) === 0) {
      const kind = status & 1 ? 'exclude-overwrite-secure' : status & 2 ? 'exclude-overwrite-http-only' : 'expired';
      return { id: -1, status: kind, creation: this.lastCreation, removed };
    }
    return { id: this.lastId, status: 'inserted', creation: this.lastCreation, removed };
  }

  /** Id of the last {@link insertEntry} (-1 when it stored nothing). @internal */
  lastId = -1;
  /** Creation time the last {@link insertEntry} stored (µs). @internal */
  lastCreation = 0;
  #lastRemovedCount = 0;

  // The arguments of the one cookieSet call, read by a closure made once (no closure per insert).
  #a = { partition: 0, allowSecure: 0, id: 0, creation: 0, seq: 0, access: 0, expiry: 0, flags: 0, sameSite: 0, priority: 1, size: 0, now: 0, excludeHttpOnly: 0 };
  readonly #setCall = (k: CookieKernel): number => {
    const a = this.#a;
    return k.cookieSet(this.#slot.handle, this.#len0, this.#len1, this.#len2, this.#len3, this.#len4, a.partition, a.allowSecure,
      a.id, a.creation, a.seq, a.access, a.expiry, a.flags, a.sameSite, a.priority, a.size, a.now, a.excludeHttpOnly);
  };

  /**
   * {@link insert} without its option and result objects: `registrableDomain` and `partition`
   * stand in for the entry's own (which are then not read). Returns the kernel status (bit 2: stored,
   * bit 0: refused to overwrite Secure, bit 1: refused to overwrite HttpOnly); the new id and
   * creation time are {@link lastId} and {@link lastCreation}, and the removals, if
   * {@link removedCount} is not 0, must be read with {@link readRemovals} before the next call.
   * @internal
   */
  insertEntry(entry: CookieIndexEntry, registrableDomain: string, partition: number, now: number, allowSecure: boolean, excludeHttpOnly: boolean): number {
    const record = registrableDomain === entry.registrableDomain && partition === (entry.partitionKey ?? 0) ? entry : { ...entry, registrableDomain, partitionKey: partition };
    return this.#set(record, undefined, registrableDomain, entry.name, entry.value, entry.domain, entry.hostOnly, entry.path, entry.secure, entry.httpOnly,
      entry.sameSite, entry.priority ?? 1, partition, entry.creation, entry.lastAccess ?? entry.creation, entry.expiry, now, allowSecure, excludeHttpOnly);
  }

  /**
   * {@link insertEntry} for a CanonicalCookie (times in ms), without building its entry: the index
   * keeps the cookie itself and derives the entry from it when it needs one (`entry()`, rebuilds).
   * @internal
   */
  insertCookie(cookie: CanonicalCookie, registrableDomain: string, partition: number, now: number, allowSecure: boolean, excludeHttpOnly: boolean): number {
    const expiry = cookie.expiry;
    return this.#set(cookie, registrableDomain, registrableDomain, cookie.name, cookie.value, cookie.domain, cookie.hostOnly, cookie.path, cookie.secure, cookie.httpOnly,
      sameSiteCode(cookie.sameSite), priorityCode(cookie.priority), partition, cookie.creation * US, cookie.lastAccess * US, expiry === null ? Infinity : expiry * US, now, allowSecure, excludeHttpOnly);
  }

  /**
   * {@link insertCookie} as CookieMonster::StoreLoadedCookies inserts (InternalInsertCookie): no
   * garbage collection, and no expiry check (a cookie that expired while the program was away is
   * kept until a read or a collection meets it, which deletes it as `expired`); the earliest access
   * time becomes the smallest loaded last access time. The equivalence check still runs (a
   * duplicate key replaces the earlier one). @internal
   */
  insertLoaded(cookie: CanonicalCookie, registrableDomain: string, partition: number): number {
    this.#ensure();
    const limits = this.#limits;
    if (limits) this.#kernel('cookies.load', (k) => k.cookieSetLimits(this.#slot.handle, 0));
    let status: number;
    try {
      // No time: the kernel's already-expired test (now >= expiry) is the one check skipped.
      status = this.insertCookie(cookie, registrableDomain, partition, -Infinity, true, false);
    } finally {
      this.#ensure();
      if (limits) this.#kernel('cookies.load', (k) => k.cookieSetLimits(this.#slot.handle, 1));
    }
    const access = cookie.lastAccess * US;
    if (this.#earliestAccess === -Infinity || access < this.#earliestAccess) {
      this.#earliestAccess = access;
      this.#kernel('cookies.load', (k) => k.cookieSetEarliestAccess(this.#slot.handle, access));
    }
    return status;
  }

  #set(
    record: CookieIndexEntry | CanonicalCookie, registrable: string | undefined, registrableDomain: string, name: string, value: string, givenDomain: string, hostOnly: boolean,
    path: string, secure: boolean, httpOnly: boolean, sameSite: number, priority: number, partition: number, givenCreation: number, access: number, expiry: number,
    now: number, allowSecure: boolean, excludeHttpOnly: boolean,
  ): number {
    this.#ensure();
    const domain = canonicalDomain(givenDomain, hostOnly);
    if (!(partition >= 0 && Number.isInteger(partition))) {
      throw new RangeError(`CookieIndex.insert: partitionKey must be an integer >= 0, got ${String(partition)}`);
    }
    this.#write5(registrableDomain, name, domain, path, value);
    const id = this.#free.length > 0 ? (this.#free.pop() as number) : this.#entries.length;
    const a = this.#a;
    a.partition = partition;
    a.allowSecure = allowSecure ? 1 : 0;
    a.id = id;
    a.creation = givenCreation;
    a.seq = this.#seq + 1;
    a.access = access;
    a.expiry = expiry;
    a.flags = (secure ? 2 : 0) | (httpOnly ? 4 : 0);
    a.sameSite = sameSite;
    a.priority = priority;
    a.size = this.#len1 + this.#len4;
    a.now = now;
    a.excludeHttpOnly = excludeHttpOnly ? 1 : 0;
    // One kernel call: the equivalence lookup, the set-time exclusions, the overwrite, the insert
    // and garbage collection; an equivalent cookie with the same value lends its creation time and
    // sequence (Chromium keeps the creation date of an unchanged value).
    const status = this.#kernel('cookies.set', this.#setCall);
    let creation = givenCreation;
    let seq = a.seq;
    if (status & 16) {
      const old = this.#out()[cookieKernel(this.core.exports).cookieOutPtr() >>> 2] as number;
      creation = this.#creations[old] as number;
      seq = this.#seqs[old] as number;
    }
    if (seq > this.#seq) this.#seq = seq;
    this.lastCreation = creation;
    this.#lastRemovedCount = status >>> 8;
    // Garbage collection runs for an already-expired cookie too (nothing stored).
    if (status & 8) this.#earliestAccess = this.#kernel('cookies.earliestAccess', (k) => k.cookieEarliestAccess(this.#slot.handle));
    if ((status & 4) === 0) {
      this.#free.push(id);
      this.lastId = -1;
      return status;
    }
    // Stored before the removals are read: garbage collection may evict the new cookie itself.
    this.#entries[id] = record;
    this.#registrables[id] = registrable;
    this.#partitionOf[id] = partition;
    this.#domains[id] = domain;
    this.#creations[id] = creation;
    this.#seqs[id] = seq;
    this.#lastAccess[id] = access;
    this.#size++;
    this.lastId = id;
    return status;
  }

  // The arguments of the one cookieSetLine call (see #setCall).
  #l = { regLen: 0, hostLen: 0, pathLen: 0, lineLen: 0, flags: 0, id: 0, seq: 0, now: 0, skew: 0 };
  readonly #setLineCall = (k: CookieKernel): number => {
    const l = this.#l;
    return k.cookieSetLine(this.#slot.handle, l.regLen, l.hostLen, l.pathLen, l.lineLen, l.flags, l.id, l.seq, l.now, l.skew);
  };

  /**
   * What the last successful {@link insertLine} found, read before the next kernel call:
   * `lineFields[lineAt + k]` for k = 1 name length, 2 domain length, 3 path length, 4 value length,
   * 5 flags (2 Secure, 4 HttpOnly), 6 SameSite code, 7 priority code, 8 name start, 9 value start,
   * 10 Domain attribute start (-1: host-only), 11 Path attribute start (-1: default path), offsets
   * in the line (core/assembly/cookies/line.ts); `lineExpiry` in ms, NaN for a session cookie.
   * @internal
   */
  lineFields: Int32Array = EMPTY_IDS;
  /** @internal */
  lineAt = 0;
  /** @internal */
  lineExpiry = NaN;

  /** The kernel's line input window, for TextEncoder.encodeInto (re-made after a trap or memory growth). */
  #lineView = new Uint8Array(0);
  #lineViewGeneration = -1;
  /** The kernel's line field block, as an index into the i32 view of memory (set with #lineView). */
  #lineOutAt = 0;

  /**
   * One Set-Cookie line for an http(s)/ws(s) URL whose host is a domain name, parsed, created and
   * set in one kernel call (core/assembly/cookies/line.ts): `facts` stands for the URL's
   * `registrable` domain (`''` for none), `host` and `defaultPath` (an object that changes when
   * they do: they are written into wasm memory only then), `flags` 1 cryptographic scheme, 2
   * cross-site context, times in ms, `skew` = now - server time. Returns -1 when the kernel leaves
   * the line to the general path (nothing was done), else the status of {@link insertCookie}; the
   * cookie's fields are then in {@link line}, and {@link finishLine} must be called with the
   * cookie built from them before anything else.
   * @internal
   */
  insertLine(facts: object, registrable: string, host: string, defaultPath: string, text: string, flags: number, now: number, skew: number): number {
    if (text.length > LINE_INPUT_MAX || registrable.length + host.length + defaultPath.length > LINE_INPUT_MAX) return -1;
    this.#ensure();
    const core = this.core;
    const generation = core.generation;
    let view = this.#lineView;
    if (view.byteLength === 0 || this.#lineViewGeneration !== generation) {
      const kernel = cookieKernel(core.exports);
      view = this.#lineView = new Uint8Array(core.exports.memory.buffer, kernel.cookieLineInputPtr(), LINE_INPUT_MAX);
      this.#lineViewGeneration = generation;
      this.#lineOutAt = kernel.cookieLineOutPtr() >>> 2;
    }
    // The line: encodeInto writes UTF-8, so a line of ASCII only is exactly as many bytes as characters.
    const encoded = lineEncoder.encodeInto(text, view);
    if (encoded.written !== text.length || encoded.read !== text.length) return -1;
    if (facts !== factsWritten.facts || core !== factsWritten.core || generation !== factsWritten.generation) {
      const u8 = core.bytes;
      let at = cookieKernel(core.exports).cookieLineFactsPtr();
      if ((at = writeAscii(u8, at, registrable)) < 0 || (at = writeAscii(u8, at, host)) < 0 || writeAscii(u8, at, defaultPath) < 0) {
        factsWritten.facts = null;
        return -1;
      }
      factsWritten.facts = facts;
      factsWritten.core = core;
      factsWritten.generation = generation;
    }
    const free = this.#free;
    const id = free.length > 0 ? (free[free.length - 1] as number) : this.#entries.length;
    const l = this.#l;
    l.regLen = registrable.length;
    l.hostLen = host.length;
    l.pathLen = defaultPath.length;
    l.lineLen = text.length;
    l.flags = flags;
    l.id = id;
    l.seq = this.#seq + 1;
    l.now = now;
    l.skew = skew;
    const status = this.#kernel('cookies.setLine', this.#setLineCall);
    if (status < 0) return -1;
    if (free.length > 0) free.pop();
    const out = this.#out();
    const o = this.#lineOutAt;
    this.lineFields = out;
    this.lineAt = o;
    let f64 = this.#f64;
    // A new i32 view (#out) means a new memory buffer; comparing the views costs less than `.buffer`.
    if (this.#f64Of !== out) {
      f64 = this.#f64 = new Float64Array(out.buffer);
      this.#f64Of = out;
    }
    this.lineExpiry = f64[(o + 12) >>> 1] as number;
    let creation = now * US;
    let seq = l.seq;
    if (status & 16) {
      const old = out[cookieKernel(core.exports).cookieOutPtr() >>> 2] as number;
      creation = this.#creations[old] as number;
      seq = this.#seqs[old] as number;
    }
    if (seq > this.#seq) this.#seq = seq;
    this.lastCreation = creation;
    this.#lastRemovedCount = status >>> 8;
    this.#lineSeq = seq;
    this.#lineStatus = status;
    if ((status & 4) === 0) {
      free.push(id);
      this.lastId = -1;
    } else this.lastId = id;
    return status;
  }

  #lineSeq = 0;
  #lineStatus = 0;
  #f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  /** The i32 view #f64 was made beside. */
  #f64Of: Int32Array | null = null;

  /**
   * The bookkeeping of {@link insertLine}: `cookie` is the cookie built from the line, or the line
   * itself when its owner builds the cookie later (then {@link resolveLine} gives it), `domain`
   * its domain, `lastAccess` its time (ms), `bucket` its registrable domain or host. @internal
   */
  finishLine(cookie: CanonicalCookie | string, domain: string, lastAccess: number, bucket: string): void {
    const status = this.#lineStatus;
    if (status & 8) this.#earliestAccess = this.#kernel('cookies.earliestAccess', (k) => k.cookieEarliestAccess(this.#slot.handle));
    if ((status & 4) === 0) return;
    const id = this.lastId;
    this.#entries[id] = cookie;
    this.#registrables[id] = bucket;
    this.#partitionOf[id] = 0;
    this.#domains[id] = domain;
    this.#creations[id] = this.lastCreation;
    this.#seqs[id] = this.#lineSeq;
    this.#lastAccess[id] = lastAccess * US;
    this.#size++;
  }

  /**
   * The cookie of an id that {@link finishLine} was given the line for, from the owner of the
   * line (the index asks only to rebuild its kernel state or for {@link entry}). @internal
   */
  resolveLine: ((id: number) => CanonicalCookie) | null = null;

  /** The canonical domain of live `id`. @internal */
  domainOf(id: number): string {
    return this.#domains[id] as string;
  }

  /** The stored creation time of live `id`, µs. @internal */
  creationOf(id: number): number {
    return this.#creations[id] as number;
  }

  /** The entry of live `id` as given (derived from its cookie for {@link insertCookie}). */
  #entryOf(id: number): CookieIndexEntry {
    let record = this.#entries[id] as CookieIndexEntry | CanonicalCookie | string;
    if (typeof record === 'string') {
      if (this.resolveLine === null) throw new Error(`CookieIndex: the cookie of id ${id} was kept as its line, and nothing builds it`);
      record = this.resolveLine(id);
    }
    const registrable = this.#registrables[id];
    if (registrable === undefined) return record as CookieIndexEntry;
    const c = record as CanonicalCookie;
    return {
      registrableDomain: registrable, name: c.name, value: c.value, domain: c.domain, hostOnly: c.hostOnly, path: c.path, secure: c.secure, httpOnly: c.httpOnly,
      sameSite: sameSiteCode(c.sameSite), priority: priorityCode(c.priority), partitionKey: this.#partitionOf[id] as number,
      creation: c.creation * US, lastAccess: c.lastAccess * US, expiry: c.expiry === null ? Infinity : c.expiry * US,
    };
  }

  /** How many removals the last {@link insertEntry} left to read. @internal */
  get removedCount(): number {
    return this.#lastRemovedCount;
  }

  /** The removals of the last {@link insertEntry}, in order (once). @internal */
  readRemovals(): CookieRemoval[] {
    const n = this.#lastRemovedCount;
    this.#lastRemovedCount = 0;
    return this.#readRemovals(n);
  }

  /** Removes a cookie by id (the caller reports it, normally as `explicit`). */
  remove(id: number): void {
    this.#live(id, 'remove');
    this.#ensure();
    this.#kernel('cookies.remove', (k) => k.cookieRemove(this.#slot.handle, id));
    this.#forget(id);
  }

  /**
   * The ids to send with a request, in Chromium's order (longest path first, then oldest), and
   * updates their last access time (at most once a minute, as CookieMonster does).
   */
  match(request: CookieRequest): CookieMatchResult {
    const n = this.#runMatch(request, MATCH_PLAIN);
    return this.#readMatch(request.now, n, false);
  }

  /**
   * `match`, and the Cookie header line of the matched cookies in the same order, built in the
   * kernel from the pairs it keeps with each cookie (one decode instead of a join of strings).
   */
  matchLine(request: CookieRequest): CookieMatchLineResult {
    const n = this.#runMatch(request, MATCH_LINE);
    return this.#readMatch(request.now, n, true) as CookieMatchLineResult;
  }

  /**
   * `match`, answered as the `records` of the matched ids (in a fresh array) instead of a copy of
   * the ids; the expired ids deleted on the way are in {@link lastExpired} until the next call.
   * @internal
   */
  matchRecords<T>(request: CookieRequest, records: readonly (T | undefined)[]): T[] {
    const n = this.#matchIds(request);
    const ids = this.#matchedIds;
    const base = this.#matchedBase;
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = records[ids[base + i] as number] as T;
    return out;
  }

  /**
   * {@link matchRecords} with each record passed through `convert` (which must not call into the
   * index) on the way into the fresh array.
   * @internal
   */
  matchRecordsMapped<T, U>(request: CookieRequest, records: readonly (T | undefined)[], convert: (record: T) => U): U[] {
    const n = this.#matchIds(request);
    const ids = this.#matchedIds;
    const base = this.#matchedBase;
    const out: U[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = convert(records[ids[base + i] as number] as T);
    return out;
  }

  /** Where {@link #matchIds} left the matched ids: `#matchedIds[#matchedBase ...]`, read before the next kernel call. */
  #matchedIds: Int32Array = EMPTY_IDS;
  #matchedBase = 0;

  /** The match of matchRecords: the number of ids (see #matchedIds); the expired go to lastExpired. */
  #matchIds(request: CookieRequest): number {
    // The same request as the last one here, with nothing changed in the jar since and nothing in
    // its buckets expired yet: the kernel would match the same ids (see #matchMemo).
    const memo = this.#matchMemo;
    const cacheable = request.updateAccessTime === false && request.context !== 'lax-unsafe';
    if (
      cacheable &&
      memo.valid &&
      request.now < memo.minExpiry &&
      request.registrableDomain === memo.registrableDomain &&
      request.host === memo.host &&
      request.path === memo.path &&
      request.secure === memo.secure &&
      request.context === memo.context &&
      (request.partitionKey ?? 0) === memo.partitionKey &&
      (request.includeUnpartitioned !== false) === memo.includeUnpartitioned &&
      (request.includeHttpOnly !== false) === memo.includeHttpOnly &&
      memo.handle === this.#slot.handle &&
      memo.generation === this.core.generation &&
      cookieKernel(this.core.exports).cookieVersion(memo.handle) === memo.version
    ) {
      // The ids the kernel kept for this index (the same generation: the view is current).
      this.#matchedIds = this.#out();
      this.#matchedBase = memo.at;
      this.lastExpired = EMPTY_IDS;
      return memo.count;
    }
    // The memo is invalid until it holds this match (a trap in the kernel leaves it so). One call:
    // the match, then (cacheable) the kernel keeps a copy of the ids for this index, no copy into
    // JavaScript memory, and it writes what is read below into its info record.
    memo.valid = false;
    const n = this.#runMatch(request, cacheable ? MATCH_KEEP : MATCH_IDS);
    // Read after the call: keeping may have grown the memory (a new view).
    const view = this.#out();
    const info = this.#infoAt;
    const expiredCount = view[info + 2] as number;
    // The layout of #readMatch: [matches][expired][touched count][touched].
    const base = (view[info + 5] as number) >>> 2;
    const kept = (view[info + 4] as number) >>> 2;
    this.#matchedIds = view;
    this.#matchedBase = cacheable ? kept : base;
    if (cacheable) {
      memo.at = kept;
      memo.count = n;
      memo.registrableDomain = request.registrableDomain;
      memo.host = request.host;
      memo.path = request.path;
      memo.secure = request.secure;
      memo.context = request.context;
      memo.partitionKey = request.partitionKey ?? 0;
      memo.includeUnpartitioned = request.includeUnpartitioned !== false;
      memo.includeHttpOnly = request.includeHttpOnly !== false;
      memo.handle = this.#slot.handle;
      memo.generation = this.core.generation;
      memo.version = view[info + 3] as number;
      memo.minExpiry = this.#outF64()[info >>> 1] as number;
      memo.valid = true;
    }
    let expired = EMPTY_IDS;
    if (expiredCount !== 0) {
      expired = copyIds(view, base + n, expiredCount);
      for (let i = 0; i < expired.length; i++) this.#forget(expired[i] as number);
    }
    this.lastExpired = expired;
    const at = base + n + expiredCount;
    const touched = view[at] as number;
    if (touched !== 0) {
      const la = this.#lastAccess;
      const now = request.now;
      for (let i = at + 1; i <= at + touched; i++) la[view[i] as number] = now;
    }
    return n;
  }

  /** The expired ids the last {@link matchRecords} deleted. @internal */
  lastExpired: Int32Array = EMPTY_IDS;

  /**
   * The last {@link matchRecords} request that did not move access times (nor depend on the
   * Lax-allow-unsafe age rule) and the ids it matched, with the kernel's change counter after it
   * and a lower bound of the expiries in the buckets it read. While the counter is the same (no
   * cookie inserted, replaced, removed, expired or evicted) and `now` is below that bound (no sweep
   * would delete anything), the kernel would answer the same request with the same ids.
   */
  #matchMemo = {
    valid: false,
    /** Where the kernel keeps the ids (an index into the i32 view of its memory). */
    at: 0,
    count: 0,
    registrableDomain: '',
    host: '',
    path: '',
    secure: false,
    context: 'same-site' as SameSiteContext,
    partitionKey: 0,
    includeUnpartitioned: true,
    includeHttpOnly: true,
    handle: 0,
    generation: -1,
    version: 0,
    minExpiry: -Infinity,
  };

  #runMatch(request: CookieRequest, mode: number): number {
    this.#ensure();
    const encoded = request.encoded;
    const core = this.core;
    if (
      encoded != null &&
      encoded.length <= core.scratchSize &&
      encoded.length === request.registrableDomain.length + request.host.length + request.path.length
    ) {
      core.bytes.set(encoded, core.scratchPtr);
      this.#len0 = request.registrableDomain.length;
      this.#len1 = request.host.length;
      this.#len2 = request.path.length;
    } else this.#write5(request.registrableDomain, request.host, request.path, '', '');
    const update = request.updateAccessTime !== false;
    const m = this.#m;
    m.flags =
      (request.secure ? 1 : 0) |
      (request.includeHttpOnly === false ? 0 : 2) |
      (update ? 4 : 0) |
      (request.includeUnpartitioned === false ? 0 : 8);
    const context = CONTEXTS[request.context];
    if (context === undefined) throw new TypeError(`CookieIndex.match: context must be one of ${Object.keys(CONTEXTS).join(', ')}, got ${String(request.context)}`);
    const partition = request.partitionKey ?? 0;
    if (partition !== -1 && !(partition >= 0 && Number.isInteger(partition))) {
      throw new RangeError(`CookieIndex.match: partitionKey must be -1 or an integer >= 0, got ${String(partition)}`);
    }
    m.context = context;
    m.partition = partition;
    m.now = request.now;
    m.mode = mode;
    return this.#kernel(MATCH_LABELS[mode] as string, this.#matchCall);
  }

  // The arguments of the match calls, read by a closure made once (see #setCall).
  #m = { partition: 0, flags: 0, context: 0, now: 0, mode: 0 };
  readonly #matchCall = (k: CookieKernel): number => {
    const m = this.#m;
    const handle = this.#slot.handle;
    switch (m.mode) {
      case MATCH_LINE:
        return k.cookieMatchLine(handle, this.#len0, this.#len1, this.#len2, m.partition, m.flags, m.context, m.now);
      case MATCH_PLAIN:
        return k.cookieMatch(handle, this.#len0, this.#len1, this.#len2, m.partition, m.flags, m.context, m.now);
      default:
        return k.cookieMatchIds(handle, this.#len0, this.#len1, this.#len2, m.partition, m.flags, m.context, m.now, m.mode === MATCH_KEEP ? 1 : 0);
    }
  };

  /** The last line matchLine returned (the kernel reports when the next one is the same). */
  #lastLine = '';

  #readMatch(now: number, n: number, line: boolean): CookieMatchResult | CookieMatchLineResult {
    const handle = this.#slot.handle;
    const expiredCount = cookieKernel(this.core.exports).cookieMatchExpired(handle);
    // Output: [matches][expired][touched count][touched], the last being the matches whose
    // access time the kernel moved (at most once a minute per cookie); then, for a line, its
    // address, length and non-ASCII flag.
    const view = this.#out();
    const base = cookieKernel(this.core.exports).cookieOutPtr() >>> 2;
    const ids = n === 0 ? EMPTY_IDS : copyIds(view, base, n);
    const expired = expiredCount === 0 ? EMPTY_IDS : copyIds(view, base + n, expiredCount);
    for (let i = 0; i < expired.length; i++) this.#forget(expired[i] as number);
    const at = base + n + expiredCount;
    const touched = view[at] as number;
    const la = this.#lastAccess;
    for (let i = at + 1; i <= at + touched; i++) la[view[i] as number] = now;
    if (!line) return { ids, expired };
    const tail = at + 1 + touched;
    const len = view[tail + 1] as number;
    const kind = view[tail + 2] as number;
    // Kind 2: the same ids and pairs as this index's previous line (the kernel built nothing).
    if (kind === 2) return { ids, expired, line: this.#lastLine };
    const text = len === 0 ? '' : decodeLine(view.buffer as ArrayBuffer, this.core.bytes, view[tail] as number, len, kind !== 0);
    this.#lastLine = text;
    return { ids, expired, line: text };
  }

  /** Deletes every expired cookie (GarbageCollectExpired), cause `expired`. */
  purgeExpired(now: number): CookieRemoval[] {
    this.#ensure();
    const pairs = this.#kernel('cookies.purgeExpired', (k) => k.cookiePurgeExpired(this.#slot.handle, now));
    return this.#readRemovals(pairs);
  }

  #live(id: number, api: string): void {
    if (!Number.isInteger(id) || !this.#entries[id]) throw new RangeError(`CookieIndex.${api}: no cookie with id ${String(id)} in the index`);
  }

  #forget(id: number): void {
    if (!this.#entries[id]) return;
    this.#entries[id] = undefined;
    this.#free.push(id);
    this.#size--;
  }

  /** Runs a kernel call under `label` (the trap handling of `Core.call`). */
  #kernel<T>(label: string, call: (k: CookieKernel) => T): T {
    return this.core.call(label, call as unknown as (x: CoreExports) => T);
  }

  #view: Int32Array = EMPTY_IDS;
  #viewGeneration = -1;

  /** The kernel's output list as a view of wasm memory (valid until the next kernel call). */
  #out(): Int32Array {
    const core = this.core;
    if (this.#viewGeneration !== core.generation || this.#view.byteLength === 0) {
      this.#view = new Int32Array(core.exports.memory.buffer);
      if (this.#viewGeneration !== core.generation) this.#infoAt = cookieKernel(core.exports).cookieMatchInfoPtr() >>> 2;
      this.#viewGeneration = core.generation;
    }
    return this.#view;
  }

  /** Where cookieMatchIds writes its info record, as an index into {@link #out} (set by #out). */
  #infoAt = 0;
  #viewF64: Float64Array = new Float64Array(0);
  /** The i32 view #viewF64 was made beside (a new i32 view means new memory; comparing views costs less than `.buffer`). */
  #viewF64Of: Int32Array | null = null;

  /** {@link #out}'s memory as f64 (call #out first). */
  #outF64(): Float64Array {
    const view = this.#view;
    if (this.#viewF64Of !== view) {
      this.#viewF64 = new Float64Array(view.buffer);
      this.#viewF64Of = view;
    }
    return this.#viewF64;
  }

  #readRemovals(pairs: number): CookieRemoval[] {
    const removed: CookieRemoval[] = [];
    if (pairs === 0) return removed;
    const raw = this.#out();
    const at = cookieKernel(this.core.exports).cookieOutPtr() >>> 2;
    for (let i = at; i < at + pairs * 2; i += 2) {
      const id = raw[i] as number;
      removed.push({ id, cause: CAUSES[raw[i + 1] as number] ?? 'explicit' });
      this.#forget(id);
    }
    return removed;
  }

  #len0 = 0;
  #len1 = 0;
  #len2 = 0;
  #len3 = 0;
  #len4 = 0;

  /** Writes five strings back to back into the scratch window and keeps their UTF-8 byte lengths. */
  #write5(a: string, b: string, c: string, d: string, e: string): void {
    const core = this.core;
    const n = a.length + b.length + c.length + d.length + e.length;
    // ASCII straight into the window (no concatenation); anything else through writeScratch.
    if (n <= core.scratchSize) {
      const u8 = core.bytes;
      let at = core.scratchPtr;
      if (
        (at = writeAscii(u8, at, a)) >= 0 &&
        (at = writeAscii(u8, at, b)) >= 0 &&
        (at = writeAscii(u8, at, c)) >= 0 &&
        (at = writeAscii(u8, at, d)) >= 0 &&
        writeAscii(u8, at, e) >= 0
      ) {
        this.#len0 = a.length;
        this.#len1 = b.length;
        this.#len2 = c.length;
        this.#len3 = d.length;
        this.#len4 = e.length;
        return;
      }
    }
    const total = core.writeScratch(a + b + c + d + e);
    const ascii = total === n;
    this.#len0 = ascii ? a.length : utf8Length(a);
    this.#len1 = ascii ? b.length : utf8Length(b);
    this.#len2 = ascii ? c.length : utf8Length(c);
    this.#len3 = ascii ? d.length : utf8Length(d);
    this.#len4 = ascii ? e.length : utf8Length(e);
  }

  /**
   * Allocates the kernel handle on first use, after `dispose()`, or after a trap replaced the
   * core's instance (every index on the core then rebuilds itself here, on its next call), and
   * reloads every entry into it.
   */
  #ensure(): void {
    const core = this.core;
    const slot = this.#slot;
    if (slot.handle !== 0 && slot.generation === core.generation) return;
    slot.handle = 0;
    this.#matchMemo.valid = false;
    const generation = core.generation;
    const handle = this.#kernel('cookies.indexNew', (k) => k.cookieIndexNew());
    slot.handle = handle;
    slot.generation = generation;
    this.#kernel('cookies.load', (k) => {
      k.cookieSetLimits(handle, this.#limits ? 1 : 0);
      k.cookieSetEarliestAccess(handle, this.#earliestAccess);
    });
    for (let id = 0; id < this.#entries.length; id++) {
      if (!this.#entries[id]) continue;
      const e = this.#entryOf(id);
      this.#write5(e.registrableDomain, e.name, this.#domains[id] as string, e.path, e.value);
      const flags = (e.secure ? 2 : 0) | (e.httpOnly ? 4 : 0);
      const size = this.#len1 + this.#len4;
      const access = this.#lastAccess[id] as number;
      const creation = this.#creations[id] as number;
      const seq = this.#seqs[id] as number;
      this.#kernel('cookies.load', (k) =>
        k.cookieLoad(handle, id, this.#len0, this.#len1, this.#len2, this.#len3, e.partitionKey ?? 0, creation, seq, access, e.expiry, flags, e.sameSite, e.priority ?? 1, size, this.#len4),
      );
    }
  }
}
