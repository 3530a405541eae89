// The string window: the host writes input bytes here and passes their length. It grows on
// demand (bulk loads such as a 10,000-rule bypass list), so the host re-reads its address after
// `scratchReserve`.

let scratch: usize = heap.alloc(65536);
let scratchCap: i32 = 65536;

export function scratchPtr(): usize {
  return scratch;
}

export function scratchSize(): i32 {
  return scratchCap;
}

/** Ensures the window holds at least `bytes` bytes and returns its (possibly moved) address. */
export function scratchReserve(bytes: i32): usize {
  if (bytes > scratchCap) {
    let cap = scratchCap;
    while (cap < bytes) cap <<= 1;
    scratch = heap.realloc(scratch, <usize>cap);
    scratchCap = cap;
  }
  return scratch;
}
