import { Agent, type Dispatcher } from 'undici';
import type { PipelineRequest, Transport, TransportContext } from '../core/src/fetch/transport.ts';
import { createSessionConnector } from './undici/connector.ts';
import { firstRoute, type Route } from './route.ts';
import { dispatchRequest } from './undici/dispatch-request.ts';
import { RouteDispatcher, routeErrorFrom, type RouteDispatcherOptions } from './undici/route-dispatcher.ts';

/**
 * Node transport: undici at the dispatcher level (adapters/undici/dispatch-request.ts builds the
 * Response once) over one connection pool per route (DIRECT, or one proxy).
 * Proxies go through `RouteDispatcher` (adapters/undici): like Chromium, plain `http:` requests are
 * sent to HTTP and HTTPS proxies in absolute form, the rest through a CONNECT, SOCKS4 or SOCKS5
 * tunnel. Route failures reject per the contract in core/src/fetch/transport.ts.
 */
export function createUndiciTransport(options: RouteDispatcherOptions = {}, context?: TransportContext): Transport {
  // DIRECT connections go through the session's connector: its host resolver, SSL config and
  // certificate verifier (adapters/undici/connector.ts).
  const connector = createSessionConnector(context);
  const newDirect = (): Agent => new Agent({ keepAliveTimeout: 10_000, connect: connector.connect });
  let direct = newDirect();
  // Proxied routes open their connections through the same connector, so the proxy's name, its
  // certificate and the origin's certificate inside a tunnel follow the session's policy too.
  // One dispatcher per (proxy, Proxy-Authorization): a tunnel presents its credentials when it
  // opens, later than the request that asked for it, so requests with different credentials must
  // not share a pool. Digest gives each request its own value, so only the most recent few
  // dispatchers of a proxy are kept; older ones close once their requests finish.
  const proxies = new Map<string, RouteDispatcher>();
  const MAX_CREDENTIAL_POOLS_PER_PROXY = 4;

  function routeDispatcher(route: Exclude<Route, { kind: 'direct' }>, authorization?: string): RouteDispatcher {
    const key = `${route.text}\n${authorization ?? ''}`;
    let agent = proxies.get(key);
    if (!agent) {
      agent = new RouteDispatcher(route, { keepAliveTimeout: 10_000, ...options }, connector);
      agent.setProxyAuthorization(authorization);
      const sameProxy = [...proxies.keys()].filter((k) => k.startsWith(`${route.text}\n`));
      for (const old of sameProxy.slice(0, Math.max(0, sameProxy.length - MAX_CREDENTIAL_POOLS_PER_PROXY + 1))) {
        void proxies.get(old)?.close().catch(() => undefined);
        proxies.delete(old);
      }
      proxies.set(key, agent);
    }
    return agent;
  }

  function dispatcherFor(request: PipelineRequest): Dispatcher {
    const route = firstRoute(request.proxy);
    if (route.kind === 'direct') return direct;
    return routeDispatcher(route, request.proxyAuthorization);
  }

  return {
    name: 'undici',
    // close() destroys the pools, which fails every request in flight, headers or body.
    failsInFlightOnClose: true,
    // Not an async function: a suspended frame per request in flight is what a thousand concurrent
    // requests would keep alive until their heads arrive; a rejection handler is enough.
    dispatch(request) {
      let answer: Promise<Response>;
      try {
        answer = dispatchRequest(dispatcherFor(request), request);
      } catch (err) {
        answer = Promise.reject(err);
      }
      return answer.then(undefined, (err: unknown) => {
        if (request.signal?.aborted && err === request.signal.reason) throw err;
        throw routeErrorFrom(err, request) ?? err;
      });
    },
    // Both replace the pools, so the transport stays usable: close() destroys (in-flight requests
    // fail), flush() lets in-flight requests finish on the old pools.
    async close() {
      const old = [direct, ...proxies.values()];
      direct = newDirect();
      proxies.clear();
      connector.closeIdle();
      await Promise.all(old.map((d) => d.destroy()));
    },
    async flush() {
      const old = [direct, ...proxies.values()];
      direct = newDirect();
      proxies.clear();
      connector.closeIdle();
      await Promise.all(old.map((d) => d.close()));
    },
    async preconnect(url, numSockets, proxy) {
      // Chromium preconnects along the route: to the origin for DIRECT, else to the proxy (with the
      // tunnel, and TLS for https:, when the request would use one).
      const route = firstRoute(proxy);
      if (route.kind === 'direct') await connector.preconnect(url, numSockets);
      else await routeDispatcher(route).preconnect(url, numSockets);
    },
  };
}
