// Proxy bypass rules: ProxyBypassRules::ParseFromString / Matches
// (net/proxy_resolution/proxy_bypass_rules.cc), the rule kinds of
// net/base/scheme_host_port_matcher_rule.cc and the implicit localhost / link-local rules.
//
// Chromium scans the rules in reverse and the last matching rule wins. Here the rules are indexed
// instead, and the winner is the highest-index rule that does not answer NoMatch:
//   * literal host patterns and IP-host rules sit in an exact hash table,
//   * "*<literal>" patterns (".suffix" becomes "*.suffix") sit in an ends-with table, probed at
//     the host suffixes whose length some key has and whose first byte could start that key (a
//     '.' key is only tried at a '.'), with one incremental hash step per host byte,
//   * <local> and <-loopback> only need their highest index,
//   * everything else (real globs, CIDR blocks) is scanned in descending index order, and only
//     above the best index found so far.
// Rules that share a key are chained from the highest index down, because the port and scheme
// still have to be checked per rule.

import {
  ByteBuf, bufNew, bufFree, bufByte, bufBytes, bufBytesLower, bufText, bufDecimal, bufI32, bufReserve,
  bytesEqual, equalsIgnoreCase, findByte, findLastByte, findSchemeSeparator, hashReversed, hashSeed,
  hashStep, parseNonNegativeInt, rangeEnd, rangeStart, splitHostPort, splitPort, trimWs,
} from './bytes';
import { isMappedIPv4, parseIPLiteral, parseIPv6, prefixMatches, writeIP } from './ip';
import { matchPattern } from './pattern';

const RULE_HOSTNAME: i32 = 1;
const RULE_IP_HOST: i32 = 2;
const RULE_IP_BLOCK: i32 = 3;
const RULE_LOCAL: i32 = 4;
const RULE_LOOPBACK: i32 = 5;

const SHAPE_EXACT: i32 = 1;
const SHAPE_ENDS_WITH: i32 = 2;
const SHAPE_GLOB: i32 = 3;

const MAX_INDEXED_SUFFIX: i32 = 255;
const GOLDEN: u32 = 0x9e3779b1;

/** Parse option: Chromium's ParseFormat::kHostnameSuffixMatching (Linux no_proxy). */
export const PARSE_SUFFIX_MATCHING: i32 = 1;

/** Match flags. */
export const MATCH_REVERSE: i32 = 1;
/** The host is raw text from an unparseable URL: GURL's HostIsIPAddress() is false for it. */
export const MATCH_RAW_HOST: i32 = 2;

/** One parsed rule; all text lives in the set's pool, addressed by offset. */
@unmanaged
class Rule {
  kind: i32 = 0;
  shape: i32 = 0;
  /** -1: any port. */
  port: i32 = 0;
  schemeOffset: i32 = 0;
  schemeLength: i32 = 0;
  /** Hostname pattern, canonical IP text (IPv6 in brackets) or the CIDR rule's raw description. */
  textOffset: i32 = 0;
  textLength: i32 = 0;
  /** The literal an indexed rule is hashed under. */
  keyOffset: i32 = 0;
  keyLength: i32 = 0;
  /** Next lower-index rule with the same key, or -1. */
  next: i32 = 0;
  /** CIDR prefix length over the 16-byte (IPv4-mapped) form. */
  prefixBits: i32 = 0;
  /** CIDR prefix address, 16 bytes. */
  ipOffset: i32 = 0;
}

// @ts-ignore: decorator
@lazy const RULE_SIZE: i32 = <i32>offsetof<Rule>();

/** A compiled rule list. */
@unmanaged
export class RuleSet {
  rules: ByteBuf = changetype<ByteBuf>(0);
  count: i32 = 0;
  pool: ByteBuf = changetype<ByteBuf>(0);
  exactSlots: usize = 0;
  exactShift: i32 = 0;
  exactCount: i32 = 0;
  endsSlots: usize = 0;
  endsShift: i32 = 0;
  endsCount: i32 = 0;
  maxEndsLength: i32 = 0;
  /** Bitmaps of ends-with key lengths 0..255: 32 bytes for keys starting with '.', 32 for the rest. */
  endsLengths: usize = 0;
  /** Rule indices that are scanned, highest first. */
  linear: usize = 0;
  linearCount: i32 = 0;
  localIndex: i32 = -1;
  loopbackIndex: i32 = -1;
}

@inline
function ruleAt(set: RuleSet, index: i32): Rule {
  return changetype<Rule>(set.rules.ptr + <usize>(index * RULE_SIZE));
}

// @ts-ignore: decorator
@lazy const ipScratch: usize = memory.data(16);
// @ts-ignore: decorator
@lazy const urlIp: usize = memory.data(16);

function newRule(set: RuleSet, kind: i32): Rule {
  bufReserve(set.rules, RULE_SIZE);
  const rule = changetype<Rule>(set.rules.ptr + <usize>set.rules.len);
  memory.fill(changetype<usize>(rule), 0, <usize>RULE_SIZE);
  set.rules.len += RULE_SIZE;
  set.count++;
  rule.kind = kind;
  rule.port = -1;
  rule.next = -1;
  return rule;
}

function dropLastRule(set: RuleSet): void {
  set.rules.len -= RULE_SIZE;
  set.count--;
}

// Host/port split results of parseHostAndPort.
let hostStart: i32 = 0;
let hostEnd: i32 = 0;
let hostPort: i32 = -1;

/**
 * ParseHostAndPort (net/base/url_util.cc): no userinfo, a non-empty host, a valid port if any
 * ("foo:" fails), and a bracketed host must be a valid IPv6 literal (brackets stripped).
 */
function parseHostAndPort(base: usize, start: i32, end: i32): bool {
  if (!splitHostPort(base, start, end)) return false;
  let hStart = rangeStart;
  let hEnd = rangeEnd;
  if (load<u8>(base + <usize>hStart) == 0x5b) {
    if (hEnd - hStart < 2 || load<u8>(base + <usize>(hEnd - 1)) != 0x5d) return false;
    if (!parseIPv6(base, hStart + 1, hEnd - 1, ipScratch)) return false;
    hStart++;
    hEnd--;
  }
  hostStart = hStart;
  hostEnd = hEnd;
  hostPort = splitPort;
  return true;
}

/** ParseCIDRBlock (net/base/ip_address.cc) into the rule; false if the text is not a CIDR block. */
function parseCidr(set: RuleSet, rule: Rule, base: usize, start: i32, end: i32): bool {
  const slash = findByte(base, start, end, 0x2f);
  if (findByte(base, slash + 1, end, 0x2f) >= 0) return false;
  trimWs(base, start, slash);
  const family = parseIPLiteral(base, rangeStart, rangeEnd, ipScratch);
  if (family == 0) return false;
  trimWs(base, slash + 1, end);
  const bits = parseNonNegativeInt(base, rangeStart, rangeEnd);
  if (bits < 0 || bits > (family == 4 ? 32 : 128)) return false;
  rule.prefixBits = <i32>bits + (family == 4 ? 96 : 0);
  rule.ipOffset = set.pool.len;
  bufBytes(set.pool, ipScratch, 16);
  return true;
}

function setScheme(set: RuleSet, rule: Rule, base: usize, start: i32, end: i32, lower: bool): void {
  rule.schemeOffset = set.pool.len;
  rule.schemeLength = end - start;
  if (lower) bufBytesLower(set.pool, base + <usize>start, end - start);
  else bufBytes(set.pool, base + <usize>start, end - start);
}

/**
 * ParseRule + SchemeHostPortMatcherRule::FromUntrimmedRawString for one token. Appends a rule, or
 * nothing when Chromium rejects the token.
 */
function parseRule(set: RuleSet, base: usize, start: i32, end: i32, options: i32): void {
  trimWs(base, start, end);
  start = rangeStart;
  end = rangeEnd;
  if (equalsIgnoreCase(base, start, end, '<local>')) {
    newRule(set, RULE_LOCAL);
    return;
  }
  if (equalsIgnoreCase(base, start, end, '<-loopback>')) {
    newRule(set, RULE_LOOPBACK);
    return;
  }
  let schemeStart = start;
  let schemeEnd = start;
  const separator = findSchemeSeparator(base, start, end);
  if (separator >= 0) {
    schemeEnd = separator;
    if (schemeEnd == schemeStart) return;
    start = separator + 3;
  }
  if (start == end) return;

  if (findByte(base, start, end, 0x2f) >= 0) {
    // A CIDR block keeps its scheme as written (not lower-cased) and its text as the description.
    const rule = newRule(set, RULE_IP_BLOCK);
    if (!parseCidr(set, rule, base, start, end)) {
      dropLastRule(set);
      return;
    }
    setScheme(set, rule, base, schemeStart, schemeEnd, false);
    rule.textOffset = set.pool.len;
    rule.textLength = end - start;
    bufBytes(set.pool, base + <usize>start, end - start);
    return;
  }

  if (parseHostAndPort(base, start, end)) {
    const family = parseIPLiteral(base, hostStart, hostEnd, ipScratch);
    if (family != 0) {
      const rule = newRule(set, RULE_IP_HOST);
      setScheme(set, rule, base, schemeStart, schemeEnd, true);
      // IPEndPoint port 0 means "any port" and is not printed.
      rule.port = hostPort > 0 ? hostPort : -1;
      rule.textOffset = set.pool.len;
      if (family == 6) bufByte(set.pool, 0x5b);
      writeIP(set.pool, ipScratch, family);
      if (family == 6) bufByte(set.pool, 0x5d);
      rule.textLength = set.pool.len - rule.textOffset;
      rule.shape = SHAPE_EXACT;
      rule.keyOffset = rule.textOffset;
      rule.keyLength = rule.textLength;
      return;
    }
  }

  let port: i32 = -1;
  const colon = findLastByte(base, start, end, 0x3a);
  if (colon >= 0) {
    const value = parseNonNegativeInt(base, colon + 1, end);
    if (value < 0 || value > 65535) return;
    port = <i32>value;
    end = colon;
  }
  const rule = newRule(set, RULE_HOSTNAME);
  setScheme(set, rule, base, schemeStart, schemeEnd, true);
  rule.port = port;
  rule.textOffset = set.pool.len;
  const first = start < end ? <u32>load<u8>(base + <usize>start) : 0;
  // ".example.com" means "*.example.com"; suffix matching puts a '*' in front of every pattern.
  if (first == 0x2e || ((options & PARSE_SUFFIX_MATCHING) != 0 && first != 0x2a)) bufByte(set.pool, 0x2a);
  bufBytesLower(set.pool, base + <usize>start, end - start);
  rule.textLength = set.pool.len - rule.textOffset;
  classifyPattern(set, rule);
}

/** Literal patterns are exact keys, "*...*<literal>" ends-with keys, the rest real globs. */
function classifyPattern(set: RuleSet, rule: Rule): void {
  const p = set.pool.ptr + <usize>rule.textOffset;
  const n = rule.textLength;
  let stars = 0;
  while (stars < n && load<u8>(p + <usize>stars) == 0x2a) stars++;
  for (let i = stars; i < n; i++) {
    const c = load<u8>(p + <usize>i);
    if (c == 0x2a || c == 0x3f || c == 0x5c) {
      rule.shape = SHAPE_GLOB;
      return;
    }
  }
  rule.keyOffset = rule.textOffset + stars;
  rule.keyLength = n - stars;
  rule.shape = stars == 0 ? SHAPE_EXACT : SHAPE_ENDS_WITH;
  if (rule.shape == SHAPE_ENDS_WITH && rule.keyLength > MAX_INDEXED_SUFFIX) rule.shape = SHAPE_GLOB;
}

function newSet(): RuleSet {
  const set = changetype<RuleSet>(heap.alloc(offsetof<RuleSet>()));
  memory.fill(changetype<usize>(set), 0, offsetof<RuleSet>());
  set.rules = bufNew(RULE_SIZE * 4);
  set.pool = bufNew(64);
  set.localIndex = -1;
  set.loopbackIndex = -1;
  return set;
}

/** ProxyBypassRules::ParseFromString: ',' or ';' separated; rejected rules are dropped. */
export function parseBypassRules(base: usize, len: i32, options: i32): RuleSet {
  const set = newSet();
  let i = 0;
  while (i < len) {
    while (i < len && isRuleSeparator(load<u8>(base + <usize>i))) i++;
    if (i >= len) break;
    let j = i;
    while (j < len && !isRuleSeparator(load<u8>(base + <usize>j))) j++;
    parseRule(set, base, i, j, options);
    i = j;
  }
  buildIndex(set);
  return set;
}

/**
 * A one-rule set from a hostname pattern rule's parts, as its constructor takes them (no ".x" to
 * "*.x" rewrite); with suffix matching, GenerateSuffixMatchingRule's leading '*'.
 */
export function bypassFromHostnamePattern(base: usize, schemeLen: i32, patternLen: i32, port: i32, options: i32): RuleSet {
  const set = newSet();
  const rule = newRule(set, RULE_HOSTNAME);
  setScheme(set, rule, base, 0, schemeLen, true);
  rule.port = port;
  rule.textOffset = set.pool.len;
  const p = base + <usize>schemeLen;
  if ((options & PARSE_SUFFIX_MATCHING) != 0 && (patternLen == 0 || load<u8>(p) != 0x2a)) bufByte(set.pool, 0x2a);
  bufBytesLower(set.pool, p, patternLen);
  rule.textLength = set.pool.len - rule.textOffset;
  classifyPattern(set, rule);
  buildIndex(set);
  return set;
}

@inline
function isRuleSeparator(c: u32): bool {
  return c == 0x2c || c == 0x3b;
}

function tableShift(count: i32): i32 {
  let bits = 3;
  while ((1 << bits) < count * 2) bits++;
  return 32 - bits;
}

/** Finds the slot holding `key`, or the empty slot where it belongs. */
function findSlot(set: RuleSet, slots: usize, shift: i32, hash: u32, key: usize, keyLen: i32): usize {
  const mask = (<u32>1 << <u32>(32 - shift)) - 1;
  let index = (hash * GOLDEN) >>> <u32>shift;
  while (true) {
    const slot = slots + (<usize>index << 3);
    const head = load<i32>(slot, 4);
    if (head == 0) return slot;
    if (load<u32>(slot) == hash) {
      const rule = ruleAt(set, head - 1);
      if (rule.keyLength == keyLen && bytesEqual(set.pool.ptr + <usize>rule.keyOffset, key, keyLen)) return slot;
    }
    index = (index + 1) & mask;
  }
  return 0;
}

function insert(set: RuleSet, slots: usize, shift: i32, ruleIndex: i32): void {
  const rule = ruleAt(set, ruleIndex);
  const key = set.pool.ptr + <usize>rule.keyOffset;
  const hash = hashReversed(key, rule.keyLength);
  const slot = findSlot(set, slots, shift, hash, key, rule.keyLength);
  rule.next = load<i32>(slot, 4) - 1;
  store<u32>(slot, hash);
  store<i32>(slot, ruleIndex + 1, 4);
}

function buildIndex(set: RuleSet): void {
  let exact = 0;
  let ends = 0;
  let linear = 0;
  for (let i = 0; i < set.count; i++) {
    const rule = ruleAt(set, i);
    if (rule.kind == RULE_LOCAL) set.localIndex = i;
    else if (rule.kind == RULE_LOOPBACK) set.loopbackIndex = i;
    else if (rule.kind == RULE_IP_BLOCK || rule.shape == SHAPE_GLOB) linear++;
    else if (rule.shape == SHAPE_EXACT) exact++;
    else ends++;
  }
  set.exactCount = exact;
  set.endsCount = ends;
  set.linearCount = linear;
  if (exact > 0) {
    set.exactShift = tableShift(exact);
    const bytes = (<usize>1 << <usize>(32 - set.exactShift)) << 3;
    set.exactSlots = heap.alloc(bytes);
    memory.fill(set.exactSlots, 0, bytes);
  }
  if (ends > 0) {
    set.endsShift = tableShift(ends);
    const bytes = (<usize>1 << <usize>(32 - set.endsShift)) << 3;
    set.endsSlots = heap.alloc(bytes);
    memory.fill(set.endsSlots, 0, bytes);
  }
  set.endsLengths = heap.alloc(64);
  memory.fill(set.endsLengths, 0, 64);
  set.linear = heap.alloc(<usize>max(linear, 1) << 2);
  let l = 0;
  for (let i = set.count - 1; i >= 0; i--) {
    const rule = ruleAt(set, i);
    if (rule.kind == RULE_IP_BLOCK || rule.shape == SHAPE_GLOB) {
      store<i32>(set.linear + (<usize>l << 2), i);
      l++;
    }
  }
  for (let i = 0; i < set.count; i++) {
    const rule = ruleAt(set, i);
    if (rule.kind == RULE_LOCAL || rule.kind == RULE_LOOPBACK || rule.kind == RULE_IP_BLOCK) continue;
    if (rule.shape == SHAPE_EXACT) {
      insert(set, set.exactSlots, set.exactShift, i);
    } else if (rule.shape == SHAPE_ENDS_WITH) {
      insert(set, set.endsSlots, set.endsShift, i);
      const n = rule.keyLength;
      const dotKey = n > 0 && load<u8>(set.pool.ptr + <usize>rule.keyOffset) == 0x2e;
      const word = set.endsLengths + (dotKey ? 0 : 32) + (<usize>(n >> 5) << 2);
      store<u32>(word, load<u32>(word) | (<u32>1 << <u32>(n & 31)));
      if (n > set.maxEndsLength) set.maxEndsLength = n;
    }
  }
}

/** Frees the set and everything it owns. */
export function freeBypassRules(set: RuleSet): void {
  bufFree(set.rules);
  bufFree(set.pool);
  if (set.exactSlots) heap.free(set.exactSlots);
  if (set.endsSlots) heap.free(set.endsSlots);
  heap.free(set.endsLengths);
  heap.free(set.linear);
  heap.free(changetype<usize>(set));
}

/** Number of rules in the set. */
export function bypassRuleCount(set: RuleSet): i32 {
  return set.count;
}

/** The rule's ToString (scheme_host_port_matcher_rule.cc, proxy_bypass_rules.cc). */
export function writeRuleString(set: RuleSet, index: i32, out: ByteBuf): void {
  const rule = ruleAt(set, index);
  const pool = set.pool.ptr;
  if (rule.kind == RULE_LOCAL) {
    bufText(out, '<local>');
    return;
  }
  if (rule.kind == RULE_LOOPBACK) {
    bufText(out, '<-loopback>');
    return;
  }
  // An IP block prints only its description: its scheme is lost on a round trip (see §4.8).
  if (rule.kind != RULE_IP_BLOCK && rule.schemeLength > 0) {
    bufBytes(out, pool + <usize>rule.schemeOffset, rule.schemeLength);
    bufText(out, '://');
  }
  bufBytes(out, pool + <usize>rule.textOffset, rule.textLength);
  if (rule.kind != RULE_IP_BLOCK && rule.port != -1) {
    bufByte(out, 0x3a);
    bufDecimal(out, <u32>rule.port);
  }
}

/** Every rule's ToString, each preceded by its byte length as a u32. */
export function writeRuleStrings(set: RuleSet, out: ByteBuf): void {
  for (let i = 0; i < set.count; i++) {
    const lengthAt = out.len;
    bufI32(out, 0);
    writeRuleString(set, i, out);
    store<i32>(out.ptr + <usize>lengthAt, out.len - lengthAt - 4);
  }
}

// The URL being matched: lower-case scheme and canonical host bytes (GURL's view, §4.3).
let urlScheme: usize = 0;
let urlSchemeLen: i32 = 0;
let urlHost: usize = 0;
let urlHostLen: i32 = 0;
let urlPort: i32 = -1;
let urlRaw: bool = false;
// Lazily computed facts about the host: -2 = not yet known.
let urlFamily: i32 = -2;
let urlImplicit: i32 = -2;

function setUrl(scheme: usize, schemeLen: i32, host: usize, hostLen: i32, port: i32, raw: bool): void {
  urlScheme = scheme;
  urlSchemeLen = schemeLen;
  urlHost = host;
  urlHostLen = hostLen;
  urlPort = port;
  urlRaw = raw;
  urlFamily = -2;
  urlImplicit = -2;
}

@inline
function hostStartsWith(literal: string): bool {
  const n = literal.length;
  if (urlHostLen < n) return false;
  for (let i = 0; i < n; i++) if (<u32>load<u8>(urlHost + <usize>i) != <u32>literal.charCodeAt(i)) return false;
  return true;
}

/** 1 when the host is "[...]", else 0: the bytes GURL::HostNoBrackets drops at each end. */
function hostBracketWidth(): i32 {
  const n = urlHostLen;
  return n >= 2 && load<u8>(urlHost) == 0x5b && load<u8>(urlHost + <usize>(n - 1)) == 0x5d ? 1 : 0;
}

/** AssignFromIPLiteral(url.HostNoBrackets()) into `urlIp`: 4, 6 or 0. */
function hostLiteralFamily(): i32 {
  const bracket = hostBracketWidth();
  return parseIPLiteral(urlHost, bracket, urlHostLen - bracket, urlIp);
}

/** GURL::HostIsIPAddress(): false for raw hosts of unparseable URLs. Fills `urlIp`. */
function hostIsIP(): bool {
  if (urlFamily == -2) urlFamily = urlRaw ? 0 : hostLiteralFamily();
  return urlFamily != 0;
}

/** IsLocalHostname (net/base/url_util.cc): "localhost" or "*.localhost", one trailing '.' ignored. */
function isLocalHostname(start: i32, end: i32): bool {
  if (end > start && load<u8>(urlHost + <usize>(end - 1)) == 0x2e) end--;
  if (equalsIgnoreCase(urlHost, start, end, 'localhost')) return true;
  const suffix = '.localhost';
  const n = suffix.length;
  return end - start >= n && equalsIgnoreCase(urlHost, end - n, end, suffix);
}

/** ProxyBypassRules::MatchesImplicitRules on a non-Windows build. */
function matchesImplicitRules(): bool {
  const start = hostBracketWidth();
  const end = urlHostLen - start;
  // IsLocalhost: a loopback IP literal (127/8, ::1), or a localhost name.
  const family = parseIPLiteral(urlHost, start, end, ipScratch);
  if (family == 4) {
    if (load<u8>(ipScratch + 12) == 127) return true;
  } else if (family == 6) {
    let loopback = load<u8>(ipScratch + 15) == 1;
    for (let i = 0; loopback && i < 15; i++) if (load<u8>(ipScratch + <usize>i) != 0) loopback = false;
    if (loopback) return true;
  } else if (isLocalHostname(start, end)) {
    return true;
  }
  if (family == 0) return false;
  // IsIPv4MappedLoopback: [::ffff:127.x.y.z].
  if (family == 6 && hostStartsWith('[::ffff') && isMappedIPv4(ipScratch) && load<u8>(ipScratch + 12) == 127) return true;
  // IsLinkLocalIP: 169.254/16, [::ffff:169.254.0.0]/112, [fe80::]/10.
  if (hostStartsWith('169.254.') || hostStartsWith('[')) {
    if (isMappedIPv4(ipScratch)) {
      return load<u8>(ipScratch + 12) == 169 && load<u8>(ipScratch + 13) == 254;
    }
    return load<u8>(ipScratch) == 0xfe && (load<u8>(ipScratch + 1) & 0xc0) == 0x80;
  }
  return false;
}

function implicitMatch(): bool {
  if (urlImplicit == -2) urlImplicit = matchesImplicitRules() ? 1 : 0;
  return urlImplicit == 1;
}

@inline
function portAndSchemeMatch(set: RuleSet, rule: Rule): bool {
  if (rule.port != -1 && rule.port != urlPort) return false;
  const n = rule.schemeLength;
  return n == 0 || (n == urlSchemeLen && bytesEqual(set.pool.ptr + <usize>rule.schemeOffset, urlScheme, n));
}

/** The highest rule index above `best` in the chain starting at `head` whose port and scheme fit. */
function walkChain(set: RuleSet, head: i32, best: i32): i32 {
  for (let r = head; r > best; r = ruleAt(set, r).next) {
    if (portAndSchemeMatch(set, ruleAt(set, r))) return r;
  }
  return best;
}

/** Head rule index of the chain whose key equals host[at, at+len), or -1. */
function probe(set: RuleSet, slots: usize, shift: i32, hash: u32, at: i32, len: i32): i32 {
  const mask = (<u32>1 << <u32>(32 - shift)) - 1;
  let index = (hash * GOLDEN) >>> <u32>shift;
  const pool = set.pool.ptr;
  while (true) {
    const slot = slots + (<usize>index << 3);
    const head = load<i32>(slot, 4);
    if (head == 0) return -1;
    if (load<u32>(slot) == hash) {
      const rule = ruleAt(set, head - 1);
      if (rule.keyLength == len && bytesEqual(pool + <usize>rule.keyOffset, urlHost + <usize>at, len)) return head - 1;
    }
    index = (index + 1) & mask;
  }
  return -1;
}

/** One scanned rule: a real glob or a CIDR block. Include or NoMatch. */
function linearRuleMatches(set: RuleSet, rule: Rule): bool {
  if (rule.kind == RULE_IP_BLOCK) {
    if (!hostIsIP()) return false;
    const n = rule.schemeLength;
    // Compared as written: an upper-case scheme never matches here (fixed by §4.8 in Electron).
    if (n != 0 && (n != urlSchemeLen || !bytesEqual(set.pool.ptr + <usize>rule.schemeOffset, urlScheme, n))) return false;
    return prefixMatches(urlIp, set.pool.ptr + <usize>rule.ipOffset, rule.prefixBits);
  }
  if (!portAndSchemeMatch(set, rule)) return false;
  return matchPattern(urlHost, urlHostLen, set.pool.ptr + <usize>rule.textOffset, rule.textLength);
}

/** SimpleHostnamesRule (<local>): a host without dots that is not an IP literal. */
function localRuleMatches(): bool {
  if (findByte(urlHost, 0, urlHostLen, 0x2e) >= 0) return false;
  return !hostIsIP();
}

// Winner of the last evaluation: rule index (-1: none) and whether it excluded.
let bestIndex: i32 = -1;
let bestExcludes: bool = false;

/** Finds the highest-index rule whose answer is not NoMatch (SchemeHostPortMatcher::Evaluate order). */
function evaluate(set: RuleSet): void {
  let best = -1;
  let excludes = false;
  if (set.exactCount != 0 || set.endsCount != 0) {
    const hostLen = urlHostLen;
    const lengths = set.endsLengths;
    const useEnds = set.endsCount != 0;
    let hash = hashSeed();
    if (useEnds && (load<u32>(lengths + 32) & 1) != 0) {
      const head = probe(set, set.endsSlots, set.endsShift, hash, hostLen, 0);
      if (head >= 0) best = walkChain(set, head, best);
    }
    const stop = set.exactCount != 0 ? 0 : max(0, hostLen - set.maxEndsLength);
    for (let i = hostLen - 1; i >= stop; i--) {
      const c = <u32>load<u8>(urlHost + <usize>i);
      hash = hashStep(hash, c);
      const n = hostLen - i;
      const bitmap = lengths + (c == 0x2e ? 0 : 32);
      if (useEnds && n <= MAX_INDEXED_SUFFIX && (load<u32>(bitmap + (<usize>(n >> 5) << 2)) & (<u32>1 << <u32>(n & 31))) != 0) {
        const head = probe(set, set.endsSlots, set.endsShift, hash, i, n);
        if (head > best) best = walkChain(set, head, best);
      }
    }
    if (set.exactCount != 0) {
      const head = probe(set, set.exactSlots, set.exactShift, hash, 0, hostLen);
      if (head > best) best = walkChain(set, head, best);
    }
  }
  if (set.localIndex > best && localRuleMatches()) best = set.localIndex;
  if (set.loopbackIndex > best && implicitMatch()) {
    best = set.loopbackIndex;
    excludes = true;
  }
  for (let k = 0; k < set.linearCount; k++) {
    const index = load<i32>(set.linear + (<usize>k << 2));
    if (index <= best) break;
    if (linearRuleMatches(set, ruleAt(set, index))) {
      best = index;
      excludes = false;
      break;
    }
  }
  bestIndex = best;
  bestExcludes = excludes;
}

/**
 * ProxyBypassRules::Matches(url, reverse): the last matching rule decides (Include bypasses unless
 * reversed, <-loopback>'s Exclude proxies unless reversed); with no match the implicit rules
 * bypass even when reversed, otherwise the answer is `reverse`. A null `set` (address 0) means no rules.
 */
export function bypassMatches(set: RuleSet, scheme: usize, schemeLen: i32, host: usize, hostLen: i32, port: i32, flags: i32): bool {
  setUrl(scheme, schemeLen, host, hostLen, port, (flags & MATCH_RAW_HOST) != 0);
  const reverse = (flags & MATCH_REVERSE) != 0;
  if (changetype<usize>(set) != 0 && set.count != 0) {
    evaluate(set);
    if (bestIndex >= 0) return bestExcludes ? reverse : !reverse;
  }
  if (implicitMatch()) return true;
  return reverse;
}

