// CanonicalCookie creation with Chromium's rules: CanonicalCookie::Create and
// CreateSanitizedCookie (net/cookies/canonical_cookie.cc), the domain, path, prefix and
// partition helpers of net/cookies/cookie_util.cc, and the context-free part of
// CanonicalCookie::IsSetPermittedInContext that CookieMonster::SetCanonicalCookie applies.
// Times are milliseconds since the Unix epoch (Chromium keeps microseconds).

import { parse as parseDomain } from 'tldts';
import { parseCookieDate } from './cookie-date.ts';
import { CookieExclusionReason, CookieInclusionStatus, CookieWarningReason, borrowStatus, returnStatus } from './inclusion-status.ts';
import {
  type CookiePriority,
  type CookieSameSite,
  type ParsedSetCookie,
  MAX_COOKIE_ATTRIBUTE_VALUE_SIZE,
  asciiLower,
  isValidCookieNameValuePair,
  isValidCookieValue,
  parseSetCookieFields,
  trimCookieToken,
  trimCookieValue,
  utf8ByteLength,
} from './parse-set-cookie.ts';

/** 400 days in ms: `ValidateAndAdjustExpiryDate` caps expiry at creation + `base::Days(400)`. */
export const MAX_COOKIE_EXPIRY_DELTA_MS = 400 * 24 * 60 * 60 * 1000;
/** Stand-in for Chromium's `Time::Min()` (Max-Age <= 0): the earliest time a JS Date holds. */
export const EARLIEST_COOKIE_TIME = -8.64e15;
/** `CookieMonster::GetDefaultCookieableSchemes()`. */
export const DEFAULT_COOKIEABLE_SCHEMES: readonly string[] = ['http', 'https', 'ws', 'wss'];

/** `CookieSourceScheme` (net/cookies/cookie_constants.h). */
export type CookieSourceScheme = 'unset' | 'non_secure' | 'secure';

/**
 * `CookiePartitionKey` (net/cookies/cookie_partition_key.h): the top-level schemeful site
 * (`https://example.com`), whether an ancestor frame is cross-site, and an optional nonce
 * (anonymous iframes, fenced frames) that makes the partition transient.
 */
export interface CookiePartitionKey {
  readonly topLevelSite: string;
  readonly crossSiteAncestor: boolean;
  readonly nonce?: string;
}

/** A cookie as CookieMonster stores it (Chromium's CanonicalCookie). */
export interface CanonicalCookie {
  readonly name: string;
  readonly value: string;
  /** Host for host-only cookies, `.example.com` (leading dot) for domain cookies. */
  readonly domain: string;
  /** True when `domain` has no leading dot (cookie_util::DomainIsHostOnly). */
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: CookieSameSite;
  readonly priority: CookiePriority;
  readonly creation: number;
  readonly lastAccess: number;
  /** Expiry in ms, already capped at creation + 400 days; `null` for a session cookie. */
  readonly expiry: number | null;
  /** Set only for `Partitioned` cookies (or any cookie set in a nonce partition). */
  readonly partitionKey: CookiePartitionKey | null;
  /** `secure` when the cookie is Secure or came from https/wss. */
  readonly sourceScheme: CookieSourceScheme;
  /** The URL's port, with 80 reported as 443 for a Secure cookie from http/ws (GetAndAdjustPortForTrustworthyUrls); -1 when the scheme has none. */
  readonly sourcePort: number;
}

/** The outcome of creating a cookie: the cookie, or Chromium's exclusion reasons. */
export type CookieCreationResult =
  | { readonly ok: true; readonly cookie: CanonicalCookie; readonly warnings: readonly CookieWarningReason[] }
  | { readonly ok: false; readonly reasons: readonly CookieExclusionReason[]; readonly warnings: readonly CookieWarningReason[] };

/** Which same-site context a set happens in (Chromium normalises strict to lax for sets). */
export type CookieSetContext = 'same-site' | 'cross-site';

/** Options of the set-permission check (the parts of CookieOptions that are not per-request state). */
export interface CookieSetPermissionOptions {
  /** False for a non-HTTP API (script): HttpOnly cookies are then refused. Default true. */
  readonly httpApi?: boolean;
  /** Default `'same-site'`, which admits every SameSite value (Electron's inclusive context). */
  readonly sameSiteContext?: CookieSetContext;
  /** Legacy access semantics: unspecified SameSite acts as None and None needs no Secure. Default false. */
  readonly legacySemantics?: boolean;
  /** Schemes that may have cookies. Default http, https, ws, wss. */
  readonly cookieableSchemes?: readonly string[];
  /** URLs the embedder treats as trustworthy although plain http (CookieAccessDelegate). */
  readonly trustworthy?: boolean;
}

/** Options of {@link createCanonicalCookie}. */
export interface CreateCanonicalCookieOptions extends CookieSetPermissionOptions {
  /** The response's Date: Expires is shifted by (now - serverTime) to correct clock skew. */
  readonly serverTime?: number | null;
  /** The partition the response was loaded in; kept only if the cookie says `Partitioned`. */
  readonly partitionKey?: CookiePartitionKey | null;
  /** Run the set-permission checks (Secure from insecure URL, SameSite=None without Secure...). Default true. */
  readonly checkSetPermitted?: boolean;
}

// URL facts Chromium reads from GURL.

/** Parse `url` as GURL would for cookies; `null` when invalid. */
function toUrl(url: string | URL): URL | null {
  if (url instanceof URL) return url;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function schemeOf(url: URL): string {
  return url.protocol.slice(0, -1);
}

/** `GURL::SchemeIsCryptographic`: https and wss. */
export function isCryptographicScheme(url: URL): boolean {
  return isCryptographicProtocol(url.protocol);
}

function isCryptographicProtocol(protocol: string): boolean {
  return protocol === 'https:' || protocol === 'wss:';
}

/** http, https, ws, wss (by `URL.protocol`): the schemes with registrable-domain rules. */
function isHttpOrWsProtocol(protocol: string): boolean {
  return protocol === 'https:' || protocol === 'http:' || protocol === 'wss:' || protocol === 'ws:';
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** `GURL::HostIsIPAddress` on a canonical host (`[::1]` keeps its brackets). */
export function isIpAddressHost(host: string): boolean {
  return host.startsWith('[') || IPV4.test(host);
}

/** `net::IsLocalhost`: localhost, *.localhost, 127.0.0.0/8 and ::1. */
export function isLocalhost(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (IPV4.test(host)) return host.startsWith('127.');
  return host === '[::1]';
}

/** `cookie_util::ProvisionalAccessScheme`: how far a URL may touch Secure cookies. */
export function accessScheme(url: URL): 'cryptographic' | 'trustworthy' | 'non_cryptographic' {
  return accessSchemeOf(url, url.protocol);
}

function accessSchemeOf(url: URL, protocol: string): 'cryptographic' | 'trustworthy' | 'non_cryptographic' {
  if (isCryptographicProtocol(protocol)) return 'cryptographic';
  return isLocalhost(url.hostname) ? 'trustworthy' : 'non_cryptographic';
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443, 'ftp:': 21 };

/** The URL's port, or its scheme's default (-1 when it has none). */
export function effectivePort(url: URL, protocol: string): number {
  const port = url.port;
  if (port !== '') return Number(port);
  return DEFAULT_PORTS[protocol] ?? -1;
}

const UNRESERVED_ESCAPE = /%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;

/**
 * The URL path as GURL canonicalises it: like the WHATWG path, but percent-escaped unreserved
 * characters (ALPHA, DIGIT, '-', '.', '_', '~') are decoded (url/url_canon_path.cc).
 */
export function canonicalUrlPath(url: URL): string {
  const path = url.pathname;
  return path.includes('%') ? path.replace(UNRESERVED_ESCAPE, (m) => String.fromCharCode(parseInt(m.slice(1), 16))) : path;
}

// Domains.

/**
 * The registrable domain (eTLD+1, private registries included) as Chromium's
 * `GetDomainAndRegistry(host, INCLUDE_PRIVATE_REGISTRIES)`: empty for IP addresses, public
 * suffixes and hosts whose TLD is not in the public suffix list (intranet names, `localhost`).
 * The list comes from the `tldts` package.
 */
export function registrableDomain(host: string): string {
  return hostFacts(host).registrable;
}

/**
 * What is kept per host name (without a leading dot): its registrable domain and, for a host
 * that responses come from, the Domain attributes met with it and their domainAttributeInfo
 * (pure functions of the texts). A host's responses come again and again, and a look-up in a
 * process-wide cache by a new string costs a hash and a walk through a large table each time.
 */
interface HostFacts {
  readonly registrable: string;
  /** Domain attributes given with this host (at most HOST_ATTRIBUTES), null until the first. */
  attributeTexts: string[] | null;
  attributeInfos: DomainAttributeInfo[] | null;
}

function hostFacts(host: string): HostFacts {
  const bare = host.charCodeAt(0) === 0x2e ? host.slice(1) : host;
  const known = registrableCache.get(bare);
  if (known !== undefined) return known;
  let domain = '';
  if (bare !== '' && !isIpAddressHost(bare)) {
    const info = parseDomain(bare, { allowPrivateDomains: true, extractHostname: false });
    if (!info.isIp && (info.isIcann === true || info.isPrivate === true)) domain = info.domain ?? '';
  }
  // The public suffix lookup costs far more than a map hit, and requests repeat their hosts.
  if (registrableCache.size >= REGISTRABLE_CACHE_SIZE) registrableCache.clear();
  const facts: HostFacts = { registrable: domain, attributeTexts: null, attributeInfos: null };
  registrableCache.set(bare, facts);
  return facts;
}

const REGISTRABLE_CACHE_SIZE = 4096;
const registrableCache = new Map<string, HostFacts>();
const HOST_ATTRIBUTES = 4;

/** domainAttributeInfo(domainAttribute), remembered with the host it came with. */
function hostAttributeInfo(host: HostFacts, domainAttribute: string): DomainAttributeInfo {
  let texts = host.attributeTexts;
  if (texts !== null) {
    for (let k = 0; k < texts.length; k++) if (texts[k] === domainAttribute) return (host.attributeInfos as DomainAttributeInfo[])[k] as DomainAttributeInfo;
  }
  const info = domainAttributeInfo(domainAttribute);
  if (texts === null) {
    texts = host.attributeTexts = [];
    host.attributeInfos = [];
  }
  if (texts.length < HOST_ATTRIBUTES) {
    texts.push(domainAttribute);
    (host.attributeInfos as DomainAttributeInfo[]).push(info);
  }
  return info;
}

/** Whether a Domain attribute names `host` itself (`host` or `.host`, case-insensitively). */
function isAttributeForHost(domainAttribute: string, host: string): boolean {
  const lowerAttribute = domainAttribute.toLowerCase();
  return lowerAttribute === host || lowerAttribute === `.${host}`;
}

/** `cookie_util::GetEffectiveDomain`: the registrable domain for http(s)/ws(s), the bare host otherwise. */
function effectiveDomain(protocol: string, host: string): string {
  if (isHttpOrWsProtocol(protocol)) return registrableDomain(host);
  return host.startsWith('.') ? host.slice(1) : host;
}

// Characters a host may not contain (URL Standard forbidden host code points, plus '%', which
// GetCookieDomainWithString refuses before canonicalising).
const FORBIDDEN_DOMAIN = /[\x00-\x20#%/:<>?@[\\\]^|\x7f]/;

/** `CanonicalizeHost` for a Domain attribute: lowercase, IDNA to punycode, IPv4 forms; `''` when invalid. */
export function canonicalizeCookieDomain(domain: string): string {
  if (domain === '') return '';
  // Parsing a URL costs far more than a map hit, and responses repeat their Domain attributes.
  const known = canonicalDomainCache.get(domain);
  if (known !== undefined) return known;
  let canonical = '';
  if (!FORBIDDEN_DOMAIN.test(domain)) {
    try {
      canonical = new URL(`http://${domain}/`).hostname;
    } catch {
      canonical = '';
    }
  }
  if (canonicalDomainCache.size >= CANONICAL_DOMAIN_CACHE_SIZE) canonicalDomainCache.clear();
  canonicalDomainCache.set(domain, canonical);
  return canonical;
}

const CANONICAL_DOMAIN_CACHE_SIZE = 4096;
const canonicalDomainCache = new Map<string, string>();

/** A Domain attribute canonicalised with its leading dot (`''` when invalid), and that domain's registrable domain. */
interface DomainAttributeInfo {
  readonly domain: string;
  readonly registrable: string;
}

const domainAttributeCache = new Map<string, DomainAttributeInfo>();

/** The parts of GetCookieDomainWithString that depend on the attribute alone, memoised per attribute. */
function domainAttributeInfo(domainAttribute: string): DomainAttributeInfo {
  // The last attribute asked about (a response's domain cookies share theirs): no map lookup.
  if (domainAttribute === lastDomainAttribute) return lastDomainAttributeInfo;
  let info = domainAttributeCache.get(domainAttribute);
  if (info === undefined) {
    let domain = canonicalizeCookieDomain(domainAttribute);
    if (domain !== '' && domain.charCodeAt(0) !== 0x2e) domain = `.${domain}`;
    info = { domain, registrable: domain === '' ? '' : registrableDomain(domain) };
    if (domainAttributeCache.size >= CANONICAL_DOMAIN_CACHE_SIZE) domainAttributeCache.clear();
    domainAttributeCache.set(domainAttribute, info);
  }
  lastDomainAttribute = domainAttribute;
  lastDomainAttributeInfo = info;
  return info;
}

let lastDomainAttribute: string | null = null;
let lastDomainAttributeInfo: DomainAttributeInfo = { domain: '', registrable: '' };

function hasNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return true;
  return false;
}

/**
 * `cookie_util::GetCookieDomainWithString`: the domain a cookie gets from `url` and its Domain
 * attribute (`''` for none). Host-only cookies get the bare host, domain cookies `.domain`;
 * `null` when the attribute is invalid (public suffix, other site, not a suffix of the host...).
 */
export function getCookieDomain(url: URL, domainAttribute: string, status?: CookieInclusionStatus): string | null {
  return cookieDomainFor(url.protocol, url.hostname, domainAttribute, status);
}

/** The DomainAttributeInfo the last cookieDomainFor call went by (null when it used none). */
let usedAttributeInfo: DomainAttributeInfo | null = null;

function cookieDomainFor(
  protocol: string,
  host: string,
  domainAttribute: string,
  status: CookieInclusionStatus | undefined,
  facts?: SourceUrlFacts,
): string | null {
  usedAttributeInfo = null;
  // Non-ASCII Domain attributes only warn unless features::kCookieDomainRejectNonASCII is on.
  if (hasNonAscii(domainAttribute)) status?.warn(CookieWarningReason.WARN_DOMAIN_NON_ASCII);
  if (host.endsWith('..')) return null;

  if (domainAttribute === '' || (isIpAddressHost(host) && isAttributeForHost(domainAttribute, host))) {
    if (isHttpOrWsProtocol(protocol)) return host;
    return canonicalizeCookieDomain(host) || host;
  }

  const attribute = facts === undefined ? domainAttributeInfo(domainAttribute) : hostAttributeInfo(facts.host ??= hostFacts(host), domainAttribute);
  usedAttributeInfo = attribute;
  const cookieDomain = attribute.domain;
  if (cookieDomain === '') return null;

  // `facts` (when given) describe this protocol and host.
  const urlRegistrable =
    facts === undefined ? effectiveDomain(protocol, host) : (facts.effectiveDomain ??= isHttpOrWsProtocol(protocol) ? (facts.host ??= hostFacts(host)).registrable : effectiveDomain(protocol, host));
  if (urlRegistrable === '') {
    // IP addresses, intranet hosts and public suffixes only get a host cookie, and only when
    // the attribute names the host itself.
    const normalized = asciiLower(domainAttribute.startsWith('.') ? domainAttribute.slice(1) : domainAttribute);
    return normalized === host ? host : null;
  }
  // effectiveDomain(protocol, cookieDomain), the registrable part looked up once per attribute.
  if ((isHttpOrWsProtocol(protocol) ? attribute.registrable : cookieDomain.slice(1)) !== urlRegistrable) return null;
  const isSuffix = host.length < cookieDomain.length ? cookieDomain === `.${host}` : host.endsWith(cookieDomain);
  return isSuffix ? cookieDomain : null;
}

/** `cookie_util::IsDomainMatch`: whether a cookie with `domain` goes to `host`. */
export function isDomainMatch(domain: string, host: string): boolean {
  if (host === domain) return true;
  if (!domain.startsWith('.')) return false;
  if (domain.length - 1 === host.length && host === domain.slice(1)) return true;
  return host.length > domain.length && host.endsWith(domain);
}

// Paths.

/** `cookie_util::CanonPathWithString`: the attribute if it starts with '/', else the URL's directory. */
export function canonPathWithString(url: URL, pathAttribute: string): string {
  if (pathAttribute.startsWith('/')) return pathAttribute;
  const urlPath = canonicalUrlPath(url);
  const slash = urlPath.lastIndexOf('/');
  if (slash <= 0) return '/';
  return urlPath.slice(0, slash);
}

/** `cookie_util::IsOnPath`: RFC 6265 path-match of a request path against a cookie path. */
export function isOnPath(cookiePath: string, urlPath: string): boolean {
  if (cookiePath === '' || !urlPath.startsWith(cookiePath)) return false;
  return cookiePath.length === urlPath.length || cookiePath.endsWith('/') || urlPath[cookiePath.length] === '/';
}

// url::CanonicalizePath for CreateSanitizedCookie: percent-encode and resolve dot segments.
function canonicalizePath(path: string): string {
  try {
    return new URL(path.replace(/%(?![0-9a-fA-F]{2})/g, '%25').replace(/\?/g, '%3F').replace(/#/g, '%23'), 'http://h').pathname;
  } catch {
    return path;
  }
}

// Prefixes.

/**
 * `CookiePrefix`: `__Secure-`, `__Http-`, `__Host-Http-`, `__Host-`, matched ASCII
 * case-insensitively as current Chromium does (`__Http-` and `__Host-Http-` behind
 * features::kPrefixCookieHttp / kPrefixCookieHostHttp, enabled by default).
 */
export type CookiePrefix = 'none' | 'secure' | 'http' | 'host-http' | 'host';

/** `cookie_util::GetCookiePrefix`: the first of "__Secure-", "__Http-", "__Host-Http-", "__Host-" the name starts with. */
export function getCookiePrefix(name: string): CookiePrefix {
  // Every prefix starts with "__" (no other character lowercases to '_').
  if (name.charCodeAt(0) !== 0x5f || name.charCodeAt(1) !== 0x5f) return 'none';
  // These ASCII letters match ignoring ASCII case exactly as base::StartsWith(INSENSITIVE_ASCII)
  // does: only A-Z fold (not U+212A KELVIN SIGN or U+0130).
  if (name.length >= 9 && asciiCaseEquals(name, 2, 'secure-')) return 'secure';
  if (name.length >= 7 && asciiCaseEquals(name, 2, 'http-')) return 'http';
  if (name.length >= 12 && asciiCaseEquals(name, 2, 'host-http-')) return 'host-http';
  if (name.length >= 7 && asciiCaseEquals(name, 2, 'host-')) return 'host';
  return 'none';
}

/** Whether `text[start, start + lower.length)` is `lower` (lowercase ASCII) ignoring ASCII case. */
function asciiCaseEquals(text: string, start: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    const c = text.charCodeAt(start + k);
    const t = lower.charCodeAt(k);
    if (c !== t && (c < 0x41 || c > 0x5a || c + 0x20 !== t)) return false;
  }
  return true;
}

/**
 * `cookie_util::IsCookiePrefixValid` on the Secure and HttpOnly flags and the raw Domain/Path
 * attributes. Secure needs a URL whose `ProvisionalAccessScheme` is not non-cryptographic
 * (https/wss, or a trustworthy http URL such as localhost).
 */
export function isCookiePrefixValid(prefix: CookiePrefix, url: URL, secure: boolean, httpOnly: boolean, domainAttribute: string, pathAttribute: string): boolean {
  if (prefix === 'none') return true;
  // HasValidSecurePrefixAttributes, which all four build on.
  if (!secure || accessScheme(url) === 'non_cryptographic') return false;
  // HasValidHttpPrefixAttributes.
  if ((prefix === 'http' || prefix === 'host-http') && !httpOnly) return false;
  // HasValidHostPrefixAttributes.
  if (prefix === 'host' || prefix === 'host-http') {
    if (pathAttribute !== '/') return false;
    return domainAttribute === '' || (isIpAddressHost(url.hostname) && url.hostname === domainAttribute);
  }
  return true;
}

/**
 * `CanonicalCookie::HasHiddenPrefixName`: a nameless cookie whose value starts with `__Host-` or
 * `__Secure-` (after SP/TAB). Chromium checks only those two here (not `__Http-`).
 */
export function hasHiddenPrefixName(value: string): boolean {
  const head = value.replace(/^[ \t]+/, '').slice(0, 9).toLowerCase();
  return head.startsWith('__host-') || head === '__secure-';
}

// Partitions.

/** `cookie_util::IsCookiePartitionedValid`: Partitioned needs Secure and a trustworthy URL, unless the partition has a nonce. */
export function isCookiePartitionedValid(url: URL, secure: boolean, partitioned: boolean, partitionHasNonce: boolean): boolean {
  if (!partitioned || partitionHasNonce) return true;
  return secure && accessScheme(url) !== 'non_cryptographic';
}

/**
 * The partition key for cookies of frames under the top-level page `topLevelUrl`: its
 * schemeful site (scheme + registrable domain, or host when there is none).
 *
 * @example cookiePartitionKeyFromUrl('https://a.example.com/x').topLevelSite // 'https://example.com'
 */
export function cookiePartitionKeyFromUrl(topLevelUrl: string | URL, crossSiteAncestor = false, nonce?: string): CookiePartitionKey {
  const url = toUrl(topLevelUrl);
  if (url === null) throw new TypeError(`Invalid top-level URL ${JSON.stringify(String(topLevelUrl))} for a cookie partition key`);
  const site = `${url.protocol}//${registrableDomain(url.hostname) || url.hostname}`;
  return nonce === undefined ? { topLevelSite: site, crossSiteAncestor } : { topLevelSite: site, crossSiteAncestor, nonce };
}

// Expiry.

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * `CanonicalCookie::ParseExpiration`: Max-Age first (a whole base-10 integer; <= 0 means already
 * expired, overflow saturates, anything else is ignored), then Expires shifted by the server
 * clock skew. Returns `null` for a session cookie. The 400-day cap is applied separately.
 */
export function parseExpiration(parsed: Pick<ParsedSetCookie, 'maxAge' | 'expires'>, now: number, serverTime: number = now): number | null {
  if (parsed.maxAge !== null) {
    const seconds = smallInteger(parsed.maxAge);
    if (seconds !== undefined) return seconds <= 0 ? EARLIEST_COOKIE_TIME : now + seconds * 1000;
    // base::StringToInt64: optional sign, digits only; on overflow it reports the saturated value.
    const match = /^([+-]?)(\d+)(.*)$/s.exec(parsed.maxAge);
    if (match !== null) {
      const negative = match[1] === '-';
      const magnitude = BigInt(match[2] as string);
      const valueN = negative ? -magnitude : magnitude;
      // Chromium compares the saturated value with == max / min, even when trailing text made
      // StringToInt64 fail.
      if (valueN >= INT64_MAX) return Number.POSITIVE_INFINITY;
      if (valueN <= INT64_MIN) return EARLIEST_COOKIE_TIME;
      if (match[3] === '') {
        if (valueN <= 0n) return EARLIEST_COOKIE_TIME;
        return now + Number(valueN) * 1000;
      }
    }
  }
  if (parsed.expires !== null && parsed.expires !== '') {
    const date = parseCookieDate(parsed.expires);
    if (date !== null) return date + (now - serverTime);
  }
  return null;
}

/**
 * The value of `text` when it is an optional sign and 1 to 15 ASCII digits and nothing else (an
 * integer that a double holds exactly, far from int64 overflow); `undefined` otherwise.
 */
function smallInteger(text: string): number | undefined {
  const length = text.length;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 0x2b || first === 0x2d) {
    negative = first === 0x2d;
    i = 1;
  }
  if (length - i < 1 || length - i > 15) return undefined;
  let n = 0;
  for (; i < length; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

/** `CanonicalCookie::ValidateAndAdjustExpiryDate`: cap a non-session expiry at creation + 400 days. */
export function capExpiry(expiry: number | null, creation: number): number | null {
  if (expiry === null) return null;
  return Math.min(expiry, creation + MAX_COOKIE_EXPIRY_DELTA_MS);
}

/** `CanonicalCookie::IsExpired`: a persistent cookie whose expiry is not after `now`. */
export function isCookieExpired(cookie: Pick<CanonicalCookie, 'expiry'>, now: number): boolean {
  return cookie.expiry !== null && now >= cookie.expiry;
}

function sourcePortFor(url: URL, protocol: string, secure: boolean): number {
  return adjustSourcePort(effectivePort(url, protocol), protocol, secure);
}

function adjustSourcePort(port: number, protocol: string, secure: boolean): number {
  if (!secure || isCryptographicProtocol(protocol)) return port;
  return (protocol === 'http:' || protocol === 'ws:') && port === 80 ? 443 : port;
}

/**
 * What cookie creation reads of the response URL, kept for the last URL seen (by href, which
 * they derive from): a response's Set-Cookie lines share their URL, and each URL getter builds
 * a new string.
 */
interface SourceUrlFacts {
  href: string;
  protocol: string;
  hostname: string;
  port: number;
  /** The default cookie path (canonPathWithString with no attribute), computed on first use. */
  defaultPath: string | null;
  /** effectiveDomain of the URL, computed on first use. */
  effectiveDomain: string | null;
  /** What is kept for the host name, found on first use. */
  host: HostFacts | null;
}

let lastSource: SourceUrlFacts = { href: '', protocol: '', hostname: '', port: -1, defaultPath: null, effectiveDomain: null, host: null };

function sourceFacts(url: URL): SourceUrlFacts {
  const href = url.href;
  let facts = lastSource;
  if (href !== facts.href) {
    const protocol = url.protocol;
    facts = { href, protocol, hostname: url.hostname, port: effectivePort(url, protocol), defaultPath: null, effectiveDomain: null, host: null };
    lastSource = facts;
  }
  return facts;
}

/**
 * CookieMonster's GetKey for a cookie domain: the registrable domain of the domain without its
 * leading dot, or that bare domain when it has none (what the store buckets cookies by).
 */
export function bucketKeyOf(domain: string): string {
  const bare = domain.charCodeAt(0) === 0x2e ? domain.slice(1) : domain;
  return registrableDomain(bare) || bare;
}

// The last cookie createCanonicalCookie made, with its domain and its bucket key (found on the way
// for nothing): the store inserting it next need not look the key up again.
let createdCookie: CanonicalCookie | null = null;
let createdDomain = '';
let createdBucket = '';

/**
 * {@link bucketKeyOf} `cookie.domain` when `cookie` is the last one {@link createCanonicalCookie}
 * made (and its domain is still the one it got); `undefined` otherwise.
 * @internal
 */
export function createdBucketKey(cookie: CanonicalCookie): string | undefined {
  return cookie === createdCookie && cookie.domain === createdDomain ? createdBucket : undefined;
}

function fail(status: CookieInclusionStatus): CookieCreationResult {
  return { ok: false, reasons: status.exclusions, warnings: status.warnings };
}

const NO_WARNINGS: readonly CookieWarningReason[] = Object.freeze([]);

/** {@link fail} for a borrowed status: the reasons are copied out and the status handed back. */
function failBorrowed(status: CookieInclusionStatus): CookieCreationResult {
  const result: CookieCreationResult = { ok: false, reasons: status.exclusions.slice(), warnings: status.warnings.slice() };
  returnStatus(status);
  return result;
}

/**
 * The set-time access check CookieMonster::SetCanonicalCookie runs (cookieable scheme, then
 * `CanonicalCookie::IsSetPermittedInContext`): Secure cookies only from https/wss or localhost,
 * HttpOnly only through HTTP, SameSite=None only with Secure, Lax/Strict/unspecified refused
 * in a cross-site context. Adds reasons to `status` and returns whether it still includes.
 */
export function checkSetPermitted(
  cookie: Pick<CanonicalCookie, 'secure' | 'httpOnly' | 'sameSite'>,
  url: string | URL,
  options: CookieSetPermissionOptions = {},
  status: CookieInclusionStatus = new CookieInclusionStatus(),
): boolean {
  const parsed = toUrl(url);
  if (parsed === null) {
    status.exclude(CookieExclusionReason.EXCLUDE_FAILURE_TO_STORE);
    return false;
  }
  const protocol = parsed.protocol;
  const schemes = options.cookieableSchemes;
  if (schemes === undefined ? !isHttpOrWsProtocol(protocol) : !schemes.includes(schemeOf(parsed))) {
    status.exclude(CookieExclusionReason.EXCLUDE_NONCOOKIEABLE_SCHEME);
  }

  let scheme = accessSchemeOf(parsed, protocol);
  if (scheme === 'non_cryptographic' && options.trustworthy === true) scheme = 'trustworthy';
  if (scheme === 'non_cryptographic' && cookie.secure) status.exclude(CookieExclusionReason.EXCLUDE_SECURE_ONLY);
  if (scheme === 'trustworthy' && cookie.secure) status.warn(CookieWarningReason.WARN_SECURE_ACCESS_GRANTED_NON_CRYPTOGRAPHIC);

  if (options.httpApi === false && cookie.httpOnly) status.exclude(CookieExclusionReason.EXCLUDE_HTTP_ONLY);

  const legacy = options.legacySemantics === true;
  if (!legacy && cookie.sameSite === 'no_restriction' && !cookie.secure) {
    status.exclude(CookieExclusionReason.EXCLUDE_SAMESITE_NONE_INSECURE);
  }
  if (options.sameSiteContext === 'cross-site') {
    if (cookie.sameSite === 'strict') status.exclude(CookieExclusionReason.EXCLUDE_SAMESITE_STRICT);
    else if (cookie.sameSite === 'lax') status.exclude(CookieExclusionReason.EXCLUDE_SAMESITE_LAX);
    else if (cookie.sameSite === 'unspecified' && !legacy) {
      status.exclude(CookieExclusionReason.EXCLUDE_SAMESITE_UNSPECIFIED_TREATED_AS_LAX);
    }
  }
  return status.isInclude();
}

/**
 * Create a cookie from a Set-Cookie line received for `url` at time `now`, as Chromium's
 * `CanonicalCookie::Create` followed (unless `checkSetPermitted: false`) by the set-time access
 * check of {@link checkSetPermitted}.
 *
 * @example
 * const r = createCanonicalCookie('https://www.example.com/a/b', 'id=1; Domain=example.com', Date.now());
 * if (r.ok) r.cookie.domain; // '.example.com'
 */
export function createCanonicalCookie(url: string | URL, line: string, now: number, options: CreateCanonicalCookieOptions = {}): CookieCreationResult {
  // Nothing of the status escapes on success, so a spare one is used (see borrowStatus).
  const status = borrowStatus();
  const source = toUrl(url);
  if (source === null) {
    status.exclude(CookieExclusionReason.EXCLUDE_FAILURE_TO_STORE);
    return failBorrowed(status);
  }
  const parsed = parseSetCookieFields(line, status);
  if (parsed === null) return failBorrowed(status);

  const facts = sourceFacts(source);
  const protocol = facts.protocol;
  const domainAttribute = parsed.domain ?? '';
  const pathAttribute = parsed.path ?? '';
  const domain = cookieDomainFor(protocol, facts.hostname, domainAttribute, status, facts);
  if (domain === null) status.exclude(CookieExclusionReason.EXCLUDE_INVALID_DOMAIN);
  let path: string;
  if (pathAttribute.charCodeAt(0) === 0x2f) path = pathAttribute; // canonPathWithString
  else path = facts.defaultPath ??= canonPathWithString(source, '');

  let prefixValid = true;
  if (parsed.name === '') prefixValid = !hasHiddenPrefixName(parsed.value);
  else {
    const prefix = getCookiePrefix(parsed.name);
    if (prefix !== 'none') prefixValid = isCookiePrefixValid(prefix, source, parsed.secure, parsed.httpOnly, domainAttribute, pathAttribute);
  }
  if (!prefixValid) status.exclude(CookieExclusionReason.EXCLUDE_INVALID_PREFIX);

  const partitionHasNonce = options.partitionKey?.nonce !== undefined;
  if (!isCookiePartitionedValid(source, parsed.secure, parsed.partitioned, partitionHasNonce)) {
    status.exclude(CookieExclusionReason.EXCLUDE_INVALID_PARTITIONED);
  }
  const partitionKey = parsed.partitioned || partitionHasNonce ? (options.partitionKey ?? null) : null;
  if (!status.isInclude() || domain === null) return failBorrowed(status);

  const cryptographic = isCryptographicProtocol(protocol);
  if (parsed.secure && !cryptographic) status.warn(CookieWarningReason.WARN_TENTATIVELY_ALLOWING_SECURE_SOURCE_SCHEME);
  // A server time that is not a time (NaN, Infinity) counts as none, as a null base::Time does.
  const serverTime = options.serverTime != null && Number.isFinite(options.serverTime) ? options.serverTime : now;
  const expiry = capExpiry(parseExpiration(parsed, now, serverTime), now);

  const cookie: CanonicalCookie = {
    name: parsed.name,
    value: parsed.value,
    domain,
    hostOnly: domain.charCodeAt(0) !== 0x2e,
    path,
    secure: parsed.secure,
    httpOnly: parsed.httpOnly,
    sameSite: parsed.sameSite,
    priority: parsed.priority,
    creation: now,
    lastAccess: now,
    expiry,
    partitionKey,
    sourceScheme: parsed.secure || cryptographic ? 'secure' : 'non_secure',
    sourcePort: adjustSourcePort(facts.port, protocol, parsed.secure),
  };
  if (options.checkSetPermitted !== false && !checkSetPermitted(cookie, source, options, status)) return failBorrowed(status);
  const warnings = status.warnings.length === 0 ? NO_WARNINGS : status.warnings.slice();
  returnStatus(status);
  // The bucket key: the URL's for a host cookie (once per URL); for a domain cookie of an http(s)
  // or ws(s) URL, the registrable domain its Domain attribute was checked against.
  let bucket: string | null = null;
  if (domain === facts.hostname) {
    // bucketKeyOf(domain), the look-up done once per URL.
    bucket = (facts.host ??= hostFacts(domain)).registrable || (domain.charCodeAt(0) === 0x2e ? domain.slice(1) : domain);
  } else if (usedAttributeInfo !== null && domain === usedAttributeInfo.domain && usedAttributeInfo.registrable !== '' && isHttpOrWsProtocol(protocol)) {
    bucket = usedAttributeInfo.registrable;
  }
  if (bucket !== null) {
    createdCookie = cookie;
    createdDomain = domain;
    createdBucket = bucket;
  } else createdCookie = null;
  return { ok: true, cookie, warnings };
}

/** Fields of {@link createSanitizedCookie}, as Electron's `cookies.set` passes them (times in ms). */
export interface SanitizedCookieDetails {
  readonly url: string | URL;
  readonly name: string;
  readonly value: string;
  /** `''` for a host-only cookie. */
  readonly domain: string;
  /** `''` for the URL's default path. */
  readonly path: string;
  readonly creation: number | null;
  readonly expiry: number | null;
  readonly lastAccess: number | null;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: CookieSameSite;
  readonly priority?: CookiePriority;
  readonly partitionKey?: CookiePartitionKey | null;
}

/**
 * Build a cookie from separate fields with the checks of Chromium's
 * `CanonicalCookie::CreateSanitizedCookie` (the path Electron's `cookies.set` takes). Every
 * failing check adds its reason; `now` stands in for a missing creation time.
 *
 * @example createSanitizedCookie({ url: 'http://127.0.0.1', name: 'a', value: 'b;c', ... }, now) // EXCLUDE_DISALLOWED_CHARACTER
 */
/**
 * `text` with every lone surrogate replaced by U+FFFD, as the conversion of a JavaScript string
 * to the UTF-8 std::string Chromium's cookie code takes does (String.prototype.toWellFormed).
 */
export function wellFormed(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATE_ALL, '\uFFFD') : text;
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE.source, 'g');

export function createSanitizedCookie(details: SanitizedCookieDetails, now: number): CookieCreationResult {
  const status = new CookieInclusionStatus();
  // Strings arrive from JavaScript; Chromium gets them as UTF-8, lone surrogates replaced.
  const name = wellFormed(details.name);
  const value = wellFormed(details.value);
  const domain = wellFormed(details.domain);
  const path = wellFormed(details.path);

  if (trimCookieToken(name) !== name || trimCookieValue(value) !== value || trimCookieValue(path) !== path) {
    status.exclude(CookieExclusionReason.EXCLUDE_DISALLOWED_CHARACTER);
  }
  isValidCookieNameValuePair(name, value, status);

  let domainValid = true;
  if (trimCookieValue(domain) !== domain || !isValidCookieValue(domain)) {
    status.exclude(CookieExclusionReason.EXCLUDE_INVALID_DOMAIN);
    domainValid = false;
  }
  if (utf8ByteLength(domain) > MAX_COOKIE_ATTRIBUTE_VALUE_SIZE) {
    status.exclude(CookieExclusionReason.EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE);
    domainValid = false;
  }
  const domainAttribute = domainValid ? domain : '';

  const url = toUrl(details.url);
  let cookieDomain: string | null = null;
  if (url === null || url.hostname.startsWith('.')) {
    status.exclude(CookieExclusionReason.EXCLUDE_INVALID_DOMAIN);
  } else {
    cookieDomain = getCookieDomain(url, domainAttribute, status);
    if (cookieDomain === null) status.exclude(CookieExclusionReason.EXCLUDE_INVALID_DOMAIN);
  }
  // Added for any valid URL, before the IsInclude() return, so a rejection reports it too.
  const cryptographic = url !== null && isCryptographicScheme(url);
  if (url !== null && details.secure && !cryptographic) status.warn(CookieWarningReason.WARN_TENTATIVELY_ALLOWING_SECURE_SOURCE_SCHEME);

  let encodedPath = '/';
  if (url !== null) {
    const cookiePath = canonPathWithString(url, path);
    encodedPath = canonicalizePath(cookiePath);
    if (path !== '') {
      if (cookiePath !== path) status.exclude(CookieExclusionReason.EXCLUDE_FAILURE_TO_STORE);
      else if (utf8ByteLength(encodedPath) > MAX_COOKIE_ATTRIBUTE_VALUE_SIZE) {
        status.exclude(CookieExclusionReason.EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE);
      }
    }
    if (!isCookiePrefixValid(getCookiePrefix(name), url, details.secure, details.httpOnly, domainAttribute, cookiePath)) {
      status.exclude(CookieExclusionReason.EXCLUDE_INVALID_PREFIX);
    }
  } else if (getCookiePrefix(name) !== 'none') {
    status.exclude(CookieExclusionReason.EXCLUDE_INVALID_PREFIX);
  }
  if (name === '' && hasHiddenPrefixName(value)) status.exclude(CookieExclusionReason.EXCLUDE_INVALID_PREFIX);

  const partitionKey = details.partitionKey ?? null;
  const partitionValid =
    url === null
      ? partitionKey === null || partitionKey.nonce !== undefined
      : isCookiePartitionedValid(url, details.secure, partitionKey !== null, partitionKey?.nonce !== undefined);
  if (!partitionValid) status.exclude(CookieExclusionReason.EXCLUDE_INVALID_PARTITIONED);

  if (details.lastAccess !== null && details.creation === null) status.exclude(CookieExclusionReason.EXCLUDE_FAILURE_TO_STORE);
  if (!status.isInclude() || url === null || cookieDomain === null) return fail(status);

  const creation = details.creation ?? now;
  const cookie: CanonicalCookie = {
    name,
    value,
    domain: cookieDomain,
    hostOnly: !cookieDomain.startsWith('.'),
    path: encodedPath,
    secure: details.secure,
    httpOnly: details.httpOnly,
    sameSite: details.sameSite,
    priority: details.priority ?? 'medium',
    creation,
    lastAccess: details.lastAccess ?? creation,
    expiry: capExpiry(details.expiry, creation),
    partitionKey,
    sourceScheme: details.secure || cryptographic ? 'secure' : 'non_secure',
    sourcePort: sourcePortFor(url, url.protocol, details.secure),
  };
  return { ok: true, cookie, warnings: status.warnings };
}

/** `CanonicalCookie::BuildCookieLine`: the Cookie header for cookies already in send order. */
export function buildCookieLine(cookies: Iterable<Pick<CanonicalCookie, 'name' | 'value'>>): string {
  let line = '';
  for (const cookie of cookies) {
    if (line !== '') line += '; ';
    // A nameless cookie is sent as its bare value, never as "=value".
    line += cookie.name === '' ? cookie.value : `${cookie.name}=${cookie.value}`;
  }
  return line;
}
