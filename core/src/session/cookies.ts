// Electron's `ses.cookies` (shell/browser/api/electron_api_cookies.cc) over the session's
// CookieStore, and the request stage that sends and stores cookies for `ses.fetch`.

import { argumentConversionError, insufficientArguments } from '../errors.ts';
import { EventEmitter } from '../events.ts';
import type { StorageStore } from '../storage/port.ts';
import type { BeforeExitPort } from '../host.ts';
import type { PipelineRequest, RequestCookieOptions, Stage } from '../fetch/transport.ts';
import {
  type CanonicalCookie,
  type CookiePartitionKey,
  createCanonicalCookie,
  createSanitizedCookie,
  cookiePartitionKeyFromUrl,
  isDomainMatch,
  registrableDomain,
} from '../cookies/canonical-cookie.ts';
import { CookieStore, type CookieChange, type CookieChangeCause, type CookieListOptions } from '../cookies/cookie-store.ts';
import { CookiePersistence, type UnreadableCookieRecord } from '../cookies/cookie-persistence.ts';
import type { SameSiteContext } from '../cookies/cookie-index.ts';
import { CookieExclusionReason, cookieSetErrorMessage } from '../cookies/inclusion-status.ts';
import type { CookieSameSite } from '../cookies/parse-set-cookie.ts';

/** Electron's Cookie structure. `expirationDate` (seconds) only for persistent cookies. */
export interface Cookie {
  name: string;
  value: string;
  domain?: string;
  hostOnly?: boolean;
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  session?: boolean;
  expirationDate?: number;
  sameSite: CookieSameSite;
}

/** `cookies.get` filter. */
export interface CookiesGetFilter {
  url?: string;
  name?: string;
  domain?: string;
  path?: string;
  secure?: boolean;
  session?: boolean;
  httpOnly?: boolean;
}

/** `cookies.set` details. Times are seconds since the epoch. */
export interface CookiesSetDetails {
  url: string;
  name?: string;
  value?: string;
  domain?: string;
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  expirationDate?: number;
  sameSite?: CookieSameSite;
}

/** The Electron `changed` event object. */
export interface CookieChangedEvent {
  readonly sender: Cookies;
  preventDefault(): void;
  readonly defaultPrevented: boolean;
}

/** What the session gives its Cookies object. */
export interface CookiesInit {
  /** Opens the partition's store, or null for an in-memory partition (nothing is persisted). */
  readonly openStore: (() => Promise<StorageStore>) | null;
  /** The clock, ms since the epoch. */
  readonly now?: () => number;
  /** Records that could not be read back at load are reported here (default: ignored). */
  readonly onUnreadable?: (records: readonly UnreadableCookieRecord[]) => void;
  /** Background commit failures. */
  readonly onCommitError?: (error: unknown) => void;
  /** The host's exit hook: pending changes are committed before a normal exit. */
  readonly beforeExit?: BeforeExitPort;
  /** The host's timer unref (see HostPorts). */
  readonly unrefTimer?: (timer: ReturnType<typeof setTimeout>) => void;
}

const SAME_SITE_VALUES: ReadonlySet<string> = new Set(['unspecified', 'no_restriction', 'lax', 'strict']);
const constructionToken = Symbol('session-anywhere.Cookies');

// Electron's Cookie objects are plain objects. Most are built by two constructors whose `prototype`
// is Object.prototype, not by object literals: V8 keeps allocation-site feedback for literals, and
// once one large result (`get({})` on a 20,000-cookie jar, a burst of `changed` events) has most of
// its objects still alive at a young-generation collection, V8 may allocate every later object of
// that literal in the old generation for the rest of the process; each read then costs about 4x
// (seen in 2 of 8 processes). `new` has no allocation site. The objects are the same: own
// enumerable data properties in Electron's order, prototype Object.prototype, `constructor` Object.
// The read of one URL (at most a site's 180 cookies, read again and again) keeps its own literals,
// about 5-10% cheaper than the constructors: only such reads use them, so nothing that keeps many
// objects alive teaches V8 to move them.

interface CookieFactory {
  new (cookie: CanonicalCookie): Cookie;
}

/** The fields every Cookie object starts with, in Electron's order. */
function setLeadingFields(target: Cookie, cookie: CanonicalCookie): void {
  target.name = cookie.name;
  target.value = cookie.value;
  target.domain = cookie.domain;
  target.hostOnly = cookie.hostOnly;
  target.path = cookie.path;
  target.secure = cookie.secure;
  target.httpOnly = cookie.httpOnly;
}

/** A session cookie: no `expirationDate`. */
const SessionCookie = function (this: Cookie, cookie: CanonicalCookie) {
  setLeadingFields(this, cookie);
  this.session = true;
  this.sameSite = cookie.sameSite;
} as unknown as CookieFactory;

/** A persistent cookie: `expirationDate` in seconds, before `sameSite` as Electron sets it. */
const PersistentCookie = function (this: Cookie, cookie: CanonicalCookie) {
  setLeadingFields(this, cookie);
  this.session = false;
  this.expirationDate = (cookie.expiry as number) / 1000;
  this.sameSite = cookie.sameSite;
} as unknown as CookieFactory;

SessionCookie.prototype = Object.prototype;
PersistentCookie.prototype = Object.prototype;

/** Electron's Converter<net::CanonicalCookie>: the fields, in Electron's key order. */
export function toElectronCookie(cookie: CanonicalCookie): Cookie {
  return cookie.expiry === null ? new SessionCookie(cookie) : new PersistentCookie(cookie);
}

/** {@link toElectronCookie} for the read of one URL only (see above): the same objects, from literals. */
function toElectronCookieOfUrlRead(cookie: CanonicalCookie): Cookie {
  if (cookie.expiry === null) {
    return {
      name: cookie.name,
      value: cookie.value,
      domain: cookie.domain,
      hostOnly: cookie.hostOnly,
      path: cookie.path,
      secure: cookie.secure,
      httpOnly: cookie.httpOnly,
      session: true,
      sameSite: cookie.sameSite,
    };
  }
  return {
    name: cookie.name,
    value: cookie.value,
    domain: cookie.domain,
    hostOnly: cookie.hostOnly,
    path: cookie.path,
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    session: false,
    expirationDate: cookie.expiry / 1000,
    sameSite: cookie.sameSite,
  };
}

const isOwnEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * `details[key]` as Electron sees it: its `set` details and `get` filter come through V8's value
 * converter into a base::Value::Dict, which copies own enumerable properties only (an inherited
 * one is absent).
 */
function ownValue(details: object, key: string): unknown {
  return isOwnEnumerable.call(details, key) ? (details as Record<string, unknown>)[key] : undefined;
}

function stringField(details: object, key: string): string | undefined {
  const value = ownValue(details, key);
  return typeof value === 'string' ? value : undefined;
}

function boolField(details: object, key: string): boolean | undefined {
  const value = ownValue(details, key);
  return typeof value === 'boolean' ? value : undefined;
}

function timeField(details: object, key: string): number | null {
  const value = ownValue(details, key);
  return typeof value === 'number' && Number.isFinite(value) ? value * 1000 : null;
}

/**
 * The URL `text` parses to, or `null`. Parsed URLs are kept (a few hundred, by text): callers
 * ask for the same URLs again and again, and parsing costs more than the read it serves. They are
 * only ever read here, never handed out or changed.
 */
function urlOrNull(text: string): URL | null {
  let url = parsedUrls.get(text);
  if (url === undefined) {
    try {
      url = new URL(text);
    } catch {
      url = null;
    }
    if (parsedUrls.size >= PARSED_URL_CACHE_SIZE) parsedUrls.clear();
    parsedUrls.set(text, url);
  }
  return url;
}

/**
 * The read of `cookies.get({ url })`: every unpartitioned cookie that would be sent, SameSite and
 * HttpOnly aside. Electron asks with `CookiePartitionKeyCollection::Todo()`, an empty collection,
 * so no partitioned (CHIPS) cookie is returned; `get({})` (GetAllCookies) has them all.
 */
const GET_URL_OPTIONS: CookieListOptions = Object.freeze({ context: 'same-site', includeHttpOnly: true, partitions: 'none', updateAccessTime: false });

const PARSED_URL_CACHE_SIZE = 256;
const parsedUrls = new Map<string, URL | null>();

/**
 * A session's cookies: Electron's `Cookies` class. Reads and writes go to the session's cookie
 * store (Chromium's CookieMonster rules, matched in the wasm core); persistent partitions keep
 * their persistent cookies in the partition store.
 */
export class Cookies extends EventEmitter {
  readonly #init: CookiesInit;
  readonly #now: () => number;
  #jar: Promise<CookieStore> | null = null;
  /**
   * The jar once loaded. Reads and writes then go to it at once, in the order they are called
   * (before it loads they wait for it, in the same order), as Electron queues them on one thread.
   */
  #ready: CookieStore | null = null;
  #persistence: CookiePersistence | null = null;
  #unregisterExit: (() => void) | null = null;

  /** @internal Cookies objects come from `ses.cookies`. */
  constructor(token: unknown, init?: CookiesInit) {
    super();
    if (token !== constructionToken || !init) throw new TypeError('Illegal constructor');
    this.#init = init;
    this.#now = init.now ?? Date.now;
  }

  /** @internal */
  static create(init: CookiesInit): Cookies {
    return new Cookies(constructionToken, init);
  }

  /**
   * Cookies matching `filter`. With `url`, only those that would be sent to it (SameSite and
   * HttpOnly ignored, no partitioned cookie, as in Electron); without, every cookie. Then filtered by
   * `name`, `path` (exact), `domain` (Chromium's IsDomainMatch: the cookie's domain or a subdomain
   * of a domain cookie), `secure`, `session`, `httpOnly`. A missing or non-object filter throws
   * gin's TypeError at once, as Electron's native method does.
   */
  get(filter: CookiesGetFilter): Promise<Cookie[]> {
    if (arguments.length === 0) throw insufficientArguments();
    if ((typeof filter !== 'object' && typeof filter !== 'function') || filter === null) throw argumentConversionError(0, filter);
    const jar = this.#ready;
    if (jar === null) return this.#load().then((loaded) => this.#read(loaded, filter));
    // Loaded: read now (as an async function would, up to its first await), answer settled.
    try {
      return Promise.resolve(this.#read(jar, filter));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #read(jar: CookieStore, filter: CookiesGetFilter): Cookie[] {
    // Named reads (one inline cache each), not a keyed read per field name. Electron reads `url`
    // through gin (inherited properties too) and the other fields from the converted dictionary
    // (own enumerable ones only, see ownValue): a field is checked for that only when present.
    const f = filter as { url?: unknown; name?: unknown; domain?: unknown; path?: unknown; secure?: unknown; session?: unknown; httpOnly?: unknown };
    const url = typeof f.url === 'string' ? f.url : undefined;
    const name = typeof f.name === 'string' && isOwnEnumerable.call(f, 'name') ? f.name : undefined;
    const domain = typeof f.domain === 'string' && isOwnEnumerable.call(f, 'domain') ? f.domain : undefined;
    const path = typeof f.path === 'string' && isOwnEnumerable.call(f, 'path') ? f.path : undefined;
    const secure = typeof f.secure === 'boolean' && isOwnEnumerable.call(f, 'secure') ? f.secure : undefined;
    const session = typeof f.session === 'boolean' && isOwnEnumerable.call(f, 'session') ? f.session : undefined;
    const httpOnly = typeof f.httpOnly === 'boolean' && isOwnEnumerable.call(f, 'httpOnly') ? f.httpOnly : undefined;
    const unfiltered = name === undefined && domain === undefined && path === undefined && secure === undefined && session === undefined && httpOnly === undefined;
    let cookies: CanonicalCookie[];
    if (url === undefined || url === '') cookies = jar.getAllCookies(this.#now());
    else {
      const parsed = urlOrNull(url);
      if (parsed === null) return [];
      // The jar's clock is this.#now (see #open). Unfiltered: converted as the store reads them.
      if (unfiltered) return jar.getCookieListMapped(parsed, GET_URL_OPTIONS, toElectronCookieOfUrlRead);
      cookies = jar.getCookieList(parsed, GET_URL_OPTIONS);
    }
    if (unfiltered) {
      // No filter: every cookie, converted in place (the list is this call's own array).
      const out = cookies as unknown as Cookie[];
      for (let i = 0; i < cookies.length; i++) out[i] = toElectronCookie(cookies[i] as CanonicalCookie);
      return out;
    }
    const out: Cookie[] = [];
    for (const c of cookies) {
      if (name !== undefined && c.name !== name) continue;
      if (path !== undefined && c.path !== path) continue;
      if (domain !== undefined && !isDomainMatch(c.domain, domain)) continue;
      if (secure !== undefined && c.secure !== secure) continue;
      if (session !== undefined && (c.expiry === null) !== session) continue;
      if (httpOnly !== undefined && c.httpOnly !== httpOnly) continue;
      out.push(toElectronCookie(c));
    }
    return out;
  }

  /**
   * Sets a cookie with Electron's defaults (`sameSite` `lax`; `secure` true for `no_restriction`)
   * and rejections (`Failed to set cookie - ...`). May overwrite an equivalent cookie. Details
   * that are not an object throw gin's TypeError at once, as Electron's native method does.
   */
  set(details: CookiesSetDetails): Promise<void> {
    if (arguments.length === 0) throw insufficientArguments();
    if (typeof details !== 'object' || details === null || Array.isArray(details)) throw argumentConversionError(0, details);
    return this.#set(details);
  }

  async #set(details: CookiesSetDetails): Promise<void> {
    const url = stringField(details, 'url');
    if (url === undefined) throw new Error("Missing required option 'url'");
    // Electron reads it with FindString: a value that is not a string counts as absent (lax).
    const rawSameSite = stringField(details, 'sameSite');
    let sameSite: CookieSameSite = 'lax';
    if (rawSameSite !== undefined) {
      if (!SAME_SITE_VALUES.has(rawSameSite)) throw new Error(`Failed to convert '${rawSameSite}' to an appropriate cookie same site value`);
      sameSite = rawSameSite as CookieSameSite;
    }
    const secure = boolField(details, 'secure') ?? sameSite === 'no_restriction';
    const httpOnly = boolField(details, 'httpOnly') ?? false;
    // An invalid URL is refused before anything else is looked at, with this one reason.
    const source = urlOrNull(url);
    if (source === null) throw new Error(cookieSetErrorMessage([CookieExclusionReason.EXCLUDE_INVALID_DOMAIN]));
    const jar = this.#ready ?? (await this.#load());
    const now = jar.currentTime();
    const created = createSanitizedCookie(
      {
        url,
        name: stringField(details, 'name') ?? '',
        value: stringField(details, 'value') ?? '',
        domain: stringField(details, 'domain') ?? '',
        path: stringField(details, 'path') ?? '',
        creation: timeField(details, 'creationDate'),
        expiry: timeField(details, 'expirationDate'),
        lastAccess: timeField(details, 'lastAccessDate'),
        secure,
        httpOnly,
        sameSite,
      },
      now,
    );
    if (!created.ok) throw new Error(cookieSetErrorMessage(created.reasons, created.warnings));
    const reasons = jar.setCanonicalCookie(created.cookie, source, { httpApi: httpOnly, sameSiteContext: 'same-site', now });
    if (reasons.length > 0) throw new Error(cookieSetErrorMessage(reasons));
  }

  /** Removes the cookies named `name` that would be sent to `url`, in every partition (Chromium reads a deletion filter without a partition collection as all of them). Always resolves. */
  remove(url: string, name: string): Promise<void> {
    if (arguments.length < 2) throw insufficientArguments();
    if (typeof url !== 'string') throw argumentConversionError(0, url);
    if (typeof name !== 'string') throw argumentConversionError(1, name);
    return this.#remove(url, name);
  }

  async #remove(url: string, name: string): Promise<void> {
    const jar = this.#ready ?? (await this.#load());
    const parsed = urlOrNull(url);
    if (parsed === null) return;
    // Chromium's DeleteMatchingCookies tests every cookie, expired or not, and collects none as
    // expired on the way: read at time 0, so that nothing counts as expired and nothing is swept.
    const victims = jar.getCookieList(parsed, { includeHttpOnly: true, partitions: 'all', updateAccessTime: false, now: 0 });
    for (const cookie of victims) if (cookie.name === name) jar.deleteCookie(cookie);
  }

  /** Writes every pending change to the partition's storage; resolves once it is durable. */
  async flushStore(): Promise<void> {
    if (this.#ready === null) await this.#load();
    await this.#persistence?.flush();
  }

  /** @internal The session's jar, loaded from storage on first use. */
  jar(): Promise<CookieStore> {
    return this.#load();
  }

  /** @internal Deletes the cookies `predicate` picks (`clearStorageData`, `clearData`). */
  async deleteWhere(predicate: (cookie: CanonicalCookie) => boolean): Promise<number> {
    const jar = this.#ready ?? (await this.#load());
    return jar.deleteWhere(predicate);
  }

  /** @internal Stops the commit timer after a final flush (session teardown). */
  async close(): Promise<void> {
    if (this.#jar === null) return;
    await this.flushStore();
    this.#persistence?.close();
    this.#unregisterExit?.();
    this.#unregisterExit = null;
  }

  #emitChange(change: CookieChange): void {
    if (this.listenerCount('changed') === 0) return;
    let defaultPrevented = false;
    const event: CookieChangedEvent = {
      sender: this,
      preventDefault: (): void => { defaultPrevented = true; },
      get defaultPrevented(): boolean { return defaultPrevented; },
    };
    this.emit('changed', event, toElectronCookie(change.cookie), change.cause satisfies CookieChangeCause, change.removed);
  }

  #load(): Promise<CookieStore> {
    if (this.#jar === null) {
      const jar = this.#open();
      this.#jar = jar;
      // First in line: every call waiting for the load runs after this, in its turn.
      jar.then((loaded) => { if (this.#jar === jar) this.#ready = loaded; }, () => { if (this.#jar === jar) this.#jar = null; });
    }
    return this.#jar;
  }

  async #open(): Promise<CookieStore> {
    const openStore = this.#init.openStore;
    let persistence: CookiePersistence | null = null;
    let loaded: CanonicalCookie[] = [];
    if (openStore !== null) {
      const store = await openStore();
      const { onCommitError, unrefTimer } = this.#init;
      persistence = new CookiePersistence(store, { ...(onCommitError ? { onError: onCommitError } : {}), ...(unrefTimer ? { unrefTimer } : {}) });
      const { cookies, unreadable } = await persistence.load();
      if (unreadable.length > 0) this.#init.onUnreadable?.(unreadable);
      loaded = cookies;
      const committer = persistence;
      this.#unregisterExit = this.#init.beforeExit?.(() => committer.commitIfPending()) ?? null;
    }
    const jar = new CookieStore({
      onChange: (change) => this.#emitChange(change),
      wantsChanges: () => this.listenerCount('changed') > 0,
      ...(persistence ? { sink: persistence } : {}),
      now: this.#now,
    });
    for (const cookie of loaded) jar.load(cookie);
    this.#persistence = persistence;
    return jar;
  }
}

/** The schemeful site of a URL (`https://example.com`); `null` for an unparsable one. */
function schemefulSite(url: string | URL): string | null {
  const parsed = typeof url === 'string' ? urlOrNull(url) : url;
  if (parsed === null) return null;
  return `${parsed.protocol}//${registrableDomain(parsed.hostname) || parsed.hostname}`;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * The top-level site of a request: the caller's `topLevelSite`, else the first URL of its redirect
 * chain (undefined when that is the request's own URL: same-site, nothing to compare).
 */
function topLevelOf(url: URL, options: RequestCookieOptions): string | undefined {
  if (options.topLevelSite !== undefined) return options.topLevelSite;
  const first = options.siteForCookies;
  return first === url.href ? undefined : first;
}

/**
 * The same-site context of a request (cookie_util::ComputeSameSiteContextForRequest, without the
 * redirect-chain downgrade): cross-site under a cross-site top level (a main-frame navigation's
 * top level is the URL itself); same-site when the initiator is same-site too (or absent); a
 * cross-site initiator gives `lax` (`lax-unsafe` for an unsafe method) only to a main-frame
 * navigation, and `cross-site` to anything else (ComputeSameSiteContext: SAME_SITE_LAX only
 * `if (!is_http || is_main_frame_navigation)`).
 */
export function requestSameSiteContext(url: URL, method: string, options: RequestCookieOptions): SameSiteContext {
  const mainFrame = options.isMainFrameNavigation === true;
  const top = mainFrame ? undefined : topLevelOf(url, options);
  // The URL's site is only needed to compare with an initiator or a top-level site.
  if (options.initiator === undefined && top === undefined) return 'same-site';
  const site = schemefulSite(url);
  if (top !== undefined && schemefulSite(top) !== site) return 'cross-site';
  if (options.initiator === undefined || schemefulSite(options.initiator) === site) return 'same-site';
  if (!mainFrame) return 'cross-site';
  return SAFE_METHODS.has(method.toUpperCase()) ? 'lax' : 'lax-unsafe';
}

/**
 * The set context of a response (ComputeSameSiteContextForResponse): a main-frame navigation may
 * set anything; otherwise it is ComputeSameSiteContext with Strict normalised to Lax, so it is
 * same-site only when the top-level site and the initiator (if any) are same-site with the URL.
 */
export function responseSameSiteContext(url: URL, options: RequestCookieOptions): 'same-site' | 'cross-site' {
  if (options.isMainFrameNavigation === true) return 'same-site';
  const top = topLevelOf(url, options);
  if (options.initiator === undefined && top === undefined) return 'same-site';
  const site = schemefulSite(url);
  if (top !== undefined && schemefulSite(top) !== site) return 'cross-site';
  return options.initiator === undefined || schemefulSite(options.initiator) === site ? 'same-site' : 'cross-site';
}

/**
 * The CHIPS partition of a request: its top-level site when the caller says where it sits
 * (`topLevelSite`, or a main-frame navigation's own URL), else none. Electron's `net` requests
 * carry no isolation info (neither the request nor the browser-process loader factory sets one),
 * so Chromium gives them no cookie partition key: no partitioned cookie is sent, and a
 * `Partitioned` cookie they receive is stored unpartitioned (CanonicalCookie::Create).
 */
function partitionKeyFor(url: URL, options: RequestCookieOptions): CookiePartitionKey | null {
  const top = options.isMainFrameNavigation === true ? url : options.topLevelSite;
  if (top === undefined) return null;
  try {
    return cookiePartitionKeyFromUrl(top);
  } catch {
    return null;
  }
}

/**
 * Whether a `Clear-Site-Data` value lists `"cookies"` or `"*"` (quotes included, as Chromium's
 * ClearSiteDataHeaderContents splits it): then the response's own `Set-Cookie` lines are not
 * stored (URLRequestHttpJob, EXCLUDE_FAILURE_TO_STORE).
 */
function clearsCookies(value: string | null): boolean {
  if (value === null) return false;
  for (const part of value.split(',')) {
    const token = part.trim();
    if (token === '"cookies"' || token === '"*"') return true;
  }
  return false;
}

/**
 * The pipeline stage that adds the `Cookie` header from the session's jar and stores every
 * `Set-Cookie` of the answer. It sits after the redirect stage, so each hop of a redirect chain
 * sends the cookies for its own URL and stores what its answer sets.
 */
export function createCookieStage(cookies: Cookies): Stage {
  return async (request: PipelineRequest, next) => {
    const options = request.cookies ?? {};
    if (options.credentials === 'omit') return next(request);
    const jar = await cookies.jar();
    const url = request.url;
    const partitionKey = partitionKeyFor(url, options);
    const line = jar.getCookieLine(url, {
      context: requestSameSiteContext(url, request.method, options),
      partitions: partitionKey ?? 'none',
    });
    // The jar's line replaces the caller's Cookie header when there is one (Chromium's SetHeader);
    // otherwise the caller's header goes, on every hop, and a hop without either sends none.
    const own = options.callerCookieHeader;
    if (line !== '') request.headers.set('cookie', line);
    else if (own !== undefined) request.headers.set('cookie', own);
    else request.headers.delete('cookie');
    // Returned, not awaited: no suspended frame of this stage while the request is in flight.
    return next(request).then((response) => {
      const lines = response.headers.getSetCookie();
      if (lines.length > 0 && !clearsCookies(response.headers.get('clear-site-data'))) {
        const date = response.headers.get('date');
        const serverTime = date === null ? NaN : Date.parse(date);
        const context = responseSameSiteContext(url, options);
        for (const line of lines) {
          const now = jar.currentTime();
          // createCanonicalCookie, then setCanonicalCookie if created: in one wasm call for the usual line.
          jar.setFromLine(url, line, now, { serverTime: Number.isNaN(serverTime) ? null : serverTime, partitionKey, sameSiteContext: context });
        }
      }
      return response;
    });
  };
}
