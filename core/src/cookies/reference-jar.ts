// A deliberately small cookie jar with CookieMonster's set and get rules, used as the oracle
// for conformance data (the http-state cases) and by tests of the real store. No limits, no
// eviction, no persistence: those belong to the store.

import {
  type CanonicalCookie,
  type CreateCanonicalCookieOptions,
  accessScheme,
  buildCookieLine,
  canonicalUrlPath,
  createCanonicalCookie,
  isCookieExpired,
  isDomainMatch,
  isOnPath,
  DEFAULT_COOKIEABLE_SCHEMES,
} from './canonical-cookie.ts';
import type { CookieExclusionReason } from './inclusion-status.ts';

function keyOf(cookie: CanonicalCookie): string {
  const partition = cookie.partitionKey === null ? '' : `${cookie.partitionKey.topLevelSite}|${cookie.partitionKey.nonce ?? ''}`;
  return `${cookie.name}\u0000${cookie.domain}\u0000${cookie.path}\u0000${partition}`;
}

/**
 * Reference jar: stores what {@link createCanonicalCookie} accepts, replaces equivalent cookies
 * (same name, domain, path, partition), drops a cookie set already expired, and answers a URL
 * with CookieMonster's order (longest path first, then oldest creation, then insertion order).
 *
 * @example
 * const jar = new ReferenceCookieJar();
 * jar.setCookie('a=b', 'http://example.com/', Date.now());
 * jar.getCookieHeader('http://example.com/x', Date.now()); // 'a=b'
 */
export class ReferenceCookieJar {
  readonly #cookies = new Map<string, { cookie: CanonicalCookie; order: number }>();
  #counter = 0;

  /** Set one Set-Cookie line received from `url`; returns the exclusion reasons (empty when stored or deleted). */
  setCookie(line: string, url: string | URL, now: number, options: CreateCanonicalCookieOptions = {}): readonly CookieExclusionReason[] {
    const result = createCanonicalCookie(url, line, now, options);
    if (!result.ok) return result.reasons;
    const key = keyOf(result.cookie);
    const previous = this.#cookies.get(key);
    this.#cookies.delete(key);
    if (isCookieExpired(result.cookie, now)) return [];
    // CookieMonster keeps the old creation time only when the value did not change.
    const cookie =
      previous !== undefined && previous.cookie.value === result.cookie.value
        ? { ...result.cookie, creation: previous.cookie.creation }
        : result.cookie;
    this.#cookies.set(key, { cookie, order: previous !== undefined && cookie !== result.cookie ? previous.order : this.#counter++ });
    return [];
  }

  /** The unpartitioned cookies that go with a request to `url`, in CookieMonster's order. */
  getCookies(url: string | URL, now: number): CanonicalCookie[] {
    const target = url instanceof URL ? url : new URL(url);
    if (!DEFAULT_COOKIEABLE_SCHEMES.includes(target.protocol.slice(0, -1))) return [];
    const host = target.hostname;
    const path = canonicalUrlPath(target);
    const secureAllowed = accessScheme(target) !== 'non_cryptographic';
    const matches: Array<{ cookie: CanonicalCookie; order: number }> = [];
    for (const entry of this.#cookies.values()) {
      const { cookie } = entry;
      if (cookie.partitionKey !== null || isCookieExpired(cookie, now)) continue;
      if (cookie.hostOnly ? cookie.domain !== host : !isDomainMatch(cookie.domain, host)) continue;
      if (!isOnPath(cookie.path, path)) continue;
      if (cookie.secure && !secureAllowed) continue;
      matches.push(entry);
    }
    matches.sort((a, b) => b.cookie.path.length - a.cookie.path.length || a.cookie.creation - b.cookie.creation || a.order - b.order);
    return matches.map((m) => m.cookie);
  }

  /** The Cookie header for a request to `url`. */
  getCookieHeader(url: string | URL, now: number): string {
    return buildCookieLine(this.getCookies(url, now));
  }

  /** Every stored cookie, expired ones included. */
  all(): CanonicalCookie[] {
    return [...this.#cookies.values()].map((e) => e.cookie);
  }
}
