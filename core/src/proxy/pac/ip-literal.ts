/** An IPv4 (4 bytes) or IPv6 (16 bytes) address in network byte order. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

// Chromium's IPv4 parser (url/url_canon_ip.cc) only knows digits, hex digits, the `0x` prefix and
// dots; anything else means "not an IP". Filtering first also keeps the WHATWG parser from doing
// things Chromium's raw-string parse would not: trimming spaces ("127.0.0.1 " is not an IP),
// dropping tabs, percent-decoding, or splitting at `/`, `?`, `#`, `@`.
const IPV4_CANDIDATE = /^[0-9a-fA-FxX.]+$/;
const IPV6_CANDIDATE = /^[0-9a-fA-F:.]+$/;
const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Parse an IP literal the way Chromium's `IPAddress::AssignFromIPLiteral` does
 * (net/base/ip_address.cc): text containing `:` is an unbracketed IPv6 literal, anything else goes
 * through the URL IPv4 parser (`127.1`, `0x7f.0.0.1`, `3232235777` are IPv4). Returns null when the
 * text is not an IP literal.
 * @example parseIpLiteral('127.1') // { family: 4, bytes: [127, 0, 0, 1] }
 */
export function parseIpLiteral(text: string): IpAddress | null {
  if (text.includes(':')) {
    if (!IPV6_CANDIDATE.test(text)) return null;
    const hostname = canonicalHostname(`[${text}]`);
    return hostname === null ? null : ipv6FromCanonical(hostname.slice(1, -1));
  }
  if (!IPV4_CANDIDATE.test(text)) return null;
  const hostname = canonicalHostname(text);
  const quad = hostname === null ? null : DOTTED_QUAD.exec(hostname);
  if (!quad) return null;
  return { family: 4, bytes: Uint8Array.from(quad.slice(1, 5), Number) };
}

// Dotted decimal as formatIpAddress prints it: four numbers 0-255 without leading zeros.
const CANONICAL_IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * True when `text` is an IPv4 literal already in canonical form, so that
 * `formatIpAddress(parseIpLiteral(text)!) === text`: a check without the parse's allocations
 * for the common case of a URL host that is a plain IPv4 address.
 */
export function isCanonicalIpv4(text: string): boolean {
  return CANONICAL_IPV4.test(text);
}

/** True when `text` is an IP literal in the sense of {@link parseIpLiteral}. */
export function isIpLiteral(text: string): boolean {
  return parseIpLiteral(text) !== null;
}

/**
 * `IPAddress::ToString`: dotted decimal, or RFC 5952 IPv6 (lower case, longest zero run of two or
 * more groups compressed, no dotted tail).
 */
export function formatIpAddress(address: IpAddress): string {
  const { bytes } = address;
  if (address.family === 4) return Array.from(bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) { bestStart = i; bestLength = end - i; }
    i = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** `IPAddress::IsLoopback`: 127.0.0.0/8 or exactly ::1. */
export function isLoopbackAddress(address: IpAddress): boolean {
  const { bytes } = address;
  if (address.family === 4) return bytes[0] === 127;
  return bytes.every((byte, i) => byte === (i === 15 ? 1 : 0));
}

/** `IPAddress::IsLinkLocal`: 169.254.0.0/16, its IPv4-mapped form, or fe80::/10. */
export function isLinkLocalAddress(address: IpAddress): boolean {
  const { bytes } = address;
  if (address.family === 4) return bytes[0] === 169 && bytes[1] === 254;
  if (isIpv4Mapped(bytes)) return bytes[12] === 169 && bytes[13] === 254;
  return bytes[0] === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80;
}

/** A CIDR block: address plus prefix length in bits. */
export interface CidrBlock {
  readonly address: IpAddress;
  readonly prefixLength: number;
}

/**
 * `ParseCIDRBlock` (net/base/ip_address.cc): exactly one `/`, both halves whitespace-trimmed, an
 * unbracketed IP literal and a decimal prefix no longer than the address.
 * @example parseCidrBlock('198.95.3.3/16') // { address: 198.95.3.3, prefixLength: 16 }
 */
export function parseCidrBlock(text: string): CidrBlock | null {
  const parts = text.split('/');
  if (parts.length !== 2) return null;
  const address = parseIpLiteral(trimAsciiWhitespace(parts[0] ?? ''));
  const bits = trimAsciiWhitespace(parts[1] ?? '');
  if (address === null || !/^\d+$/.test(bits)) return null;
  const prefixLength = Number(bits);
  if (prefixLength > address.bytes.length * 8) return null;
  return { address, prefixLength };
}

/**
 * `IPAddressMatchesPrefix` (net/base/ip_address.cc): compares the first `prefixLength` bits; when
 * the families differ the IPv4 side is converted to its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`),
 * which for an IPv4 prefix adds 96 to the prefix length.
 */
export function ipAddressMatchesPrefix(address: IpAddress, prefix: IpAddress, prefixLength: number): boolean {
  if (address.family !== prefix.family) {
    if (address.family === 4) return ipAddressMatchesPrefix(toIpv4Mapped(address), prefix, prefixLength);
    return ipAddressMatchesPrefix(address, toIpv4Mapped(prefix), prefixLength + 96);
  }
  const fullBytes = Math.floor(prefixLength / 8);
  for (let i = 0; i < fullBytes; i++) {
    if (address.bytes[i] !== prefix.bytes[i]) return false;
  }
  const remainingBits = prefixLength % 8;
  if (remainingBits === 0) return true;
  const mask = (0xff << (8 - remainingBits)) & 0xff;
  return ((address.bytes[fullBytes] ?? 0) & mask) === ((prefix.bytes[fullBytes] ?? 0) & mask);
}

/** Order used by `sortIpAddressList`: IPv6 before IPv4, then ascending by bytes. */
export function compareIpAddresses(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family === 6 ? -1 : 1;
  for (let i = 0; i < a.bytes.length; i++) {
    const difference = (a.bytes[i] ?? 0) - (b.bytes[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function canonicalHostname(host: string): string | null {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return null;
  }
}

// Input is the WHATWG serialisation, so it is lower-case hex groups with at most one `::`.
function ipv6FromCanonical(text: string): IpAddress | null {
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = 8 - headGroups.length - tailGroups.length;
  if (zeros < 0 || (tail === undefined && zeros !== 0)) return null;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return { family: 6, bytes };
}

function isIpv4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function toIpv4Mapped(address: IpAddress): IpAddress {
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes.set(address.bytes, 12);
  return { family: 6, bytes };
}

// base::TrimWhitespaceASCII: space, \t, \n, \v, \f, \r.
function trimAsciiWhitespace(text: string): string {
  return text.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}
