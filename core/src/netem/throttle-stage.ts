import { netError } from '../net/net-errors.ts';
import type { PipelineRequest, Stage } from '../fetch/transport.ts';
import { withBody } from '../fetch/response.ts';
import type { ThrottleResult, ThrottlingScheduler } from './throttling-scheduler.ts';

// Chromium's packet: with download throttling on, each read returns at most this many bytes.
const PACKET = 1500;
// Upload chunks handed to the transport (HttpStreamParser's request body buffer).
const UPLOAD_CHUNK = 16 * 1024;

/** The bytes of a response head as it came over HTTP/1.1: status line, header lines, blank line. */
export function responseHeadBytes(response: Response): number {
  let bytes = `HTTP/1.1 ${response.status} ${response.statusText}\r\n`.length + 2;
  response.headers.forEach((value, name) => {
    bytes += name.length + value.length + 4;
  });
  return bytes;
}

// One StartThrottle as a promise: 'pass' and a record's success resolve with the remaining bytes
// to carry (0 on 'pass'); offline rejects. `onRecord` learns the record id (to stop it on abort).
function throttle(scheduler: ThrottlingScheduler, bytes: number, sendEndUs: number | null, start: boolean, isUpload: boolean, onRecord: (id: number | null) => void): Promise<number> | number | 'offline' {
  let settle: ((result: ThrottleResult, remaining: number) => void) | null = null;
  let early: [ThrottleResult, number] | null = null;
  const rv = scheduler.startThrottle(bytes, sendEndUs, start, isUpload, (result, remaining) => {
    if (settle) settle(result, remaining);
    else early = [result, remaining];
  });
  if (rv === 'pass') return 0;
  if (rv === 'offline') return 'offline';
  onRecord(rv);
  return new Promise<number>((resolve, reject) => {
    settle = (result, remaining) => {
      onRecord(null);
      if (result === 'offline') reject(OFFLINE);
      else resolve(remaining);
    };
    if (early) settle(...early);
  });
}

const OFFLINE = Symbol('offline');

/**
 * The network emulation stage: Chromium's ThrottlingNetworkTransaction around the transport, below
 * the HTTP cache and proxy resolution (so cache hits are not throttled and proxied requests are).
 * A request fails at start with `net::ERR_INTERNET_DISCONNECTED` while offline; its request body
 * is charged to the upload budget chunk by chunk; once the headers arrive it waits out the latency
 * (from when the request finished sending) and the packets of the response head; its body is read
 * in pieces of at most 1500 bytes while download throttling is on, each charged to the download
 * budget with the overshoot carried to the next piece. `scheduler()` is null while the session has
 * never enabled emulation: then the stage adds nothing.
 */
export function createThrottleStage(scheduler: () => ThrottlingScheduler | null): Stage {
  return async (request, next) => {
    const s = scheduler();
    if (s === null) return next(request);
    const context = { url: request.url.href, partition: request.partition };
    if (s.offline) throw netError('ERR_INTERNET_DISCONNECTED', context);
    const clock = s.clock;
    let sendEndUs: number | null = null;
    let sent = request;
    if (request.body !== null && request.body !== undefined && s.conditions.uploadThroughput > 0) {
      const upload = await throttledUpload(request, s, () => { sendEndUs = clock.nowUs(); });
      sent = upload;
    } else {
      sendEndUs = clock.nowUs();
    }
    const response = await next(sent);
    // Throttle(start = true): the head's bytes, after the latency counted from send end.
    let record: number | null = null;
    const stop = (): void => {
      if (record !== null) s.stopThrottle(record);
      record = null;
    };
    const started = throttle(s, responseHeadBytes(response), sendEndUs ?? clock.nowUs(), true, false, (id) => { record = id; });
    let carry = 0;
    if (started === 'offline') {
      await response.body?.cancel().catch(() => undefined);
      throw netError('ERR_INTERNET_DISCONNECTED', context);
    }
    if (typeof started === 'number') carry = started;
    else {
      const onAbort = (): void => stop();
      request.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        carry = await abortable(started, request.signal);
      } catch (err) {
        stop();
        await response.body?.cancel().catch(() => undefined);
        throw err === OFFLINE ? netError('ERR_INTERNET_DISCONNECTED', context) : err;
      } finally {
        request.signal?.removeEventListener('abort', onAbort);
      }
    }
    if (response.body === null) return response;
    return withBody(response, throttledDownload(response.body, s, carry, context, request.signal));
  };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v); }, (e) => { signal.removeEventListener('abort', onAbort); reject(e); });
  });
}

// The body as the caller reads it: pieces of at most 1500 bytes while download throttling is on,
// each released when the scheduler has sent its packets. End of stream is not throttled (Chromium
// returns a synchronous EOF at once). Offline fails the next read, and a read waiting in the queue.
function throttledDownload(source: ReadableStream<Uint8Array>, s: ThrottlingScheduler, initialCarry: number, context: Record<string, unknown>, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let count = initialCarry;
  let pending: Uint8Array | null = null;
  let record: number | null = null;
  // An abort must not wait for the read's turn in the queue (with many streams that is long).
  let abortWaiting: ((reason: unknown) => void) | null = null;
  const onAbort = (): void => {
    if (record !== null) s.stopThrottle(record);
    record = null;
    abortWaiting?.(signal!.reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const done = (): void => signal?.removeEventListener('abort', onAbort);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (s.offline) {
        void reader.cancel().catch(() => undefined);
        controller.error(netError('ERR_INTERNET_DISCONNECTED', context));
        return;
      }
      let chunk = pending;
      pending = null;
      if (chunk === null) {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (err) {
          done();
          throw err;
        }
        if (step.done) {
          done();
          controller.close();
          return;
        }
        chunk = step.value;
        if (chunk.byteLength === 0) return;
      }
      let piece = chunk;
      if (s.downloadThrottled && chunk.byteLength > PACKET) {
        piece = chunk.subarray(0, PACKET);
        pending = chunk.subarray(PACKET);
      }
      count += piece.byteLength;
      const rv = throttle(s, count, null, false, false, (id) => { record = id; });
      if (rv === 'offline') {
        done();
        void reader.cancel().catch(() => undefined);
        controller.error(netError('ERR_INTERNET_DISCONNECTED', context));
        return;
      }
      if (typeof rv === 'number') count = rv;
      else {
        try {
          count = await new Promise<number>((resolve, reject) => {
            abortWaiting = reject;
            if (signal?.aborted) reject(signal.reason);
            rv.then(resolve, reject);
          });
        } catch (err) {
          done();
          if (record !== null) s.stopThrottle(record);
          record = null;
          void reader.cancel().catch(() => undefined);
          controller.error(err === OFFLINE ? netError('ERR_INTERNET_DISCONNECTED', context) : err);
          return;
        } finally {
          abortWaiting = null;
        }
      }
      controller.enqueue(piece);
    },
    cancel(reason) {
      done();
      if (record !== null) s.stopThrottle(record);
      record = null;
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

// The request body as the transport reads it: chunks charged to the upload budget (uploads are
// never failed by offline). The body keeps its length (Content-Length) and type. `onSent` runs
// when the transport has read the last byte (LoadTimingInfo.send_end).
async function throttledUpload(request: PipelineRequest, s: ThrottlingScheduler, onSent: () => void): Promise<PipelineRequest> {
  const headers = new Headers(request.headers);
  let source: ReadableStream<Uint8Array>;
  if (typeof ReadableStream !== 'undefined' && request.body instanceof ReadableStream) {
    source = request.body as ReadableStream<Uint8Array>;
  } else {
    const extracted = new Response(request.body as BodyInit);
    const bytes = new Uint8Array(await extracted.arrayBuffer());
    const type = extracted.headers.get('content-type');
    if (type !== null && !headers.has('content-type')) headers.set('content-type', type);
    if (!headers.has('content-length')) headers.set('content-length', String(bytes.byteLength));
    let at = 0;
    source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.byteLength) return controller.close();
        controller.enqueue(bytes.subarray(at, at + UPLOAD_CHUNK));
        at += UPLOAD_CHUNK;
      },
    }, { highWaterMark: 0 });
  }
  const reader = source.getReader();
  let count = 0;
  let record: number | null = null;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const step = await reader.read();
      if (step.done) {
        onSent();
        controller.close();
        return;
      }
      count += step.value.byteLength;
      const rv = throttle(s, count, null, false, true, (id) => { record = id; });
      if (typeof rv === 'number') count = rv;
      else if (rv !== 'offline') count = await rv.catch(() => 0);
      controller.enqueue(step.value);
    },
    cancel(reason) {
      if (record !== null) s.stopThrottle(record);
      record = null;
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { ...request, headers, body };
}
