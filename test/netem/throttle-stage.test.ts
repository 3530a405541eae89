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
