import { SessionError, describeValue } from '../errors.ts';
import { EventEmitter } from '../events.ts';
import type { HostPorts } from '../host.ts';
import type { StorageStore } from '../storage/port.ts';
import { compose, type PipelineRequest, type Stage, type Transport } from '../fetch/transport.ts';
import { generateAcceptLanguageHeader } from './accept-language.ts';
import { BAD_PROXY_RETRY_MS, ProxyService, type ProxyConfig } from './proxy-service.ts';
import { createProxyFailoverStage } from '../fetch/proxy-failover.ts';
import { NULL_BODY_STATUSES, withBody } from '../fetch/response.ts';
import { AuthCache, createAuthStage, type AuthInfo, type Credentials } from '../fetch/auth.ts';
import { NetworkService, type PreconnectOptions } from './network-service.ts';
import type { ResolvedHost, ResolveHostOptions } from '../net/host-resolver.ts';
import type { SSLConfig } from '../net/ssl-config.ts';
import type { CertificateVerifyProc } from '../net/certificate-verifier.ts';
import { Cookies, createCookieStage } from './cookies.ts';
import { HttpCache } from '../cache/http-cache.ts';
import { ThrottlingScheduler } from '../netem/throttling-scheduler.ts';
import { createThrottleStage } from '../netem/throttle-stage.ts';
import { NO_EMULATION, parseNetworkEmulationOptions, type NetworkEmulationOptions } from '../netem/network-emulation.ts';
import { registrableDomain } from '../cookies/canonical-cookie.ts';

/**
 * `ses.fetch` options: RequestInit plus the request's place in a page, which decides the same-site
 * context of its cookies (Chromium's initiator, site for cookies and main-frame flag). Without
 * them a request is a same-site, top-level one, as Electron's `net.fetch` makes it.
 */
export interface SessionFetchInit extends RequestInit {
  /** The origin that started the request, e.g. `'https://other.example'` (default: the `Origin` header, if any). */
  initiator?: string;
  /** The URL (or site) of the top-level page the request belongs to; also the CHIPS partition. */
  topLevelSite?: string;
  /** The request loads a top-level page (cross-site Lax cookies go with safe methods). */
  isMainFrameNavigation?: boolean;
}

/** Options of `session.fromPartition` / `session.fromPath`. */
export interface SessionOptions {
  /** Whether the session has an HTTP cache (default true). Only honoured when the session is created. */
  cache?: boolean;
}

/** What `Session` needs to be built; only the session module constructs sessions. */
export interface SessionInit {
  host: HostPorts;
  partition: string;
  persistent: boolean;
  storagePath: string | null;
  cache: boolean;
  userAgent: string;
  acceptLanguages: string;
  /** Reads an `app.commandLine` switch value ('' when unset), e.g. `host-resolver-rules`. */
  getSwitchValue?: (name: string) => string;
}

const constructionToken = Symbol('session-anywhere.Session');

// Electron's net.fetch gives HEAD answers and null-body statuses a null body
// (lib/browser/api/net-fetch.ts), whatever the host's fetch does.
async function nullBody(response: Response): Promise<Response> {
  await response.body!.cancel().catch(() => undefined);
  return withBody(response, null);
}
const fetchAnswer = (response: Response): Response | Promise<Response> => (response.body !== null && NULL_BODY_STATUSES.has(response.status) ? nullBody(response) : response);
const headFetchAnswer = (response: Response): Response | Promise<Response> => (response.body !== null ? nullBody(response) : response);

/** Whether gin would convert `value` to a std::vector<std::string>. */
function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * A browsing session: Electron's `Session`, host-neutral. Get one from `session.defaultSession`,
 * `session.fromPartition()` or `session.fromPath()`; `new Session()` throws, as in Electron.
 */
export class Session extends EventEmitter {
  readonly #host: HostPorts;
  readonly #partition: string;
  readonly #persistent: boolean;
  readonly #storagePath: string | null;
  readonly #cacheEnabled: boolean;
  #userAgent: string;
  #acceptLanguage: string;
  #store: Promise<StorageStore> | null = null;
  readonly #proxy: ProxyService;
  readonly #authCache = new AuthCache();
  readonly #transport: Transport;
  readonly #network: NetworkService;
  readonly #send: (request: PipelineRequest) => Promise<Response>;
  #cookies: Cookies | null = null;
  #cache: HttpCache | null = null;
  #throttling: ThrottlingScheduler | null = null;
  readonly #getSwitchValue: ((name: string) => string) | undefined;

  /** @internal Sessions come from the session module. */
  constructor(token: unknown, init?: SessionInit) {
    super();
    if (token !== constructionToken || !init) throw new Error("Session objects cannot be created with 'new'");
    this.#host = init.host;
    this.#partition = init.partition;
    this.#persistent = init.persistent;
    this.#storagePath = init.storagePath;
    this.#cacheEnabled = init.cache;
    this.#userAgent = init.userAgent;
    this.#acceptLanguage = generateAcceptLanguageHeader(init.acceptLanguages);
    this.#proxy = new ProxyService(init.host, (url, signal) => this.#fetchDirectText(url, signal));
    const getSwitchValue = init.getSwitchValue;
    this.#getSwitchValue = getSwitchValue;
    this.#network = new NetworkService(init.host, init.partition, () => getSwitchValue?.('host-resolver-rules') ?? '');
    this.#transport = this.#network.adopt(init.host.createTransport(this.#network.transportContext()));
    this.#send = compose([...this.#network.outerStages(), ...this.#stages()], this.#transport);
  }

  /** @internal */
  static create(init: SessionInit): Session {
    return new Session(constructionToken, init);
  }

  /**
   * The session's cookies (Electron's `Cookies`): Chromium's cookie store, kept in the partition's
   * storage for persistent sessions.
   */
  get cookies(): Cookies {
    if (this.#cookies === null) {
      const { beforeExit, unrefTimer } = this.#host;
      this.#cookies = Cookies.create({
        openStore: this.#persistent ? () => this.getStore() : null,
        ...(beforeExit ? { beforeExit } : {}),
        ...(unrefTimer ? { unrefTimer } : {}),
      });
    }
    return this.#cookies;
  }

  /** @internal The session's HTTP cache, or null for `fromPartition(p, { cache: false })`. */
  get httpCache(): HttpCache | null {
    if (this.#cache === null && this.#cacheEnabled) {
      // Chromium's --disk-cache-size switch sets the budget in bytes (0 or absent: the default).
      const switchSize = Number(this.#getSwitchValue?.('disk-cache-size') ?? '');
      const cache = new HttpCache({
        openStore: this.#persistent ? () => this.getStore() : null,
        ...(Number.isSafeInteger(switchSize) && switchSize > 0 ? { maxSize: switchSize } : {}),
        ...(this.#host.unrefTimer ? { unrefTimer: this.#host.unrefTimer } : {}),
      });
      // Entries written in the last 20 s reach the disk at a normal exit too (Chromium writes its
      // index on shutdown).
      if (this.#persistent) this.#host.beforeExit?.(() => (cache.hasPendingWrites ? cache.flush() : undefined));
      this.#cache = cache;
    }
    return this.#cache;
  }

  /**
   * Electron's `getCacheSize()`: the bytes the session's HTTP cache holds (each entry's key, headers
   * and body, rounded up to 256 bytes; see docs/cache.md). 0 for a session without a cache.
   */
  async getCacheSize(): Promise<number> {
    return (await this.httpCache?.size()) ?? 0;
  }

  /**
   * Electron's `enableNetworkEmulation`: Chromium's throttling of every request of the session
   * (one scheduler shared by them all; see docs/network-emulation.md). `offline` fails new requests
   * and queued reads with `net::ERR_INTERNET_DISCONNECTED`; `latency` (ms) is added once per request;
   * the throughputs are bytes per second. 0 turns a limit off.
   */
  enableNetworkEmulation(options: NetworkEmulationOptions): void {
    const conditions = parseNetworkEmulationOptions(options);
    if (this.#throttling === null) this.#throttling = new ThrottlingScheduler();
    this.#throttling.updateConditions(conditions);
  }

  /** Electron's `disableNetworkEmulation`: requests go unthrottled again; queued ones are released at once. */
  disableNetworkEmulation(): void {
    this.#throttling?.updateConditions(NO_EMULATION);
  }

  /** Electron's `clearCache()`: empties the session's HTTP cache (responses being written are dropped). */
  async clearCache(): Promise<void> {
    await this.httpCache?.clear();
  }

  /**
   * Electron's `clearStorageData`. This library keeps cookies (and, later, caches) per session;
   * the web-storage kinds (`filesystem`, `indexdb`, `localstorage`, `shadercache`, `serviceworkers`,
   * `cachestorage`) hold nothing here, so clearing them has nothing to do. With `origin`, the
   * cookies that go are the host cookies of its host, whatever their scheme, Secure flag, path or
   * partition; domain cookies stay (StoragePartitionImpl::ClearData sets the deletion filter's
   * `host_name`, which CookieDeletionInfo matches against host cookies only). An origin without a
   * host (unparsable, `about:blank`, `file:`) sets no filter: every cookie goes. Arguments that
   * gin cannot convert count as absent, as in Electron: options that are not an object, or a
   * `storages` that is not an array of strings, mean the defaults.
   */
  async clearStorageData(options: { origin?: string; storages?: string[]; quotas?: string[] } = {}): Promise<void> {
    const given = typeof options === 'object' && options !== null ? options : {};
    const storages = isStringArray(given.storages) ? given.storages.map((s) => s.toLowerCase()) : null;
    if (storages !== null && !storages.includes('cookies')) return;
    const origin = typeof given.origin === 'string' ? given.origin : '';
    let host = '';
    try {
      host = origin === '' ? '' : new URL(origin).hostname;
    } catch {
      host = '';
    }
    if (host === '') {
      await this.cookies.deleteWhere(() => true);
      return;
    }
    // A host cookie's domain is the host itself (domain cookies start with a dot).
    await this.cookies.deleteWhere((c) => c.domain === host);
  }

  /**
   * Electron's `clearData`. `cookies` with `origins` / `excludeOrigins` works by registrable
   * domain, as Chromium does (`https://a.b.example.co.uk` covers every cookie of
   * `example.co.uk`); so does `cache` (the HTTP cache, by the registrable domain of each entry's
   * URL). The other data types hold nothing in this library yet, so they have nothing to clear.
   */
  clearData(options: {
    dataTypes?: string[];
    origins?: string[];
    excludeOrigins?: string[];
    avoidClosingConnections?: boolean;
    originMatchingMode?: string;
  } = {}): Promise<void> {
    // Argument errors throw at the call, as Electron's converter does; the work is asynchronous.
    // What gin cannot convert counts as absent, as in Electron: options that are not an object, and
    // `dataTypes`, `origins` or `excludeOrigins` that are not arrays of strings.
    const given = typeof options === 'object' && options !== null ? options : {};
    const origins = isStringArray(given.origins) ? given.origins : null;
    const excludeOrigins = isStringArray(given.excludeOrigins) ? given.excludeOrigins : null;
    if (origins !== null && excludeOrigins !== null) throw new TypeError("Cannot provide both 'origins' and 'excludeOrigins'");
    const domains = (list: readonly string[]): Set<string> => {
      const out = new Set<string>();
      for (const entry of list) {
        let url: URL | null = null;
        try {
          url = new URL(entry);
        } catch {
          url = null;
        }
        // An opaque origin (url::Origin makes file: URLs opaque too; browsers' URL.origin may say
        // "file://") is refused. The message names the URL as GURL spells it (possibly_invalid_spec).
        if (url === null || url.origin === 'null' || url.protocol === 'file:') throw new TypeError(`Invalid origin: '${url === null ? entry : url.href}'`);
        out.add(registrableDomain(url.hostname) || url.hostname);
      }
      return out;
    };
    const include = origins === null ? null : domains(origins);
    const exclude = excludeOrigins === null ? null : domains(excludeOrigins);
    const types = isStringArray(given.dataTypes) ? given.dataTypes : null;
    const chosen = (host: string): boolean => {
      const bare = host.startsWith('.') ? host.slice(1) : host;
      const key = registrableDomain(bare) || bare;
      if (include !== null) return include.has(key);
      if (exclude !== null) return !exclude.has(key);
      return true;
    };
    const work: Array<Promise<unknown>> = [];
    if (types === null || types.includes('cookies')) work.push(this.cookies.deleteWhere((c) => chosen(c.domain)));
    // 'cache' is the HTTP cache; entries go by the registrable domain of their URL.
    const cache = this.httpCache;
    if (cache !== null && (types === null || types.includes('cache'))) work.push(cache.clearWhere((url) => chosen(new URL(url).hostname)));
    return Promise.all(work).then(() => undefined);
  }

  /** Whether the session keeps its data (a `persist:` partition, `fromPath`, or the default session). */
  isPersistent(): boolean {
    return this.#persistent;
  }

  /** The folder (IndexedDB database name in browsers) holding this session's data; `null` when in memory. */
  getStoragePath(): string | null {
    return this.#storagePath;
  }

  /** Same as `getStoragePath()`. */
  get storagePath(): string | null {
    return this.#storagePath;
  }

  /**
   * Overrides the user agent (and, with `acceptLanguages`, the Accept-Language header, derived as
   * Chromium does: `'en-US,fr,de'` → `'en-US,fr;q=0.9,de;q=0.8'`) for this session's requests.
   */
  setUserAgent(userAgent: string, acceptLanguages?: string): void {
    if (typeof userAgent !== 'string') throw new TypeError(`setUserAgent expects a string userAgent, got ${describeValue(userAgent)}`);
    if (acceptLanguages !== undefined && typeof acceptLanguages !== 'string') {
      throw new TypeError(`setUserAgent expects acceptLanguages to be a string, got ${describeValue(acceptLanguages)}`);
    }
    this.#userAgent = userAgent;
    if (acceptLanguages !== undefined) this.#acceptLanguage = generateAcceptLanguageHeader(acceptLanguages);
  }

  /** The session's user agent. */
  getUserAgent(): string {
    return this.#userAgent;
  }

  /**
   * Sets the proxy configuration. Resolves once it is in effect (a PAC script has been fetched and
   * compiled), which is later than Electron, whose promise resolves before the network service applies it.
   */
  setProxy(config: ProxyConfig): Promise<void> {
    return this.#proxy.setProxy(config);
  }

  /** Chromium's PAC-style proxy answer for `url`; resolves `''` where Electron does (it never rejects). */
  resolveProxy(url: string | URL): Promise<string> {
    return this.#proxy.resolveProxy(url);
  }

  /** Fetches the PAC script again (`pac_script`, `auto_detect`) or re-reads the environment (`system`). */
  forceReloadProxyConfig(): Promise<void> {
    return this.#proxy.forceReload();
  }

  /** Fails this session's requests in flight (`net::ERR_ABORTED`) and closes its pooled connections. */
  closeAllConnections(): Promise<void> {
    return this.#network.closeAllConnections();
  }

  /**
   * Opens `numSockets` (1 to 6, default 1) connections to `url`'s origin ahead of requests. Returns
   * at once, as in Electron; the sockets wait in the session's pool for up to 10 s.
   */
  preconnect(options: PreconnectOptions): void {
    this.#network.preconnect(options, (url) => this.#proxy.routeFor(url));
  }

  /** Resolves `host` through the session's resolver (host resolver rules, cache, DNS); rejects `net::ERR_NAME_NOT_RESOLVED`. */
  resolveHost(host: string, options?: ResolveHostOptions): Promise<ResolvedHost> {
    return this.#network.resolveHost(host, options);
  }

  /** Empties the session's host resolver cache. */
  clearHostResolverCache(): Promise<void> {
    return this.#network.clearHostResolverCache();
  }

  /** TLS versions and disabled cipher suites for the session's new connections (only `'tls1.2'` and `'tls1.3'`, as Electron). */
  setSSLConfig(config: SSLConfig): void {
    this.#network.setSSLConfig(config);
  }

  /** Decides which server certificates the session trusts; `null` restores the default verification. */
  setCertificateVerifyProc(proc: CertificateVerifyProc | null): void {
    this.#network.setCertificateVerifyProc(proc);
  }

  /** Forgets the credentials that `login` answers gave (Chromium's HttpAuthCache), as Electron does. */
  async clearAuthCache(): Promise<void> {
    this.#authCache.clear();
  }

  /**
   * Sends a request the way this session would: its user agent, Accept-Language and proxy settings.
   * `input` is a URL string, a `URL` or a `Request`.
   */
  async fetch(input: string | URL | Request, init: SessionFetchInit = {}): Promise<Response> {
    const source = typeof input === 'object' && input !== null && !(input instanceof URL) ? input : null;
    const href = source ? source.url : input instanceof URL ? input.href : typeof input === 'string' ? input : null;
    if (href === null || !URL.canParse(href)) throw new TypeError(`ses.fetch expects a valid URL, got ${describeValue(href ?? input)}`);
    const url = new URL(href);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SessionError('ERR_UNKNOWN_URL_SCHEME', 'net::ERR_UNKNOWN_URL_SCHEME', { context: { url: href, partition: this.#partition } });
    }
    const headers = new Headers(init.headers ?? source?.headers);
    // Electron's net.fetch: 'same-origin' without an Origin header becomes 'include'; with one,
    // cookies go only to that origin (Chromium's credentials mode).
    let credentials: RequestCredentials = init.credentials ?? source?.credentials ?? 'same-origin';
    const originHeader = headers.get('origin');
    if (credentials === 'same-origin') credentials = originHeader === null || originHeader === url.origin ? 'include' : 'omit';
    // The initiator defaults to the Origin header (Electron's net-client-request.ts passes it as
    // `origin`, which its URL loader makes the request_initiator); the top-level site of every hop
    // defaults to the first URL (site_for_cookies = SiteForCookies::FromUrl(url), kept on redirects).
    const initiator = init.initiator !== undefined ? String(init.initiator) : originHeader || undefined;
    const cookieOptions = {
      credentials,
      ...(initiator === undefined ? {} : { initiator }),
      ...(init.topLevelSite === undefined ? {} : { topLevelSite: String(init.topLevelSite) }),
      siteForCookies: url.href,
      ...(init.isMainFrameNavigation === undefined ? {} : { isMainFrameNavigation: init.isMainFrameNavigation === true }),
      ...(headers.has('cookie') ? { callerCookieHeader: headers.get('cookie') as string } : {}),
    };
    const request: PipelineRequest = {
      url,
      method: (init.method ?? source?.method ?? 'GET').toUpperCase(),
      headers,
      cookies: cookieOptions,
      body: init.body ?? source?.body ?? null,
      signal: init.signal ?? source?.signal ?? undefined,
      redirect: init.redirect ?? source?.redirect ?? 'follow',
      proxy: 'DIRECT',
      partition: this.#partition,
    };
    const cacheMode = init.cache ?? source?.cache;
    if (cacheMode !== undefined && cacheMode !== 'default') {
      request.cache = cacheMode;
      // Fetch standard, HTTP-network-or-cache fetch (as Blink sends them): no-cache asks the
      // network to validate too; no-store and reload ask every cache on the way to skip itself.
      if (cacheMode === 'no-cache' && !headers.has('cache-control')) headers.set('cache-control', 'max-age=0');
      if (cacheMode === 'no-store' || cacheMode === 'reload') {
        if (!headers.has('pragma')) headers.set('pragma', 'no-cache');
        if (!headers.has('cache-control')) headers.set('cache-control', 'no-cache');
      }
    }
    // Returned, not awaited: no frame of this call waits while the request is in flight.
    return this.#send(request).then(request.method === 'HEAD' ? headFetchAnswer : fetchAnswer);
  }

  /**
   * The partition's store (files, IndexedDB or memory), opened on first use. A second process that
   * opens the same persistent partition gets `ERR_STORAGE_LOCKED` here. Not in Electron.
   */
  getStore(): Promise<StorageStore> {
    if (!this.#store) {
      const adapter = this.#persistent ? this.#host.persistentStorage : this.#host.memoryStorage;
      this.#store = adapter.open(this.#storagePath ?? `memory:${this.#partition}`);
      this.#store.catch(() => { this.#store = null; });
    }
    return this.#store;
  }

  /** @internal Whether the session was created with an HTTP cache. */
  get cacheEnabled(): boolean {
    return this.#cacheEnabled;
  }

  /** @internal The partition string this session was created for. */
  get partition(): string {
    return this.#partition;
  }

  #stages(): Stage[] {
    const identity: Stage = (request, next) => {
      // Chromium's network context adds these only when the request did not set them.
      if (!request.headers.has('user-agent')) request.headers.set('user-agent', this.#userAgent);
      if (this.#acceptLanguage && !request.headers.has('accept-language')) request.headers.set('accept-language', this.#acceptLanguage);
      return next(request);
    };
    const proxy = createProxyFailoverStage({
      routeFor: (url) => this.#proxy.routeFor(url),
      badProxies: this.#proxy.badProxies,
      retryMs: BAD_PROXY_RETRY_MS,
    });
    const login = (url: string, authInfo: AuthInfo, signal: AbortSignal | undefined): Promise<Credentials | null> => this.#login(url, authInfo, signal);
    // Chromium's layering: URLRequestHttpJob (origin auth, cookies) above the HTTP cache, and the
    // network transaction (proxy resolution, proxy auth) below it, so cache hits skip the proxy.
    const stages: Stage[] = [identity, createAuthStage({ cache: this.#authCache, login, scope: 'server' })];
    // Browsers forbid scripts the Cookie and Set-Cookie headers; their own jar handles them there.
    if (this.#host.capabilities.has('cookie-headers')) stages.push(createCookieStage(this.cookies));
    const cache = this.httpCache;
    if (cache !== null) stages.push(cache.stage());
    stages.push(proxy, createAuthStage({ cache: this.#authCache, login, scope: 'proxy' }));
    // Chromium's throttling wraps the network transaction: below the cache and proxy resolution.
    stages.push(createThrottleStage(() => this.#throttling));
    return stages;
  }

  // Electron's webContents/app `login` shape: (event, { url }, authInfo, callback). As there, the
  // default is to cancel: a listener calls event.preventDefault() and then callback(username, password).
  #login(url: string, authInfo: AuthInfo, signal: AbortSignal | undefined): Promise<Credentials | null> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => settle(() => reject(signal!.reason));
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort);
      let defaultPrevented = false;
      const event = {
        preventDefault: (): void => { defaultPrevented = true; },
        get defaultPrevented(): boolean { return defaultPrevented; },
      };
      const callback = (username?: string, password?: string): void => settle(() => {
        resolve(username === undefined && password === undefined ? null : { username: String(username ?? ''), password: String(password ?? '') });
      });
      try {
        this.emit('login', event, { url }, { ...authInfo }, callback);
      } catch (err) {
        settle(() => reject(err));
      }
      if (!defaultPrevented) callback();
    });
  }

  // PAC scripts are fetched DIRECT (Chromium's PacFileFetcher bypasses the proxy it configures).
  async #fetchDirectText(url: string, signal: AbortSignal): Promise<string> {
    const response = await this.#transport.dispatch({
      url: new URL(url),
      method: 'GET',
      headers: new Headers({ 'user-agent': this.#userAgent }),
      body: null,
      signal,
      redirect: 'follow',
      proxy: 'DIRECT',
      partition: this.#partition,
    });
    // PacFileFetcherImpl accepts only a 200 answer for http(s) PAC URLs.
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new SessionError('ERR_HTTP_RESPONSE_CODE_FAILURE', `PAC fetch of ${url} answered ${response.status}`);
    }
    return response.text();
  }
}
