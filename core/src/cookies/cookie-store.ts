// The cookie store of a session: Chromium's CookieMonster on top of the wasm cookie index. The
// index decides (which cookies match a request, which one an insert replaces, what garbage
// collection evicts) and hands back ids; this class keeps the CanonicalCookie of every id, turns
// the index's answers into change notifications in CookieMonster's order, and tells the
// persistence layer what changed.

import {
  type CanonicalCookie,
  type CookiePartitionKey,
  type CookieSetPermissionOptions,
  type CookieSetContext,
  accessScheme,
  bucketKeyOf,
  canonPathWithString,
  canonicalUrlPath,
  checkSetPermitted,
  createCanonicalCookie,
  createdBucketKey,
  effectivePort,
  isIpAddressHost,
  isLocalhost,
  registrableDomain,
} from './canonical-cookie.ts';
import {
  CookieIndex,
  type CookieMatchLineResult,
  type CookieMatchResult,
  type CookieRemoval,
  type CookieRequest,
  type SameSiteContext,
  writeAscii,
} from './cookie-index.ts';
import { CookieExclusionReason, borrowStatus, returnStatus } from './inclusion-status.ts';

/** Electron's `changed` causes (Electron 45: net::CookieChangeCause through electron_api_cookies.cc). */
export type CookieChangeCause =
  | 'inserted'
  | 'inserted-no-change-overwrite'
  | 'inserted-no-value-change-overwrite'
  | 'explicit'
  | 'overwrite'
  | 'expired'
  | 'evicted'
  | 'expired-overwrite';

/** One change, as CookieMonster dispatches it. `removed` is false only for the insert causes. */
export interface CookieChange {
  readonly cookie: CanonicalCookie;
  readonly cause: CookieChangeCause;
  readonly removed: boolean;
}

/** Receives what must reach durable storage: the cookie under its key, or `null` to delete the key. */
export interface CookieChangeSink {
  put(key: string, cookie: CanonicalCookie | null): void;
}

/** Which partitions a read covers (Chromium's CookiePartitionKeyCollection). */
export type CookiePartitionSelection = 'none' | 'all' | CookiePartitionKey;

/** Options of {@link CookieStore.getCookieList}. */
export interface CookieListOptions {
  /** The request's same-site context (default `'same-site'`, which sends every SameSite value). */
  readonly context?: SameSiteContext;
  /** Whether HttpOnly cookies are included (default true: HTTP requests). */
  readonly includeHttpOnly?: boolean;
  /** Partitioned cookies to include besides the unpartitioned ones (default `'none'`). */
  readonly partitions?: CookiePartitionSelection;
  /** Update last-access times (default true; Electron's `cookies.get` passes false). */
  readonly updateAccessTime?: boolean;
  /** Current time, ms. */
  readonly now?: number;
}

/** Options of {@link CookieStore.setCanonicalCookie}: the access check's context. */
export interface CookieStoreSetOptions extends CookieSetPermissionOptions {
  readonly now?: number;
}

/** Options of {@link CookieStore.setFromLine}: those the ses.fetch cookie stage passes. */
export interface CookieLineSetOptions {
  /** The response's Date (ms): Expires is shifted by (now - serverTime). Default none. */
  readonly serverTime?: number | null;
  /** The partition the response was loaded in (kept only for `Partitioned` cookies). */
  readonly partitionKey?: CookiePartitionKey | null;
  /** The set's same-site context (default `'same-site'`). */
  readonly sameSiteContext?: CookieSetContext;
}

/** What {@link CookieStore.setFromLine} takes from a response URL (a function of its href); `ok` false: the general path only. */
interface LineUrlFacts {
  readonly ok: boolean;
  readonly cryptographic: boolean;
  readonly host: string;
  readonly registrable: string;
  readonly bucket: string;
  readonly defaultPath: string;
  readonly port: number;
  /** The last domain cookie's domain made for this URL, and its length (0: none yet). */
  domain: string;
  domainLen: number;
}

function lineUrlFacts(url: URL): LineUrlFacts {
  const protocol = url.protocol;
  const host = url.hostname;
  const cryptographic = protocol === 'https:' || protocol === 'wss:';
  const ok =
    (cryptographic || protocol === 'http:' || protocol === 'ws:') &&
    host !== '' &&
    // A host with an empty label (".shop.com", "a..b") is left to the general path.
    host.charCodeAt(0) !== 0x2e &&
    !host.includes('..') &&
    host.charCodeAt(host.length - 1) !== 0x2e &&
    !isIpAddressHost(host) &&
    (cryptographic || !isLocalhost(host));
  const registrable = ok ? registrableDomain(host) : '';
  return {
    ok,
    cryptographic,
    host,
    registrable,
    bucket: registrable || host,
    defaultPath: ok ? canonPathWithString(url, '') : '',
    port: effectivePort(url, protocol),
    domain: '',
    domainLen: 0,
  };
}

const SAME_SITES: readonly CanonicalCookie['sameSite'][] = ['unspecified', 'no_restriction', 'lax', 'strict'];
const PRIORITIES: readonly CanonicalCookie['priority'][] = ['low', 'medium', 'high'];

/**
 * Host-only, in the bits of a cookie the kernel took from a line (beside its flags: 2 Secure,
 * 4 HttpOnly; SameSite code + 1 at bit 4, priority code at bit 8).
 */
const LINE_HOST_ONLY = 1 << 12;

/**
 * The CanonicalCookie of a line the kernel took (CookieIndex.lineFields: offsets in `line`, -1
 * path start for the URL's default path), with the fields, in the order, of createCanonicalCookie's.
 */
function lineCookie(
  line: string,
  nameStart: number,
  nameLen: number,
  valueStart: number,
  valueLen: number,
  pathStart: number,
  pathLen: number,
  bits: number,
  domain: string,
  facts: LineUrlFacts,
  now: number,
  creationUs: number,
  expiry: number,
): CanonicalCookie {
  const secure = (bits & 2) !== 0;
  return {
    name: line.slice(nameStart, nameStart + nameLen),
    value: line.slice(valueStart, valueStart + valueLen),
    domain,
    hostOnly: (bits & LINE_HOST_ONLY) !== 0,
    path: pathStart < 0 ? facts.defaultPath : line.slice(pathStart, pathStart + pathLen),
    secure,
    httpOnly: (bits & 4) !== 0,
    sameSite: SAME_SITES[(bits >> 4) & 15] as CanonicalCookie['sameSite'],
    priority: PRIORITIES[(bits >> 8) & 15] as CanonicalCookie['priority'],
    // The index's creation time, in ms exactly as given when it is `now` (µs back to ms may not round-trip).
    creation: creationUs === now * US ? now : creationUs / US,
    lastAccess: now,
    expiry: Number.isNaN(expiry) ? null : expiry,
    partitionKey: null,
    sourceScheme: secure || facts.cryptographic ? 'secure' : 'non_secure',
    sourcePort: facts.port,
  };
}

/** Int32 slots per kept line in CookieStore's #keptInts (name start, length, value start, length, path start, length, bits). */
const KEPT_INTS = 7;

/** Options of {@link CookieStore}. */
export interface CookieStoreOptions {
  /** The index to use (a new one on the shared core by default). */
  readonly index?: CookieIndex;
  /** CookieMonster's limits and garbage collection (default true). */
  readonly limits?: boolean;
  /** Called for every change, in order. */
  readonly onChange?: (change: CookieChange) => void;
  /** Whether `onChange` has anyone to tell now; when false, no change record is built. Default: always. */
  readonly wantsChanges?: () => boolean;
  /** Told about every change that persistent storage must see. */
  readonly sink?: CookieChangeSink;
  /** The clock, ms since the epoch (default `Date.now`). */
  readonly now?: () => number;
}


/** The key of a partition in persisted keys and partition-id maps; `''` for none. */
export function partitionKeyString(key: CookiePartitionKey | null): string {
  if (key === null) return '';
  return `${key.topLevelSite} ${key.crossSiteAncestor ? 'x' : 's'}${key.nonce === undefined ? '' : ` ${key.nonce}`}`;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * CookiePartitionKey's order (none first): site (SchemefulSite → url::Origin → SchemeHostPort:
 * port, scheme, host), then nonce (none first; ours are strings, compared as such, where
 * Chromium compares UnguessableToken values), then the ancestor chain bit (same-site first; a
 * nonce partition counts as cross-site).
 */
export function comparePartitionKeys(a: CookiePartitionKey | null, b: CookiePartitionKey | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (a.topLevelSite !== b.topLevelSite) {
    const siteA = siteParts(a.topLevelSite);
    const siteB = siteParts(b.topLevelSite);
    const c = siteA.port - siteB.port || compareStrings(siteA.scheme, siteB.scheme) || compareStrings(siteA.host, siteB.host);
    if (c !== 0) return c;
  }
  if (a.nonce !== b.nonce) return a.nonce === undefined ? -1 : b.nonce === undefined ? 1 : compareStrings(a.nonce, b.nonce);
  const bitA = a.nonce !== undefined || a.crossSiteAncestor ? 1 : 0;
  const bitB = b.nonce !== undefined || b.crossSiteAncestor ? 1 : 0;
  return bitA - bitB;
}

function siteParts(site: string): { port: number; scheme: string; host: string } {
  const colon = site.indexOf(':');
  const scheme = colon < 0 ? '' : site.slice(0, colon);
  let host = colon < 0 ? site : site.slice(colon + 1);
  if (host.startsWith('//')) host = host.slice(2);
  return { port: DEFAULT_PORTS[`${scheme}:`] ?? 0, scheme, host };
}

/**
 * The unique key of a cookie (Chromium's RefUniqueKey without scheme and port binding): partition,
 * name, domain, path. Two cookies with the same key cannot coexist.
 */
export function cookieUniqueKey(cookie: Pick<CanonicalCookie, 'name' | 'domain' | 'path' | 'partitionKey'>): string {
  return `${partitionKeyString(cookie.partitionKey)}\n${cookie.domain}\n${cookie.path}\n${cookie.name}`;
}

/** CookieMonster's GetKey: the eTLD+1 of the domain, or the domain itself without one. */
export function cookieBucketKey(domain: string): string {
  // The last two domains asked about (a response's host cookies and its domain cookies).
  if (domain === lastBucketDomain) return lastBucketKey;
  if (domain === previousBucketDomain) return previousBucketKey;
  const key = bucketKeyOf(domain);
  previousBucketDomain = lastBucketDomain;
  previousBucketKey = lastBucketKey;
  lastBucketDomain = domain;
  lastBucketKey = key;
  return key;
}

let lastBucketDomain = '';
let lastBucketKey = '';
let previousBucketDomain = '';
let previousBucketKey = '';

/**
 * `CanonicalCookie::IsWebEquivalentTo` for two cookies with the same unique key: value, Secure,
 * SameSite, HttpOnly and expiry (not priority, source scheme or port; scheme-bound cookies are off,
 * so `IsSecure()` is the Secure attribute).
 */
function sameData(a: CanonicalCookie, b: CanonicalCookie): boolean {
  return a.value === b.value && a.secure === b.secure && a.sameSite === b.sameSite && a.httpOnly === b.httpOnly && a.expiry === b.expiry;
}

const US = 1000;
const NO_REMOVALS: readonly CookieRemoval[] = Object.freeze([]);
/** No exclusion reason: a stored cookie (setFromLine hands out this one array). */
const NO_REASONS: readonly CookieExclusionReason[] = Object.freeze([]);


/** What a read takes from its URL; a function of the href alone. */
interface ReadUrlFacts {
  readonly cookieable: boolean;
  readonly host: string;
  readonly site: string;
  readonly path: string;
  readonly secure: boolean;
  /** site + host + path as bytes when all ASCII (see CookieRequest.encoded), else null. */
  readonly encoded: Uint8Array | null;
}

/**
 * `text` as a flat string of its own. URL getters answer with slices of `href`, which every later
 * character read and comparison goes through; the facts kept per URL are read on every request.
 * (V8 makes a slice only of 13 characters or more; a shorter one is a copy already.)
 */
function flatString(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

/** The bytes of `text` when it is all ASCII, else null. */
function asciiBytes(text: string): Uint8Array | null {
  const bytes = new Uint8Array(text.length);
  return writeAscii(bytes, 0, text) < 0 ? null : bytes;
}

/**
 * The facts of the URLs read lately, by href, shared by every store (a few hundred: a program
 * reads a handful of URLs again and again, and the registrable domain costs more than the match).
 */
const readUrlFacts = new Map<string, ReadUrlFacts>();
const READ_URL_FACTS_SIZE = 256;
/**
 * Chromium's CookieMonster for one session: set with the access checks and overwrite rules, read
 * for a URL in Chromium's order, delete, and garbage collection with CookieMonster's limits; every
 * change is reported (`onChange`) in Chromium's order and handed to the persistence sink.
 * Times are ms since the epoch.
 * @example
 * const store = new CookieStore({ onChange: (c) => console.log(c.cause, c.cookie.name) });
 * const r = createCanonicalCookie('https://example.com/', 'a=1', Date.now());
 * if (r.ok) store.setCanonicalCookie(r.cookie, new URL('https://example.com/'));
 * store.getCookieList(new URL('https://example.com/x')); // [cookie a]
 */
export class CookieStore {
  readonly #index: CookieIndex;
  /**
   * The cookie of every id; for a cookie setFromLine stored while nobody was to be told (no
   * listener, no persistence), its Set-Cookie line until something reads it (see #cookieAt),
   * the rest of what it takes in #keptInts / #keptTimes / #keptFacts.
   */
  readonly #cookies: (CanonicalCookie | string | undefined)[] = [];
  #keptInts = new Int32Array(0);
  /** Per kept line: the time it was set (its last access), then its expiry (NaN: none), ms. */
  #keptTimes = new Float64Array(0);
  readonly #keptFacts: (LineUrlFacts | undefined)[] = [];
  /** The ids that hold a line not built yet (and, until the next compaction, some that no longer do). */
  readonly #keptIds: number[] = [];
  /** The length of #keptIds past which it is compacted (twice what it kept last time, and 1024 more). */
  #keptCompactAt = 1024;
  readonly #keys: (string | undefined)[] = [];
  readonly #partitionIds = new Map<string, number>();
  readonly #partitions: CookiePartitionKey[] = [];
  readonly #onChange: ((change: CookieChange) => void) | undefined;
  readonly #wantsChanges: () => boolean;
  readonly #sink: CookieChangeSink | undefined;
  readonly #now: () => number;
  #lastTime = -Infinity;

  constructor(options: CookieStoreOptions = {}) {
    this.#index = options.index ?? new CookieIndex(undefined, { limits: options.limits ?? true });
    this.#onChange = options.onChange;
    this.#wantsChanges = options.wantsChanges ?? (() => true);
    this.#sink = options.sink;
    this.#now = options.now ?? Date.now;
    // The index rebuilds itself after a trap from its entries: a kept line is built for it then.
    this.#index.resolveLine = (id) => this.#cookieAt(id) as CanonicalCookie;
  }

  /**
   * CookieMonster::CurrentTime: the clock, but strictly increasing (by 1 µs at least), so every
   * cookie created through the store has its own creation time and the order survives a reload.
   */
  currentTime(): number {
    const t = Math.max(this.#now(), this.#lastTime + 0.001);
    this.#lastTime = t;
    return t;
  }

  /** Number of cookies held (expired ones not yet collected included). */
  get size(): number {
    return this.#index.size;
  }

  /** The index under the store (for benchmarks and tests). */
  get index(): CookieIndex {
    return this.#index;
  }

  /** Frees the index's wasm memory; the store must not be used afterwards. */
  dispose(): void {
    this.#index.dispose();
  }

  /**
   * Stores a cookie (CookieMonster::SetCanonicalCookie): the access check for `source` (Secure
   * from a secure or trustworthy URL, HttpOnly only through HTTP, SameSite context), then the
   * overwrite rules (a Secure cookie is not replaced from an insecure URL; an HttpOnly one not
   * through a non-HTTP API), then insertion and garbage collection. Returns the exclusion reasons,
   * empty when the cookie was stored or, already expired, deleted its equivalent.
   */
  setCanonicalCookie(cookie: CanonicalCookie, source: URL, options: CookieStoreSetOptions = {}): CookieExclusionReason[] {
    // The protocol of the last URL set from, by href (which it derives from): a response's
    // Set-Cookie lines share their URL, and the getter builds a new string.
    const href = source.href;
    if (href !== this.#setHref) {
      this.#setProtocol = source.protocol;
      this.#setHref = href;
    }
    const protocol = this.#setProtocol;
    let allowSecure = true;
    if (
      (protocol === 'https:' || protocol === 'wss:') &&
      options.cookieableSchemes === undefined &&
      options.sameSiteContext !== 'cross-site' &&
      !(options.httpApi === false && cookie.httpOnly) &&
      (cookie.sameSite !== 'no_restriction' || cookie.secure || options.legacySemantics === true)
    ) {
      // What checkSetPermitted concludes for a cryptographic URL with none of its exclusions
      // applying (its warnings are not kept here): permitted, Secure allowed.
    } else {
      // Only the exclusions of a refused cookie leave the status (a spare one, see borrowStatus).
      const status = borrowStatus();
      const permitted = checkSetPermitted(cookie, source, options, status);
      const reasons = permitted ? null : status.exclusions.slice();
      returnStatus(status);
      if (reasons !== null) return reasons;
      allowSecure = options.trustworthy === true || accessScheme(source) !== 'non_cryptographic';
    }
    return this.#insert(cookie, allowSecure, options.httpApi === false, options.now ?? this.#now(), true, true, true);
  }

  #setHref: string | null = null;
  #setProtocol = '';

  /**
   * Stores the cookie of one Set-Cookie line received for `url` at `now`, as the ses.fetch cookie
   * stage does: the same as `createCanonicalCookie(url, line, now, { ...options,
   * checkSetPermitted: false })` then, if created, `setCanonicalCookie(cookie, url, {
   * sameSiteContext, now })` (same cookies, same changes, same persistence), and returns the
   * exclusion reasons of whichever refused it. The usual line (printable ASCII, a domain-name
   * host, nothing refused or warned about...) is parsed, created and inserted in one call into
   * the wasm core (core/assembly/cookies/line.ts); anything else takes those two steps.
   */
  setFromLine(url: URL, line: string, now: number, options: CookieLineSetOptions = {}): readonly CookieExclusionReason[] {
    const href = url.href;
    let facts = this.#lineFacts;
    if (href !== this.#lineHref) {
      facts = this.#lineFacts = lineUrlFacts(url);
      this.#lineHref = href;
    }
    const context = options.sameSiteContext;
    const partitionKey = options.partitionKey ?? null;
    if (facts.ok && (partitionKey === null || partitionKey.nonce === undefined)) {
      const given = options.serverTime;
      const serverTime = given != null && Number.isFinite(given) ? given : now;
      const index = this.#index;
      const status = index.insertLine(facts, facts.registrable, facts.host, facts.defaultPath, line, (facts.cryptographic ? 1 : 0) | (context === 'cross-site' ? 2 : 0), now, now - serverTime);
      if (status >= 0) {
        const f = index.lineFields;
        const o = index.lineAt;
        const hostOnly = (f[o + 10] as number) < 0;
        let domain = facts.host;
        if (!hostOnly) {
          // A dot and the host's last (domain length - 1) characters, kept for the URL's next lines.
          const domainLen = f[o + 2] as number;
          if (domainLen !== facts.domainLen) {
            facts.domain = `.${facts.host.slice(facts.host.length - domainLen + 1)}`;
            facts.domainLen = domainLen;
          }
          domain = facts.domain;
        }
        const bits = (f[o + 5] as number) | (((f[o + 6] as number) + 1) << 4) | ((f[o + 7] as number) << 8) | (hostOnly ? LINE_HOST_ONLY : 0);
        const expiry = index.lineExpiry;
        if ((status & 7) === 4 && this.#sink === undefined && !(this.#onChange !== undefined && this.#wantsChanges())) {
          // Stored, and nobody to tell: the cookie object is built when something reads it (#cookieAt).
          const id = index.lastId;
          this.#keepLine(id, f[o + 8] as number, f[o + 1] as number, f[o + 9] as number, f[o + 4] as number, f[o + 11] as number, f[o + 3] as number, bits, now, expiry, facts);
          index.finishLine(line, domain, now, facts.bucket);
          return this.#settleLine(id, line);
        }
        const cookie = lineCookie(line, f[o + 8] as number, f[o + 1] as number, f[o + 9] as number, f[o + 4] as number, f[o + 11] as number, f[o + 3] as number, bits, domain, facts, now, index.lastCreation, expiry);
        index.finishLine(cookie, domain, now, facts.bucket);
        return this.#settle(status, cookie, true, true, true);
      }
    }
    const created = createCanonicalCookie(url, line, now, {
      serverTime: options.serverTime ?? null,
      partitionKey,
      sameSiteContext: context ?? 'same-site',
      checkSetPermitted: false,
    });
    if (!created.ok) return created.reasons;
    return this.setCanonicalCookie(created.cookie, url, { sameSiteContext: context ?? 'same-site', now });
  }

  #lineHref: string | null = null;
  #lineFacts: LineUrlFacts = lineUrlFacts(new URL('about:blank'));

  /**
   * Puts a cookie read back from storage into the store: no access check, no notification, no
   * write back, no garbage collection and no expiry check (CookieMonster::StoreLoadedCookies
   * inserts with InternalInsertCookie; the limits apply from the next set on the key, and a cookie
   * that expired while the program was away stays until a read or a collection deletes it as
   * `expired`, from storage too). The earliest access time becomes the smallest loaded last
   * access time.
   */
  load(cookie: CanonicalCookie): void {
    // New cookies are created after the loaded ones, but a creation time in the future (written
    // under a wrong clock) must not hold the store's clock there.
    const creation = Math.min(cookie.creation, this.#now());
    if (creation > this.#lastTime) this.#lastTime = creation;
    // What is loaded is stored already; what the load removes (a duplicate key) must leave
    // storage too.
    const bucket = createdBucketKey(cookie) ?? cookieBucketKey(cookie.domain);
    const status = this.#index.insertLoaded(cookie, bucket, this.#partitionId(cookie.partitionKey));
    this.#settle(status, cookie, false, false, true);
  }

  /**
   * The cookies that go with a request to `url`, in Chromium's order (longest path first, then
   * oldest). Expired cookies met on the way are deleted (`expired`).
   */
  getCookieList(url: URL, options: CookieListOptions = {}): CanonicalCookie[] {
    if (options.updateAccessTime !== false && this.#sink) {
      // Access times to persist: through the ids.
      const ids = this.#matchIds(url, options);
      const out: CanonicalCookie[] = new Array(ids.length);
      for (let i = 0; i < ids.length; i++) out[i] = this.#cookieAt(ids[i] as number) as CanonicalCookie;
      return out;
    }
    const request = this.#request(url, options);
    if (request === null) return [];
    // The cookies straight from the kernel's answer (no copy of the ids).
    const index = this.#index;
    if (this.#keptIds.length > 0) this.#buildAll();
    const out = index.matchRecords(request, this.#cookies);
    const expired = index.lastExpired;
    for (let i = 0; i < expired.length; i++) this.#forget(expired[i] as number, 'expired', true);
    return out as CanonicalCookie[];
  }

  /**
   * {@link getCookieList} for a read that does not update access times (`updateAccessTime: false`),
   * each cookie passed through `convert` (a pure function of the cookie) on the way into the array.
   */
  getCookieListMapped<T>(url: URL, options: CookieListOptions, convert: (cookie: CanonicalCookie) => T): T[] {
    if (options.updateAccessTime !== false) return this.getCookieList(url, options).map((c) => convert(c));
    const request = this.#request(url, options);
    if (request === null) return [];
    const index = this.#index;
    if (this.#keptIds.length > 0) this.#buildAll();
    const out = index.matchRecordsMapped(request, this.#cookies as readonly (CanonicalCookie | undefined)[], convert);
    const expired = index.lastExpired;
    for (let i = 0; i < expired.length; i++) this.#forget(expired[i] as number, 'expired', true);
    return out;
  }

  /** The `Cookie` header for a request to `url` (`''` when no cookie matches). */
  getCookieLine(url: URL, options: CookieListOptions = {}): string {
    // The kernel joins the `name=value` pairs it keeps with each cookie (the bare value of a
    // nameless one) in the order of getCookieList.
    return (this.#match(url, options, true) as CookieMatchLineResult | null)?.line ?? '';
  }

  /** Every cookie (partitioned ones included), expired ones first collected, in Chromium's order. */
  getAllCookies(now: number = this.#now()): CanonicalCookie[] {
    this.#report(this.#byPartitionKey(this.#index.purgeExpired(now * US)), true);
    const all: { cookie: CanonicalCookie; seq: number }[] = [];
    for (const id of this.#index.ids()) {
      const cookie = this.#cookieAt(id) as CanonicalCookie;
      all.push({ cookie, seq: this.#index.seq(id) });
    }
    all.sort((a, b) => b.cookie.path.length - a.cookie.path.length || a.cookie.creation - b.cookie.creation || a.seq - b.seq);
    return all.map((e) => e.cookie);
  }

  /** Deletes every cookie `predicate` accepts (cause `explicit`, or `expired` for `'expired'`); returns how many. */
  deleteWhere(predicate: (cookie: CanonicalCookie) => boolean): number {
    let n = 0;
    for (const id of [...this.#index.ids()]) {
      const cookie = this.#cookieAt(id) as CanonicalCookie;
      if (!predicate(cookie)) continue;
      this.#index.remove(id);
      this.#forget(id, 'explicit', true);
      n++;
    }
    return n;
  }

  /** Deletes one cookie (as returned by a read) if it is still stored; returns whether it was. */
  deleteCookie(cookie: CanonicalCookie): boolean {
    return this.deleteWhere((c) => c === cookie) > 0;
  }

  /**
   * Deletes the session cookies (Chromium's DeleteSessionCookies, reported as `expired`), as a
   * session ends; returns how many.
   */
  deleteSessionCookies(): number {
    let n = 0;
    for (const id of [...this.#index.ids()]) {
      const cookie = this.#cookieAt(id) as CanonicalCookie;
      if (cookie.expiry !== null) continue;
      this.#index.remove(id);
      this.#forget(id, 'expired', true);
      n++;
    }
    return n;
  }

  /**
   * Removals in partition id order (then registrable domain), put in CookieMonster's order:
   * cookies_ first, then partitioned_cookies_ in CookiePartitionKey order (a stable sort).
   */
  #byPartitionKey(removals: CookieRemoval[]): CookieRemoval[] {
    if (removals.length < 2 || this.#partitions.length < 2) return removals;
    const keyOf = (r: CookieRemoval): CookiePartitionKey | null => (this.#cookieAt(r.id) as CanonicalCookie).partitionKey;
    return removals
      .map((r) => ({ r, key: keyOf(r) }))
      .sort((a, b) => comparePartitionKeys(a.key, b.key))
      .map((e) => e.r);
  }

  #partitionId(key: CookiePartitionKey | null): number {
    if (key === null) return 0;
    const text = partitionKeyString(key);
    let id = this.#partitionIds.get(text);
    if (id === undefined) {
      this.#partitions.push(key);
      id = this.#partitions.length;
      this.#partitionIds.set(text, id);
    }
    return id;
  }

  // What a read needs of its URL, kept for the last URL read (by href, which they derive from):
  // reads repeat their URL, and each URL getter builds a new string.
  #readHref: string | null = null;
  #readCookieable = false;
  #readHost = '';
  #readSite = '';
  #readPath = '';
  #readSecure = false;
  #readEncoded: Uint8Array | null = null;

  #learnReadUrl(url: URL, href: string): void {
    let facts = readUrlFacts.get(href);
    if (facts === undefined) {
      const protocol = url.protocol;
      const host = flatString(url.hostname);
      const site = flatString(registrableDomain(host)) || host;
      const path = flatString(canonicalUrlPath(url));
      facts = {
        // DEFAULT_COOKIEABLE_SCHEMES, by URL.protocol.
        cookieable: protocol === 'https:' || protocol === 'http:' || protocol === 'wss:' || protocol === 'ws:',
        host,
        site,
        path,
        encoded: asciiBytes(site + host + path),
        secure: protocol === 'https:' || protocol === 'wss:' || accessScheme(url) !== 'non_cryptographic',
      };
      if (readUrlFacts.size >= READ_URL_FACTS_SIZE) readUrlFacts.clear();
      readUrlFacts.set(href, facts);
    }
    this.#readCookieable = facts.cookieable;
    this.#readHost = facts.host;
    this.#readSite = facts.site;
    this.#readPath = facts.path;
    this.#readSecure = facts.secure;
    this.#readEncoded = facts.encoded;
    this.#readHref = href;
  }

  #matchIds(url: URL, options: CookieListOptions): Int32Array {
    return this.#match(url, options, false)?.ids ?? new Int32Array(0);
  }

  /** The index request of a read of `url` (kept and refilled: the index does not hold on to it), or null for a URL that takes no cookies. */
  #request(url: URL, options: CookieListOptions): CookieRequest | null {
    const href = url.href;
    if (href !== this.#readHref) this.#learnReadUrl(url, href);
    if (!this.#readCookieable) return null;
    const now = (options.now ?? this.#now()) * US;
    const partitions = options.partitions ?? 'none';
    let partitionKey = 0;
    if (partitions === 'all') partitionKey = -1;
    else if (partitions !== 'none') {
      // No partition known yet: no need to build the key's string to find that out.
      partitionKey = this.#partitionIds.size === 0 ? 0x7fffffff : (this.#partitionIds.get(partitionKeyString(partitions)) ?? 0x7fffffff);
    }
    const request = this.#req;
    request.registrableDomain = this.#readSite;
    request.host = this.#readHost;
    request.path = this.#readPath;
    request.encoded = this.#readEncoded;
    request.secure = this.#readSecure;
    request.context = options.context ?? 'same-site';
    request.now = now;
    request.partitionKey = partitionKey;
    request.includeUnpartitioned = partitions === 'none' || partitions === 'all' || partitions.nonce === undefined;
    request.includeHttpOnly = options.includeHttpOnly !== false;
    request.updateAccessTime = options.updateAccessTime !== false;
    return request;
  }

  readonly #req: { -readonly [K in keyof CookieRequest]-?: CookieRequest[K] } = {
    registrableDomain: '',
    host: '',
    path: '',
    secure: false,
    context: 'same-site',
    now: 0,
    partitionKey: 0,
    includeUnpartitioned: true,
    includeHttpOnly: true,
    updateAccessTime: true,
    encoded: null,
  };

  /** The index's answer for a read of `url` (with the Cookie line when `line`), or null for a URL that takes no cookies. */
  #match(url: URL, options: CookieListOptions, line: boolean): CookieMatchLineResult | CookieMatchResult | null {
    const request = this.#request(url, options);
    if (request === null) return null;
    const result = line ? this.#index.matchLine(request) : this.#index.match(request);
    for (let i = 0; i < result.expired.length; i++) this.#forget(result.expired[i] as number, 'expired', true);
    if (options.updateAccessTime !== false && this.#sink) {
      // Persist access times the index moved (at most once a minute per cookie, as Chromium).
      for (let i = 0; i < result.ids.length; i++) {
        const id = result.ids[i] as number;
        const cookie = this.#cookieAt(id) as CanonicalCookie;
        const access = this.#index.lastAccess(id) / US;
        if (access !== cookie.lastAccess) {
          const updated = { ...cookie, lastAccess: access };
          this.#cookies[id] = updated;
          if (updated.expiry !== null && updated.partitionKey?.nonce === undefined) this.#sink.put(this.#keys[id] as string, updated);
        }
      }
    }
    return result;
  }

  #insert(
    cookie: CanonicalCookie,
    allowSecure: boolean,
    excludeHttpOnly: boolean,
    now: number,
    notify: boolean,
    persist: boolean,
    persistRemovals: boolean,
  ): CookieExclusionReason[] {
    const index = this.#index;
    const bucket = createdBucketKey(cookie) ?? cookieBucketKey(cookie.domain);
    const status = index.insertCookie(cookie, bucket, this.#partitionId(cookie.partitionKey), now * US, allowSecure, excludeHttpOnly);
    const reasons = this.#settle(status, cookie, notify, persist, persistRemovals);
    return reasons === NO_REASONS ? [] : (reasons as CookieExclusionReason[]);
  }

  /** What follows an index insert of `cookie` (kernel `status`): the refusals, then the changes in CookieMonster's order. */
  #settle(status: number, cookie: CanonicalCookie, notify: boolean, persist: boolean, persistRemovals: boolean): readonly CookieExclusionReason[] {
    const index = this.#index;
    const removed = index.removedCount === 0 ? NO_REMOVALS : index.readRemovals();
    if ((status & 3) !== 0) {
      // Each that holds, in enum order (MaybeDeleteEquivalentCookieAndUpdateStatus adds each).
      const reasons: CookieExclusionReason[] = [];
      if (status & 1) reasons.push(CookieExclusionReason.EXCLUDE_OVERWRITE_SECURE);
      if (status & 2) reasons.push(CookieExclusionReason.EXCLUDE_OVERWRITE_HTTP_ONLY);
      return reasons;
    }
    const inserted = (status & 4) !== 0;

    // The equivalent cookie goes first (overwrite / expired-overwrite), then the insertion, then
    // what garbage collection removed (CookieMonster::SetCanonicalCookie, then GarbageCollect).
    let replaced: CanonicalCookie | undefined;
    let i = 0;
    for (; i < removed.length; i++) {
      const removal = removed[i] as CookieRemoval;
      if (removal.cause !== 'overwrite' && removal.cause !== 'expired-overwrite') break;
      replaced = this.#cookieAt(removal.id);
      this.#forget(removal.id, removal.cause, persistRemovals, notify);
    }
    if (inserted) {
      const id = index.lastId;
      const creation = index.lastCreation;
      const stored: CanonicalCookie = creation === cookie.creation * US ? cookie : { ...cookie, creation: creation / US };
      // Keys only matter to persistence.
      const key = this.#sink ? cookieUniqueKey(stored) : undefined;
      this.#cookies[id] = stored;
      this.#keys[id] = key;
      if (persist && this.#sink && key !== undefined) {
        // A persisted cookie this one replaced was deleted from storage by #forget above.
        if (stored.expiry !== null && stored.partitionKey?.nonce === undefined) this.#sink.put(key, stored);
      }
      if (notify && this.#onChange && this.#wantsChanges()) {
        const cause: CookieChangeCause =
          replaced === undefined || replaced.value !== stored.value
            ? 'inserted'
            : sameData(replaced, stored)
              ? 'inserted-no-change-overwrite'
              : 'inserted-no-value-change-overwrite';
        this.#onChange({ cookie: stored, cause, removed: false });
      }
    }
    for (; i < removed.length; i++) {
      const removal = removed[i] as CookieRemoval;
      this.#forget(removal.id, removal.cause, persistRemovals, notify);
    }
    return NO_REASONS;
  }

  #report(removals: readonly CookieRemoval[], persist: boolean): void {
    for (const removal of removals) this.#forget(removal.id, removal.cause, persist);
  }

  /**
   * Keeps what it takes to build the cookie setFromLine stored as `id` from its line later
   * (the kernel's fields, see lineCookie; `now` its time; `expiry` ms, NaN for none).
   */
  #keepLine(id: number, nameStart: number, nameLen: number, valueStart: number, valueLen: number, pathStart: number, pathLen: number, bits: number, now: number, expiry: number, facts: LineUrlFacts): void {
    let ints = this.#keptInts;
    if (ints.length < (id + 1) * KEPT_INTS) {
      const slots = Math.max(64, id + 1, (ints.length / KEPT_INTS) * 2);
      const grown = new Int32Array(slots * KEPT_INTS);
      grown.set(ints);
      ints = this.#keptInts = grown;
      const times = new Float64Array(slots * 2);
      times.set(this.#keptTimes);
      this.#keptTimes = times;
    }
    const b = id * KEPT_INTS;
    ints[b] = nameStart;
    ints[b + 1] = nameLen;
    ints[b + 2] = valueStart;
    ints[b + 3] = valueLen;
    ints[b + 4] = pathStart;
    ints[b + 5] = pathLen;
    ints[b + 6] = bits;
    this.#keptTimes[id * 2] = now;
    this.#keptTimes[id * 2 + 1] = expiry;
    this.#keptFacts[id] = facts;
  }

  /** What follows the index's insert of the line kept as `id` (nothing to tell, nothing to persist). */
  #settleLine(id: number, line: string): readonly CookieExclusionReason[] {
    const index = this.#index;
    // What the insert removed (the equivalent cookie, garbage collection) is only dropped: nobody
    // is told, nothing persisted (the order of #settle matters only to those).
    if (index.removedCount !== 0) this.#report(index.readRemovals(), true);
    this.#cookies[id] = line;
    this.#keys[id] = undefined;
    const ids = this.#keptIds;
    ids.push(id);
    if (ids.length > this.#keptCompactAt) {
      // Lines replaced or removed before any read left their ids here: keep those still kept (once).
      const seen = new Set<number>();
      let n = 0;
      for (let i = 0; i < ids.length; i++) {
        const kept = ids[i] as number;
        if (typeof this.#cookies[kept] === 'string' && !seen.has(kept)) {
          seen.add(kept);
          ids[n++] = kept;
        }
      }
      ids.length = n;
      this.#keptCompactAt = 2 * n + 1024;
    }
    return NO_REASONS;
  }

  /** The cookie of live `id`, built from its line if setFromLine kept it unbuilt. */
  #cookieAt(id: number): CanonicalCookie | undefined {
    const entry = this.#cookies[id];
    return typeof entry === 'string' ? this.#build(id, entry) : entry;
  }

  /** Builds the cookie of the line kept as `id` (its index record still there) and keeps it instead. */
  #build(id: number, line: string): CanonicalCookie {
    const ints = this.#keptInts;
    const b = id * KEPT_INTS;
    const index = this.#index;
    const cookie = lineCookie(
      line, ints[b] as number, ints[b + 1] as number, ints[b + 2] as number, ints[b + 3] as number, ints[b + 4] as number, ints[b + 5] as number, ints[b + 6] as number,
      index.domainOf(id), this.#keptFacts[id] as LineUrlFacts, this.#keptTimes[id * 2] as number, index.creationOf(id), this.#keptTimes[id * 2 + 1] as number,
    );
    this.#cookies[id] = cookie;
    this.#keptFacts[id] = undefined;
    return cookie;
  }

  /**
   * Builds every cookie still kept as its line, before a read that hands out cookie objects
   * (then it reads the cookies as they are kept, in one pass over the index's answer).
   */
  #buildAll(): void {
    const ids = this.#keptIds;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const entry = this.#cookies[id];
      if (typeof entry === 'string') this.#build(id, entry);
    }
    ids.length = 0;
  }

  /** Drops the record of an id the index already deleted, and reports it. */
  #forget(id: number, cause: CookieChangeCause, persist: boolean, notify = true): void {
    let cookie = this.#cookies[id];
    if (typeof cookie === 'string') {
      // A kept line (never persisted) is built only for a listener.
      if (notify && this.#onChange !== undefined && this.#wantsChanges()) cookie = this.#build(id, cookie);
      else {
        cookie = undefined;
        this.#keptFacts[id] = undefined;
      }
    }
    const key = this.#keys[id];
    this.#cookies[id] = undefined;
    this.#keys[id] = undefined;
    if (cookie === undefined) return;
    // Only what could have been stored: session cookies and nonce partitions never are.
    if (persist && this.#sink && key !== undefined && cookie.expiry !== null && cookie.partitionKey?.nonce === undefined) this.#sink.put(key, null);
    if (notify && this.#onChange && this.#wantsChanges()) this.#onChange({ cookie, cause, removed: true });
  }
}
