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
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : text;
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

function parsePriority(text: string): CookiePriority {
  const lower = asciiLower(text);
  return lower === 'low' || lower === 'high' ? lower : 'medium';
}

/**
 * Parse one Set-Cookie header value as Chromium's ParsedCookie. Returns `null` when Chromium
 * would reject the line; the reasons are added to `status` (exclusions) and kept warnings too.
 *
 * @example parseSetCookie('id=1; Path=/; Secure')?.secure // true
 * @example parseSetCookie('foo')?.value // 'foo' (nameless cookie)
 */
export function parseSetCookie(line: string, status: CookieInclusionStatus = new CookieInclusionStatus()): ParsedSetCookie | null {
  // Lines that a '\r', '\n' or '\0' would have truncated are blocked (parsed_cookie.cc).
  if (/[\r\n\0]/.test(line)) {
    status.exclude(CookieExclusionReason.EXCLUDE_DISALLOWED_CHARACTER);
    return null;
  }
  const end = line.length;
  if (end === 0) {
    status.exclude(CookieExclusionReason.EXCLUDE_NO_COOKIE_CONTENT);
    return null;
  }

  let name = '';
  let value = '';
  const attributes: Array<readonly [string, string]> = [];
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
      while (it < end && line.charCodeAt(it) !== SEMICOLON && line.charCodeAt(it) !== EQUALS) it++;
      tokenEnd = it;
      while (tokenEnd > tokenStart && isWhitespace(line.charCodeAt(tokenEnd - 1))) tokenEnd--;
    }

    let pairName: string;
    if (it === end || line.charCodeAt(it) !== EQUALS) {
      if (pairIndex === 0) {
        // No '=' in the first pair: the text is the value of a nameless cookie.
        pairName = '';
        it = tokenStart;
      } else {
        pairName = line.slice(tokenStart, tokenEnd);
      }
    } else {
      pairName = line.slice(tokenStart, tokenEnd);
      it++;
    }

    // The value: skip whitespace, run to ';', drop trailing whitespace ('=' is allowed).
    while (it < end && isWhitespace(line.charCodeAt(it))) it++;
    const valueStart = it;
    while (it < end && line.charCodeAt(it) !== SEMICOLON) it++;
    let valueEnd = it;
    while (valueEnd > valueStart && isWhitespace(line.charCodeAt(valueEnd - 1))) valueEnd--;
    const pairValue = line.slice(valueStart, valueEnd);

    if (pairIndex === 0) {
      if (!isValidCookieNameValuePair(pairName, pairValue, status)) return null;
      name = pairName;
      value = pairValue;
    } else {
      const attributeName = asciiLower(pairName);
      if (!isValidCookieName(attributeName) || !isValidCookieValue(pairValue)) {
        status.exclude(CookieExclusionReason.EXCLUDE_DISALLOWED_CHARACTER);
        return null;
      }
      if (utf8ByteLength(pairValue) > MAX_COOKIE_ATTRIBUTE_VALUE_SIZE) {
        status.warn(CookieWarningReason.WARN_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE);
      } else {
        attributes.push([attributeName, pairValue]);
      }
    }
    if (it < end) it++;
  }

  // SetupAttributes: the last occurrence of each known attribute wins.
  let domain: string | null = null;
  let path: string | null = null;
  let expires: string | null = null;
  let maxAge: string | null = null;
  let secure = false;
  let httpOnly = false;
  let partitioned = false;
  let sameSite: CookieSameSite = 'unspecified';
  let priority: CookiePriority = 'medium';
  for (const [attributeName, attributeValue] of attributes) {
    switch (attributeName) {
      case 'domain':
        domain = attributeValue;
        break;
      case 'path':
        path = attributeValue;
        break;
      case 'expires':
        expires = attributeValue;
        break;
      case 'max-age':
        maxAge = attributeValue;
        break;
      case 'secure':
        secure = true;
        break;
      case 'httponly':
        httpOnly = true;
        break;
      case 'partitioned':
        partitioned = true;
        break;
      case 'samesite':
        sameSite = parseSameSite(attributeValue);
        break;
      case 'priority':
        priority = parsePriority(attributeValue);
        break;
      default:
        break;
    }
  }
  return { name, value, attributes, domain, path, expires, maxAge, secure, httpOnly, partitioned, sameSite, priority };
}
