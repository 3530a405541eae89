import { getCore } from '../wasm/core.ts';
import { KernelHandles, type KernelHandle } from '../wasm/kernel-handles.ts';
import type { Core, CoreExports } from '../wasm/core.ts';

/** Emulated network conditions, already clamped >= 0; 0 turns that dimension off. */
export interface NetworkConditions {
  offline: boolean;
  latencyMs: number;
  downloadThroughput: number;
  uploadThroughput: number;
}

/** The clock of a scheduler, in integer microseconds, with one timer (setTimer replaces it). */
export interface SchedulerClock {
  nowUs(): number;
  setTimer(atUs: number, fire: () => void): void;
  clearTimer(): void;
}

/** How a throttled I/O ends: released, or failed with net::ERR_INTERNET_DISCONNECTED. */
export type ThrottleResult = 'ok' | 'offline';

/** Chromium's kPacketSize: one grid tick charges this many bytes. */
export const NETEM_PACKET_SIZE = 1500;

/** The raw exports of the netem kernel (core/assembly/netem/kernel.ts). Times in µs, sizes in bytes. */
export interface NetemKernel {
  netemNew(): number;
  netemFree(h: number): void;
  netemCount(): number;
  netemOutPtr(): number;
  netemSetConditions(h: number, nowUs: number, offline: boolean, throttling: boolean, latencyOn: boolean, latencyUs: number, downTickUs: number, upTickUs: number, downOn: boolean, upOn: boolean): number;
  netemStart(h: number, nowUs: number, bytes: number, sendEndUs: number, start: boolean, isUpload: boolean): number;
  netemStop(h: number, id: number): number;
  netemTimer(h: number, nowUs: number): number;
  netemNextWake(h: number, nowUs: number): number;
  netemPending(h: number): number;
  netemRecordBytes(h: number, id: number): number;
}

/** Typed view of a core's exports as the netem kernel. */
export function netemKernel(exports: CoreExports): NetemKernel {
  return exports as unknown as NetemKernel;
}

/** Largest tick / latency handed to the kernel (µs, ~12.7 days), so grid arithmetic stays in range. */
const MAX_SPAN_US = 2 ** 40;

/**
 * Chromium's CalculateTickLength: trunc((1500 / T) · 1e6) µs in IEEE double, 1 µs when T is 0.
 * Deviation (quirk Q2): clamped to >= 1 µs (Chromium's 0 for T > 1.5e9 B/s never progresses).
 */
export function tickLengthUs(throughput: number): number {
  if (!(throughput > 0)) return 1;
  const t = Math.trunc((NETEM_PACKET_SIZE / throughput) * 1e6);
  return Math.min(Math.max(t, 1), MAX_SPAN_US);
}

/** base::Milliseconds(latency) in µs (truncated), 0 unless latency > 0. */
export function latencyUs(latencyMs: number): number {
  return latencyMs > 0 ? Math.min(Math.trunc(latencyMs * 1000), MAX_SPAN_US) : 0;
}

/** A fresh real clock with its own timer (each scheduler needs its own one-timer clock). */
export function createRealClock(): SchedulerClock {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Bumped by every setTimer / clearTimer: a queued zero-delay firing runs only if still current.
  let immediate = 0;
  const nowUs = (): number => Math.floor(performance.now() * 1000);
  return {
    nowUs,
    setTimer(atUs: number, fire: () => void): void {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const delayMs = (atUs - nowUs()) / 1000;
      if (delayMs <= 0) {
        // Due already (a read its carried credit covers): Chromium's zero-delay task. A setTimeout
        // would wait at least 1 ms (more on a busy loop), so it runs as a microtask instead.
        const token = ++immediate;
        queueMicrotask(() => {
          if (immediate === token) fire();
        });
        return;
      }
      immediate++;
      const t = setTimeout(() => {
        if (timer === t) timer = undefined;
        fire();
      }, delayMs);
      timer = t;
      const u = t as unknown as { unref?: () => void };
      if (typeof u.unref === 'function') u.unref();
    },
    clearTimer(): void {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      immediate++;
    },
  };
}

/**
 * The host clock: performance.now() in whole µs and one unref'd setTimeout. A scheduler given
 * this object uses a private copy of it (one timer per scheduler).
 */
export const realClock: SchedulerClock = createRealClock();

type Done = (result: ThrottleResult, remainingBytes: number) => void;

/** Passes one timer firing makes at most before it yields (a zero-delay timer carries on). */
const MAX_PASSES = 100_000;

const handles = new KernelHandles('netem.free', (x, handle) => netemKernel(x).netemFree(handle));

const OFF: NetworkConditions = Object.freeze({ offline: false, latencyMs: 0, downloadThroughput: 0, uploadThroughput: 0 });

function num(v: number): number {
  return typeof v === 'number' && v > 0 ? v : 0;
}

/**
 * Chromium's ThrottlingNetworkInterceptor (classic in-place semantics) for one session: a tick
 * grid per direction anchored where the conditions were applied, strict round-robin of 1500-byte
 * packets over the waiting records, latency gating of response starts, and one timer aimed at the
 * earliest completion. The bookkeeping runs in the wasm core; callbacks run synchronously after
 * the kernel's state update (they may call {@link startThrottle} again), then the timer is re-armed.
 */
export class ThrottlingScheduler {
  readonly clock: SchedulerClock;
  readonly core: Core;
  readonly #timer: SchedulerClock;
  readonly #slot: KernelHandle;
  readonly #done = new Map<number, Done>();
  #conditions: NetworkConditions = OFF;
  #depth = 0;
  #armedAt = -1;
  /** The time of the pass whose callbacks are running: a startThrottle from inside them happens then. */
  #passUs = 0;
  /** The latest time handed to the kernel. */
  #lastUs = 0;
  #disposed = false;
  #view: Float64Array | null = null;
  readonly #fire = (): void => this.#onTimer();

  constructor(clock: SchedulerClock = realClock, core: Core = getCore()) {
    this.clock = clock;
    this.#timer = clock === realClock ? createRealClock() : clock;
    this.core = core;
    this.#slot = handles.create(this, core);
  }

  #k(): NetemKernel {
    return this.core.exports as unknown as NetemKernel;
  }

  /** The kernel handle in the core's current instance; after a trap the records are released. */
  #h(): number {
    const slot = this.#slot;
    if (slot.handle !== 0 && slot.generation === this.core.generation) return slot.handle;
    const lost = slot.generation !== -1;
    slot.generation = this.core.generation;
    slot.handle = this.core.call('netem.new', (x) => netemKernel(x).netemNew());
    if (lost) {
      // The kernel state died with a trapped instance: release the orphans unthrottled, like
      // Chromium's transactions whose interceptor went away.
      const orphans = [...this.#done.values()];
      this.#done.clear();
      this.#apply(this.#conditions, slot.handle);
      for (const d of orphans) d('ok', 0);
    }
    return slot.handle;
  }

  #apply(c: NetworkConditions, h: number, now: number = this.clock.nowUs()): number {
    const latency = num(c.latencyMs);
    const down = num(c.downloadThroughput);
    const up = num(c.uploadThroughput);
    const offline = c.offline === true;
    const throttling = !offline && (latency !== 0 || down !== 0 || up !== 0);
    if (now > this.#lastUs) this.#lastUs = now;
    return this.core.call('netem.setConditions', (x) =>
      netemKernel(x).netemSetConditions(h, now, offline, throttling, latency > 0, latencyUs(latency), tickLengthUs(down), tickLengthUs(up), down !== 0, up !== 0),
    );
  }

  /** UpdateConditions (§4.2): settles the old grid, then either releases / fails every record or starts a new grid now. */
  updateConditions(conditions: NetworkConditions): void {
    const c: NetworkConditions = {
      offline: conditions.offline === true,
      latencyMs: num(conditions.latencyMs),
      downloadThroughput: num(conditions.downloadThroughput),
      uploadThroughput: num(conditions.uploadThroughput),
    };
    const now = this.#now();
    // Completions due before this change happen first, under the old conditions.
    if (this.#depth === 0) this.#catchUp(now);
    const h = this.#h();
    this.#conditions = c;
    const n = this.#apply(c, h, now);
    if (n > 0) this.#dispatch(n, now);
    if (this.#depth === 0) this.#arm(now);
  }

  get conditions(): NetworkConditions {
    return { ...this.#conditions };
  }

  get offline(): boolean {
    return this.#conditions.offline;
  }

  /** IsThrottling(): not offline and some of latency / download / upload set. */
  get throttling(): boolean {
    const c = this.#conditions;
    return !c.offline && (c.latencyMs !== 0 || c.downloadThroughput !== 0 || c.uploadThroughput !== 0);
  }

  /** download_throughput != 0: reads are capped at 1500 bytes. */
  get downloadThrottled(): boolean {
    return this.#conditions.downloadThroughput !== 0;
  }

  /**
   * StartThrottle (§4.3). 'pass' = nothing to emulate for this direction (use the result at once),
   * 'offline' = fail now, else a record id: `done(result, remainingBytes)` is called later
   * (remainingBytes < 0 is the overshoot the caller carries into its next read). sendEndUs is only
   * read when start && latency > 0 (null → now).
   */
  startThrottle(bytes: number, sendEndUs: number | null, start: boolean, isUpload: boolean, done: Done): 'pass' | 'offline' | number {
    if (this.#disposed) return 'pass';
    const now = this.#now();
    // An overdue timer's completions come first (they were due before this call), each at its time.
    if (this.#depth === 0) this.#catchUp(now);
    if (this.#disposed) return 'pass';
    const h = this.#h();
    if (now > this.#lastUs) this.#lastUs = now;
    const b = Math.trunc(bytes);
    const sendEnd = sendEndUs === null ? now : Math.trunc(sendEndUs);
    const id = this.core.call('netem.start', (x) => netemKernel(x).netemStart(h, now, b, sendEnd, start, isUpload));
    if (id === -1) return 'pass';
    if (id === -2) return 'offline';
    this.#done.set(id, done);
    if (this.#depth === 0) this.#arm(now);
    return id;
  }

  /**
   * Runs the timer now if it is overdue (a busy event loop holds timers back): an I/O callback
   * that calls this delivers the completions due by then, each at its due time.
   */
  poll(): void {
    if (this.#depth === 0 && this.#armedAt >= 0 && !this.#disposed) this.#catchUp(this.clock.nowUs());
  }

  /** StopThrottle (§4.8): removes a record from every list (cancellation); no callback. */
  stopThrottle(id: number): void {
    if (!this.#done.delete(id)) return;
    const slot = this.#slot;
    if (slot.handle === 0 || slot.generation !== this.core.generation) return;
    this.#k().netemStop(slot.handle, id);
    // An overdue timer stays as it is: it fires soon and catches up from its due time.
    if (this.#depth === 0 && !(this.#armedAt >= 0 && this.#armedAt <= this.clock.nowUs())) this.#arm();
  }

  /** Number of records waiting (suspended + download + upload). */
  get pending(): number {
    const slot = this.#slot;
    if (slot.handle === 0 || slot.generation !== this.core.generation) return 0;
    return this.#k().netemPending(slot.handle);
  }

  /** Remaining bytes of a waiting record (tests), NaN if it is not waiting. */
  recordBytes(id: number): number {
    const slot = this.#slot;
    if (slot.handle === 0 || slot.generation !== this.core.generation) return NaN;
    return this.#k().netemRecordBytes(slot.handle, id);
  }

  /** The time (µs) the timer is armed for, or -1. */
  get nextWakeUs(): number {
    return this.#armedAt;
  }

  /**
   * Frees the kernel state and the timer. Waiting records are released at once, unthrottled, as
   * Chromium's transactions go on when their interceptor is destroyed.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#timer.clearTimer();
    this.#armedAt = -1;
    const waiting = [...this.#done.values()];
    this.#done.clear();
    handles.free(this.#slot);
    for (const d of waiting) d('ok', 0);
  }

  /** Now for a new operation: the running pass's time inside its callbacks, else the clock's. */
  #now(): number {
    return this.#depth > 0 ? this.#passUs : this.clock.nowUs();
  }

  /** Runs an overdue timer at once (before an operation at `now`), so that nothing overtakes it. */
  #catchUp(now: number): void {
    if (this.#armedAt >= 0 && this.#armedAt <= now && !this.#disposed) this.#run(now);
  }

  #onTimer(): void {
    if (this.#disposed || this.#armedAt < 0) return;
    this.#run(this.clock.nowUs());
  }

  /**
   * OnTimer (§4.7) for a timer that may fire late: a pass at each due time up to `now`, in order,
   * each at its own time (its callbacks' new reads are queued then, as with a timer on time), then
   * ArmTimer. A late timer thus delays the delivery of completions, but not the order of the
   * round-robin queue nor the grid ticks of the reads issued from the callbacks.
   */
  #run(now: number): void {
    let t = this.#armedAt;
    this.#armedAt = -1;
    for (let passes = 0; t >= 0 && t <= now && passes < MAX_PASSES; passes++) {
      if (t < this.#lastUs) t = this.#lastUs;
      const h = this.#h();
      const at = t;
      const n = this.core.call('netem.timer', (x) => netemKernel(x).netemTimer(h, at));
      this.#lastUs = at;
      if (n > 0) this.#dispatch(n, at);
      if (this.#disposed) return;
      t = this.#k().netemNextWake(this.#h(), at);
    }
    this.#aim(t);
  }

  /** Runs the `n` callbacks in the out area (copied first: callbacks may re-enter) as of time `t`; the caller re-arms. */
  #dispatch(n: number, t: number): void {
    const x = this.#k();
    if (n === 1) {
      // The usual pass (one packet per tick releases one record): read into locals, no copies.
      const out = this.#out();
      const at = x.netemOutPtr() >>> 3;
      const id = out[at] as number;
      const remaining = out[at + 1] as number;
      const offline = out[at + 2] === 1;
      const d = this.#done.get(id);
      this.#done.delete(id);
      if (d === undefined) return;
      const outer = this.#passUs;
      this.#depth++;
      this.#passUs = t;
      try {
        d(offline ? 'offline' : 'ok', remaining);
      } finally {
        this.#depth--;
        this.#passUs = outer;
      }
      return;
    }
    const f64 = new Float64Array(this.core.exports.memory.buffer, x.netemOutPtr(), n * 3);
    const dones: Done[] = new Array(n);
    const rest = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const id = f64[i * 3] as number;
      const d = this.#done.get(id);
      this.#done.delete(id);
      dones[i] = d as Done;
      rest[i * 2] = f64[i * 3 + 1] as number;
      rest[i * 2 + 1] = f64[i * 3 + 2] as number;
    }
    const outer = this.#passUs;
    this.#depth++;
    this.#passUs = t;
    try {
      for (let i = 0; i < n; i++) {
        const d = dones[i];
        if (d !== undefined) d(rest[i * 2 + 1] === 1 ? 'offline' : 'ok', rest[i * 2] as number);
      }
    } finally {
      this.#depth--;
      this.#passUs = outer;
    }
  }

  /** A Float64Array over the whole of the core's memory, made again when the memory grew. */
  #out(): Float64Array {
    const buffer = this.core.exports.memory.buffer;
    let view = this.#view;
    if (view === null || view.buffer !== buffer) this.#view = view = new Float64Array(buffer);
    return view;
  }

  /** ArmTimer (§4.6): one timer at the earliest completion; cleared when nothing waits. */
  #arm(now: number = this.#lastUs): void {
    if (this.#disposed) return;
    const h = this.#h();
    this.#aim(this.#k().netemNextWake(h, now));
  }

  /** Aims the one timer at `at` (µs), or stops it when `at` < 0. */
  #aim(at: number): void {
    if (this.#disposed) return;
    if (at < 0) {
      this.#timer.clearTimer();
      this.#armedAt = -1;
      return;
    }
    if (at === this.#armedAt) return;
    this.#armedAt = at;
    this.#timer.setTimer(at, this.#fire);
  }
}
