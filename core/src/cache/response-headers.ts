/**
 * Chromium's HTTP cache rules that read response and request headers (net/http/http_response_headers.cc,
 * net/http/http_cache_transaction.cc, net/http/http_vary_data.cc), over fetch `Headers`.
 * Times are milliseconds since the epoch; lifetimes are milliseconds (`Infinity` = never stale).
 */
import { parseCookieDateFull } from '../cookies/cookie-date.ts';

/**
 * The comma-separated values of a header, trimmed, commas inside quoted strings kept (Chromium's
 * `HttpUtil::ValuesIterator`). Empty values are skipped.
 * @example headerValues('max-age=60, no-cache="a, b"') // ['max-age=60', 'no-cache="a, b"']
 */
export function headerValues(value: string | null): string[] {
  if (value === null || value === '') return [];
  const out: string[] = [];
  for (let start = 0, end = valueEnd(value, 0); end >= 0; start = end + 1, end = valueEnd(value, start)) {
    const item = value.slice(start, end).trim();
    if (item !== '') out.push(item);
  }
  return out;
}

/**
 * Where the value starting at `start` ends: the index of its comma (outside a quoted string), or
 * `value.length` for the last one; -1 when no value starts there (past the end, or after a
 * backslash that ends the text inside a quoted string).
 */
function valueEnd(value: string, start: number): number {
  let quoted = false;
  for (let i = start; i <= value.length; i++) {
    const c = i < value.length ? value.charCodeAt(i) : 44;
    if (c === 34) quoted = !quoted;
    else if (c === 92 && quoted) i++;
    else if (c === 44 && (!quoted || i === value.length)) return i;
  }
  return -1;
}

/**
 * HttpResponseHeaders::HasHeaderValue: one of the header's values equals `wanted` (lower-case
 * ASCII), ignoring ASCII case. The values are those of {@link headerValues}, found in place: the
 * cache asks this a few times per request, and the list and its slices would be garbage at once.
 */
export function hasHeaderValue(headers: Headers, name: string, wanted: string): boolean {
  const value = headers.get(name);
  if (value === null || value === '') return false;
  for (let start = 0, end = valueEnd(value, 0); end >= 0; start = end + 1, end = valueEnd(value, start)) {
    if (itemEquals(value, start, end, wanted)) return true;
  }
  return false;
}

// Whether value[from, to), trimmed as String.prototype.trim does, is `wanted` ignoring ASCII case
// (what `slice(from, to).trim().toLowerCase() === wanted` says for a lower-case ASCII `wanted`).
function itemEquals(value: string, from: number, to: number, wanted: string): boolean {
  while (from < to && isTrimmed(value.charCodeAt(from))) from++;
  while (to > from && isTrimmed(value.charCodeAt(to - 1))) to--;
  if (to - from !== wanted.length || wanted.length === 0) return false;
  for (let k = 0; k < wanted.length; k++) {
    let c = value.charCodeAt(from + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== wanted.charCodeAt(k)) return false;
  }
  return true;
}

// String.prototype.trim's set: WhiteSpace and LineTerminator.
function isTrimmed(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a)
    || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * HttpResponseHeaders::GetCacheControlDirective: the first Cache-Control value that starts with
 * `name=` (ASCII case ignored), in milliseconds; null when absent. The value must be digits only:
 * Chrome does not reuse `max-age=3600a`, `3600.0` or `-1` (cache-tests cc-parse), so anything else
 * counts as 0. Values past 2^53 saturate.
 */
export function cacheControlSeconds(headers: Headers, name: string): number | null {
  for (const v of headerValues(headers.get('cache-control'))) {
    if (v.length > name.length && v.charCodeAt(name.length) === 61 && v.slice(0, name.length).toLowerCase() === name) {
      const text = v.slice(name.length + 1).trim();
      if (!/^[0-9]+$/.test(text)) return 0;
      return Math.min(Number(text), Number.MAX_SAFE_INTEGER) * 1000;
    }
  }
  return null;
}

const DOTTED_TIME = /\b(\d{1,2})\.(\d{1,2})\.(\d{1,2})\b/;

/**
 * Dates of Date, Expires and Last-Modified as Chromium reads them (base::Time::FromString, NSPR's
 * lenient parser): any order of tokens, case-insensitive names, two-digit years 70-99 → 19xx and
 * 00-69 → 20xx, unknown zones read as GMT, `hh.mm.ss` times. The cookie date algorithm accepts the
 * same forms apart from the dotted time, so it does the work. NaN when there is no date.
 */
export function parseHttpDate(value: string | null): number {
  if (value === null) return NaN;
  let t = parseCookieDateFull(value);
  if (t === null && DOTTED_TIME.test(value)) t = parseCookieDateFull(value.replace(DOTTED_TIME, '$1:$2:$3'));
  return t ?? NaN;
}

/**
 * HttpResponseHeaders::GetAgeValue: the first value of `Age` (the first line, its first member) as
 * delta-seconds, in milliseconds. Only digits count (ParseUint32, non-negative): `abc`, `-7200`,
 * `7200.0` and `7200;foo=1` are ignored (null), and an overflow saturates at 2^32 - 1 seconds.
 */
export function ageValue(headers: Headers): number | null {
  const first = headerValues(headers.get('age'))[0];
  if (first === undefined || !/^[0-9]+$/.test(first)) return null;
  return Math.min(Number(first), 0xffffffff) * 1000;
}

/** `FreshnessLifetimes`: how long a response is fresh, then how long it may be served while revalidating. */
export interface FreshnessLifetimes {
  freshness: number;
  staleness: number;
}

/**
 * HttpResponseHeaders::GetFreshnessLifetimes. `no-cache`, `no-store` or `Pragma: no-cache` → 0;
 * then `max-age`; then `Expires − Date`; then the 10% Last-Modified heuristic for 200, 203 and 206
 * only; 300, 301, 308 and 410 are fresh forever; anything else 0. `stale-while-revalidate` gives the
 * staleness window unless `must-revalidate` is present.
 */
export function freshnessLifetimes(status: number, headers: Headers, responseTime: number): FreshnessLifetimes {
  const lifetimes: FreshnessLifetimes = { freshness: 0, staleness: 0 };
  if (hasHeaderValue(headers, 'cache-control', 'no-cache') || hasHeaderValue(headers, 'cache-control', 'no-store') || hasHeaderValue(headers, 'pragma', 'no-cache')) {
    return lifetimes;
  }
  const mustRevalidate = hasHeaderValue(headers, 'cache-control', 'must-revalidate');
  if (!mustRevalidate) lifetimes.staleness = cacheControlSeconds(headers, 'stale-while-revalidate') ?? 0;
  const maxAge = cacheControlSeconds(headers, 'max-age');
  if (maxAge !== null) {
    lifetimes.freshness = maxAge;
    return lifetimes;
  }
  // No Date header: the response was made when it arrived.
  let date = parseHttpDate(headers.get('date'));
  if (Number.isNaN(date)) date = responseTime;
  const expires = parseHttpDate(headers.get('expires'));
  if (!Number.isNaN(expires)) {
    if (expires > date) lifetimes.freshness = expires - date;
    return lifetimes;
  }
  if ((status === 200 || status === 203 || status === 206) && !mustRevalidate) {
    const lastModified = parseHttpDate(headers.get('last-modified'));
    if (!Number.isNaN(lastModified) && lastModified <= date) {
      lifetimes.freshness = (date - lastModified) / 10;
      return lifetimes;
    }
  }
  if (status === 300 || status === 301 || status === 308 || status === 410) {
    lifetimes.freshness = Infinity;
    lifetimes.staleness = 0;
  }
  return lifetimes;
}

/**
 * The time at which the response's current age was zero (HttpResponseHeaders::GetCurrentAge):
 * `responseTime − corrected_initial_age`, where the initial age is the larger of the apparent age
 * (`responseTime − Date`) and `Age + (responseTime − requestTime)`. Age at `now` = `now − ageBase`.
 */
export function ageBase(headers: Headers, requestTime: number, responseTime: number): number {
  let date = parseHttpDate(headers.get('date'));
  if (Number.isNaN(date)) date = responseTime;
  const age = ageValue(headers) ?? 0;
  const apparentAge = Math.max(0, responseTime - date);
  const correctedAge = age + (responseTime - requestTime);
  return responseTime - Math.max(apparentAge, correctedAge);
}

// PERSIST_SANS_COOKIES, PERSIST_SANS_CHALLENGES, PERSIST_SANS_HOP_BY_HOP, PERSIST_SANS_RANGES
// (http_response_headers.cc): headers never written to the cache. Connection-listed names stay,
// as in Chromium.
const NOT_PERSISTED = new Set([
  'set-cookie', 'set-cookie2', 'clear-site-data',
  'www-authenticate', 'proxy-authenticate',
  'connection', 'proxy-connection', 'keep-alive', 'trailer', 'transfer-encoding', 'upgrade',
]);

/**
 * The response headers as the cache stores them (HttpResponseInfo::Persist with transient headers
 * skipped): cookies, challenges and hop-by-hop headers go, and so do the headers named by
 * `no-cache="..."` or `private="..."` (PERSIST_SANS_NON_CACHEABLE).
 */
export function persistedHeaders(headers: Headers): Array<[string, string]> {
  const named = new Set<string>();
  for (const v of headerValues(headers.get('cache-control'))) {
    const eq = v.indexOf('=');
    if (eq < 0) continue;
    const directive = v.slice(0, eq).trim().toLowerCase();
    if (directive !== 'no-cache' && directive !== 'private') continue;
    let list = v.slice(eq + 1).trim();
    if (list.startsWith('"')) list = list.slice(1, list.endsWith('"') && list.length > 1 ? -1 : undefined);
    for (const name of list.split(',')) {
      const n = name.trim().toLowerCase();
      if (n !== '') named.add(n);
    }
  }
  const out: Array<[string, string]> = [];
  headers.forEach((value, name) => {
    if (!NOT_PERSISTED.has(name) && !named.has(name)) out.push([name, value]);
  });
  return out;
}

// HttpResponseHeaders::Update: headers a 304 never replaces (kNonUpdatedHeaderNames and prefixes).
const NOT_UPDATED = new Set([
  'connection', 'proxy-connection', 'keep-alive', 'www-authenticate', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-location', 'content-md5', 'etag',
  'content-encoding', 'content-range', 'content-type', 'content-length', 'x-frame-options', 'x-xss-protection',
]);

/**
 * The stored headers after a 304 (HttpResponseHeaders::Update): every header the 304 carries replaces
 * the stored one of that name, except the non-updatable ones and `x-content-*` / `x-webkit-*`.
 */
export function mergeNotModified(stored: ReadonlyArray<readonly [string, string]>, notModified: Headers): Array<[string, string]> {
  const replaced = new Map<string, string>();
  notModified.forEach((value, name) => {
    if (NOT_UPDATED.has(name) || name.startsWith('x-content-') || name.startsWith('x-webkit-') || NOT_PERSISTED.has(name)) return;
    replaced.set(name, value);
  });
  const out: Array<[string, string]> = [];
  for (const [name, value] of stored) if (!replaced.has(name)) out.push([name, value]);
  for (const [name, value] of replaced) out.push([name, value]);
  return out;
}

/**
 * The request values of the headers a response varies on (HttpVaryData::Init), or null when the
 * response cannot be matched by Vary (`Vary: *`). Names are lower-case; absent headers are null.
 */
export function varyData(responseHeaders: Headers, requestHeaders: Headers): Array<[string, string | null]> | null {
  const out: Array<[string, string | null]> = [];
  for (const name of headerValues(responseHeaders.get('vary'))) {
    if (name === '*') return null;
    out.push([name.toLowerCase(), requestHeaders.get(name)]);
  }
  return out;
}

/** HttpVaryData::MatchesRequest: every varied header has the same request value as when stored. */
export function varyMatches(stored: ReadonlyArray<readonly [string, string | null]> | null, requestHeaders: Headers): boolean {
  if (stored === null) return false;
  for (const [name, value] of stored) if (requestHeaders.get(name) !== value) return false;
  return true;
}

/** A single byte range of a `Range` request header: `bytes=a-b`, `bytes=a-` or `bytes=-n`. */
export interface ByteRange {
  readonly first: number | null;
  readonly last: number | null;
  readonly suffix: number | null;
}

/** The request's single byte range (HttpUtil::ParseRangeHeader), or null for anything else (several ranges, other units). */
export function parseByteRange(value: string | null): ByteRange | null {
  if (value === null) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') return { first: null, last: null, suffix: Number(m[2]) };
  const first = Number(m[1]);
  const last = m[2] === '' ? null : Number(m[2]);
  if (last !== null && last < first) return null;
  return { first, last, suffix: null };
}

/** The bytes [start, end] of a `length`-byte body that `range` asks for, or null when it cannot be satisfied. */
export function resolveByteRange(range: ByteRange, length: number): { start: number; end: number } | null {
  if (range.suffix !== null) {
    if (range.suffix === 0 || length === 0) return null;
    return { start: Math.max(0, length - range.suffix), end: length - 1 };
  }
  const start = range.first!;
  if (start >= length) return null;
  return { start, end: range.last === null ? length - 1 : Math.min(range.last, length - 1) };
}
