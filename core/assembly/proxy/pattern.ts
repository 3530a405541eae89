// base::MatchPattern (base/strings/pattern.cc): '*' is any run, '?' is zero or one character,
// '\' escapes the next character. It is greedy and never backtracks: each literal run commits to
// its first occurrence within reach, so "*a?b" does not match "axab". Characters are code points;
// the text is UTF-8, so a slide skips a whole sequence.

import { utf8Length } from './bytes';

const STAR: u32 = 0x2a;
const QUESTION: u32 = 0x3f;
const BACKSLASH: u32 = 0x5c;

/** MatchPattern(text, pattern) over two byte ranges. */
export function matchPattern(s: usize, sLen: i32, p: usize, pLen: i32): bool {
  let si = 0;
  let pi = 0;
  while (true) {
    // EatWildcards: a '*' makes the distance unbounded, each '?' allows one more character.
    let maxDistance = 0;
    let unbounded = false;
    while (pi < pLen) {
      const c = <u32>load<u8>(p + <usize>pi);
      if (c == STAR) unbounded = true;
      else if (c == QUESTION) maxDistance++;
      else break;
      pi++;
    }
    // SearchForChars: match the literal run up to the next unescaped wildcard, sliding its start
    // one character at a time while the distance allows.
    const runStart = pi;
    let textStart = si;
    let escaped = false;
    while (true) {
      if (pi == pLen) {
        if (si == sLen) break;
      } else {
        const c = <u32>load<u8>(p + <usize>pi);
        if (!escaped && (c == STAR || c == QUESTION)) break;
        if (!escaped && c == BACKSLASH) {
          escaped = true;
          pi++;
          continue;
        }
        escaped = false;
        if (si == sLen) return false;
        if (c == <u32>load<u8>(s + <usize>si)) {
          pi++;
          si++;
          continue;
        }
      }
      if (!unbounded) {
        if (maxDistance == 0) return false;
        maxDistance--;
      }
      pi = runStart;
      escaped = false;
      textStart += utf8Length(load<u8>(s + <usize>textStart));
      if (textStart > sLen) textStart = sLen;
      si = textStart;
    }
    if (pi == pLen) return true;
  }
  return false;
}
