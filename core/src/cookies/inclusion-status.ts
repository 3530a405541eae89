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
