// Reference-counted byte strings (cookie domains, paths, registrable domains). Cookies hold the
// small id instead of the bytes, so a request compares each distinct domain or path once and
// caches the answer in the entry (`stamp`, `result`) for the rest of the bucket scan.

/** One interned string in raw memory. */
@unmanaged
export class Interned {
  ptr: usize = 0;
  len: i32 = 0;
  hash: u32 = 0;
  refs: i32 = 0;
  next: i32 = -1;
  stamp: i32 = 0;
  result: i32 = 0;
}

const ENTRY: usize = offsetof<Interned>();
let entries: usize = 0;
let capacity: i32 = 0;
let used: i32 = 0;
let freeHead: i32 = -1;
/** Live entries (refs > 0). */
let live: i32 = 0;
// Hash table: `heads[hash & (headCap - 1)]` starts a chain of ids linked through `next`; the
// table doubles when there are more live entries than heads (one probe sequence per lookup).
let heads: usize = 0;
let headCap: i32 = 0;

// @ts-ignore: decorator
@inline function headAt(h: u32): usize {
  return heads + (<usize>(h & <u32>(headCap - 1)) << 2);
}

function growHeads(): void {
  const cap = headCap == 0 ? 256 : headCap << 1;
  if (heads != 0) heap.free(heads);
  heads = heap.alloc(<usize>cap << 2);
  memory.fill(heads, 0xff, <usize>cap << 2);
  headCap = cap;
  for (let id = 0; id < used; id++) {
    const e = internAt(id);
    if (e.refs <= 0) continue;
    const at = headAt(e.hash);
    e.next = load<i32>(at);
    store<i32>(at, id);
  }
}

/** FNV-1a over `len` bytes at `ptr`. */
export function hashBytes(ptr: usize, len: i32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = (h ^ <u32>load<u8>(ptr + <usize>i)) * 0x01000193;
  return h;
}

/** Byte equality of two ranges. */
export function bytesEqual(a: usize, b: usize, len: i32): bool {
  return memory.compare(a, b, <usize>len) == 0;
}

/** The entry behind an id (no checks: ids come from this module). */
// @ts-ignore: decorator
@inline export function internAt(id: i32): Interned {
  return changetype<Interned>(entries + <usize>id * ENTRY);
}

/** The id of the string at `ptr`, or -1 if it is not interned. */
export function internFind(ptr: usize, len: i32): i32 {
  if (headCap == 0) return -1;
  return internFindHashed(ptr, len, hashBytes(ptr, len));
}

/** `internFind` with the hash of the bytes already known. */
export function internFindHashed(ptr: usize, len: i32, h: u32): i32 {
  if (headCap == 0) return -1;
  let id = load<i32>(headAt(h));
  while (id >= 0) {
    const e = internAt(id);
    if (e.hash == h && e.len == len && bytesEqual(e.ptr, ptr, len)) return id;
    id = e.next;
  }
  return -1;
}

/** Interns the string at `ptr` (copying it) and takes one reference. */
export function internAcquire(ptr: usize, len: i32): i32 {
  const h = hashBytes(ptr, len);
  const found = internFindHashed(ptr, len, h);
  if (found >= 0) {
    internAt(found).refs++;
    return found;
  }
  if (live >= headCap) growHeads();
  let id: i32;
  if (freeHead >= 0) {
    id = freeHead;
    freeHead = internAt(id).next;
  } else {
    if (used == capacity) {
      const next = capacity == 0 ? 64 : capacity << 1;
      entries = entries == 0 ? heap.alloc(<usize>next * ENTRY) : heap.realloc(entries, <usize>next * ENTRY);
      capacity = next;
    }
    id = used++;
  }
  const e = internAt(id);
  e.ptr = heap.alloc(<usize>(len > 0 ? len : 1));
  memory.copy(e.ptr, ptr, <usize>len);
  e.len = len;
  e.hash = h;
  e.refs = 1;
  e.stamp = 0;
  e.result = 0;
  const at = headAt(h);
  e.next = load<i32>(at);
  store<i32>(at, id);
  live++;
  return id;
}

/** Takes one more reference to a live id. */
export function internRetain(id: i32): void {
  internAt(id).refs++;
}

/** Drops one reference; the bytes are freed with the last one. */
export function internRelease(id: i32): void {
  const e = internAt(id);
  if (--e.refs > 0) return;
  const at = headAt(e.hash);
  let cur = load<i32>(at);
  if (cur == id) store<i32>(at, e.next);
  else {
    while (cur >= 0) {
      const c = internAt(cur);
      if (c.next == id) {
        c.next = e.next;
        break;
      }
      cur = c.next;
    }
  }
  live--;
  heap.free(e.ptr);
  e.ptr = 0;
  e.len = 0;
  e.next = freeHead;
  freeHead = id;
}
