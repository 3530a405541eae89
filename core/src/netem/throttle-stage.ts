import { netError } from '../net/net-errors.ts';
import type { PipelineRequest, Stage } from '../fetch/transport.ts';
import { withBody } from '../fetch/response.ts';
import { createTappedBody, tapOf, type BodyGate, type BodyGateFactory, type BodyTap, type GateOut } from '../fetch/body-tap.ts';
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

// One StartThrottle of an upload chunk as a promise. `bytes` is the running total of the request
// (Chromium's throttled_byte_count_): 'pass' leaves it as it is, a record's completion replaces it
// with the remaining bytes (the overshoot to carry, below zero), offline rejects. `onRecord` learns
// the record id while it waits (to stop it on abort).
function throttle(scheduler: ThrottlingScheduler, bytes: number, isUpload: boolean, onRecord: (id: number | null) => void): Promise<number> | number | 'offline' {
  let settle: ((result: ThrottleResult, remaining: number) => void) | null = null;
  let early: [ThrottleResult, number] | null = null;
  const rv = scheduler.startThrottle(bytes, null, false, isUpload, (result, remaining) => {
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
 * Chromium charges encoded bytes. The body is read ahead of the caller, as Chromium's URLLoader
 * fills its data pipe (see {@link Download}). `scheduler()` is null while the session has
 * never enabled emulation: then the stage adds nothing.
 */
export function createThrottleStage(scheduler: () => ThrottlingScheduler | null): Stage {
  // Not an async function: a thousand requests may wait here for their heads at once, and each
  // keeps one ThrottledExchange (fields) rather than a suspended frame and a closure per step.
  return (request, next) => {
    try {
      const s = scheduler();
      if (s === null) return next(request);
      // Every request that enters is a moment to run an overdue timer (a burst of new requests
      // keeps the event loop busy, and the timer's callback waits behind them).
      s.poll();
      const context = { url: request.url.href, partition: request.partition };
      if (s.offline) return Promise.reject(netError('ERR_INTERNET_DISCONNECTED', context));
      return new ThrottledExchange(s, request, context).send(next);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

/**
 * One request in the throttle stage, from its send to the release of its head. Its state is in
 * fields; its callbacks (the transport's `onRequestSent` and `bodyGate`, the answer's handlers,
 * the head's completion) are the only closures, all over this one object.
 */
class ThrottledExchange {
  readonly #s: ThrottlingScheduler;
  readonly #request: PipelineRequest;
  readonly #context: Record<string, unknown>;
  #sendEndUs: number | null = null;
  #upload: ThrottledUpload | null = null;
  // The gate the transport took for its body (the last one, if it asked twice).
  #gate: Gate | null = null;
  #response: Response | null = null;
  #body: Download | null = null;
  #wire = false;
  // The head's record while it waits; a completion that came before the record id did.
  #record: number | null = null;
  #early: ThrottleResult | null = null;
  #waiting = false;
  // The stage's answer, until it is settled.
  #resolve: ((response: Response) => void) | null = null;
  #reject: ((err: unknown) => void) | null = null;
  #onAbort: (() => void) | null = null;

  constructor(s: ThrottlingScheduler, request: PipelineRequest, context: Record<string, unknown>) {
    this.#s = s;
    this.#request = request;
    this.#context = context;
  }

  // A transport that reports when the request went out (Node) gives the send end Chromium uses:
  // after connecting, after the body. It is also a moment to run an overdue scheduler timer.
  readonly onRequestSent = (): void => {
    this.#sendEndUs = Math.max(this.#sendEndUs ?? 0, this.#s.clock.nowUs());
    this.#s.poll();
  };

  // A transport that builds its body as a tapped stream takes the throttle in as the body's gate.
  readonly bodyGate: BodyGateFactory = (out, tap) => {
    this.#gate?.download.cancel(undefined);
    this.#gate = new Gate(this.#s, this.#context, this.#request.signal, out, tap);
    return this.#gate;
  };

  send(next: (request: PipelineRequest) => Promise<Response>): Promise<Response> {
    const s = this.#s;
    const request = this.#request;
    // Chromium wraps every upload; here a body is wrapped when its time matters: an upload budget
    // to charge, or a latency that counts from the send end.
    if (request.body !== null && request.body !== undefined && s.throttling) {
      const conditions = s.conditions;
      if (conditions.uploadThroughput > 0 || conditions.latencyMs > 0) {
        const clock = s.clock;
        return throttledUpload(request, s, () => { this.#sendEndUs = clock.nowUs(); }).then((upload) => {
          this.#upload = upload;
          return this.#send(upload.request, next);
        });
      }
    }
    this.#sendEndUs = s.clock.nowUs();
    return this.#send(request, next);
  }

  #send(request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>): Promise<Response> {
    const sent: PipelineRequest = { ...request, onRequestSent: this.onRequestSent, bodyGate: this.bodyGate };
    let answer: Promise<Response>;
    try {
      answer = next(sent);
    } catch (err) {
      answer = Promise.reject(err);
    }
    return new Promise<Response>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      // Closures, not fields: they go once the answer is in, while the head may wait long.
      answer.then((response) => this.#answered(response), (err: unknown) => this.#failed(err));
    });
  }

  #failed(err: unknown): void {
    try {
      this.#upload?.stop(err);
      this.#gate?.download.cancel(err);
    } catch {
      // The request fails with its own error below, whatever the clean-up does.
    }
    this.#settle(null, err);
  }

  #answered(response: Response): void {
    try {
      this.#head(response);
    } catch (err) {
      this.#settle(null, err);
    }
  }

  #head(response: Response): void {
    const s = this.#s;
    this.#upload?.detach();
    const gated = this.#gate;
    // A transport that decodes Content-Encoding itself and counts the encoded bytes (Node) lets the
    // stage charge what came over the wire, as Chromium does; elsewhere decoded bytes are charged.
    const wire = response.body !== null && response.headers.has('content-encoding') && tapOf(response.body)?.wireBytes() != null;
    let body: Download | null = null;
    if (response.body !== null) {
      // The transport took the gate: the throttle is already inside the body. Else it wraps it.
      if (gated !== null && tapOf(response.body) === gated.tap) {
        gated.stream = response.body;
        body = gated.download;
      } else {
        gated?.download.cancel(undefined);
        body = readerDownload(response.body, s, this.#context, this.#request.signal);
      }
    }
    this.#response = response;
    this.#body = body;
    this.#wire = wire;
    // Throttle(start = true): the head's bytes, after the latency counted from the send end. The
    // body's first read is issued in the same callback that releases the head.
    const bytes = responseHeadBytes(response);
    const rv = s.startThrottle(bytes, this.#sendEndUs ?? s.clock.nowUs(), true, false, this.#headDone);
    if (rv === 'offline') {
      this.#drop(undefined);
      throw netError('ERR_INTERNET_DISCONNECTED', this.#context);
    }
    if (rv === 'pass') {
      body?.begin(bytes, wire);
      this.#settle(this.#answer(), null);
      return;
    }
    this.#record = rv;
    if (this.#early !== null) return this.#headReleased(this.#early);
    const signal = this.#request.signal;
    if (signal?.aborted) return this.#headAborted(signal.reason);
    this.#waiting = true;
    if (signal) {
      // As a rejected wait: the record leaves the queue a microtask after the abort.
      this.#onAbort = () => {
        const reason = signal.reason;
        void Promise.resolve().then(() => this.#headAborted(reason)).catch(ignore);
      };
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  // Synchronously, inside the scheduler's pass: what follows the release starts at its time.
  readonly #headDone = (result: ThrottleResult, remaining: number): void => {
    if (result === 'ok') this.#body?.begin(remaining, this.#wire);
    if (this.#waiting) this.#headReleased(result);
    else this.#early = result;
  };

  #headReleased(result: ThrottleResult): void {
    this.#record = null;
    this.#stopWaiting();
    if (result !== 'offline') {
      this.#settle(this.#answer(), null);
      return;
    }
    this.#settle(null, netError('ERR_INTERNET_DISCONNECTED', this.#context));
    // Out of the scheduler's pass: the transport is not called back from inside it.
    void Promise.resolve().then(() => this.#drop(OFFLINE)).catch(ignore);
  }

  // The caller's signal ended the wait for the head: the record leaves the queue and the body goes.
  #headAborted(reason: unknown): void {
    if (this.#resolve === null) return;
    try {
      if (this.#record !== null) this.#s.stopThrottle(this.#record);
      this.#record = null;
      this.#stopWaiting();
      this.#drop(reason);
    } finally {
      // The request ends with the abort's reason, whatever the clean-up does.
      this.#settle(null, reason);
    }
  }

  #stopWaiting(): void {
    this.#waiting = false;
    if (this.#onAbort !== null) this.#request.signal?.removeEventListener('abort', this.#onAbort);
    this.#onAbort = null;
  }

  #settle(response: Response | null, err: unknown): void {
    const resolve = this.#resolve;
    const reject = this.#reject;
    this.#resolve = null;
    this.#reject = null;
    if (response !== null) resolve?.(response);
    else reject?.(err);
  }

  #answer(): Response {
    const response = this.#response!;
    const body = this.#body;
    if (body === null || body.stream === response.body) return response;
    return withBody(response, body.stream);
  }

  // The head failed: the body goes (the transport's own body is cancelled as a whole).
  #drop(reason: unknown): void {
    const response = this.#response!;
    const body = this.#body;
    if (body !== null && body.stream === response.body) void response.body.cancel(reason).catch(() => undefined);
    else body?.cancel(reason);
  }
}

/** For clean-ups out of a pass whose request is settled already: nobody is left to tell. */
const ignore = (): void => undefined;

// Chromium's URLLoader reads into a mojo data pipe of this size (kDataPipeDefaultAllocationSize)
// while it has room, whatever the consumer's pace.
const PIPE_BYTES = 512 * 1024;
// Bytes the transport may hand over ahead of the throttle before it is asked to pause (its socket buffer).
const INBOX_BYTES = 64 * 1024;
const EMPTY = new Uint8Array(0);

/** Where a download's bytes come from and go to. */
interface DownloadIo {
  /** The body the caller reads. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Asks the source for more (it answers through push / end / error). */
  want(): void;
  /** Lets the source go (the body failed here, or the head did). */
  stop(reason: unknown): void;
  /** Hands a piece to the caller; false when the pipe is full (until `resume`). */
  enqueue(piece: Uint8Array): boolean;
  close(): void;
  error(err: unknown): void;
  /** Encoded bytes received so far, when the transport counts them. */
  wireBytes(): number | null;
}

// The body, read ahead of the caller as Chromium's URLLoader reads into its data pipe: while the
// pipe (PIPE_BYTES unread) has room, the next throttled read is issued the moment the previous one
// is released, from inside the scheduler's callback when the transport has the bytes already, so
// the read joins the round-robin queue when Chromium's would, whenever the caller gets to it. Each
// piece goes to the caller when the scheduler has sent its packets. End of stream is not throttled
// (Chromium returns a synchronous EOF at once). Offline fails a read waiting in the queue at once
// and an idle body at its next read; an abort ends a waiting read at once. A transport failure
// passes through at once, as Chromium's Throttle() lets errors through.
class Download {
  io!: DownloadIo;
  readonly #s: ThrottlingScheduler;
  readonly #context: Record<string, unknown>;
  readonly #signal: AbortSignal | undefined;
  #count = 0;
  #begun = false;
  #finished = false;
  #wire = false;
  #record: number | null = null;
  // What the waiting read releases to the caller.
  #held: Uint8Array | null = null;
  // Chunks from the source not yet charged, each with the encoded bytes received with it: the first
  // waits in fields, arrays are made only once a second one waits (an empty array grows to 16
  // slots at its first push, and most bodies never queue two chunks).
  #next: Uint8Array | null = null;
  #nextWire = 0;
  #inbox: Uint8Array[] | null = null;
  #inboxWire: number[] | null = null;
  #inboxBytes = 0;
  #wireSeen = 0;
  #sourceDone = false;
  // The chunk being charged: next byte `at`; with wire counting, the encoded bytes still to charge
  // before the whole chunk goes out (-1 without).
  #chunk: Uint8Array | null = null;
  #at = 0;
  #wireLeft = -1;
  // The pipe has room.
  #room = true;
  #pumping = false;
  #again = false;
  readonly #done = (result: ThrottleResult, remaining: number): void => this.#released(result, remaining);
  // Only with a signal (most requests have none).
  readonly #onAbort: (() => void) | null = null;

  constructor(s: ThrottlingScheduler, context: Record<string, unknown>, signal: AbortSignal | undefined) {
    this.#s = s;
    this.#context = context;
    this.#signal = signal;
    if (signal) {
      this.#onAbort = (): void => this.fail(signal.reason, true);
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  get stream(): ReadableStream<Uint8Array> {
    return this.io.stream;
  }

  /** The head is out with the running count `count`: the reads start (at once when bytes are there). */
  begin(count: number, wire: boolean): void {
    if (this.#begun || this.#finished) return;
    this.#begun = true;
    this.#count = count;
    this.#wire = wire;
    this.#pump();
  }

  /** A chunk from the source; false: hold on until asked (`want`). */
  push(chunk: Uint8Array): boolean {
    if (this.#finished) return false;
    if (chunk.byteLength > 0) {
      const wire = this.io.wireBytes();
      // A decoded chunk carries the encoded bytes received since the last one.
      const delta = wire === null ? 0 : Math.max(0, wire - this.#wireSeen);
      if (wire !== null) this.#wireSeen = wire;
      if (this.#next === null) {
        this.#next = chunk;
        this.#nextWire = delta;
      } else if (this.#inbox === null) {
        this.#inbox = [chunk];
        this.#inboxWire = [delta];
      } else {
        this.#inbox.push(chunk);
        this.#inboxWire!.push(delta);
      }
      this.#inboxBytes += chunk.byteLength;
      this.#pump();
    }
    return this.#inboxBytes < INBOX_BYTES;
  }

  /** The source has no more. */
  end(): void {
    if (this.#finished) return;
    this.#sourceDone = true;
    this.#pump();
  }

  /** The caller wants more: the pipe has room again. */
  resume(): void {
    this.#room = true;
    this.#pump();
  }

  /** Fails the body: the record leaves the queue, the caller gets `err`; `stopSource` lets the source go. */
  fail(err: unknown, stopSource: boolean): void {
    if (this.#finished) return;
    this.#finish();
    if (stopSource) this.io.stop(err);
    this.io.error(err);
  }

  /** The head failed, or the caller cancelled the body: the record leaves the queue and the source goes. */
  cancel(reason: unknown): void {
    if (this.#finished) return;
    this.#finish();
    this.io.stop(reason);
  }

  /** The body was ended from outside, source included: the record leaves the queue. */
  drop(): void {
    if (!this.#finished) this.#finish();
  }

  #finish(): void {
    this.#finished = true;
    if (this.#onAbort !== null) this.#signal?.removeEventListener('abort', this.#onAbort);
    if (this.#record !== null) this.#s.stopThrottle(this.#record);
    this.#record = null;
    this.#held = null;
    this.#chunk = null;
    this.#next = null;
    this.#inbox = null;
    this.#inboxWire = null;
  }

  #offline(): SessionError {
    return netError('ERR_INTERNET_DISCONNECTED', this.#context);
  }

  #release(piece: Uint8Array | null): void {
    if (piece !== null && piece.byteLength > 0 && !this.io.enqueue(piece)) this.#room = false;
  }

  #released(result: ThrottleResult, remaining: number): void {
    this.#record = null;
    if (this.#finished) return;
    if (result === 'offline') return this.fail(this.#offline(), true);
    this.#count = remaining;
    const piece = this.#held;
    this.#held = null;
    this.#release(piece);
    this.#pump();
  }

  // Issues reads while there are bytes and room; re-entered (from the source or the caller inside
  // a step) it only notes to go on.
  #pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        this.#step();
      } while (this.#again);
    } catch (err) {
      this.fail(err, true);
    } finally {
      this.#pumping = false;
    }
  }

  #step(): void {
    const s = this.#s;
    for (;;) {
      if (this.#finished || !this.#begun || this.#record !== null) return;
      let chunk = this.#chunk;
      if (chunk === null) {
        if (this.#next !== null) {
          chunk = this.#chunk = this.#next;
          const wire = this.#nextWire;
          const rest = this.#inbox;
          if (rest !== null && rest.length > 0) {
            this.#next = rest.shift()!;
            this.#nextWire = this.#inboxWire!.shift()!;
          } else {
            this.#next = null;
          }
          this.#inboxBytes -= chunk.byteLength;
          this.#at = 0;
          this.#wireLeft = this.#wire ? wire : -1;
          // Room in the inbox again: the source may go on.
          if (this.#next === null && !this.#sourceDone) this.io.want();
        } else if (!this.#sourceDone) {
          return this.io.want();
        } else {
          // Encoded bytes that produced no output (a gzip trailer) still count.
          const rest = this.#wire ? (this.io.wireBytes() ?? 0) - this.#wireSeen : 0;
          if (rest <= 0) {
            // The end is a read too: Chromium's Read() fails once offline before it looks (an end
            // that was there when the last piece was released closed the body already, online).
            if (s.offline) return this.fail(this.#offline(), true);
            this.#finish();
            this.io.close();
            return;
          }
          this.#wireSeen += rest;
          chunk = this.#chunk = EMPTY;
          this.#wireLeft = rest;
        }
      }
      // Chromium's Read(): a transaction fails at its next read once offline.
      if (s.offline) return this.fail(this.#offline(), true);
      if (!this.#room) return; // the pipe is full: the caller's next read resumes
      let bytes: number;
      let piece: Uint8Array | null;
      if (this.#wireLeft < 0) {
        const left = chunk.byteLength - this.#at;
        bytes = s.downloadThrottled ? Math.min(PACKET, left) : left;
        piece = bytes === chunk.byteLength ? chunk : chunk.subarray(this.#at, this.#at + bytes);
        this.#at += bytes;
        if (this.#at >= chunk.byteLength) this.#chunk = null;
      } else {
        bytes = s.downloadThrottled ? Math.min(PACKET, this.#wireLeft) : this.#wireLeft;
        this.#wireLeft -= bytes;
        piece = null;
        if (this.#wireLeft === 0) {
          piece = chunk;
          this.#chunk = null;
          this.#wireLeft = -1;
        }
      }
      // Read ahead from the source: the next chunk (or the end) is there when this piece is released.
      if (this.#chunk === null && this.#next === null && !this.#sourceDone) this.io.want();
      if (bytes === 0) {
        this.#release(piece);
        continue;
      }
      this.#count += bytes;
      const rv = s.startThrottle(this.#count, null, false, false, this.#done);
      if (rv === 'offline') return this.fail(this.#offline(), true);
      if (rv === 'pass') {
        this.#release(piece);
        continue;
      }
      this.#record = rv;
      this.#held = piece;
      return;
    }
  }
}

// The gate and the download's io of one gated body, as one object per request (fields, no closures).
class Gate implements BodyGate {
  readonly pauseBytes = PIPE_BYTES;
  readonly download: Download;
  readonly tap: BodyTap;
  readonly #s: ThrottlingScheduler;
  readonly #out: GateOut;
  /** The transport's body, once the stage has it. */
  stream: ReadableStream<Uint8Array> | null = null;
  #paused = false;

  constructor(s: ThrottlingScheduler, context: Record<string, unknown>, signal: AbortSignal | undefined, out: GateOut, tap: BodyTap) {
    this.#s = s;
    this.#out = out;
    this.tap = tap;
    this.download = new Download(s, context, signal);
    this.download.io = new GateIo(this, out, tap);
  }

  /** The download asks for more: a paused transport goes on. */
  want(): void {
    if (this.#paused) {
      this.#paused = false;
      // The transport is called back in a microtask, never synchronously: this runs inside the
      // scheduler's pass, which may run inside another request's transport callback (undici's
      // parser is not re-entrant).
      const out = this.#out;
      queueMicrotask(() => out.resume());
    }
  }

  push(chunk: Uint8Array): boolean {
    this.#s.poll();
    if (this.download.push(chunk)) return true;
    this.#paused = true;
    return false;
  }

  end(): void {
    this.download.end();
  }

  error(err: unknown): void {
    this.download.fail(err, false);
  }

  pull(): void {
    this.download.resume();
  }

  // The body stops the transport itself.
  cancel(): void {
    this.download.drop();
  }
}

class GateIo implements DownloadIo {
  readonly #gate: Gate;
  readonly #out: GateOut;
  readonly #tap: BodyTap;

  constructor(gate: Gate, out: GateOut, tap: BodyTap) {
    this.#gate = gate;
    this.#out = out;
    this.#tap = tap;
  }

  get stream(): ReadableStream<Uint8Array> {
    return this.#gate.stream!;
  }

  want(): void {
    this.#gate.want();
  }

  // In a microtask, as `want` (see there).
  stop(reason: unknown): void {
    const out = this.#out;
    queueMicrotask(() => out.stop(reason));
  }

  enqueue(piece: Uint8Array): boolean {
    return this.#out.enqueue(piece);
  }

  close(): void {
    this.#out.close();
  }

  error(err: unknown): void {
    this.#out.error(err);
  }

  wireBytes(): number | null {
    return this.#tap.wireBytes();
  }
}

/** The throttle around a body from elsewhere: read through its reader, handed on as a new (tapped) stream. */
function readerDownload(source: ReadableStream<Uint8Array>, s: ThrottlingScheduler, context: Record<string, unknown>, signal: AbortSignal | undefined): Download {
  const reader = source.getReader();
  const tap = tapOf(source);
  const d = new Download(s, context, signal);
  let reading = false;
  // The transport's bytes are read as soon as they come (its socket buffer), one chunk ahead.
  const want = (): void => {
    if (reading) return;
    reading = true;
    reader.read().then((step) => {
      reading = false;
      if (step.done) d.end();
      else d.push(step.value);
    }, (err: unknown) => {
      reading = false;
      d.fail(err, false);
    });
  };
  const { stream, sink } = createTappedBody({
    resume: () => d.resume(),
    // The caller cancelled the body, or a stage above failed it.
    abort: (reason) => d.cancel(reason),
  }, PIPE_BYTES);
  d.io = {
    stream,
    want,
    stop: (reason) => void reader.cancel(reason).catch(() => undefined),
    enqueue: (piece) => sink.enqueue(piece),
    close: () => sink.close(),
    error: (err) => sink.error(err),
    wireBytes: () => tap?.wireBytes() ?? null,
  };
  want();
  return d;
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
      const rv = throttle(s, count, true, (id) => { record = id; });
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
