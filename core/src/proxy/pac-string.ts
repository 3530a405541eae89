import { getCore, type Core } from '../wasm/core.ts';
import { asciiProxyHosts } from './idna.ts';
import { argumentError, expectString, proxyKernel, readOutput } from './proxy-kernel.ts';
import { readTransientChain, type ProxyChainInfo } from './proxy-server.ts';

const CHAIN_SCHEMES = new Set(['DIRECT', 'HTTP', 'HTTPS', 'SOCKS4', 'SOCKS5', 'QUIC']);

/** Retry state of one proxy chain (net::ProxyRetryInfo), keyed by its ProxyServerToProxyUri string. */
export interface BadProxyInfo {
  /** Keep the chain at the end of the list instead of dropping it. */
  tryWhileBad: boolean;
  /** Same clock as `now`; the chain counts as bad while `badUntil >= now`. */
  badUntil: number;
}

function loadPac(api: string, pac: unknown, core: Core): number {
  const text = expectString(api, 'pac', pac, 'PROXY proxy.example:8080; DIRECT');
  return core.writeScratch(asciiProxyHosts(text, 'pac'));
}

/**
 * ProxyList::SetFromPacString then ToPacString: the form `resolveProxy` reports for a PAC result
 * (default ports filled in, "SOCKS" kept for SOCKS4, invalid entries dropped, "" or garbage → "DIRECT").
 * @example normalizePacResult('PROXY foopy1 ; proxy foopy2;\t DIRECT') // "PROXY foopy1:80;PROXY foopy2:80;DIRECT"
 */
export function normalizePacResult(pac: string, core: Core = getCore()): string {
  const len = loadPac('normalizePacResult', pac, core);
  return readOutput(core, core.call('proxy.pacNormalize', (x) => proxyKernel(x).proxyPacNormalize(len)));
}

/** ProxyList::SetFromPacString: the chains of a PAC result, in order ([DIRECT] when nothing is valid). */
export function parsePacString(pac: string, core: Core = getCore()): ProxyChainInfo[] {
  const len = loadPac('parsePacString', pac, core);
  const count = core.call('proxy.chainsFromPac', (x) => proxyKernel(x).proxyChainsFromPac(len));
  const chains: ProxyChainInfo[] = [];
  for (let k = 0; k < count; k++) chains.push(readTransientChain(core, k));
  return chains;
}

/** ProxyList::ToPacString of a chain list ("" when empty). */
export function toPacString(chains: readonly ProxyChainInfo[]): string {
  return chains.map((chain) => chain.pac).join(';');
}

/**
 * ProxyList::RemoveProxiesWithoutScheme: keeps the chains whose scheme is listed
 * ('DIRECT', 'HTTP', 'HTTPS', 'SOCKS4', 'SOCKS5', 'QUIC'); returns the ToPacString.
 */
export function filterPacString(pac: string, keepSchemes: string[], core: Core = getCore()): string {
  if (!Array.isArray(keepSchemes) || !keepSchemes.every((s) => typeof s === 'string' && CHAIN_SCHEMES.has(s))) {
    throw argumentError('filterPacString', 'keepSchemes', "an array of 'DIRECT', 'HTTP', 'HTTPS', 'SOCKS4', 'SOCKS5' or 'QUIC'", keepSchemes);
  }
  const keep = new Set(keepSchemes);
  return toPacString(parsePacString(pac, core).filter((chain) => keep.has(chain.scheme)));
}

/**
 * ProxyList::DeprioritizeBadProxyChains (§3.3): chains still bad at `now` move to the end when
 * `tryWhileBad`, else they are dropped; order is otherwise kept. Returns the ToPacString.
 */
export function deprioritizeBadProxies(
  pac: string,
  bad: ReadonlyMap<string, BadProxyInfo>,
  now: number,
  core: Core = getCore(),
): string {
  if (!(bad instanceof Map)) throw argumentError('deprioritizeBadProxies', 'bad', 'a Map of proxy URI to { tryWhileBad, badUntil }', bad);
  if (typeof now !== 'number' || Number.isNaN(now)) throw argumentError('deprioritizeBadProxies', 'now', 'a number (same clock as badUntil)', now);
  const good: ProxyChainInfo[] = [];
  const retry: ProxyChainInfo[] = [];
  for (const chain of parsePacString(pac, core)) {
    const info = bad.get(chain.uri);
    if (info !== undefined && info.badUntil >= now) {
      if (info.tryWhileBad) retry.push(chain);
      continue;
    }
    good.push(chain);
  }
  return toPacString([...good, ...retry]);
}
