// Shortcuts of the Set-Cookie ingest path that must not change any answer:
// - createCanonicalCookie remembers the bucket key (CookieMonster's GetKey) of the cookie it made
//   last, found on the way, so that the store need not look it up again: it must be the key the
//   store would compute for that cookie's domain.
import { describe, expect, test } from 'vitest';
import { bucketKeyOf, createCanonicalCookie, createdBucketKey } from '../../core/src/cookies/canonical-cookie.ts';
import { cookieBucketKey } from '../../core/src/cookies/cookie-store.ts';
import { seededRandom as random } from '../harness/random.ts';

const next = random(4242);
const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;

const SCHEMES = ['https', 'http', 'wss', 'ws', 'ftp'];
const HOSTS = [
  'www.example.com', 'example.com', 'a.b.example.co.uk', 'example.co.uk', 'co.uk', 'foo.blogspot.com', 'blogspot.com',
  'localhost', 'sub.localhost', 'intranet', 'host.intranet', '127.0.0.1', '[::1]', '10.1.2.3', 'xn--bcher-kva.example',
  'www.xn--bcher-kva.example', 'b\u00fccher.example', 'WWW.Example.COM', 'a.city.kawasaki.jp', 'city.kawasaki.jp', 'x.y.kawasaki.jp',
  'www.shop7.com', 'github.io', 'me.github.io', 'a..b.example.com', 'example.com.',
];
const DOMAINS = ['', 'example.com', '.example.com', 'EXAMPLE.com', 'www.example.com', 'co.uk', 'example.co.uk', '.example.co.uk',
  'blogspot.com', 'foo.blogspot.com', 'localhost', '127.0.0.1', '10.1.2.3', 'intranet', 'host.intranet', 'city.kawasaki.jp',
  'kawasaki.jp', 'y.kawasaki.jp', 'shop7.com', '.shop7.com', 'github.io', 'me.github.io', 'xn--bcher-kva.example', 'b\u00fccher.example',
  'example.com.', '..example.com', 'other.com'];

describe('createCanonicalCookie: the remembered bucket key', () => {
  test('is the store\'s bucket key of the cookie\'s domain', () => {
    let hinted = 0;
    let created = 0;
    for (let i = 0; i < 20000; i++) {
      const host = pick(HOSTS);
      const url = new URL(`${pick(SCHEMES)}://${host}/${pick(['', 'a', 'a/b'])}`);
      const domain = pick(DOMAINS);
      const line = `n${i % 7}=v${i}${domain === '' && next() < 0.5 ? '' : `; Domain=${domain}`}${next() < 0.5 ? '; Path=/' : ''}${next() < 0.5 ? '; Secure' : ''}`;
      const result = createCanonicalCookie(next() < 0.5 ? url : url.href, line, 1_700_000_000_000, { checkSetPermitted: next() < 0.5 });
      if (!result.ok) {
        continue;
      }
      created++;
      const cookie = result.cookie;
      expect(cookieBucketKey(cookie.domain), cookie.domain).toBe(bucketKeyOf(cookie.domain));
      const key = createdBucketKey(cookie);
      if (key !== undefined) {
        hinted++;
        expect(key, `${url.href} ${line}`).toBe(bucketKeyOf(cookie.domain));
      }
      // Only the last cookie made is remembered, and only as it was made.
      expect(createdBucketKey({ ...cookie })).toBeUndefined();
      if (key !== undefined) {
        const mutable = cookie as { domain: string };
        const original = mutable.domain;
        mutable.domain = `${original}x`;
        expect(createdBucketKey(cookie)).toBeUndefined();
        mutable.domain = original;
      }
    }
    expect(created).toBeGreaterThan(1000);
    expect(hinted).toBeGreaterThan(created / 2);
  });
});
