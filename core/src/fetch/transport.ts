import { SessionError } from '../errors.ts';
import { toNetError } from '../net/net-errors.ts';
import type { ConnectTarget } from '../net/host-resolver.ts';
import type { SSLConfigState } from '../net/ssl-config.ts';
import type { CertificateCheck } from '../net/certificate-verifier.ts';
import type { BodyGateFactory } from './body-tap.ts';

/**
 * A request as it travels through a session's pipeline. Each stage may change it and hands it to
 * the next stage; the last stage is the host's transport.
 */
export interface PipelineRequest {
  url: URL;
  method: string;
  headers: Headers;
  body: BodyInit | null;
  signal: AbortSignal | undefined;
  redirect: RequestRedirect;
  /**
   * The proxy list chosen for this request, as a PAC string (`DIRECT`, `PROXY h:p;DIRECT`, ...).
   * The failover stage hands the transport one entry at a time (`PROXY h:p`), see `RouteFailure`.
   */
  proxy: string;
  /** `Proxy-Authorization` value for the proxy in `proxy` (sent on CONNECT, or with an absolute-form request). */
  proxyAuthorization?: string;
  /** Partition of the session that sent the request (for errors and logs). */
  partition: string;
  /**
   * Set by the session's in-flight tracking when the transport fails requests on close (no
   * AbortSignal of the session's own): once `aborted`, the request must not be sent.
   */
  inFlight?: { readonly aborted: boolean; readonly reason: unknown };
  /**
   * Called by a transport that can tell when the request (head and body) has been written to the
   * connection (Chromium's LoadTimingInfo.send_end); network emulation counts the latency from it.
   */
  onRequestSent?: () => void;
  /**
   * Set by network emulation: a transport that builds its response body with `createTappedBody`
   * passes this on, so that the throttle stands between the transport and the reader of that one
   * stream. Other transports ignore it, and the stage wraps the body instead.
   */
  bodyGate?: BodyGateFactory;
  /** The fetch `cache` mode (absent: `default`); the session's HTTP cache reads it. */
  cache?: RequestCache;
  /** How the session's cookie jar treats this request (absent: send and store, same-site). */
  cookies?: RequestCookieOptions;
}

/** Per-request cookie settings of `ses.fetch` (extensions of RequestInit; see docs/session.md). */
export interface RequestCookieOptions {
  /** `'omit'`: neither send nor store cookies. Default: both. */
  readonly credentials?: RequestCredentials;
  /** The origin that started the request (Chromium's request initiator); default: same-site with the URL. */
  readonly initiator?: string;
  /**
   * The top-level page's URL or site: the site for cookies (default: the request's first URL) and
   * the CHIPS partition (default: none, as Electron's `net` requests have no cookie partition key).
   */
  readonly topLevelSite?: string;
  /** The request loads a top-level page (a main-frame navigation): Lax cookies go cross-site with safe methods. */
  readonly isMainFrameNavigation?: boolean;
  /**
   * Set by `ses.fetch`: the URL the request started at, the top-level site of every hop when
   * `topLevelSite` is absent (Electron's URL loader sets site_for_cookies from the original URL,
   * and redirects keep it unless the request is a main-frame navigation). Only the same-site
   * context reads it; the CHIPS partition and the cache key do not.
   */
  readonly siteForCookies?: string;
  /**
   * The Cookie header the caller wrote. Chromium's URLRequestHttpJob sets the jar's line over it
   * when the jar has cookies for the request; otherwise it goes as the caller wrote it.
   */
  readonly callerCookieHeader?: string;
}


/**
 * What a session hands its transport when it creates it: the transport belongs to one session (its
 * connection pools, TLS settings and host cache are that session's). Later capabilities add fields.
 */
export interface TransportContext {
  /** Partition of the owning session (for errors and logs). */
  readonly partition: string;
  /**
   * The session's host resolver (`--host-resolver-rules`, its host cache, then the host's DNS). A
   * transport that opens its own sockets calls it for every new connection and connects to the
   * endpoints in order on the port it returns; it rejects with `net::ERR_NAME_NOT_RESOLVED`.
   */
  readonly resolveHost?: (hostname: string, port: number) => Promise<ConnectTarget>;
  /** The TLS settings of `setSSLConfig`, read for every new TLS connection. */
  readonly sslConfig?: () => SSLConfigState;
  /**
   * Decides whether a TLS connection may be used (the default result or the session's verify
   * proc). The transport verifies with `rejectUnauthorized: false`, passes the chain and its own
   * verdict, and fails the connection with the net error named by a non-zero answer.
   */
  readonly verifyCertificate?: (check: CertificateCheck) => Promise<number>;
}

/** Creates a session's transport; each host supplies one. */
export type TransportFactory = (context: TransportContext) => Transport;

/** Sends a request over the network (undici on Node, `fetch` on Deno and in browsers). */
export interface Transport {
  readonly name: string;
  dispatch(request: PipelineRequest): Promise<Response>;
  /** Close pooled connections; in-flight requests fail. The transport stays usable: later requests open new connections. */
  close?(): Promise<void>;
  /**
   * Stop reusing current connections (after `setSSLConfig` or `setCertificateVerifyProc`, as
   * Chromium's pools flush on an SSL config change): idle ones close, in-flight ones finish.
   */
  flush?(): Promise<void>;
  /** Opens up to `numSockets` idle connections to `url`'s origin for the route `proxy` (`ses.preconnect`). */
  preconnect?(url: URL, numSockets: number, proxy: string): Promise<void>;
  /**
   * True when the transport follows redirects itself and cannot hand a redirect response back (a
   * browser's `fetch` answers `redirect: 'manual'` with an opaque response). Otherwise the session
   * follows redirects and the transport always sees `redirect: 'manual'`.
   */
  readonly followsRedirects?: boolean;
  /**
   * True when `close()` fails every request in flight, before and after its headers arrived, so the
   * session gives requests no AbortSignal of its own for `closeAllConnections`.
   */
  readonly failsInFlightOnClose?: boolean;
}

/** One pipeline stage: does its part and calls `next` (or answers itself). */
export type Stage = (request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>) => Promise<Response>;

/** Wraps `transport` in `stages`, the first stage outermost (as undici's `compose`). */
export function compose(stages: readonly Stage[], transport: Transport): (request: PipelineRequest) => Promise<Response> {
  let next = (request: PipelineRequest): Promise<Response> => transport.dispatch(request);
  for (let i = stages.length - 1; i >= 0; i--) {
    const stage = stages[i]!;
    const inner = next;
    next = (request) => stage(request, inner);
  }
  return next;
}

/**
 * Chromium net errors a transport reports when it could not set up the route of a request
 * (net/base/net_error_list.h). The failover stage decides on these codes alone.
 */
export type RouteFailureCode =
  | 'ERR_PROXY_CONNECTION_FAILED'
  | 'ERR_TUNNEL_CONNECTION_FAILED'
  | 'ERR_SOCKS_CONNECTION_FAILED'
  | 'ERR_SOCKS_CONNECTION_HOST_UNREACHABLE'
  | 'ERR_PROXY_CERTIFICATE_INVALID'
  | 'ERR_SSL_PROTOCOL_ERROR'
  | 'ERR_PROXY_AUTH_REQUESTED'
  | 'ERR_PROXY_AUTH_UNSUPPORTED'
  | 'ERR_CONNECTION_REFUSED'
  | 'ERR_CONNECTION_RESET'
  | 'ERR_CONNECTION_CLOSED'
  | 'ERR_CONNECTION_TIMED_OUT'
  | 'ERR_NAME_NOT_RESOLVED'
  | 'ERR_ADDRESS_UNREACHABLE'
  | 'ERR_INTERNET_DISCONNECTED';

/**
 * The transport contract for routing: `dispatch` gets a request whose `proxy` is ONE entry. When the
 * connection (to the proxy, through its tunnel or SOCKS handshake, or DIRECT to the origin) cannot be
 * set up, it rejects with `routeFailure(...)`: a `SessionError` whose `code` is the net error name,
 * `message` is `net::CODE`, and `context.phase` is `'connect'` (nothing of the request was sent).
 * Failures after the request started to go out carry `phase: 'request'` and are never retried.
 * A CONNECT answered 407 rejects with `ERR_PROXY_AUTH_REQUESTED` and the challenge in
 * `context.proxyAuthenticate` (the `Proxy-Authenticate` values).
 */
export interface RouteFailureContext {
  readonly url: string;
  readonly partition: string;
  /** The proxy entry that was tried (`PROXY h:p`, `DIRECT`). */
  readonly proxy: string;
  readonly phase: 'connect' | 'request';
  readonly proxyAuthenticate?: readonly string[];
}

/** Builds the error of the routing contract (see `RouteFailureContext`). */
export function routeFailure(code: RouteFailureCode, context: RouteFailureContext, cause?: unknown): SessionError {
  return new SessionError(code, `net::${code}`, { cause, context: { ...context } });
}

/** The routing context of `err` when it follows the contract (works across library copies). */
export function routeFailureOf(err: unknown): (RouteFailureContext & { code: string }) | null {
  if (typeof err !== 'object' || err === null) return null;
  const { code, context } = err as { code?: unknown; context?: { phase?: unknown } };
  if (typeof code !== 'string' || typeof context !== 'object' || context === null) return null;
  if (context.phase !== 'connect' && context.phase !== 'request') return null;
  return { ...(context as RouteFailureContext), code };
}

// Net errors that, for a DIRECT entry, only come from setting up the connection (nothing was sent).
const DIRECT_CONNECT_FAILURES: ReadonlySet<string> = new Set<RouteFailureCode>([
  'ERR_CONNECTION_REFUSED', 'ERR_NAME_NOT_RESOLVED', 'ERR_ADDRESS_UNREACHABLE', 'ERR_INTERNET_DISCONNECTED',
]);

/**
 * The routing-contract error for a DIRECT request that failed while connecting, or null. The
 * mapping is net-errors.ts's (`toNetError`), so every transport reports a DIRECT failure alike.
 */
export function directRouteFailure(err: unknown, request: PipelineRequest): SessionError | null {
  if (request.proxy !== 'DIRECT') return null;
  const context = { url: request.url.href, partition: request.partition, proxy: request.proxy };
  const { code } = toNetError(err, context);
  return DIRECT_CONNECT_FAILURES.has(code) ? routeFailure(code as RouteFailureCode, { ...context, phase: 'connect' }, err) : null;
}
