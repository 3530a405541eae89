// One Set-Cookie line, parsed as Chromium's ParsedCookie does (net/cookies/parsed_cookie.cc).
// Differences from RFC 6265 §5.2 / tough-cookie, all deliberate:
// - a first pair without '=' is a nameless cookie whose value is the text ("foo" -> name "",
//   value "foo"), as is "=foo"; only a pair with neither name nor value is rejected;
// - '\r', '\n' or '\0' anywhere rejects the line (older Chromium truncated there), and any other
//   control character (0x00-0x1F, including an internal TAB, and 0x7F) in the name, the value,
//   an attribute name or an attribute value rejects it too;
// - name + value over 4096 bytes rejects the line; an attribute value over 1024 bytes is ignored;
// - an empty Domain attribute still counts (the last Domain wins, and "" means host-only).

import { CookieExclusionReason, CookieInclusionStatus, CookieWarningReason } from './inclusion-status.ts';

/** `ParsedCookie::kMaxCookieNamePlusValueSize`: bytes of name + value (UTF-8), '=' not counted. */
export const MAX_COOKIE_NAME_PLUS_VALUE_SIZE = 4096;
/** `ParsedCookie::kMaxCookieAttributeValueSize`: bytes of one attribute value (UTF-8). */
export const MAX_COOKIE_ATTRIBUTE_VALUE_SIZE = 1024;

/** The SameSite attribute as recorded on a cookie (Electron's spelling of `CookieSameSite`). */
export type CookieSameSite = 'unspecified' | 'no_restriction' | 'lax' | 'strict';
/** `CookiePriority` (net/cookies/cookie_constants.h); `medium` is the default. */
export type CookiePriority = 'low' | 'medium' | 'high';

/** What {@link parseSetCookie} extracts from a line. Attribute values are `null` when absent. */
export interface ParsedSetCookie {
  readonly name: string;
  readonly value: string;
  /** Every attribute kept, in order, names ASCII-lowercased (oversized values dropped). */
  readonly attributes: ReadonlyArray<readonly [name: string, value: string]>;
  readonly domain: string | null;
  readonly path: string | null;
  readonly expires: string | null;
  readonly maxAge: string | null;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly partitioned: boolean;
  readonly sameSite: CookieSameSite;
  readonly priority: CookiePriority;
}

const TAB = 0x09;
const SPACE = 0x20;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;

function isWhitespace(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** Number of bytes `text` takes in UTF-8 (Chromium measures cookies in bytes). */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2;
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x1f || code === 0x7f) return true;
  }
  return false;
}

/** `ParsedCookie::IsValidCookieName`: no control characters, ';' or '='. */
export function isValidCookieName(name: string): boolean {
  return !hasControlCharacter(name) && !name.includes(';') && !name.includes('=');
}

/** `ParsedCookie::IsValidCookieValue` (also used for attribute values): no control characters or ';'. */
export function isValidCookieValue(value: string): boolean {
  return !hasControlCharacter(value) && !value.includes(';');
}

/**
 * `ParsedCookie::IsValidCookieNameValuePair`: not both empty, at most 4096 bytes together, valid
 * characters. Adds the reason to `status` when given.
 */
export function isValidCookieNameValuePair(name: string, value: string, status?: CookieInclusionStatus): boolean {
  if (name === '' && value === '') {
    status?.exclude(CookieExclusionReason.EXCLUDE_NO_COOKIE_CONTENT);
    return false;
  }
  if (utf8ByteLength(name) + utf8ByteLength(value) > MAX_COOKIE_NAME_PLUS_VALUE_SIZE) {
    status?.exclude(CookieExclusionReason.EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE);
    return false;
  }
  if (!isValidCookieName(name) || !isValidCookieValue(value)) {
    status?.exclude(CookieExclusionReason.EXCLUDE_DISALLOWED_CHARACTER);
    return false;
  }
  return true;
}

/** ASCII-only lowercasing (base::ToLowerASCII): non-ASCII letters are left alone. */
export function asciiLower(text: string): string {
  // Only A-Z change (String#toLowerCase would also fold non-ASCII letters).
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) break;
  }
  if (i === text.length) return text;
  let out = text.slice(0, i);
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 0x20) : text[i];
  }
  return out;
}

/** `ParsedCookie::ParseValueString`: the text with leading/trailing SP and TAB removed, cut at the first ';'. */
export function trimCookieValue(text: string): string {
  let start = 0;
  while (start < text.length && isWhitespace(text.charCodeAt(start))) start++;
  let end = start;
  while (end < text.length && text.charCodeAt(end) !== SEMICOLON) end++;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** `ParsedCookie::ParseTokenString`: leading/trailing SP and TAB removed, cut at the first ';' or '='. */
export function trimCookieToken(text: string): string {
  let start = 0;
  while (start < text.length && isWhitespace(text.charCodeAt(start))) start++;
  let end = start;
  while (end < text.length && text.charCodeAt(end) !== SEMICOLON && text.charCodeAt(end) !== EQUALS) end++;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** `StringToCookieSameSite`: none/lax/strict, ASCII case-insensitive; anything else is unspecified. */
export function parseSameSite(text: string): CookieSameSite {
  switch (asciiLower(text)) {
    case 'none':
      return 'no_restriction';
    case 'lax':
      return 'lax';
    case 'strict':
      return 'strict';
    default:
      return 'unspecified';
  }
}

/**
 * Parse one Set-Cookie header value as Chromium's ParsedCookie. Returns `null` when Chromium
 * would reject the line; the reasons are added to `status` (exclusions) and kept warnings too.
 *
 * @example parseSetCookie('id=1; Path=/; Secure')?.secure // true
 * @example parseSetCookie('foo')?.value // 'foo' (nameless cookie)
 */
export function parseSetCookie(line: string, status: CookieInclusionStatus = new CookieInclusionStatus()): ParsedSetCookie | null {
  return parseLine(line, status, true);
}

const NO_ATTRIBUTES: ReadonlyArray<readonly [string, string]> = Object.freeze([]);

/**
 * {@link parseSetCookie} without the `attributes` list (an empty frozen array): what cookie
 * creation needs, with no per-attribute allocation.
 * @internal
 */
export function parseSetCookieFields(line: string, status: CookieInclusionStatus): ParsedSetCookie | null {
  return parseLine(line, status, false);
}

/**
 * {@link parseSetCookie} through the general tokenizer only (what the clean-line shortcut falls
 * back to), so tests can check that the shortcut gives the same answers.
 * @internal
 */
export function parseSetCookieGeneral(line: string, status: CookieInclusionStatus = new CookieInclusionStatus()): ParsedSetCookie | null {
  return parseAnyLine(line, status, true);
}

// Line flags from the first scan.
const HAS_CONTROL = 1; // a control character (TAB included) or DEL somewhere
const HAS_NON_ASCII = 2;

/** Whether `line[start, start + literal.length)` is `literal` (lowercase ASCII) ignoring ASCII case. */
function matchesLower(line: string, start: number, literal: string): boolean {
  for (let k = 0; k < literal.length; k++) {
    const c = line.charCodeAt(start + k);
    const t = literal.charCodeAt(k);
    if (c !== t && (c < 0x41 || c > 0x5a || c + 0x20 !== t)) return false;
  }
  return true;
}

// Known attributes (ParsedCookie::SetupAttributes), by code.
const ATTR_UNKNOWN = 0;
const ATTR_DOMAIN = 1;
const ATTR_PATH = 2;
const ATTR_EXPIRES = 3;
const ATTR_MAX_AGE = 4;
const ATTR_SECURE = 5;
const ATTR_HTTP_ONLY = 6;
const ATTR_PARTITIONED = 7;
const ATTR_SAME_SITE = 8;
const ATTR_PRIORITY = 9;

/** The attribute named by `line[start, end)`, ASCII case-insensitively, without copying it. */
function attributeCode(line: string, start: number, end: number): number {
  // By length and first letter (c | 0x20 folds ASCII case; it can only let through a candidate
  // that the full comparison then checks), then one comparison.
  const first = line.charCodeAt(start) | 0x20;
  switch (end - start) {
    case 4:
      return first === 0x70 && matchesLower(line, start, 'path') ? ATTR_PATH : ATTR_UNKNOWN;
    case 6:
      if (first === 0x64) return matchesLower(line, start, 'domain') ? ATTR_DOMAIN : ATTR_UNKNOWN;
      return first === 0x73 && matchesLower(line, start, 'secure') ? ATTR_SECURE : ATTR_UNKNOWN;
    case 7:
      if (first === 0x65) return matchesLower(line, start, 'expires') ? ATTR_EXPIRES : ATTR_UNKNOWN;
      return first === 0x6d && matchesLower(line, start, 'max-age') ? ATTR_MAX_AGE : ATTR_UNKNOWN;
    case 8:
      if (first === 0x73) return matchesLower(line, start, 'samesite') ? ATTR_SAME_SITE : ATTR_UNKNOWN;
      if (first === 0x68) return matchesLower(line, start, 'httponly') ? ATTR_HTTP_ONLY : ATTR_UNKNOWN;
      return first === 0x70 && matchesLower(line, start, 'priority') ? ATTR_PRIORITY : ATTR_UNKNOWN;
    case 11:
      return first === 0x70 && matchesLower(line, start, 'partitioned') ? ATTR_PARTITIONED : ATTR_UNKNOWN;
    default:
      return ATTR_UNKNOWN;
  }
}

/**
 * Four characters at `at` as one number, each with bit 5 set (`c | 0x20`: ASCII letters
 * lowercased). For printable ASCII that is exact for a lowercase letter or '-': only the letter in
 * either case gives the letter, and only '-' (and CR, which is not printable) gives '-'. So for a
 * clean line, `word(line, at) === word(literal, 0)` is {@link matchesLower} on those four.
 */
function word(text: string, at: number): number {
  return (
    ((text.charCodeAt(at) | 0x20) << 24) |
    ((text.charCodeAt(at + 1) | 0x20) << 16) |
    ((text.charCodeAt(at + 2) | 0x20) << 8) |
    (text.charCodeAt(at + 3) | 0x20)
  );
}

const W_PATH = word('path', 0);
const W_DOMA = word('domain', 0);
const W_MAIN = word('domain', 2);
const W_SECU = word('secure', 0);
const W_CURE = word('secure', 2);
const W_EXPI = word('expires', 0);
const W_IRES = word('expires', 3);
const W_MAX_ = word('max-age', 0);
const W__AGE = word('max-age', 3);
const W_SAME = word('samesite', 0);
const W_SITE = word('samesite', 4);
const W_HTTP = word('httponly', 0);
const W_ONLY = word('httponly', 4);
const W_PRIO = word('priority', 0);
const W_RITY = word('priority', 4);
const W_PART = word('partitioned', 0);
const W_ITIO = word('partitioned', 4);
const W_ONED = word('partitioned', 7);
const W_NONE = word('none', 0);
const W_STRI = word('strict', 0);
const W_RICT = word('strict', 2);
const W_HIGH = word('high', 0);
// Three characters: the low three bytes of a word ending with them (read from one character
// before the value, '=' or a space, which the mask drops).
const W_LAX = word(' lax', 0) & 0xffffff;
const W_LOW = word(' low', 0) & 0xffffff;

/**
 * {@link attributeCode} for a clean line (printable ASCII only): the name compared as 32-bit
 * words (overlapping ones for 6 and 7 characters).
 */
function attributeCodeClean(line: string, start: number, end: number): number {
  switch (end - start) {
    case 4:
      return word(line, start) === W_PATH ? ATTR_PATH : ATTR_UNKNOWN;
    case 6: {
      const head = word(line, start);
      const tail = word(line, start + 2);
      if (head === W_DOMA) return tail === W_MAIN ? ATTR_DOMAIN : ATTR_UNKNOWN;
      return head === W_SECU && tail === W_CURE ? ATTR_SECURE : ATTR_UNKNOWN;
    }
    case 7: {
      const head = word(line, start);
      const tail = word(line, start + 3);
      if (head === W_EXPI) return tail === W_IRES ? ATTR_EXPIRES : ATTR_UNKNOWN;
      return head === W_MAX_ && tail === W__AGE ? ATTR_MAX_AGE : ATTR_UNKNOWN;
    }
    case 8: {
      const head = word(line, start);
      const tail = word(line, start + 4);
      if (head === W_SAME) return tail === W_SITE ? ATTR_SAME_SITE : ATTR_UNKNOWN;
      if (head === W_HTTP) return tail === W_ONLY ? ATTR_HTTP_ONLY : ATTR_UNKNOWN;
      return head === W_PRIO && tail === W_RITY ? ATTR_PRIORITY : ATTR_UNKNOWN;
    }
    case 11:
      return word(line, start) === W_PART && word(line, start + 4) === W_ITIO && word(line, start + 7) === W_ONED ? ATTR_PARTITIONED : ATTR_UNKNOWN;
    default:
      return ATTR_UNKNOWN;
  }
}

/** {@link sameSiteAt} for a clean line, by words (see {@link word}). */
function sameSiteAtClean(line: string, start: number, end: number): CookieSameSite {
  switch (end - start) {
    case 4:
      return word(line, start) === W_NONE ? 'no_restriction' : 'unspecified';
    case 3:
      return (word(line, start - 1) & 0xffffff) === W_LAX ? 'lax' : 'unspecified';
    case 6:
      return word(line, start) === W_STRI && word(line, start + 2) === W_RICT ? 'strict' : 'unspecified';
    default:
      return 'unspecified';
  }
}

/** {@link priorityAt} for a clean line, by words (see {@link word}). */
function priorityAtClean(line: string, start: number, end: number): CookiePriority {
  const length = end - start;
  if (length === 3) return (word(line, start - 1) & 0xffffff) === W_LOW ? 'low' : 'medium';
  if (length === 4) return word(line, start) === W_HIGH ? 'high' : 'medium';
  return 'medium';
}

/** {@link parseSameSite} on `line[start, end)`. */
function sameSiteAt(line: string, start: number, end: number): CookieSameSite {
  switch (end - start) {
    case 4:
      return matchesLower(line, start, 'none') ? 'no_restriction' : 'unspecified';
    case 3:
      return matchesLower(line, start, 'lax') ? 'lax' : 'unspecified';
    case 6:
      return matchesLower(line, start, 'strict') ? 'strict' : 'unspecified';
    default:
      return 'unspecified';
  }
}

/** The Priority attribute on `line[start, end)`: low/high ASCII case-insensitive, else medium. */
function priorityAt(line: string, start: number, end: number): CookiePriority {
  const length = end - start;
  if (length === 3) return matchesLower(line, start, 'low') ? 'low' : 'medium';
  if (length === 4) return matchesLower(line, start, 'high') ? 'high' : 'medium';
  return 'medium';
}

/** The attributes of one line that CanonicalCookie reads (the last of each kind wins). */
class AttributeFields {
  domain: string | null = null;
  path: string | null = null;
  expires: string | null = null;
  maxAge: string | null = null;
  secure = false;
  httpOnly = false;
  partitioned = false;
  sameSite: CookieSameSite = 'unspecified';
  priority: CookiePriority = 'medium';

  name = '';
  value = '';
  attributes: ReadonlyArray<readonly [string, string]> = NO_ATTRIBUTES;

  result(name: string, value: string, attributes: ReadonlyArray<readonly [string, string]> | null): ParsedSetCookie {
    if (attributes === null) {
      // parseSetCookieFields: this scratch object itself, valid until the next parse.
      this.name = name;
      this.value = value;
      return this;
    }
    const { domain, path, expires, maxAge, secure, httpOnly, partitioned, sameSite, priority } = this;
    return { name, value, attributes, domain, path, expires, maxAge, secure, httpOnly, partitioned, sameSite, priority };
  }

  reset(): this {
    this.domain = null;
    this.path = null;
    this.expires = null;
    this.maxAge = null;
    this.secure = false;
    this.httpOnly = false;
    this.partitioned = false;
    this.sameSite = 'unspecified';
    this.priority = 'medium';
    this.name = '';
    this.value = '';
    return this;
  }
}

/** The fields object of parseSetCookieFields, reused (its result is read before the next parse). */
const scratchFields = new AttributeFields();

function newFields(collect: boolean): AttributeFields {
  return collect ? new AttributeFields() : scratchFields.reset();
}

/**
 * Records the value `line[valueStart, valueEnd)` of the attribute `code` (an ATTR_ constant) if it
 * is one Chromium reads; `clean`: the line is printable ASCII only.
 */
function applyAttribute(f: AttributeFields, code: number, line: string, valueStart: number, valueEnd: number, clean: boolean): void {
  switch (code) {
    case ATTR_DOMAIN:
      f.domain = line.slice(valueStart, valueEnd);
      break;
    case ATTR_PATH:
      f.path = line.slice(valueStart, valueEnd);
      break;
    case ATTR_EXPIRES:
      f.expires = line.slice(valueStart, valueEnd);
      break;
    case ATTR_MAX_AGE:
      f.maxAge = line.slice(valueStart, valueEnd);
      break;
    case ATTR_SECURE:
      f.secure = true;
      break;
    case ATTR_HTTP_ONLY:
      f.httpOnly = true;
      break;
    case ATTR_PARTITIONED:
      f.partitioned = true;
      break;
    case ATTR_SAME_SITE:
      f.sameSite = clean ? sameSiteAtClean(line, valueStart, valueEnd) : sameSiteAt(line, valueStart, valueEnd);
      break;
    case ATTR_PRIORITY:
      f.priority = clean ? priorityAtClean(line, valueStart, valueEnd) : priorityAt(line, valueStart, valueEnd);
      break;
    default:
      break;
  }
}

function parseLine(line: string, status: CookieInclusionStatus, collect: boolean): ParsedSetCookie | null {
  const clean = parseCleanLine(line, status, collect);
  return clean !== undefined ? clean : parseAnyLine(line, status, collect);
}

/** A character outside printable ASCII (0x20-0x7E): a control character, TAB, DEL or non-ASCII. */
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;

/**
 * {@link parseAnyLine} for the usual line: printable ASCII only (no TAB), and accepted. One native
 * scan rules out every other character first, so the tokenizer only looks for ';' and '=' (the
 * values' ends through indexOf), and byte counts are string lengths. Returns `undefined`, having
 * touched nothing, as soon as the line is anything else (a character outside printable ASCII, or
 * a refused name/value pair): {@link parseAnyLine} then decides.
 */
function parseCleanLine(line: string, status: CookieInclusionStatus, collect: boolean): ParsedSetCookie | null | undefined {
  const end = line.length;
  if (end === 0 || NOT_PRINTABLE_ASCII.test(line)) return undefined;
  let name = '';
  let value = '';
  const attributes: Array<readonly [string, string]> | null = collect ? [] : null;
  const fields = newFields(collect);
  // The warning is given once the whole line is known to be clean (parseAnyLine gives it in order).
  let oversizedAttribute = false;

  let it = 0;
  for (let pairIndex = 0; it < end; pairIndex++) {
    let c = 0;
    while (it < end && (c = line.charCodeAt(it)) === SPACE) it++;
    if (it === end) {
      if (pairIndex !== 0) break;
      return undefined; // nothing but spaces
    }
    // The token: runs to ';' or '=', trailing spaces dropped.
    const tokenStart = it;
    while (c !== SEMICOLON && c !== EQUALS) {
      if (++it === end) break;
      c = line.charCodeAt(it);
    }
    let tokenEnd = it;
    while (tokenEnd > tokenStart && line.charCodeAt(tokenEnd - 1) === SPACE) tokenEnd--;

    let hasName = true;
    let hasValue = true;
    if (it === end || c !== EQUALS) {
      if (pairIndex === 0) {
        // No '=' in the first pair: the text is the value of a nameless cookie.
        hasName = false;
        it = tokenStart;
      } else {
        // An attribute without '=': its value is empty (the token ran to ';' or the end).
        hasValue = false;
      }
    } else {
      it++;
    }

    // The value: runs to ';' ('=' is allowed), outer spaces dropped.
    let valueStart = it;
    let valueEnd = it;
    if (hasValue) {
      while (it < end && line.charCodeAt(it) === SPACE) it++;
      valueStart = it;
      if (it < end) {
        const semicolon = line.indexOf(';', it);
        it = semicolon < 0 ? end : semicolon;
      }
      valueEnd = it;
      while (valueEnd > valueStart && line.charCodeAt(valueEnd - 1) === SPACE) valueEnd--;
    }

    if (pairIndex === 0) {
      if (!hasName) tokenEnd = tokenStart;
      if (tokenEnd === tokenStart && valueEnd === valueStart) return undefined; // no content
      if (tokenEnd - tokenStart + valueEnd - valueStart > MAX_COOKIE_NAME_PLUS_VALUE_SIZE) return undefined;
      name = line.slice(tokenStart, tokenEnd);
      value = line.slice(valueStart, valueEnd);
    } else if (valueEnd - valueStart > MAX_COOKIE_ATTRIBUTE_VALUE_SIZE) {
      oversizedAttribute = true;
    } else {
      if (attributes !== null) attributes.push([asciiLower(line.slice(tokenStart, tokenEnd)), line.slice(valueStart, valueEnd)]);
      applyAttribute(fields, attributeCodeClean(line, tokenStart, tokenEnd), line, valueStart, valueEnd, true);
    }
    if (it < end) it++;
  }
  if (oversizedAttribute) status.warn(CookieWarningReason.WARN_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE);
  return fields.result(name, value, attributes);
}

// Any line: a first scan for the characters that block it or need checks, then the tokenizer.
// No regular expression and no copy of attribute names: the known attributes are recognised in
// place and only the values kept are sliced out.
function parseAnyLine(line: string, status: CookieInclusionStatus, collect: boolean): ParsedSetCookie | null {
  const end = line.length;
  // Lines that a '\r', '\n' or '\0' would have truncated are blocked (parsed_cookie.cc). The same
  // scan finds out whether the per-token character checks and UTF-8 counts are needed at all.
  let flags = 0;
  for (let i = 0; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20) {
      if (c === 0x0d || c === 0x0a || c === 0) {
        status.exclude(CookieExclusionReason.EXCLUDE_DISALLOWED_CHARACTER);
        return null;
      }
      flags |= HAS_CONTROL;
    } else if (c >= 0x7f) flags |= c === 0x7f ? HAS_CONTROL : HAS_NON_ASCII;
  }
  if (end === 0) {
    status.exclude(CookieExclusionReason.EXCLUDE_NO_COOKIE_CONTENT);
    return null;
  }
  const checkCharacters = (flags & HAS_CONTROL) !== 0;
  const ascii = (flags & HAS_NON_ASCII) === 0;

  let name = '';
  let value = '';
  const attributes: Array<readonly [string, string]> | null = collect ? [] : null;
  // SetupAttributes: the last occurrence of each known attribute wins.
  const fields = newFields(collect);

  let it = 0;
  for (let pairIndex = 0; it < end; pairIndex++) {
    // The token: skip whitespace, run to ';' or '=', drop trailing whitespace.
    let tokenStart = it;
    let tokenEnd = it;
    while (it < end && isWhitespace(line.charCodeAt(it))) it++;
    if (it === end) {
      if (pairIndex !== 0) break;
      // Nothing but whitespace: parse the whole line as a value (it comes out empty).
      tokenStart = 0;
    } else {
      tokenStart = it;
      let c = line.charCodeAt(it);
      while (c !== SEMICOLON && c !== EQUALS) {
        if (++it === end) break;
        c = line.charCodeAt(it);
      }
      tokenEnd = it;
      while (tokenEnd > tokenStart && isWhitespace(line.charCodeAt(tokenEnd - 1))) tokenEnd--;
    }

    let hasName = true;
    if (it === end || line.charCodeAt(it) !== EQUALS) {
      if (pairIndex === 0) {
        // No '=' in the first pair: the text is the value of a nameless cookie.
        hasName = false;
        it = tokenStart;
      }
    } else {
      it++;
    }

    // The value: skip whitespace, run to ';', drop trailing whitespace ('=' is allowed).
    while (it < end && isWhitespace(line.charCodeAt(it))) it++;
    const valueStart = it;
    while (it < end && line.charCodeAt(it) !== SEMICOLON) it++;
    let valueEnd = it;
    while (valueEnd > valueStart && isWhitespace(line.charCodeAt(valueEnd - 1))) valueEnd--;

    if (pairIndex === 0) {
      const pairName = hasName ? line.slice(tokenStart, tokenEnd) : '';
      const pairValue = line.slice(valueStart, valueEnd);
      // IsValidCookieNameValuePair; a name never holds ';' or '=' and a value never ';' here.
      if (pairName === '' && pairValue === '') {
        status.exclude(CookieExclusionReason.EXCLUDE_NO_COOKIE_CONTENT);
        return null;
      }
      const size = ascii ? pairName.length + pairValue.length : utf8ByteLength(pairName) + utf8ByteLength(pairValue);
      if (size > MAX_COOKIE_NAME_PLUS_VALUE_SIZE) {
        status.exclude(CookieExclusionReason.EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE);
        return null;
      }
      if (checkCharacters && (hasControlCharacterIn(line, tokenStart, hasName ? tokenEnd : tokenStart) || hasControlCharacterIn(line, valueStart, valueEnd))) {
        status.exclude(CookieExclusionReason.EXCLUDE_DISALLOWED_CHARACTER);
        return null;
      }
      name = pairName;
      value = pairValue;
    } else {
      if (checkCharacters && (hasControlCharacterIn(line, tokenStart, tokenEnd) || hasControlCharacterIn(line, valueStart, valueEnd))) {
        status.exclude(CookieExclusionReason.EXCLUDE_DISALLOWED_CHARACTER);
        return null;
      }
      const valueSize = ascii ? valueEnd - valueStart : utf8ByteLength(line.slice(valueStart, valueEnd));
      if (valueSize > MAX_COOKIE_ATTRIBUTE_VALUE_SIZE) {
        status.warn(CookieWarningReason.WARN_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE);
      } else {
        if (attributes !== null) attributes.push([asciiLower(line.slice(tokenStart, tokenEnd)), line.slice(valueStart, valueEnd)]);
        applyAttribute(fields, attributeCode(line, tokenStart, tokenEnd), line, valueStart, valueEnd, false);
      }
    }
    if (it < end) it++;
  }
  return fields.result(name, value, attributes);
}

/** Whether `text[start, end)` holds a control character (0x00-0x1F) or DEL. */
function hasControlCharacterIn(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x1f || code === 0x7f) return true;
  }
  return false;
}
