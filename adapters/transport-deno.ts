import { SessionError } from '../core/src/errors.ts';
import type { Transport } from '../core/src/fetch/transport.ts';
import { fetchInit } from './transport-fetch.ts';
import { firstRoute } from './route.ts';
import { denoRouteError } from './deno-route-errors.ts';

interface DenoHttpClient { close(): void }
declare const Deno: {
  createHttpClient(options: { proxy?: { url: string } }): DenoHttpClient;
};

/**
 * Deno transport: `fetch`, with one `Deno.createHttpClient` per proxy for HTTP, HTTPS and SOCKS5
 * proxies (Deno's client supports `http://`, `https://` and `socks5://` proxy URLs).
 */
export function createDenoTransport(): Transport {
  const clients = new Map<string, DenoHttpClient>();
  function clientFor(url: string): DenoHttpClient {
    let client = clients.get(url);
    if (!client) {
      client = Deno.createHttpClient({ proxy: { url } });
      clients.set(url, client);
    }
    return client;
  }
  return {
    name: 'deno-fetch',
    dispatch(request) {
      const route = firstRoute(request.proxy);
      const init = fetchInit(request) as RequestInit & { client?: DenoHttpClient };
      if (route.kind === 'http' || route.kind === 'https') init.client = clientFor(route.url);
      else if (route.kind === 'socks') {
        if (route.version === 4) {
          return Promise.reject(new SessionError('ERR_PROXY_SCHEME_UNSUPPORTED', `Deno cannot route through a SOCKS4 proxy (${route.text})`, {
            context: { url: request.url.href, partition: request.partition },
          }));
        }
        init.client = clientFor(`socks5://${route.hostPort}`);
      }
      return fetch(request.url.href, init).catch((err: unknown) => { throw denoRouteError(err, request) ?? err; });
    },
    async close() {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}
