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

// The queuing strategy of every tapped body: the reader pulls, chunks count by their bytes.
const chunkBytes = (chunk: Uint8Array): number => chunk.byteLength;
const STRATEGY: QueuingStrategy<Uint8Array> = { highWaterMark: 0, size: chunkBytes };

/**
 * One tapped body: the stream's underlying source, its tap, what reaches the reader (the sink of an
 * ungated body, or the gate's {@link GateOut}), in one object. A body lives as long as its request,
 * with a thousand requests in flight, so it holds its state in fields rather than in a closure per
 * method (a closure and its context each, for every body).
 */
class TappedBody implements BodyTap, BodySink, GateOut, UnderlyingDefaultSource<Uint8Array> {
  readonly stream: ReadableStream<Uint8Array>;
  readonly #source: BodySource;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #finished = false;
  #waiting = false;
  #pendingError: { err: unknown } | null = null;
  #maps: Array<(err: unknown) => unknown> | null = null;
  #done: Array<() => void> | null = null;
  #wire: number | null = null;
  #gate: BodyGate | null = null;
  #limit: number;

  constructor(source: BodySource, pauseBytes: number) {
    this.#source = source;
    this.#limit = pauseBytes;
    this.stream = new ReadableStream<Uint8Array>(this, STRATEGY);
  }

  /** Installs the gate (before any byte arrives). */
  gateWith(gate: BodyGate): void {
    this.#gate = gate;
    if (gate.pauseBytes !== undefined) this.#limit = gate.pauseBytes;
  }

  /** Whether the body still takes what the transport feeds. */
  get open(): boolean {
    return !this.#finished && this.#pendingError === null;
  }

  // The stream's underlying source.
  start(c: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = c;
  }

  pull(): void {
    if (this.#pendingError) return this.#deliver(this.#pendingError.err);
    this.#waiting = true;
    if (this.#gate) this.#gate.pull();
    else this.#source.resume();
  }

  cancel(reason: unknown): void {
    if (this.#finished) return;
    this.#pendingError = null;
    this.#finish();
    this.#gate?.cancel(reason);
    this.#source.abort(reason);
  }

  // BodyTap.
  // The lists are copied at their exact size when they grow: a body has one or two of each, and an
  // empty array grows to 16 slots at its first push.
  mapErrors(map: (err: unknown) => unknown): void {
    this.#maps = this.#maps === null ? [map] : [...this.#maps, map];
  }

  onDone(fn: () => void): void {
    if (this.#finished) fn();
    else this.#done = this.#done === null ? [fn] : [...this.#done, fn];
  }

  fail(reason: unknown): void {
    if (this.#finished) return;
    this.#pendingError = null;
    this.#controller.error(reason);
    this.#finish();
    this.#gate?.cancel(reason);
    this.#source.abort(reason);
  }

  wireBytes(): number | null {
    return this.#wire;
  }

  // What reaches the reader: from the transport (ungated: the sink), or from the gate (GateOut).
  enqueue(chunk: Uint8Array): boolean {
    if (this.#finished || this.#pendingError) return false;
    this.#waiting = false;
    this.#controller.enqueue(chunk);
    return (this.#controller.desiredSize ?? 0) > -this.#limit;
  }

  close(): void {
    if (this.#finished || this.#pendingError) return;
    this.#controller.close();
    this.#finish();
  }

  error(err: unknown): void {
    if (this.#finished || this.#pendingError) return;
    if (this.#waiting) this.#deliver(err);
    else this.#pendingError = { err };
  }

  wire(n: number): void {
    this.#wire = (this.#wire ?? 0) + n;
  }

  // GateOut.
  resume(): void {
    this.#source.resume();
  }

  stop(reason: unknown): void {
    this.#source.abort(reason);
  }

  #finish(): void {
    this.#finished = true;
    const done = this.#done;
    if (done) for (const fn of done.splice(0)) fn();
  }

  // An error is handed to the reader only once it asks for data, so stages that add their mapping
  // after the transport answered (the error may come first) still map it.
  #deliver(err: unknown): void {
    let mapped = err;
    const maps = this.#maps;
    if (maps) for (const map of maps) mapped = map(mapped);
    this.#controller.error(mapped);
    this.#finish();
  }
}

/** The sink of a gated body: what the transport feeds goes to the gate while the body is open. */
class GatedSink implements BodySink {
  readonly #body: TappedBody;
  readonly #gate: BodyGate;

  constructor(body: TappedBody, gate: BodyGate) {
    this.#body = body;
    this.#gate = gate;
  }

  enqueue(chunk: Uint8Array): boolean {
    return this.#body.open ? this.#gate.push(chunk) : false;
  }

  close(): void {
    if (this.#body.open) this.#gate.end();
  }

  error(err: unknown): void {
    if (this.#body.open) this.#gate.error(err);
  }

  wire(n: number): void {
    this.#body.wire(n);
  }
}

/**
 * A body stream for a transport (or a stage that stands for one) to fill through the returned
 * sink. `pauseBytes`: how far the reader may be behind before `enqueue` asks to pause. With
 * `gate`, what the transport feeds goes through the gate that it makes (see {@link BodyGate}).
 */
export function createTappedBody(source: BodySource, pauseBytes: number = PAUSE_BYTES, gateFor?: BodyGateFactory): { stream: ReadableStream<Uint8Array>; sink: BodySink } {
  const body = new TappedBody(source, pauseBytes);
  const stream = body.stream;
  taps.set(stream, body);
  if (gateFor) {
    const gate = gateFor(body, body);
    body.gateWith(gate);
    return { stream, sink: new GatedSink(body, gate) };
  }
  return { stream, sink: body };
}
