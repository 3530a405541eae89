import { netError } from '../net/net-errors.ts';
import type { PipelineRequest, Stage } from '../fetch/transport.ts';
import { withBody } from '../fetch/response.ts';
import { tapOf } from '../fetch/body-tap.ts';
import type { SessionError } from '../errors.ts';
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

// One StartThrottle as a promise. `bytes` is the running total of the request (Chromium's
// throttled_byte_count_): 'pass' leaves it as it is, a record's completion replaces it with the
// remaining bytes (the overshoot to carry, below zero), offline rejects. `onRecord` learns the
// record id while it waits (to stop it on abort).
function throttle(scheduler: ThrottlingScheduler, bytes: number, sendEndUs: number | null, start: boolean, isUpload: boolean, onRecord: (id: number | null) => void): Promise<number> | number | 'offline' {
  let settle: ((result: ThrottleResult, remaining: number) => void) | null = null;
  let early: [ThrottleResult, number] | null = null;
  const rv = scheduler.startThrottle(bytes, sendEndUs, start, isUpload, (result, remaining) => {
    if (settle) settle(result, remaining);
    else early = [result, remaining];
  });
  if (rv === 'pass') return bytes;
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

// A waiting throttle that an abort can end at once (a stream's turn may be far off with many streams).
function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v); }, (e) => { signal.removeEventListener('abort', onAbort); reject(e); });
  });
}

/**
 * The network emulation stage: Chromium's ThrottlingNetworkTransaction around the transport, below
 * the HTTP cache and proxy resolution (so cache hits are not throttled and proxied requests are).
 * A request fails at start with `net::ERR_INTERNET_DISCONNECTED` while offline. Its request body
 * goes through the upload budget chunk by chunk, and the moment its last byte is handed over is
 * the send end. Once the headers arrive the request waits out the latency (from the send end) and
 * the packets of the response head. Its body is charged to the download budget as it is read:
 * pieces of at most 1500 bytes while download throttling is on, the overshoot carried; where the
 * transport counts the bytes before content decoding (Node), those are what is charged, as
 * Chromium charges encoded bytes. `scheduler()` is null while the session has never enabled
 * emulation: then the stage adds nothing.
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
    const hasBody = request.body !== null && request.body !== undefined;
    const conditions = s.conditions;
    // Chromium wraps every upload; here a body is wrapped when its time matters: an upload budget
    // to charge, or a latency that counts from the send end.
    let upload: ThrottledUpload | null = null;
    if (hasBody && s.throttling && (conditions.uploadThroughput > 0 || conditions.latencyMs > 0)) {
      upload = await throttledUpload(request, s, () => { sendEndUs = clock.nowUs(); });
      sent = upload.request;
    } else {
      sendEndUs = clock.nowUs();
    }
    // A transport that reports when the request went out (Node) gives the send end Chromium uses:
    // after connecting, after the body.
    sent = { ...sent, onRequestSent: () => { sendEndUs = Math.max(sendEndUs ?? 0, clock.nowUs()); } };
    let response: Response;
    try {
      response = await next(sent);
    } catch (err) {
      upload?.stop(err);
      throw err;
    }
    upload?.detach();
    // Throttle(start = true): the head's bytes, after the latency counted from the send end.
    let record: number | null = null;
    const started = throttle(s, responseHeadBytes(response), sendEndUs ?? clock.nowUs(), true, false, (id) => { record = id; });
    let count: number;
    if (started === 'offline') {
      await response.body?.cancel().catch(() => undefined);
      throw netError('ERR_INTERNET_DISCONNECTED', context);
    }
    if (typeof started === 'number') count = started;
    else {
      try {
        count = await waitFor(started, request.signal);
      } catch (err) {
        if (record !== null) s.stopThrottle(record);
        await response.body?.cancel().catch(() => undefined);
        throw err === OFFLINE ? netError('ERR_INTERNET_DISCONNECTED', context) : err;
      }
    }
    if (response.body === null) return response;
    // A transport that decodes Content-Encoding itself and counts the encoded bytes (Node) lets the
    // stage charge what came over the wire, as Chromium does; elsewhere decoded bytes are charged.
    const tap = tapOf(response.body);
    const wire = response.headers.has('content-encoding') && tap !== null && tap.wireBytes() !== null ? () => tap.wireBytes()! : null;
    return withBody(response, throttledDownload(response.body, s, count, context, request.signal, wire));
  };
}

// The body as the caller reads it, each read released when the scheduler has sent its packets.
// End of stream is not throttled (Chromium returns a synchronous EOF at once). Offline fails the
// next read, and a read waiting in the queue; an abort ends a waiting read at once.
function throttledDownload(source: ReadableStream<Uint8Array>, s: ThrottlingScheduler, initialCount: number, context: Record<string, unknown>,
  signal: AbortSignal | undefined, wireBytes: (() => number) | null): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let count = initialCount;
  let pending: Uint8Array | null = null;
  let record: number | null = null;
  let wireCharged = 0;
  let finished = false;
  // Every way out: the record leaves the queue and the source is let go.
  const finish = (cancelSource: boolean, reason?: unknown): void => {
    if (finished) return;
    finished = true;
    if (record !== null) s.stopThrottle(record);
    record = null;
    if (cancelSource) void reader.cancel(reason).catch(() => undefined);
  };
  const offline = (): SessionError => netError('ERR_INTERNET_DISCONNECTED', context);
  // Charges `bytes` more (one read of Chromium's); false when offline.
  const charge = async (bytes: number): Promise<void> => {
    count += bytes;
    const rv = throttle(s, count, null, false, false, (id) => { record = id; });
    if (rv === 'offline') throw offline();
    if (typeof rv === 'number') count = rv;
    else {
      try {
        count = await waitFor(rv, signal);
      } catch (err) {
        throw err === OFFLINE ? offline() : err;
      }
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (s.offline) throw offline();
        let chunk = pending;
        pending = null;
        while (chunk === null || chunk.byteLength === 0) {
          const step = await reader.read();
          if (step.done) {
            // Encoded bytes that produced no output (a gzip trailer) still count.
            const rest = wireBytes === null ? 0 : wireBytes() - wireCharged;
            if (rest > 0) await chargeWire(rest);
            finish(false);
            controller.close();
            return;
          }
          chunk = step.value;
        }
        if (wireBytes !== null) {
          // A decoded chunk: charge the encoded bytes received since the last one, then hand it over whole.
          const wire = wireBytes();
          const delta = wire - wireCharged;
          wireCharged = wire;
          if (delta > 0) await chargeWire(delta);
          controller.enqueue(chunk);
          return;
        }
        let piece = chunk;
        if (s.downloadThrottled && chunk.byteLength > PACKET) {
          piece = chunk.subarray(0, PACKET);
          pending = chunk.subarray(PACKET);
        }
        await charge(piece.byteLength);
        controller.enqueue(piece);
      } catch (err) {
        finish(true, err);
        controller.error(err);
      }
    },
    cancel(reason) {
      finish(false);
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });

  async function chargeWire(bytes: number): Promise<void> {
    for (let left = bytes; left > 0; left -= PACKET) await charge(s.downloadThrottled ? Math.min(PACKET, left) : left);
  }
}

interface ThrottledUpload {
  readonly request: PipelineRequest;
  /** The request failed: the upload record leaves the queue and the caller's body is cancelled. */
  stop(reason: unknown): void;
  /** The response arrived: no more need to watch the signal. */
  detach(): void;
}

// The request body as the transport reads it: chunks charged to the upload budget (uploads are
// never failed by offline). The body keeps its length (Content-Length) and type. `onSent` runs
// when the transport has read the last byte (LoadTimingInfo.send_end).
async function throttledUpload(request: PipelineRequest, s: ThrottlingScheduler, onSent: () => void): Promise<ThrottledUpload> {
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
  const signal = request.signal;
  let count = 0;
  let record: number | null = null;
  let stopped = false;
  const stop = (reason: unknown): void => {
    if (stopped) return;
    stopped = true;
    signal?.removeEventListener('abort', onAbort);
    if (record !== null) s.stopThrottle(record);
    record = null;
    void reader.cancel(reason).catch(() => undefined);
  };
  const onAbort = (): void => stop(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
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
      else if (rv !== 'offline') count = await waitFor(rv, signal);
      controller.enqueue(step.value);
    },
    cancel(reason) {
      stop(reason);
    },
  }, { highWaterMark: 0 });
  return {
    request: { ...request, headers, body },
    stop,
    detach: () => signal?.removeEventListener('abort', onAbort),
  };
}
