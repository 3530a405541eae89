// IP literals: IPAddress::AssignFromIPLiteral (net/base/ip_address.cc) reads them with the URL
// parsers' grammars (url/url_canon_ip.cc): IPv4 with 1-4 decimal/hex/octal parts, IPv6 with an
// optional dotted IPv4 tail. Addresses are kept as 16 bytes, IPv4 in its mapped form
// (::ffff:a.b.c.d), which is also how IPAddressMatchesPrefix compares across families.

import { ByteBuf, bufByte, bufDecimal, bufText, hexValue, isDigit } from './bytes';

const IPV4_FAIL: i64 = -1;
const TWO_POW_32: u64 = 0x100000000;

// @ts-ignore: decorator
@lazy const pieces: usize = memory.data(16);

/** WHATWG "IPv4 number parser": 0x/0X hex, leading-0 octal, else decimal. -1 on failure, saturating at 2^32. */
function parseIPv4Number(p: usize, start: i32, end: i32): i64 {
  if (start >= end) return IPV4_FAIL;
  let radix: u32 = 10;
  if (end - start >= 2 && load<u8>(p + <usize>start) == 0x30 && (load<u8>(p + <usize>(start + 1)) | 0x20) == 0x78) {
    radix = 16;
    start += 2;
  } else if (end - start >= 2 && load<u8>(p + <usize>start) == 0x30) {
    radix = 8;
    start += 1;
  }
  let value: u64 = 0;
  for (let i = start; i < end; i++) {
    const d = hexValue(load<u8>(p + <usize>i));
    if (d < 0 || <u32>d >= radix) return IPV4_FAIL;
    value = value * radix + <u64>d;
    if (value > TWO_POW_32) value = TWO_POW_32;
  }
  return <i64>value;
}

/** WHATWG IPv4 parser (same results as GURL's IPv4AddressToNumber). The address, or -1. */
export function parseIPv4(p: usize, start: i32, end: i32): i64 {
  if (start >= end) return IPV4_FAIL;
  // One trailing dot is allowed: drop the empty last part (but not a lone ".").
  if (load<u8>(p + <usize>(end - 1)) == 0x2e && end - 1 > start) end--;
  let parts = 1;
  for (let i = start; i < end; i++) if (load<u8>(p + <usize>i) == 0x2e) parts++;
  if (parts > 4) return IPV4_FAIL;
  let address: u64 = 0;
  let index = 0;
  let partStart = start;
  for (let i = start; i <= end; i++) {
    if (i < end && load<u8>(p + <usize>i) != 0x2e) continue;
    const n = parseIPv4Number(p, partStart, i);
    if (n < 0) return IPV4_FAIL;
    const value = <u64>n;
    if (index < parts - 1) {
      if (value > 255) return IPV4_FAIL;
      address |= value << (<u64>(3 - index) * 8);
    } else {
      if (value >= (<u64>1 << (<u64>(5 - parts) * 8))) return IPV4_FAIL;
      address += value;
    }
    index++;
    partStart = i + 1;
  }
  return <i64>address;
}

/** WHATWG "ends in a number": the host must then be a valid IPv4 address, or it is invalid. */
export function endsInNumber(p: usize, start: i32, end: i32): bool {
  if (start >= end) return false;
  if (load<u8>(p + <usize>(end - 1)) == 0x2e) {
    end--;
    if (end == start) return false;
  }
  let lastStart = start;
  for (let i = end - 1; i >= start; i--) {
    if (load<u8>(p + <usize>i) == 0x2e) {
      lastStart = i + 1;
      break;
    }
  }
  if (lastStart == end) return false;
  let allDigits = true;
  for (let i = lastStart; i < end; i++) {
    if (!isDigit(load<u8>(p + <usize>i))) {
      allDigits = false;
      break;
    }
  }
  return allDigits || parseIPv4Number(p, lastStart, end) >= 0;
}

/** WHATWG IPv6 parser over the text between the brackets. Writes 16 bytes to `out`. */
export function parseIPv6(p: usize, start: i32, end: i32, out: usize): bool {
  memory.fill(pieces, 0, 16);
  let pieceIndex = 0;
  let compress = -1;
  let i = start;
  if (i < end && load<u8>(p + <usize>i) == 0x3a) {
    if (i + 1 >= end || load<u8>(p + <usize>(i + 1)) != 0x3a) return false;
    i += 2;
    pieceIndex++;
    compress = pieceIndex;
  }
  while (i < end) {
    if (pieceIndex == 8) return false;
    let c = <u32>load<u8>(p + <usize>i);
    if (c == 0x3a) {
      if (compress >= 0) return false;
      i++;
      pieceIndex++;
      compress = pieceIndex;
      continue;
    }
    let value: u32 = 0;
    let length = 0;
    while (length < 4 && i < end) {
      const d = hexValue(load<u8>(p + <usize>i));
      if (d < 0) break;
      value = (value << 4) | <u32>d;
      i++;
      length++;
    }
    c = i < end ? <u32>load<u8>(p + <usize>i) : 0;
    if (i < end && c == 0x2e) {
      if (length == 0) return false;
      i -= length;
      if (pieceIndex > 6) return false;
      let numbersSeen = 0;
      while (i < end) {
        let ipv4Piece: i32 = -1;
        if (numbersSeen > 0) {
          if (load<u8>(p + <usize>i) == 0x2e && numbersSeen < 4) i++;
          else return false;
        }
        if (i >= end || !isDigit(load<u8>(p + <usize>i))) return false;
        while (i < end && isDigit(load<u8>(p + <usize>i))) {
          const digit = <i32>load<u8>(p + <usize>i) - 0x30;
          if (ipv4Piece < 0) ipv4Piece = digit;
          else if (ipv4Piece == 0) return false;
          else ipv4Piece = ipv4Piece * 10 + digit;
          if (ipv4Piece > 255) return false;
          i++;
        }
        const at = pieces + (<usize>pieceIndex << 1);
        store<u16>(at, <u16>((<u32>load<u16>(at) << 8) + <u32>ipv4Piece));
        numbersSeen++;
        if (numbersSeen == 2 || numbersSeen == 4) pieceIndex++;
      }
      if (numbersSeen != 4) return false;
      break;
    } else if (i < end && c == 0x3a) {
      i++;
      if (i >= end) return false;
    } else if (i < end) {
      return false;
    }
    store<u16>(pieces + (<usize>pieceIndex << 1), <u16>value);
    pieceIndex++;
  }
  if (compress >= 0) {
    let swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex != 0 && swaps > 0) {
      const a = pieces + (<usize>pieceIndex << 1);
      const b = pieces + (<usize>(compress + swaps - 1) << 1);
      const t = load<u16>(a);
      store<u16>(a, load<u16>(b));
      store<u16>(b, t);
      pieceIndex--;
      swaps--;
    }
  } else if (pieceIndex != 8) {
    return false;
  }
  for (let k = 0; k < 8; k++) {
    const v = <u32>load<u16>(pieces + (<usize>k << 1));
    store<u8>(out + <usize>(k << 1), <u8>(v >> 8));
    store<u8>(out + <usize>((k << 1) + 1), <u8>v);
  }
  return true;
}

/** Stores an IPv4 address as its IPv4-mapped IPv6 form. */
export function storeMappedIPv4(out: usize, v: u32): void {
  memory.fill(out, 0, 10);
  store<u8>(out + 10, 0xff);
  store<u8>(out + 11, 0xff);
  store<u8>(out + 12, <u8>(v >> 24));
  store<u8>(out + 13, <u8>(v >> 16));
  store<u8>(out + 14, <u8>(v >> 8));
  store<u8>(out + 15, <u8>v);
}

/**
 * IPAddress::AssignFromIPLiteral: text with a ':' is an IPv6 literal (no brackets), anything
 * else must be a URL-style IPv4 address. Returns 4, 6, or 0 (not an IP); fills `out`.
 */
export function parseIPLiteral(p: usize, start: i32, end: i32, out: usize): i32 {
  for (let i = start; i < end; i++) {
    if (load<u8>(p + <usize>i) == 0x3a) return parseIPv6(p, start, end, out) ? 6 : 0;
  }
  const v4 = parseIPv4(p, start, end);
  if (v4 < 0) return 0;
  storeMappedIPv4(out, <u32>v4);
  return 4;
}

/** True when the 16 bytes are ::ffff:a.b.c.d. */
export function isMappedIPv4(addr: usize): bool {
  for (let i = 0; i < 10; i++) if (load<u8>(addr + <usize>i) != 0) return false;
  return load<u8>(addr + 10) == 0xff && load<u8>(addr + 11) == 0xff;
}

/** Dotted-decimal output of the IPv4 address in the last four bytes. */
export function writeIPv4(buf: ByteBuf, addr: usize): void {
  for (let i = 12; i < 16; i++) {
    if (i > 12) bufByte(buf, 0x2e);
    bufDecimal(buf, load<u8>(addr + <usize>i));
  }
}

function writeHex16(buf: ByteBuf, v: u32): void {
  let started = false;
  for (let shift = 12; shift >= 0; shift -= 4) {
    const d = (v >> <u32>shift) & 15;
    if (d == 0 && !started && shift > 0) continue;
    started = true;
    bufByte(buf, d < 10 ? 0x30 + d : 0x57 + d);
  }
}

/** RFC 5952 text without a dotted tail (url::AppendIPv6Address, IPAddress::ToString). */
export function writeIPv6(buf: ByteBuf, addr: usize): void {
  // Longest run of two or more zero pieces, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let k = 0; k <= 8; k++) {
    const zero = k < 8 && load<u16>(addr + <usize>(k << 1)) == 0;
    if (zero) {
      if (runStart < 0) runStart = k;
    } else if (runStart >= 0) {
      if (k - runStart > bestLen) {
        bestLen = k - runStart;
        bestStart = runStart;
      }
      runStart = -1;
    }
  }
  for (let k = 0; k < 8; k++) {
    if (k == bestStart) {
      bufText(buf, k == 0 ? '::' : ':');
      k += bestLen - 1;
      continue;
    }
    const v = (<u32>load<u8>(addr + <usize>(k << 1)) << 8) | <u32>load<u8>(addr + <usize>((k << 1) + 1));
    writeHex16(buf, v);
    if (k != 7) bufByte(buf, 0x3a);
  }
}

/** IPAddress::ToString for an address of the given family. */
export function writeIP(buf: ByteBuf, addr: usize, family: i32): void {
  if (family == 4) writeIPv4(buf, addr);
  else writeIPv6(buf, addr);
}

/** IPAddressPrefixCheck on 16-byte addresses: do the first `bits` bits agree? */
export function prefixMatches(a: usize, b: usize, bits: i32): bool {
  let i = 0;
  for (; bits >= 8; bits -= 8, i++) {
    if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  }
  if (bits == 0) return true;
  const mask = <u32>(0xff00 >> bits) & 0xff;
  return ((<u32>load<u8>(a + <usize>i) ^ <u32>load<u8>(b + <usize>i)) & mask) == 0;
}
