// The throttle stage (Node) with a virtual clock and fake transports: the review's cases. Empty
// chunks, the send end after a slow upload, the running byte count across unthrottled reads,
// a failed request's upload record, and (with a real server) encoded bytes charged, not decoded.
import http from 'node:http';
import zlib from 'node:zlib';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ThrottlingScheduler, createThrottleStage, type SchedulerClock } from '../../core/src/index.ts';
import type { PipelineRequest } from '../../core/src/fetch/transport.ts';
import { createTappedBody, tapOf, type BodySink } from '../../core/src/fetch/body-tap.ts';
import { session } from '../../hosts/node/index.ts';
import { responseHeadBytes, type NetworkConditions } from '../../core/src/index.ts';
import { netErrorCode } from '../../core/src/net/net-errors.ts';
import { latencyUs, tickLengthUs } from '../../core/src/netem/throttling-scheduler.ts';
import { loadNetemVectors, type NetemVector, type VectorOutcome } from './vectors.ts';

/** A clock whose time moves only when `run` fires the next timer. */
function virtualClock() {
  let now = 0;
  let timer: { at: number; fire: () => void } | null = null;
  const clock: SchedulerClock = {
    nowUs: () => now,
    setTimer: (at, fire) => { timer = { at, fire }; },
    clearTimer: () => { timer = null; },
  };
  return {
    clock,
    get now() { return now; },
    set now(v: number) { now = v; },
    /** Lets promises settle without firing a timer. */
    async settle(): Promise<void> {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    },
    /** Fires the timers due up to `at`, on time, then moves the clock to `at`. */
    async advanceTo(at: number): Promise<void> {
      for (let i = 0; i < 100_000; i++) {
        await this.settle();
        const t = timer;
        if (t === null || t.at > at) break;
        timer = null;
        now = Math.max(now, t.at);
        t.fire();
      }
      now = at;
      await this.settle();
    },
    /** Lets promises settle, firing timers in time order, until `done()` or nothing is left. */
    async run(done: () => boolean): Promise<void> {
      for (let i = 0; i < 100_000 && !done(); i++) {
        await new Promise((r) => setImmediate(r));
        if (done()) return;
        const t = timer;
        if (t === null) continue;
        timer = null;
        now = Math.max(now, t.at);
        t.fire();
      }
    },
  };
}

function request(init: Partial<PipelineRequest> = {}): PipelineRequest {
  return { url: new URL('https://a.example/'), method: 'GET', headers: new Headers(), body: null, signal: undefined, redirect: 'manual', proxy: 'DIRECT', partition: 'netem-unit', ...init };
}

function settled<T>(promise: Promise<T>) {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then((value) => { state.done = true; state.value = value; }, (error) => { state.done = true; state.error = error; });
  return state;
}

describe('throttle stage (virtual clock)', () => {
  it('does not hang on an empty chunk in the body', async () => {
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ offline: false, latencyMs: 0, downloadThroughput: 150_000, uploadThroughput: 0 });
    const body = new ReadableStream<Uint8Array>({
      start(c) { c.enqueue(new Uint8Array(0)); c.enqueue(new Uint8Array(100)); c.close(); },
    });
    const response = await (async () => {
      const p = settled(createThrottleStage(() => s)(request(), async () => new Response(body)));
      await v.run(() => p.done);
      return p.value!;
    })();
    const text = settled(response.arrayBuffer());
    await v.run(() => text.done);
    expect((text.value as ArrayBuffer).byteLength).toBe(100);
    s.dispose();
  });

  it('counts the latency from the end of a slow upload, even with no upload budget', async () => {
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ offline: false, latencyMs: 2000, downloadThroughput: 0, uploadThroughput: 0 });
    const next = async (r: PipelineRequest): Promise<Response> => {
      const reader = (r.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const step = await reader.read();
        if (step.done) break;
        v.now += 1_000_000; // the transport takes a second per chunk
      }
      return new Response('ok');
    };
    const body = new Uint8Array(40 * 1024);
    const p = settled(createThrottleStage(() => s)(request({ method: 'POST', body }), next));
    await v.run(() => p.done);
    expect(p.error).toBeUndefined();
    // Three 16 KiB chunks: sent at 3 s; headers at 3 s + 2 s latency (+ the head's 1 µs ticks).
    expect(v.now).toBeGreaterThanOrEqual(5_000_000);
    expect(v.now).toBeLessThan(5_010_000);
    s.dispose();
  });

  it('keeps the running byte count across unthrottled reads, as Chromium charges the total later', async () => {
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ offline: false, latencyMs: 0, downloadThroughput: 0, uploadThroughput: 0 });
    let second!: (chunk: Uint8Array) => void;
    const body = new ReadableStream<Uint8Array>({
      start(c) { c.enqueue(new Uint8Array(10_000)); second = (chunk) => { c.enqueue(chunk); c.close(); }; },
    });
    const p = settled(createThrottleStage(() => s)(request(), async () => new Response(body)));
    await v.run(() => p.done);
    const reader = p.value!.body!.getReader();
    expect((await reader.read()).value!.byteLength).toBe(10_000);
    s.updateConditions({ offline: false, latencyMs: 0, downloadThroughput: 150_000, uploadThroughput: 0 });
    const start = v.now;
    second(new Uint8Array(1500));
    const read = settled(reader.read());
    await v.run(() => read.done);
    // Head + 10,000 + 1,500 bytes are owed: 8 packets of 10 ms, not 2.
    expect(v.now - start).toBeGreaterThanOrEqual(70_000);
    s.dispose();
  });

  it('takes a failed request\'s upload out of the queue and cancels its body', async () => {
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ offline: false, latencyMs: 0, downloadThroughput: 0, uploadThroughput: 1000 });
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(c) { c.enqueue(new Uint8Array(5000)); },
      cancel() { cancelled = true; },
    });
    const next = async (r: PipelineRequest): Promise<Response> => {
      const reader = (r.body as ReadableStream<Uint8Array>).getReader();
      void reader.read();
      await new Promise((resolve) => setImmediate(resolve));
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    };
    const p = settled(createThrottleStage(() => s)(request({ method: 'POST', body }), next));
    await v.run(() => p.done);
    expect((p.error as Error).message).toBe('socket hang up');
    expect(s.pending).toBe(0);
    expect(cancelled).toBe(true);
    s.dispose();
  });

  it('reads ahead: the next read is queued when the previous one is released, even under a late timer', async () => {
    // Four GETs with a 1,600-byte body (head 17 B): head, then a 1,500-byte read that needs one
    // packet, then 100 bytes the credit covers. A, B, C start at 0; D at 25 ms. On time (the
    // model): heads A 10, B 20, C 30 ms; A's and B's first body reads join the queue at 10 and
    // 20 ms, ahead of D (25 ms): bodies end A 40, B 50, C 70, D 80 ms. With the timer late
    // until D starts, the passes due at 10 and 20 ms run first, at their times, and the callers
    // see the same finish times. (Reads issued when the caller pulls, at 25 ms, would queue A's
    // and B's bodies behind D: A 50 ms.)
    const scenario = async (late: boolean): Promise<number[]> => {
      const v = virtualClock();
      const s = new ThrottlingScheduler(v.clock);
      s.updateConditions({ offline: false, latencyMs: 0, downloadThroughput: 150_000, uploadThroughput: 0 });
      const stage = createThrottleStage(() => s);
      const finishes: number[] = [];
      const go = (i: number): void => {
        void stage(request(), async () => new Response(new Uint8Array(1600)))
          .then((r) => r.arrayBuffer())
          .then((b) => { expect(b.byteLength).toBe(1600); finishes[i] = v.now; });
      };
      go(0);
      go(1);
      go(2);
      await v.settle();
      if (late) v.now = 25_000; // the timer due at 10 ms has not fired
      else await v.advanceTo(25_000);
      go(3);
      await v.run(() => finishes.filter((x) => x !== undefined).length === 4);
      s.dispose();
      return finishes;
    };
    expect(await scenario(false)).toEqual([40_000, 50_000, 70_000, 80_000]);
    expect(await scenario(true)).toEqual([40_000, 50_000, 70_000, 80_000]);
  });

  it('stands in the transport\'s own tapped body (no second stream) and never calls the transport back synchronously', async () => {
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ offline: false, latencyMs: 0, downloadThroughput: 150_000, uploadThroughput: 0 });
    const stage = createThrottleStage(() => s);
    // A transport that builds its bodies as tapped streams with the request's gate; it must not
    // be re-entered from its own calls into a body (undici's parser is not re-entrant).
    let inTransport = false;
    const resumed: string[] = [];
    const transport = (name: string, first: Uint8Array | null) => {
      let sink!: BodySink;
      let stream!: ReadableStream<Uint8Array>;
      const next = async (r: PipelineRequest): Promise<Response> => {
        expect(r.bodyGate).toBeTypeOf('function');
        ({ stream, sink } = createTappedBody({
          resume: () => { expect(inTransport).toBe(false); resumed.push(name); },
          abort: () => { expect(inTransport).toBe(false); },
        }, undefined, r.bodyGate));
        if (first !== null) feed(first);
        return new Response(stream);
      };
      const feed = (chunk: Uint8Array | null): void => {
        inTransport = true;
        try {
          if (chunk === null) sink.close();
          else sink.enqueue(chunk);
        } finally {
          inTransport = false;
        }
      };
      return { next, feed, get stream() { return stream; } };
    };
    // Y: head first, its body comes later. X: 70 KB at once, more than the gate takes before it
    // pauses the transport.
    const y = transport('y', null);
    const x = transport('x', new Uint8Array(70_000));
    const py = settled(stage(request(), y.next));
    const px = settled(stage(request(), x.next));
    await v.advanceTo(10_000); // Y's head
    expect(py.done).toBe(true);
    expect(py.value!.body).toBe(y.stream); // the same stream: nothing wrapped, the stages above see its tap
    expect(tapOf(py.value!.body)).not.toBeNull();
    v.now = 25_000; // X's head (due at 20 ms) is late
    // Y's body arrives: its read starts, which first runs the overdue pass; X's head is released
    // there and takes its 70 KB chunk, so X's transport may go on: in a microtask, not inside this call.
    y.feed(new Uint8Array(1000));
    expect(resumed).toEqual([]);
    await Promise.resolve();
    expect(resumed).toEqual(['x']);
    y.feed(null);
    x.feed(null);
    const by = settled(py.value!.arrayBuffer());
    await v.run(() => px.done && by.done);
    const bx = settled(px.value!.arrayBuffer());
    await v.run(() => bx.done);
    expect((by.value as ArrayBuffer).byteLength).toBe(1000);
    expect((bx.value as ArrayBuffer).byteLength).toBe(70_000);
    expect(s.pending).toBe(0);
    s.dispose();
  });

  it('releases waiting reads unthrottled when the scheduler is disposed', async () => {
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ offline: false, latencyMs: 10_000, downloadThroughput: 0, uploadThroughput: 0 });
    const p = settled(createThrottleStage(() => s)(request(), async () => new Response('x')));
    await new Promise((r) => setImmediate(r));
    expect(p.done).toBe(false);
    s.dispose();
    await new Promise((r) => setImmediate(r));
    expect(p.done).toBe(true);
  });
});

describe('throttle stage on Node: encoded bytes', () => {
  it('charges a gzip body by its bytes on the wire, not the decoded ones', async () => {
    const decoded = Buffer.alloc(150_000, 48);
    const encoded = zlib.gzipSync(decoded);
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(encoded.length) });
      res.end(encoded);
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const ses = session.fromPartition(`netem-gzip-${Date.now()}`, { cache: false });
      ses.enableNetworkEmulation({ downloadThroughput: 15_000 }); // 100 ms a packet
      const t0 = performance.now();
      const body = await (await ses.fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).arrayBuffer();
      const elapsed = performance.now() - t0;
      expect(body.byteLength).toBe(150_000);
      expect(encoded.length).toBeLessThan(1000);
      // Head + < 1 KB encoded: 1-2 packets. Decoded bytes would be 101 packets (10 s).
      expect(elapsed).toBeLessThan(1500);
      expect(elapsed).toBeGreaterThan(90);
      ses.disableNetworkEmulation();
    } finally {
      server.close();
    }
  });
});

/** Reads a body to its end (or error), noting the virtual time and size of each piece (and telling `onPiece`). */
function pieces(v: ReturnType<typeof virtualClock>, body: ReadableStream<Uint8Array>, onPiece?: () => void) {
  const state = { got: [] as Array<[number, number]>, done: false, error: undefined as unknown, endUs: null as number | null };
  const reader = body.getReader();
  void (async () => {
    for (;;) {
      const step = await reader.read();
      if (step.done) break;
      state.got.push([v.now, step.value.byteLength]);
      onPiece?.();
    }
  })().then(() => { state.done = true; state.endUs = v.now; }, (error: unknown) => { state.done = true; state.error = error; state.endUs = v.now; });
  return state;
}

/** A body whose source the test feeds by hand; `chunk` and `end` are called later. */
function handFed(first: number | null) {
  let c!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      c = controller;
      if (first !== null) c.enqueue(new Uint8Array(first));
    },
  });
  return { stream, chunk: (n: number) => c.enqueue(new Uint8Array(n)), end: () => c.close() };
}

const OFFLINE_NOW = { offline: true, latencyMs: 0, downloadThroughput: 0, uploadThroughput: 0 };
const NONE = { offline: false, latencyMs: 0, downloadThroughput: 0, uploadThroughput: 0 };

describe('throttle stage (virtual clock): Chromium behaviours through the stage', () => {
  it('caps each read at 1500 bytes while download throttling is on, and only then', async () => {
    // One 6,000-byte chunk from the transport, head 17 B, 10 ms packets. Capped: four reads of
    // 1,500 B, one packet each, released at 20, 30, 40, 50 ms. Uncapped, one read of 6,000 B would
    // wait for four packets and come out whole at 50 ms.
    const run = async (conditions: typeof NONE): Promise<Array<[number, number]>> => {
      const v = virtualClock();
      const s = new ThrottlingScheduler(v.clock);
      s.updateConditions(conditions);
      const p = settled(createThrottleStage(() => s)(request(), async () => new Response(new Uint8Array(6000))));
      await v.run(() => p.done);
      const body = pieces(v, p.value!.body!);
      await v.run(() => body.done);
      expect(body.error).toBeUndefined();
      s.dispose();
      return body.got;
    };
    expect(await run({ ...NONE, downloadThroughput: 150_000 })).toEqual([[20_000, 1500], [30_000, 1500], [40_000, 1500], [50_000, 1500]]);
    // Latency only (download not throttled): GetReadBufLen leaves the read whole.
    expect((await run({ ...NONE, latencyMs: 5 })).map(([, n]) => n)).toEqual([6000]);
  });

  it('charges the response head before releasing it: a bigger head takes more packets', async () => {
    // Head = status line "HTTP/1.1 200 \r\n" + blank line (17 B) + "x-pad: <k>\r\n" (k + 9 B).
    // floor(head / 1500) + 1 packets of 10 ms: 17 B → 10 ms; exactly 1,500 B → 20 ms (one more than
    // the bytes need); 3,026 B → 30 ms. The 100-byte body rides on the head's overshoot.
    const run = async (pad: number | null): Promise<[number, number]> => {
      const v = virtualClock();
      const s = new ThrottlingScheduler(v.clock);
      s.updateConditions({ ...NONE, downloadThroughput: 150_000 });
      const init = pad === null ? {} : { headers: { 'x-pad': 'a'.repeat(pad) } };
      const p = settled(createThrottleStage(() => s)(request(), async () => new Response(new Uint8Array(100), init)));
      await v.run(() => p.done);
      const head = v.now;
      const body = pieces(v, p.value!.body!);
      await v.run(() => body.done);
      s.dispose();
      return [head, body.got[body.got.length - 1]![0]];
    };
    expect(await run(null)).toEqual([10_000, 10_000]);
    expect(await run(1500 - 26)).toEqual([20_000, 20_000]);
    expect(await run(3000)).toEqual([30_000, 30_000]);
  });

  it('throttles a stream request body chunk by chunk on the upload budget, the count carried across chunks', async () => {
    // Three 5,000-byte chunks at 15,000 B/s (100 ms packets): 4 packets (overshoot 1,000), then
    // 4,000 B → 3 packets (overshoot 500), then 4,500 B → 4 packets (exactly 3 × 1,500 is not
    // below zero). 11 packets in all = floor(15,000 / 1500) + 1.
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ ...NONE, uploadThroughput: 15_000 });
    let left = 3;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (left-- > 0) c.enqueue(new Uint8Array(5000).fill(7));
        else c.close();
      },
    }, { highWaterMark: 0 });
    const sent: Array<[number, number]> = [];
    let contentLength: string | null = 'unset';
    const next = async (r: PipelineRequest): Promise<Response> => {
      expect(r.body).toBeInstanceOf(ReadableStream);
      contentLength = r.headers.get('content-length');
      const reader = (r.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const step = await reader.read();
        if (step.done) break;
        sent.push([v.now, step.value.byteLength]);
      }
      return new Response('ok');
    };
    const p = settled(createThrottleStage(() => s)(request({ method: 'POST', body }), next));
    await v.run(() => p.done);
    expect(p.error).toBeUndefined();
    expect(sent).toEqual([[400_000, 5000], [700_000, 5000], [1_100_000, 5000]]);
    expect(contentLength).toBeNull(); // a stream of unknown length keeps none
    s.dispose();
  });

  it('fails an idle request at its next read once offline, not before; released pieces stay readable', async () => {
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ ...NONE, downloadThroughput: 150_000 });
    const source = handFed(100);
    const p = settled(createThrottleStage(() => s)(request(), async () => new Response(source.stream)));
    await v.run(() => p.done);
    const reader = p.value!.body!.getReader();
    await v.advanceTo(30_000); // head and the first 100 B released at 10 ms; the source has no more yet
    expect(s.pending).toBe(0); // idle: no read waits in the scheduler
    s.updateConditions(OFFLINE_NOW);
    const first = settled(reader.read());
    await v.settle();
    expect(first.value).toEqual({ done: false, value: new Uint8Array(100) });
    const second = settled(reader.read());
    await v.settle();
    expect(second.done).toBe(false); // not failed by the switch itself
    source.chunk(100); // the next read: Read() checks offline first
    await v.settle();
    expect(second.done).toBe(true);
    expect((second.error as Error).message).toBe('net::ERR_INTERNET_DISCONNECTED');
    s.dispose();
  });

  it('does not fail an upload when offline is set: its queued chunk goes at once, the rest unthrottled', async () => {
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ ...NONE, uploadThroughput: 15_000 }); // 100 ms packets
    let left = 3;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (left-- > 0) c.enqueue(new Uint8Array(5000));
        else c.close();
      },
    }, { highWaterMark: 0 });
    const sent: Array<[number, number]> = [];
    let uploadError: unknown = null;
    const next = async (r: PipelineRequest): Promise<Response> => {
      const reader = (r.body as ReadableStream<Uint8Array>).getReader();
      try {
        for (;;) {
          const step = await reader.read();
          if (step.done) break;
          sent.push([v.now, step.value.byteLength]);
        }
      } catch (err) {
        uploadError = err;
        throw err;
      }
      return new Response('ok');
    };
    const p = settled(createThrottleStage(() => s)(request({ method: 'POST', body }), next));
    await v.advanceTo(450_000); // the first chunk went at 400 ms; the second waits (3 packets)
    expect(sent).toEqual([[400_000, 5000]]);
    s.updateConditions(OFFLINE_NOW);
    await v.run(() => p.done);
    expect(uploadError).toBeNull();
    expect(sent).toEqual([[400_000, 5000], [450_000, 5000], [450_000, 5000]]);
    // The response head is a download: it fails, as Chromium's Throttle(start) does while offline.
    expect((p.error as Error).message).toBe('net::ERR_INTERNET_DISCONNECTED');
    s.dispose();
  });

  it('a condition change mid-flight starts a new grid at the change and carries the remaining bytes', async () => {
    // Head of 3,026 B (3 packets) at 150,000 B/s: one packet at 10 ms leaves 1,526 B. At 15 ms the
    // rate drops to 15,000 B/s: the new grid starts at 15 ms (ticks at 115, 215 ms) and the head
    // needs 2 more packets: released at 215 ms. (The old grid would give 200 ms; remaining bytes
    // not carried, 315 ms; the old rate kept, 30 ms.)
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ ...NONE, downloadThroughput: 150_000 });
    const p = settled(createThrottleStage(() => s)(request(), async () => new Response(new Uint8Array(100), { headers: { 'x-pad': 'a'.repeat(3000) } })));
    await v.advanceTo(15_000);
    s.updateConditions({ ...NONE, downloadThroughput: 15_000 });
    await v.run(() => p.done);
    expect(v.now).toBe(215_000);
    const body = pieces(v, p.value!.body!);
    await v.run(() => body.done);
    expect(body.got).toEqual([[215_000, 100]]); // on the head's overshoot
    s.dispose();
  });

  it('switching to no throttling releases everything queued at once: reads, latency, the rest unthrottled', async () => {
    // 100 ms packets, 100 ms latency. A starts at 0: head at 200 ms, its body reads then one a tick.
    // B starts at 250 ms and waits out its latency (to 350 ms). At 320 ms emulation goes off:
    // A's queued read, B's latency record and every later read go at once.
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ ...NONE, latencyMs: 100, downloadThroughput: 15_000 });
    const stage = createThrottleStage(() => s);
    const a = settled(stage(request(), async () => new Response(new Uint8Array(15_000))));
    await v.advanceTo(200_000);
    expect(a.done).toBe(true);
    const bodyA = pieces(v, a.value!.body!);
    await v.advanceTo(250_000);
    const b = settled(stage(request(), async () => new Response(new Uint8Array(15_000))));
    await v.advanceTo(320_000);
    expect(b.done).toBe(false);
    expect(bodyA.got.length).toBe(1); // one 1,500 B read released at 300 ms
    s.updateConditions(NONE);
    await v.settle();
    expect(b.done).toBe(true);
    const bodyB = pieces(v, b.value!.body!);
    await v.run(() => bodyA.done && bodyB.done);
    expect(v.now).toBe(320_000);
    expect(bodyA.got.reduce((n, [, len]) => n + len, 0)).toBe(15_000);
    expect(bodyB.got).toEqual([[320_000, 15_000]]); // not capped any more either
    expect(s.pending).toBe(0);
    s.dispose();
  });

  it('throttles an upload and a download at once on separate budgets (they do not compete)', async () => {
    // 150,000 B/s each way (10 ms packets). A uploads 15,000 B: 11 packets, sent at 110 ms. B
    // downloads 15,000 B (head 17 B): 11 packets, its last piece at 110 ms. One shared budget
    // would serve the 22 packets in turn and finish both near 220 ms.
    const v = virtualClock();
    const s = new ThrottlingScheduler(v.clock);
    s.updateConditions({ ...NONE, downloadThroughput: 150_000, uploadThroughput: 150_000 });
    const stage = createThrottleStage(() => s);
    let uploaded = -1;
    const a = settled(stage(request({ method: 'POST', body: new Uint8Array(15_000) }), async (r) => {
      await new Response(r.body as ReadableStream<Uint8Array>).arrayBuffer();
      uploaded = v.now;
      return new Response(null, { status: 204 });
    }));
    const b = settled(stage(request(), async () => new Response(new Uint8Array(15_000))));
    await v.run(() => b.done);
    const body = pieces(v, b.value!.body!);
    await v.run(() => body.done && a.done);
    expect(uploaded).toBe(110_000);
    expect(body.got.length).toBe(10);
    expect(body.got[body.got.length - 1]).toEqual([110_000, 1500]);
    s.dispose();
  });

  it('an end of body that arrives after offline was set fails, as Chromium\'s pending Read does; one read before does not', async () => {
    // Chromium's loader reads ahead: once the last piece is released it reads again at once. If
    // the end is already there, that read returns 0 and the body is complete, whatever happens
    // later (the consumer reads the rest and the end from the data pipe). If it is not there yet,
    // the read waits on the network, and its completion goes through Throttle(), which fails while
    // offline (ERR_INTERNET_DISCONNECTED).
    const run = async (endFirst: boolean) => {
      const v = virtualClock();
      const s = new ThrottlingScheduler(v.clock);
      s.updateConditions({ ...NONE, downloadThroughput: 150_000 });
      const source = handFed(100);
      if (endFirst) source.end();
      const p = settled(createThrottleStage(() => s)(request(), async () => new Response(source.stream)));
      await v.run(() => p.done);
      await v.advanceTo(30_000); // all 100 B released at 10 ms; nobody has read them
      s.updateConditions(OFFLINE_NOW);
      if (!endFirst) source.end();
      await v.settle();
      const body = pieces(v, p.value!.body!);
      await v.run(() => body.done);
      s.dispose();
      return { got: body.got, error: (body.error as Error | undefined)?.message ?? null };
    };
    expect(await run(true)).toEqual({ got: [[30_000, 100]], error: null });
    expect(await run(false)).toEqual({ got: [[30_000, 100]], error: 'net::ERR_INTERNET_DISCONNECTED' });
  });
});

// ---- Chromium's vectors (../shared/vectors/netem/chromium-throttling.json) through the real stage ----

const netemVectors = loadNetemVectors();

/** One request of a vector: started at `start` (µs), response head of H bytes, body of N bytes. */
interface VectorRequest {
  start: number;
  H: number;
  N: number;
  /**
   * The caller of the transaction's Read waits this long (µs) after each completion (and after the
   * headers) before the next Read. In the stage that caller is the stage's own read-ahead (Chromium's
   * URLLoader filling its data pipe), which reads whenever the pipe has room, so a slow reader of the
   * response body never reaches the throttle below 512 KiB. What the throttle sees of such a Read is
   * its bytes arriving that long after the previous completion: the transport hands over each
   * 1,500-byte read (and finally the end) `readDelayUs` after the consumer got the previous piece.
   */
  readDelayUs?: number;
}
interface VectorScenario {
  conditions: NetworkConditions;
  requests: VectorRequest[];
  change?: { at: number; conditions: NetworkConditions };
}

const down = (latencyMs: number, downloadThroughput: number): NetworkConditions => ({ ...NONE, latencyMs, downloadThroughput });

/** The scenario of a vector, from its params and its desc (the same reading as test/kernel/netem-scheduler.test.ts). */
function vectorScenario(v: NetemVector): VectorScenario {
  const p = v.params;
  const get = (k: string): number => {
    const x = p[k];
    if (typeof x !== 'number') throw new Error(`${v.id}: no param ${k}`);
    return x;
  };
  const one = (H: number, N: number): VectorRequest[] => [{ start: 0, H, N }];
  switch (v.id) {
    case 'V1': // L=0, T=150000 (params), H=200, N=0, headers real at 0
      return { conditions: down(get('latency_ms'), get('down')), requests: one(200, 0) };
    case 'V2_H1501':
    case 'V2_H2999': // H from params, T=150000, L=0, N=0
      return { conditions: down(0, 150_000), requests: one(get('H'), 0) };
    case 'V3': // L=100 ms, T=150000, H=200, send_end=0 (no body: the send end is the start), N=0
      return { conditions: down(100, 150_000), requests: one(200, 0) };
    case 'V5_n10': // n GETs, H=0, N=15000, L=0, T=150000
      return { conditions: down(0, 150_000), requests: Array.from({ length: get('n') }, () => ({ start: 0, H: 0, N: 15_000 })) };
    case 'V5b':
      return { conditions: down(0, 150_000), requests: [{ start: 0, H: 0, N: 3000 }, { start: 0, H: 0, N: 30_000 }] };
    case 'V5c':
      return { conditions: down(0, 150_000), requests: [{ start: 0, H: 0, N: 30_000 }, { start: 105_000, H: 0, N: 30_000 }] };
    case 'V6':
      return { conditions: down(0, 150_000), requests: [{ start: 0, H: 0, N: 15_000, readDelayUs: 25_000 }] };
    case 'V7':
      return { conditions: down(0, 150_000), requests: one(0, 15_000), change: { at: 55_000, conditions: down(0, 15_000) } };
    case 'V8b':
      return { conditions: OFFLINE_NOW, requests: one(200, 1000) };
    default:
      if (v.id.startsWith('V4_')) {
        expect(tickLengthUs(get('down'))).toBe(get('tick_us'));
        expect(latencyUs(get('latency_ms'))).toBe(get('latency_us'));
        return { conditions: down(get('latency_ms'), get('down')), requests: one(get('H'), get('N')) };
      }
      throw new Error(`no stage scenario for ${v.id}`);
  }
}

// Packets Chromium charges per record (the head, then each read of at most 1500 bytes) with the
// carried count, while download throttling is on.
function packetsPerRecord(H: number, N: number): number[] {
  const packets: number[] = [];
  let count = H;
  const charge = (): void => {
    let n = 0;
    for (; count >= 0; n++) count -= 1500;
    packets.push(n);
  };
  charge();
  for (let left = N; left > 0;) {
    const r = Math.min(1500, left);
    left -= r;
    count += r;
    charge();
  }
  return packets;
}

/**
 * The head the fake transport answers with: a status line, the blank line and an `x-pad` header
 * padded to H bytes. An HTTP response head is at least 17 bytes ("HTTP/1.1 200 \r\n\r\n"), so a
 * vector's H = 0 is run with that smallest head, after checking that Chromium charges the same
 * packets to every record with it (the timing is then identical, not approximated).
 */
function wireHead(H: number, N: number, throttled: boolean): { bytes: number; init: ResponseInit } {
  const MIN = 17;
  const bytes = H === 0 ? MIN : H;
  if (H === 0 && throttled) expect(packetsPerRecord(MIN, N)).toEqual(packetsPerRecord(0, N));
  if (bytes === MIN) return { bytes, init: {} };
  expect(bytes).toBeGreaterThanOrEqual(MIN + 9);
  return { bytes, init: { headers: { 'x-pad': 'a'.repeat(bytes - MIN - 9) } } };
}

/** Runs a vector's scenario through createThrottleStage on the virtual clock; one outcome per request. */
async function runVectorThroughStage(sc: VectorScenario): Promise<VectorOutcome[]> {
  const v = virtualClock();
  const s = new ThrottlingScheduler(v.clock);
  s.updateConditions(sc.conditions);
  const stage = createThrottleStage(() => s);
  const outcomes: VectorOutcome[] = [];
  const finished: boolean[] = [];
  const sizes: number[][] = [];
  let transportCalls = 0;
  // Test-side events at virtual times (starts, a condition change, a paced transport's reads).
  const events: Array<{ at: number; fn: () => void }> = [];
  const at = (t: number, fn: () => void): void => {
    expect(t, 'a test event in the past').toBeGreaterThanOrEqual(v.now);
    events.push({ at: t, fn });
  };

  const begin = (i: number, rq: VectorRequest): void => {
    const out: VectorOutcome = { headers_us: null, eof_us: null, error: null, error_us: null, data_events: 0, data_us: [] };
    outcomes[i] = out;
    sizes[i] = [];
    const head = wireHead(rq.H, rq.N, sc.conditions.downloadThroughput > 0);
    const paced = rq.readDelayUs !== undefined ? handFed(null) : null;
    let left = rq.N;
    // The paced transport's next Read: 1,500 bytes, or the end.
    const feed = (): void => {
      if (left === 0) return paced!.end();
      const r = Math.min(1500, left);
      left -= r;
      paced!.chunk(r);
    };
    // An instant network: the answer is there the moment the stage sends the request.
    const next = async (): Promise<Response> => {
      transportCalls++;
      const response = new Response(paced !== null ? paced.stream : new Uint8Array(rq.N), head.init);
      expect(responseHeadBytes(response)).toBe(head.bytes);
      return response;
    };
    stage(request(), next).then((response) => {
      out.headers_us = v.now;
      if (paced !== null) at(v.now + rq.readDelayUs!, feed);
      const body = pieces(v, response.body!, paced === null ? undefined : () => at(v.now + rq.readDelayUs!, feed));
      void (async () => {
        while (!body.done) await new Promise((r) => setImmediate(r));
        out.data_us = body.got.map(([t]) => t);
        out.data_events = body.got.length;
        sizes[i] = body.got.map(([, n]) => n);
        if (body.error === undefined) out.eof_us = body.endUs;
        else {
          out.error = netErrorCode((body.error as { code: string }).code);
          out.error_us = body.endUs;
        }
        finished[i] = true;
      })();
    }, (err: { code: string }) => {
      out.error = netErrorCode(err.code);
      out.error_us = v.now;
      finished[i] = true;
    });
  };

  sc.requests.forEach((rq, i) => at(rq.start, () => begin(i, rq)));
  if (sc.change) {
    const change = sc.change;
    at(change.at, () => s.updateConditions(change.conditions));
  }
  const allDone = (): boolean => sc.requests.every((_, i) => finished[i] === true);
  for (let guard = 0; guard < 10_000; guard++) {
    if (events.length === 0) {
      await v.run(() => allDone() || events.length > 0);
      if (events.length === 0) break;
      continue;
    }
    // The earliest event first (insertion order among equal times).
    let k = 0;
    events.forEach((e, j) => { if (e.at < events[k]!.at) k = j; });
    const ev = events.splice(k, 1)[0]!;
    if (ev.at > v.now) await v.advanceTo(ev.at);
    ev.fn();
  }
  await v.settle();
  expect(allDone(), 'every request finished').toBe(true);
  expect(s.pending).toBe(0);
  // Offline before start: Chromium's Start fails at once, the network is never asked.
  expect(transportCalls).toBe(sc.conditions.offline ? 0 : sc.requests.length);
  sc.requests.forEach((rq, i) => {
    if (outcomes[i]!.error !== null) return;
    // Every byte came through, in pieces of at most one packet while download throttling is on.
    expect(sizes[i]!.reduce((a, n) => a + n, 0)).toBe(rq.N);
    if (sc.conditions.downloadThroughput > 0) expect(Math.max(0, ...sizes[i]!)).toBeLessThanOrEqual(1500);
  });
  s.dispose();
  return outcomes;
}

describe('throttle stage (virtual clock): every request vector of chromium-throttling.json, to the µs', () => {
  const requestVectors = netemVectors.filter((x) => x.id !== 'TICKS');

  it('knows a scenario for each of the 15 request vectors', () => {
    expect(requestVectors).toHaveLength(15);
    for (const v of requestVectors) expect(() => vectorScenario(v), v.id).not.toThrow();
  });

  for (const vector of requestVectors) {
    it(`${vector.id}: ${vector.desc}`, async () => {
      const got = await runVectorThroughStage(vectorScenario(vector));
      const want = vector.expect as VectorOutcome[];
      expect(got).toHaveLength(want.length);
      want.forEach((w, i) => {
        const g = got[i]!;
        expect({ ...g, data_us: undefined }, `request ${i}`).toEqual({ ...w, data_us: undefined });
        if (w.data_us !== undefined) expect(g.data_us, `request ${i} data_us`).toEqual(w.data_us);
      });
    });
  }
});
