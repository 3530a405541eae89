// One Set-Cookie line for the common case (cookieSetLine): Chromium's ParsedCookie on a line of
// printable ASCII, then what CanonicalCookie::Create and the context part of
// CanonicalCookie::IsSetPermittedInContext decide, for an http(s)/ws(s) URL whose host is a
// domain name (not an IP address, not localhost over plain http). The host's side
// (core/src/cookies/cookie-store.ts, setFromLine) gives the registrable domain of the host (the
// public suffix list lives there), the host and the default path.
//
// Whatever this file does not decide exactly as the general path does (core/src/cookies/
// parse-set-cookie.ts, canonical-cookie.ts, cookie-date.ts) makes it answer false before anything
// is written, and the host takes the general path: any exclusion or warning, a nameless cookie, a
// Partitioned one, a Domain attribute that needs more than ASCII lowercasing (digits in the last
// label, punycode, '_', empty labels, a trailing dot...) or that names no domain of the host, a
// Domain attribute on a host without a registrable domain, a Max-Age that is not a small integer,
// an Expires that is not an IMF-fixdate, an oversized attribute value, an invalid prefix.
//
// The cookie domain of a valid Domain attribute: with R the registrable domain of the host, a
// domain d that is the host or a dot-suffix of it has R as its registrable domain exactly when d
// is at least as long as R (R and d are then both label suffixes of the host, and the public
// suffix list's prevailing rule for the host, shorter than R, is the one for d too); a shorter d
// has a shorter or no registrable domain. So GetCookieDomainWithString's two checks (same
// registrable domain, suffix of the host) become that length test and the suffix test.

/** The field block: key bytes' lengths, the spans in the line, flags, expiry (ms, NaN = session). */
export const LINE_OUT: usize = heap.alloc(64);
/** The line's bytes and the facts [registrable domain][host][default path], written by the host. */
export const LINE_INPUT_SIZE: i32 = 8192;
export const LINE_INPUT: usize = heap.alloc(<usize>LINE_INPUT_SIZE);
export const LINE_FACTS: usize = heap.alloc(<usize>LINE_INPUT_SIZE);
export const L_KEY_LEN: usize = 0;
export const L_NAME_LEN: usize = 4;
export const L_DOMAIN_LEN: usize = 8;
export const L_PATH_LEN: usize = 12;
export const L_VALUE_LEN: usize = 16;
export const L_FLAGS: usize = 20;
export const L_SAME_SITE: usize = 24;
export const L_PRIORITY: usize = 28;
/** Where the name starts in the line; the value's start; the Domain value's start after its dot (-1: host-only); the Path value's start (-1: default path). */
export const L_NAME_START: usize = 32;
export const L_VALUE_START: usize = 36;
export const L_DOMAIN_START: usize = 40;
export const L_PATH_START: usize = 44;
export const L_EXPIRY: usize = 48;

const SPACE: u8 = 0x20;
const SEMICOLON: u8 = 0x3b;
const EQUALS: u8 = 0x3d;
const MAX_NAME_PLUS_VALUE: i32 = 4096;
const MAX_ATTRIBUTE_VALUE: i32 = 1024;
const MAX_EXPIRY_DELTA_MS: f64 = 400 * 24 * 60 * 60 * 1000;
const EARLIEST_COOKIE_TIME: f64 = -8.64e15;

const ATTR_UNKNOWN = 0, ATTR_DOMAIN = 1, ATTR_PATH = 2, ATTR_EXPIRES = 3, ATTR_MAX_AGE = 4, ATTR_SECURE = 5;
const ATTR_HTTP_ONLY = 6, ATTR_PARTITIONED = 7, ATTR_SAME_SITE = 8, ATTR_PRIORITY = 9;

/** Whether `p[0, literal.length)` is `literal` (lowercase ASCII) ignoring ASCII case (matchesLower). */
function matchesLower(p: usize, literal: string): bool {
  for (let k = 0; k < literal.length; k++) {
    const c = <i32>load<u8>(p + <usize>k);
    const t = literal.charCodeAt(k);
    if (c != t && (c < 0x41 || c > 0x5a || c + 0x20 != t)) return false;
  }
  return true;
}

/**
 * Four bytes at `p` as one little-endian word with bit 5 of each set (ASCII letters lowercased).
 * On printable ASCII, which the line is, that is exact for lowercase letters and '-': only the
 * letter in either case gives the letter, and only '-' (or CR, which is not printable) gives '-'.
 * So `lw(p) == W_x` is matchesLower on those four bytes (as parse-set-cookie.ts's word()).
 */
@inline function lw(p: usize): u32 {
  return load<u32>(p) | 0x20202020;
}

const W_PATH: u32 = 0x68746170, W_DOMA: u32 = 0x616d6f64, W_MAIN: u32 = 0x6e69616d, W_SECU: u32 = 0x75636573, W_CURE: u32 = 0x65727563;
const W_EXPI: u32 = 0x69707865, W_IRES: u32 = 0x73657269, W_MAX_: u32 = 0x2d78616d, W__AGE: u32 = 0x6567612d, W_SAME: u32 = 0x656d6173;
const W_SITE: u32 = 0x65746973, W_HTTP: u32 = 0x70747468, W_ONLY: u32 = 0x796c6e6f, W_PRIO: u32 = 0x6f697270, W_RITY: u32 = 0x79746972;
const W_PART: u32 = 0x74726170, W_ITIO: u32 = 0x6f697469, W_ONED: u32 = 0x64656e6f, W_NONE: u32 = 0x656e6f6e, W_STRI: u32 = 0x69727473;
const W_RICT: u32 = 0x74636972, W_HIGH: u32 = 0x68676968;
/** 'lax' and 'low' in the top three bytes of the word read one byte before them. */
const W_LAX: u32 = 0x78616c00, W_LOW: u32 = 0x776f6c00;

/** ParsedCookie's attribute names, by word compares (the line is printable ASCII). */
function attributeCode(p: usize, len: i32): i32 {
  switch (len) {
    case 4:
      return lw(p) == W_PATH ? ATTR_PATH : ATTR_UNKNOWN;
    case 6: {
      const head = lw(p), tail = lw(p + 2);
      if (head == W_DOMA) return tail == W_MAIN ? ATTR_DOMAIN : ATTR_UNKNOWN;
      return head == W_SECU && tail == W_CURE ? ATTR_SECURE : ATTR_UNKNOWN;
    }
    case 7: {
      const head = lw(p), tail = lw(p + 3);
      if (head == W_EXPI) return tail == W_IRES ? ATTR_EXPIRES : ATTR_UNKNOWN;
      return head == W_MAX_ && tail == W__AGE ? ATTR_MAX_AGE : ATTR_UNKNOWN;
    }
    case 8: {
      const head = lw(p), tail = lw(p + 4);
      if (head == W_SAME) return tail == W_SITE ? ATTR_SAME_SITE : ATTR_UNKNOWN;
      if (head == W_HTTP) return tail == W_ONLY ? ATTR_HTTP_ONLY : ATTR_UNKNOWN;
      return head == W_PRIO && tail == W_RITY ? ATTR_PRIORITY : ATTR_UNKNOWN;
    }
    case 11:
      return lw(p) == W_PART && lw(p + 4) == W_ITIO && lw(p + 7) == W_ONED ? ATTR_PARTITIONED : ATTR_UNKNOWN;
    default:
      return ATTR_UNKNOWN;
  }
}

@inline function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

@inline function isLetter(c: i32): bool {
  return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
}

/** The month (1-12) at `p` (three letters, ASCII case-insensitive), 0 for none. */
function monthAt(p: usize): i32 {
  const a = <i32>load<u8>(p), b = <i32>load<u8>(p + 1), c = <i32>load<u8>(p + 2);
  if (!isLetter(a) || !isLetter(b) || !isLetter(c)) return 0;
  switch (((a | 0x20) << 16) | ((b | 0x20) << 8) | (c | 0x20)) {
    case 0x6a616e: return 1;
    case 0x666562: return 2;
    case 0x6d6172: return 3;
    case 0x617072: return 4;
    case 0x6d6179: return 5;
    case 0x6a756e: return 6;
    case 0x6a756c: return 7;
    case 0x617567: return 8;
    case 0x736570: return 9;
    case 0x6f6374: return 10;
    case 0x6e6f76: return 11;
    case 0x646563: return 12;
    default: return 0;
  }
}

function daysInMonth(year: i32, month: i32): i32 {
  const leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2) return leap ? 29 : 28;
  return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
}

/** Days from 1970-01-01 to the date (proleptic Gregorian), as Date.UTC counts them. */
function daysFromCivil(y: i32, m: i32, d: i32): i64 {
  y -= m <= 2 ? 1 : 0;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;
  const doy = (153 * mp + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return <i64>era * 146097 + <i64>doe - 719468;
}

@inline function isDigitAt(p: usize, i: usize): bool {
  return isDigit(<i32>load<u8>(p + i));
}

@inline function dg(p: usize, i: usize): i32 {
  return <i32>load<u8>(p + i) - 0x30;
}

/** 1: not this shape (the general parser decides), else the date: NaN for none, or ms. */
let dateResult: f64 = 0;

/**
 * cookie-date.ts parseImfFixdate on the 29 bytes at `p`: false when the text is not exactly that
 * shape; else true with `dateResult` (NaN when it is no date).
 */
function imfFixdate(p: usize): bool {
  if (
    load<u8>(p + 3) != 0x2c || load<u8>(p + 4) != 0x20 || load<u8>(p + 7) != 0x20 || load<u8>(p + 11) != 0x20 ||
    load<u8>(p + 16) != 0x20 || load<u8>(p + 19) != 0x3a || load<u8>(p + 22) != 0x3a || load<u8>(p + 25) != 0x20
  ) return false;
  if (
    !isDigitAt(p, 5) || !isDigitAt(p, 6) || !isDigitAt(p, 12) || !isDigitAt(p, 13) || !isDigitAt(p, 14) || !isDigitAt(p, 15) ||
    !isDigitAt(p, 17) || !isDigitAt(p, 18) || !isDigitAt(p, 20) || !isDigitAt(p, 21) || !isDigitAt(p, 23) || !isDigitAt(p, 24)
  ) return false;
  if (
    !isLetter(<i32>load<u8>(p)) || !isLetter(<i32>load<u8>(p + 1)) || !isLetter(<i32>load<u8>(p + 2)) ||
    !isLetter(<i32>load<u8>(p + 26)) || !isLetter(<i32>load<u8>(p + 27)) || !isLetter(<i32>load<u8>(p + 28))
  ) return false;
  if (monthAt(p) != 0) return false;
  const month = monthAt(p + 8);
  if (month == 0) return false;
  const day = dg(p, 5) * 10 + dg(p, 6);
  let year = dg(p, 12) * 1000 + dg(p, 13) * 100 + dg(p, 14) * 10 + dg(p, 15);
  if (year >= 70 && year <= 99) year += 1900;
  else if (year <= 69) year += 2000;
  const hour = dg(p, 17) * 10 + dg(p, 18);
  const minute = dg(p, 20) * 10 + dg(p, 21);
  const second = dg(p, 23) * 10 + dg(p, 24);
  if (day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    dateResult = NaN;
    return true;
  }
  const days = daysFromCivil(year, month, day);
  dateResult = <f64>(days * 86400000 + <i64>(hour * 3600000 + minute * 60000 + second * 1000));
  return true;
}

/**
 * Parses `line` for the URL of `facts` ([registrable domain][host][default path]) and, when it is a case
 * this file decides, writes the key [bucket key][name][domain][path][value] at `key` and the fields
 * to LINE_OUT and returns true; false otherwise (nothing written).
 */
export function parseSetCookieLine(
  facts: usize, regLen: i32, hostLen: i32, defaultPathLen: i32, line: usize, lineLen: i32, flags: i32, nowMs: f64, skewMs: f64, key: usize,
): bool {
  const reg = facts;
  const host = reg + <usize>regLen;
  const defaultPath = host + <usize>hostLen;
  const end = lineLen;
  if (end == 0) return false;
  // Printable ASCII only, eight bytes at a time: a byte below 0x20 (hasless), or 0x7F and up.
  let i = 0;
  for (; i + 8 <= end; i += 8) {
    const x = load<u64>(line + <usize>i);
    if ((((x - 0x2020202020202020) & ~x) | ((x + 0x0101010101010101) | x)) & 0x8080808080808080) return false;
  }
  for (; i < end; i++) {
    const c = load<u8>(line + <usize>i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  const cryptographic = (flags & 1) != 0;
  const crossSite = (flags & 2) != 0;

  let nameStart = 0, nameLen = 0, valueStart = 0, valueLen = 0;
  let domainStart = -1, domainLen = 0; // the Domain attribute's value (-1: none)
  let pathStart = -1, pathLen = 0;
  let expiresStart = -1, expiresLen = 0;
  let maxAgeStart = -1, maxAgeLen = 0;
  let secure = false, httpOnly = false, partitioned = false;
  let sameSite = -1, priority = 1;

  let it = 0;
  for (let pairIndex = 0; it < end; pairIndex++) {
    let c: u8 = 0;
    while (it < end && (c = load<u8>(line + <usize>it)) == SPACE) it++;
    if (it == end) {
      if (pairIndex != 0) break;
      return false;
    }
    const tokenStart = it;
    while (c != SEMICOLON && c != EQUALS) {
      if (++it == end) break;
      c = load<u8>(line + <usize>it);
    }
    let tokenEnd = it;
    while (tokenEnd > tokenStart && load<u8>(line + <usize>(tokenEnd - 1)) == SPACE) tokenEnd--;

    let hasName = true;
    let hasValue = true;
    if (it == end || c != EQUALS) {
      if (pairIndex == 0) {
        hasName = false;
        it = tokenStart;
      } else hasValue = false;
    } else it++;

    let vStart = it;
    let vEnd = it;
    if (hasValue) {
      while (it < end && load<u8>(line + <usize>it) == SPACE) it++;
      vStart = it;
      // To the next ';', eight bytes at a time (the lowest zero byte of x ^ ';;;;;;;;' is exact).
      while (it + 8 <= end) {
        const x = load<u64>(line + <usize>it) ^ 0x3b3b3b3b3b3b3b3b;
        const t = (x - 0x0101010101010101) & ~x & 0x8080808080808080;
        if (t != 0) {
          it += <i32>(ctz(t) >> 3);
          break;
        }
        it += 8;
      }
      while (it < end && load<u8>(line + <usize>it) != SEMICOLON) it++;
      vEnd = it;
      while (vEnd > vStart && load<u8>(line + <usize>(vEnd - 1)) == SPACE) vEnd--;
    }

    if (pairIndex == 0) {
      // A nameless cookie (no '=', or "=value") goes the general way (hidden prefixes).
      if (!hasName || tokenEnd == tokenStart) return false;
      if (tokenEnd - tokenStart + vEnd - vStart > MAX_NAME_PLUS_VALUE) return false;
      nameStart = tokenStart;
      nameLen = tokenEnd - tokenStart;
      valueStart = vStart;
      valueLen = vEnd - vStart;
    } else {
      const length = vEnd - vStart;
      if (length > MAX_ATTRIBUTE_VALUE) return false; // a warning
      const v = line + <usize>vStart;
      switch (attributeCode(line + <usize>tokenStart, tokenEnd - tokenStart)) {
        case ATTR_DOMAIN: domainStart = vStart; domainLen = length; break;
        case ATTR_PATH: pathStart = vStart; pathLen = length; break;
        case ATTR_EXPIRES: expiresStart = vStart; expiresLen = length; break;
        case ATTR_MAX_AGE: maxAgeStart = vStart; maxAgeLen = length; break;
        case ATTR_SECURE: secure = true; break;
        case ATTR_HTTP_ONLY: httpOnly = true; break;
        case ATTR_PARTITIONED: partitioned = true; break;
        case ATTR_SAME_SITE:
          // A value starts after at least "x=" or "x" and a ';', so the byte before it is in the line.
          if (length == 4 && lw(v) == W_NONE) sameSite = 0;
          else if (length == 3 && (lw(v - 1) & 0xffffff00) == W_LAX) sameSite = 1;
          else if (length == 6 && lw(v) == W_STRI && lw(v + 2) == W_RICT) sameSite = 2;
          else sameSite = -1;
          break;
        case ATTR_PRIORITY:
          if (length == 3 && (lw(v - 1) & 0xffffff00) == W_LOW) priority = 0;
          else if (length == 4 && lw(v) == W_HIGH) priority = 2;
          else priority = 1;
          break;
        default: break;
      }
    }
    if (it < end) it++;
  }
  if (partitioned) return false;

  // The domain: host-only without a Domain attribute (or an empty one), else the attribute
  // lowercased with one leading dot, when it is a plain ASCII domain of the host.
  let dStart = -1; // the attribute without its leading dot
  let dLen = 0;
  if (domainStart >= 0 && domainLen > 0) {
    if (regLen == 0) return false;
    dStart = domainStart;
    dLen = domainLen;
    if (load<u8>(line + <usize>dStart) == 0x2e) {
      dStart++;
      dLen--;
    }
    if (dLen == 0) return false;
    let labelStart = 0;
    let previous: i32 = 0x2e;
    for (let k = 0; k < dLen; k++) {
      const c = <i32>load<u8>(line + <usize>(dStart + k));
      if (c == 0x2e) {
        if (previous == 0x2e) return false; // an empty label (or a second leading dot)
        labelStart = k + 1;
      } else if (!(isLetter(c) || isDigit(c) || c == 0x2d)) return false;
      // Punycode labels go the general way (the URL parser checks them).
      if (k == labelStart + 1 && (c | 0x20) == 0x6e && (<i32>load<u8>(line + <usize>(dStart + k - 1)) | 0x20) == 0x78) return false;
      previous = c;
    }
    if (previous == 0x2e) return false; // a trailing dot
    if (isDigit(<i32>load<u8>(line + <usize>(dStart + labelStart)))) return false; // an IPv4 form
    // The suffix and registrable-domain checks (see the top of the file).
    if (dLen < regLen || dLen > hostLen) return false;
    const at = hostLen - dLen;
    if (at > 0 && load<u8>(host + <usize>(at - 1)) != 0x2e) return false;
    for (let k = 0; k < dLen; k++) {
      let c = <i32>load<u8>(line + <usize>(dStart + k));
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      if (c != <i32>load<u8>(host + <usize>(at + k))) return false;
    }
  }

  // Prefixes (the raw Domain and Path attributes).
  const domainAttributeEmpty = domainStart < 0 || domainLen == 0;
  const pathIsSlash = pathStart >= 0 && pathLen == 1 && load<u8>(line + <usize>pathStart) == 0x2f;
  const name = line + <usize>nameStart;
  // GetCookiePrefix's order: "__Secure-", "__Http-", "__Host-Http-", "__Host-".
  if (nameLen >= 2 && load<u8>(name) == 0x5f && load<u8>(name + 1) == 0x5f) {
    if (nameLen >= 9 && matchesLower(name + 2, 'secure-')) {
      if (!secure || !cryptographic) return false;
    } else if (nameLen >= 7 && matchesLower(name + 2, 'http-')) {
      if (!secure || !cryptographic || !httpOnly) return false;
    } else if (nameLen >= 12 && matchesLower(name + 2, 'host-http-')) {
      if (!secure || !cryptographic || !httpOnly || !pathIsSlash || !domainAttributeEmpty) return false;
    } else if (nameLen >= 7 && matchesLower(name + 2, 'host-')) {
      if (!secure || !cryptographic || !pathIsSlash || !domainAttributeEmpty) return false;
    }
  }

  // The set-time context checks (exclusions; Secure over plain http also warns).
  if (secure && !cryptographic) return false;
  if (sameSite == 0 && !secure) return false;
  if (crossSite && sameSite != 0) return false;

  // Expiry (ParseExpiration, then the 400-day cap).
  let expiry: f64 = NaN;
  if (maxAgeStart >= 0) {
    let i = 0;
    let negative = false;
    const m = line + <usize>maxAgeStart;
    const first = load<u8>(m);
    if (maxAgeLen > 0 && (first == 0x2b || first == 0x2d)) {
      negative = first == 0x2d;
      i = 1;
    }
    if (maxAgeLen - i < 1 || maxAgeLen - i > 15) return false;
    let n: f64 = 0;
    for (; i < maxAgeLen; i++) {
      const d = <i32>load<u8>(m + <usize>i) - 0x30;
      if (d < 0 || d > 9) return false;
      n = n * 10 + <f64>d;
    }
    const seconds = negative ? -n : n;
    expiry = seconds <= 0 ? EARLIEST_COOKIE_TIME : nowMs + seconds * 1000;
  } else if (expiresStart >= 0 && expiresLen > 0) {
    if (expiresLen != 29 || !imfFixdate(line + <usize>expiresStart)) return false;
    if (!isNaN(dateResult)) expiry = dateResult + skewMs;
  }
  if (!isNaN(expiry)) expiry = Math.min(expiry, nowMs + MAX_EXPIRY_DELTA_MS);

  // The key: [bucket key][name][domain][path][value].
  let at = key;
  const bucket = regLen > 0 ? reg : host;
  const bucketLen = regLen > 0 ? regLen : hostLen;
  memory.copy(at, bucket, <usize>bucketLen);
  at += <usize>bucketLen;
  memory.copy(at, name, <usize>nameLen);
  at += <usize>nameLen;
  let cookieDomainLen = hostLen;
  if (dStart < 0) {
    memory.copy(at, host, <usize>hostLen);
  } else {
    // The host's own bytes (the attribute lowercased is their suffix), after a dot.
    store<u8>(at, 0x2e);
    memory.copy(at + 1, host + <usize>(hostLen - dLen), <usize>dLen);
    cookieDomainLen = dLen + 1;
  }
  at += <usize>cookieDomainLen;
  const usePath = pathStart >= 0 && pathLen > 0 && load<u8>(line + <usize>pathStart) == 0x2f;
  const cookiePathLen = usePath ? pathLen : defaultPathLen;
  memory.copy(at, usePath ? line + <usize>pathStart : defaultPath, <usize>cookiePathLen);
  at += <usize>cookiePathLen;
  memory.copy(at, line + <usize>valueStart, <usize>valueLen);

  const o = LINE_OUT;
  store<i32>(o + L_KEY_LEN, bucketLen);
  store<i32>(o + L_NAME_LEN, nameLen);
  store<i32>(o + L_DOMAIN_LEN, cookieDomainLen);
  store<i32>(o + L_PATH_LEN, cookiePathLen);
  store<i32>(o + L_VALUE_LEN, valueLen);
  store<i32>(o + L_FLAGS, (secure ? 2 : 0) | (httpOnly ? 4 : 0));
  store<i32>(o + L_SAME_SITE, sameSite);
  store<i32>(o + L_PRIORITY, priority);
  store<i32>(o + L_NAME_START, nameStart);
  store<i32>(o + L_VALUE_START, valueStart);
  store<i32>(o + L_DOMAIN_START, dStart);
  store<i32>(o + L_PATH_START, usePath ? pathStart : -1);
  store<f64>(o + L_EXPIRY, expiry);
  return true;
}
