// Cookie parsing and creation with Chromium's rules (net/cookies/parsed_cookie.cc, canonical_cookie.cc, cookie_util.cc).
export { parseCookieDate } from './cookie-date.ts';
export {
  parseSetCookie,
  parseSameSite,
  isValidCookieName,
  isValidCookieValue,
  isValidCookieNameValuePair,
  trimCookieToken,
  trimCookieValue,
  utf8ByteLength,
  asciiLower,
  MAX_COOKIE_NAME_PLUS_VALUE_SIZE,
  MAX_COOKIE_ATTRIBUTE_VALUE_SIZE,
} from './parse-set-cookie.ts';
export type { ParsedSetCookie, CookieSameSite, CookiePriority } from './parse-set-cookie.ts';
export {
  createCanonicalCookie,
  createSanitizedCookie,
  checkSetPermitted,
  parseExpiration,
  capExpiry,
  isCookieExpired,
  getCookieDomain,
  canonicalizeCookieDomain,
  registrableDomain,
  isDomainMatch,
  isOnPath,
  canonPathWithString,
  canonicalUrlPath,
  getCookiePrefix,
  isCookiePrefixValid,
  hasHiddenPrefixName,
  isCookiePartitionedValid,
  cookiePartitionKeyFromUrl,
  isCryptographicScheme,
  isIpAddressHost,
  isLocalhost,
  accessScheme,
  buildCookieLine,
  MAX_COOKIE_EXPIRY_DELTA_MS,
  EARLIEST_COOKIE_TIME,
  DEFAULT_COOKIEABLE_SCHEMES,
} from './canonical-cookie.ts';
export type {
  CanonicalCookie,
  CookieCreationResult,
  CookiePartitionKey,
  CookiePrefix,
  CookieSetContext,
  CookieSetPermissionOptions,
  CookieSourceScheme,
  CreateCanonicalCookieOptions,
  SanitizedCookieDetails,
} from './canonical-cookie.ts';
export { CookieExclusionReason, CookieWarningReason, CookieInclusionStatus } from './inclusion-status.ts';
export { ReferenceCookieJar } from './reference-jar.ts';
