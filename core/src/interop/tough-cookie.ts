// tough-cookie interop: export a session's jar in tough-cookie's serialized format, import such a
// jar into a session, and a tough-cookie `Store` backed by the session's jar, so `got`,
// `fetch-cookie` and other tough-cookie users can work on a session's cookies.
//
// This module is also the package subpath `session-anywhere/tough-cookie`, bundled on its own. It
// therefore touches the session objects it is given only through their public methods (duck
// typed: `cookies.jar()`, `jar.setCanonicalCookie`, `getCookieList`, `getAllCookies`,
// `deleteWhere`, and `currentTime` when there) and imports from the core only pure functions, so a copy of them in the subpath
// bundle is harmless. Types are imported as types only.

import { Cookie, CookieJar, Store, type Callback, type CreateCookieJarOptions, type ErrorCallback, type Nullable, type SerializedCookieJar } from 'tough-cookie';
import { parse as parseDomain } from 'tldts';
import { type CanonicalCookie, createSanitizedCookie, isDomainMatch, EARLIEST_COOKIE_TIME } from '../cookies/canonical-cookie.ts';
import type { CookieExclusionReason } from '../cookies/inclusion-status.ts';
import { type CookiePriority, type CookieSameSite, parseSameSite } from '../cookies/parse-set-cookie.ts';
import type { CookieStore } from '../cookies/cookie-store.ts';
import type { Cookies } from '../session/cookies.ts';
import { SessionError, describeValue } from '../errors.ts';

export type { SerializedCookieJar } from 'tough-cookie';

/** What the interop functions accept: a session's `ses.cookies`, or a CookieStore. */
export type SessionCookieJarSource = Cookies | CookieStore;

/** Why an entry was not imported: Chromium's exclusion reasons, or `EXPIRED`. */
export type ToughCookieRejectionReason = CookieExclusionReason | 'EXPIRED';

/** One entry {@link importToughCookieJar} did not store. */
export interface ToughCookieRejection {
  readonly key: string;
  readonly domain: string | null;
  readonly reasons: readonly ToughCookieRejectionReason[];
}

/** What {@link importToughCookieJar} did. */
export interface ToughCookieImportReport {
  /** How many entries were stored. */
  readonly imported: number;
  /** The entries refused by Chromium's rules, or already expired, in input order. */
  readonly rejected: readonly ToughCookieRejection[];
}

/** Options of {@link importToughCookieJar}. */
export interface ToughCookieImportOptions {
  /** The current time, ms since the epoch (default `Date.now()`): expiry checks, missing creation times. */
  readonly now?: number;
}

/** Options of {@link exportToughCookieJar}: the CookieJar settings written into the result. */
export type ToughCookieExportOptions = CreateCookieJarOptions;

/** Options of {@link SessionCookieStore}. */
export interface SessionCookieStoreOptions {
  /**
   * When a cookie tough-cookie accepted is refused by Chromium's rules (SameSite=None without
   * Secure, 4096-byte limit, prefixes, control characters...): `false` (default) drops it
   * as Chromium drops a refused Set-Cookie; `true` rejects `putCookie`, so `jar.setCookie` rejects
   * with a `SessionError` of code `ERR_COOKIE_REFUSED` (its `context.reasons` lists the reasons).
   */
  readonly strict?: boolean;
  /** Told about every refused cookie, in both modes. */
  readonly onRefused?: (cookie: Cookie, reasons: readonly ToughCookieRejectionReason[]) => void;
}

// The session side, by its public methods.

function isCookieStoreLike(value: unknown): value is CookieStore {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['setCanonicalCookie'] === 'function' && typeof v['getCookieList'] === 'function' && typeof v['getAllCookies'] === 'function' && typeof v['deleteWhere'] === 'function';
}

function isCookiesLike(value: unknown): value is Cookies {
  return typeof value === 'object' && value !== null && typeof (value as { jar?: unknown }).jar === 'function';
}

function checkSource(value: unknown, caller: string): SessionCookieJarSource {
  if (isCookiesLike(value) || isCookieStoreLike(value)) return value;
  throw new TypeError(`${caller} expects a session's cookies (ses.cookies) or a CookieStore, got ${describeValue(value)}`);
}

async function openJar(source: SessionCookieJarSource): Promise<CookieStore> {
  if (isCookieStoreLike(source)) return source;
  const jar = await (source as Cookies).jar();
  if (!isCookieStoreLike(jar)) throw new TypeError(`cookies.jar() gave ${describeValue(jar)}, not a CookieStore`);
  return jar;
}

// Conversions.

const PRIORITY_EXTENSION = /^\s*priority\s*=\s*(low|medium|high)\s*$/i;

/** The host of a tough-cookie domain in URL form (tough-cookie keeps IPv6 without brackets). */
function urlHost(domain: string): string {
  return domain.includes(':') && !domain.startsWith('[') ? `[${domain}]` : domain;
}

/** A Chromium cookie domain as tough-cookie writes it: no leading dot, IPv6 without brackets. */
function toughDomain(domain: string): string {
  const bare = domain.charCodeAt(0) === 0x2e ? domain.slice(1) : domain;
  return bare.startsWith('[') && bare.endsWith(']') ? bare.slice(1, -1) : bare;
}

function toughSameSite(sameSite: CookieSameSite): string | undefined {
  switch (sameSite) {
    case 'no_restriction':
      return 'none';
    case 'lax':
      return 'lax';
    case 'strict':
      return 'strict';
    default:
      return undefined;
  }
}

function chromiumSameSite(sameSite: unknown): CookieSameSite {
  return typeof sameSite === 'string' ? parseSameSite(sameSite) : 'unspecified';
}

/** Whether `domain` is on the public suffix list (ICANN or private section), as `co.uk` or `github.io`. */
function isPublicSuffix(domain: string): boolean {
  const info = parseDomain(domain.toLowerCase(), { allowPrivateDomains: true, extractHostname: false });
  return info.isIp !== true && (info.isIcann === true || info.isPrivate === true) && !info.domain;
}

/**
 * A stored path as tough-cookie compares it: tough-cookie matches cookie paths against the request
 * path after `decodeURI`, and keeps a `Path=/a b` attribute as `/a b`, where Chromium stores the
 * canonical `/a%20b`. Given back undecoded, such a cookie would never match in tough-cookie.
 */
function toughPath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

/** Whether a stored path is the path tough-cookie names (as it gave it out, or as it was set). */
function samePath(stored: string, path: string): boolean {
  return stored === path || stored === canonicalCookiePath(path);
}

/** A session cookie as a tough-cookie Cookie (what tough-cookie's own jar would hold). */
function toToughCookie(cookie: CanonicalCookie): Cookie {
  const expiry = cookie.expiry;
  return new Cookie({
    key: cookie.name,
    value: cookie.value,
    expires: expiry === null || !Number.isFinite(expiry) ? 'Infinity' : new Date(expiry),
    domain: toughDomain(cookie.domain),
    path: toughPath(cookie.path),
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    // Priority has no field in tough-cookie; an unknown attribute lands in `extensions`.
    extensions: cookie.priority === 'medium' ? null : [`Priority=${cookie.priority === 'high' ? 'High' : 'Low'}`],
    hostOnly: cookie.hostOnly,
    creation: new Date(cookie.creation),
    lastAccessed: new Date(cookie.lastAccess),
    sameSite: toughSameSite(cookie.sameSite),
  });
}

/** The fields of a tough-cookie cookie, as a Cookie or as its `toJSON()` read back. */
interface ToughFields {
  readonly key: string;
  readonly value: string;
  readonly domain: string | null;
  readonly hostOnly: boolean | null;
  readonly path: string | null;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  /** ms, `Infinity` for none. */
  readonly expires: number;
  /** seconds, `±Infinity`, or null. */
  readonly maxAge: number | null;
  readonly creation: number | null;
  readonly lastAccessed: number | null;
  readonly sameSite: string | undefined;
  readonly extensions: readonly string[] | null;
}

function dateMs(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value !== 'Infinity') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function maxAgeOf(value: unknown): number | null {
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return typeof value === 'number' && !Number.isNaN(value) ? value : null;
}

function fieldsOfCookie(cookie: Cookie): ToughFields {
  return {
    key: typeof cookie.key === 'string' ? cookie.key : '',
    value: typeof cookie.value === 'string' ? cookie.value : '',
    domain: typeof cookie.domain === 'string' ? cookie.domain : null,
    hostOnly: typeof cookie.hostOnly === 'boolean' ? cookie.hostOnly : null,
    path: typeof cookie.path === 'string' ? cookie.path : null,
    secure: cookie.secure === true,
    httpOnly: cookie.httpOnly === true,
    expires: cookie.expires === 'Infinity' || cookie.expires === null ? Infinity : (dateMs(cookie.expires) ?? Infinity),
    maxAge: maxAgeOf(cookie.maxAge),
    creation: dateMs(cookie.creation),
    lastAccessed: dateMs(cookie.lastAccessed),
    sameSite: typeof cookie.sameSite === 'string' ? cookie.sameSite : undefined,
    extensions: Array.isArray(cookie.extensions) ? cookie.extensions : null,
  };
}

type Converted =
  | { readonly ok: true; readonly cookie: CanonicalCookie; readonly source: URL; readonly expired: boolean }
  | { readonly ok: false; readonly reasons: readonly ToughCookieRejectionReason[] };

/**
 * A tough-cookie cookie as a Chromium cookie, with `CreateSanitizedCookie`'s checks (characters,
 * 4096-byte limit, domain, path, prefixes, 400-day cap from the creation time).
 * `creationOverride` replaces the cookie's creation time (an overwrite: Chromium's new cookie is
 * created now and inherits the old creation only if the value is unchanged).
 */
function toCanonical(f: ToughFields, now: number, creationOverride?: number): Converted {
  if (f.domain === null || f.domain === '') return { ok: false, reasons: ['EXCLUDE_INVALID_DOMAIN'] };
  const domain = f.domain.charCodeAt(0) === 0x2e ? f.domain.slice(1) : f.domain;
  // A domain cookie for a public suffix came from some host under it, which Chromium refuses
  // (only the suffix's own host may set a host cookie there).
  if (f.hostOnly !== true && isPublicSuffix(domain)) return { ok: false, reasons: ['EXCLUDE_INVALID_DOMAIN'] };
  let source: URL;
  try {
    source = new URL(`https://${urlHost(domain)}/`);
  } catch {
    return { ok: false, reasons: ['EXCLUDE_INVALID_DOMAIN'] };
  }
  const creation = creationOverride ?? f.creation ?? now;
  const lastAccess = creationOverride ?? f.lastAccessed ?? creation;
  // tough-cookie's Cookie.expiryTime(): Max-Age first, counted from lastAccessed; then Expires.
  let expiry: number | null;
  if (f.maxAge !== null) {
    if (f.maxAge === Infinity) expiry = Infinity;
    else if (f.maxAge <= 0) expiry = -Infinity;
    else expiry = (f.lastAccessed ?? f.creation ?? now) + f.maxAge * 1000;
  } else expiry = f.expires === Infinity ? null : f.expires;
  let priority: CookiePriority = 'medium';
  for (const extension of f.extensions ?? []) {
    const m = PRIORITY_EXTENSION.exec(extension);
    if (m) priority = (m[1] as string).toLowerCase() as CookiePriority;
  }
  const created = createSanitizedCookie(
    {
      url: source,
      name: f.key,
      value: f.value,
      domain: f.hostOnly === true ? '' : domain,
      path: f.path !== null && f.path.startsWith('/') ? f.path : '/',
      creation,
      lastAccess: Math.max(lastAccess, creation),
      expiry: expiry === -Infinity ? EARLIEST_COOKIE_TIME : expiry,
      secure: f.secure,
      httpOnly: f.httpOnly,
      sameSite: chromiumSameSite(f.sameSite),
      priority,
    },
    now,
  );
  if (!created.ok) return { ok: false, reasons: created.reasons };
  const expired = expiry === -Infinity || (created.cookie.expiry !== null && created.cookie.expiry <= now);
  return { ok: true, cookie: created.cookie, source, expired };
}

// Export.

/**
 * The session's cookies in tough-cookie's serialized format: exactly what tough-cookie 6's
 * `CookieJar.serialize()` gives for a jar over a {@link SessionCookieStore} (`version`
 * `tough-cookie@<version>`, `storeType`, the jar settings, and `cookies` as `Cookie.toJSON()`
 * objects, oldest first). Partitioned cookies are left out (tough-cookie has no partitions).
 * Feed it to `CookieJar.deserialize` (or `JSON.stringify` it).
 * @example
 * const jar = await CookieJar.deserialize(await exportToughCookieJar(ses.cookies));
 */
export async function exportToughCookieJar(cookies: SessionCookieJarSource, options: ToughCookieExportOptions = {}): Promise<SerializedCookieJar> {
  const source = checkSource(cookies, 'exportToughCookieJar');
  if (typeof options !== 'object' || options === null) throw new TypeError(`exportToughCookieJar expects an options object, got ${describeValue(options)}`);
  return new CookieJar(new SessionCookieStore(source), options).serialize();
}

// Import.

function fail(path: string, expected: string, value: unknown): never {
  throw new TypeError(`importToughCookieJar: ${path} must be ${expected}, got ${describeValue(value)}`);
}

function isDateLike(value: unknown): boolean {
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && (value === 'Infinity' || !Number.isNaN(Date.parse(value)));
}

/** Reads one serialized cookie as `Cookie.fromJSON` would, but refuses wrong types with a TypeError. */
function readSerializedCookie(raw: unknown, at: string): ToughFields {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(at, 'a serialized cookie object', raw);
  const o = raw as Record<string, unknown>;
  const str = (name: string, nullable: boolean): string | null => {
    const v = o[name];
    if (v === undefined) return null;
    if (typeof v === 'string') return v;
    if (nullable && v === null) return null;
    return fail(`${at}.${name}`, nullable ? 'a string or null' : 'a string', v);
  };
  const bool = (name: string, nullable: boolean): boolean | null => {
    const v = o[name];
    if (v === undefined) return null;
    if (typeof v === 'boolean') return v;
    if (nullable && v === null) return null;
    return fail(`${at}.${name}`, nullable ? 'a boolean or null' : 'a boolean', v);
  };
  const date = (name: string): unknown => {
    const v = o[name];
    if (v === undefined || v === null) return null;
    if (!isDateLike(v)) fail(`${at}.${name}`, "an ISO date string, a number of ms, a Date, 'Infinity' or null", v);
    return v;
  };
  const key = str('key', false) ?? '';
  const value = str('value', false) ?? '';
  const domain = str('domain', true);
  const path = str('path', true);
  const secure = bool('secure', false) ?? false;
  const httpOnly = bool('httpOnly', false) ?? false;
  const hostOnly = bool('hostOnly', true);
  bool('pathIsDefault', true);
  const expires = date('expires');
  const creation = date('creation');
  const lastAccessed = date('lastAccessed');
  const rawMaxAge = o['maxAge'];
  if (rawMaxAge !== undefined && rawMaxAge !== null && !(typeof rawMaxAge === 'number' && !Number.isNaN(rawMaxAge)) && rawMaxAge !== 'Infinity' && rawMaxAge !== '-Infinity') {
    fail(`${at}.maxAge`, "a number of seconds, 'Infinity', '-Infinity' or null", rawMaxAge);
  }
  const sameSite = o['sameSite'];
  if (sameSite !== undefined && typeof sameSite !== 'string') fail(`${at}.sameSite`, "'strict', 'lax', 'none' or absent", sameSite);
  const extensions = o['extensions'];
  if (extensions !== undefined && extensions !== null && !(Array.isArray(extensions) && extensions.every((e) => typeof e === 'string'))) {
    fail(`${at}.extensions`, 'an array of strings or null', extensions);
  }
  return {
    key,
    value,
    domain,
    hostOnly,
    path,
    secure,
    httpOnly,
    expires: expires === null || expires === 'Infinity' ? Infinity : (dateMs(expires) ?? Infinity),
    maxAge: maxAgeOf(rawMaxAge),
    creation: dateMs(creation),
    lastAccessed: dateMs(lastAccessed),
    sameSite: sameSite as string | undefined,
    extensions: (extensions as string[] | null | undefined) ?? null,
  };
}

/**
 * Imports a jar in tough-cookie's serialized format (what `jar.serialize()` gives, or its JSON
 * text) into a session's jar. Each cookie becomes a Chromium cookie (`hostOnly` → host cookie,
 * otherwise `.domain`; no `expires` → session cookie; `maxAge` counted from `lastAccessed` as
 * tough-cookie counts it; `sameSite` none/lax/strict, absent → unspecified; `creation` and
 * `lastAccessed` kept; a `Priority=` extension → priority) and is stored through Chromium's rules,
 * as `cookies.set` with a creation date would: public-suffix or malformed entries, SameSite=None
 * without Secure, and anything over Chromium's limits are refused and reported; expiry is capped
 * at creation + 400 days; already expired entries are skipped (`EXPIRED`). A value that is not a
 * serialized jar, or a field of the wrong type, throws a TypeError before anything is stored.
 * @example
 * const report = await importToughCookieJar(ses.cookies, await toughJar.serialize());
 * report.imported; // 12
 * report.rejected; // [{ key: 'x', domain: 'co.uk', reasons: ['EXCLUDE_INVALID_DOMAIN'] }]
 */
export async function importToughCookieJar(
  target: SessionCookieJarSource,
  serialized: SerializedCookieJar | string,
  options: ToughCookieImportOptions = {},
): Promise<ToughCookieImportReport> {
  const source = checkSource(target, 'importToughCookieJar');
  let data: unknown = serialized;
  if (typeof serialized === 'string') {
    try {
      data = JSON.parse(serialized);
    } catch (error) {
      throw new TypeError(`importToughCookieJar expects a tough-cookie serialized jar (an object or its JSON text), got a string that is not JSON: ${describeValue(serialized.length > 80 ? `${serialized.slice(0, 80)}...` : serialized)}`, { cause: error });
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TypeError(`importToughCookieJar expects a tough-cookie serialized jar (the object CookieJar.serialize() gives, or its JSON text), got ${describeValue(data)}`);
  }
  const list = (data as Record<string, unknown>)['cookies'];
  if (!Array.isArray(list)) fail('serialized.cookies', 'an array of serialized cookies', list);
  if (typeof options !== 'object' || options === null) throw new TypeError(`importToughCookieJar expects an options object, got ${describeValue(options)}`);
  if (options.now !== undefined && (typeof options.now !== 'number' || !Number.isFinite(options.now))) fail('options.now', 'a finite number of ms', options.now);
  const entries = list.map((raw, i) => readSerializedCookie(raw, `cookies[${i}]`));

  const jar = await openJar(source);
  const now = options.now ?? Date.now();
  let imported = 0;
  const rejected: ToughCookieRejection[] = [];
  for (const entry of entries) {
    const converted = toCanonical(entry, now);
    let reasons: readonly ToughCookieRejectionReason[];
    if (!converted.ok) reasons = converted.reasons;
    else if (converted.expired) reasons = ['EXPIRED'];
    else reasons = jar.setCanonicalCookie(converted.cookie, converted.source, { httpApi: true, sameSiteContext: 'same-site', now });
    if (reasons.length === 0) imported++;
    else rejected.push({ key: entry.key, domain: entry.domain, reasons });
  }
  return { imported, rejected };
}

// The Store.

function settle<T>(promise: Promise<T>, callback: ((error: Error | null, result?: T) => void) | undefined): Promise<T> | undefined {
  if (typeof callback !== 'function') return promise;
  promise.then(
    (result) => callback(null, result),
    (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
  );
  return undefined;
}

const UNPARTITIONED = (c: CanonicalCookie): boolean => c.partitionKey === null;

function byCreation(cookies: CanonicalCookie[]): CanonicalCookie[] {
  // getAllCookies gives Chromium's order (path length, creation); sort is stable.
  return cookies.filter(UNPARTITIONED).sort((a, b) => a.creation - b.creation);
}

/** Whether URL parsing and cookie path matching leave `path` as it is (no escapes, no dot segments). */
function isPlainPath(path: string): boolean {
  return /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/.test(path) && !/\/\.\.?(?:\/|$)/.test(path);
}

/** `https://host/path` for a tough-cookie domain and path; null when not a valid URL. */
function requestUrl(domain: string, path: string | null): URL | null {
  try {
    const url = new URL(`https://${urlHost(domain)}/`);
    if (path !== null && path !== '') url.pathname = path;
    return url;
  } catch {
    return null;
  }
}

/**
 * A tough-cookie `Store` over a session's cookie jar (asynchronous: `synchronous` is false, so use
 * the jar's promise or callback methods, not the `*Sync` ones).
 * `new CookieJar(new SessionCookieStore(ses.cookies))` reads and writes the session's cookies:
 * what it stores, `ses.cookies.get` sees (and `changed` reports) and `ses.fetch` sends.
 *
 * The session's jar keeps Chromium's semantics under tough-cookie's: a cookie tough-cookie accepts
 * is stored through CookieMonster's rules, so it may still be refused (SameSite=None without
 * Secure, name + value over 4096 bytes, `__Secure-`/`__Host-` checked case-insensitively,
 * control characters), its expiry is capped at 400 days,
 * per-site (180) and global (3300) limits evict cookies, a domain without a registrable domain
 * (`localhost`, intranet and special-use names) holds only host cookies, host-only and domain
 * cookies of the same name and path are two cookies (tough-cookie's key cannot tell them apart:
 * `findCookie` returns the host-only one first, `removeCookie` removes both), and an overwrite
 * keeps the creation time only when the value is unchanged. Partitioned cookies are not visible.
 * tough-cookie still does its own filtering on reads (for SameSite it treats a cookie without the
 * attribute as None, where Chromium would use Lax). A Store is never told the URL a cookie came
 * from, so every cookie is stored as if set from https: the checks that depend on the setting
 * URL's scheme (Leave Secure Cookies Alone, which keeps an http page from replacing a Secure
 * cookie; prefixes over http) cannot apply here. tough-cookie itself refuses a Secure cookie
 * from http; `ses.fetch` and `ses.cookies.set` apply them all.
 * @example
 * const jar = new CookieJar(new SessionCookieStore(ses.cookies));
 * await jar.setCookie('id=1; Path=/', 'https://example.com/');
 * await ses.cookies.get({ url: 'https://example.com/' }); // [{ name: 'id', value: '1', ... }]
 */
export class SessionCookieStore extends Store {
  readonly #source: SessionCookieJarSource;
  readonly #strict: boolean;
  readonly #onRefused: ((cookie: Cookie, reasons: readonly ToughCookieRejectionReason[]) => void) | undefined;
  #jar: Promise<CookieStore> | null = null;
  /** The jar once open: calls then act at once, in the order they are made (as `ses.cookies` calls do). */
  #ready: CookieStore | null = null;

  constructor(cookies: SessionCookieJarSource, options: SessionCookieStoreOptions = {}) {
    super();
    this.#source = checkSource(cookies, 'SessionCookieStore');
    if (typeof options !== 'object' || options === null) throw new TypeError(`SessionCookieStore expects an options object, got ${describeValue(options)}`);
    this.#strict = options.strict === true;
    this.#onRefused = options.onRefused;
    this.synchronous = false;
  }

  #open(): Promise<CookieStore> {
    if (this.#jar === null) {
      const jar = openJar(this.#source);
      this.#jar = jar;
      jar.then(
        (opened) => {
          if (this.#jar === jar) this.#ready = opened;
        },
        () => {
          if (this.#jar === jar) this.#jar = null;
        },
      );
    }
    return this.#jar;
  }

  /**
   * `work` on the jar: at once when it is open (its result or error settled in the promise), else
   * once it opens. A store call made before a `ses.cookies` call thus takes effect before it.
   */
  #withJar<T>(work: (jar: CookieStore) => T): Promise<T> {
    const jar = this.#ready;
    if (jar === null) return this.#open().then(work);
    try {
      return Promise.resolve(work(jar));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #find(domain: Nullable<string>, path: Nullable<string>, key: Nullable<string>): Promise<Cookie | undefined> {
    if (domain == null || path == null || key == null) return Promise.resolve(undefined);
    return this.#withJar((jar) => this.#findIn(jar, domain, path, key));
  }

  #findIn(jar: CookieStore, domain: string, path: string, key: string): Cookie | undefined {
    const url = requestUrl(domain, path);
    let candidates: CanonicalCookie[];
    if (url === null) candidates = [];
    else candidates = jar.getCookieList(url, { includeHttpOnly: true, context: 'same-site', partitions: 'none', updateAccessTime: false });
    let found = pick(candidates, domain, path, key);
    // A path that URL canonicalisation may change (escapes, dot segments) is looked for among them all.
    if (found === undefined && (url === null || !isPlainPath(path))) found = pick(jar.getAllCookies().filter(UNPARTITIONED), domain, path, key);
    return found === undefined ? undefined : toToughCookie(found);
  }

  #findAll(domain: Nullable<string>, path: Nullable<string>): Promise<Cookie[]> {
    if (!domain) return Promise.resolve([]);
    return this.#withJar((jar) => this.#findAllIn(jar, domain, path));
  }

  #findAllIn(jar: CookieStore, domain: string, path: Nullable<string>): Cookie[] {
    let cookies: CanonicalCookie[];
    const url = path ? requestUrl(domain, path) : null;
    if (url !== null) {
      cookies = jar.getCookieList(url, { includeHttpOnly: true, context: 'same-site', partitions: 'none' });
    } else {
      const host = urlHost(domain.toLowerCase());
      cookies = jar.getAllCookies().filter((c) => UNPARTITIONED(c) && isDomainMatch(c.domain, host));
    }
    return cookies.map(toToughCookie);
  }

  #put(cookie: Cookie, overwrite: boolean): Promise<void> {
    if (!(typeof cookie === 'object' && cookie !== null)) return Promise.reject(new TypeError(`SessionCookieStore.putCookie expects a tough-cookie Cookie, got ${describeValue(cookie)}`));
    if (cookie.domain == null || cookie.path == null || cookie.key == null) return Promise.resolve();
    return this.#withJar((jar) => this.#putIn(jar, cookie, overwrite));
  }

  #putIn(jar: CookieStore, cookie: Cookie, overwrite: boolean): void {
    // The store's clock when it has one (strictly increasing creation times), else Date.now().
    const clock = (jar as { currentTime?: () => number }).currentTime;
    const now = typeof clock === 'function' ? clock.call(jar) : Date.now();
    const fields = fieldsOfCookie(cookie);
    // An overwrite (tough-cookie kept the old creation time): Chromium's new cookie is created now
    // and the store keeps the old creation only if the value did not change.
    const converted = toCanonical(fields, now, overwrite ? now : undefined);
    const reasons = converted.ok ? jar.setCanonicalCookie(converted.cookie, converted.source, { httpApi: true, sameSiteContext: 'same-site', now }) : converted.reasons;
    if (reasons.length === 0) return;
    this.#onRefused?.(cookie, reasons);
    if (this.#strict) {
      throw new SessionError('ERR_COOKIE_REFUSED', `The session's cookie jar refused cookie ${JSON.stringify(fields.key)} for ${fields.domain ?? '(no domain)'}: ${reasons.join(', ')}`, {
        context: { key: fields.key, domain: fields.domain, path: fields.path, reasons: [...reasons] },
      });
    }
  }

  #remove(predicate: (c: CanonicalCookie) => boolean): Promise<void> {
    return this.#withJar((jar) => {
      jar.deleteWhere((c) => UNPARTITIONED(c) && predicate(c));
    });
  }

  override findCookie(domain: Nullable<string>, path: Nullable<string>, key: Nullable<string>): Promise<Cookie | undefined>;
  override findCookie(domain: Nullable<string>, path: Nullable<string>, key: Nullable<string>, callback: Callback<Cookie | undefined>): void;
  override findCookie(domain: Nullable<string>, path: Nullable<string>, key: Nullable<string>, callback?: Callback<Cookie | undefined>): unknown {
    return settle(this.#find(domain, path, key), callback as never);
  }

  override findCookies(domain: Nullable<string>, path: Nullable<string>, allowSpecialUseDomain?: boolean): Promise<Cookie[]>;
  override findCookies(domain: Nullable<string>, path: Nullable<string>, allowSpecialUseDomain?: boolean, callback?: Callback<Cookie[]>): void;
  override findCookies(domain: Nullable<string>, path: Nullable<string>, allowSpecialUseDomain?: boolean | Callback<Cookie[]>, callback?: Callback<Cookie[]>): unknown {
    const cb = typeof allowSpecialUseDomain === 'function' ? allowSpecialUseDomain : callback;
    return settle(this.#findAll(domain, path), cb as never);
  }

  override putCookie(cookie: Cookie): Promise<void>;
  override putCookie(cookie: Cookie, callback: ErrorCallback): void;
  override putCookie(cookie: Cookie, callback?: ErrorCallback): unknown {
    return settle(this.#put(cookie, false), callback as never);
  }

  override updateCookie(oldCookie: Cookie, newCookie: Cookie): Promise<void>;
  override updateCookie(oldCookie: Cookie, newCookie: Cookie, callback: ErrorCallback): void;
  override updateCookie(_oldCookie: Cookie, newCookie: Cookie, callback?: ErrorCallback): unknown {
    return settle(this.#put(newCookie, true), callback as never);
  }

  override removeCookie(domain: Nullable<string>, path: Nullable<string>, key: Nullable<string>): Promise<void>;
  override removeCookie(domain: Nullable<string>, path: Nullable<string>, key: Nullable<string>, callback: ErrorCallback): void;
  override removeCookie(domain: Nullable<string>, path: Nullable<string>, key: Nullable<string>, callback?: ErrorCallback): unknown {
    const work = domain == null || path == null || key == null ? Promise.resolve() : this.#remove((c) => c.name === key && samePath(c.path, path) && toughDomain(c.domain) === domain);
    return settle(work, callback as never);
  }

  override removeCookies(domain: string, path: Nullable<string>): Promise<void>;
  override removeCookies(domain: string, path: Nullable<string>, callback: ErrorCallback): void;
  override removeCookies(domain: string, path: Nullable<string>, callback?: ErrorCallback): unknown {
    const work = domain == null ? Promise.resolve() : this.#remove((c) => toughDomain(c.domain) === domain && (!path || samePath(c.path, path)));
    return settle(work, callback as never);
  }

  override removeAllCookies(): Promise<void>;
  override removeAllCookies(callback: ErrorCallback): void;
  override removeAllCookies(callback?: ErrorCallback): unknown {
    return settle(this.#remove(() => true), callback as never);
  }

  override getAllCookies(): Promise<Cookie[]>;
  override getAllCookies(callback: Callback<Cookie[]>): void;
  override getAllCookies(callback?: Callback<Cookie[]>): unknown {
    const work = this.#withJar((jar) => byCreation(jar.getAllCookies()).map(toToughCookie));
    return settle(work, callback as never);
  }
}

/** The cookie called `key` at exactly `path` for tough-cookie's `domain`: the host-only one first. */
function pick(cookies: readonly CanonicalCookie[], domain: string, path: string, key: string): CanonicalCookie | undefined {
  let domainCookie: CanonicalCookie | undefined;
  for (const c of cookies) {
    if (c.name !== key || c.partitionKey !== null || toughDomain(c.domain) !== domain) continue;
    if (!samePath(c.path, path)) continue;
    if (c.hostOnly) return c;
    domainCookie ??= c;
  }
  return domainCookie;
}

/** The path CreateSanitizedCookie stores for a tough-cookie path (url::CanonicalizePath). */
function canonicalCookiePath(path: string): string {
  try {
    return new URL(path.replace(/%(?![0-9a-fA-F]{2})/g, '%25').replace(/\?/g, '%3F').replace(/#/g, '%23'), 'http://h').pathname;
  } catch {
    return path;
  }
}
