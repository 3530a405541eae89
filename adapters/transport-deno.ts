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
      return fetch(request.url.href, init).then(decodeDeflate, (err: unknown) => { throw denoRouteError(err, request) ?? err; });
    },
    async close() {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}

// Deno's fetch decodes gzip and br but hands `Content-Encoding: deflate` bodies over as they came
// (Deno 2.9), while Chromium decodes them. The body is decoded here when it starts with a zlib
// header, so a Deno that learns to decode deflate is not decoded twice.
function decodeDeflate(response: Response): Response {
  if (!response.body || response.headers.get('content-encoding')?.trim().toLowerCase() !== 'deflate') return response;
  const reader = response.body.getReader();
  let first: Promise<ReadableStreamReadResult<Uint8Array>> | null = reader.read();
  // The body as it came, with its first chunk (already read to look at the header) put back.
  const original = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await (first ?? reader.read());
      first = null;
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const body = first.then(({ value }) => {
    const zlibHeader = value !== undefined && value.length >= 2 && (value[0]! & 0x0f) === 8 && ((value[0]! << 8) | value[1]!) % 31 === 0;
    return zlibHeader ? original.pipeThrough(new DecompressionStream('deflate') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>) : original;
  });
  const out = body.then((source) => source.getReader());
  const decoded = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await (await out).read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await (await out).cancel(reason);
    },
  });
  return new Response(decoded, { status: response.status, statusText: response.statusText, headers: response.headers });
}
