// parseSetCookie takes a shortcut for the usual line (printable ASCII, accepted) and leaves
// every other line to the general tokenizer. Both must give the same cookie, the same reasons
// and the same warnings, on any line.
import { describe, expect, test } from 'vitest';
import { CookieInclusionStatus } from '../../core/src/cookies/inclusion-status.ts';
import { parseSetCookie, parseSetCookieGeneral } from '../../core/src/cookies/parse-set-cookie.ts';
import { seededRandom as random } from '../harness/random.ts';

const next = random(6265);
const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
const randomCase = (text: string) => [...text].map((c) => (next() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
const SPACES = ['', '', '', ' ', '  '];
const SPACES_AND_TABS = [...SPACES, '\t', ' \t '];
const CHARACTERS = [...'abcXYZ019-_.=/%:,"\' ', 'é', '€', '\u0130', '\u212a', '\t', '\u0001', '\u007f', '\r', '\n', '\0'];
const ATTRIBUTES = ['Domain', 'Path', 'Expires', 'Max-Age', 'Secure', 'HttpOnly', 'SameSite', 'Priority', 'Partitioned', 'Foo', 'domainx', 'secure1', ''];
// Names of a known attribute's length that differ from it in one character, among them the
// characters that differ only in bit 5 (0x20) from a letter or '-' ('@', '[', '_', '`', '{', CR),
// which the shortcut's word comparison must tell apart.
const NEAR_MISSES = ['Pat', 'Paths', 'P@th', 'Pa{h', 'Doma1n', 'Dom[in', 'Secur_', 'Secure_', 'Expire', 'expirez', 'Max_Age', 'Max\rAge', 'Max`Age',
  'Max-Agf', 'SameSitf', 'SameSit', '`ameSite', 'HttpOnlY', 'HttpOnl{', 'Priorit', 'Priority_', 'Partitione', 'Partitioned_', 'Partiti@ned', 'Partitionef'];
const VALUES = ['', 'x', 'example.com', '/a/b', 'Lax', 'none', 'STRICT', 'high', 'Low', '3600', 'Wed, 21 Oct 2015 07:28:00 GMT', 'a=b', '"q"',
  // SameSite and Priority values and near misses (see NEAR_MISSES).
  'lAX', 'NoNe', 'Strict', 'HIGH', 'low', 'Lay', 'L@x', 'la{', 'N0ne', 'nonf', 'Stric', 'Strict_', 'Str[ct', 'hig', 'h`gh', 'lo', 'l0w', 'Lo_', 'Xax', 'lAy', 'Nonx', 'xone', 'higx', 'xigh', 'Lox', 'xow', 'Stricx', 'xtrict'];

function text(max: number, odd: number): string {
  let out = '';
  const n = Math.floor(next() * max);
  for (let i = 0; i < n; i++) out += next() < odd ? pick(CHARACTERS) : pick([...'abcdefXYZ0123456789-_./%']);
  return out;
}

function line(): string {
  // Most lines are plain (the shortcut's case); the rest have tabs or other characters.
  const odd = next() < 0.7 ? 0 : 0.05;
  const spaces = next() < 0.8 ? SPACES : SPACES_AND_TABS;
  const space = () => pick(spaces);
  let out = space();
  if (next() < 0.85) out += `${next() < 0.9 ? pick(['a', 'SID', '__Host-x', '']) : text(6, odd)}${space()}=`;
  out += space() + (next() < 0.02 ? 'v'.repeat(4090 + Math.floor(next() * 10)) : text(12, odd)) + space();
  const attributes = Math.floor(next() * 8);
  for (let i = 0; i < attributes; i++) {
    const roll = next();
    const attribute = roll < 0.8 ? randomCase(pick(ATTRIBUTES)) : roll < 0.9 ? randomCase(pick(NEAR_MISSES)) : text(8, odd);
    out += `;${space()}${attribute}${space()}`;
    if (next() < 0.8) {
      const value = next() < 0.02 ? 'p'.repeat(1020 + Math.floor(next() * 10)) : next() < 0.7 ? pick(VALUES) : text(10, odd);
      out += `=${space()}${value}${space()}`;
    }
  }
  if (next() < 0.1) out += `;${space()}`;
  return out;
}

describe('parseSetCookie: the clean-line shortcut agrees with the general tokenizer', () => {
  test('on random lines', () => {
    let accepted = 0;
    for (let i = 0; i < 30000; i++) {
      const text = line();
      const a = new CookieInclusionStatus();
      const b = new CookieInclusionStatus();
      const shortcut = parseSetCookie(text, a);
      const general = parseSetCookieGeneral(text, b);
      expect({ cookie: shortcut, exclusions: a.exclusions, warnings: a.warnings }, JSON.stringify(text)).toEqual({
        cookie: general,
        exclusions: b.exclusions,
        warnings: b.warnings,
      });
      if (general !== null) accepted++;
    }
    expect(accepted).toBeGreaterThan(10000);
    expect(accepted).toBeLessThan(29000);
  });
});
