import { SessionError } from '../core/src/errors.ts';
import type { PipelineRequest, Transport } from '../core/src/fetch/transport.ts';
import { firstRoute } from './route.ts';

/**
 * Browser transport: the platform's `fetch`. A page cannot choose its route, so a request whose
 * proxy list does not start with DIRECT fails with capability "choose-route" rather than silently
 * going another way than `resolveProxy` says.
 */
export function createBrowserFetchTransport(fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): Transport {
  return {
    name: 'fetch',
    // redirect: 'manual' gives an opaque response in a page, so the browser follows redirects itself.
    followsRedirects: true,
    dispatch(request) {
      const route = firstRoute(request.proxy);
      if (route.kind !== 'direct') {
        return Promise.reject(new SessionError('ERR_CAPABILITY_UNAVAILABLE', `This host cannot route a request through a proxy (capability "choose-route"); resolveProxy chose ${route.text}`, {
          context: { url: request.url.href, partition: request.partition, capability: 'choose-route' },
        }));
      }
      return sendBuffered(fetchImpl, request);
    },
  };
}

// Chromium streams request bodies only over HTTP/2 (anything else fails with
// ERR_ALPN_NEGOTIATION_FAILED), so a stream body is read into a Blob first.
async function sendBuffered(fetchImpl: typeof fetch, request: PipelineRequest): Promise<Response> {
  const init = fetchInit(request);
  // The session's own HTTP cache sits above the transport, as Chromium's does above its network
  // layer; the page's cache must not answer in its place.
  init.cache = 'no-store';
  if (typeof ReadableStream !== 'undefined' && init.body instanceof ReadableStream) {
    init.body = await new Response(init.body).blob();
    delete init.duplex;
  }
  return fetchImpl(request.url.href, init);
}

/** The `RequestInit` for the platform fetch. */
export function fetchInit(request: PipelineRequest): RequestInit & { duplex?: 'half' } {
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers: request.headers, redirect: request.redirect };
  if (request.body !== null) {
    init.body = request.body;
    init.duplex = 'half';
  }
  if (request.signal) init.signal = request.signal;
  return init;
}
