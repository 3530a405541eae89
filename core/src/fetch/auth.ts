import { md5Hex } from './md5.ts';
import { routeFailure, routeFailureOf, type PipelineRequest, type Stage } from './transport.ts';

/** Electron's `AuthInfo` (docs/api/structures/auth-info.md): who asks for credentials. */
export interface AuthInfo {
  isProxy: boolean;
  /** Lower-case auth scheme: `basic` or `digest`. */
  scheme: string;
  host: string;
  port: number;
  realm: string;
}

/** A username and password given to a `login` callback. */
export interface Credentials {
  username: string;
  password: string;
}

/** Asks the application for credentials; resolves `null` when it cancels (or nobody answers). */
export type LoginHandler = (url: string, authInfo: AuthInfo, signal: AbortSignal | undefined) => Promise<Credentials | null>;

/** One challenge of a `WWW-Authenticate` / `Proxy-Authenticate` header. */
export interface AuthChallenge {
  /** Lower-case scheme (`basic`, `digest`, ...). */
  scheme: string;
  /** Parameters with lower-case names (`realm`, `nonce`, `qop`, ...). */
  params: Map<string, string>;
}

/**
 * Splits challenge headers into challenges (RFC 9110 §11.6.1: several challenges may share one
 * header, separated by commas, each followed by its comma-separated auth-params).
 * @example parseChallenges(['Basic realm="a", Digest realm="b", nonce="n"']).map((c) => c.scheme) // ['basic', 'digest']
 */
export function parseChallenges(values: readonly string[]): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  for (const value of values) {
    let current: AuthChallenge | null = null;
    let i = 0;
    const skip = (chars: string): void => { while (i < value.length && chars.includes(value[i]!)) i++; };
    while (i < value.length) {
      skip(' \t,');
      const start = i;
      while (i < value.length && !' \t,='.includes(value[i]!)) i++;
      const token = value.slice(start, i);
      if (!token) { i++; continue; }
      skip(' \t');
      if (value[i] === '=' && current && value[i + 1] !== '=') {
        i++;
        skip(' \t');
        let v = '';
        if (value[i] === '"') {
          for (i++; i < value.length && value[i] !== '"'; i++) v += value[i] === '\\' ? value[++i] ?? '' : value[i];
          i++;
        } else {
          const vs = i;
          while (i < value.length && value[i] !== ',' && value[i] !== ' ' && value[i] !== '\t') i++;
          v = value.slice(vs, i);
        }
        current.params.set(token.toLowerCase(), v);
      } else if (value[i] === '=') {
        while (i < value.length && value[i] !== ',') i++; // token68: no scheme we speak uses it
      } else {
        current = { scheme: token.toLowerCase(), params: new Map() };
        out.push(current);
      }
    }
  }
  return out;
}

const DIGEST_ALGORITHMS = new Set(['MD5', 'MD5-SESS', 'SHA-256', 'SHA-256-SESS']);

/**
 * HttpAuth::ChooseBestChallenge with the handlers we have: Digest (score 2) over Basic (score 1),
 * the first acceptable challenge on a tie. Digest needs a nonce, a known algorithm and, when `qop`
 * is given, `auth` among its values (http_auth_handler_digest.cc: auth-int is not supported).
 */
export function chooseChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | null {
  let basic: AuthChallenge | null = null;
  for (const c of challenges) {
    if (c.scheme === 'digest') {
      const algorithm = (c.params.get('algorithm') ?? 'MD5').toUpperCase();
      const qop = c.params.get('qop');
      if (!c.params.has('nonce') || !DIGEST_ALGORITHMS.has(algorithm)) continue;
      if (qop !== undefined && !qop.split(',').some((q) => q.trim().toLowerCase() === 'auth')) continue;
      return c;
    }
    if (c.scheme === 'basic' && !basic) basic = c;
  }
  return basic;
}

interface CacheEntry {
  key: string;
  isProxy: boolean;
  origin: string;
  /** Directory the credentials cover (HttpAuthCache keeps the containing directory of the path). */
  path: string;
  credentials: Credentials;
  challenge: AuthChallenge;
  nonceCount: number;
}

/**
 * A session's HTTP auth cache (Chromium's HttpAuthCache): credentials per target (server or proxy),
 * origin, scheme and realm, until `clearAuthCache()`.
 */
export class AuthCache {
  readonly #entries = new Map<string, CacheEntry>();

  /** Forgets every credential (`ses.clearAuthCache()`). */
  clear(): void {
    this.#entries.clear();
  }

  /** Number of cached credentials. */
  get size(): number {
    return this.#entries.size;
  }

  /** @internal */
  get(key: string): CacheEntry | undefined {
    return this.#entries.get(key);
  }

  /** @internal */
  set(entry: CacheEntry): void {
    this.#entries.set(entry.key, entry);
  }

  /** @internal */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** @internal HttpAuthCache::LookupByPath: the entry whose directory is the longest prefix of `path`. */
  preemptive(isProxy: boolean, origin: string, path: string): CacheEntry | undefined {
    let best: CacheEntry | undefined;
    for (const e of this.#entries.values()) {
      if (e.isProxy !== isProxy || e.origin !== origin) continue;
      if (!isProxy && !path.startsWith(e.path)) continue;
      if (!best || e.path.length > best.path.length) best = e;
    }
    return best;
  }
}

/** Cache key: target, origin, scheme and realm (HttpAuthCache::Entry identity). */
export function authCacheKey(isProxy: boolean, origin: string, scheme: string, realm: string): string {
  return `${isProxy ? 'proxy' : 'server'} ${origin} ${scheme} ${realm}`;
}

/** `Basic` credentials: base64 of UTF-8 `user:password` (http_auth_handler_basic.cc). */
export function basicAuthorization(credentials: Credentials): string {
  const bytes = new TextEncoder().encode(`${credentials.username}:${credentials.password}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

/**
 * `Digest` credentials (RFC 7616) in the field order of HttpAuthHandlerDigest::AssembleCredentials.
 * `uri` is the request target (`host:port` for CONNECT), `nonceCount` starts at 1.
 */
export async function digestAuthorization(
  challenge: AuthChallenge, credentials: Credentials, method: string, uri: string, nonceCount: number, cnonce: string = randomHex(16),
): Promise<string> {
  const p = challenge.params;
  const realm = p.get('realm') ?? '';
  const nonce = p.get('nonce') ?? '';
  const algorithm = (p.get('algorithm') ?? 'MD5').toUpperCase();
  const hash = algorithm.startsWith('SHA-256') ? sha256Hex : async (s: string) => md5Hex(s);
  let ha1 = await hash(`${credentials.username}:${realm}:${credentials.password}`);
  if (algorithm.endsWith('-SESS')) ha1 = await hash(`${ha1}:${nonce}:${cnonce}`);
  const ha2 = await hash(`${method}:${uri}`);
  const qop = p.has('qop');
  const nc = nonceCount.toString(16).padStart(8, '0');
  const response = await hash(qop ? `${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}` : `${ha1}:${nonce}:${ha2}`);
  let header = `Digest username=${quote(credentials.username)}, realm=${quote(realm)}, nonce=${quote(nonce)}, uri=${quote(uri)}`;
  if (p.has('algorithm')) header += `, algorithm=${p.get('algorithm')}`;
  header += `, response="${response}"`;
  if (p.has('opaque')) header += `, opaque=${quote(p.get('opaque')!)}`;
  if (qop) header += `, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
  return header;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// The longest common directory of two directory paths ('/a/b/' and '/a/c/' → '/a/').
function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, a.lastIndexOf('/', i - 1) + 1);
}

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

async function authorization(entry: CacheEntry, method: string, uri: string): Promise<string> {
  if (entry.challenge.scheme === 'basic') return basicAuthorization(entry.credentials);
  entry.nonceCount++;
  return digestAuthorization(entry.challenge, entry.credentials, method, uri, entry.nonceCount);
}

interface ProxyTarget {
  origin: string;
  host: string;
  port: number;
}

// An HTTP-like entry of a single-entry PAC string (`PROXY h:p`, `HTTPS h:p`); SOCKS has no HTTP auth.
function httpProxyOf(entry: string): ProxyTarget | null {
  const space = entry.indexOf(' ');
  const type = entry.slice(0, space);
  if (type !== 'PROXY' && type !== 'HTTPS') return null;
  const origin = new URL(`${type === 'HTTPS' ? 'https' : 'http'}://${entry.slice(space + 1)}`);
  return { origin: origin.origin, host: origin.hostname.replace(/^\[|\]$/g, ''), port: Number(origin.port || (type === 'HTTPS' ? 443 : 80)) };
}

/** What the auth stage needs from its session. */
export interface AuthStageOptions {
  readonly cache: AuthCache;
  readonly login: LoginHandler;
  /**
   * Which challenges this stage answers: `server` (401, above the HTTP cache, as URLRequestHttpJob
   * restarts), `proxy` (407, below the cache and after proxy resolution, as HttpNetworkTransaction),
   * or both (default).
   */
  readonly scope?: 'server' | 'proxy' | 'both';
}

type Outcome = 'retry' | 'cancel' | 'unsupported';

/**
 * Answers 401 (origin) and 407 (proxy) challenges as Chromium's HttpAuthController does: cached
 * credentials for the realm first, then the URL's `user:pass@`, then the session's `login` event.
 * Credentials that were sent and challenged again are dropped from the cache
 * (InvalidateRejectedAuthFromCache); a Digest `stale=true` retries with the new nonce.
 * Cancelled or unsupported: an origin's 401 and a plain proxy's 407 are returned as responses; a
 * CONNECT tunnel fails with `net::ERR_TUNNEL_CONNECTION_FAILED` (cancelled: the 407 body from an
 * unauthenticated proxy is never shown, http_network_transaction.cc Read, crbug.com/8473) or
 * `net::ERR_PROXY_AUTH_UNSUPPORTED` (no scheme we speak, http_auth_controller.cc).
 */
export function createAuthStage(options: AuthStageOptions): Stage {
  const { cache, login } = options;
  const scope = options.scope ?? 'both';
  const answersServer = scope !== 'proxy';
  const answersProxy = scope !== 'server';
  // `first`: the answer to a first attempt that went out as `request` itself (see below).
  const run = async (request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>, first: Response | null): Promise<Response> => {
    let url = request.url;
    let urlIdentity: Credentials | null = null;
    if (answersServer && (url.username || url.password)) {
      // HttpAuth::IDENT_SRC_URL: the URL's credentials answer the first challenge, then go away.
      urlIdentity = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
      url = new URL(url.href);
      url.username = '';
      url.password = '';
    }
    const proxy = answersProxy ? httpProxyOf(request.proxy) : null;
    const tunnel = proxy !== null && url.protocol === 'https:';
    const path = url.pathname + url.search;
    const replayable = !(typeof ReadableStream !== 'undefined' && request.body instanceof ReadableStream);
    let sentServer: CacheEntry | undefined;
    let sentProxy: CacheEntry | undefined;
    // The cached identity a challenge chose for the retry (HttpAuthController's identity for that
    // challenge): the retry sends it, whatever the caller's headers or a longer cached path would
    // pick. Without this a retry could send what was just refused, and be refused again, forever.
    let chosenServer: CacheEntry | undefined;
    let chosenProxy: CacheEntry | undefined;

    const handle = async (isProxy: boolean, values: readonly string[]): Promise<Outcome> => {
      const challenge = chooseChallenge(parseChallenges(values));
      if (!challenge) return 'unsupported';
      const realm = challenge.params.get('realm') ?? '';
      const target = isProxy ? proxy! : { origin: url.origin, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
      const key = authCacheKey(isProxy, target.origin, challenge.scheme, realm);
      const sent = isProxy ? sentProxy : sentServer;
      if (sent?.key === key) {
        if (challenge.scheme === 'digest' && challenge.params.get('stale')?.toLowerCase() === 'true') {
          sent.challenge = challenge;
          sent.nonceCount = 0;
          return 'retry';
        }
        cache.delete(key);
      }
      const cached = cache.get(key);
      const dir = url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1);
      if (cached && cached !== sent) {
        // HttpAuthCache::Entry::AddPath: the realm now covers this directory too, so the retry sends it.
        if (!isProxy) cached.path = commonPrefix(cached.path, dir);
        cached.challenge = challenge;
        cached.nonceCount = 0;
        if (isProxy) chosenProxy = cached;
        else chosenServer = cached;
        return 'retry';
      }
      let credentials: Credentials | null;
      if (!isProxy && urlIdentity) {
        credentials = urlIdentity;
        urlIdentity = null;
      } else {
        credentials = await login(url.href, { isProxy, scheme: challenge.scheme, host: target.host, port: target.port, realm }, request.signal);
      }
      if (!credentials) return 'cancel';
      const entry: CacheEntry = { key, isProxy, origin: target.origin, path: isProxy ? '' : dir, credentials, challenge, nonceCount: 0 };
      cache.set(entry);
      if (isProxy) chosenProxy = entry;
      else chosenServer = entry;
      return 'retry';
    };

    for (;;) {
      let response: Response;
      if (first !== null) {
        // Nothing was added to the first attempt (sentServer and sentProxy stay undefined).
        response = first;
        first = null;
      } else {
        const attempt: PipelineRequest = { ...request, url };
        sentProxy = proxy ? (chosenProxy ?? cache.preemptive(true, proxy.origin, '')) : undefined;
        chosenProxy = undefined;
        if (sentProxy) attempt.proxyAuthorization = await authorization(sentProxy, tunnel ? 'CONNECT' : request.method, tunnel ? `${url.hostname}:${url.port || 443}` : path);
        sentServer = !answersServer ? undefined : (chosenServer ?? (request.headers.has('authorization') ? undefined : cache.preemptive(false, url.origin, url.pathname)));
        chosenServer = undefined;
        if (sentServer) {
          // The caller's headers stay as given: each attempt that adds credentials has its own copy.
          attempt.headers = new Headers(request.headers);
          attempt.headers.set('authorization', await authorization(sentServer, request.method, path));
        }
        try {
          response = await next(attempt);
        } catch (err) {
          const failure = routeFailureOf(err);
          if (failure?.code !== 'ERR_PROXY_AUTH_REQUESTED' || !proxy) throw err;
          const outcome = replayable ? await handle(true, failure.proxyAuthenticate ?? []) : 'cancel';
          if (outcome === 'retry') continue;
          // A plain (absolute-form) proxy request shows the 407 as its response, as for a 401.
          if (!tunnel) return new Response(null, { status: 407, headers: (failure.proxyAuthenticate ?? []).map((v): [string, string] => ['proxy-authenticate', v]) });
          throw routeFailure(outcome === 'unsupported' ? 'ERR_PROXY_AUTH_UNSUPPORTED' : 'ERR_TUNNEL_CONNECTION_FAILED', failure, err);
        }
      }
      const isProxy = response.status === 407 && proxy !== null && !tunnel;
      if (!isProxy && (response.status !== 401 || !answersServer)) return response;
      if (!replayable) return response;
      const header = response.headers.get(isProxy ? 'proxy-authenticate' : 'www-authenticate');
      if ((await handle(isProxy, header === null ? [] : [header])) !== 'retry') return response;
      await response.body?.cancel();
    }
  };
  // The usual request has no credentials in its URL, none cached for its origin, and no HTTP
  // proxy to answer for: its first attempt is the request itself, and only a 401 needs more. It
  // goes out without a suspended frame of this stage while it waits (a thousand may be in flight).
  return (request, next) => {
    try {
      const url = request.url;
      if (answersServer && (url.username || url.password)) return run(request, next, null);
      if (answersProxy && httpProxyOf(request.proxy) !== null) return run(request, next, null);
      if (answersServer && !request.headers.has('authorization') && cache.preemptive(false, url.origin, url.pathname) !== undefined) return run(request, next, null);
      // Errors go through as they are: with no HTTP proxy there is no 407 to answer.
      if (!answersServer) return next(request);
      return next(request).then((response) => (response.status === 401 ? run(request, next, response) : response));
    } catch (err) {
      return Promise.reject(err);
    }
  };
}
