// Cookie shapes: the part of a cookie a request's inclusion depends on, SameSite's two-minute
// Lax-allow-unsafe window aside: (domain, path, Secure, HttpOnly, the SameSite rank it needs).
// Cookies share few shapes (a site's cookies come in a handful of domain and path pairs), so a
// request decides each shape once, caching the answer in the entry under the scan's stamp, and
// a bucket scan reads only its ids, their shapes and a few hot entries, not every cookie's record.
// Shapes are reference-counted and shared by every jar of the instance, as interned strings are.

/** One shape in raw memory. */
@unmanaged
export class Shape {
  domain: i32 = 0;
  path: i32 = 0;
  /** The record flags that matter to inclusion: FLAG_SECURE | FLAG_HTTP_ONLY | need << 8. */
  bits: i32 = 0;
  refs: i32 = 0;
  next: i32 = -1;
  stamp: i32 = 0;
  result: i32 = 0;
}

const ENTRY: usize = offsetof<Shape>();
let entries: usize = 0;
let capacity: i32 = 0;
let used: i32 = 0;
let freeHead: i32 = -1;
let live: i32 = 0;
// Chained hash table on (domain, path, bits), doubled when more live entries than heads.
let heads: usize = 0;
let headCap: i32 = 0;

// @ts-ignore: decorator
@inline export function shapeAt(id: i32): Shape {
  return changetype<Shape>(entries + <usize>id * ENTRY);
}

// @ts-ignore: decorator
@inline function shapeHash(domain: i32, path: i32, bits: i32): u32 {
  let h = <u32>domain * 0x9e3779b1 ^ <u32>path * 0x85ebca77 ^ <u32>bits * 0xc2b2ae3d;
  h ^= h >>> 15;
  h *= 0x2c1b3c6d;
  return h ^ (h >>> 12);
}

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
    const e = shapeAt(id);
    if (e.refs <= 0) continue;
    const at = headAt(shapeHash(e.domain, e.path, e.bits));
    e.next = load<i32>(at);
    store<i32>(at, id);
  }
}

/** The shape (domain, path, bits), with one more reference; created when new. */
export function shapeAcquire(domain: i32, path: i32, bits: i32): i32 {
  if (live >= headCap) growHeads();
  const h = shapeHash(domain, path, bits);
  const at = headAt(h);
  let id = load<i32>(at);
  while (id >= 0) {
    const e = shapeAt(id);
    if (e.domain == domain && e.path == path && e.bits == bits) {
      e.refs++;
      return id;
    }
    id = e.next;
  }
  if (freeHead >= 0) {
    id = freeHead;
    freeHead = shapeAt(id).next;
  } else {
    if (used == capacity) {
      const next = capacity == 0 ? 64 : capacity << 1;
      entries = entries == 0 ? heap.alloc(<usize>next * ENTRY) : heap.realloc(entries, <usize>next * ENTRY);
      capacity = next;
    }
    id = used++;
  }
  const e = shapeAt(id);
  e.domain = domain;
  e.path = path;
  e.bits = bits;
  e.refs = 1;
  e.stamp = 0;
  e.result = 0;
  e.next = load<i32>(at);
  store<i32>(at, id);
  live++;
  return id;
}

/** Drops one reference; the entry is freed with the last one. */
export function shapeRelease(id: i32): void {
  const e = shapeAt(id);
  if (--e.refs > 0) return;
  const at = headAt(shapeHash(e.domain, e.path, e.bits));
  let cur = load<i32>(at);
  if (cur == id) store<i32>(at, e.next);
  else {
    while (cur >= 0) {
      const c = shapeAt(cur);
      if (c.next == id) {
        c.next = e.next;
        break;
      }
      cur = c.next;
    }
  }
  live--;
  e.refs = 0;
  e.next = freeHead;
  freeHead = id;
}

/** Live shapes (for the index check). */
export function shapeLive(): i32 {
  return live;
}
