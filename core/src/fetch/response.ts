/** Statuses whose responses have no body (Fetch standard), as Electron's net.fetch treats them. */
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 204, 205, 304]);

/**
 * A copy of `response` with another body, keeping status, headers, `url` and `redirected` (which
 * `new Response()` cannot set, so they are defined on the copy). Statuses `Response` cannot be
 * built with (1xx, 0) keep the original object.
 */
export function withBody(response: Response, body: ReadableStream<Uint8Array> | null, extra: { url?: string; redirected?: boolean } = {}): Response {
  let copy = response;
  if (body !== response.body && response.status >= 200 && response.status <= 599) {
    // A Response with a null-body status cannot be built with a body, even an empty one.
    const content = NULL_BODY_STATUSES.has(response.status) ? null : body;
    copy = new Response(content, { status: response.status, statusText: response.statusText, headers: response.headers });
  }
  const url = extra.url ?? response.url;
  const redirected = extra.redirected ?? response.redirected;
  if (copy.url !== url) Object.defineProperty(copy, 'url', { value: url, enumerable: true, configurable: true });
  if (copy.redirected !== redirected) Object.defineProperty(copy, 'redirected', { value: redirected, enumerable: true, configurable: true });
  return copy;
}

/**
 * A Response with any status a server may send (100-999), as Chromium hands it on. `new Response()`
 * only takes 200-599, so other statuses are set on the object afterwards (with `ok` false).
 */
export function makeResponse(body: BodyInit | null, status: number, statusText: string, headers?: HeadersInit): Response {
  const inRange = status >= 200 && status <= 599;
  // No headers: none are given (the caller appends its fields to the Response's own list).
  const init: ResponseInit = headers === undefined ? { status: inRange ? status : 200, statusText } : { status: inRange ? status : 200, statusText, headers };
  if (inRange) return new Response(NULL_BODY_STATUSES.has(status) ? null : body, init);
  const response = new Response(body, init);
  Object.defineProperty(response, 'status', { value: status, enumerable: true, configurable: true });
  Object.defineProperty(response, 'ok', { value: false, enumerable: true, configurable: true });
  return response;
}
