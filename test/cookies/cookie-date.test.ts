// parseCookieDate reads the IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`) directly and
// leaves everything else to Chromium's full algorithm (parseCookieDateFull). The shortcut must
// give the full algorithm's answer on every input: the http-state date cases, then random
// fixdates (valid and out of range, weekdays that are months, odd case, other zones) and
// one-character mutations of them.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseCookieDate, parseCookieDateFull } from '../../core/src/cookies/cookie-date.ts';
import { seededRandom as random } from '../harness/random.ts';

interface DateCase {
  test: string;
  expected: string | null;
}

const load = <T>(relative: string): T =>
  JSON.parse(readFileSync(new URL(`../../../shared/cookies/http-state/${relative}`, import.meta.url), 'utf8')) as T;
const dateCases = [...load<DateCase[]>('dates/examples.json'), ...load<DateCase[]>('dates/bsd-examples.json')];

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'SUN', 'thu', 'Jan', 'dec', 'Mar', 'Xyz', 'Ma1', 'é12'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec', 'JAN', 'feb', 'sEp', 'Foo', 'J4n', 'Ju-'];
const ZONES = ['GMT', 'UTC', 'gmt', 'PST', 'Jan', 'DEC', '123', 'G:T', 'Z  ', 'GMT '];

function fixdates(count: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const digits = (n: number, width: number) => String(n).padStart(width, '0');
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const day = digits(Math.floor(next() * (next() < 0.9 ? 32 : 100)), 2);
    const year = digits(next() < 0.7 ? 1900 + Math.floor(next() * 200) : Math.floor(next() * 10000), 4);
    const hour = digits(Math.floor(next() * (next() < 0.9 ? 24 : 100)), 2);
    const minute = digits(Math.floor(next() * (next() < 0.9 ? 60 : 100)), 2);
    const second = digits(Math.floor(next() * (next() < 0.9 ? 60 : 100)), 2);
    let text = `${pick(WEEKDAYS)}, ${day} ${pick(MONTHS)} ${year} ${hour}:${minute}:${second} ${pick(ZONES)}`;
    if (next() < 0.3) {
      // One character replaced: the shape breaks (the full algorithm decides) or stays.
      const chars = [...text];
      chars[Math.floor(next() * chars.length)] = pick([...'0123456789 ,:-/aZ\t', 'é']);
      text = chars.join('');
    }
    out.push(text);
  }
  return out;
}

describe('parseCookieDate: the IMF-fixdate shortcut agrees with the full Chromium algorithm', () => {
  test('on the http-state date cases', () => {
    for (const { test: text } of dateCases) expect(parseCookieDate(text), JSON.stringify(text)).toBe(parseCookieDateFull(text));
  });

  test('on random fixdates, valid and not', () => {
    let parsed = 0;
    for (const text of fixdates(50000, 20260101)) {
      const full = parseCookieDateFull(text);
      expect(parseCookieDate(text), JSON.stringify(text)).toBe(full);
      if (full !== null) parsed++;
    }
    // Both outcomes are exercised.
    expect(parsed).toBeGreaterThan(10000);
    expect(parsed).toBeLessThan(45000);
  });

  test('on Date#toUTCString output across the years a Date can print in this form', () => {
    const next = random(7);
    for (let i = 0; i < 20000; i++) {
      // Years 1000-9999: toUTCString gives exactly the fixdate shape there.
      const ms = Date.UTC(1000, 0, 1) + Math.floor(next() * (Date.UTC(9999, 11, 31) - Date.UTC(1000, 0, 1)));
      const text = new Date(ms).toUTCString();
      expect(parseCookieDate(text), text).toBe(parseCookieDateFull(text));
      expect(parseCookieDate(text), text).toBe(Math.floor(ms / 1000) * 1000);
    }
  });

  test('two-digit-era years written with four digits, leap days and out-of-range fields', () => {
    for (const text of [
      'Thu, 01 Jan 0070 00:00:00 GMT',
      'Sat, 01 Jan 0000 00:00:00 GMT',
      'Sun, 31 Dec 0069 23:59:59 GMT',
      'Mon, 01 Jan 0099 00:00:00 GMT',
      'Mon, 01 Jan 0100 00:00:00 GMT',
      'Tue, 29 Feb 2000 12:00:00 GMT',
      'Tue, 29 Feb 1900 12:00:00 GMT',
      'Tue, 29 Feb 2024 12:00:00 GMT',
      'Tue, 29 Feb 2023 12:00:00 GMT',
      'Tue, 31 Apr 2024 12:00:00 GMT',
      'Tue, 00 Apr 2024 12:00:00 GMT',
      'Tue, 10 Apr 2024 24:00:00 GMT',
      'Tue, 10 Apr 2024 23:60:00 GMT',
      'Tue, 10 Apr 2024 23:59:60 GMT',
      'Jan, 10 Apr 2024 23:59:59 GMT',
      'Tue, 10 apr 2024 23:59:59 gmt',
      'Tue, 10 Apr 2024 23:59:59 Dec',
    ]) {
      expect(parseCookieDate(text), text).toBe(parseCookieDateFull(text));
    }
  });
});

describe('parseCookieDate: the cache of the last few texts', () => {
  test('answers repeated and interleaved texts as the full algorithm does', () => {
    // A small pool, drawn from in random order, so the cache sees hits, misses, evictions and
    // texts of the same length with different answers (also copies that are not the same string).
    const next = random(400);
    const pool = [...fixdates(12, 77), ...dateCases.slice(0, 12).map((c) => c.test), '', 'Sun, 06 Nov 1994 08:49:37 GMT'];
    for (let i = 0; i < 20000; i++) {
      const text = pool[Math.floor(next() * pool.length)] as string;
      const copy = next() < 0.5 ? text : `${text} `.slice(0, text.length);
      expect(parseCookieDate(copy), JSON.stringify(text)).toBe(parseCookieDateFull(text));
    }
  });
});
