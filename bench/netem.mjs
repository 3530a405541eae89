// Network emulation (`ses.enableNetworkEmulation`) against Chromium's model, beside a per-stream
// npm throttle, in one run. For 1, 10, 100 and 1,000 concurrent GETs at the 'Slow 3G', 'Fast 3G'
// and 'Fast 4G' presets (latency kept), real transfers from a loopback node:http origin in a worker thread:
// - ours: `ses.fetch` on a fresh session with `enableNetworkEmulation(preset)`; the whole body is read.
// - stream-throttle 0.1.3: undici `fetch`, a wait of the preset's latency from the request start,
//   then the body piped through `new Throttle({ rate: downloadThroughput })`, one per response
//   (what people do: every stream gets the full rate, so n streams get n times the bandwidth).
// The model: the package's ThrottlingScheduler (same wasm kernel) driven in virtual time by a fake
// clock whose timer fires exactly when due, fed each stream as the session's scheduler saw it (the
// grid origin of enableNetworkEmulation; per stream the send end, the moment and the head bytes of
// the stage's StartThrottle for the response head, taken by wrapping the prototype (origin and moment:
// the scheduler's own first reading of the clock inside the call, to the µs); the stream is
// known from its response's Headers object, which the stage counts just before that call and
// ses.fetch hands back), its body bytes, and reads of 1500 bytes
// issued the instant the previous one is released. For stream-throttle the origin's receipt of the
// request is the send end and its response the start. Per stream: error = measured finish − model
// finish, in ms and in % of the model's duration from the request's start.
// Scheduler CPU: performance.now() sums over the session scheduler's startThrottle / stopThrottle /
// updateConditions and over every netem kernel call made outside them (the timer path), over the
// wall time of the cell; the replay's CPU (the same operations, timers exactly on time) is shown too.
// Process CPU per stream is process.cpuUsage() over the cell (origin, undici, the session pipeline,
// the scheduler and the probes together), divided by n.
// The bench fails if a cell was not throttled (set time < 0.9 x model), if a body is short, if the
// stage charged other head bytes than the bench counts, or if the model replay differs from
// Chromium's closed forms (all streams queued in one tick, §10) by a single µs.
// Run: npm run bench:netem  (builds first)   or   node bench/netem.mjs [--quick] [--runs N]  (after npm run build)
// --quick: one run, without the 1,000-stream Slow 3G (30 s) and Fast 3G (8 s) cells.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import streamThrottle from 'stream-throttle';
import * as dist from '../dist/node.js';

const { session, networkPresets, Core, realClock } = dist;
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const RUNS = args.includes('--runs') ? Math.max(1, Number(args[args.indexOf('--runs') + 1]) || 2) : QUICK ? 1 : 2;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

if (networkPresets === undefined || typeof dist.ThrottlingScheduler !== 'function' || realClock === undefined || typeof session.fromPartition('bench-netem-probe').enableNetworkEmulation !== 'function') {
  throw new Error('dist/node.js has no networkPresets / ThrottlingScheduler / realClock / ses.enableNetworkEmulation: run npm run build');
}
// The model runs the package's own scheduler class (the same wasm kernel) on a fake clock.
const Scheduler = dist.ThrottlingScheduler;

// ---------------------------------------------------------------------------------------------
// Cells. Body sizes: head + body stays ~700 bytes off a multiple of 1500, so that a head a few
// bytes off changes no packet count. At 1,000 streams Slow 3G and Fast 3G use the smallest size
// (head + body < 1 packet): 1,000 packets are already 30 s and 8.3 s.

const PRESETS = ['Slow 3G', 'Fast 3G', 'Fast 4G'];
const BODY = {
  'Slow 3G': { 1: 20_000, 10: 3_600, 100: 600, 1000: 600 },
  'Fast 3G': { 1: 200_000, 10: 30_500, 100: 3_600, 1000: 600 },
  'Fast 4G': { 1: 999_500, 10: 150_500, 100: 15_500, 1000: 2_100 },
};
const COUNTS = [1, 10, 100, 1000];
const cells = [];
for (const preset of PRESETS) {
  for (const n of COUNTS) {
    if (QUICK && n === 1000 && preset !== 'Fast 4G') continue;
    if (process.env.BENCH_CELLS && !process.env.BENCH_CELLS.split(',').includes(`${preset}:${n}`)) continue;
    cells.push({ preset, n, N: BODY[preset][n] });
  }
}

// ---------------------------------------------------------------------------------------------
// Origin: /<tag>/<i>/<bytes>, in a worker thread: its own heap and event loop, so its work and its
// garbage collections never stall the session's loop (a real server is not in the client's
// process either). It records, per request, when it arrived and when its response was written;
// the bench takes those records after each cell, on its own clock (offset measured by pings).

const ORIGIN_SOURCE = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const bodies = new Map();
const bodyOf = (size) => {
  let b = bodies.get(size);
  if (b === undefined) bodies.set(size, (b = Buffer.alloc(size, 'x')));
  return b;
};
const seen = new Map();
const server = http.createServer((req, res) => {
  const recv = performance.now();
  const [, tag, i, size] = req.url.split('/');
  const body = bodyOf(Number(size));
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(body);
  seen.set(tag + '/' + i, { recv, resp: performance.now() });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', 4096, () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m.ping !== undefined) parentPort.postMessage({ pong: m.ping, now: performance.now() });
  else if (m.take !== undefined) {
    const out = [];
    for (const [key, v] of seen) if (key.startsWith(m.take + '/')) { out.push([key, v]); seen.delete(key); }
    parentPort.postMessage({ taken: m.take, seen: out });
  } else if (m.close) server.close(() => parentPort.close());
});
`;
const originWorker = new Worker(ORIGIN_SOURCE, { eval: true });
const nextMessage = (test) => new Promise((resolve) => {
  const on = (m) => { if (test(m)) { originWorker.off('message', on); resolve(m); } };
  originWorker.on('message', on);
});
const { port: originPort } = await nextMessage((m) => m.port !== undefined);
const base = `http://127.0.0.1:${originPort}`;
// The worker's clock minus ours: from the ping with the shortest round trip of 50.
let originClockOffset = 0;
{
  let bestRtt = Infinity;
  for (let k = 0; k < 50; k++) {
    const t0 = performance.now();
    const reply = nextMessage((m) => m.pong === k);
    originWorker.postMessage({ ping: k });
    const { now } = await reply;
    const t1 = performance.now();
    if (t1 - t0 < bestRtt) {
      bestRtt = t1 - t0;
      originClockOffset = now - (t0 + t1) / 2;
    }
  }
}
/** The origin's records of one cell, by `tag/i`, on this thread's clock (performance.now() ms). */
async function takeSeen(tag) {
  const reply = nextMessage((m) => m.taken === tag);
  originWorker.postMessage({ take: tag });
  const { seen } = await reply;
  return new Map(seen.map(([key, v]) => [key, { recv: v.recv - originClockOffset, resp: v.resp - originClockOffset }]));
}

/** Bytes of a response head as the throttle charges it: status line, header lines, blank line. */
function headBytes(status, statusText, headers) {
  let n = `HTTP/1.1 ${status} ${statusText}\r\n`.length + 2;
  for (const [name, value] of headers) n += name.length + value.length + 4;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Probes on the session's scheduler (the one on the real clock), while `probe.on`:
// - its grid origin (updateConditions) and, per stream, what the stage hands StartThrottle for the
//   response head (send end, the moment of the call, head bytes); the stream is known from the
//   Headers object the stage counted (Headers.prototype.forEach) right before that call, the one
//   ses.fetch answers with; a read is its stream's when issued from its stream's completion
//   callback, or with the same callback as such a read (no AsyncLocalStorage: its promise hooks
//   would add work and memory to every promise of the path being measured);
// - CPU: the time inside startThrottle / stopThrottle / updateConditions, plus every netem kernel
//   call made outside them (the timer path: netemTimer, netemNextWake...), by performance.now().

// Per stream (ps): { noted: what its head start handed the scheduler, lastDone, headDone }.
const probe = { inDone: undefined, on: false, ms: 0, calls: 0, depth: 0, originUs: NaN, lastHeaders: undefined, byHeaders: new Map(), byDone: new Map(), unknownStarts: 0, readGaps: [], lastWake: -1, timerLate: [] };
{
  const forEach = Headers.prototype.forEach;
  Headers.prototype.forEach = function (...a) {
    if (probe.on) probe.lastHeaders = this;
    return forEach.apply(this, a);
  };
  const SP = dist.ThrottlingScheduler.prototype;
  // The moment a call happened is the scheduler's own first reading of the clock inside it, not the
  // probe's reading just before: those few µs would shift the model's grid (and starts) early, and
  // a latency expiry inside the gap would join the round-robin queue on the other side of a read.
  const firstReads = [];
  const clockNowUs = realClock.nowUs;
  realClock.nowUs = function () {
    const t = clockNowUs();
    const top = firstReads.length - 1;
    if (top >= 0 && firstReads[top] === undefined) firstReads[top] = t;
    return t;
  };
  const timed = (name, before, after) => {
    const orig = SP[name];
    SP[name] = function (...a) {
      if (!probe.on || this.clock !== realClock) return orig.apply(this, a);
      const noted = before?.call(this, a);
      probe.depth++;
      firstReads.push(undefined);
      const t = performance.now();
      try {
        return orig.apply(this, a);
      } finally {
        probe.ms += performance.now() - t;
        probe.calls++;
        probe.depth--;
        const first = firstReads.pop();
        if (first !== undefined) after?.(noted, first);
      }
    };
  };
  timed('startThrottle', function (a) {
    const [bytes, sendEndUs, start] = a;
    const done = a[4];
    let ps;
    if (start) {
      // The head's bytes were just counted from its Headers (responseHeadBytes, then this call).
      const headers = probe.lastHeaders;
      probe.lastHeaders = undefined;
      if (headers === undefined) {
        probe.unknownStarts++;
        return;
      }
      ps = { noted: undefined, lastDone: undefined, headDone: undefined };
      probe.byHeaders.set(headers, ps);
    } else {
      // A read issued from inside a completion callback belongs to that callback's stream; a
      // download hands the scheduler the same callback for each of its reads.
      ps = probe.inDone ?? probe.byDone.get(done);
      if (probe.inDone !== undefined) probe.byDone.set(done, probe.inDone);
    }
    if (ps === undefined) return;
    const now = clockNowUs();
    const noted = start ? { sendEndUs, startUs: now, H: bytes } : undefined;
    if (start) ps.noted = noted;
    else if (ps.lastDone !== undefined) probe.readGaps.push((now - ps.lastDone) / 1000);
    a[4] = (result, rem) => {
      const t = clockNowUs();
      ps.lastDone = t;
      if (start) ps.headDone = t;
      const outer = probe.inDone;
      probe.inDone = ps;
      try {
        done(result, rem);
      } finally {
        probe.inDone = outer;
      }
    };
    return noted;
  }, (noted, first) => {
    if (noted !== undefined) noted.startUs = first;
  });
  timed('stopThrottle');
  timed('updateConditions', function () { probe.originUs = clockNowUs(); }, (_noted, first) => { probe.originUs = first; });

  const CP = Core.prototype;
  const call = CP.call;
  const kernelTimed = (fn, self, a) => {
    const t = performance.now();
    try {
      return fn.apply(self, a);
    } finally {
      probe.ms += performance.now() - t;
      probe.calls++;
    }
  };
  CP.call = function (kernel, fn) {
    if (probe.on && kernel === 'netem.timer' && probe.lastWake >= 0) probe.timerLate.push((clockNowUs() - probe.lastWake) / 1000);
    if (!probe.on || probe.depth !== 0 || !kernel.startsWith('netem')) return call.call(this, kernel, fn);
    return kernelTimed(call, this, [kernel, fn]);
  };
  const desc = Object.getOwnPropertyDescriptor(CP, 'exports');
  const wrapped = new WeakMap();
  Object.defineProperty(CP, 'exports', {
    configurable: true,
    get() {
      const raw = desc.get.call(this);
      let w = wrapped.get(raw);
      if (w === undefined) {
        w = Object.create(null);
        for (const [k, v] of Object.entries(raw)) {
          w[k] = typeof v === 'function' && k.startsWith('netem')
            ? k === 'netemNextWake'
              ? (...a) => {
                  const at = !probe.on || probe.depth !== 0 ? v(...a) : kernelTimed(v, undefined, a);
                  if (probe.on) probe.lastWake = at;
                  return at;
                }
              : (...a) => (!probe.on || probe.depth !== 0 ? v(...a) : kernelTimed(v, undefined, a))
            : v;
        }
        wrapped.set(raw, w);
      }
      return w;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The model: the scheduler in virtual time (µs), one timer that fires exactly when it is due.

function replay(cond, originUs, streams) {
  let now = originUs;
  let timerAt = -1;
  let timerFire = null;
  const clock = {
    nowUs: () => now,
    setTimer(at, fire) { timerAt = at; timerFire = fire; },
    clearTimer() { timerAt = -1; timerFire = null; },
  };
  const t0 = performance.now();
  const sched = new Scheduler(clock);
  sched.updateConditions(cond);
  const out = streams.map(() => ({ headersUs: NaN, finishUs: NaN }));
  const order = streams.map((_, i) => i).sort((a, b) => streams[a].startUs - streams[b].startUs || a - b);
  let fires = 0;
  let spin = 0;
  const read = (i, count, left) => {
    const r = Math.min(1500, left);
    const id = sched.startThrottle(count + r, null, false, false, (_res, rem) => {
      if (left === r) out[i].finishUs = now;
      else read(i, rem, left - r);
    });
    if (typeof id !== 'number') throw new Error(`model: a read was not throttled (${id})`);
  };
  let k = 0;
  while (k < order.length || timerAt >= 0) {
    const next = k < order.length ? streams[order[k]].startUs : Infinity;
    if (timerAt >= 0 && timerAt <= next) {
      const at = Math.max(now, timerAt);
      spin = at === now ? spin + 1 : 0;
      if (spin > 100_000) throw new Error('model: the timer fires again and again at one instant');
      now = at;
      const fire = timerFire;
      timerAt = -1;
      timerFire = null;
      fires++;
      fire();
    } else {
      const i = order[k++];
      const s = streams[i];
      now = Math.max(now, s.startUs);
      const id = sched.startThrottle(s.H, s.sendEndUs, true, false, (_res, rem) => {
        out[i].headersUs = now;
        if (s.N === 0) out[i].finishUs = now;
        else read(i, rem, s.N);
      });
      if (typeof id !== 'number') throw new Error(`model: a response start was not throttled (${id})`);
    }
  }
  sched.dispose();
  return { out, cpuMs: performance.now() - t0, fires };
}

const us = (ms) => Math.floor(ms * 1000);
const conditionsOf = (p) => ({ offline: p.offline === true, latencyMs: p.latency ?? 0, downloadThroughput: p.downloadThroughput ?? 0, uploadThroughput: p.uploadThroughput ?? 0 });
const tickUs = (T) => Math.trunc((1500 / T) * 1e6);

/** §10 closed forms (n identical streams queued in one slot) against the replay; throws on any difference. */
function checkClosedForms(cell) {
  const cond = conditionsOf(networkPresets[cell.preset]);
  const tau = tickUs(cond.downloadThroughput);
  const o = 10_000_000;
  const H = 190;
  const streams = Array.from({ length: cell.n }, () => ({ sendEndUs: o + 100, startUs: o + 200, H, N: cell.N }));
  const { out } = replay(cond, o, streams);
  const k0 = Math.floor((o + 100 + Math.trunc(cond.latencyMs * 1000) - o) / tau);
  const P = Math.floor((H + cell.N) / 1500) + 1;
  out.forEach((r, i) => {
    const want = o + tau * (k0 + cell.n * P - (cell.n - 1 - i));
    if (r.finishUs !== want) throw new Error(`model check ${cell.preset} x${cell.n}: stream ${i} ends at ${r.finishUs - o} µs, closed form ${want - o} µs`);
  });
  return { setMs: (tau * (k0 + cell.n * P)) / 1000, P };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let serial = 0;

/** n GETs at once through the given side; returns per-stream times (ms) and the cell's figures. */
async function runCell(cell, side, run) {
  const { preset, n, N } = cell;
  const p = networkPresets[preset];
  const cond = conditionsOf(p);
  const tag = `${side}${run}-${preset.replace(/\s/g, '')}-${n}-${serial++}`;
  const recs = Array.from({ length: n }, () => ({ start: NaN, headers: NaN, finish: NaN, H: 0, ps: undefined }));
  let ses;
  let agent;
  if (side === 'ours') ses = session.fromPartition(`bench-netem-${process.pid}-${serial}`);
  else agent = new Agent({ keepAliveTimeout: 10_000 });
  await sleep(50);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  probe.ms = 0;
  probe.calls = 0;
  probe.originUs = NaN;
  probe.lastHeaders = undefined;
  probe.byHeaders.clear();
  probe.byDone.clear();
  probe.unknownStarts = 0;
  probe.readGaps = [];
  probe.timerLate = [];
  probe.lastWake = -1;
  const o = performance.now();
  if (side === 'ours') {
    probe.on = true;
    ses.enableNetworkEmulation(p);
  }
  const jobs = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = recs[i];
    const url = `${base}/${tag}/${i}/${N}`;
    r.start = performance.now();
    if (side === 'ours') {
      jobs[i] = (async () => {
        const res = await ses.fetch(url);
        r.headers = performance.now();
        r.ps = probe.byHeaders.get(res.headers);
        r.H = headBytes(res.status, res.statusText, res.headers);
        const buf = await res.arrayBuffer();
        r.finish = performance.now();
        if (res.status !== 200 || buf.byteLength !== N) throw new Error(`${url}: status ${res.status}, ${buf.byteLength} bytes (expected 200, ${N})`);
      })();
    } else {
      jobs[i] = undiciFetch(url, { dispatcher: agent }).then(async (res) => {
        const wait = r.start + cond.latencyMs - performance.now();
        if (wait > 0) await sleep(wait);
        r.headers = performance.now();
        r.H = headBytes(res.status, res.statusText, res.headers);
        let got = 0;
        await new Promise((resolve, reject) => {
          const t = new streamThrottle.Throttle({ rate: cond.downloadThroughput });
          Readable.fromWeb(res.body).on('error', reject).pipe(t);
          t.on('data', (c) => { got += c.length; });
          t.on('end', resolve);
          t.on('error', reject);
        });
        r.finish = performance.now();
        if (res.status !== 200 || got !== N) throw new Error(`${url}: status ${res.status}, ${got} bytes (expected 200, ${N})`);
      });
    }
  }
  const issuedMs = performance.now() - o;
  await Promise.all(jobs);
  const end = performance.now();
  probe.on = false;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  if (side === 'ours') {
    ses.disableNetworkEmulation();
    await ses.closeAllConnections();
  } else {
    await agent.close();
  }

  // The model for these very requests: ours with what its stage handed the scheduler (send end,
  // time of the call, head bytes) and the scheduler's grid origin; stream-throttle with the origin's
  // receipt of the request as send end and its response as the start, and the cell start as origin.
  const seen = await takeSeen(tag);
  const streams = recs.map((r, i) => {
    const s = seen.get(`${tag}/${i}`);
    if (s === undefined) throw new Error(`${tag}/${i}: the origin never saw it`);
    if (side === 'ours') {
      if (probe.unknownStarts !== 0) throw new Error(`${tag}: ${probe.unknownStarts} response heads reached the scheduler with no Headers counted just before`);
      const st = r.ps?.noted;
      if (st === undefined) throw new Error(`${tag}/${i}: the session's scheduler never saw its response head`);
      if (st.H !== r.H) throw new Error(`${tag}/${i}: the stage charged ${st.H} head bytes, the bench counts ${r.H}`);
      return { ...st, N, recv: s.recv };
    }
    return { sendEndUs: us(s.recv), startUs: us(s.resp), H: r.H, N, recv: s.recv };
  });
  const originUs = side === 'ours' ? probe.originUs : us(o);
  if (!Number.isFinite(originUs)) throw new Error(`${tag}: enableNetworkEmulation did not reach the scheduler`);
  const model = replay(cond, originUs, streams);
  const finishErr = [];
  const finishPct = [];
  const headerErr = [];
  let within = 0;
  recs.forEach((r, i) => {
    const mFinish = model.out[i].finishUs / 1000;
    const mHeaders = model.out[i].headersUs / 1000;
    const e = r.finish - mFinish;
    const span = mFinish - r.start;
    finishErr.push(e);
    finishPct.push((e / span) * 100);
    headerErr.push(r.headers - mHeaders);
    if (Math.abs(e) <= Math.max(0.02 * span, 5)) within++;
  });
  const modelSet = Math.max(...model.out.map((x) => x.finishUs)) / 1000 - o;
  const measuredSet = end - o;
  // Aggregate throughput over the transfer phase (after the first stream's latency).
  const bytes = recs.reduce((a, r) => a + r.H + N, 0);
  const phase0 = Math.min(...streams.map((s) => s.sendEndUs)) / 1000 + cond.latencyMs - o;
  const recvSpread = Math.max(...streams.map((s) => s.recv)) - o;
  if (process.env.BENCH_DUMP) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${process.env.BENCH_DUMP}/${tag}.json`, JSON.stringify({ o, originUs, streams, recs, model: model.out }));
  }
  const headGap = [];
  const sendToOrigin = [];
  let modelSetAtOrigin = NaN;
  if (side === 'ours') {
    // Chromium's send_end is when the request was written (after connecting); the stage takes it
    // before the transport connects. The model again with the origin's receipt as send end:
    const late = replay(cond, originUs, streams.map((x) => ({ ...x, sendEndUs: Math.max(x.sendEndUs, us(x.recv)), startUs: Math.max(x.startUs, us(x.recv)) })));
    modelSetAtOrigin = Math.max(...late.out.map((x) => x.finishUs)) / 1000 - o;
    recs.forEach((r, i) => {
      if (r.ps?.headDone !== undefined) headGap.push(r.headers - r.ps.headDone / 1000);
      sendToOrigin.push(streams[i].recv - streams[i].sendEndUs / 1000);
    });
  }
  return {
    headGap,
    sendToOrigin,
    modelSetAtOrigin,
    readGaps: side === 'ours' ? probe.readGaps : [],
    timerLate: side === 'ours' ? probe.timerLate : [],
    modelSet,
    measuredSet,
    tputMeasured: bytes / ((measuredSet - phase0) / 1000),
    tputModel: bytes / ((modelSet - phase0) / 1000),
    finishErr,
    finishPct,
    headerErr,
    within,
    schedMs: probe.ms,
    schedCalls: probe.calls,
    replayMs: model.cpuMs,
    modelFires: model.fires,
    cpuMsPerStream: (cpu.user + cpu.system) / 1000 / n,
    cpuMs: (cpu.user + cpu.system) / 1000,
    issuedMs,
    recvSpread,
    // The histogram holds the intervals between its 10 ms samples: the delay is what exceeds 10 ms.
    loopP99: Math.max(0, loop.percentile(99) / 1e6 - 10),
    loopMax: Math.max(0, loop.max / 1e6 - 10),
    H: recs[0].H,
  };
}

// ---------------------------------------------------------------------------------------------
// Runs: every cell, both sides, the order of the sides alternating per run.

const t0 = performance.now();
const modelChecks = new Map();
for (const cell of cells) modelChecks.set(cell, checkClosedForms(cell));
const results = new Map(cells.map((c) => [c, { ours: [], st: [] }]));
// Warm-up (discarded): 10 streams at Fast 4G through both sides.
for (const side of ['ours', 'st']) await runCell({ preset: 'Fast 4G', n: 10, N: 150_500 }, side, 'w');
for (let run = 0; run < RUNS; run++) {
  for (const cell of cells) {
    const order = (run + cells.indexOf(cell)) % 2 === 0 ? ['ours', 'st'] : ['st', 'ours'];
    for (const side of order) {
      const r = await runCell(cell, side, run);
      results.get(cell)[side].push(r);
      if (side === 'ours' && r.measuredSet < 0.9 * r.modelSet) {
        throw new Error(`${cell.preset} x${cell.n}: the set took ${r.measuredSet.toFixed(0)} ms, under 0.9 x the model's ${r.modelSet.toFixed(0)} ms: not throttled`);
      }
      if (process.env.BENCH_VERBOSE) console.error(`${cell.preset} x${cell.n} ${side}: set ${r.measuredSet.toFixed(0)} ms (model ${r.modelSet.toFixed(0)}), err med ${quant(r.finishErr.map(Math.abs), 0.5).toFixed(1)} max ${Math.max(...r.finishErr.map(Math.abs)).toFixed(1)} ms, sched ${r.schedMs.toFixed(1)} ms, loop max ${r.loopMax.toFixed(1)} ms`);
    }
  }
}
const seconds = ((performance.now() - t0) / 1000).toFixed(0);

function quant(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pooled = (rs, k) => rs.flatMap((r) => r[k]);
const ms = (x) => (Math.abs(x) >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const pct = (x) => `${x.toFixed(x !== 0 && Math.abs(x) < 1 ? 2 : 1)} %`;
const kBs = (x) => `${(x / 1000).toFixed(1)}`;
const big = (n) => n.toLocaleString('en-US');

const distMtime = statSync(path.join(root, 'dist/node.js')).mtime.toISOString();
const stVersion = (await import('stream-throttle/package.json', { with: { type: 'json' } })).default.version;
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, Node ${process.version}, stream-throttle ${stVersion}, undici ${(await import('undici/package.json', { with: { type: 'json' } })).default.version}; dist/node.js built ${distMtime}`,
);
console.log(`${RUNS} run(s), the two sides alternating; per-stream errors pooled over the runs, other cells the median over runs; ${seconds} s in all${QUICK ? ' (--quick: no 1,000-stream Slow 3G / Fast 3G cells)' : ''}`);
console.log('| preset | n | bytes/stream (head + body) | model set time | measured set time | throughput measured / model (kB/s) | finish error median / p99 / max | % of model duration median / p99 / max | within max(2 %, 5 ms) | header error median / max | scheduler CPU (kernel in situ / replay) | process CPU per stream | stream-throttle set time | stream-throttle finish error median | stream-throttle CPU per stream |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const misses = [];
for (const cell of cells) {
  const { ours, st } = results.get(cell);
  const abs = pooled(ours, 'finishErr').map(Math.abs);
  const absPct = pooled(ours, 'finishPct').map(Math.abs);
  const hdr = pooled(ours, 'headerErr');
  const within = ours.reduce((a, r) => a + r.within, 0);
  const total = ours.length * cell.n;
  const set = median(ours.map((r) => r.measuredSet));
  const schedPct = median(ours.map((r) => (r.schedMs / r.measuredSet) * 100));
  const replayPct = median(ours.map((r) => (r.replayMs / r.measuredSet) * 100));
  const stErr = pooled(st, 'finishErr');
  const stPct = pooled(st, 'finishPct');
  if (cell.n === 1000 && within !== total) misses.push(`${cell.preset} x1,000: ${total - within} of ${big(total)} streams outside`);
  if (schedPct >= 10) misses.push(`${cell.preset} x${cell.n}: scheduler ${pct(schedPct)}`);
  console.log(
    `| ${cell.preset} | ${big(cell.n)} | ${big(ours[0].H)} + ${big(cell.N)} | ${ms(median(ours.map((r) => r.modelSet)))} | ${ms(set)} | ${kBs(median(ours.map((r) => r.tputMeasured)))} / ${kBs(median(ours.map((r) => r.tputModel)))} | ` +
      `${ms(quant(abs, 0.5))} / ${ms(quant(abs, 0.99))} / ${ms(Math.max(...abs))} | ${pct(quant(absPct, 0.5))} / ${pct(quant(absPct, 0.99))} / ${pct(Math.max(...absPct))} | ${big(within)}/${big(total)} | ` +
      `${ms(median(hdr))} / ${ms(Math.max(...hdr.map(Math.abs)))} | ${pct(schedPct)} / ${pct(replayPct)} | ${ms(median(ours.map((r) => r.cpuMsPerStream)))} | ` +
      `${ms(median(st.map((r) => r.measuredSet)))} | ${ms(median(stErr))} (${pct(median(stPct))}) | ${ms(median(st.map((r) => r.cpuMsPerStream)))} |`,
  );
}
console.log('');
console.log('Where the time goes (ours, medians over runs):');
console.log('| preset | n | fetches issued after | last request at the origin | stage send end → origin has the request, median / max | event-loop delay (beyond 10 ms sampling) p99 / max | scheduler timer late, median / p99 / max | head released → ses.fetch resolves, median / max | read released → next read charged, median / p99 / max | scheduler calls (in situ) | scheduler time | model timer fires | replay CPU | process CPU | model set time with send end = origin receipt |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const cell of cells) {
  const { ours } = results.get(cell);
  const m = (k) => median(ours.map((r) => r[k]));
  const q3 = (k) => { const xs = pooled(ours, k); return xs.length === 0 ? 'n/a' : `${ms(quant(xs, 0.5))} / ${ms(quant(xs, 0.99))} / ${ms(Math.max(...xs))}`; };
  const q2 = (k) => { const xs = pooled(ours, k); return xs.length === 0 ? 'n/a' : `${ms(quant(xs, 0.5))} / ${ms(Math.max(...xs))}`; };
  console.log(`| ${cell.preset} | ${big(cell.n)} | ${ms(m('issuedMs'))} | ${ms(m('recvSpread'))} | ${q2('sendToOrigin')} | ${ms(m('loopP99'))} / ${ms(m('loopMax'))} | ${q3('timerLate')} | ${q2('headGap')} | ${q3('readGaps')} | ${big(Math.round(m('schedCalls')))} | ${ms(m('schedMs'))} | ${big(Math.round(m('modelFires')))} | ${ms(m('replayMs'))} | ${ms(m('cpuMs'))} | ${ms(m('modelSetAtOrigin'))} (stage's: ${ms(m('modelSet'))}) |`);
}
console.log('Error = measured − model per stream (positive: later than Chromium). "within" = |error| ≤ max(2 % of the model duration from the request start, 5 ms).');
console.log('Set times from enableNetworkEmulation (grid origin) to the last body byte. Throughput = Σ(head + body) over the transfer phase (from the first send end + latency).');
console.log('stream-throttle side: undici fetch, then a wait until request start + latency, then the body through Throttle({ rate }) per response; its error is against the Chromium model for its own request times.');
console.log(misses.length === 0 ? 'targets (1,000 streams: every finish within max(2 %, 5 ms) of the model; scheduler under 10 % of a core): met' : `targets (1,000 streams within max(2 %, 5 ms); scheduler under 10 %): MISSED: ${misses.join('; ')}`);
originWorker.postMessage({ close: true });
await new Promise((r) => originWorker.once('exit', r));
process.exit(0);
