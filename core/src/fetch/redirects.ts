import { netError } from '../net/net-errors.ts';
import type { PipelineRequest, Stage } from './transport.ts';
import { withBody } from './response.ts';

// net/url_request/url_request.h kMaxRedirects.
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Schemes a web redirect may lead to (net/url_request/url_request_job_factory.cc
// IsSafeRedirectTarget with the http(s) and ws(s) handlers); file:, data:, about:, blob: ... are not.
const SAFE_REDIRECT_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:']);

/** True when Chromium lets an http(s) response redirect to `target`. */
export function isSafeRedirectTarget(target: URL): boolean {
  return SAFE_REDIRECT_SCHEMES.has(target.protocol);
}

/** Electron's net.fetch rejection for `redirect: 'error'` (lib/browser/api/net-fetch.ts). */
export const REDIRECT_ERROR_MESSAGE = "Attempted to redirect, but redirect policy was 'error'";

/**
 * Follows redirects in the pipeline, as Chromium's URLRequest does, so each hop goes through the
 * stages after this one again (its own proxy resolution, cookies, webRequest). The transport is
 * always asked for `redirect: 'manual'`. Mirrors net/url_request/redirect_info.cc: 301/302 turn
 * POST into GET, 303 turns anything but HEAD into GET (dropping the body and its headers), 307/308
 * keep method and body; Authorization is dropped when the origin changes (Fetch spec, as Chromium).
 * Unsafe targets fail with `net::ERR_UNSAFE_REDIRECT` before the redirect mode is considered.
 *
 * `transportFollows`: the transport cannot hand back redirect responses (a browser's `fetch`
 * answers `'manual'` with an opaque response), so it follows them itself; only `'error'` is
 * translated into Electron's message.
 */
export function redirectStage(transportFollows: boolean): Stage {
  // The first hop's answer is looked at in a `then`, not in a suspended frame (a thousand
  // requests may be in flight); a redirect goes on in `follow`.
  return (request, next) => {
    try {
      const mode = request.redirect;
      if (transportFollows) {
        if (mode !== 'error') return next(request);
        return next({ ...request, redirect: 'manual' }).then((response) => {
          if (response.type === 'opaqueredirect') throw new TypeError(REDIRECT_ERROR_MESSAGE);
          return response;
        });
      }
      // Each hop after the first gets its own copy of the headers (nextHop), so the first needs none.
      const hop: PipelineRequest = { ...request, redirect: 'manual' };
      return next(hop).then((response) => {
        const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null;
        if (location === null) return withBody(response, response.body, { url: hop.url.href, redirected: false });
        return follow(request, next, hop, response, location);
      });
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

// From the first answer that names a `location`: Chromium's redirect rules, hop after hop.
async function follow(request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>, first: PipelineRequest, firstResponse: Response, firstLocation: string): Promise<Response> {
  const mode = request.redirect;
  const urlList: URL[] = [first.url];
  let hop = first;
  let response = firstResponse;
  let location: string | null = firstLocation;
  for (;;) {
    if (location === null) return withBody(response, response.body, { url: hop.url.href, redirected: urlList.length > 1 });
    const context = { url: hop.url.href, partition: request.partition, location };
    let target: URL;
    try {
      target = new URL(location, hop.url);
    } catch {
      await response.body?.cancel();
      throw netError('ERR_INVALID_REDIRECT', context);
    }
    if (!isSafeRedirectTarget(target)) {
      await response.body?.cancel();
      throw netError('ERR_UNSAFE_REDIRECT', context);
    }
    if (mode === 'manual') return withBody(response, response.body, { url: hop.url.href, redirected: urlList.length > 1 });
    await response.body?.cancel();
    if (mode === 'error') throw new TypeError(REDIRECT_ERROR_MESSAGE);
    if (urlList.length > MAX_REDIRECTS) throw netError('ERR_TOO_MANY_REDIRECTS', context);
    hop = nextHop(hop, response.status, target);
    urlList.push(hop.url);
    response = await next(hop);
    location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null;
  }
}

function nextHop(previous: PipelineRequest, status: number, target: URL): PipelineRequest {
  const headers = new Headers(previous.headers);
  let { method, body } = previous;
  if (((status === 301 || status === 302) && method === 'POST') || (status === 303 && method !== 'HEAD')) {
    method = 'GET';
    body = null;
    for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
  }
  if (body !== null && typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) {
    // A stream was consumed by the first hop and cannot be sent again (Chromium's ChunkedUploadDataStream
    // cannot rewind either: ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED).
    throw netError('ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED', { url: target.href, partition: previous.partition });
  }
  if (target.origin !== previous.url.origin) headers.delete('authorization');
  return { ...previous, url: target, method, body, headers, proxy: 'DIRECT' };
}
