// ProxyConfig::ProxyRules (net/proxy_resolution/proxy_config.cc): ParseFromString builds up to five
// lists of chains, Apply picks the list for a URL. Tokenize never yields empty tokens, and the
// first scheme-less ';' entry decides the type and ends parsing.

import { ByteBuf, bufNew, bufFree, bufI32, equalsLiteral, nextToken, rangeEnd, rangeStart, trimWs } from './bytes';
import {
  CHAIN_INVALID, SCHEME_HTTP, SCHEME_SOCKS4, ServerTable, proxyUriToChain, tableFree, tableNew,
} from './server';

/** ProxyRules::Type. */
export const TYPE_EMPTY: i32 = 0;
export const TYPE_PROXY_LIST: i32 = 1;
export const TYPE_PER_SCHEME: i32 = 2;

/** The five lists, also Apply's answers. */
export const LIST_SINGLE: i32 = 0;
export const LIST_HTTP: i32 = 1;
export const LIST_HTTPS: i32 = 2;
export const LIST_FTP: i32 = 3;
export const LIST_FALLBACK: i32 = 4;
/** Apply's answer when the result is DIRECT (empty rules, bypassed, or no list for the scheme). */
export const APPLY_DIRECT: i32 = 5;

/** Parsed proxy rules: the type, one server table and five lists of chain codes. */
@unmanaged
export class ProxyRules {
  type: i32 = 0;
  servers: ServerTable = changetype<ServerTable>(0);
  single: ByteBuf = changetype<ByteBuf>(0);
  http: ByteBuf = changetype<ByteBuf>(0);
  https: ByteBuf = changetype<ByteBuf>(0);
  ftp: ByteBuf = changetype<ByteBuf>(0);
  fallback: ByteBuf = changetype<ByteBuf>(0);
}

/** The list with the given number. */
export function rulesList(rules: ProxyRules, list: i32): ByteBuf {
  if (list == LIST_SINGLE) return rules.single;
  if (list == LIST_HTTP) return rules.http;
  if (list == LIST_HTTPS) return rules.https;
  if (list == LIST_FTP) return rules.ftp;
  return rules.fallback;
}

/** Frees the rules and everything they own. */
export function rulesFree(rules: ProxyRules): void {
  tableFree(rules.servers);
  bufFree(rules.single);
  bufFree(rules.http);
  bufFree(rules.https);
  bufFree(rules.ftp);
  bufFree(rules.fallback);
  heap.free(changetype<usize>(rules));
}

/** AddProxyURIListToProxyList: ','-separated URIs; invalid ones are dropped silently. */
function addUriList(rules: ProxyRules, list: ByteBuf, base: usize, start: i32, end: i32, defaultScheme: i32): void {
  let i = start;
  while (nextToken(base, i, end, 0x2c)) {
    const j = rangeEnd;
    const chain = proxyUriToChain(rules.servers, base, rangeStart, j, defaultScheme);
    if (chain != CHAIN_INVALID) bufI32(list, chain);
    i = j;
  }
}

// '='-separated parts of one ';' entry: [start, end) pairs.
let parts: usize = 0;
let partsCapacity: i32 = 0;

function splitParts(base: usize, start: i32, end: i32): i32 {
  let count = 0;
  let i = start;
  while (nextToken(base, i, end, 0x3d)) {
    const j = rangeEnd;
    if (count == partsCapacity) {
      partsCapacity = partsCapacity == 0 ? 16 : partsCapacity << 1;
      parts = parts == 0 ? heap.alloc(<usize>partsCapacity << 3) : heap.realloc(parts, <usize>partsCapacity << 3);
    }
    store<i32>(parts + (<usize>count << 3), rangeStart);
    store<i32>(parts + (<usize>count << 3), j, 4);
    count++;
    i = j;
  }
  return count;
}

/** ProxyRules::ParseFromString (ENABLE_BRACKETED_PROXY_URIS and QUIC off, as in release Electron). */
export function parseProxyRules(base: usize, len: i32): ProxyRules {
  const rules = changetype<ProxyRules>(heap.alloc(offsetof<ProxyRules>()));
  rules.type = TYPE_EMPTY;
  rules.servers = tableNew();
  rules.single = bufNew(16);
  rules.http = bufNew(16);
  rules.https = bufNew(16);
  rules.ftp = bufNew(16);
  rules.fallback = bufNew(16);
  let i = 0;
  while (nextToken(base, i, len, 0x3b)) {
    const j = rangeEnd;
    const count = splitParts(base, rangeStart, j);
    let k = 0;
    while (k < count) {
      const keyStart = load<i32>(parts + (<usize>k << 3));
      const keyEnd = load<i32>(parts + (<usize>k << 3), 4);
      k++;
      if (k == count) {
        // A value-less entry: ignored after a per-scheme entry, otherwise it is the whole config.
        if (rules.type == TYPE_PER_SCHEME) break;
        addUriList(rules, rules.single, base, keyStart, keyEnd, SCHEME_HTTP);
        rules.type = TYPE_PROXY_LIST;
        return rules;
      }
      const valueStart = load<i32>(parts + (<usize>k << 3));
      const valueEnd = load<i32>(parts + (<usize>k << 3), 4);
      k++;
      trimWs(base, keyStart, keyEnd);
      const ks = rangeStart;
      const ke = rangeEnd;
      rules.type = TYPE_PER_SCHEME;
      // Keys are compared case-sensitively: "HTTP=" is an unknown key.
      if (equalsLiteral(base, ks, ke, 'http')) addUriList(rules, rules.http, base, valueStart, valueEnd, SCHEME_HTTP);
      else if (equalsLiteral(base, ks, ke, 'https')) addUriList(rules, rules.https, base, valueStart, valueEnd, SCHEME_HTTP);
      else if (equalsLiteral(base, ks, ke, 'ftp')) addUriList(rules, rules.ftp, base, valueStart, valueEnd, SCHEME_HTTP);
      else if (equalsLiteral(base, ks, ke, 'socks')) addUriList(rules, rules.fallback, base, valueStart, valueEnd, SCHEME_SOCKS4);
    }
    i = j;
  }
  return rules;
}

@inline
function nonEmpty(list: ByteBuf): bool {
  return list.len != 0;
}

/**
 * The list part of ProxyRules::Apply, after the bypass check: MapUrlSchemeToProxyList with the
 * WebSocket order (socks=, then https=, then http=; RFC 6455 section 4.1) and the socks= fallback.
 * The URL scheme is compared as bytes at `scheme`.
 */
export function chooseList(rules: ProxyRules, scheme: usize, schemeLen: i32): i32 {
  if (rules.type == TYPE_EMPTY) return APPLY_DIRECT;
  if (rules.type == TYPE_PROXY_LIST) return LIST_SINGLE;
  if (equalsLiteral(scheme, 0, schemeLen, 'http') && nonEmpty(rules.http)) return LIST_HTTP;
  if (equalsLiteral(scheme, 0, schemeLen, 'https') && nonEmpty(rules.https)) return LIST_HTTPS;
  if (equalsLiteral(scheme, 0, schemeLen, 'ftp') && nonEmpty(rules.ftp)) return LIST_FTP;
  if (equalsLiteral(scheme, 0, schemeLen, 'ws') || equalsLiteral(scheme, 0, schemeLen, 'wss')) {
    if (nonEmpty(rules.fallback)) return LIST_FALLBACK;
    if (nonEmpty(rules.https)) return LIST_HTTPS;
    if (nonEmpty(rules.http)) return LIST_HTTP;
    return APPLY_DIRECT;
  }
  if (nonEmpty(rules.fallback)) return LIST_FALLBACK;
  return APPLY_DIRECT;
}
