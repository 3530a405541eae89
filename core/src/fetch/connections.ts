import { netError, toBodyNetError, toNetError } from '../net/net-errors.ts';
import type { PipelineRequest, Stage, Transport } from './transport.ts';
import { withBody } from './response.ts';
import { tapOf } from './body-tap.ts';

/**
 * Wraps a transport so that every failure, while connecting or while the body streams, reaches the
 * caller as Chromium's net error (the mapping itself is in net/net-errors.ts). An abort keeps the
 * signal's reason, as Electron's net.fetch rejects with `signal.reason`. A request that
 * `closeAllConnections` failed while it was still in an earlier stage is not sent.
 */
export function withNetErrors(transport: Transport): Transport {
  const wrapped: Transport = {
    ...transport,
    name: transport.name,
    // Not an async function: the answer is handled in a `then`, with no frame suspended while the
    // request is in flight (a thousand may be).
    dispatch(request) {
      if (request.inFlight?.aborted) return Promise.reject(request.inFlight.reason);
      let answer: Promise<Response>;
      try {
        answer = transport.dispatch(request);
      } catch (err) {
        answer = Promise.reject(err);
      }
      return answer.then((response) => withBodyNetErrors(response, request), (err: unknown) => {
        if (request.signal?.aborted) throw request.signal.reason;
        throw toNetError(err, { url: request.url.href, partition: request.partition });
      });
    },
  };
  return wrapped;
}

// The body's failures as net errors (an abort keeps the signal's reason).
function withBodyNetErrors(response: Response, request: PipelineRequest): Response {
  const body = response.body;
  if (!body) return response;
  const headers = response.headers;
  const signal = request.signal;
  const mapError = (err: unknown): unknown => (signal?.aborted ? signal.reason : toBodyNetError(err, headers, { url: request.url.href, partition: request.partition }));
  const tap = tapOf(body);
  if (tap) {
    tap.mapErrors(mapError);
    return response;
  }
  return withBody(response, mapStream(body, mapError).stream);
}

function mapStream(source: ReadableStream<Uint8Array>, mapError: (err: unknown) => unknown, onDone?: () => void): { stream: ReadableStream<Uint8Array>; fail(reason: unknown): void } {
  const reader = source.getReader();
  let finished = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const finish = (): void => {
    if (!finished) {
      finished = true;
      onDone?.();
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    async pull(c) {
      try {
        const { done, value } = await reader.read();
        if (finished) return;
        if (done) {
          finish();
          c.close();
        } else c.enqueue(value);
      } catch (err) {
        if (finished) return;
        finish();
        c.error(mapError(err));
      }
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason);
    },
  });
  return {
    stream,
    fail(reason) {
      if (finished) return;
      finish();
      controller.error(reason);
      reader.cancel(reason).catch(() => {});
    },
  };
}

interface Entry {
  /** Set once `closeAllConnections` failed the request (read by `withNetErrors` before sending). */
  aborted: boolean;
  reason: unknown;
  /** Fails the request wherever it is: its pending answer, or its body. */
  fail(reason: unknown): void;
}

/**
 * A request in flight without an AbortSignal of its own (`InFlightRequests.#track`), one object
 * with fields: a thousand may be in flight, and each keeps it until its body is done.
 */
class TrackedRequest implements Entry {
  aborted = false;
  reason: unknown = undefined;
  readonly #entries: Set<Entry>;
  readonly #reject: (err: unknown) => void;
  // Once the answer is in: what fails its body.
  #body: { fail(reason: unknown): void } | null = null;

  constructor(entries: Set<Entry>, reject: (err: unknown) => void) {
    this.#entries = entries;
    this.#reject = reject;
  }

  /** Leaves the session's list (the body ended, or there is none). */
  readonly done = (): void => {
    this.#entries.delete(this);
  };

  fail(reason: unknown): void {
    if (this.#body !== null) return this.#body.fail(reason);
    this.aborted = true;
    this.reason = reason;
    this.#reject(reason);
  }

  answered(response: Response, resolve: (response: Response) => void): void {
    const body = response.body;
    if (this.aborted) {
      void body?.cancel(this.reason).catch(() => {});
      return;
    }
    if (!body) {
      this.done();
      return resolve(response);
    }
    const tap = tapOf(body);
    if (tap) {
      this.#body = tap;
      tap.onDone(this.done);
      return resolve(response);
    }
    const mapped = mapStream(body, (err) => err, this.done);
    this.#body = mapped;
    resolve(withBody(response, mapped.stream));
  }

  failed(err: unknown): void {
    this.done();
    this.#reject(this.aborted ? this.reason : err);
  }
}

/**
 * The session's requests in flight, from the first stage until their body is read or cancelled, so
 * `closeAllConnections()` can fail them (`net::ERR_ABORTED`, as HttpNetworkSession::CloseAllConnections
 * fails its streams). A transport that fails what is in flight when closed (`failsInFlightOnClose`)
 * needs nothing more; for others each request gets its own AbortSignal, combined with the caller's.
 */
export class InFlightRequests {
  readonly #entries = new Set<Entry>();
  #transportFails = false;

  /** Tells the stage whether the session's transport fails requests in flight on `close()`. */
  useTransport(transport: Transport): void {
    this.#transportFails = transport.failsInFlightOnClose === true;
  }

  /** The outermost pipeline stage. */
  readonly stage: Stage = (request, next) => (this.#transportFails ? this.#track(request, next) : this.#withSignal(request, next));

  // No AbortSignal: the answer is rejected here, the body failed through its tap (or one wrapper).
  #track(request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const entry = new TrackedRequest(this.#entries, reject);
      this.#entries.add(entry);
      let answer: Promise<Response>;
      try {
        answer = next({ ...request, inFlight: entry });
      } catch (err) {
        answer = Promise.reject(err);
      }
      answer.then((response) => entry.answered(response, resolve), (err: unknown) => entry.failed(err));
    });
  }

  async #withSignal(request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>): Promise<Response> {
    const controller = new AbortController();
    const signal = request.signal ? AbortSignal.any([request.signal, controller.signal]) : controller.signal;
    const entry: Entry = { aborted: false, reason: undefined, fail: (reason) => controller.abort(reason) };
    this.#entries.add(entry);
    const done = (): void => {
      this.#entries.delete(entry);
    };
    let response: Response;
    try {
      response = await next({ ...request, signal });
    } catch (err) {
      done();
      throw controller.signal.aborted ? controller.signal.reason : err;
    }
    if (!response.body) {
      done();
      return response;
    }
    // Some hosts (Chromium) error an aborted body with their own TypeError rather than the reason.
    const mapError = (err: unknown): unknown => (controller.signal.aborted ? controller.signal.reason : err);
    const tap = tapOf(response.body);
    if (tap) {
      tap.mapErrors(mapError);
      tap.onDone(done);
      return response;
    }
    return withBody(response, mapStream(response.body, mapError, done).stream);
  }

  /** How many requests are in flight. */
  get size(): number {
    return this.#entries.size;
  }

  /** Fails every request in flight with `net::ERR_ABORTED`. */
  abortAll(context: Record<string, unknown>): void {
    const reason = netError('ERR_ABORTED', context);
    const entries = [...this.#entries];
    this.#entries.clear();
    for (const entry of entries) entry.fail(reason);
  }
}
