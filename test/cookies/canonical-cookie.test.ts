import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  type CanonicalCookie,
  type CookieCreationResult,
  type SanitizedCookieDetails,
  CookieExclusionReason as R,
  EARLIEST_COOKIE_TIME,
  MAX_COOKIE_EXPIRY_DELTA_MS,
  checkSetPermitted,
  cookiePartitionKeyFromUrl,
  createCanonicalCookie,
  createSanitizedCookie,
  parseSetCookie,
} from '../../core/src/cookies/index.ts';
import { cookieSetErrorMessage } from '../../core/src/cookies/inclusion-status.ts';

const NOW = Date.UTC(2026, 0, 1);
const DAY = 24 * 60 * 60 * 1000;

function created(result: CookieCreationResult): CanonicalCookie {
  if (!result.ok) throw new Error(`expected a cookie, got ${result.reasons.join(', ')}`);
  return result.cookie;
}
function reasons(result: CookieCreationResult): readonly string[] {
  return result.ok ? [] : result.reasons;
}
const make = (url: string, line: string, options: Parameters<typeof createCanonicalCookie>[3] = {}) =>
  createCanonicalCookie(url, line, NOW, options);

describe('ParsedCookie limits and characters (parsed_cookie.cc)', () => {
  test('name + value may take 4096 bytes, not 4097; "=" and attributes do not count', () => {
    expect(make('https://a.com/', `n=${'v'.repeat(4095)}; Path=/${'p'.repeat(1000)}`).ok).toBe(true);
    expect(reasons(make('https://a.com/', `n=${'v'.repeat(4096)}`))).toEqual([R.EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE]);
  });

  test('the limit counts UTF-8 bytes', () => {
    // 'é' is 2 bytes: 1 + 2 * 2048 = 4097 bytes.
    expect(reasons(make('https://a.com/', `n=${'é'.repeat(2048)}`))).toEqual([R.EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE]);
    expect(make('https://a.com/', `n=${'é'.repeat(2047)}`).ok).toBe(true);
  });

  test('an attribute value over 1024 bytes is ignored with a warning, not fatal', () => {
    const long = `/${'x'.repeat(1024)}`;
    const result = make('https://a.com/dir/page', `n=v; Path=${long}`);
    expect(created(result).path).toBe('/dir');
    expect(result.warnings).toContain('WARN_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE');
    expect(created(make('https://a.com/dir/page', `n=v; Path=/${'x'.repeat(1023)}`)).path).toHaveLength(1024);
  });

  test('control characters anywhere reject the cookie; outer SP/TAB are trimmed', () => {
    for (const line of ['a=b\tc', 'a\u0001=b', 'a=b\u007f', 'a=b; Path=/x\ty', 'a=b; x\u0002y=1', 'a=b\nc', 'a=b\0']) {
      expect(reasons(make('https://a.com/', line)), JSON.stringify(line)).toEqual([R.EXCLUDE_DISALLOWED_CHARACTER]);
    }
    expect(parseSetCookie('\t a \t=\t b \t; \tPath\t=\t/x\t')).toMatchObject({ name: 'a', value: 'b', path: '/x' });
  });

  test('empty lines and empty pairs have no content; "foo" and "=foo" are nameless cookies', () => {
    for (const line of ['', '   ', '=', ' = ; Secure']) expect(reasons(make('https://a.com/', line))).toEqual([R.EXCLUDE_NO_COOKIE_CONTENT]);
    expect(created(make('https://a.com/', 'foo'))).toMatchObject({ name: '', value: 'foo' });
    expect(created(make('https://a.com/', '=foo=bar'))).toMatchObject({ name: '', value: 'foo=bar' });
  });

  test('attribute names are case-insensitive and the last occurrence wins', () => {
    const p = parseSetCookie('a=b; PATH=/x; path=/y; SameSite=STRICT; samesite=bogus; Priority=HIGH; HttpOnly; secure=no');
    expect(p).toMatchObject({ path: '/y', sameSite: 'unspecified', priority: 'high', httpOnly: true, secure: true });
  });
});

describe('domains (cookie_util::GetCookieDomainWithString)', () => {
  test('no Domain gives a host-only cookie; Domain gives a leading-dot domain cookie', () => {
    expect(created(make('https://www.example.com/', 'a=b'))).toMatchObject({ domain: 'www.example.com', hostOnly: true });
    for (const d of ['example.com', '.example.com', 'EXAMPLE.com', 'www.example.com']) {
      const c = created(make('https://www.example.com/', `a=b; Domain=${d}`));
      expect(c.hostOnly).toBe(false);
      expect(c.domain).toBe(d === 'www.example.com' ? '.www.example.com' : '.example.com');
    }
  });

  test('public suffixes (ICANN and private), other sites and deeper hosts are invalid domains', () => {
    const cases: Array<[string, string]> = [
      ['https://www.example.com/', 'com'],
      ['https://www.example.co.uk/', 'co.uk'],
      ['https://me.github.io/', 'github.io'],
      ['https://www.example.com/', 'example.org'],
      ['https://www.example.com/', 'sub.www.example.com'],
      ['https://www.example.com/', 'ample.com'],
      ['https://www.example.com/', 'example.com:443'],
      ['https://www.example.com/', 'exa%6dple.com'],
    ];
    for (const [url, d] of cases) expect(reasons(make(url, `a=b; Domain=${d}`)), d).toEqual([R.EXCLUDE_INVALID_DOMAIN]);
  });

  test('IP hosts and hosts without a registrable domain only take Domain equal to the host, as host-only', () => {
    expect(created(make('http://127.0.0.1/', 'a=b; Domain=127.0.0.1'))).toMatchObject({ domain: '127.0.0.1', hostOnly: true });
    expect(reasons(make('http://127.0.0.1/', 'a=b; Domain=0.0.1'))).toEqual([R.EXCLUDE_INVALID_DOMAIN]);
    expect(created(make('http://intranet/', 'a=b; Domain=.intranet'))).toMatchObject({ domain: 'intranet', hostOnly: true });
  });

  test('that host match lowercases ASCII only (base::ToLowerASCII): a KELVIN SIGN is not a "k"', () => {
    expect(created(make('http://kiosk/', 'a=1; Domain=KIOSK'))).toMatchObject({ domain: 'kiosk', hostOnly: true });
    const result = make('http://kiosk/', 'a=1; Domain=\u212Aiosk');
    expect(reasons(result)).toEqual([R.EXCLUDE_INVALID_DOMAIN]);
    expect(result.warnings).toContain('WARN_DOMAIN_NON_ASCII');
  });

  test('an empty Domain means host-only even after another Domain', () => {
    expect(created(make('https://www.example.com/', 'a=b; Domain=example.com; Domain='))).toMatchObject({ hostOnly: true });
  });
});

describe('paths (cookie_util::CanonPathWithString)', () => {
  test('default path is the URL directory; a Path not starting with "/" is replaced by it', () => {
    expect(created(make('https://a.com/x/y/z?q', 'a=b')).path).toBe('/x/y');
    expect(created(make('https://a.com/x', 'a=b')).path).toBe('/');
    expect(created(make('https://a.com/', 'a=b')).path).toBe('/');
    expect(created(make('https://a.com/x/y', 'a=b; Path=relative')).path).toBe('/x');
    expect(created(make('https://a.com/x/y', 'a=b; Path=/Some/Path/')).path).toBe('/Some/Path/');
  });
});

describe('prefixes (cookie_util::IsCookiePrefixValid)', () => {
  test('__Secure- needs Secure and https', () => {
    expect(make('https://a.com/', '__Secure-a=b; Secure').ok).toBe(true);
    expect(reasons(make('https://a.com/', '__Secure-a=b'))).toEqual([R.EXCLUDE_INVALID_PREFIX]);
    expect(reasons(make('http://a.com/', '__Secure-a=b; Secure'))).toContain(R.EXCLUDE_INVALID_PREFIX);
  });

  test('__Secure- and __Host- accept a trustworthy http URL (ProvisionalAccessScheme, not SchemeIsCryptographic)', () => {
    expect(created(make('http://localhost/', '__Secure-a=b; Secure'))).toMatchObject({ name: '__Secure-a', secure: true });
    expect(created(make('http://127.0.0.1/x', '__Host-a=b; Secure; Path=/'))).toMatchObject({ domain: '127.0.0.1', path: '/' });
    expect(reasons(make('http://localhost/', '__Secure-a=b'))).toEqual([R.EXCLUDE_INVALID_PREFIX]);
  });

  test('__Http- needs Secure and HttpOnly; __Host-Http- needs those and the __Host- rules', () => {
    expect(reasons(make('https://a.example.com/', '__Http-a=1; Secure'))).toEqual([R.EXCLUDE_INVALID_PREFIX]);
    expect(reasons(make('https://a.example.com/', '__http-a=1; HttpOnly'))).toEqual([R.EXCLUDE_INVALID_PREFIX]);
    expect(created(make('https://a.example.com/', '__HTTP-a=1; Secure; HttpOnly; Domain=example.com'))).toMatchObject({ domain: '.example.com', httpOnly: true });
    expect(reasons(make('http://a.example.com/', '__Http-a=1; Secure; HttpOnly'))).toContain(R.EXCLUDE_INVALID_PREFIX);
    expect(created(make('https://a.example.com/x/y', '__Host-Http-a=1; Secure; HttpOnly; Path=/'))).toMatchObject({ domain: 'a.example.com', path: '/' });
    for (const line of ['__Host-Http-a=1; Secure; Path=/', '__host-http-a=1; Secure; HttpOnly', '__Host-Http-a=1; Secure; HttpOnly; Path=/; Domain=a.example.com']) {
      expect(reasons(make('https://a.example.com/x/y', line)), line).toEqual([R.EXCLUDE_INVALID_PREFIX]);
    }
  });

  test('__Host- needs Secure, https, Path=/ and no Domain', () => {
    expect(created(make('https://a.com/x/y', '__Host-a=b; Secure; Path=/'))).toMatchObject({ domain: 'a.com', path: '/' });
    for (const line of ['__Host-a=b; Secure', '__Host-a=b; Secure; Path=/; Domain=a.com', '__Host-a=b; Path=/']) {
      expect(reasons(make('https://a.com/x/y', line)), line).toEqual([R.EXCLUDE_INVALID_PREFIX]);
    }
  });

  test('prefixes match case-insensitively; a nameless cookie may not hide one in its value', () => {
    expect(reasons(make('https://a.com/', '__secure-a=b'))).toEqual([R.EXCLUDE_INVALID_PREFIX]);
    expect(reasons(make('https://a.com/', '__HOST-a=b; Secure'))).toEqual([R.EXCLUDE_INVALID_PREFIX]);
    expect(reasons(make('https://a.com/', '=__Host-a=b; Secure; Path=/'))).toEqual([R.EXCLUDE_INVALID_PREFIX]);
    expect(reasons(make('https://a.com/', ' \t__secure-a=b'))).toEqual([R.EXCLUDE_INVALID_PREFIX]);
  });
});

describe('Secure, SameSite and scheme (IsSetPermittedInContext)', () => {
  test('Secure cookies are refused from plain http, but not from localhost or loopback', () => {
    expect(reasons(make('http://a.com/', 'a=b; Secure'))).toEqual([R.EXCLUDE_SECURE_ONLY]);
    const local = created(make('http://localhost/', 'a=b; Secure'));
    expect(local).toMatchObject({ secure: true, sourceScheme: 'secure', sourcePort: 443 });
    expect(make('http://127.0.0.1:8080/', 'a=b; Secure').ok).toBe(true);
    expect(make('http://[::1]/', 'a=b; Secure').ok).toBe(true);
    expect(make('http://sub.localhost/', 'a=b; Secure').ok).toBe(true);
  });

  test('source scheme and port', () => {
    expect(created(make('http://a.com:8080/', 'a=b'))).toMatchObject({ sourceScheme: 'non_secure', sourcePort: 8080 });
    expect(created(make('https://a.com/', 'a=b'))).toMatchObject({ sourceScheme: 'secure', sourcePort: 443 });
  });

  test('SameSite=None requires Secure unless legacy semantics', () => {
    expect(reasons(make('https://a.com/', 'a=b; SameSite=None'))).toEqual([R.EXCLUDE_SAMESITE_NONE_INSECURE]);
    expect(created(make('https://a.com/', 'a=b; SameSite=None; Secure')).sameSite).toBe('no_restriction');
    expect(make('https://a.com/', 'a=b; SameSite=None', { legacySemantics: true }).ok).toBe(true);
  });

  test('a cross-site set refuses Strict, Lax and unspecified (treated as Lax)', () => {
    const cross = { sameSiteContext: 'cross-site' } as const;
    expect(reasons(make('https://a.com/', 'a=b; SameSite=Strict', cross))).toEqual([R.EXCLUDE_SAMESITE_STRICT]);
    expect(reasons(make('https://a.com/', 'a=b; SameSite=Lax', cross))).toEqual([R.EXCLUDE_SAMESITE_LAX]);
    expect(reasons(make('https://a.com/', 'a=b', cross))).toEqual([R.EXCLUDE_SAMESITE_UNSPECIFIED_TREATED_AS_LAX]);
    expect(make('https://a.com/', 'a=b; SameSite=None; Secure', cross).ok).toBe(true);
  });

  test('HttpOnly only through HTTP; only cookieable schemes', () => {
    expect(reasons(make('https://a.com/', 'a=b; HttpOnly', { httpApi: false }))).toEqual([R.EXCLUDE_HTTP_ONLY]);
    expect(reasons(make('ftp://a.com/', 'a=b'))).toEqual([R.EXCLUDE_NONCOOKIEABLE_SCHEME]);
    expect(make('app://fake-host/', 'a=b', { cookieableSchemes: ['app'] }).ok).toBe(true);
  });

  test('an invalid URL fails to store', () => {
    expect(reasons(createCanonicalCookie('not a url', 'a=b', NOW))).toEqual([R.EXCLUDE_FAILURE_TO_STORE]);
  });
});

describe('expiry (ParseExpiration, ValidateAndAdjustExpiryDate)', () => {
  test('no Max-Age or Expires: session cookie', () => {
    expect(created(make('https://a.com/', 'a=b')).expiry).toBeNull();
    expect(created(make('https://a.com/', 'a=b; Expires=garbage')).expiry).toBeNull();
  });

  test('Max-Age wins over Expires; <= 0 is already expired', () => {
    expect(created(make('https://a.com/', 'a=b; Expires=Wed, 01 Jan 2025 00:00:00 GMT; Max-Age=60')).expiry).toBe(NOW + 60_000);
    expect(created(make('https://a.com/', 'a=b; Max-Age=0')).expiry).toBe(EARLIEST_COOKIE_TIME);
    expect(created(make('https://a.com/', 'a=b; Max-Age=-5')).expiry).toBe(EARLIEST_COOKIE_TIME);
  });

  test('a Max-Age that is not a whole integer is ignored (then Expires applies)', () => {
    expect(created(make('https://a.com/', 'a=b; Max-Age=2.5')).expiry).toBeNull();
    expect(created(make('https://a.com/', 'a=b; Max-Age=50,399; Expires=Fri, 02 Jan 2026 00:00:00 GMT')).expiry).toBe(NOW + DAY);
  });

  test('400-day cap on Max-Age, Expires and int64 overflow', () => {
    const cap = NOW + MAX_COOKIE_EXPIRY_DELTA_MS;
    expect(MAX_COOKIE_EXPIRY_DELTA_MS).toBe(400 * DAY);
    expect(created(make('https://a.com/', `a=b; Max-Age=${400 * 86400 + 1}`)).expiry).toBe(cap);
    expect(created(make('https://a.com/', `a=b; Max-Age=${400 * 86400 - 1}`)).expiry).toBe(cap - 1000);
    expect(created(make('https://a.com/', 'a=b; Expires=Fri, 07 Aug 9999 08:04:19 GMT')).expiry).toBe(cap);
    expect(created(make('https://a.com/', 'a=b; Max-Age=99999999999999999999999')).expiry).toBe(cap);
    expect(created(make('https://a.com/', 'a=b; Max-Age=-99999999999999999999999')).expiry).toBe(EARLIEST_COOKIE_TIME);
    // StringToInt64 fails on the trailing text but leaves the saturated value, which Chromium
    // compares with == to int64 max / min.
    expect(created(make('https://a.com/', 'a=b; Max-Age=9223372036854775807x')).expiry).toBe(cap);
    expect(created(make('https://a.com/', 'a=b; Max-Age=-9223372036854775808x')).expiry).toBe(EARLIEST_COOKIE_TIME);
    expect(created(make('https://a.com/', 'a=b; Max-Age=9223372036854775806x')).expiry).toBeNull();
  });

  test('Expires is shifted by the server clock skew', () => {
    const serverTime = NOW - 3_600_000;
    const c = created(make('https://a.com/', 'a=b; Expires=Thu, 01 Jan 2026 12:00:00 GMT', { serverTime }));
    expect(c.expiry).toBe(Date.UTC(2026, 0, 1, 13));
  });
});

describe('Partitioned (CHIPS)', () => {
  const key = cookiePartitionKeyFromUrl('https://www.top.com/page');

  test('partition key is the top-level schemeful site', () => {
    expect(key).toEqual({ topLevelSite: 'https://top.com', crossSiteAncestor: false });
  });

  test('Partitioned needs Secure (and a trustworthy URL) and keeps the key', () => {
    expect(created(make('https://embed.com/', 'a=b; Secure; Partitioned', { partitionKey: key })).partitionKey).toEqual(key);
    expect(reasons(make('https://embed.com/', 'a=b; Partitioned', { partitionKey: key }))).toEqual([R.EXCLUDE_INVALID_PARTITIONED]);
    expect(reasons(make('http://embed.com/', 'a=b; Secure; Partitioned'))).toEqual([R.EXCLUDE_INVALID_PARTITIONED]);
  });

  test('without Partitioned the key is dropped, unless the partition has a nonce', () => {
    expect(created(make('https://embed.com/', 'a=b; Secure', { partitionKey: key })).partitionKey).toBeNull();
    const nonced = { ...key, nonce: 'n1' };
    expect(created(make('https://embed.com/', 'a=b', { partitionKey: nonced })).partitionKey).toEqual(nonced);
  });
});

// The cookies group of ../shared/vectors/electron/session.json, where it concerns creation.
const vectors = JSON.parse(readFileSync(new URL('../../../shared/vectors/electron/session.json', import.meta.url), 'utf8')) as {
  cookies: {
    scenarios: Array<{ id: string; steps: Array<{ op?: string; args?: unknown; expect?: unknown }> }>;
    domainFilter: Array<{ set: Record<string, string> }>;
    cookieObjects: Array<{ trigger: string; expected: Record<string, unknown> }>;
  };
};

// Electron's cookies.set defaults (electron_api_cookies.cc): sameSite lax, secure = sameSite none.
function electronSet(args: Record<string, unknown>): CookieCreationResult {
  const sameSite = (args['sameSite'] as SanitizedCookieDetails['sameSite'] | undefined) ?? 'lax';
  const details: SanitizedCookieDetails = {
    url: String(args['url']),
    name: (args['name'] as string | undefined) ?? '',
    value: (args['value'] as string | undefined) ?? '',
    domain: (args['domain'] as string | undefined) ?? '',
    path: (args['path'] as string | undefined) ?? '',
    creation: null,
    expiry: typeof args['expirationDate'] === 'number' ? args['expirationDate'] * 1000 : null,
    lastAccess: null,
    secure: (args['secure'] as boolean | undefined) ?? sameSite === 'no_restriction',
    httpOnly: (args['httpOnly'] as boolean | undefined) ?? false,
    sameSite,
  };
  return createSanitizedCookie(details, NOW);
}

describe('Electron session.json cookie vectors (creation and validation)', () => {
  const scenario = (id: string) => {
    const found = vectors.cookies.scenarios.find((s) => s.id === id);
    if (found === undefined) throw new Error(`no scenario ${id}`);
    return found;
  };
  const firstSet = (id: string) => scenario(id).steps.find((s) => s.op === 'set') as { args: Record<string, unknown>; expect?: unknown };

  test.each([
    ['c-control-char', R.EXCLUDE_DISALLOWED_CHARACTER],
    ['c-empty-url', R.EXCLUDE_INVALID_DOMAIN],
    ['c-invalid-url', R.EXCLUDE_INVALID_DOMAIN],
    ['c-invalid-domain-attr', R.EXCLUDE_INVALID_DOMAIN],
  ])('%s is rejected with %s', (id, reason) => {
    const step = firstSet(id);
    expect(Object.keys(step.expect as object)[0]).toMatch(/^reject/);
    expect(reasons(electronSet(step.args))).toEqual([reason]);
  });

  test.each(['c-set-session', 'c-set-no-name', 'c-samesite-unspecified', 'c-samesite-no_restriction', 'c-samesite-lax', 'c-samesite-strict'])(
    '%s is accepted on http://127.0.0.1',
    (id) => {
      const step = firstSet(id);
      const cookie = created(electronSet(step.args));
      expect(cookie).toMatchObject({ domain: '127.0.0.1', hostOnly: true, path: '/', expiry: null });
      expect(cookie.sameSite).toBe((step.args['sameSite'] as string | undefined) ?? 'lax');
      // The set-time check passes too: no_restriction implies Secure, which loopback may set.
      expect(checkSetPermitted(cookie, String(step.args['url']))).toBe(true);
    },
  );

  test('c-default-samesite-derived / c-no_restriction-implies-secure-derived / c-domain-normalized-derived', () => {
    expect(created(electronSet(firstSet('c-default-samesite-derived').args))).toMatchObject({
      sameSite: 'lax', secure: false, httpOnly: false, expiry: null, hostOnly: true, domain: 'example.com', path: '/',
    });
    expect(created(electronSet(firstSet('c-no_restriction-implies-secure-derived').args))).toMatchObject({ sameSite: 'no_restriction', secure: true });
    expect(created(electronSet(firstSet('c-domain-normalized-derived').args))).toMatchObject({ domain: '.example.com', hostOnly: false });
  });

  test('domainFilter set cases: Domain normalised to lower case with a leading dot; IP stays host-only', () => {
    for (const entry of vectors.cookies.domainFilter) {
      const cookie = created(electronSet(entry.set));
      const d = entry.set['domain'];
      if (d === undefined) expect(cookie.hostOnly).toBe(true);
      else if (d === '127.0.0.1') expect(cookie).toMatchObject({ domain: '127.0.0.1', hostOnly: true });
      else expect(cookie.domain).toBe(`.${d.replace(/^\./, '').toLowerCase()}`);
    }
  });

  test('c-expired-set-not-sent: expirationDate 0 is the epoch, so the cookie is already expired', () => {
    const cookie = created(electronSet({ url: 'http://127.0.0.1:1234/', name: 'test', value: '11111', expirationDate: 0 }));
    expect(cookie.expiry).toBe(0);
  });

  test('cookieObjects: Set-Cookie from http://127.0.0.1 reports SameSite as given, unspecified when absent', () => {
    for (const { trigger, expected } of vectors.cookies.cookieObjects) {
      const line = /'set-cookie: ([^']+)'/.exec(trigger)?.[1] ?? '';
      const cookie = created(createCanonicalCookie('http://127.0.0.1:5000/', line, NOW));
      expect({
        name: cookie.name, value: cookie.value, domain: cookie.domain, hostOnly: cookie.hostOnly, path: cookie.path,
        secure: cookie.secure, httpOnly: cookie.httpOnly, session: cookie.expiry === null, sameSite: cookie.sameSite,
      }).toEqual(expected);
    }
  });

  test('createSanitizedCookie: __Http- needs HttpOnly; __Secure- takes a trustworthy http URL', () => {
    const base = { url: 'https://a.com/', name: '__Http-a', value: 'b', domain: '', creation: null, expiry: null, lastAccess: null, secure: true, httpOnly: false, sameSite: 'lax', path: '/' } as const;
    expect(reasons(createSanitizedCookie(base, NOW))).toEqual([R.EXCLUDE_INVALID_PREFIX]);
    expect(created(createSanitizedCookie({ ...base, httpOnly: true }, NOW))).toMatchObject({ name: '__Http-a', httpOnly: true });
    expect(reasons(createSanitizedCookie({ ...base, name: '__Host-Http-a' }, NOW))).toEqual([R.EXCLUDE_INVALID_PREFIX]);
    expect(created(createSanitizedCookie({ ...base, url: 'http://localhost/', name: '__Secure-a' }, NOW))).toMatchObject({ secure: true });
  });

  test('createSanitizedCookie: path must start with "/", is percent-encoded, and is limited to 1024 bytes', () => {
    const base = { url: 'https://a.com/x/y', name: 'a', value: 'b', domain: '', creation: null, expiry: null, lastAccess: null, secure: false, httpOnly: false, sameSite: 'lax', path: '' } as const;
    expect(reasons(createSanitizedCookie({ ...base, path: 'rel' }, NOW))).toEqual([R.EXCLUDE_FAILURE_TO_STORE]);
    expect(created(createSanitizedCookie({ ...base, path: '/a b' }, NOW)).path).toBe('/a%20b');
    expect(created(createSanitizedCookie({ ...base, path: '' }, NOW)).path).toBe('/x');
    expect(reasons(createSanitizedCookie({ ...base, path: `/${'p'.repeat(1024)}` }, NOW))).toEqual([R.EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE]);
    expect(reasons(createSanitizedCookie({ ...base, name: '', value: '__Host-x' }, NOW))).toEqual([R.EXCLUDE_INVALID_PREFIX]);
    expect(created(createSanitizedCookie({ ...base, expiry: NOW + 1000 * DAY }, NOW)).expiry).toBe(NOW + 400 * DAY);
  });

  test('createSanitizedCookie: a Secure cookie from a non-cryptographic URL carries WARN_TENTATIVELY_ALLOWING_SECURE_SOURCE_SCHEME even when rejected', () => {
    // CreateSanitizedCookie adds the warning as soon as the URL is valid, before
    // `if (!status->IsInclude()) return nullptr;`, so Electron's error text includes it.
    const W = 'WARN_TENTATIVELY_ALLOWING_SECURE_SOURCE_SCHEME';
    const rejected = electronSet({ url: 'http://127.0.0.1', name: 'BadCookie', value: 'test;test', sameSite: 'no_restriction' });
    expect(rejected).toEqual({ ok: false, reasons: [R.EXCLUDE_DISALLOWED_CHARACTER], warnings: [W] });
    expect(cookieSetErrorMessage(reasons(rejected) as R[], rejected.warnings)).toBe(
      'Failed to set cookie - The cookie contains ASCII control charactersEXCLUDE_DISALLOWED_CHARACTER, WARN_TENTATIVELY_ALLOWING_SECURE_SOURCE_SCHEME, NO_EXEMPTION',
    );
    // A bad Domain attribute fails the same way, still with the warning; an invalid URL adds none.
    expect(electronSet({ url: 'http://127.0.0.1', name: 'a', domain: 'other.com', secure: true }).warnings).toEqual([W]);
    expect(electronSet({ url: 'asdf', name: 'a', secure: true }).warnings).toEqual([]);
    // Not Secure, or a cryptographic URL: no warning.
    expect(electronSet({ url: 'http://127.0.0.1', name: 'BadCookie', value: 'test;test' }).warnings).toEqual([]);
    expect(electronSet({ url: 'https://a.com', name: 'BadCookie', value: 'test;test', secure: true }).warnings).toEqual([]);
    // Success keeps it too.
    expect(electronSet({ url: 'http://127.0.0.1', name: 'a', value: 'b', secure: true }).warnings).toEqual([W]);
  });
});
