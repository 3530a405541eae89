import { getCore, type Core } from '../wasm/core.ts';
import { asciiProxyHosts } from './idna.ts';
import {
  FORM_HOST, FORM_PAC, FORM_URI, argumentError, expectString, proxyKernel, readOutput, type ProxyKernel,
} from './proxy-kernel.ts';

/** A proxy server's scheme (net::ProxyServer::Scheme). QUIC only appears in builds Electron does not ship. */
export type ProxyScheme = 'HTTP' | 'HTTPS' | 'SOCKS4' | 'SOCKS5' | 'QUIC';

/** One parsed proxy server, with both of Chromium's string forms. */
export interface ProxyServerInfo {
  scheme: ProxyScheme;
  /** Canonical host, IPv6 without brackets. */
  host: string;
  port: number;
  /** ProxyServerToProxyUri, e.g. "socks5://foopy:1080" ("foopy:80" for HTTP). */
  uri: string;
  /** ProxyServerToPacResultElement, e.g. "SOCKS5 foopy:1080". */
  pac: string;
}

/** The direct chain ("DIRECT" / "direct://"). */
export interface DirectChainInfo {
  scheme: 'DIRECT';
  host: '';
  port: -1;
  uri: 'direct://';
  pac: 'DIRECT';
}

/** One entry of a proxy list: a server, or DIRECT. */
export type ProxyChainInfo = ProxyServerInfo | DirectChainInfo;

const SCHEME_BY_CODE = ['INVALID', 'DIRECT', 'HTTP', 'SOCKS4', 'SOCKS5', 'HTTPS', 'QUIC'] as const;
const CODE_BY_DEFAULT_SCHEME: Readonly<Record<string, number>> = { HTTP: 2, SOCKS4: 3, SOCKS5: 4, HTTPS: 5 };

export const DIRECT_CHAIN: DirectChainInfo = Object.freeze({ scheme: 'DIRECT', host: '', port: -1, uri: 'direct://', pac: 'DIRECT' });

/** Scheme name of a kernel scheme code. */
export function schemeName(code: number): (typeof SCHEME_BY_CODE)[number] {
  return SCHEME_BY_CODE[code] ?? 'INVALID';
}

/** Reads chain k of the kernel's transient list (filled by the last proxyChain* call). */
export function readTransientChain(core: Core, k: number): ProxyChainInfo {
  const scheme = schemeName(core.call('proxy.chainScheme', (x) => proxyKernel(x).proxyChainScheme(k)));
  if (scheme === 'DIRECT') return DIRECT_CHAIN;
  if (scheme === 'INVALID') throw new Error('proxy kernel returned an invalid chain');
  const port = core.call('proxy.chainPort', (x) => proxyKernel(x).proxyChainPort(k));
  const text = (form: number): string => readOutput(core, core.call('proxy.chainText', (x) => proxyKernel(x).proxyChainText(k, form)));
  const host = text(FORM_HOST);
  const uri = text(FORM_URI);
  const pac = text(FORM_PAC);
  return { scheme, host, port, uri, pac };
}

function parseOne(
  api: string,
  text: string,
  grammar: 'uri' | 'pac',
  core: Core,
  parse: (kernel: ProxyKernel, len: number) => number,
): ProxyChainInfo | null {
  const len = core.writeScratch(asciiProxyHosts(text, grammar));
  if (core.call(api, (x) => parse(proxyKernel(x), len)) !== 1) return null;
  return readTransientChain(core, 0);
}

function defaultSchemeCode(api: string, defaultScheme: unknown): number {
  const code = typeof defaultScheme === 'string' ? CODE_BY_DEFAULT_SCHEME[defaultScheme] : undefined;
  if (code === undefined) throw argumentError(api, 'defaultScheme', "one of 'HTTP', 'HTTPS', 'SOCKS4', 'SOCKS5'", defaultScheme);
  return code;
}

/**
 * ProxyUriToProxyServer: `[<scheme>"://"]<host>[":"<port>]`, with `socks://` meaning SOCKS5 and
 * default ports 80/443/1080. Returns null where Chromium's server would be invalid (incl.
 * "direct://", "quic://" and bracketed chains, which release Electron does not accept).
 * @example parseProxyUri('socks://foopy')?.pac // "SOCKS5 foopy:1080"
 */
export function parseProxyUri(
  uri: string,
  defaultScheme: 'HTTP' | 'HTTPS' | 'SOCKS4' | 'SOCKS5' = 'HTTP',
  core: Core = getCore(),
): ProxyServerInfo | null {
  expectString('parseProxyUri', 'uri', uri, 'https://proxy.example:8443');
  const scheme = defaultSchemeCode('parseProxyUri', defaultScheme);
  const chain = parseOne('proxy.chainFromUri', uri, 'uri', core, (k, len) => k.proxyChainFromUri(len, scheme, 0));
  return chain === null || chain.scheme === 'DIRECT' ? null : chain;
}

/** ProxyUriToProxyChain: like parseProxyUri, but "direct://" (and nothing after it) is the DIRECT chain. */
export function parseProxyChainUri(
  uri: string,
  defaultScheme: 'HTTP' | 'HTTPS' | 'SOCKS4' | 'SOCKS5' = 'HTTP',
  core: Core = getCore(),
): ProxyChainInfo | null {
  expectString('parseProxyChainUri', 'uri', uri, 'direct://');
  const scheme = defaultSchemeCode('parseProxyChainUri', defaultScheme);
  return parseOne('proxy.chainFromUri', uri, 'uri', core, (k, len) => k.proxyChainFromUri(len, scheme, 1));
}

/** PacResultElementToProxyChain: "DIRECT" or "<PROXY|HTTPS|SOCKS|SOCKS4|SOCKS5> host[:port]" (keywords case-insensitive). */
export function parsePacResultElement(element: string, core: Core = getCore()): ProxyChainInfo | null {
  expectString('parsePacResultElement', 'element', element, 'PROXY proxy.example:8080');
  return parseOne('proxy.chainFromPacElement', element, 'pac', core, (k, len) => k.proxyChainFromPacElement(len));
}
