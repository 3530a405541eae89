// Integer handles for compiled objects that the host keeps. A handle is validated on every use;
// a wrong or stale one aborts (the host then sees ERR_CORE_ABORT), never reads freed memory.

/** Object kinds a handle can refer to. */
export const KIND_BYPASS: i32 = 1;
export const KIND_PROXY_RULES: i32 = 2;

// Slot i: [pointer or next free index, kind (0 = free)], 8 bytes.
let slots: usize = 0;
let capacity: i32 = 0;
let freeHead: i32 = -1;
let used: i32 = 0;

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
  return index + 1;
}

/** The object behind a handle of the given kind; aborts on anything else. */
export function handleGet(handle: i32, kind: i32): usize {
  const index = handle - 1;
  if (index < 0 || index >= used || load<i32>(slots + (<usize>index << 3), 4) != kind) {
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
  return ptr;
}
