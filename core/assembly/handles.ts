// Integer handles for objects the host keeps (compiled proxy rules, cache indexes, throttling
// schedulers), one table for the whole core. A handle is validated on every use: a wrong or stale
// one aborts (the host then sees ERR_CORE_ABORT) and never reads freed memory.

/** Object kinds a handle can refer to (0 marks a free slot). */
export const KIND_BYPASS: i32 = 1;
export const KIND_PROXY_RULES: i32 = 2;
export const KIND_CACHE_INDEX: i32 = 3;
export const KIND_NETEM: i32 = 4;
const KINDS: i32 = 5;

// Slot i: [pointer or next free index, kind], 8 bytes.
let slots: usize = 0;
let capacity: i32 = 0;
let freeHead: i32 = -1;
let used: i32 = 0;
// Live handles per kind (KINDS i32s), allocated on first use.
let live: usize = 0;

function liveAt(kind: i32): usize {
  if (live == 0) {
    live = heap.alloc(<usize>KINDS << 2);
    memory.fill(live, 0, <usize>KINDS << 2);
  }
  return live + (<usize>kind << 2);
}

/** Registers `ptr` and returns its handle (>= 1). */
export function handleNew(kind: i32, ptr: usize): i32 {
  let index: i32;
  if (freeHead >= 0) {
    index = freeHead;
    freeHead = <i32>load<u32>(slots + (<usize>index << 3));
  } else {
    if (used == capacity) {
      const next = capacity == 0 ? 16 : capacity << 1;
      slots = slots == 0 ? heap.alloc(<usize>next << 3) : heap.realloc(slots, <usize>next << 3);
      capacity = next;
    }
    index = used++;
  }
  store<u32>(slots + (<usize>index << 3), <u32>ptr);
  store<i32>(slots + (<usize>index << 3), kind, 4);
  const at = liveAt(kind);
  store<i32>(at, load<i32>(at) + 1);
  return index + 1;
}

/** The object behind a handle of the given kind; aborts on anything else. */
export function handleGet(handle: i32, kind: i32): usize {
  const index = handle - 1;
  if (index < 0 || index >= used || load<i32>(slots + (<usize>index << 3), 4) != kind) {
    if (kind == KIND_CACHE_INDEX) abort('cache index: invalid cache index handle');
    if (kind == KIND_NETEM) abort('netem: invalid scheduler handle');
    abort('invalid proxy kernel handle');
  }
  return <usize>load<u32>(slots + (<usize>index << 3));
}

/** Frees the slot and returns the object pointer for the caller to free. */
export function handleRelease(handle: i32, kind: i32): usize {
  const ptr = handleGet(handle, kind);
  const index = handle - 1;
  store<u32>(slots + (<usize>index << 3), <u32>freeHead);
  store<i32>(slots + (<usize>index << 3), 0, 4);
  freeHead = index;
  const at = liveAt(kind);
  store<i32>(at, load<i32>(at) - 1);
  return ptr;
}

/** Number of live handles of a kind. */
export function handleLive(kind: i32): i32 {
  return load<i32>(liveAt(kind));
}
