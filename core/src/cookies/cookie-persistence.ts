// Keeps a session's persistent cookies in its partition store, the way Chromium's
// SQLitePersistentCookieStore does: changes are queued and committed in batches, every 30 s or
// once 512 are pending, and at once on flush. Session cookies are never written (Electron creates
// its cookie store with persist_session_cookies = false), nor cookies of nonce partitions.

import type { StorageStore } from '../storage/port.ts';
import type { CanonicalCookie, CookiePartitionKey, CookieSourceScheme } from './canonical-cookie.ts';
import { cookieUniqueKey, type CookieChangeSink } from './cookie-store.ts';
import type { CookiePriority, CookieSameSite } from './parse-set-cookie.ts';

/** The storage area cookies live in. */
export const COOKIE_AREA = 'cookies';
/** net/extras/sqlite/sqlite_persistent_cookie_store.cc kCommitInterval. */
export const COOKIE_COMMIT_INTERVAL_MS = 30_000;
/** kCommitAfterBatchSize. */
export const COOKIE_COMMIT_BATCH = 512;

const RECORD_VERSION = 1;
const SAME_SITES: readonly CookieSameSite[] = ['unspecified', 'no_restriction', 'lax', 'strict'];
const PRIORITIES: readonly CookiePriority[] = ['low', 'medium', 'high'];
const SOURCE_SCHEMES: readonly CookieSourceScheme[] = ['unset', 'non_secure', 'secure'];

type Row = [
  version: number,
  name: string,
  value: string,
  domain: string,
  path: string,
  flags: number,
  sameSite: number,
  priority: number,
  creation: number,
  lastAccess: number,
  expiry: number,
  partitionSite: string | null,
  sourceScheme: number,
  sourcePort: number,
];

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a persistent cookie as one stored record. */
export function encodeCookieRecord(cookie: CanonicalCookie): Uint8Array {
  if (cookie.expiry === null) throw new TypeError(`encodeCookieRecord: session cookie ${JSON.stringify(cookie.name)} is not persisted`);
  const row: Row = [
    RECORD_VERSION,
    cookie.name,
    cookie.value,
    cookie.domain,
    cookie.path,
    (cookie.secure ? 1 : 0) | (cookie.httpOnly ? 2 : 0) | (cookie.partitionKey?.crossSiteAncestor ? 4 : 0),
    SAME_SITES.indexOf(cookie.sameSite),
    PRIORITIES.indexOf(cookie.priority),
    cookie.creation,
    cookie.lastAccess,
    cookie.expiry,
    cookie.partitionKey === null ? null : cookie.partitionKey.topLevelSite,
    SOURCE_SCHEMES.indexOf(cookie.sourceScheme),
    cookie.sourcePort,
  ];
  return encoder.encode(JSON.stringify(row));
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** An index into `list` (a string such as "length" or "1" indexes an array too, so check the type). */
function isIndex(value: unknown, list: readonly unknown[]): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) < list.length;
}

/** Decodes a stored record; throws a TypeError naming what is wrong when it is not one. */
export function decodeCookieRecord(bytes: Uint8Array): CanonicalCookie {
  let row: unknown;
  try {
    row = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new TypeError(`cookie record is not UTF-8 JSON (${(cause as Error).message})`);
  }
  if (!Array.isArray(row) || row.length !== 14 || row[0] !== RECORD_VERSION) {
    throw new TypeError(`cookie record has an unknown shape (expected a version ${RECORD_VERSION} row of 14 fields)`);
  }
  const [, name, value, domain, path, flags, sameSite, priority, creation, lastAccess, expiry, site, sourceScheme, sourcePort] = row as Row;
  if (typeof name !== 'string' || typeof value !== 'string' || typeof domain !== 'string' || domain === '' || typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError('cookie record has an invalid name, value, domain or path');
  }
  if (![flags, creation, lastAccess, expiry, sourcePort].every(isFiniteNumber) || !isIndex(sameSite, SAME_SITES) || !isIndex(priority, PRIORITIES) || !isIndex(sourceScheme, SOURCE_SCHEMES)) {
    throw new TypeError(`cookie record ${JSON.stringify(name)} has invalid times or flags`);
  }
  if (site !== null && typeof site !== 'string') throw new TypeError(`cookie record ${JSON.stringify(name)} has an invalid partition`);
  const partitionKey: CookiePartitionKey | null = site === null ? null : { topLevelSite: site, crossSiteAncestor: (flags & 4) !== 0 };
  return {
    name,
    value,
    domain,
    hostOnly: !domain.startsWith('.'),
    path,
    secure: (flags & 1) !== 0,
    httpOnly: (flags & 2) !== 0,
    sameSite: SAME_SITES[sameSite] as CookieSameSite,
    priority: PRIORITIES[priority] as CookiePriority,
    creation,
    lastAccess,
    expiry,
    partitionKey,
    sourceScheme: SOURCE_SCHEMES[sourceScheme] as CookieSourceScheme,
    sourcePort,
  };
}

/** A record that could not be read back, kept out of the jar (and left in storage untouched). */
export interface UnreadableCookieRecord {
  readonly key: string;
  readonly reason: string;
}

/** Options of {@link CookiePersistence}. */
export interface CookiePersistenceOptions {
  /** Commit interval, ms (default 30 s, as Chromium). */
  readonly commitIntervalMs?: number;
  /** Pending changes that trigger a commit at once (default 512, as Chromium). */
  readonly commitBatch?: number;
  /** Called when a background commit fails (the changes stay queued for the next one). */
  readonly onError?: (error: unknown) => void;
  /** The host's way to keep the commit timer from holding the program open. */
  readonly unrefTimer?: (timer: ReturnType<typeof setTimeout>) => void;
}


/**
 * The write side of a session's cookie jar: a {@link CookieChangeSink} that batches changes into
 * the partition store. `flush()` resolves once every change made before it is durable.
 */
export class CookiePersistence implements CookieChangeSink {
  readonly #store: StorageStore;
  readonly #interval: number;
  readonly #batch: number;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #unrefTimer: ((timer: ReturnType<typeof setTimeout>) => void) | undefined;
  #pending = new Map<string, CanonicalCookie | null>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #chain: Promise<void> = Promise.resolve();
  #commits = 0;
  #batchQueued = false;

  constructor(store: StorageStore, options: CookiePersistenceOptions = {}) {
    this.#store = store;
    this.#interval = options.commitIntervalMs ?? COOKIE_COMMIT_INTERVAL_MS;
    this.#batch = options.commitBatch ?? COOKIE_COMMIT_BATCH;
    this.#onError = options.onError;
    this.#unrefTimer = options.unrefTimer;
  }

  /** Changes queued and not yet handed to the store. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Commits made so far (timer, batch size or flush). */
  get commits(): number {
    return this.#commits;
  }

  /** Reads every stored cookie; records that cannot be decoded are reported and skipped. */
  async load(): Promise<{ cookies: CanonicalCookie[]; unreadable: UnreadableCookieRecord[] }> {
    const cookies: CanonicalCookie[] = [];
    const unreadable: UnreadableCookieRecord[] = [];
    for (const [key, bytes] of await this.#store.entries(COOKIE_AREA)) {
      try {
        const cookie = decodeCookieRecord(bytes);
        // A record under another cookie's key could never be deleted through its own key.
        const own = cookieUniqueKey(cookie);
        if (own !== key) throw new TypeError(`cookie record is stored under a key that is not its own (${JSON.stringify(own)})`);
        cookies.push(cookie);
      } catch (error) {
        unreadable.push({ key, reason: (error as Error).message });
      }
    }
    // Creation order, so the index's tie-break sequence follows it as it did before.
    cookies.sort((a, b) => a.creation - b.creation);
    return { cookies, unreadable };
  }

  /**
   * Changes handed over since the last commit took its batch. Chromium counts calls, not the
   * queue's length ("to guarantee progress"): 512 overwrites of one cookie commit too.
   */
  #changes = 0;

  put(key: string, cookie: CanonicalCookie | null): void {
    this.#pending.set(key, cookie);
    this.#changes++;
    if (this.#changes >= this.#batch) {
      if (!this.#batchQueued) {
        this.#batchQueued = true;
        void this.#commit().catch((error) => this.#onError?.(error));
      }
    } else if (this.#timer === null) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#commit().catch((error) => this.#onError?.(error));
      }, this.#interval);
      this.#unrefTimer?.(this.#timer);
    }
  }

  /** Commits what is pending and resolves once it is durable (Electron's `cookies.flushStore()`). */
  async flush(): Promise<void> {
    await this.#commit();
    await this.#store.flush();
  }

  /**
   * For a process about to exit: commits what is pending and returns the promise, or returns
   * `undefined` at once when nothing is (so an exit hook that runs again finds no work).
   */
  commitIfPending(): Promise<void> | undefined {
    // After a failed exit commit the changes are pending again; trying at every exit event would
    // keep the program alive for ever, so a failing store gets one attempt.
    if (this.#pending.size === 0 || this.#exitCommitFailed) return undefined;
    return this.#commit().catch((error: unknown) => {
      this.#exitCommitFailed = true;
      throw error;
    });
  }

  #exitCommitFailed = false;

  /** Stops the timer (pending changes are dropped unless flushed first). */
  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #commit(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    // The batch is taken when the commit runs, as Chromium's Commit() swaps out its pending list
    // then: a commit queued behind one that failed (a flush, say) carries what that one put back.
    const run = async (): Promise<void> => {
      this.#batchQueued = false;
      this.#changes = 0;
      const batch = this.#pending;
      this.#pending = new Map();
      if (batch.size === 0) return;
      this.#commits++;
      const store = this.#store;
      const entries = [...batch];
      // Each write settles on its own (a store that throws at once counts as a rejection), so one
      // failed write neither stops the others nor keeps them from being flushed.
      const results = await Promise.allSettled(
        entries.map(([key, cookie]) => Promise.resolve().then(() => (cookie === null ? store.delete(COOKIE_AREA, key) : store.set(COOKIE_AREA, key, encodeCookieRecord(cookie))))),
      );
      // A write the store refuses as invalid (a TypeError naming the key or value) will never
      // succeed: it is dropped, as Chromium's commit logs a failed statement and goes on. Any
      // other failure is put back for the next commit, unless a newer change superseded it.
      let refused: unknown;
      let failed: unknown;
      const putBack = (key: string, cookie: CanonicalCookie | null): void => {
        if (!this.#pending.has(key)) this.#pending.set(key, cookie);
      };
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') return;
        const [key, cookie] = entries[i] as [string, CanonicalCookie | null];
        if (result.reason instanceof TypeError) refused ??= result.reason;
        else {
          failed ??= result.reason;
          putBack(key, cookie);
        }
      });
      try {
        // A commit is durable, as Chromium's SQLite transaction is: the store buffers otherwise.
        // (Nothing written, nothing to make durable.)
        if (results.some((result) => result.status === 'fulfilled')) await store.flush();
      } catch (error) {
        for (const [key, cookie] of entries) putBack(key, cookie);
        throw error;
      }
      if (failed !== undefined) throw failed;
      this.#exitCommitFailed = false;
      if (refused !== undefined) throw refused;
    };
    const next = this.#chain.then(run, run);
    this.#chain = next.catch(() => undefined);
    return next;
  }
}
