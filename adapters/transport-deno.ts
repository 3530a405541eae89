import { SessionError } from '../core/src/errors.ts';
import { routeFailure, routeFailureOf, type PipelineRequest, type Transport } from '../core/src/fetch/transport.ts';
import { parseChallenges } from '../core/src/fetch/auth.ts';
import { fetchInit } from './transport-fetch.ts';
import { makeResponse } from '../core/src/fetch/response.ts';
import { firstRoute, type Route } from './route.ts';
import { denoRouteError, probeConnectChallenge } from './deno-route-errors.ts';

interface DenoHttpClient { close(): void }
interface DenoBasicAuth { username: string; password: string }
declare const Deno: {
  createHttpClient(options: { proxy?: { url: string; basicAuth?: DenoBasicAuth } }): DenoHttpClient;
};

type HttpRoute = Extract<Route, { kind: 'http' | 'https' }>;

/**
 * Deno transport: `fetch`, with one `Deno.createHttpClient` per proxy for HTTP, HTTPS and SOCKS5
 * proxies (Deno's client supports `http://`, `https://` and `socks5://` proxy URLs), and per
 * (proxy, Basic credentials) once the auth stage has credentials for the proxy: Deno's client
 * takes fixed `basicAuth` and sends it with absolute-form requests and on CONNECT.
 */
export function createDenoTransport(): Transport {
  const clients = new Map<string, DenoHttpClient>();
  function clientFor(url: string, basicAuth?: DenoBasicAuth): DenoHttpClient {
    const key = basicAuth ? JSON.stringify([url, basicAuth.username, basicAuth.password]) : url;
    let client = clients.get(key);
    if (!client) {
      client = Deno.createHttpClient({ proxy: basicAuth ? { url, basicAuth } : { url } });
      clients.set(key, client);
    }
    return client;
  }
  return {
    name: 'deno-fetch',
    dispatch(request) {
      const route = firstRoute(request.proxy);
      const init = fetchInit(request) as RequestInit & { client?: DenoHttpClient };
      if (route.kind === 'http' || route.kind === 'https') {
        const authorization = request.proxyAuthorization;
        const basic = authorization === undefined ? undefined : decodeBasic(authorization);
        if (authorization !== undefined && basic === undefined) {
          // Digest: an http: URL through a PROXY goes to the proxy in absolute form (never tunnelled
          // by Deno), so the header reaches the proxy alone; a CONNECT cannot carry it (see below).
          if (route.kind !== 'http' || request.url.protocol !== 'http:') return Promise.reject(digestUnsupported(request, route));
          const headers = new Headers(request.headers);
          headers.set('proxy-authorization', authorization);
          init.headers = headers;
        }
        init.client = clientFor(route.url, basic);
      } else if (route.kind === 'socks') {
        if (route.version === 4) {
          return Promise.reject(new SessionError('ERR_PROXY_SCHEME_UNSUPPORTED', `Deno cannot route through a SOCKS4 proxy (${route.text})`, {
            context: { url: request.url.href, partition: request.partition },
          }));
        }
        init.client = clientFor(`socks5://${route.hostPort}`);
      }
      return fetch(request.url.href, init).then(decodeDeflate, async (err: unknown) => {
        const failure = denoRouteError(err, request) ?? err;
        if ((route.kind === 'http' || route.kind === 'https') && routeFailureOf(failure)?.code === 'ERR_PROXY_AUTH_REQUESTED') {
          throw await withConnectChallenge(err, request, route);
        }
        throw failure;
      });
    },
    async close() {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}

/** The username and password of a `Basic` credentials value, or undefined for another scheme. */
function decodeBasic(value: string): DenoBasicAuth | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(value);
  if (!m) return undefined;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(m[1]!), (c) => c.charCodeAt(0)));
    const colon = text.indexOf(':');
    return colon < 0 ? undefined : { username: text.slice(0, colon), password: text.slice(colon + 1) };
  } catch {
    return undefined;
  }
}

// Deno answers a CONNECT refused with 407 by an error without the response, so the challenge is
// asked of the proxy again (probeConnectChallenge) and handed to the auth stage as the routing
// contract says. Only Basic can be answered on a CONNECT: Digest challenges are dropped when Basic
// is offered too, and a Digest-only proxy is a stated limit rather than a login that cannot work.
async function withConnectChallenge(err: unknown, request: PipelineRequest, route: HttpRoute): Promise<Error> {
  const target = `${request.url.hostname}:${request.url.port || (request.url.protocol === 'https:' ? 443 : 80)}`;
  const values = await probeConnectChallenge(route.url, target);
  const context = { url: request.url.href, partition: request.partition, proxy: request.proxy, phase: 'connect' as const };
  if (values === null) return routeFailure('ERR_PROXY_AUTH_REQUESTED', { ...context, proxyAuthenticate: [] }, err);
  const challenges = parseChallenges(values);
  const basic = challenges.filter((c) => c.scheme === 'basic');
  if (basic.length === 0 && challenges.some((c) => c.scheme === 'digest')) return digestUnsupported(request, route, err);
  const proxyAuthenticate = basic.length === challenges.length ? values : basic.map((c) => `Basic realm="${(c.params.get('realm') ?? '').replace(/[\\"]/g, '\\$&')}"`);
  return routeFailure('ERR_PROXY_AUTH_REQUESTED', { ...context, proxyAuthenticate }, err);
}

function digestUnsupported(request: PipelineRequest, route: HttpRoute, cause?: unknown): SessionError {
  const where = route.kind === 'https' ? `an HTTPS proxy (${route.text})` : `a CONNECT tunnel through ${route.text}`;
  return new SessionError('ERR_PROXY_AUTH_UNSUPPORTED',
    `Deno cannot answer a Digest challenge from ${where} for ${request.url.href}: Deno.createHttpClient sends fixed Basic credentials only. Use a proxy that accepts Basic, or an http: URL through a PROXY entry`, {
      cause, context: { url: request.url.href, partition: request.partition, proxy: request.proxy, limit: 'deno-proxy-digest' },
    });
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
  return makeResponse(decoded, response.status, response.statusText, response.headers);
}
