import { Agent, ProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { SessionError } from '../core/src/errors.ts';
import type { PipelineRequest, Transport } from '../core/src/fetch/transport.ts';
import { firstRoute } from './route.ts';

/**
 * Node transport: undici's fetch over one connection pool per route (DIRECT, or one proxy).
 * HTTP and HTTPS proxies go through undici's ProxyAgent: like Chromium, plain `http:` requests are
 * sent to an HTTP proxy in absolute form and `https:` ones through a CONNECT tunnel. SOCKS5 goes
 * through undici's SOCKS5 agent; SOCKS4 is not routed yet.
 */
export function createUndiciTransport(): Transport {
  const direct = new Agent({ keepAliveTimeout: 10_000 });
  const proxies = new Map<string, Dispatcher>();

  function dispatcherFor(request: PipelineRequest): Dispatcher {
    const route = firstRoute(request.proxy);
    if (route.kind === 'direct') return direct;
    if (route.kind === 'socks' && route.version === 4) {
      throw new SessionError('ERR_PROXY_SCHEME_UNSUPPORTED', `SOCKS4 proxies (${route.text}) are not routed yet on Node`, {
        context: { url: request.url.href, partition: request.partition, proxy: route.text },
      });
    }
    const uri = route.kind === 'socks' ? `socks5://${route.hostPort}` : route.url;
    let agent = proxies.get(uri);
    if (!agent) {
      agent = new ProxyAgent({ uri, proxyTunnel: false, keepAliveTimeout: 10_000 });
      proxies.set(uri, agent);
    }
    return agent;
  }

  return {
    name: 'undici',
    async dispatch(request) {
      const init: Record<string, unknown> = {
        method: request.method,
        headers: request.headers,
        redirect: request.redirect,
        dispatcher: dispatcherFor(request),
      };
      if (request.body !== null) {
        init.body = request.body;
        init.duplex = 'half';
      }
      if (request.signal) init.signal = request.signal;
      return (await undiciFetch(request.url.href, init as Parameters<typeof undiciFetch>[1])) as unknown as Response;
    },
    async close() {
      await Promise.all([direct.close(), ...[...proxies.values()].map((p) => p.close())]);
      proxies.clear();
    },
  };
}
