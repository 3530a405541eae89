// One request at undici's dispatcher level, answered with a web Response built once: the headers
// a fetch would add, the body of every BodyInit kind, content decoding, and the body as a tapped
// stream (core/src/fetch/body-tap.ts) the session's stages watch without wrapping.
import zlib from 'node:zlib';
import { Buffer } from 'node:buffer';
import { Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { PipelineRequest } from '../../core/src/fetch/transport.ts';
import { createTappedBody, tapOf, type BodySink, type BodySource } from '../../core/src/fetch/body-tap.ts';
import { NULL_BODY_STATUSES, makeResponse } from '../../core/src/fetch/response.ts';

// Fetch's null body statuses (fetch spec; undici web/fetch/constants.js).
const MAX_CONTENT_ENCODINGS = 5;
const zstdDecompress = (zlib as { createZstdDecompress?: (options?: zlib.ZlibOptions) => zlib.Zlib & NodeJS.ReadWriteStream }).createZstdDecompress;
// Chromium advertises br and zstd only over TLS (net/url_request/url_request_http_job.cc).
const ACCEPT_ENCODING_HTTP = 'gzip, deflate';
const ACCEPT_ENCODING_HTTPS = zstdDecompress ? 'gzip, deflate, br, zstd' : 'gzip, deflate, br';

type DispatchBody = string | Buffer | Uint8Array | Blob | AsyncIterable<Uint8Array> | null;

const NO_DECODERS: NodeJS.ReadWriteStream[] = [];
const NO_BODY: { body: DispatchBody; type: string | null; length: number | null } = Object.freeze({ body: null, type: null, length: null });

/** The body as undici sends it, with the Content-Type fetch would give it (BodyInit extraction). */
async function extractBody(body: BodyInit | null): Promise<{ body: DispatchBody; type: string | null; length: number | null }> {
  if (body === null || body === undefined) return { body: null, type: null, length: null };
  if (typeof body === 'string') {
    const bytes = Buffer.from(body, 'utf8');
    return { body: bytes, type: 'text/plain;charset=UTF-8', length: bytes.byteLength };
  }
  if (body instanceof Uint8Array) return { body, type: null, length: body.byteLength };
  if (ArrayBuffer.isView(body)) return { body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), type: null, length: body.byteLength };
  if (body instanceof ArrayBuffer) return { body: new Uint8Array(body), type: null, length: body.byteLength };
  if (body instanceof URLSearchParams) {
    const bytes = Buffer.from(body.toString(), 'utf8');
    return { body: bytes, type: 'application/x-www-form-urlencoded;charset=UTF-8', length: bytes.byteLength };
  }
  if (body instanceof Blob) return { body, type: body.type || null, length: body.size };
  if (body instanceof ReadableStream) return { body: body as unknown as AsyncIterable<Uint8Array>, type: null, length: null };
  // FormData (and anything else BodyInit allows): the platform serialises it, boundary included.
  const serialised = new Response(body);
  const bytes = new Uint8Array(await serialised.arrayBuffer());
  return { body: bytes, type: serialised.headers.get('content-type'), length: bytes.byteLength };
}

/** The decoders for a Content-Encoding value, outermost coding last (undici fetch's rules); [] when none or unknown. */
function decodersFor(contentEncoding: string): Array<NodeJS.ReadWriteStream> | Error {
  const codings = contentEncoding.toLowerCase().split(',');
  if (codings.length > MAX_CONTENT_ENCODINGS) return new Error(`too many content-encodings in response: ${codings.length}, maximum allowed is ${MAX_CONTENT_ENCODINGS}`);
  const decoders: NodeJS.ReadWriteStream[] = [];
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!.trim();
    const lenient = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(zlib.createGunzip(lenient));
    else if (coding === 'deflate') decoders.push(createInflate(lenient));
    else if (coding === 'br') decoders.push(zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }));
    else if (coding === 'zstd' && zstdDecompress) decoders.push(zstdDecompress());
    else {
      // An unknown coding: the body is passed on as it came, and the zlib handles made so far are freed.
      for (const d of decoders) (d as Transform).destroy();
      return [];
    }
  }
  return decoders;
}

// "deflate" is zlib-wrapped by the spec, but servers send raw deflate too: the first byte tells.
function createInflate(options: zlib.ZlibOptions): Transform {
  let inner: zlib.Inflate | zlib.InflateRaw | null = null;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (!inner) {
        inner = (chunk[0]! & 0x0f) === 0x08 ? zlib.createInflate(options) : zlib.createInflateRaw(options);
        inner.on('data', (d: Buffer) => this.push(d));
        inner.on('error', (err) => this.destroy(err));
      }
      inner.write(chunk, () => callback());
    },
    flush(callback) {
      if (!inner) return callback();
      inner.once('end', () => callback());
      inner.end();
    },
  });
}

// A value Headers normalises to '' (HTTP whitespace only).
const BLANK = /^[\t\n\r ]*$/;

// Header names are tokens (ASCII): equal ignoring ASCII case, without lower-cased copies.
function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y && ((x | 0x20) !== (y | 0x20) || (x | 0x20) < 0x61 || (x | 0x20) > 0x7a)) return false;
  }
  return true;
}

/**
 * Sends `request` through `dispatcher` and answers with a Response whose body is a tapped stream.
 * Rejects with undici's own errors (not fetch's `TypeError('fetch failed')`), or the signal's reason.
 */
export async function dispatchRequest(dispatcher: Dispatcher, request: PipelineRequest): Promise<Response> {
  const { url, method, signal } = request;
  if (signal?.aborted) throw signal.reason;
  // Most requests have no body: no extraction, and no await (a promise and a tick per request).
  const extracted = request.body === null || request.body === undefined ? NO_BODY : await extractBody(request.body);
  const headers: string[] = [];
  let hasAccept = false;
  let hasAcceptLanguage = false;
  let hasAcceptEncoding = false;
  let hasContentType = false;
  let hasContentLength = false;
  let hasUserAgent = false;
  let hasRange = false;
  for (const [name, value] of request.headers) {
    switch (name) {
      case 'accept': hasAccept = true; break;
      case 'accept-language': hasAcceptLanguage = true; break;
      case 'accept-encoding': hasAcceptEncoding = true; break;
      case 'content-type': hasContentType = true; break;
      case 'content-length': hasContentLength = true; break;
      case 'user-agent': hasUserAgent = true; break;
      case 'range': hasRange = true; break;
      case 'sec-fetch-mode': continue;
    }
    headers.push(name, value);
  }
  // What undici's fetch added to every request before (fetch spec main fetch and HTTP-network-or-cache fetch).
  if (extracted.type !== null && !hasContentType) headers.push('content-type', extracted.type);
  if (!hasAccept) headers.push('accept', '*/*');
  if (!hasAcceptLanguage) headers.push('accept-language', '*');
  headers.push('sec-fetch-mode', 'cors');
  if (!hasUserAgent) headers.push('user-agent', 'undici');
  if (hasRange) headers.push('accept-encoding', 'identity');
  else if (!hasAcceptEncoding) headers.push('accept-encoding', url.protocol === 'https:' ? ACCEPT_ENCODING_HTTPS : ACCEPT_ENCODING_HTTP);
  if (!hasContentLength) {
    if (extracted.length !== null) headers.push('content-length', String(extracted.length));
    else if (extracted.body === null && (method === 'POST' || method === 'PUT')) headers.push('content-length', '0');
  }
  const hasTrailingQuestionMark = url.search.length === 0 && url.href[url.href.length - url.hash.length - 1] === '?';
  const path = url.pathname + url.search + (hasTrailingQuestionMark ? '?' : '');

  return new Promise<Response>((resolve, reject) => {
    const handler = new ResponseHandler(request, resolve, reject);
    try {
      dispatcher.dispatch({ origin: url.origin, path, headers, body: extracted.body as NonNullable<Dispatcher.DispatchOptions['body']> | null, method: method as Dispatcher.HttpMethod }, handler as unknown as Dispatcher.DispatchHandler);
    } catch (err) {
      handler.cleanup();
      reject(err);
    }
  });
}

/**
 * undici's handler for one request, which answers with the Response and then feeds its body. It
 * lives as long as the request (a thousand of them may be in flight), so its state is in fields,
 * not in closures over the request's whole setup (the header list, the extracted body...).
 * It is the body's source too (`resume` / `abort`).
 */
class ResponseHandler implements BodySource {
  readonly #request: PipelineRequest;
  readonly #resolve: (response: Response) => void;
  readonly #reject: (err: unknown) => void;
  readonly #onAbort: (() => void) | null = null;
  #abort: ((err?: Error) => void) | null = null;
  #settled = false;
  #stream: ReadableStream<Uint8Array> | null = null;
  // The body, once the headers are in: where chunks go, and whether undici was asked to pause.
  #out: BodySink | null = null;
  #failOut = false;
  #paused = false;
  #resumeUndici: (() => void) | null = null;
  // With Content-Encoding: the decoder chain (compressed bytes in `first`, decoded out of `last`).
  #decoders: NodeJS.ReadWriteStream[] = NO_DECODERS;
  #first: NodeJS.ReadWriteStream | null = null;
  #last: NodeJS.ReadWriteStream | null = null;

  constructor(request: PipelineRequest, resolve: (response: Response) => void, reject: (err: unknown) => void) {
    this.#request = request;
    this.#resolve = resolve;
    this.#reject = reject;
    const signal = request.signal;
    if (signal) {
      const onAbort = (): void => this.#aborted(signal.reason);
      this.#onAbort = onAbort;
      // Removed again when the response ends, so a long-lived signal does not collect listeners.
      signal.addEventListener('abort', onAbort);
    }
  }

  #aborted(reason: unknown): void {
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(reason);
    }
    const tap = tapOf(this.#stream);
    if (tap) tap.fail(reason);
    else this.#abort?.(reason instanceof Error ? reason : undefined);
  }

  cleanup(): void {
    if (this.#onAbort) this.#request.signal?.removeEventListener('abort', this.#onAbort);
  }

  onRequestSent(): void {
    this.#request.onRequestSent?.();
  }

  onConnect(a: (err?: Error) => void): void {
    this.#abort = a;
    if (this.#request.signal?.aborted) a();
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (status < 200) return true;
    // The fields go straight into the Response's own headers (#withFields): a Headers filled first
    // and copied by the Response constructor cost a second header list and its iteration per
    // response. Only a 16-byte name can be Content-Encoding, so only those are decoded here.
    let contentEncoding: string | null = null;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.length === 16 && raw[i]!.toString('latin1').toLowerCase() === 'content-encoding') {
        contentEncoding = raw[i + 1]!.toString('latin1');
        break;
      }
    }
    this.#settled = true;
    const method = this.#request.method;
    if (method === 'HEAD' || method === 'CONNECT' || NULL_BODY_STATUSES.has(status)) {
      const response = this.#withFields(makeResponse(null, status, statusText), raw);
      this.cleanup();
      this.#resolve(response);
      return true;
    }
    const decoders = contentEncoding === null ? NO_DECODERS : decodersFor(contentEncoding);
    if (decoders instanceof Error) {
      this.#settled = false;
      this.#abort?.(decoders);
      return false;
    }
    this.#decoders = decoders;
    this.#resumeUndici = resume;
    const last = decoders.length > 0 ? decoders[decoders.length - 1]! : null;
    this.#last = last;
    const body = createTappedBody(this, undefined, this.#request.bodyGate);
    this.#stream = body.stream;
    const out = body.sink;
    out.wire(0);
    this.#out = out;
    if (last) {
      // Compressed bytes go into the decoder chain; decoded bytes go to the body.
      const first = decoders[0]!;
      this.#first = first;
      let piped = first;
      for (let i = 1; i < decoders.length; i++) piped = piped.pipe(decoders[i]!);
      last.on('data', (chunk: Buffer) => {
        if (!out.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) last.pause();
      });
      last.on('end', () => out.close());
      for (const d of decoders) d.on('error', (err: Error) => { out.error(err); this.#abort?.(err); });
      first.on('drain', () => this.#resumeTransfer());
    }
    this.#failOut = true;
    this.#resolve(this.#withFields(makeResponse(body.stream, status, statusText), raw));
    return true;
  }

  // Appends the raw fields, in order and as sent, to the Response's headers: the same list (names,
  // order, joined values) the Response constructor made from a Headers filled the same way. A field
  // Headers refuses fails the request with Headers' own TypeError, as before (not answered yet).
  #withFields(response: Response, raw: Buffer[]): Response {
    const headers = response.headers;
    let blank = false;
    try {
      for (let i = 0; i < raw.length; i += 2) {
        const value = raw[i + 1]!.toString('latin1');
        headers.append(raw[i]!.toString('latin1'), value);
        if (!blank && BLANK.test(value)) blank = true;
      }
    } catch (err) {
      this.#settled = false;
      throw err;
    }
    // The copy normalised each joined value again: a repeated name whose last value is empty
    // ('v' then '') ended in ',' there, not in ', '. Set-Cookie was copied value by value.
    if (blank) {
      const names = raw.filter((_, i) => i % 2 === 0).map((b) => b.toString('latin1'));
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        if (sameToken(name, 'set-cookie') || names.findIndex((other) => sameToken(other, name)) !== i) continue;
        const value = headers.get(name)!;
        if (value.endsWith(' ')) headers.set(name, value.slice(0, -1));
      }
    }
    return response;
  }

  onData(chunk: Buffer): boolean {
    const out = this.#out;
    if (out === null) return true;
    // Counted before decoding: network emulation charges what came over the wire.
    out.wire(chunk.byteLength);
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const first = this.#first;
    if (first ? first.write(bytes) : out.enqueue(bytes)) return true;
    this.#paused = true;
    return false;
  }

  onComplete(): void {
    this.cleanup();
    if (this.#first) this.#first.end();
    else this.#out?.close();
  }

  onError(err: Error): void {
    this.cleanup();
    const signal = this.#request.signal;
    const reason = signal?.aborted ? signal.reason : err;
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(reason);
    }
    if (this.#failOut) this.#out!.error(reason);
  }

  // BodySource: the reader wants more.
  resume(): void {
    if (this.#last?.isPaused()) this.#last.resume();
    this.#resumeTransfer();
  }

  // BodySource: the body was cancelled or failed from outside.
  abort(reason: unknown): void {
    this.cleanup();
    this.#destroyDecoders();
    this.#abort?.(reason instanceof Error ? reason : new Error(String(reason ?? 'aborted')));
  }

  #resumeTransfer(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#resumeUndici!();
    }
  }

  // Frees the zlib handles now rather than at garbage collection; no 'end' or 'error' follows.
  #destroyDecoders(): void {
    for (const d of this.#decoders) {
      d.removeAllListeners('data');
      (d as Transform).destroy();
    }
  }
}
