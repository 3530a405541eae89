// `session-anywhere/undici-cache-store`: a session's HTTP cache as undici's `CacheStore`, for Node
// programs that compose undici interceptors (`interceptors.cache({ store })`). The entries live
// in the session's cache: its storage (files for persistent sessions), its size budget and
// eviction, `getCacheSize()` and `clearCache()`. undici decides freshness; the store keeps its
// `staleAt` / `deleteAt` as the entry's lifetimes in the wasm index.
import { Writable } from 'node:stream';
import { Buffer } from 'node:buffer';
import type { HttpCache, StoredEntry } from '../cache/http-cache.ts';

/** undici's `CacheKey` (types/cache-interceptor.d.ts). */
export interface UndiciCacheKey {
  origin: string;
  method: string;
  path: string;
  headers?: Record<string, string | string[]>;
}

/** undici's `CacheValue`. */
export interface UndiciCacheValue {
  statusCode: number;
  statusMessage: string;
  headers: Record<string, string | string[]>;
  vary?: Record<string, string | string[] | null>;
  etag?: string;
  cacheControlDirectives?: Record<string, unknown>;
  cachedAt: number;
  staleAt: number;
  deleteAt: number;
}

/** undici's `GetResult`: the value and its body. */
export type UndiciGetResult = UndiciCacheValue & { body: Buffer; cacheControlDirectives: Record<string, unknown> };

/** What the store needs of a session: its HTTP cache (`Session` has it). */
export interface SessionWithCache {
  readonly httpCache: HttpCache | null;
}

// The methods undici's cache interceptor may store (CacheMethods); `delete` removes them all.
const CACHE_METHODS = ['GET', 'HEAD', 'OPTIONS', 'TRACE'] as const;

// The fields of a CacheValue that the entry's own record does not hold.
interface Extra {
  method: string;
  vary: Record<string, string | string[] | null> | null;
  etag: string | null;
  cacheControlDirectives: Record<string, unknown>;
  cachedAt: number;
  staleAt: number;
  deleteAt: number;
}

function checkKey(key: unknown): asserts key is UndiciCacheKey {
  if (typeof key !== 'object' || key === null) throw new TypeError(`SessionCacheStore: expected a cache key object, got ${key === null ? 'null' : typeof key}`);
  const k = key as Partial<UndiciCacheKey>;
  for (const field of ['origin', 'method', 'path'] as const) {
    if (typeof k[field] !== 'string') throw new TypeError(`SessionCacheStore: cache key ${field} must be a string, got ${typeof k[field]}`);
  }
}

function checkValue(value: unknown): asserts value is UndiciCacheValue {
  if (typeof value !== 'object' || value === null) throw new TypeError(`SessionCacheStore: expected a cache value object, got ${value === null ? 'null' : typeof value}`);
  const v = value as Partial<UndiciCacheValue>;
  if (!Number.isInteger(v.statusCode)) throw new TypeError(`SessionCacheStore: statusCode must be an integer, got ${String(v.statusCode)}`);
  if (typeof v.statusMessage !== 'string') throw new TypeError(`SessionCacheStore: statusMessage must be a string, got ${typeof v.statusMessage}`);
  if (typeof v.headers !== 'object' || v.headers === null) throw new TypeError('SessionCacheStore: headers must be an object');
  for (const field of ['cachedAt', 'staleAt', 'deleteAt'] as const) {
    if (typeof v[field] !== 'number' || !Number.isFinite(v[field])) throw new TypeError(`SessionCacheStore: ${field} must be a finite number (ms), got ${String(v[field])}`);
  }
}

// One entry per method and URL, as Chromium keeps one per key; the prefix keeps these keys apart
// from ses.fetch's (which start with `0/` or `1/`).
function entryKey(method: string, origin: string, path: string): string {
  return `undici ${method} ${origin}${path}`;
}

function sameHeaderValue(a: string | string[] | null | undefined, b: string | string[] | null | undefined): boolean {
  if (a == null || b == null) return a == null && b == null;
  if (typeof a === 'string' || typeof b === 'string') return typeof a === 'string' && typeof b === 'string' && a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * undici's `CacheStore` over a session's HTTP cache. One variant per method and URL: a response
 * with other `Vary` values replaces the stored one (as Chromium keeps one entry per key), and
 * `get` never returns an entry past its `deleteAt` or whose `vary` values differ from the key's
 * headers.
 * @example
 * import { Agent, interceptors, fetch } from 'undici';
 * import { session } from 'session-anywhere';
 * import { SessionCacheStore } from 'session-anywhere/undici-cache-store';
 * const agent = new Agent().compose(interceptors.cache({ store: new SessionCacheStore(session.fromPartition('persist:app')), type: 'private' }));
 * await fetch('https://example.com/', { dispatcher: agent });
 */
export class SessionCacheStore {
  readonly #cache: HttpCache;
  readonly #now: () => number;

  constructor(session: SessionWithCache, options: { now?: () => number } = {}) {
    const cache = typeof session === 'object' && session !== null ? session.httpCache : undefined;
    if (cache === undefined) throw new TypeError('SessionCacheStore expects a session (from session.fromPartition / fromPath / defaultSession)');
    if (cache === null) throw new TypeError('SessionCacheStore: this session has no HTTP cache (it was made with { cache: false })');
    this.#cache = cache;
    this.#now = options.now ?? Date.now;
  }

  async get(key: UndiciCacheKey): Promise<UndiciGetResult | undefined> {
    checkKey(key);
    const found = await this.#cache.readEntry(entryKey(key.method, key.origin, key.path));
    if (found === null || found.entry.extra === null) return undefined;
    let extra: Extra;
    try {
      extra = JSON.parse(found.entry.extra) as Extra;
    } catch {
      return undefined;
    }
    if (extra.method !== key.method || !(extra.deleteAt > this.#now())) return undefined;
    if (extra.vary !== null) {
      for (const [name, value] of Object.entries(extra.vary)) if (!sameHeaderValue(key.headers?.[name], value)) return undefined;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of found.entry.headers) {
      const previous = headers[name];
      headers[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
    }
    return {
      statusCode: found.entry.status,
      statusMessage: found.entry.statusText,
      headers,
      ...(extra.vary !== null ? { vary: extra.vary } : {}),
      ...(extra.etag !== null ? { etag: extra.etag } : {}),
      cacheControlDirectives: extra.cacheControlDirectives,
      cachedAt: extra.cachedAt,
      staleAt: extra.staleAt,
      deleteAt: extra.deleteAt,
      body: Buffer.from(found.body.buffer, found.body.byteOffset, found.body.byteLength),
    };
  }

  createWriteStream(key: UndiciCacheKey, value: UndiciCacheValue): Writable {
    checkKey(key);
    checkValue(value);
    const cache = this.#cache;
    // A clearCache() that runs while the body streams in means the entry is not kept.
    const startedAt = cache.generation;
    const chunks: Buffer[] = [];
    let size = 0;
    const headers: Array<[string, string]> = [];
    for (const [name, v] of Object.entries(value.headers)) {
      for (const item of Array.isArray(v) ? v : [v]) headers.push([name.toLowerCase(), String(item)]);
    }
    const extra: Extra = {
      method: key.method,
      vary: value.vary ?? null,
      etag: value.etag ?? null,
      cacheControlDirectives: value.cacheControlDirectives ?? {},
      cachedAt: value.cachedAt,
      staleAt: value.staleAt,
      deleteAt: value.deleteAt,
    };
    const entry: StoredEntry = {
      url: `${key.origin}${key.path}`,
      status: value.statusCode,
      statusText: value.statusMessage,
      headers,
      vary: [],
      requestTime: value.cachedAt,
      responseTime: value.cachedAt,
      // The index serves freshness decisions in undici's terms: fresh until staleAt, then usable
      // (revalidating) until deleteAt.
      lifetimes: {
        ageBase: value.cachedAt,
        freshness: Math.max(0, value.staleAt - value.cachedAt),
        staleWindow: Math.max(0, value.deleteAt - Math.max(value.staleAt, value.cachedAt)),
      },
      extra: JSON.stringify(extra),
    };
    const limit = cache.maxEntrySize;
    return new Writable({
      write(chunk: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
        size += bytes.byteLength;
        // Larger than the cache keeps: stop here, as undici's own stores do (the response goes on).
        if (size > limit) {
          chunks.length = 0;
          this.destroy();
          return callback();
        }
        chunks.push(bytes);
        callback();
      },
      final(callback: (error?: Error | null) => void) {
        cache.writeEntry(entryKey(key.method, key.origin, key.path), entry, Buffer.concat(chunks, size), startedAt).then(() => callback(), (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
      },
    });
  }

  async delete(key: UndiciCacheKey): Promise<void> {
    checkKey(key);
    // undici's contract: every stored method and variant of origin + path goes.
    for (const method of CACHE_METHODS) await this.#cache.deleteEntry(entryKey(method, key.origin, key.path));
  }
}
