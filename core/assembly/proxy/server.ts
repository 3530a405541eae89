// Proxy servers and chains: ProxyUriToProxyChain, ProxyUriToProxyServer and
// PacResultElementToProxyChain (net/base/proxy_string_util.cc), ProxyServer::FromSchemeHostAndPort
// (net/base/proxy_server.cc) and their string forms. A chain is an i32: CHAIN_DIRECT, or the index
// of a server record in a ServerTable. Release Electron has neither QUIC proxies nor bracketed
// multi-proxy chains, so both parse as invalid here.

import {
  ByteBuf, bufNew, bufFree, bufByte, bufBytes, bufI32, bufText, bufDecimal, bufReserve,
  equalsIgnoreCase, findByte, findSchemeSeparator, isLws, lowerAscii, rangeEnd, rangeStart,
  splitHostPort, splitPort, trimLws, trimWs,
} from './bytes';
import { endsInNumber, parseIPv4, parseIPv6, storeMappedIPv4, writeIPv4, writeIPv6 } from './ip';

/** ProxyServer::Scheme (DIRECT stands for the direct chain). */
export const SCHEME_INVALID: i32 = 0;
export const SCHEME_DIRECT: i32 = 1;
export const SCHEME_HTTP: i32 = 2;
export const SCHEME_SOCKS4: i32 = 3;
export const SCHEME_SOCKS5: i32 = 4;
export const SCHEME_HTTPS: i32 = 5;
export const SCHEME_QUIC: i32 = 6;

/** Chain codes that are not server indices. */
export const CHAIN_DIRECT: i32 = -1;
export const CHAIN_INVALID: i32 = -2;

const RECORD_SIZE: i32 = 16;

// @ts-ignore: decorator
@lazy const ipScratch: usize = memory.data(16);

/** Server records (scheme, port, host offset, host length) and the host bytes they point into. */
@unmanaged
export class ServerTable {
  records: ByteBuf = changetype<ByteBuf>(0);
  hosts: ByteBuf = changetype<ByteBuf>(0);
  count: i32 = 0;
}

/** A new empty server table. */
export function tableNew(): ServerTable {
  const table = changetype<ServerTable>(heap.alloc(offsetof<ServerTable>()));
  table.records = bufNew(64);
  table.hosts = bufNew(64);
  table.count = 0;
  return table;
}

/** Frees the table and its buffers. */
export function tableFree(table: ServerTable): void {
  bufFree(table.records);
  bufFree(table.hosts);
  heap.free(changetype<usize>(table));
}

/** Empties the table, keeping its memory for reuse. */
export function tableClear(table: ServerTable): void {
  table.records.len = 0;
  table.hosts.len = 0;
  table.count = 0;
}

@inline
function record(table: ServerTable, index: i32): usize {
  return table.records.ptr + <usize>(index * RECORD_SIZE);
}

/** Scheme code of server `index`. */
export function serverScheme(table: ServerTable, index: i32): i32 {
  return load<i32>(record(table, index));
}

/** Port of server `index` (explicit or the scheme default). */
export function serverPort(table: ServerTable, index: i32): i32 {
  return load<i32>(record(table, index), 4);
}

/** ProxyServer::GetDefaultPortForScheme (net/base/proxy_server.cc). */
function defaultPort(scheme: i32): i32 {
  if (scheme == SCHEME_HTTP) return 80;
  if (scheme == SCHEME_SOCKS4 || scheme == SCHEME_SOCKS5) return 1080;
  return 443;
}

/** GetSchemeFromUriScheme: "socks" means SOCKS5 here (unlike the `socks=` key and PAC "SOCKS"). */
function schemeFromUriScheme(base: usize, start: i32, end: i32): i32 {
  if (equalsIgnoreCase(base, start, end, 'http')) return SCHEME_HTTP;
  if (equalsIgnoreCase(base, start, end, 'socks4')) return SCHEME_SOCKS4;
  if (equalsIgnoreCase(base, start, end, 'socks')) return SCHEME_SOCKS5;
  if (equalsIgnoreCase(base, start, end, 'socks5')) return SCHEME_SOCKS5;
  if (equalsIgnoreCase(base, start, end, 'https')) return SCHEME_HTTPS;
  return SCHEME_INVALID;
}

/** GetSchemeFromPacTypeInternal: "SOCKS" is SOCKS4; current sources have no "QUIC". */
function schemeFromPacType(base: usize, start: i32, end: i32): i32 {
  if (equalsIgnoreCase(base, start, end, 'proxy')) return SCHEME_HTTP;
  if (equalsIgnoreCase(base, start, end, 'socks')) return SCHEME_SOCKS4;
  if (equalsIgnoreCase(base, start, end, 'socks4')) return SCHEME_SOCKS4;
  if (equalsIgnoreCase(base, start, end, 'socks5')) return SCHEME_SOCKS5;
  if (equalsIgnoreCase(base, start, end, 'https')) return SCHEME_HTTPS;
  if (equalsIgnoreCase(base, start, end, 'direct')) return SCHEME_DIRECT;
  return SCHEME_INVALID;
}

/** WHATWG forbidden domain code points (what url::CanonicalizeHost rejects in an ASCII host). */
function isForbiddenDomainByte(c: u32): bool {
  if (c <= 0x20 || c == 0x7f || c >= 0x80) return true;
  return c == 0x23 || c == 0x25 || c == 0x2f || c == 0x3a || c == 0x3c || c == 0x3e || c == 0x3f || c == 0x40 ||
    c == 0x5b || c == 0x5c || c == 0x5d || c == 0x5e || c == 0x7c;
}

/**
 * url::CanonicalizeHost for an ASCII host, as FromSchemeHostAndPort uses it: appends the canonical
 * host to `out` (IPv6 without brackets) or returns false. Non-ASCII never gets here: the host
 * converts IDN labels to punycode before calling in.
 */
export function canonicalizeHost(base: usize, start: i32, end: i32, out: ByteBuf): bool {
  trimWs(base, start, end);
  start = rangeStart;
  end = rangeEnd;
  if (start >= end) return false;
  const first = <u32>load<u8>(base + <usize>start);
  if (first == 0x5b) {
    if (end - start < 2 || load<u8>(base + <usize>(end - 1)) != 0x5d) return false;
    if (!parseIPv6(base, start + 1, end - 1, ipScratch)) return false;
    writeIPv6(out, ipScratch);
    return true;
  }
  // FromSchemeHostAndPort brackets an unbracketed host with a ':' before canonicalising it.
  if (findByte(base, start, end, 0x3a) >= 0) {
    if (!parseIPv6(base, start, end, ipScratch)) return false;
    writeIPv6(out, ipScratch);
    return true;
  }
  for (let i = start; i < end; i++) {
    if (isForbiddenDomainByte(load<u8>(base + <usize>i))) return false;
  }
  if (endsInNumber(base, start, end)) {
    const v4 = parseIPv4(base, start, end);
    if (v4 < 0) return false;
    storeMappedIPv4(ipScratch, <u32>v4);
    writeIPv4(out, ipScratch);
    return true;
  }
  bufReserve(out, end - start);
  for (let i = start; i < end; i++) bufByte(out, lowerAscii(load<u8>(base + <usize>i)));
  return true;
}

/**
 * ProxySchemeHostAndPortToProxyServer: url::ParseAuthority, then no userinfo, a host, and a port
 * that is absent or valid ("foo:" is rejected). Appends a record and returns its index, or
 * CHAIN_INVALID.
 */
export function schemeHostAndPort(table: ServerTable, scheme: i32, base: usize, start: i32, end: i32): i32 {
  trimLws(base, start, end);
  start = rangeStart;
  end = rangeEnd;
  if (scheme == SCHEME_INVALID || scheme == SCHEME_DIRECT) return CHAIN_INVALID;
  if (!splitHostPort(base, start, end)) return CHAIN_INVALID;
  const hostEnd = rangeEnd;
  const port = splitPort;
  const hosts = table.hosts;
  const hostOffset = hosts.len;
  if (!canonicalizeHost(base, start, hostEnd, hosts)) {
    hosts.len = hostOffset;
    return CHAIN_INVALID;
  }
  const records = table.records;
  bufI32(records, scheme);
  bufI32(records, port >= 0 ? port : defaultPort(scheme));
  bufI32(records, hostOffset);
  bufI32(records, hosts.len - hostOffset);
  return table.count++;
}

/** ProxyUriToProxyServer: an optional "<scheme>://" prefix (found at the first ':'), then host[:port]. */
export function proxyUriToServer(table: ServerTable, base: usize, start: i32, end: i32, defaultScheme: i32): i32 {
  trimLws(base, start, end);
  start = rangeStart;
  end = rangeEnd;
  let scheme = defaultScheme;
  const colon = findByte(base, start, end, 0x3a);
  if (colon >= 0 && end - colon >= 3 && load<u8>(base + <usize>(colon + 1)) == 0x2f && load<u8>(base + <usize>(colon + 2)) == 0x2f) {
    scheme = schemeFromUriScheme(base, start, colon);
    start = colon + 3;
  }
  return schemeHostAndPort(table, scheme, base, start, end);
}

/** ProxyUriToProxyChain: "direct://" (nothing after it) is DIRECT, anything else one server. */
export function proxyUriToChain(table: ServerTable, base: usize, start: i32, end: i32, defaultScheme: i32): i32 {
  trimLws(base, start, end);
  start = rangeStart;
  end = rangeEnd;
  const separator = findSchemeSeparator(base, start, end);
  if (separator >= 0 && equalsIgnoreCase(base, start, separator, 'direct')) {
    return separator + 3 == end ? CHAIN_DIRECT : CHAIN_INVALID;
  }
  return proxyUriToServer(table, base, start, end, defaultScheme);
}

/** PacResultElementToProxyChain: "DIRECT", or "<type> <host>[:<port>]" with a PAC type keyword. */
export function pacElementToChain(table: ServerTable, base: usize, start: i32, end: i32): i32 {
  trimLws(base, start, end);
  start = rangeStart;
  end = rangeEnd;
  let space = start;
  while (space < end && !isLws(load<u8>(base + <usize>space))) space++;
  const scheme = schemeFromPacType(base, start, space);
  if (scheme == SCHEME_DIRECT) return space == end ? CHAIN_DIRECT : CHAIN_INVALID;
  return schemeHostAndPort(table, scheme, base, space, end);
}

/** HostPortPair::ToString: IPv6 hosts get their brackets back. */
function writeHostPort(table: ServerTable, index: i32, out: ByteBuf): void {
  const at = record(table, index);
  const hostPtr = table.hosts.ptr + <usize>load<i32>(at, 8);
  const hostLen = load<i32>(at, 12);
  const ipv6 = findByte(hostPtr, 0, hostLen, 0x3a) >= 0;
  if (ipv6) bufByte(out, 0x5b);
  bufBytes(out, hostPtr, hostLen);
  if (ipv6) bufByte(out, 0x5d);
  bufByte(out, 0x3a);
  bufDecimal(out, <u32>load<i32>(at, 4));
}

/** ProxyServerToPacResultElement, or "DIRECT" for the direct chain. */
export function writePacElement(table: ServerTable, chain: i32, out: ByteBuf): void {
  if (chain == CHAIN_DIRECT) {
    bufText(out, 'DIRECT');
    return;
  }
  const scheme = serverScheme(table, chain);
  if (scheme == SCHEME_HTTP) bufText(out, 'PROXY ');
  else if (scheme == SCHEME_SOCKS4) bufText(out, 'SOCKS ');
  else if (scheme == SCHEME_SOCKS5) bufText(out, 'SOCKS5 ');
  else if (scheme == SCHEME_HTTPS) bufText(out, 'HTTPS ');
  else bufText(out, 'QUIC ');
  writeHostPort(table, chain, out);
}

/** ProxyServerToProxyUri (HTTP has no scheme prefix), or "direct://" for the direct chain. */
export function writeProxyUri(table: ServerTable, chain: i32, out: ByteBuf): void {
  if (chain == CHAIN_DIRECT) {
    bufText(out, 'direct://');
    return;
  }
  const scheme = serverScheme(table, chain);
  if (scheme == SCHEME_SOCKS4) bufText(out, 'socks4://');
  else if (scheme == SCHEME_SOCKS5) bufText(out, 'socks5://');
  else if (scheme == SCHEME_HTTPS) bufText(out, 'https://');
  else if (scheme == SCHEME_QUIC) bufText(out, 'quic://');
  writeHostPort(table, chain, out);
}

/** Appends the host bytes (no brackets) of a server record. */
export function writeServerHost(table: ServerTable, index: i32, out: ByteBuf): void {
  const at = record(table, index);
  bufBytes(out, table.hosts.ptr + <usize>load<i32>(at, 8), load<i32>(at, 12));
}

/** ProxyList::ToPacString of a list of chains ("" for an empty list). */
export function writePacList(table: ServerTable, list: ByteBuf, out: ByteBuf): void {
  const n = list.len >> 2;
  for (let k = 0; k < n; k++) {
    if (k > 0) bufByte(out, 0x3b);
    writePacElement(table, load<i32>(list.ptr + (<usize>k << 2)), out);
  }
}
