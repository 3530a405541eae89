// The parts of a URL that proxy decisions read, as GURL gives them (§4.3, §6): lower-case scheme;
// host lower-case, punycode, IPv6 in brackets, trailing dot kept; and EffectiveIntPort. GURL has
// no host for non-special schemes (WHATWG does), and an unparseable URL keeps its raw host text,
// which never counts as an IP address.

import type { Core } from '../wasm/core.ts';
import { expectString } from './proxy-kernel.ts';

/** GURL-like view of a URL for proxy decisions. */
export interface ProxyUrlView {
  scheme: string;
  host: string;
  port: number;
}

// url::DefaultPortForScheme for the schemes EffectiveIntPort knows.
const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443, ftp: 21 };
const SPECIAL_SCHEMES = new Set(['http', 'https', 'ws', 'wss', 'ftp', 'file']);

function defaultPort(scheme: string): number {
  return DEFAULT_PORTS[scheme] ?? -1;
}

const SCAN_LIMIT = 4096;
const scanBuffer = new Uint8Array(SCAN_LIMIT);

// Result of scanSimpleUrl: offsets into the URL and the effective port.
let scanSchemeEnd = 0;
let scanHostStart = 0;
let scanHostEnd = 0;
let scanPort = -1;

/** Default port of the scheme url[0, n) if the fast path handles it (http, https, ws, wss, ftp), else 0. */
function simpleSchemePort(url: string, n: number): number {
  const c0 = url.charCodeAt(0) | 0x20;
  if (n === 4 && c0 === 0x68 && (url.charCodeAt(1) | 0x20) === 0x74 && (url.charCodeAt(2) | 0x20) === 0x74 && (url.charCodeAt(3) | 0x20) === 0x70) return 80;
  if (n === 5 && c0 === 0x68 && (url.charCodeAt(1) | 0x20) === 0x74 && (url.charCodeAt(2) | 0x20) === 0x74 && (url.charCodeAt(3) | 0x20) === 0x70 && (url.charCodeAt(4) | 0x20) === 0x73) return 443;
  if (n === 2 && c0 === 0x77 && (url.charCodeAt(1) | 0x20) === 0x73) return 80;
  if (n === 3 && c0 === 0x77 && (url.charCodeAt(1) | 0x20) === 0x73 && (url.charCodeAt(2) | 0x20) === 0x73) return 443;
  if (n === 3 && c0 === 0x66 && (url.charCodeAt(1) | 0x20) === 0x74 && (url.charCodeAt(2) | 0x20) === 0x70) return 21;
  return 0;
}

/**
 * Recognises the common shape `http(s)|ws(s)|ftp://name.name[:port][/?#...]` whose host the URL
 * parser would only lower-case, and writes the lower-cased scheme and host bytes to `out` at
 * `at` as it goes (one pass over the string). Anything that needs real canonicalisation (IPv4
 * numbers, IPv6, punycode, percent-escapes, userinfo, unusual characters) returns false, and the
 * caller takes the full URL parser.
 */
function scanSimpleUrl(url: string, out: Uint8Array, at: number): boolean {
  const n = url.length;
  let i = 0;
  for (; i < n; i++) {
    const c = url.charCodeAt(i) | 0x20;
    if (c < 0x61 || c > 0x7a) break;
    out[at + i] = c;
  }
  if (i === 0 || i + 3 > n || url.charCodeAt(i) !== 0x3a || url.charCodeAt(i + 1) !== 0x2f || url.charCodeAt(i + 2) !== 0x2f) return false;
  const schemePort = simpleSchemePort(url, i);
  if (schemePort === 0) return false;
  scanSchemeEnd = i;
  const hostStart = i + 3;
  // Host bytes go right after the scheme bytes.
  const shift = at - 3;
  let labelStart = hostStart;
  let lastLabelStart = hostStart;
  let j = hostStart;
  for (; j < n; j++) {
    const c = url.charCodeAt(j);
    if (c === 0x2e) {
      out[shift + j] = c;
      labelStart = j + 1;
      continue;
    }
    const l = c | 0x20;
    if (l >= 0x61 && l <= 0x7a) out[shift + j] = l;
    else if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f) out[shift + j] = c;
    else break;
    if (j === labelStart) {
      lastLabelStart = j;
      // "xn--" labels are validated by the IDNA step, so they take the full parser.
      if (l === 0x78 && (url.charCodeAt(j + 1) | 0x20) === 0x6e && url.charCodeAt(j + 2) === 0x2d && url.charCodeAt(j + 3) === 0x2d) return false;
    }
  }
  const hostEnd = j;
  if (hostEnd === hostStart) return false;
  // A last label starting with a digit may be an IPv4 number that the URL parser rewrites.
  const lastFirst = url.charCodeAt(lastLabelStart);
  if (lastFirst >= 0x30 && lastFirst <= 0x39) return false;
  let port = schemePort;
  if (j < n && url.charCodeAt(j) === 0x3a) {
    j++;
    let value = -1;
    for (; j < n; j++) {
      const c = url.charCodeAt(j);
      if (c < 0x30 || c > 0x39) break;
      value = (value < 0 ? 0 : value * 10) + (c - 0x30);
      if (value > 65535) return false;
    }
    if (value >= 0) port = value;
  }
  if (j < n) {
    const c = url.charCodeAt(j);
    if (c !== 0x2f && c !== 0x3f && c !== 0x23) return false;
  }
  scanHostStart = hostStart;
  scanHostEnd = hostEnd;
  scanPort = port;
  return true;
}

/** The raw authority of a URL the parser rejects (GURL keeps it as the host of an invalid URL). */
function rawView(url: string): ProxyUrlView & { raw: true } {
  const text = url.trim();
  const colon = text.indexOf(':');
  const scheme = colon > 0 ? text.slice(0, colon).toLowerCase() : '';
  if (!SPECIAL_SCHEMES.has(scheme)) return { scheme, host: '', port: -1, raw: true };
  let rest = text.slice(colon + 1).replace(/^[/\\]*/, '');
  const end = rest.search(/[/\\?#]/);
  if (end >= 0) rest = rest.slice(0, end);
  rest = rest.slice(rest.lastIndexOf('@') + 1);
  let host = rest;
  let port = defaultPort(scheme);
  const portMatch = /:(\d*)$/.exec(rest);
  if (portMatch && rest.lastIndexOf(']') < (portMatch.index ?? 0)) {
    host = rest.slice(0, portMatch.index);
    const digits = portMatch[1] ?? '';
    if (digits !== '') port = Number(digits);
  }
  return { scheme, host: host.toLowerCase(), port, raw: true };
}

function parsedView(url: string): ProxyUrlView & { raw: boolean } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return rawView(url);
  }
  const scheme = parsed.protocol.slice(0, -1);
  if (!SPECIAL_SCHEMES.has(scheme)) return { scheme, host: '', port: -1, raw: false };
  const port = parsed.port === '' ? defaultPort(scheme) : Number(parsed.port);
  return { scheme, host: parsed.hostname, port, raw: false };
}

/**
 * GURL-like view of a URL for proxy decisions (§4.3, §6): scheme lower-case; host lower-case,
 * punycode, IPv6 in brackets, '' for non-special schemes; port = explicit or scheme default or
 * -1. Never throws on bad URLs: an unparseable URL gives its raw lower-cased authority as host.
 * @example proxyUrl('HTTPS://Example.COM/x') // { scheme: 'https', host: 'example.com', port: 443 }
 */
export function proxyUrl(url: string): ProxyUrlView {
  expectString('proxyUrl', 'url', url, 'https://example.com/');
  if (url.length <= SCAN_LIMIT && scanSimpleUrl(url, scanBuffer, 0)) {
    return {
      scheme: url.slice(0, scanSchemeEnd).toLowerCase(),
      host: url.slice(scanHostStart, scanHostEnd).toLowerCase(),
      port: scanPort,
    };
  }
  const { scheme, host, port } = parsedView(url);
  return { scheme, host, port };
}

/** What `loadUrl` wrote: scheme bytes at scratch[0, schemeLen), host bytes right after them. */
export const loadedUrl = { schemeLen: 0, hostLen: 0, port: -1, flags: 0 };

/** Flag for the kernel: the host is raw text from an unparseable URL (never an IP address). */
export const FLAG_RAW_HOST = 2;

/**
 * Writes the URL's scheme and host into the core's scratch window (see `loadedUrl`). The common
 * URL shape is lower-cased straight into wasm memory without building any string.
 */
export function loadUrl(core: Core, url: string): void {
  // The scratch window holds at least 64 KiB, so a URL up to SCAN_LIMIT always fits.
  if (url.length <= SCAN_LIMIT && scanSimpleUrl(url, core.bytes, core.scratchPtr)) {
    loadedUrl.schemeLen = scanSchemeEnd;
    loadedUrl.hostLen = scanHostEnd - scanHostStart;
    loadedUrl.port = scanPort;
    loadedUrl.flags = 0;
    return;
  }
  const view = parsedView(url);
  const schemeLen = core.writeScratch(view.scheme);
  const total = core.writeScratch(view.scheme + view.host);
  loadedUrl.schemeLen = schemeLen;
  loadedUrl.hostLen = total - schemeLen;
  loadedUrl.port = view.port;
  loadedUrl.flags = view.raw ? FLAG_RAW_HOST : 0;
}
