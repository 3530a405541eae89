import { netError } from '../net/net-errors.ts';
import { concatBytes } from '../bytes.ts';
import type { StorageStore } from '../storage/port.ts';
import type { PipelineRequest, Stage } from '../fetch/transport.ts';
import { NULL_BODY_STATUSES, makeResponse } from '../fetch/response.ts';
import { registrableDomain } from '../cookies/canonical-cookie.ts';
import { getCore } from '../wasm/core.ts';
import {
  CacheIndex, CACHE_DECISION_ASYNC, CACHE_DECISION_FRESH, CACHE_DECISION_SYNC, CACHE_FLAG_NO_CACHE, CACHE_FLAG_PINNED,
  CACHE_MODE_NORMAL, CACHE_MODE_SKIP_VALIDATION, CACHE_MODE_VALIDATE, type CacheLookupMode,
} from './cache-index.ts';
import { ageBase, freshnessLifetimes, hasHeaderValue, mergeNotModified, parseByteRange, persistedHeaders, resolveByteRange, varyData, varyMatches } from './response-headers.ts';

/** Storage areas of a persistent cache: one metadata record per entry, bodies apart. */
export const CACHE_META_AREA = 'http-cache';
export const CACHE_BODY_AREA = 'http-cache-body';

/** Chromium's default sizes: the disk cache's kDefaultCacheSize and the memory backend's 5 x 10 MB cap. */
export const DEFAULT_DISK_CACHE_SIZE = 80 * 1024 * 1024;
export const DEFAULT_MEMORY_CACHE_SIZE = 50 * 1024 * 1024;
// SimpleBackendImpl::MaxFileSize: an entry may take an eighth of the cache, and at least 5 MB on disk.
const MIN_DISK_ENTRY_LIMIT = 5 * 1024 * 1024;
// The simple cache's index writes are debounced by 20 s (SimpleIndex::PostponeWritingToDisk); so is our flush.
const FLUSH_DELAY_MS = 20_000;
const RECORD_VERSION = 1;
const MAX_REMEMBERED_CLEARS = 64;

/** One stored response, kept in TypeScript under its index id; the index holds its times and size. */
interface CacheRecord {
  readonly key: string;
  readonly url: string;
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  vary: Array<[string, string | null]>;
  requestTime: number;
  responseTime: number;
  /** The body when the cache keeps bodies in memory; null when it is in the store under `bodyKey`. */
  body: Uint8Array | null;
  readonly bodyKey: string;
  readonly bodyLength: number;
  /** Lifetimes set by the writer (the undici CacheStore adapter) instead of Chromium's rules; null for ses.fetch entries. */
  readonly lifetimes: EntryLifetimes | null;
  /** The writer's own data, kept as given (the adapter's CacheValue fields); null for ses.fetch entries. */
  readonly extra: string | null;
}

/** An entry's freshness as the index keeps it. */
export interface EntryLifetimes {
  /** When the entry's age was 0 (ms since the epoch). */
  readonly ageBase: number;
  /** How long it is fresh (ms). */
  readonly freshness: number;
  /** How long after that it may still be served while revalidating (ms). */
  readonly staleWindow: number;
}

/** A stored entry as the interop adapters read and write it. */
export interface StoredEntry {
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly vary: ReadonlyArray<readonly [string, string | null]>;
  readonly requestTime: number;
  readonly responseTime: number;
  readonly lifetimes: EntryLifetimes | null;
  readonly extra: string | null;
}

interface PersistedRecord {
  v: number;
  key: string;
  url: string;
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  vary: Array<[string, string | null]>;
  requestTime: number;
  responseTime: number;
  lastUsed: number;
  bodyKey: string;
  bodyLength: number;
  lifetimes?: EntryLifetimes | null;
  extra?: string | null;
}

/** Construction options of a session's cache. */
export interface HttpCacheOptions {
  /** The partition's store for a persistent cache; null keeps bodies in memory. */
  readonly openStore: (() => Promise<StorageStore>) | null;
  /** Size budget in bytes (default: Chromium's disk or memory default). */
  readonly maxSize?: number;
  /** Clock in ms (tests inject one). */
  readonly now?: () => number;
  readonly unrefTimer?: (timer: ReturnType<typeof setTimeout>) => void;
}

// Chromium's load flags as the cache transaction reads them, from the fetch `cache` mode and request headers.
interface LoadMode {
  /** LOAD_DISABLE_CACHE: neither read nor write. */
  readonly disable: boolean;
  /** LOAD_BYPASS_CACHE: do not read, write the answer. */
  readonly bypass: boolean;
  /** LOAD_ONLY_FROM_CACHE: a miss fails with net::ERR_CACHE_MISS. */
  readonly onlyFromCache: boolean;
  /** The kernel's mode: normal, always validate, or skip validation. */
  readonly mode: CacheLookupMode;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A session's HTTP cache, Chromium's rules (net/http/http_cache_transaction.cc) over the wasm index:
 * GET and HEAD are served from it; PUT, POST, DELETE and PATCH answered 2xx/3xx invalidate the URL;
 * one entry per key (the latest Vary variant); `no-store` responses and `Vary: *` are not kept;
 * validation with `If-None-Match` / `If-Modified-Since` and 304 header merging; an entry is written
 * only after its whole body was read, so a cut-off body is never a hit.
 */
export class HttpCache {
  readonly #openStore: (() => Promise<StorageStore>) | null;
  readonly #now: () => number;
  readonly #unrefTimer: ((timer: ReturnType<typeof setTimeout>) => void) | undefined;
  readonly #maxEntrySize: number;
  readonly #index: CacheIndex;
  readonly #records = new Map<number, CacheRecord>();
  #loading: Promise<StorageStore | null> | null = null;
  // `#loading` has resolved: requests go on without waiting for it.
  #opened = false;
  #store: StorageStore | null = null;
  /**
   * Clears so far (`clear`, `clearWhere`). A write takes the count when it starts (its ticket) and is
   * dropped at commit if a clear since then covers its URL; the newest clears are remembered.
   */
  #clearCount = 0;
  #recentClears: Array<{ readonly serial: number; readonly filter: ((url: string) => boolean) | null }> = [];
  /** Background revalidations in flight, by key (one at a time per key). */
  readonly #refreshing = new Set<string>();
  #bodySerial = 0;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #pendingFlush = false;
  #closed = false;

  constructor(options: HttpCacheOptions) {
    this.#openStore = options.openStore;
    this.#now = options.now ?? Date.now;
    this.#unrefTimer = options.unrefTimer;
    const persistent = options.openStore !== null;
    const maxSize = options.maxSize !== undefined && options.maxSize > 0 ? options.maxSize : persistent ? DEFAULT_DISK_CACHE_SIZE : DEFAULT_MEMORY_CACHE_SIZE;
    this.#maxEntrySize = persistent ? Math.max(MIN_DISK_ENTRY_LIMIT, maxSize / 8) : maxSize / 8;
    // A trapped core loses the index: the records go with it (every lookup misses).
    this.#index = new CacheIndex(getCore(), { maxSize: Math.floor(maxSize), onReset: () => this.#records.clear() });
  }

  /** Bytes the cache holds (`ses.getCacheSize()`): every entry's key, headers and body, rounded up to 256 bytes. */
  async size(): Promise<number> {
    await this.#ready();
    return this.#index.total;
  }

  /** Number of entries (for tests and tools). */
  async count(): Promise<number> {
    await this.#ready();
    return this.#index.count;
  }

  /** `ses.clearCache()`: dooms every entry; responses being written when it runs are not kept. */
  async clear(): Promise<void> {
    const store = await this.#ready();
    this.#noteClear(null);
    this.#index.clear();
    this.#records.clear();
    if (store) {
      // Both areas in one step: a commit cannot slip a body in between them.
      await Promise.all([store.clear(CACHE_META_AREA), store.clear(CACHE_BODY_AREA)]);
      await store.flush();
    }
  }

  /** Dooms the entries whose URL `filter` picks (`clearData` with origins), and in-flight writes of such URLs. */
  async clearWhere(filter: (url: string) => boolean): Promise<void> {
    const store = await this.#ready();
    this.#noteClear(filter);
    for (const [id, record] of [...this.#records]) {
      let picked = false;
      try {
        picked = filter(record.url);
      } catch {
        picked = false;
      }
      if (picked) this.#doomId(id);
    }
    if (store) await store.flush();
  }

  #noteClear(filter: ((url: string) => boolean) | null): void {
    this.#clearCount++;
    this.#recentClears.push({ serial: this.#clearCount, filter });
    if (this.#recentClears.length > MAX_REMEMBERED_CLEARS) this.#recentClears.shift();
  }

  // True when a clear since `ticket` covers `url` (a write older than every remembered clear is dropped).
  #overtaken(ticket: number, url: string): boolean {
    if (ticket === this.#clearCount) return false;
    const oldest = this.#recentClears[0];
    if (oldest === undefined || oldest.serial > ticket + 1) return true;
    for (const clear of this.#recentClears) {
      if (clear.serial <= ticket) continue;
      if (clear.filter === null) return true;
      try {
        if (clear.filter(url)) return true;
      } catch {
        return true;
      }
    }
    return false;
  }

  /** Writes what is pending to the store (a persistent cache also does this 20 s after a change). */
  async flush(): Promise<void> {
    if (this.#flushTimer !== null) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = null;
    }
    this.#pendingFlush = false;
    if (this.#store) await this.#store.flush();
  }

  /** Stops timers and frees the index; the cache must not be used afterwards. */
  dispose(): void {
    this.#closed = true;
    if (this.#flushTimer !== null) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    this.#index.dispose();
    this.#records.clear();
  }

  /** The pipeline stage: sits above proxy resolution and the transport, below cookies and server auth. */
  stage(): Stage {
    return (request, next) => {
      try {
        return this.#handle(request, next);
      } catch (err) {
        return Promise.reject(err);
      }
    };
  }

  // --- interop (session-anywhere/undici-cache-store) ------------------------------------------

  /**
   * @internal The entry stored under `key` and its body, with no freshness decision (the caller
   * decides), or null. Marks it used. Keys of adapters must not start like `cacheKey`'s (`0/`, `1/`).
   */
  async readEntry(key: string): Promise<{ entry: StoredEntry; body: Uint8Array } | null> {
    await this.#ready();
    const id = this.#index.find(key);
    const record = id < 0 ? undefined : this.#records.get(id);
    if (record === undefined || record.key !== key) return null;
    let body = record.body;
    if (body === null) {
      body = (await this.#store?.get(CACHE_BODY_AREA, record.bodyKey).catch(() => undefined)) ?? null;
      if (body === null || body.length !== record.bodyLength) {
        this.#doomRecord(record);
        return null;
      }
    } else body = body.slice(); // The caller gets its own bytes.
    if (this.#records.get(id) === record) this.#index.touch(id, this.#now());
    return { entry: record, body };
  }

  /**
   * @internal Stores `body` under `key` with the writer's lifetimes (not Chromium's), replacing
   * what was there. Resolves false when the entry was not kept (too large, or a clear since
   * `startedAt`, a value of `generation`, covers it).
   */
  async writeEntry(key: string, entry: StoredEntry, body: Uint8Array, startedAt = this.#clearCount): Promise<boolean> {
    await this.#ready();
    const base = {
      key,
      url: entry.url,
      status: entry.status,
      statusText: entry.statusText,
      headers: entry.headers.map(([n, v]): [string, string] => [n, v]),
      vary: entry.vary.map(([n, v]): [string, string | null] => [n, v]),
      requestTime: entry.requestTime,
      responseTime: entry.responseTime,
    };
    return this.#commit(base, body, startedAt, entry.lifetimes, entry.extra);
  }

  /** @internal Dooms the entry under `key`. */
  async deleteEntry(key: string): Promise<void> {
    await this.#ready();
    this.#doomKey(key);
  }

  /** @internal A write's ticket: take it when the write starts and pass it to `writeEntry`. */
  get generation(): number {
    return this.#clearCount;
  }

  /** @internal The largest entry (bytes) the cache keeps. */
  get maxEntrySize(): number {
    return this.#maxEntrySize;
  }

  // --- the transaction -------------------------------------------------------------------------

  // Not an async function: a miss (the usual request, and every request that cannot be a hit) waits
  // for its answer with one `then` for the store decision, not a suspended frame (a thousand
  // requests may be in flight).
  #handle(request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>): Promise<Response> {
    const method = request.method;
    const load = loadMode(request);
    if (method !== 'GET' && method !== 'HEAD') return this.#handleUnsafe(request, next);
    if (load.disable) {
      if (load.onlyFromCache) throw netError('ERR_CACHE_MISS', { url: request.url.href, partition: request.partition });
      return next(request);
    }
    if (request.headers.has('range')) return this.#handleRange(request, next, load);
    if (this.#opened) return this.#lookup(request, next, load);
    return this.#ready().then(() => this.#lookup(request, next, load));
  }

  async #handleUnsafe(request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>): Promise<Response> {
    const method = request.method;
    const response = await next(request);
    // HttpCache::Transaction: a successful unsafe request dooms the URL's entry.
    if ((method === 'POST' || method === 'PUT' || method === 'DELETE' || method === 'PATCH') && response.status >= 200 && response.status < 400) {
      // The answer stands even if the cache cannot be opened.
      if ((await this.#ready().then(() => true, () => false))) this.#doomKey(cacheKey(request));
    }
    return response;
  }

  // A GET or HEAD once the cache is open.
  #lookup(request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>, load: LoadMode): Promise<Response> {
    const key = cacheKey(request);
    const requestTime = this.#now();
    let record: CacheRecord | null = null;
    let decision = 0;
    if (!load.bypass) {
      const hit = this.#index.lookup(key, requestTime, load.mode);
      if (hit !== null) {
        record = this.#records.get(hit.id) ?? null;
        if (record !== null && record.key !== key) record = null;
        decision = hit.decision;
      }
    }
    if (record !== null) return this.#withRecord(request, next, load, key, requestTime, record, decision);
    if (load.onlyFromCache) throw netError('ERR_CACHE_MISS', { url: request.url.href, partition: request.partition });
    if (request.method === 'HEAD') return next(request); // HEAD reads the cache but never writes it.
    return next(request).then((response) => this.#maybeStore(key, request, response, requestTime));
  }

  async #withRecord(request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>, load: LoadMode, key: string, requestTime: number, found: CacheRecord, foundDecision: number): Promise<Response> {
    const method = request.method;
    let record: CacheRecord | null = found;
    let decision = foundDecision;
    let varyMismatch = false;
    if (!varyMatches(record.vary, request.headers)) {
      varyMismatch = true;
      decision = CACHE_DECISION_SYNC;
    }
    if (decision === CACHE_DECISION_FRESH || decision === CACHE_DECISION_ASYNC) {
      const response = await this.#serve(record, method);
      if (response !== null) {
        if (decision === CACHE_DECISION_ASYNC && method === 'GET') this.#refreshInBackground(record, request, next);
        return response;
      }
      record = null;
    }
    if (load.onlyFromCache) throw netError('ERR_CACHE_MISS', { url: request.url.href, partition: request.partition });
    if (method === 'HEAD') return next(request); // HEAD reads the cache but never writes it.
    if (record !== null) {
      const conditional = this.#revalidate(record, request, next, varyMismatch);
      const answer = await conditional;
      if (answer !== null) return answer;
    }
    const response = await next(request);
    return this.#maybeStore(key, request, response, requestTime);
  }

  // A GET with a Range header: served from a fresh complete 200 entry (Chromium's PartialData over a
  // stored response); otherwise it goes to the network and its answer is not stored.
  async #handleRange(request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>, load: LoadMode): Promise<Response> {
    const range = request.method === 'GET' ? parseByteRange(request.headers.get('range')) : null;
    if (range !== null && !load.bypass) {
      await this.#ready();
      const key = cacheKey(request);
      const hit = this.#index.lookup(key, this.#now(), load.mode);
      const record = hit === null ? undefined : this.#records.get(hit.id);
      if (hit !== null && record !== undefined && record.key === key && record.status === 200 && hit.decision === CACHE_DECISION_FRESH && varyMatches(record.vary, request.headers)) {
        const whole = record.body ?? (await this.#store?.get(CACHE_BODY_AREA, record.bodyKey).catch(() => undefined)) ?? null;
        const span = whole !== null && whole.length === record.bodyLength ? resolveByteRange(range, whole.length) : null;
        if (whole !== null && span !== null) {
          const headers = record.headers.filter(([name]) => name !== 'content-length' && name !== 'content-range');
          headers.push(['content-range', `bytes ${span.start}-${span.end}/${whole.length}`], ['content-length', String(span.end - span.start + 1)]);
          return makeResponse(whole.slice(span.start, span.end + 1), 206, 'Partial Content', headers);
        }
      }
    }
    if (load.onlyFromCache) throw netError('ERR_CACHE_MISS', { url: request.url.href, partition: request.partition });
    return next(request);
  }

  // Stale-while-revalidate: one refresh per key at a time; its answer is read to the end so that
  // the entry is replaced or updated, and nothing of it is left open.
  #refreshInBackground(record: CacheRecord, request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>): void {
    if (this.#refreshing.has(record.key)) return;
    this.#refreshing.add(record.key);
    const refresh = async (): Promise<void> => {
      const conditional = await this.#revalidate(record, request, next, false);
      const response = conditional ?? this.#maybeStore(record.key, request, await next(request), this.#now());
      await response.arrayBuffer();
    };
    void refresh().catch(() => undefined).finally(() => this.#refreshing.delete(record.key));
  }

  // Sends the conditional request for `record` (ConditionalizeRequest); a 304 updates the entry and
  // answers with the stored body. Null when the entry has no usable validator. With `varyMismatch`
  // only an ETag may validate (Last-Modified says nothing about another variant).
  async #revalidate(record: CacheRecord, request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>, varyMismatch: boolean): Promise<Response | null> {
    const stored = new Headers(record.headers);
    const etag = stored.get('etag');
    const lastModified = varyMismatch ? null : stored.get('last-modified');
    if (etag === null && lastModified === null) return null;
    const headers = new Headers(request.headers);
    if (etag !== null) headers.set('if-none-match', etag);
    if (lastModified !== null) headers.set('if-modified-since', lastModified);
    const ticket = this.#clearCount;
    const requestTime = this.#now();
    const response = await next({ ...request, headers });
    if (response.status !== 304) return this.#maybeStore(record.key, request, response, requestTime);
    await response.body?.cancel().catch(() => undefined);
    const responseTime = this.#now();
    const id = this.#index.find(record.key);
    const current = id < 0 ? undefined : this.#records.get(id);
    let served: Response | null = null;
    if (current === record && !this.#overtaken(ticket, record.url)) {
      record.headers = mergeNotModified(record.headers, response.headers);
      record.requestTime = requestTime;
      record.responseTime = responseTime;
      if (varyMismatch) record.vary = varyData(new Headers(record.headers), request.headers) ?? record.vary;
      const merged = new Headers(record.headers);
      const lifetimes = freshnessLifetimes(record.status, merged, responseTime);
      const pinned = (this.#index.entry(id)?.flags ?? 0) & CACHE_FLAG_PINNED;
      this.#index.update(id, ageBase(merged, requestTime, responseTime), lifetimes.freshness, lifetimes.staleness, entryFlags(merged) | pinned);
      this.#index.setSize(id, entrySize(record));
      this.#index.touch(id, responseTime);
      void this.#persist(record, responseTime).catch(() => undefined);
      // The 304's Set-Cookie lines go with this answer (HttpResponseHeaders::Update keeps them),
      // for the cookie stage above to store; the entry never keeps them (PERSIST_SANS_COOKIES).
      const cookies = response.headers.getSetCookie();
      served = await this.#serve(record, request.method, cookies.length === 0 ? record.headers : [...record.headers, ...cookies.map((line): [string, string] => ['set-cookie', line])]);
    } else if (current !== undefined && current.key === record.key && varyMatches(current.vary, request.headers)) {
      // Another answer replaced the entry meanwhile: it is the newer one.
      served = await this.#serve(current, request.method);
    }
    if (served !== null) return served;
    // The stored body is gone (replaced, evicted or unreadable meanwhile): fetch it unconditionally.
    return this.#maybeStore(record.key, request, await next(request), this.#now());
  }

  // Answers from the record, or null when its body cannot be read (then the entry is doomed).
  async #serve(record: CacheRecord, method: string, headers: Array<[string, string]> = record.headers): Promise<Response | null> {
    let body = record.body;
    if (body === null && method !== 'HEAD') {
      body = (await this.#store?.get(CACHE_BODY_AREA, record.bodyKey).catch(() => undefined)) ?? null;
      if (body === null || body.length !== record.bodyLength) {
        this.#doomRecord(record);
        return null;
      }
    }
    const nullBody = method === 'HEAD' || NULL_BODY_STATUSES.has(record.status);
    return makeResponse(nullBody ? null : body!.slice(), record.status, record.statusText, headers);
  }

  // Decides whether to write `response` (DoCacheWriteResponse) and, if so, tees its body: the entry
  // is committed when the caller has read the whole body, and never when it was cut off.
  #maybeStore(key: string, request: PipelineRequest, response: Response, requestTime: number): Response {
    const responseTime = this.#now();
    const status = response.status;
    const headers = response.headers;
    const vary = varyData(headers, request.headers);
    // A transport that followed redirects itself hands back another URL's answer: not this key's.
    const storable = !response.redirected && status >= 200 && status !== 206 && status !== 304 && status <= 599 && !hasHeaderValue(headers, 'cache-control', 'no-store') && vary !== null;
    if (!storable) {
      this.#doomKey(key);
      return response;
    }
    const ticket = this.#clearCount;
    const base = {
      key,
      url: urlWithoutFragment(request.url),
      status,
      statusText: response.statusText,
      headers: persistedHeaders(headers),
      vary,
      requestTime,
      responseTime,
    };
    if (response.body === null) {
      void this.#commit(base, new Uint8Array(0), ticket).catch(() => undefined);
      return response;
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let length = 0;
    let keep = true;
    const limit = this.#maxEntrySize;
    // The server sent a newer answer that will not be stored: the older entry must not stand in
    // for it (Chromium dooms the entry it was writing).
    const giveUp = (): void => {
      if (!keep) return;
      keep = false;
      chunks.length = 0;
      this.#doomKey(key);
    };
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (err) {
          giveUp();
          controller.error(err);
          return;
        }
        if (step.done) {
          controller.close();
          if (keep) void this.#commit(base, concatBytes(chunks, length), ticket).catch(() => undefined);
          return;
        }
        const chunk = step.value;
        if (keep) {
          length += chunk.byteLength;
          // A copy: the reader may change or transfer the chunk it is handed.
          if (length > limit) giveUp();
          else chunks.push(chunk.slice());
        }
        controller.enqueue(chunk);
      },
      cancel: (reason) => {
        giveUp();
        return reader.cancel(reason);
      },
    }, { highWaterMark: 0 });
    return makeResponse(body, status, response.statusText, headers);
  }

  async #commit(base: Omit<CacheRecord, 'body' | 'bodyKey' | 'bodyLength' | 'lifetimes' | 'extra'>, body: Uint8Array, ticket: number,
    lifetimes: EntryLifetimes | null = null, extra: string | null = null): Promise<boolean> {
    if (this.#closed || this.#overtaken(ticket, base.url)) return false;
    const store = this.#store;
    const record: CacheRecord = { ...base, body: store ? null : body, bodyKey: store ? this.#nextBodyKey() : '', bodyLength: body.length, lifetimes, extra };
    const size = entrySize(record);
    if (size > this.#maxEntrySize) {
      this.#doomKey(record.key);
      return false;
    }
    const previous = this.#index.find(record.key);
    if (previous >= 0) this.#dropRecord(previous);
    const now = this.#now();
    const fields = indexFields(record);
    const id = this.#index.insert(record.key, size, now, fields.ageBase, fields.freshness, fields.staleWindow, fields.flags | (store ? CACHE_FLAG_PINNED : 0));
    this.#records.set(id, record);
    if (store) {
      try {
        // The body first: a metadata record whose body is missing is dropped at load.
        await store.set(CACHE_BODY_AREA, record.bodyKey, body);
        if (this.#records.get(id) !== record) {
          // Replaced, doomed or cleared while the body was written: its metadata must not follow.
          void store.delete(CACHE_BODY_AREA, record.bodyKey).catch(() => undefined);
          return false;
        }
        await this.#persist(record, now);
      } catch {
        if (this.#records.get(id) === record) this.#doomId(id);
        return false;
      } finally {
        if (this.#records.get(id) === record) this.#index.setFlags(id, fields.flags);
      }
    }
    this.#evict(now);
    return true;
  }

  async #persist(record: CacheRecord, lastUsed: number): Promise<void> {
    const store = this.#store;
    if (!store) return;
    const persisted: PersistedRecord = {
      v: RECORD_VERSION,
      key: record.key,
      url: record.url,
      status: record.status,
      statusText: record.statusText,
      headers: record.headers,
      vary: record.vary,
      requestTime: record.requestTime,
      responseTime: record.responseTime,
      lastUsed,
      bodyKey: record.bodyKey,
      bodyLength: record.bodyLength,
      lifetimes: record.lifetimes,
      extra: record.extra,
    };
    await store.set(CACHE_META_AREA, record.key, encoder.encode(JSON.stringify(persisted)));
    this.#scheduleFlush();
  }

  #evict(now: number): void {
    for (const id of this.#index.evict(now)) this.#dropRecord(id);
  }

  // Dooms `record` only if it is still the entry of its key (not a newer answer stored meanwhile).
  #doomRecord(record: CacheRecord): void {
    const id = this.#index.find(record.key);
    if (id >= 0 && this.#records.get(id) === record) this.#doomId(id);
  }

  #doomKey(key: string): void {
    const id = this.#index.find(key);
    if (id >= 0 && this.#records.get(id)?.key === key) this.#doomId(id);
  }

  #doomId(id: number): void {
    this.#dropRecord(id);
    this.#index.remove(id);
  }

  // Forgets a record the index no longer (or soon no longer) holds, and its stored data.
  #dropRecord(id: number): void {
    const record = this.#records.get(id);
    if (!record) return;
    this.#records.delete(id);
    const store = this.#store;
    if (store) {
      void store.delete(CACHE_META_AREA, record.key).catch(() => undefined);
      void store.delete(CACHE_BODY_AREA, record.bodyKey).catch(() => undefined);
      this.#scheduleFlush();
    }
  }

  #nextBodyKey(): string {
    this.#bodySerial++;
    return `${this.#now().toString(36)}-${this.#bodySerial.toString(36)}-${Math.floor(Math.random() * 2 ** 32).toString(36)}`;
  }

  #scheduleFlush(): void {
    this.#pendingFlush = true;
    if (this.#flushTimer !== null || this.#closed) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = null;
      if (this.#pendingFlush) void this.flush().catch(() => undefined);
    }, FLUSH_DELAY_MS);
    this.#unrefTimer?.(this.#flushTimer);
  }

  /** True when a flush is due (for a host's exit hook). */
  get hasPendingWrites(): boolean {
    return this.#pendingFlush;
  }

  // Opens the store once and loads the index from it (a persistent cache); memory caches have none.
  #ready(): Promise<StorageStore | null> {
    if (this.#loading === null) {
      const open = this.#openStore;
      const loading = open === null ? Promise.resolve(null) : open().then((store) => this.#load(store));
      this.#loading = loading;
      loading.then(() => { if (this.#loading === loading) this.#opened = true; }, () => { this.#loading = null; });
    }
    return this.#loading;
  }

  async #load(store: StorageStore): Promise<StorageStore> {
    const bodies = new Set(await store.keys(CACHE_BODY_AREA));
    const referenced = new Set<string>();
    for (const [key, bytes] of await store.entries(CACHE_META_AREA)) {
      const persisted = parseRecord(bytes);
      if (persisted === null || persisted.key !== key || !bodies.has(persisted.bodyKey)) {
        // Unreadable, or its body never reached the store (a killed process): not an entry.
        await store.delete(CACHE_META_AREA, key);
        continue;
      }
      const record: CacheRecord = {
        key: persisted.key,
        url: persisted.url,
        status: persisted.status,
        statusText: persisted.statusText,
        headers: persisted.headers,
        vary: persisted.vary,
        requestTime: persisted.requestTime,
        responseTime: persisted.responseTime,
        body: null,
        bodyKey: persisted.bodyKey,
        bodyLength: persisted.bodyLength,
        lifetimes: persisted.lifetimes ?? null,
        extra: persisted.extra ?? null,
      };
      let id: number;
      try {
        const fields = indexFields(record);
        id = this.#index.insert(record.key, entrySize(record), persisted.lastUsed, fields.ageBase, fields.freshness, fields.staleWindow, fields.flags);
      } catch {
        // Headers or times the cache cannot use (a record from elsewhere): dropped with its body.
        await store.delete(CACHE_META_AREA, key);
        continue;
      }
      this.#records.set(id, record);
      referenced.add(record.bodyKey);
    }
    for (const key of bodies) if (!referenced.has(key)) await store.delete(CACHE_BODY_AREA, key);
    this.#store = store;
    this.#evict(this.#now());
    return store;
  }
}

function parseRecord(bytes: Uint8Array): PersistedRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Partial<PersistedRecord>;
  if (r.v !== RECORD_VERSION || typeof r.key !== 'string' || typeof r.url !== 'string' || typeof r.status !== 'number' || typeof r.statusText !== 'string') return null;
  if (!Array.isArray(r.headers) || !Array.isArray(r.vary) || typeof r.bodyKey !== 'string' || typeof r.bodyLength !== 'number') return null;
  if (!Number.isFinite(r.requestTime) || !Number.isFinite(r.responseTime) || !Number.isFinite(r.lastUsed)) return null;
  if (!Number.isSafeInteger(r.bodyLength) || r.bodyLength < 0 || !Number.isInteger(r.status) || r.status < 100 || r.status > 999) return null;
  if (r.extra !== undefined && r.extra !== null && typeof r.extra !== 'string') return null;
  if (r.lifetimes !== undefined && r.lifetimes !== null) {
    const l = r.lifetimes;
    if (typeof l !== 'object' || !Number.isFinite(l.ageBase) || !(l.freshness >= 0) || !(l.staleWindow >= 0)) return null;
  }
  if (!r.headers.every((h) => Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string')) return null;
  if (!r.vary.every((h) => Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && (typeof h[1] === 'string' || h[1] === null))) return null;
  return r as PersistedRecord;
}

// What the index keeps of a record: the writer's lifetimes, or Chromium's from the stored headers.
function indexFields(record: CacheRecord): EntryLifetimes & { flags: number } {
  if (record.lifetimes !== null) return { ...record.lifetimes, flags: 0 };
  const headers = new Headers(record.headers);
  const lifetimes = freshnessLifetimes(record.status, headers, record.responseTime);
  return { ageBase: ageBase(headers, record.requestTime, record.responseTime), freshness: lifetimes.freshness, staleWindow: lifetimes.staleness, flags: entryFlags(headers) };
}

// Entry flags for the kernel: `no-cache` (and `Pragma: no-cache`) responses always validate.
function entryFlags(headers: Headers): number {
  return hasHeaderValue(headers, 'cache-control', 'no-cache') || hasHeaderValue(headers, 'pragma', 'no-cache') ? CACHE_FLAG_NO_CACHE : 0;
}

/**
 * The bytes an entry counts for in `getCacheSize()`: its key, status line, headers and body, rounded
 * up to 256 bytes as the simple cache's index counts sizes.
 */
export function entrySize(record: { key: string; statusText: string; headers: ReadonlyArray<readonly [string, string]>; bodyLength: number }): number {
  let bytes = record.key.length + record.statusText.length + 16 + record.bodyLength;
  for (const [name, value] of record.headers) bytes += name.length + value.length + 4;
  return Math.ceil(bytes / 256) * 256;
}

/**
 * Chromium's load flags for a request (HttpCache::Transaction::SetRequest and Blink's fetch cache
 * modes): `no-store` → disable; `reload` → bypass; `no-cache` → validate; `force-cache` → skip
 * validation; `only-if-cached` → only from cache. Request headers: If-Unmodified-Since, If-Match and
 * If-Range disable the cache; `Cache-Control: no-cache` or `Pragma: no-cache` bypass it;
 * `Cache-Control: max-age=0` validates. A `default` request with its own validators is `no-store`
 * (Fetch standard, HTTP-network-or-cache fetch).
 */
function loadMode(request: PipelineRequest): LoadMode {
  const h = request.headers;
  let mode = request.cache ?? 'default';
  if (mode === 'default' && (h.has('if-modified-since') || h.has('if-none-match') || h.has('if-unmodified-since') || h.has('if-match') || h.has('if-range'))) mode = 'no-store';
  const disable = mode === 'no-store' || h.has('if-unmodified-since') || h.has('if-match') || h.has('if-range');
  let bypass = mode === 'reload' || hasHeaderValue(h, 'cache-control', 'no-cache') || hasHeaderValue(h, 'pragma', 'no-cache');
  const onlyFromCache = mode === 'only-if-cached';
  let kernelMode: CacheLookupMode = CACHE_MODE_NORMAL;
  if (mode === 'force-cache' || onlyFromCache) kernelMode = CACHE_MODE_SKIP_VALIDATION;
  else if (mode === 'no-cache' || hasHeaderValue(h, 'cache-control', 'max-age=0')) kernelMode = CACHE_MODE_VALIDATE;
  if (onlyFromCache) bypass = false;
  return { disable, bypass, onlyFromCache, mode: kernelMode };
}

/** The request URL as the cache keys it: without its fragment. */
function urlWithoutFragment(url: URL): string {
  const href = url.href;
  const hash = href.indexOf('#');
  return hash < 0 ? href : href.slice(0, hash);
}

// The schemeful site of a URL or site string ("https://example.co.uk"), as NetworkIsolationKey keeps it.
function schemefulSite(value: string | URL): string {
  let url: URL;
  try {
    url = typeof value === 'string' ? new URL(value) : value;
  } catch {
    return '';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'ws:' && url.protocol !== 'wss:') return url.origin;
  const host = url.hostname;
  return `${url.protocol}//${registrableDomain(host) || host}`;
}

/**
 * HttpCache::GenerateCacheKey: `<credentials>/<upload id>/_dk_<top-level site> <frame site> <url>`.
 * The top-level site is the request's `topLevelSite` (default: the URL's own site); credentials are
 * 1 unless the request omits them (kSplitCacheByIncludeCredentials). Uploads have no identifier here.
 */
export function cacheKey(request: PipelineRequest): string {
  const options = request.cookies;
  const credential = options?.credentials === 'omit' ? '0' : '1';
  const top = options?.topLevelSite !== undefined ? schemefulSite(options.topLevelSite) : schemefulSite(request.url);
  return `${credential}/0/_dk_${top} ${top} ${urlWithoutFragment(request.url)}`;
}
