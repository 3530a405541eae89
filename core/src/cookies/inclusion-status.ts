// Names and order follow Chromium's CookieInclusionStatus (net/cookies/cookie_inclusion_status.h).
// Chromium keeps the reasons in a bitset, so a debug string lists them in enum order; we keep
// the same order when several reasons apply.

/** Why a cookie was not created or stored, named as Chromium's `CookieInclusionStatus::ExclusionReason`. */
export const CookieExclusionReason = {
  EXCLUDE_UNKNOWN_ERROR: 'EXCLUDE_UNKNOWN_ERROR',
  EXCLUDE_HTTP_ONLY: 'EXCLUDE_HTTP_ONLY',
  EXCLUDE_SECURE_ONLY: 'EXCLUDE_SECURE_ONLY',
  EXCLUDE_DOMAIN_MISMATCH: 'EXCLUDE_DOMAIN_MISMATCH',
  EXCLUDE_NOT_ON_PATH: 'EXCLUDE_NOT_ON_PATH',
  EXCLUDE_SAMESITE_STRICT: 'EXCLUDE_SAMESITE_STRICT',
  EXCLUDE_SAMESITE_LAX: 'EXCLUDE_SAMESITE_LAX',
  EXCLUDE_SAMESITE_UNSPECIFIED_TREATED_AS_LAX: 'EXCLUDE_SAMESITE_UNSPECIFIED_TREATED_AS_LAX',
  EXCLUDE_SAMESITE_NONE_INSECURE: 'EXCLUDE_SAMESITE_NONE_INSECURE',
  EXCLUDE_USER_PREFERENCES: 'EXCLUDE_USER_PREFERENCES',
  EXCLUDE_FAILURE_TO_STORE: 'EXCLUDE_FAILURE_TO_STORE',
  EXCLUDE_NONCOOKIEABLE_SCHEME: 'EXCLUDE_NONCOOKIEABLE_SCHEME',
  EXCLUDE_OVERWRITE_SECURE: 'EXCLUDE_OVERWRITE_SECURE',
  EXCLUDE_OVERWRITE_HTTP_ONLY: 'EXCLUDE_OVERWRITE_HTTP_ONLY',
  EXCLUDE_INVALID_DOMAIN: 'EXCLUDE_INVALID_DOMAIN',
  EXCLUDE_INVALID_PREFIX: 'EXCLUDE_INVALID_PREFIX',
  EXCLUDE_INVALID_PARTITIONED: 'EXCLUDE_INVALID_PARTITIONED',
  EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE: 'EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE',
  EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE: 'EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE',
  EXCLUDE_DOMAIN_NON_ASCII: 'EXCLUDE_DOMAIN_NON_ASCII',
  EXCLUDE_THIRD_PARTY_BLOCKED_WITHIN_FIRST_PARTY_SET: 'EXCLUDE_THIRD_PARTY_BLOCKED_WITHIN_FIRST_PARTY_SET',
  EXCLUDE_PORT_MISMATCH: 'EXCLUDE_PORT_MISMATCH',
  EXCLUDE_SCHEME_MISMATCH: 'EXCLUDE_SCHEME_MISMATCH',
  EXCLUDE_SHADOWING_DOMAIN: 'EXCLUDE_SHADOWING_DOMAIN',
  EXCLUDE_DISALLOWED_CHARACTER: 'EXCLUDE_DISALLOWED_CHARACTER',
  EXCLUDE_THIRD_PARTY_PHASEOUT: 'EXCLUDE_THIRD_PARTY_PHASEOUT',
  EXCLUDE_NO_COOKIE_CONTENT: 'EXCLUDE_NO_COOKIE_CONTENT',
  EXCLUDE_ANONYMOUS_CONTEXT: 'EXCLUDE_ANONYMOUS_CONTEXT',
  EXCLUDE_INVALID_PATH: 'EXCLUDE_INVALID_PATH',
  EXCLUDE_AMBIGUOUS_SERIALIZATION: 'EXCLUDE_AMBIGUOUS_SERIALIZATION',
} as const;
/** One exclusion reason (see {@link CookieExclusionReason}). */
export type CookieExclusionReason = (typeof CookieExclusionReason)[keyof typeof CookieExclusionReason];

/** Warnings Chromium records without excluding the cookie (the subset our parser can raise). */
export const CookieWarningReason = {
  WARN_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE: 'WARN_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE',
  WARN_TENTATIVELY_ALLOWING_SECURE_SOURCE_SCHEME: 'WARN_TENTATIVELY_ALLOWING_SECURE_SOURCE_SCHEME',
  WARN_DOMAIN_NON_ASCII: 'WARN_DOMAIN_NON_ASCII',
  WARN_SECURE_ACCESS_GRANTED_NON_CRYPTOGRAPHIC: 'WARN_SECURE_ACCESS_GRANTED_NON_CRYPTOGRAPHIC',
} as const;
/** One warning reason (see {@link CookieWarningReason}). */
export type CookieWarningReason = (typeof CookieWarningReason)[keyof typeof CookieWarningReason];

const ORDER: ReadonlyMap<string, number> = new Map(Object.keys(CookieExclusionReason).map((k, i) => [k, i]));

/**
 * A set of exclusion and warning reasons, like Chromium's CookieInclusionStatus. Empty
 * `exclusions` means "include".
 */
export class CookieInclusionStatus {
  readonly exclusions: CookieExclusionReason[] = [];
  readonly warnings: CookieWarningReason[] = [];

  /** True when no exclusion reason was added. */
  isInclude(): boolean {
    return this.exclusions.length === 0;
  }

  /** Add a reason once, keeping Chromium's enum order. */
  exclude(reason: CookieExclusionReason): void {
    if (this.exclusions.includes(reason)) return;
    this.exclusions.push(reason);
    this.exclusions.sort((a, b) => (ORDER.get(a) ?? 0) - (ORDER.get(b) ?? 0));
  }

  /** Add a warning once. */
  warn(reason: CookieWarningReason): void {
    if (!this.warnings.includes(reason)) this.warnings.push(reason);
  }

  /** True when `reason` was added. */
  has(reason: CookieExclusionReason): boolean {
    return this.exclusions.includes(reason);
  }
}

// One spare status for the hot paths (cookie creation, set checks): on success nothing escapes it,
// so it is reused instead of allocating a status and its two arrays per cookie. What a caller
// keeps (reasons, warnings) is copied out before the status is given back.
let spareStatus: CookieInclusionStatus | null = new CookieInclusionStatus();

/**
 * An empty status to use and then hand back with {@link returnStatus} (a new one when the spare
 * is in use). Its arrays must not escape: copy what is kept.
 * @internal
 */
export function borrowStatus(): CookieInclusionStatus {
  const status = spareStatus;
  if (status === null) return new CookieInclusionStatus();
  spareStatus = null;
  return status;
}

/** Hands back a status from {@link borrowStatus}, emptied for the next use. @internal */
export function returnStatus(status: CookieInclusionStatus): void {
  // Setting length is a runtime call even on an empty array.
  if (status.exclusions.length !== 0) status.exclusions.length = 0;
  if (status.warnings.length !== 0) status.warnings.length = 0;
  spareStatus = status;
}

/** The text Electron's `cookies.set` gives each reason (electron_api_cookies.cc InclusionStatusToString). */
export const COOKIE_EXCLUSION_TEXT: Readonly<Record<CookieExclusionReason, string>> = {
  EXCLUDE_UNKNOWN_ERROR: "Unknown error",
  EXCLUDE_HTTP_ONLY: "The cookie was HttpOnly, but the attempted access was through a non-HTTP API.",
  EXCLUDE_SECURE_ONLY: "The cookie was Secure, but the URL was not allowed to access Secure cookies.",
  EXCLUDE_DOMAIN_MISMATCH: "The cookie's domain attribute did not match the domain of the URL attempting access.",
  EXCLUDE_NOT_ON_PATH: "The cookie's path attribute did not match the path of the URL attempting access.",
  EXCLUDE_SAMESITE_STRICT: "The cookie had SameSite=Strict, and the attempted access did not have an appropriate SameSiteCookieContext",
  EXCLUDE_SAMESITE_LAX: "The cookie had SameSite=Lax, and the attempted access did not have an appropriate SameSiteCookieContext",
  EXCLUDE_SAMESITE_UNSPECIFIED_TREATED_AS_LAX: "The cookie did not specify a SameSite attribute, and therefore was treated as if it were SameSite=Lax, and the attempted access did not have an appropriate SameSiteCookieContext.",
  EXCLUDE_SAMESITE_NONE_INSECURE: "The cookie specified SameSite=None, but it was not Secure.",
  EXCLUDE_USER_PREFERENCES: "Caller did not allow access to the cookie.",
  EXCLUDE_FAILURE_TO_STORE: "The cookie was malformed and could not be stored",
  EXCLUDE_NONCOOKIEABLE_SCHEME: "Attempted to set a cookie from a scheme that does not support cookies.",
  EXCLUDE_OVERWRITE_SECURE: "The cookie would have overwritten a Secure cookie, and was not allowed to do so.",
  EXCLUDE_OVERWRITE_HTTP_ONLY: "The cookie would have overwritten an HttpOnly cookie, and was not allowed to do so.",
  EXCLUDE_INVALID_DOMAIN: "The cookie was set with an invalid Domain attribute.",
  EXCLUDE_INVALID_PREFIX: "The cookie was set with an invalid __Host- or __Secure- prefix.",
  EXCLUDE_INVALID_PARTITIONED: "Cookie was set with an invalid Partitioned attribute, which is only valid if the cookie has a __Host- prefix.",
  EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE: "The cookie exceeded the name/value pair size limit.",
  EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE: "Cookie exceeded the attribute size limit.",
  EXCLUDE_DOMAIN_NON_ASCII: "The cookie was set with a Domain attribute containing non ASCII characters.",
  EXCLUDE_THIRD_PARTY_BLOCKED_WITHIN_FIRST_PARTY_SET: "The cookie is blocked by third-party cookie blocking but the two sites are in the same First-Party Set",
  EXCLUDE_PORT_MISMATCH: "The cookie's source_port did not match the port of the request.",
  EXCLUDE_SCHEME_MISMATCH: "The cookie's source_scheme did not match the scheme of the request.",
  EXCLUDE_SHADOWING_DOMAIN: "The cookie is a domain cookie and has the same name as an origin cookie on this origin.",
  EXCLUDE_DISALLOWED_CHARACTER: "The cookie contains ASCII control characters",
  EXCLUDE_THIRD_PARTY_PHASEOUT: "The cookie is blocked for third-party cookie phaseout.",
  EXCLUDE_NO_COOKIE_CONTENT: "The cookie contains no content or only whitespace.",
  EXCLUDE_ANONYMOUS_CONTEXT: "The cookie is unpartitioned and being accessed from an anonymous context.",
  EXCLUDE_INVALID_PATH: "The cookie was set with an invalid Path attribute.",
  EXCLUDE_AMBIGUOUS_SERIALIZATION: "Cookie was rejected in parsing due to having an ambiguous serialization.",
};

/**
 * Electron's rejection message for a refused `cookies.set`: the reason texts back to back, then
 * Chromium's `CookieInclusionStatus::GetDebugString()`, with no separator (as Electron builds it).
 */
export function cookieSetErrorMessage(reasons: readonly CookieExclusionReason[], warnings: readonly CookieWarningReason[] = []): string {
  const list = reasons.length > 0 ? reasons : [CookieExclusionReason.EXCLUDE_FAILURE_TO_STORE];
  const texts = list.map((r) => COOKIE_EXCLUSION_TEXT[r]).join('');
  const debug = [...list, ...(warnings.length > 0 ? warnings : ['DO_NOT_WARN']), 'NO_EXEMPTION'].join(', ');
  return `Failed to set cookie - ${texts}${debug}`;
}
