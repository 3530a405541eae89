// The IETF http-state cases (../shared/cookies/http-state), run the way tough-cookie's
// ietf.spec.ts runs them, against our Chromium-rules parser and a reference jar. Where current
// Chromium answers differently, the case is listed below with the rule and Chromium's answer,
// and that answer is what we assert.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ReferenceCookieJar, createCanonicalCookie, parseCookieDate } from '../../core/src/cookies/index.ts';
import { CookieStore } from '../../core/src/cookies/cookie-store.ts';

interface ParserCase {
  test: string;
  received: string[];
  sent: Array<{ name: string; value: string }>;
  'sent-to'?: string;
}
interface DateCase {
  test: string;
  expected: string | null;
}

const load = <T>(relative: string): T =>
  JSON.parse(readFileSync(new URL(`../../../shared/cookies/http-state/${relative}`, import.meta.url), 'utf8')) as T;

const parserCases = load<ParserCase[]>('parser.json');
const dateCases = [...load<DateCase[]>('dates/examples.json'), ...load<DateCase[]>('dates/bsd-examples.json')];

// A fixed clock keeps the cases with real Expires dates (CHROMIUM0016: April 2027) stable.
const NOW = Date.UTC(2025, 0, 1);
const nameless = (value: string) => ({ name: '', value });

/** Cases where Chromium differs from the http-state expectation, grouped by the Chromium rule. */
const CHROMIUM_DIFFERENCES: Array<{ rule: string; why: string; cases: Record<string, ParserCase['sent']> }> = [
  {
    rule: 'A first pair without "=" (or with an empty name) is a nameless cookie',
    why:
      'ParsedCookie::ParseTokenValuePairs treats "foo" as name "" and value "foo" (Mozilla bug 169091, IE ' +
      'compatibility) and "=foo" as name "" too; only a pair with neither name nor value is rejected ' +
      '(EXCLUDE_NO_COOKIE_CONTENT). Nameless cookies share one (name, domain, path) key, so a later one ' +
      'overwrites an earlier one, and a changed value gets a new creation time (CookieMonster).',
    cases: {
      '0004': [nameless('foo')],
      '0021': [{ name: 'a', value: 'b' }, nameless('x'), { name: 'c', value: 'd' }],
      '0023': [nameless('foo')],
      '0024': [nameless('foo')],
      '0025': [nameless('foo')],
      '0026': [nameless('foo')],
      '0027': [nameless('bar')],
      '0028': [nameless('foo')],
      CHROMIUM0009: [nameless('BLAHHH')],
      CHROMIUM0010: [nameless('"BLA\\"HHH"')],
      CHROMIUM0012: [nameless('ABC')],
      MOZILLA0012: [{ name: 'test', value: '"fubar! = foo' }, nameless('five')],
      MOZILLA0014: [nameless('six')],
      MOZILLA0015: [nameless('seven')],
      MOZILLA0016: [nameless('eight')],
      MOZILLA0017: [nameless('eight'), { name: 'test', value: 'six' }],
      NAME0017: [nameless('a=bar')],
      NAME0023: [nameless('foo')],
      NAME0025: [nameless('==a=bar')],
      NAME0028: [nameless('a')],
      NAME0031: [nameless('"foo')],
      NAME0032: [nameless('"foo\\"bar')],
      NAME0033: [nameless('aaa')],
    },
  },
  {
    rule: 'A line containing NUL, CR or LF is rejected, not truncated',
    why:
      'ParsedCookie blocks lines that FindFirstTerminator would have cut (EXCLUDE_DISALLOWED_CHARACTER); ' +
      'Chromium itself keeps these two cases DISABLED_.',
    cases: { DISABLED_CHROMIUM0022: [], DISABLED_CHROMIUM0023: [] },
  },
  {
    rule: 'An empty Domain attribute still counts: the last Domain wins and "" means host-only',
    why:
      'ParsedCookie::SetupAttributes records every "domain" pair, empty or not, and ' +
      'cookie_util::GetCookieDomainWithString makes an empty domain a host cookie; RFC 6265 §5.2.3 ' +
      '(and tough-cookie) ignore the empty attribute, so the earlier foreign Domain rejects the cookie.',
    cases: { OPTIONAL_DOMAIN0042: [{ name: 'foo', value: 'bar' }] },
  },
];

/** Date cases where Chromium's ParseCookieExpirationTime differs from RFC 6265 §5.1.1. */
const CHROMIUM_DATE_DIFFERENCES: Record<string, { expected: string; why: string }> = {
  'Thu, 12-Aug-31841 20:49:07 GMT': {
    expected: 'Thu, 12 Aug 31841 20:49:07 GMT',
    why:
      'cookie_util.cc takes a numeric token of up to 5 digits as the year and saturates rather than ' +
      'rejects far-future dates (64-bit base::Time); RFC 6265 allows at most 4 digits. The expiry is ' +
      'then capped at creation + 400 days anyway.',
  },
};

const overrides = new Map<string, ParserCase['sent']>();
for (const group of CHROMIUM_DIFFERENCES) for (const [id, sent] of Object.entries(group.cases)) overrides.set(id, sent);

describe('http-state parser cases (Chromium rules)', () => {
  test('every case is present and runs; the difference list names only real cases', () => {
    expect(parserCases).toHaveLength(222);
    expect(parserCases.filter((c) => c['sent-to'] !== undefined)).toHaveLength(64);
    expect(dateCases).toHaveLength(70);
    const ids = new Set(parserCases.map((c) => c.test));
    for (const id of overrides.keys()) expect(ids.has(id), id).toBe(true);
    const dates = new Set(dateCases.map((c) => c.test));
    for (const text of Object.keys(CHROMIUM_DATE_DIFFERENCES)) expect(dates.has(text), text).toBe(true);
    expect(overrides.size).toBe(26);
  });

  test.each(parserCases.map((c) => [c.test, c] as const))('%s', (id, c) => {
    const jar = new ReferenceCookieJar();
    let now = NOW;
    for (const line of c.received) jar.setCookie(line, `http://home.example.org/cookie-parser?${id}`, now++);
    const sentTo =
      c['sent-to'] !== undefined
        ? new URL(c['sent-to'], 'http://home.example.org').href
        : `http://home.example.org/cookie-parser-result?${id}`;
    const sent = jar.getCookies(sentTo, now).map(({ name, value }) => ({ name, value }));
    const expected = overrides.get(id) ?? c.sent;
    expect(sent).toEqual(expected);
    if (overrides.has(id)) expect(expected, 'a listed difference must differ from http-state').not.toEqual(c.sent);
  });
});

describe('http-state parser cases through the real store (wasm index, CookieMonster rules)', () => {
  test.each(parserCases.map((c) => [c.test, c] as const))('%s', (id, c) => {
    let now = NOW;
    const store = new CookieStore({ now: () => now });
    try {
      const source = new URL(`http://home.example.org/cookie-parser?${id}`);
      for (const line of c.received) {
        const created = createCanonicalCookie(source, line, store.currentTime(), { checkSetPermitted: false });
        if (created.ok) store.setCanonicalCookie(created.cookie, source);
        now += 1;
      }
      const sentTo =
        c['sent-to'] !== undefined
          ? new URL(c['sent-to'], 'http://home.example.org')
          : new URL(`http://home.example.org/cookie-parser-result?${id}`);
      const sent = store.getCookieList(sentTo).map(({ name, value }) => ({ name, value }));
      expect(sent).toEqual(overrides.get(id) ?? c.sent);
    } finally {
      store.dispose();
    }
  });
});

describe('http-state date cases (Chromium ParseCookieExpirationTime)', () => {
  test.each(dateCases.map((c) => [c.test, c] as const))('%j', (text, c) => {
    const ms = parseCookieDate(text);
    const got = ms === null ? undefined : new Date(ms).toUTCString();
    const difference = CHROMIUM_DATE_DIFFERENCES[text];
    expect(got).toBe(difference !== undefined ? difference.expected : (c.expected ?? undefined));
  });
});
