// One undici dispatcher per proxy entry, sending requests the way Chromium does through it:
// http: URLs in absolute form to PROXY and HTTPS proxies, everything else through a tunnel
// (CONNECT, SOCKS4, SOCKS5), TLS to the origin inside the tunnel for https: URLs.
import net from 'node:net';
import type tls from 'node:tls';
import { Agent, Dispatcher, Pool } from 'undici';
import { directRouteFailure, routeFailure, type PipelineRequest } from '../../core/src/fetch/transport.ts';
import type { Route } from '../route.ts';
import { ProxyConnectError, connectToProxy, openTunnel, type ProxyEndpoint, type TunnelTarget } from './proxy-connect.ts';
import { createSessionConnector, type OpenTarget, type SessionConnector } from './connector.ts';
import { WarmSockets, connectWith } from './warm-sockets.ts';

type ConnectCallback = (err: Error | null, socket: net.Socket | null) => void;

/** TLS settings of a route dispatcher. */
export interface RouteDispatcherOptions {
  /** Extra TLS options for the connection to an HTTPS proxy (e.g. `ca` for a private proxy CA). */
  proxyTls?: tls.ConnectionOptions;
  /** Extra TLS options for the origin inside a tunnel (the session's SSL config). */
  requestTls?: () => tls.ConnectionOptions;
  keepAliveTimeout?: number;
}

// Key of preconnected connections to the proxy itself (absolute-form requests).
const FORWARD = 'forward';

function tunnelTarget(protocol: string, hostname: string, port: string | number | null | undefined): TunnelTarget {
  return { host: String(hostname).replace(/^\[|\]$/g, ''), port: Number(port || (protocol === 'https:' ? 443 : 80)) };
}

/** The proxy endpoint of a non-DIRECT route. */
export function endpointOf(route: Exclude<Route, { kind: 'direct' }>): ProxyEndpoint {
  const hostPort = route.kind === 'socks' ? route.hostPort : route.url.slice(route.url.indexOf('//') + 2);
  const colon = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, colon).replace(/^\[|\]$/g, '');
  const kind = route.kind === 'socks' ? (route.version === 4 ? 'socks4' : 'socks5') : route.kind;
  return { kind, host, port: Number(hostPort.slice(colon + 1)) };
}

/**
 * A dispatcher for one proxy; `setProxyAuthorization` gives the credentials new tunnels present.
 * Every connection is opened by the session's connector (adapters/undici/connector.ts): the proxy's
 * name through the session's resolver, the TLS to an HTTPS proxy and to the origin inside a tunnel
 * through the session's SSL config and certificate verifier, as Chromium's connect jobs nest.
 */
export class RouteDispatcher extends Dispatcher {
  readonly #proxy: ProxyEndpoint;
  readonly #route: string;
  readonly #connector: SessionConnector;
  readonly #options: RouteDispatcherOptions;
  readonly #tunnels: Agent;
  readonly #forward: Pool | null;
  readonly #warm = new WarmSockets();
  #proxyAuthorization: string | undefined;

  /** @param connector the session's connector; one without a session (no resolver, Node's own verification) when absent. */
  constructor(route: Exclude<Route, { kind: 'direct' }>, options: RouteDispatcherOptions = {}, connector: SessionConnector = createSessionConnector()) {
    super();
    const proxy = endpointOf(route);
    this.#proxy = proxy;
    this.#route = route.text;
    this.#connector = connector;
    this.#options = options;
    const keepAliveTimeout = options.keepAliveTimeout ?? 10_000;
    this.#tunnels = new Agent({
      keepAliveTimeout,
      connect: (opts, callback) => {
        const target = tunnelTarget(opts.protocol, opts.hostname, opts.port);
        const servername = typeof opts.servername === 'string' && opts.servername ? opts.servername : undefined;
        connectWith(this.#warm, `${opts.protocol}//${target.host}:${target.port}`, () => this.#openTunnel(opts.protocol === 'https:', target, servername), callback as ConnectCallback);
      },
    });
    // Chromium sends http: URLs to HTTP and HTTPS proxies in absolute form, without a tunnel.
    this.#forward = proxy.kind === 'http' || proxy.kind === 'https'
      ? new Pool(`${proxy.kind}://${net.isIPv6(proxy.host) ? `[${proxy.host}]` : proxy.host}:${proxy.port}`, {
        keepAliveTimeout,
        connect: (_opts, callback) => {
          connectWith(this.#warm, FORWARD, () => this.#connectProxy(), callback as ConnectCallback);
        },
      })
      : null;
  }

  #connectProxy(): Promise<net.Socket> {
    return connectToProxy(this.#proxy, this.#connector.open, this.#options.proxyTls);
  }

  // Proxy connection, tunnel handshake, then (https:) TLS to the origin over the tunnel, verified
  // for the origin's name by the session (SSLConnectJob over HttpProxyConnectJob / SOCKSConnectJob).
  async #openTunnel(https: boolean, target: TunnelTarget, servername: string | undefined): Promise<net.Socket> {
    const auth = this.#proxyAuthorization;
    const socket = await this.#connectProxy();
    await openTunnel(socket, this.#proxy, target, auth, this.#connector.resolve);
    if (!https) return socket;
    const origin: OpenTarget = { hostname: target.host, port: target.port, tls: true, socket, route: this.#route };
    if (servername) origin.servername = servername;
    const extraTls = this.#options.requestTls?.();
    if (extraTls) origin.extraTls = extraTls;
    try {
      return await this.#connector.open(origin);
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  /**
   * `ses.preconnect` through this proxy, as Chromium's preconnect runs the whole connect job: for
   * an http: URL on an HTTP or HTTPS proxy, connections to the proxy; otherwise tunnels to the
   * origin (with TLS for https:). The next requests take these sockets first.
   */
  async preconnect(url: URL, numSockets: number): Promise<void> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    if (this.#forward && url.protocol === 'http:') {
      await this.#warm.fill(FORWARD, numSockets, () => this.#connectProxy());
      return;
    }
    const target = tunnelTarget(url.protocol, url.hostname, url.port);
    await this.#warm.fill(`${url.protocol}//${target.host}:${target.port}`, numSockets, () => this.#openTunnel(url.protocol === 'https:', target, undefined));
  }

  /** The `Proxy-Authorization` value for requests from now on (absolute form) and new tunnels. */
  setProxyAuthorization(value: string | undefined): void {
    this.#proxyAuthorization = value;
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = new URL(String(opts.origin));
    if (this.#forward && origin.protocol === 'http:') {
      const headers = headerList(opts.headers);
      if (!headers.some((v, i) => i % 2 === 0 && v.toLowerCase() === 'host')) headers.push('host', origin.host);
      if (this.#proxyAuthorization) headers.push('proxy-authorization', this.#proxyAuthorization);
      return this.#forward.dispatch({ ...opts, path: origin.origin + (opts.path || '/'), headers }, interceptProxyAuth(handler));
    }
    return this.#tunnels.dispatch(opts, handler);
  }

  override async close(): Promise<void> {
    this.#warm.clear();
    await Promise.all([this.#tunnels.close(), this.#forward?.close()]);
  }

  override async destroy(): Promise<void> {
    this.#warm.clear();
    await Promise.all([this.#tunnels.destroy(), this.#forward?.destroy()]);
  }

  /** `host:port` of the proxy, for messages. */
  get proxyAddress(): string {
    return `${this.#proxy.host}:${this.#proxy.port}`;
  }
}

// undici's fetch turns any 407 into a bare network error (fetch spec "no-window"), losing the
// challenge; a proxy's 407 is reported as ERR_PROXY_AUTH_REQUESTED with it instead, for the auth stage.
function interceptProxyAuth(handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler {
  type Legacy = {
    onConnect?: (abort: (err?: Error) => void, context?: unknown) => void;
    onHeaders?: (status: number, raw: Buffer[] | string[] | null, resume: () => void, text: string) => boolean;
  };
  const inner = handler as Legacy;
  const wrapped = Object.create(handler) as Legacy & Record<string, unknown>;
  // The handler's methods run on the handler itself, not on this wrapper (a handler may be a class
  // instance whose state is in private fields).
  const methods = inner as unknown as Record<string, unknown>;
  for (const name of DELEGATED) {
    const fn = methods[name];
    if (typeof fn === 'function') wrapped[name] = (...args: unknown[]) => (fn as (...a: unknown[]) => unknown).apply(inner, args);
  }
  let abort: ((err?: Error) => void) | null = null;
  wrapped.onConnect = function (a, context) {
    abort = a;
    return inner.onConnect?.(a, context);
  };
  wrapped.onHeaders = function (status, raw, resume, text) {
    if (status === 407 && abort) {
      const challenges: string[] = [];
      for (let i = 0; raw && i + 1 < raw.length; i += 2) {
        if (String(raw[i]).toLowerCase() === 'proxy-authenticate') challenges.push(String(raw[i + 1]));
      }
      abort(new ProxyConnectError('ERR_PROXY_AUTH_REQUESTED', 'the proxy answered 407', { proxyAuthenticate: challenges }));
      return false;
    }
    return inner.onHeaders ? inner.onHeaders(status, raw, resume, text) : true;
  };
  return wrapped as Dispatcher.DispatchHandler;
}

// The legacy handler methods undici may call, besides onConnect and onHeaders (wrapped above).
const DELEGATED = ['onRequestSent', 'onResponseStarted', 'onData', 'onComplete', 'onError', 'onUpgrade', 'onBodySent'];

function headerList(headers: Dispatcher.DispatchOptions['headers']): string[] {
  if (!headers) return [];
  if (Array.isArray(headers)) return headers.map(String);
  const out: string[] = [];
  for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.push(k, String(one));
  }
  return out;
}

/**
 * The routing-contract error for an undici failure (core/src/fetch/transport.ts), or null when the
 * failure is not about the route. Only errors known to happen before a byte of the request is
 * written count as `phase: 'connect'`.
 */
export function routeErrorFrom(err: unknown, request: PipelineRequest): Error | null {
  const context = { url: request.url.href, partition: request.partition, proxy: request.proxy };
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ProxyConnectError) {
      return routeFailure(e.code, { ...context, phase: 'connect', ...(e.proxyAuthenticate ? { proxyAuthenticate: e.proxyAuthenticate } : {}) }, e);
    }
  }
  return directRouteFailure(err, request);
}
