// The proxy kernel's exports. Input text is read from the scratch window (scratch.ts); text output
// (rule strings, PAC strings, proxy hosts) is written to a separate output buffer whose address
// `proxyOutPtr()` returns, so the host's scratch address never moves behind its back.

import { scratchPtr } from '../scratch';
import { ByteBuf, bufNew, bufI32, nextToken, rangeEnd, rangeStart } from './bytes';
import {
  RuleSet, bypassFromHostnamePattern, bypassMatches, bypassRuleCount, freeBypassRules,
  parseBypassRules, writeRuleStrings,
} from './bypass';
import { KIND_BYPASS, KIND_PROXY_RULES, handleGet, handleNew, handleRelease } from '../handles';
import { matchPattern } from './pattern';
import { APPLY_DIRECT, ProxyRules, chooseList, parseProxyRules, rulesFree, rulesList } from './rules';
import {
  CHAIN_DIRECT, CHAIN_INVALID, SCHEME_DIRECT, ServerTable, pacElementToChain, proxyUriToChain,
  proxyUriToServer, serverPort, serverScheme, tableClear, tableNew, writePacElement, writePacList,
  writeProxyUri, writeServerHost,
} from './server';

const FORM_PAC: i32 = 0;
const FORM_URI: i32 = 1;
const FORM_HOST: i32 = 2;

let out: ByteBuf = changetype<ByteBuf>(0);
let transientServers: ServerTable = changetype<ServerTable>(0);
let transientChains: ByteBuf = changetype<ByteBuf>(0);

function output(): ByteBuf {
  if (changetype<usize>(out) == 0) out = bufNew(256);
  out.len = 0;
  return out;
}

/** Address of the output written by the last text-producing call. */
export function proxyOutPtr(): usize {
  return changetype<usize>(out) == 0 ? 0 : out.ptr;
}

function bypassSet(handle: i32): RuleSet {
  return changetype<RuleSet>(handleGet(handle, KIND_BYPASS));
}

/** Compiles the bypass list in scratch[0, len). Options: 1 = hostname suffix matching. */
export function bypassParse(len: i32, options: i32): i32 {
  return handleNew(KIND_BYPASS, changetype<usize>(parseBypassRules(scratchPtr(), len, options)));
}

/** One hostname-pattern rule built from its parts: scheme at scratch[0, schemeLen), pattern after it. */
export function bypassFromPattern(schemeLen: i32, patternLen: i32, port: i32, options: i32): i32 {
  const set = bypassFromHostnamePattern(scratchPtr(), schemeLen, patternLen, port, options);
  return handleNew(KIND_BYPASS, changetype<usize>(set));
}

/** Frees a compiled bypass list; the handle becomes invalid. */
export function bypassFree(handle: i32): void {
  freeBypassRules(changetype<RuleSet>(handleRelease(handle, KIND_BYPASS)));
}

/** Number of rules in a compiled bypass list. */
export function bypassSize(handle: i32): i32 {
  return bypassRuleCount(bypassSet(handle));
}

/** Writes every rule's ToString (u32 length + bytes each) to the output; returns the byte count. */
export function bypassToStrings(handle: i32): i32 {
  const buf = output();
  writeRuleStrings(bypassSet(handle), buf);
  return buf.len;
}

/**
 * ProxyBypassRules::Matches for the URL whose scheme is at scratch[0, schemeLen) and host right
 * after it. `handle` 0 means an empty list (only the implicit rules). Flags: 1 reverse, 2 raw host.
 */
export function bypassMatch(handle: i32, schemeLen: i32, hostLen: i32, port: i32, flags: i32): i32 {
  const set = handle == 0 ? changetype<RuleSet>(0) : bypassSet(handle);
  const base = scratchPtr();
  return bypassMatches(set, base, schemeLen, base + <usize>schemeLen, hostLen, port, flags) ? 1 : 0;
}

/** base::MatchPattern(text, pattern): text at scratch[0, textLen), pattern right after it. */
export function bypassMatchPattern(textLen: i32, patternLen: i32): i32 {
  const base = scratchPtr();
  return matchPattern(base, textLen, base + <usize>textLen, patternLen) ? 1 : 0;
}

function proxyRules(handle: i32): ProxyRules {
  return changetype<ProxyRules>(handleGet(handle, KIND_PROXY_RULES));
}

/** Compiles the proxyRules string in scratch[0, len) (ASCII; IDN hosts already in punycode). */
export function proxyRulesParse(len: i32): i32 {
  return handleNew(KIND_PROXY_RULES, changetype<usize>(parseProxyRules(scratchPtr(), len)));
}

/** Frees compiled proxy rules; the handle becomes invalid. */
export function proxyRulesFree(handle: i32): void {
  rulesFree(changetype<ProxyRules>(handleRelease(handle, KIND_PROXY_RULES)));
}

/** 0 EMPTY, 1 PROXY_LIST, 2 PROXY_LIST_PER_SCHEME. */
export function proxyRulesType(handle: i32): i32 {
  return proxyRules(handle).type;
}

/** Number of chains in list 0 single, 1 http, 2 https, 3 ftp, 4 fallback. */
export function proxyRulesListSize(handle: i32, list: i32): i32 {
  return rulesList(proxyRules(handle), list).len >> 2;
}

function listChain(rules: ProxyRules, list: i32, k: i32): i32 {
  const buf = rulesList(rules, list);
  if (k < 0 || k >= buf.len >> 2) abort('proxy list index out of range');
  return load<i32>(buf.ptr + (<usize>k << 2));
}

/** Scheme code of chain k of a list (1 DIRECT, 2 HTTP, 3 SOCKS4, 4 SOCKS5, 5 HTTPS, 6 QUIC). */
export function proxyRulesChainScheme(handle: i32, list: i32, k: i32): i32 {
  const rules = proxyRules(handle);
  const chain = listChain(rules, list, k);
  return chain == CHAIN_DIRECT ? SCHEME_DIRECT : serverScheme(rules.servers, chain);
}

/** Writes chain k of a list as a PAC element (form 0), URI (1) or bare host (2); returns its length. */
export function proxyRulesChainText(handle: i32, list: i32, k: i32, form: i32): i32 {
  const rules = proxyRules(handle);
  return writeChain(rules.servers, listChain(rules, list, k), form);
}

function writeChain(table: ServerTable, chain: i32, form: i32): i32 {
  const buf = output();
  if (form == FORM_PAC) writePacElement(table, chain, buf);
  else if (form == FORM_URI) writeProxyUri(table, chain, buf);
  else if (form == FORM_HOST && chain != CHAIN_DIRECT) writeServerHost(table, chain, buf);
  return buf.len;
}

/**
 * ProxyRules::Apply for the URL in scratch (scheme, then host): returns the chosen list (0-4) or
 * 5 for DIRECT. `bypassHandle` 0 means no explicit bypass rules. Flags as for bypassMatch.
 */
export function proxyRulesApply(handle: i32, bypassHandle: i32, schemeLen: i32, hostLen: i32, port: i32, flags: i32): i32 {
  const rules = proxyRules(handle);
  if (rules.type == 0) return APPLY_DIRECT;
  const set = bypassHandle == 0 ? changetype<RuleSet>(0) : bypassSet(bypassHandle);
  const base = scratchPtr();
  if (bypassMatches(set, base, schemeLen, base + <usize>schemeLen, hostLen, port, flags)) return APPLY_DIRECT;
  return chooseList(rules, base, schemeLen);
}

function transient(): ServerTable {
  if (changetype<usize>(transientServers) == 0) {
    transientServers = tableNew();
    transientChains = bufNew(64);
  }
  tableClear(transientServers);
  transientChains.len = 0;
  return transientServers;
}

/** ProxyList::SetFromPacString on scratch[0, len): the transient list's length (never 0: DIRECT). */
export function proxyChainsFromPac(len: i32): i32 {
  const table = transient();
  const base = scratchPtr();
  let i = 0;
  while (nextToken(base, i, len, 0x3b)) {
    const j = rangeEnd;
    const chain = pacElementToChain(table, base, rangeStart, j);
    if (chain != CHAIN_INVALID) bufI32(transientChains, chain);
    i = j;
  }
  if (transientChains.len == 0) bufI32(transientChains, CHAIN_DIRECT);
  return transientChains.len >> 2;
}

/** SetFromPacString followed by ToPacString, written to the output; returns its length. */
export function proxyPacNormalize(len: i32): i32 {
  proxyChainsFromPac(len);
  const buf = output();
  writePacList(transientServers, transientChains, buf);
  return buf.len;
}

/**
 * Parses scratch[0, len) as one proxy URI into the transient list: as a chain ("direct://"
 * allowed) when `asChain` is 1, else as a server. Returns 1 when valid, else 0.
 */
export function proxyChainFromUri(len: i32, defaultScheme: i32, asChain: i32): i32 {
  const table = transient();
  const chain = asChain != 0
    ? proxyUriToChain(table, scratchPtr(), 0, len, defaultScheme)
    : proxyUriToServer(table, scratchPtr(), 0, len, defaultScheme);
  if (chain == CHAIN_INVALID) return 0;
  bufI32(transientChains, chain);
  return 1;
}

/** PacResultElementToProxyChain on scratch[0, len) into the transient list. Returns 1 or 0. */
export function proxyChainFromPacElement(len: i32): i32 {
  const table = transient();
  const chain = pacElementToChain(table, scratchPtr(), 0, len);
  if (chain == CHAIN_INVALID) return 0;
  bufI32(transientChains, chain);
  return 1;
}

function transientChain(k: i32): i32 {
  if (changetype<usize>(transientChains) == 0 || k < 0 || k >= transientChains.len >> 2) {
    abort('proxy chain index out of range');
  }
  return load<i32>(transientChains.ptr + (<usize>k << 2));
}

/** Scheme code of transient chain k. */
export function proxyChainScheme(k: i32): i32 {
  const chain = transientChain(k);
  return chain == CHAIN_DIRECT ? SCHEME_DIRECT : serverScheme(transientServers, chain);
}

/** Port of transient chain k, or -1 for DIRECT. */
export function proxyChainPort(k: i32): i32 {
  const chain = transientChain(k);
  return chain == CHAIN_DIRECT ? -1 : serverPort(transientServers, chain);
}

/** Writes transient chain k as a PAC element (0), URI (1) or bare host (2); returns its length. */
export function proxyChainText(k: i32, form: i32): i32 {
  return writeChain(transientServers, transientChain(k), form);
}
