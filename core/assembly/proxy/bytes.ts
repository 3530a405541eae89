// Raw-memory byte buffers and the ASCII helpers every proxy parser shares. Nothing here touches
// the GC: compiled tables live as long as their handle, and are freed explicitly.

/** A growable byte buffer in raw memory. Keep offsets, not pointers: `ptr` moves on growth. */
@unmanaged
export class ByteBuf {
  ptr: usize = 0;
  len: i32 = 0;
  cap: i32 = 0;
}

/** A new empty buffer with `cap` bytes reserved. */
export function bufNew(cap: i32 = 64): ByteBuf {
  const buf = changetype<ByteBuf>(heap.alloc(offsetof<ByteBuf>()));
  buf.ptr = heap.alloc(<usize>cap);
  buf.len = 0;
  buf.cap = cap;
  return buf;
}

/** Frees the bytes and the header. */
export function bufFree(buf: ByteBuf): void {
  heap.free(buf.ptr);
  heap.free(changetype<usize>(buf));
}

/** Makes room for `extra` more bytes (doubling, so appends stay amortised O(1)). */
export function bufReserve(buf: ByteBuf, extra: i32): void {
  const need = buf.len + extra;
  if (need <= buf.cap) return;
  let cap = buf.cap << 1;
  while (cap < need) cap <<= 1;
  buf.ptr = heap.realloc(buf.ptr, <usize>cap);
  buf.cap = cap;
}

/** Appends one byte. */
export function bufByte(buf: ByteBuf, c: u32): void {
  bufReserve(buf, 1);
  store<u8>(buf.ptr + <usize>buf.len, <u8>c);
  buf.len += 1;
}

/** Appends `n` bytes from `src`. */
export function bufBytes(buf: ByteBuf, src: usize, n: i32): void {
  if (n <= 0) return;
  bufReserve(buf, n);
  memory.copy(buf.ptr + <usize>buf.len, src, <usize>n);
  buf.len += n;
}

/** Appends bytes, lower-casing ASCII letters (Chromium's ToLowerASCII leaves other bytes alone). */
export function bufBytesLower(buf: ByteBuf, src: usize, n: i32): void {
  if (n <= 0) return;
  bufReserve(buf, n);
  const dst = buf.ptr + <usize>buf.len;
  for (let i = 0; i < n; i++) store<u8>(dst + <usize>i, <u8>lowerAscii(load<u8>(src + <usize>i)));
  buf.len += n;
}

/** Appends a little-endian i32. */
export function bufI32(buf: ByteBuf, v: i32): void {
  bufReserve(buf, 4);
  store<i32>(buf.ptr + <usize>buf.len, v);
  buf.len += 4;
}

/** Appends a static ASCII literal. */
export function bufText(buf: ByteBuf, text: string): void {
  const n = text.length;
  bufReserve(buf, n);
  const dst = buf.ptr + <usize>buf.len;
  for (let i = 0; i < n; i++) store<u8>(dst + <usize>i, <u8>text.charCodeAt(i));
  buf.len += n;
}

/** Appends the decimal digits of `value`. */
export function bufDecimal(buf: ByteBuf, value: u32): void {
  let digits = 1;
  for (let v = value; v >= 10; v /= 10) digits++;
  bufReserve(buf, digits);
  let at = buf.ptr + <usize>(buf.len + digits);
  let v = value;
  do {
    at--;
    store<u8>(at, <u8>(0x30 + v % 10));
    v /= 10;
  } while (v != 0);
  buf.len += digits;
}

@inline
export function lowerAscii(c: u32): u32 {
  return c - 0x41 < 26 ? c | 0x20 : c;
}

/** SPACE or TAB: HttpUtil::IsLWS (net/http/http_util.cc). */
@inline
export function isLws(c: u32): bool {
  return c == 0x20 || c == 0x09;
}

/** base::kWhitespaceASCII: SPACE, \t, \n, \v, \f, \r. */
@inline
export function isAsciiWs(c: u32): bool {
  return c == 0x20 || c - 0x09 < 5;
}

@inline
export function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

/** Value of a hex digit, or -1. */
@inline
export function hexValue(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

// Range results: trimming and searching return through these two globals to avoid allocations.
export let rangeStart: i32 = 0;
export let rangeEnd: i32 = 0;

/** Sets rangeStart/rangeEnd to [start, end) without leading/trailing SPACE/TAB (HttpUtil::TrimLWS). */
export function trimLws(base: usize, start: i32, end: i32): void {
  while (start < end && isLws(load<u8>(base + <usize>start))) start++;
  while (end > start && isLws(load<u8>(base + <usize>(end - 1)))) end--;
  rangeStart = start;
  rangeEnd = end;
}

/** Sets rangeStart/rangeEnd to [start, end) without ASCII whitespace (TrimWhitespaceASCII). */
export function trimWs(base: usize, start: i32, end: i32): void {
  while (start < end && isAsciiWs(load<u8>(base + <usize>start))) start++;
  while (end > start && isAsciiWs(load<u8>(base + <usize>(end - 1)))) end--;
  rangeStart = start;
  rangeEnd = end;
}

/**
 * base::StringTokenizer with one delimiter, empty tokens skipped: finds the first token in
 * [from, end), sets rangeStart/rangeEnd to it and returns true, or returns false when only
 * delimiters are left. Continue from rangeEnd.
 */
export function nextToken(base: usize, from: i32, end: i32, delimiter: u32): bool {
  let i = from;
  while (i < end && <u32>load<u8>(base + <usize>i) == delimiter) i++;
  if (i >= end) return false;
  let j = i;
  while (j < end && <u32>load<u8>(base + <usize>j) != delimiter) j++;
  rangeStart = i;
  rangeEnd = j;
  return true;
}

// Port found by splitHostPort: -1 when there is none.
export let splitPort: i32 = -1;

/**
 * The url::ParseAuthority split that ParseHostAndPort (net/base/url_util.cc) and
 * ProxySchemeHostAndPortToProxyServer (net/base/proxy_string_util.cc) share: no userinfo, the
 * last ':' after the last ']' (if any) starts the port, which must be valid if present ("foo:"
 * fails), and the host must not be empty. Sets rangeStart/rangeEnd to the host (brackets kept)
 * and splitPort; false when the text is rejected.
 */
export function splitHostPort(base: usize, start: i32, end: i32): bool {
  if (start >= end) return false;
  if (findByte(base, start, end, 0x40) >= 0) return false;
  let ipv6Terminator = load<u8>(base + <usize>start) == 0x5b ? end : -1;
  let colon = -1;
  for (let i = start; i < end; i++) {
    const c = load<u8>(base + <usize>i);
    if (c == 0x5d) ipv6Terminator = i;
    else if (c == 0x3a) colon = i;
  }
  let hostEnd = end;
  let port = -1;
  if (colon > ipv6Terminator) {
    hostEnd = colon;
    if (colon + 1 == end) return false;
    port = parsePort(base, colon + 1, end);
    if (port < 0) return false;
  }
  if (hostEnd == start) return false;
  rangeStart = start;
  rangeEnd = hostEnd;
  splitPort = port;
  return true;
}

/** Index of the first "://" in [start, end), or -1. */
export function findSchemeSeparator(base: usize, start: i32, end: i32): i32 {
  for (let i = start; i + 2 < end; i++) {
    if (load<u8>(base + <usize>i) == 0x3a && load<u8>(base + <usize>(i + 1)) == 0x2f && load<u8>(base + <usize>(i + 2)) == 0x2f) return i;
  }
  return -1;
}

/** Index of the first `c` in [start, end), or -1. */
export function findByte(base: usize, start: i32, end: i32, c: u32): i32 {
  for (let i = start; i < end; i++) if (<u32>load<u8>(base + <usize>i) == c) return i;
  return -1;
}

/** Index of the last `c` in [start, end), or -1. */
export function findLastByte(base: usize, start: i32, end: i32, c: u32): i32 {
  for (let i = end - 1; i >= start; i--) if (<u32>load<u8>(base + <usize>i) == c) return i;
  return -1;
}

/** ASCII case-insensitive comparison with a static lower-case literal (EqualsCaseInsensitiveASCII). */
export function equalsIgnoreCase(base: usize, start: i32, end: i32, literal: string): bool {
  const n = literal.length;
  if (end - start != n) return false;
  for (let i = 0; i < n; i++) {
    if (lowerAscii(load<u8>(base + <usize>(start + i))) != <u32>literal.charCodeAt(i)) return false;
  }
  return true;
}

/** Exact comparison with a static literal. */
export function equalsLiteral(base: usize, start: i32, end: i32, literal: string): bool {
  const n = literal.length;
  if (end - start != n) return false;
  for (let i = 0; i < n; i++) {
    if (<u32>load<u8>(base + <usize>(start + i)) != <u32>literal.charCodeAt(i)) return false;
  }
  return true;
}

@inline
export function bytesEqual(a: usize, b: usize, n: i32): bool {
  return n == 0 || memory.compare(a, b, <usize>n) == 0;
}

/**
 * base::ParseInt32 with NON_NEGATIVE format: ASCII digits only, non-empty, no sign or spaces.
 * Returns -1 on failure or overflow.
 */
export function parseNonNegativeInt(base: usize, start: i32, end: i32): i64 {
  if (start >= end) return -1;
  let value: i64 = 0;
  for (let i = start; i < end; i++) {
    const c = <u32>load<u8>(base + <usize>i);
    if (!isDigit(c)) return -1;
    value = value * 10 + <i64>(c - 0x30);
    if (value > 0xffffffff) return -1;
  }
  return value;
}

/**
 * url::ParsePort (url/third_party/mozilla/url_parse.cc): leading zeros skipped, at most five more
 * digits, value <= 65535. Returns the port, or -1 when invalid.
 */
export function parsePort(base: usize, start: i32, end: i32): i32 {
  let i = start;
  while (i < end && load<u8>(base + <usize>i) == 0x30) i++;
  if (i == end) return 0;
  if (end - i > 5) return -1;
  let value: i32 = 0;
  for (; i < end; i++) {
    const c = <u32>load<u8>(base + <usize>i);
    if (!isDigit(c)) return -1;
    value = value * 10 + <i32>(c - 0x30);
  }
  return value > 65535 ? -1 : value;
}

const FNV_OFFSET: u32 = 2166136261;
const FNV_PRIME: u32 = 16777619;

/** Start value of the right-to-left suffix hash. */
@inline
export function hashSeed(): u32 {
  return FNV_OFFSET;
}

/** One right-to-left step: hash(c + suffix) from hash(suffix). Host suffixes hash incrementally. */
@inline
export function hashStep(h: u32, c: u32): u32 {
  return (h ^ c) * FNV_PRIME;
}

/** The suffix hash of the whole range, computed the way a host is walked from its end. */
export function hashReversed(p: usize, n: i32): u32 {
  let h = FNV_OFFSET;
  for (let i = n - 1; i >= 0; i--) h = hashStep(h, load<u8>(p + <usize>i));
  return h;
}

/** Decodes the length of the UTF-8 sequence starting with `lead` (1 for ASCII and stray bytes). */
@inline
export function utf8Length(lead: u32): i32 {
  if (lead < 0xc0) return 1;
  if (lead < 0xe0) return 2;
  if (lead < 0xf0) return 3;
  return 4;
}
