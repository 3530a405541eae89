import { Agent, ProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { SessionError } from '../core/src/errors.ts';
import type { PipelineRequest, Transport } from '../core/src/fetch/transport.ts';
import { firstRoute } from './route.ts';

/**
 * Node transport: undici's fetch over one connection pool per route (DIRECT, or one proxy).
 * HTTP and HTTPS proxies go through undici's ProxyAgent (CONNECT for https URLs).
 */
export function createUndiciTransport(): Transport {
  const direct = new Agent({ keepAliveTimeout: 10_000 });
  const proxies = new Map<string, Dispatcher>();

  function dispatcherFor(request: PipelineRequest): Dispatcher {
    const route = firstRoute(request.proxy);
    if (route.kind === 'direct') return direct;
    if (route.kind === 'socks') {
      throw new SessionError('ERR_PROXY_SCHEME_UNSUPPORTED', `SOCKS proxies (${route.text}) are not routed yet on Node`, {
        context: { url: request.url.href, partition: request.partition, proxy: route.text },
      });
    }
    let agent = proxies.get(route.url);
    if (!agent) {
      agent = new ProxyAgent({ uri: route.url, keepAliveTimeout: 10_000 });
      proxies.set(route.url, agent);
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
