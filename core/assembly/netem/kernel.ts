// The network throttling scheduler kernel: Chromium's ThrottlingNetworkInterceptor (classic
// in-place semantics; reference/netem-chromium-algorithm.md §4 and §7) over an injected clock.
// Times are integer microseconds passed as f64 and computed in i64 here; byte counts likewise.
// Many schedulers live in one instance: `netemNew` returns a handle that every other export takes
// first; a wrong or freed handle aborts. A record id is (generation << 20 | slot), so a stale id
// of a finished record never matches the slot's next record.
//
// The kernel never calls the host. Operations that finish records (`netemTimer`,
// `netemSetConditions`) write (id, remaining bytes, result) triples into the shared out area and
// return how many; the host runs the callbacks after the state update, then asks `netemNextWake`
// for the one timer (ArmTimer), so callbacks may re-enter `netemStart` freely.
//
// Cost: each timer firing is O(n) arithmetic over the waiting records (charge, completion scan,
// desired time); the round-robin rotation moves only `shift` slot numbers inside a ring buffer.
// Nothing is allocated per call once the buffers have grown.
import { KIND_NETEM, handleGet, handleLive, handleNew, handleRelease } from '../handles';

const PACKET: i64 = 1500;
const INITIAL_MIN_TICKS: i64 = 0x10000;

/** Record slot (24 bytes): remaining bytes, send end, generation (or next free), state. */
const REC: usize = 24;
const R_BYTES: usize = 0;
const R_SEND_END: usize = 8;
const R_GEN: usize = 16;
const R_STATE: usize = 20;
/** State: low bits = list (0 free, 1 suspended, 2 download, 3 upload), bit 4 = is upload. */
const L_FREE: i32 = 0;
const L_SUSPENDED: i32 = 1;
const L_DOWN: i32 = 2;
const L_UP: i32 = 3;
const S_UPLOAD: i32 = 16;
const SLOT_BITS: i32 = 20;
const SLOT_MASK: i32 = (1 << SLOT_BITS) - 1;
const GEN_MASK: u32 = 0x7ff;

/** Results written to the out area. */
const RESULT_OK: f64 = 0;
const RESULT_OFFLINE: f64 = 1;

/** A list of record slots in arrival / round-robin order: a ring of u32 with cap >= 2 n. */
@unmanaged
class Ring {
  buf: usize = 0;
  head: u32 = 0;
  n: u32 = 0;
  cap: u32 = 0;
  lastTick: i64 = 0;
  tick: i64 = 0;
}

@unmanaged
class Sched {
  recs: usize = 0;
  recCap: i32 = 0;
  hwm: i32 = 0;
  freeHead: i32 = -1;
  pending: i32 = 0;
  offline: bool = false;
  throttling: bool = false;
  latencyOn: bool = false;
  downOn: bool = false;
  upOn: bool = false;
  offset: i64 = 0;
  latency: i64 = 0;
  down: Ring = changetype<Ring>(0);
  up: Ring = changetype<Ring>(0);
  /** Suspended records: a plain array of u32 slots in arrival order. */
  susp: usize = 0;
  suspN: u32 = 0;
  suspCap: u32 = 0;
}

const SCHED: usize = offsetof<Sched>();
const RING: usize = offsetof<Ring>();


// ---- shared output: f64 triples (id, remaining bytes, result) ----

let outPtr: usize = heap.alloc(24 * 64);
let outCap: i32 = 64;
let outN: i32 = 0;

function outPush(id: i32, bytes: i64, result: f64): void {
  if (outN == outCap) {
    outCap <<= 1;
    outPtr = heap.realloc(outPtr, <usize>outCap * 24);
  }
  const p = outPtr + <usize>outN * 24;
  store<f64>(p, <f64>id);
  store<f64>(p, <f64>bytes, 8);
  store<f64>(p, result, 16);
  outN++;
}

function sel(h: i32): Sched {
  return changetype<Sched>(handleGet(h, KIND_NETEM));
}

// @ts-ignore: decorator
@inline function rec(S: Sched, slot: u32): usize {
  return S.recs + <usize>slot * REC;
}

// @ts-ignore: decorator
@inline function idOf(S: Sched, slot: u32): i32 {
  return <i32>((load<u32>(rec(S, slot), R_GEN) & GEN_MASK) << SLOT_BITS) | <i32>slot;
}

function ringNew(): Ring {
  const R = changetype<Ring>(heap.alloc(RING));
  memory.fill(changetype<usize>(R), 0, RING);
  R.cap = 16;
  R.buf = heap.alloc(16 << 2);
  return R;
}

// @ts-ignore: decorator
@inline function ringAt(R: Ring, i: u32): usize {
  return R.buf + (<usize>((R.head + i) & (R.cap - 1)) << 2);
}

function ringPush(R: Ring, slot: u32): void {
  if ((R.n + 1) << 1 > R.cap) {
    // Unroll into a buffer twice as large, head at 0.
    const cap = R.cap << 1;
    const nb = heap.alloc(<usize>cap << 2);
    for (let i: u32 = 0; i < R.n; i++) store<u32>(nb + (<usize>i << 2), load<u32>(ringAt(R, i)));
    heap.free(R.buf);
    R.buf = nb;
    R.cap = cap;
    R.head = 0;
  }
  store<u32>(ringAt(R, R.n), slot);
  R.n++;
}

/** Removes `slot` from the ring, keeping the order of the others. */
function ringRemove(R: Ring, slot: u32): void {
  const n = R.n;
  let k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const s = load<u32>(ringAt(R, i));
    if (s != slot) {
      if (k != i) store<u32>(ringAt(R, k), s);
      k++;
    }
  }
  R.n = k;
}

function suspPush(S: Sched, slot: u32): void {
  if (S.suspN == S.suspCap) {
    const cap = S.suspCap == 0 ? 16 : S.suspCap << 1;
    S.susp = S.susp == 0 ? heap.alloc(<usize>cap << 2) : heap.realloc(S.susp, <usize>cap << 2);
    S.suspCap = cap;
  }
  store<u32>(S.susp + (<usize>S.suspN << 2), slot);
  S.suspN++;
}

function suspRemove(S: Sched, slot: u32): void {
  const n = S.suspN;
  let k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const s = load<u32>(S.susp + (<usize>i << 2));
    if (s != slot) {
      store<u32>(S.susp + (<usize>k << 2), s);
      k++;
    }
  }
  S.suspN = k;
}

function slotAlloc(S: Sched): u32 {
  let slot: i32;
  if (S.freeHead >= 0) {
    slot = S.freeHead;
    S.freeHead = <i32>load<i64>(rec(S, slot), R_SEND_END);
  } else {
    if (S.hwm == S.recCap) {
      const cap = S.recCap == 0 ? 64 : S.recCap << 1;
      if (cap > SLOT_MASK + 1) abort('netem: too many records');
      S.recs = S.recs == 0 ? heap.alloc(<usize>cap * REC) : heap.realloc(S.recs, <usize>cap * REC);
      S.recCap = cap;
    }
    slot = S.hwm++;
    store<u32>(rec(S, slot), 0, R_GEN);
  }
  S.pending++;
  return <u32>slot;
}

/** Frees a slot (bumps its generation); the next free slot is kept in the send-end field. */
function slotFree(S: Sched, slot: u32): void {
  const r = rec(S, slot);
  store<u32>(r, load<u32>(r, R_GEN) + 1, R_GEN);
  store<i32>(r, L_FREE, R_STATE);
  store<i64>(r, <i64>S.freeHead, R_SEND_END);
  S.freeHead = <i32>slot;
  S.pending--;
}

/** The live slot of `id`, or -1. */
function slotOf(S: Sched, id: i32): i32 {
  if (id < 0) return -1;
  const slot = id & SLOT_MASK;
  if (slot >= S.hwm) return -1;
  const r = rec(S, slot);
  if ((load<i32>(r, R_STATE) & 15) == L_FREE) return -1;
  if (<u32>(id >>> SLOT_BITS) != (load<u32>(r, R_GEN) & GEN_MASK)) return -1;
  return slot;
}

// ---- the interceptor (§4) ----

/** UpdateThrottledRecords (§4.4): charge the whole grid ticks since lastTick, round-robin. */
function updateRecords(S: Sched, R: Ring, now: i64): void {
  const tick = R.tick;
  if (tick <= 0) return;
  let elapsed = now - S.offset;
  if (elapsed < 0) elapsed = 0;
  const newTick = elapsed / tick;
  let ticks = newTick - R.lastTick;
  if (ticks < 0) ticks = 0;
  const n = R.n;
  if (newTick > R.lastTick) R.lastTick = newTick;
  if (n == 0 || ticks == 0) return;
  const shift = <u32>(ticks % <i64>n);
  const base = (ticks / <i64>n) * PACKET;
  for (let i: u32 = 0; i < n; i++) {
    const r = rec(S, load<u32>(ringAt(R, i)));
    store<i64>(r, load<i64>(r, R_BYTES) - (i < shift ? base + PACKET : base), R_BYTES);
  }
  // rotate_left(shift): the first `shift` slots move behind the last (cap >= 2 n).
  for (let j: u32 = 0; j < shift; j++) store<u32>(ringAt(R, n + j), load<u32>(ringAt(R, j)));
  R.head = (R.head + shift) & (R.cap - 1);
}

/** UpdateSuspended (§4.5): records whose send_end <= now - latency move to their list. */
function updateSuspended(S: Sched, now: i64): void {
  const n = S.suspN;
  if (n == 0) return;
  const limit = now - S.latency;
  let k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const slot = load<u32>(S.susp + (<usize>i << 2));
    const r = rec(S, slot);
    if (load<i64>(r, R_SEND_END) <= limit) {
      const up = (load<i32>(r, R_STATE) & S_UPLOAD) != 0;
      store<i32>(r, (up ? L_UP : L_DOWN) | (up ? S_UPLOAD : 0), R_STATE);
      ringPush(up ? S.up : S.down, slot);
    } else {
      store<u32>(S.susp + (<usize>k << 2), slot);
      k++;
    }
  }
  S.suspN = k;
}

/** UpdateThrottled (§4.4). */
function updateThrottled(S: Sched, now: i64): void {
  if (S.offline) return;
  updateRecords(S, S.down, now);
  updateRecords(S, S.up, now);
  updateSuspended(S, now);
}

/** CalculateDesiredTime (§4.6), with the 0x10000 initial minimum. */
function desiredTime(S: Sched, R: Ring): i64 {
  let min = INITIAL_MIN_TICKS;
  const n = R.n;
  for (let i: u32 = 0; i < n; i++) {
    const bytes = load<i64>(rec(S, load<u32>(ringAt(R, i))), R_BYTES);
    const packetsLeft = (bytes + (PACKET - 1)) / PACKET; // i64 division truncates toward zero
    const ticksLeft = <i64>(i + 1) + <i64>n * (packetsLeft - 1);
    if (i == 0 || ticksLeft < min) min = ticksLeft;
  }
  return S.offset + R.tick * (R.lastTick + min);
}

function anyNegative(S: Sched, R: Ring): bool {
  for (let i: u32 = 0; i < R.n; i++) {
    if (load<i64>(rec(S, load<u32>(ringAt(R, i))), R_BYTES) < 0) return true;
  }
  return false;
}

function nextGridPoint(S: Sched, R: Ring, now: i64): i64 {
  let elapsed = now - S.offset;
  if (elapsed < 0) elapsed = 0;
  return S.offset + R.tick * (elapsed / R.tick + 1);
}

/** Completes the records of `R` whose bytes < 0 (order kept), writing them to the out area. */
function finishNegative(S: Sched, R: Ring): void {
  const n = R.n;
  let k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const slot = load<u32>(ringAt(R, i));
    const r = rec(S, slot);
    const bytes = load<i64>(r, R_BYTES);
    if (bytes < 0) {
      outPush(idOf(S, slot), bytes, RESULT_OK);
      slotFree(S, slot);
    } else {
      if (k != i) store<u32>(ringAt(R, k), slot);
      k++;
    }
  }
  R.n = k;
}

/** FinishRecords (§4.2): every record of the ring completes now. */
function finishAll(S: Sched, R: Ring, offline: bool): void {
  const n = R.n;
  for (let i: u32 = 0; i < n; i++) finishSlot(S, load<u32>(ringAt(R, i)), offline);
  R.n = 0;
  R.head = 0;
}

function finishSlot(S: Sched, slot: u32, offline: bool): void {
  const r = rec(S, slot);
  const up = (load<i32>(r, R_STATE) & S_UPLOAD) != 0;
  outPush(idOf(S, slot), load<i64>(r, R_BYTES), offline && !up ? RESULT_OFFLINE : RESULT_OK);
  slotFree(S, slot);
}

// ---- exports ----

/** Creates a scheduler (not throttling) and returns its handle (>= 1). */
export function netemNew(): i32 {
  const S = changetype<Sched>(heap.alloc(SCHED));
  memory.fill(changetype<usize>(S), 0, SCHED);
  S.freeHead = -1;
  S.down = ringNew();
  S.up = ringNew();
  return handleNew(KIND_NETEM, changetype<usize>(S));
}

/** Frees a scheduler and its records (no callbacks); the handle becomes invalid. */
export function netemFree(h: i32): void {
  const S = sel(h);
  if (S.recs != 0) heap.free(S.recs);
  if (S.susp != 0) heap.free(S.susp);
  heap.free(S.down.buf);
  heap.free(changetype<usize>(S.down));
  heap.free(S.up.buf);
  heap.free(changetype<usize>(S.up));
  heap.free(changetype<usize>(S));
  handleRelease(h, KIND_NETEM);
}

/** Number of live schedulers in this instance. */
export function netemCount(): i32 {
  return handleLive(KIND_NETEM);
}

/** Address of the out area: `count` f64 triples (id, remaining bytes, result 0 ok / 1 offline). Moves when it grows. */
export function netemOutPtr(): usize {
  return outPtr;
}

/**
 * UpdateConditions (§4.2) at `now`. `throttling` is IsThrottling(); `latencyOn` is latency > 0
 * (the double), `latencyUs` its truncation; tick lengths are >= 1 µs; `downOn` / `upOn` are
 * throughput != 0. Returns the number of records finished (out area), 0 when throttling.
 */
export function netemSetConditions(
  h: i32, now: f64, offline: bool, throttling: bool, latencyOn: bool, latencyUs: f64,
  downTickUs: f64, upTickUs: f64, downOn: bool, upOn: bool,
): i32 {
  const S = sel(h);
  const t = <i64>now;
  outN = 0;
  if (S.throttling) updateThrottled(S, t);
  S.offline = offline;
  S.throttling = throttling;
  S.latencyOn = latencyOn;
  S.downOn = downOn;
  S.upOn = upOn;
  if (offline || !throttling) {
    finishAll(S, S.down, offline);
    finishAll(S, S.up, offline);
    for (let i: u32 = 0; i < S.suspN; i++) finishSlot(S, load<u32>(S.susp + (<usize>i << 2)), offline);
    S.suspN = 0;
    return outN;
  }
  S.offset = t;
  S.down.lastTick = 0;
  S.up.lastTick = 0;
  S.down.tick = <i64>downTickUs;
  S.up.tick = <i64>upTickUs;
  S.latency = latencyOn ? <i64>latencyUs : 0;
  return 0;
}

/**
 * StartThrottle (§4.3) for a successful I/O of `bytes` (the caller's running count).
 * Returns a record id (>= 0), -1 when there is nothing to emulate (use the result now), or -2
 * when offline (fail now; uploads return -1). `sendEndUs` is read only when start && latency > 0.
 */
export function netemStart(h: i32, now: f64, bytes: f64, sendEndUs: f64, start: bool, isUpload: bool): i32 {
  const S = sel(h);
  if (S.offline) return isUpload ? -1 : -2;
  if (!S.latencyOn && (isUpload ? !S.upOn : !S.downOn)) return -1;
  const t = <i64>now;
  const slot = slotAlloc(S);
  const r = rec(S, slot);
  store<i64>(r, <i64>bytes, R_BYTES);
  store<i64>(r, 0, R_SEND_END);
  updateThrottled(S, t);
  if (start && S.latency != 0) {
    store<i64>(r, <i64>sendEndUs, R_SEND_END);
    store<i32>(r, L_SUSPENDED | (isUpload ? S_UPLOAD : 0), R_STATE);
    suspPush(S, slot);
    updateSuspended(S, t);
  } else {
    store<i32>(r, isUpload ? L_UP | S_UPLOAD : L_DOWN, R_STATE);
    ringPush(isUpload ? S.up : S.down, slot);
  }
  return idOf(S, slot);
}

/** StopThrottle (§4.8): removes the record from every list, no result. 1 if it was waiting, else 0. */
export function netemStop(h: i32, id: i32): i32 {
  const S = sel(h);
  const slot = slotOf(S, id);
  if (slot < 0) return 0;
  const list = load<i32>(rec(S, slot), R_STATE) & 15;
  if (list == L_SUSPENDED) suspRemove(S, slot);
  else ringRemove(list == L_UP ? S.up : S.down, slot);
  slotFree(S, slot);
  return 1;
}

/** OnTimer (§4.7) without its ArmTimer: settles, then completes download then upload records with bytes < 0. */
export function netemTimer(h: i32, now: f64): i32 {
  const S = sel(h);
  outN = 0;
  updateThrottled(S, <i64>now);
  finishNegative(S, S.down);
  finishNegative(S, S.up);
  return outN;
}

/**
 * ArmTimer (§4.6): the time (µs) the one timer should fire, or -1 when nothing waits. When
 * Chromium's desired time is <= now although nothing has completed yet (quirk Q1: a record at
 * exactly 0 bytes), Chromium spins with zero-delay timers until the next grid point; this returns
 * that grid point (or an earlier latency activation) instead, which gives the same timing.
 */
export function netemNextWake(h: i32, now: f64): f64 {
  const S = sel(h);
  const down = S.down;
  const up = S.up;
  if (down.n == 0 && up.n == 0 && S.suspN == 0) return -1;
  const t = <i64>now;
  let desired: i64 = i64.MAX_VALUE;
  let activation: i64 = i64.MAX_VALUE;
  if (down.tick > 0) desired = desiredTime(S, down);
  if (up.tick > 0) {
    const u = desiredTime(S, up);
    if (u < desired) desired = u;
  }
  for (let i: u32 = 0; i < S.suspN; i++) {
    const a = load<i64>(rec(S, load<u32>(S.susp + (<usize>i << 2))), R_SEND_END) + S.latency;
    if (a < activation) activation = a;
  }
  if (activation < desired) desired = activation;
  if (desired > t) return <f64>desired;
  if (anyNegative(S, down) || anyNegative(S, up)) return <f64>t;
  // Q1 without the busy spin: nothing changes before the next grid point or activation.
  let wake = activation > t ? activation : i64.MAX_VALUE;
  if (down.n != 0) {
    const g = nextGridPoint(S, down, t);
    if (g < wake) wake = g;
  }
  if (up.n != 0) {
    const g = nextGridPoint(S, up, t);
    if (g < wake) wake = g;
  }
  if (activation <= t) wake = t;
  return <f64>wake;
}

/** Records waiting (suspended + download + upload). */
export function netemPending(h: i32): i32 {
  return sel(h).pending;
}

/** Remaining bytes of a waiting record (for tests), or NaN when the id is not waiting. */
export function netemRecordBytes(h: i32, id: i32): f64 {
  const S = sel(h);
  const slot = slotOf(S, id);
  return slot < 0 ? NaN : <f64>load<i64>(rec(S, slot), R_BYTES);
}
