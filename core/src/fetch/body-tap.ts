/**
 * Response bodies that stages can watch without wrapping them. A transport that builds its body
 * with `createTappedBody` lets `withNetErrors` map its errors and `InFlightRequests` learn when it
 * ends or fail it, all on the one stream: no extra ReadableStream and no second Response per stage.
 * Bodies from elsewhere (a platform `fetch`) have no tap and are wrapped as before.
 */
export interface BodyTap {
  /** Adds a mapping for the error the body fails with; mappings run in the order added (innermost stage first). */
  mapErrors(map: (err: unknown) => unknown): void;
  /** Runs `fn` once the body has ended, failed or been cancelled (at once if it already has). */
  onDone(fn: () => void): void;
  /** Fails the body with `reason` as is, and stops the transfer. */
  fail(reason: unknown): void;
  /**
   * Bytes received from the network so far, before content decoding (what Chromium's network
   * transaction reads), or null when the transport does not count them.
   */
  wireBytes(): number | null;
}

/** What the transport feeds a tapped body with. */
export interface BodySink {
  /** Queues a chunk; false when the reader is behind and the transport should pause. */
  enqueue(chunk: Uint8Array): boolean;
  close(): void;
  /** Fails the body; the error goes through the stages' mappings when the reader gets to it. */
  error(err: unknown): void;
  /** Counts `n` bytes received from the network (before decoding); see `BodyTap.wireBytes`. */
  wire(n: number): void;
}

/** How the tapped body talks back to the transport. */
export interface BodySource {
  /** The reader wants more: resume a paused transfer. */
  resume(): void;
  /** The body was cancelled or failed from outside: stop the transfer. */
  abort(reason: unknown): void;
}

const taps = new WeakMap<ReadableStream, BodyTap>();

/** The tap of `body` when a transport built it with `createTappedBody`, else null. */
export function tapOf(body: ReadableStream | null): BodyTap | null {
  return body === null ? null : taps.get(body) ?? null;
}

// A reader that has this many bytes waiting unread pauses the transfer (Node's stream default).
const PAUSE_BYTES = 64 * 1024;

/**
 * A stage that stands between the transport and the reader of a tapped body (network emulation):
 * the transport's chunks, end and failure go to it, and it hands chunks on through its
 * {@link GateOut} when it likes. Installed when the body is created, before any byte arrives.
 */
export interface BodyGate {
  /** How far the reader may be behind before `out.enqueue` says to wait (default: the body's). */
  readonly pauseBytes?: number;
  /** A chunk from the transport; false asks the transport to pause until `out.resume()`. */
  push(chunk: Uint8Array): boolean;
  /** The transport has delivered everything. */
  end(): void;
  /** The transport failed. */
  error(err: unknown): void;
  /** The reader wants more (it has read everything handed on). */
  pull(): void;
  /** The reader cancelled the body, or a stage failed it; the transfer is being stopped. */
  cancel(reason: unknown): void;
}

/** How a gate hands on to the reader. */
export interface GateOut {
  /** Queues a chunk for the reader; false when the reader is `pauseBytes` behind (wait for `pull`). */
  enqueue(chunk: Uint8Array): boolean;
  close(): void;
  /** Fails the body; the error goes through the stages' mappings when the reader gets to it. */
  error(err: unknown): void;
  /** Lets a transport paused by `push` go on. */
  resume(): void;
  /** Stops the transfer (the gate failed the body). */
  stop(reason: unknown): void;
}

/** Makes the gate of a new tapped body; `tap` is the body's tap (its wire count). */
export type BodyGateFactory = (out: GateOut, tap: BodyTap) => BodyGate;

/**
 * A body stream for a transport (or a stage that stands for one) to fill through the returned
 * sink. `pauseBytes`: how far the reader may be behind before `enqueue` asks to pause. With
 * `gate`, what the transport feeds goes through the gate that it makes (see {@link BodyGate}).
 */
export function createTappedBody(source: BodySource, pauseBytes: number = PAUSE_BYTES, gateFor?: BodyGateFactory): { stream: ReadableStream<Uint8Array>; sink: BodySink } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let finished = false;
  let waiting = false;
  let pendingError: { err: unknown } | null = null;
  let maps: Array<(err: unknown) => unknown> | null = null;
  let done: Array<() => void> | null = null;
  let wire: number | null = null;
  let gate: BodyGate | null = null;
  let limit = pauseBytes;
  const finish = (): void => {
    finished = true;
    if (done) for (const fn of done.splice(0)) fn();
  };
  // An error is handed to the reader only once it asks for data, so stages that add their mapping
  // after the transport answered (the error may come first) still map it.
  const deliver = (err: unknown): void => {
    let mapped = err;
    if (maps) for (const map of maps) mapped = map(mapped);
    controller.error(mapped);
    finish();
  };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull() {
      if (pendingError) return deliver(pendingError.err);
      waiting = true;
      if (gate) gate.pull();
      else source.resume();
    },
    cancel(reason) {
      if (finished) return;
      pendingError = null;
      finish();
      gate?.cancel(reason);
      source.abort(reason);
    },
  }, { highWaterMark: 0, size: (chunk) => chunk.byteLength });
  const tap: BodyTap = {
    mapErrors(map) {
      (maps ??= []).push(map);
    },
    onDone(fn) {
      if (finished) fn();
      else (done ??= []).push(fn);
    },
    fail(reason) {
      if (finished) return;
      pendingError = null;
      controller.error(reason);
      finish();
      gate?.cancel(reason);
      source.abort(reason);
    },
    wireBytes() {
      return wire;
    },
  };
  taps.set(stream, tap);
  // What reaches the reader: from the transport, or from the gate.
  const enqueue = (chunk: Uint8Array): boolean => {
    if (finished || pendingError) return false;
    waiting = false;
    controller.enqueue(chunk);
    return (controller.desiredSize ?? 0) > -limit;
  };
  const close = (): void => {
    if (finished || pendingError) return;
    controller.close();
    finish();
  };
  const error = (err: unknown): void => {
    if (finished || pendingError) return;
    if (waiting) deliver(err);
    else pendingError = { err };
  };
  const countWire = (n: number): void => {
    wire = (wire ?? 0) + n;
  };
  if (gateFor) {
    const g = gateFor({ enqueue, close, error, resume: () => source.resume(), stop: (reason) => source.abort(reason) }, tap);
    gate = g;
    if (g.pauseBytes !== undefined) limit = g.pauseBytes;
    const sink: BodySink = {
      enqueue: (chunk) => (finished || pendingError ? false : g.push(chunk)),
      close: () => {
        if (!finished && !pendingError) g.end();
      },
      error: (err) => {
        if (!finished && !pendingError) g.error(err);
      },
      wire: countWire,
    };
    return { stream, sink };
  }
  return { stream, sink: { enqueue, close, error, wire: countWire } };
}
