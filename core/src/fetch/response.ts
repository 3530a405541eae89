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
