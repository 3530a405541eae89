// Chromium's cookie date parser (cookie_util::ParseCookieExpirationTime in
// net/cookies/cookie_util.cc). It is not the RFC 6265 §5.1.1 algorithm that tough-cookie
// implements: tokens are split on a wider delimiter set, the first "h:m:s" token wins, a
// numeric token of at most 2 digits is the day and one of at most 5 digits the year, a month is
// any token starting with a month's 3-letter abbreviation, and years are not limited to 1601+.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// Delimiters: every ASCII punctuation character except ':' (which holds h:m:s together), plus
// space and tab. Non-ASCII characters are part of tokens.
const DELIMITERS = new Set('\t !"#$%&\'()*+,-./;<=>?@[\\]^_`{|}~');

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

// C's atoi on a token that starts with a digit: the value of the leading digits.
function leadingNumber(token: string): number {
  let n = 0;
  for (let i = 0; i < token.length && isDigit(token.charCodeAt(i)); i++) n = n * 10 + (token.charCodeAt(i) - 0x30);
  return n;
}

// sscanf(token, "%2u:%2u:%2u"): three numbers of one or two digits separated by ':' (leading
// whitespace before each number is skipped, as %u does); anything after the third is ignored.
function scanTime(token: string): [number, number, number] | null {
  const parts: number[] = [];
  let i = 0;
  for (let field = 0; field < 3; field++) {
    if (field > 0) {
      if (token[i] !== ':') return null;
      i++;
    }
    while (i < token.length && ' \t\n\v\f\r'.includes(token[i] as string)) i++;
    let digits = 0;
    let n = 0;
    while (digits < 2 && i < token.length && isDigit(token.charCodeAt(i))) {
      n = n * 10 + (token.charCodeAt(i) - 0x30);
      i++;
      digits++;
    }
    if (digits === 0) return null;
    parts.push(n);
  }
  return [parts[0] as number, parts[1] as number, parts[2] as number];
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
}

/**
 * Parse a cookie `Expires` value the way Chromium does. Returns milliseconds since the Unix
 * epoch (UTC), or `null` when the string is not a date (the cookie then stays a session cookie).
 *
 * @example parseCookieDate('Sat, 15-Apr-17 21:01:22 GMT') // Date.UTC(2017, 3, 15, 21, 1, 22)
 */
export function parseCookieDate(text: string): number | null {
  let day = 0;
  let month = 0;
  let year = 0;
  let time: [number, number, number] | null = null;
  let foundDay = false;
  let foundMonth = false;
  let foundYear = false;

  let start = 0;
  const length = text.length;
  while (start < length) {
    while (start < length && DELIMITERS.has(text[start] as string)) start++;
    if (start >= length) break;
    let end = start;
    while (end < length && !DELIMITERS.has(text[end] as string)) end++;
    const token = text.slice(start, end);
    start = end;

    if (!isDigit(token.charCodeAt(0))) {
      if (!foundMonth && token.length >= 3) {
        const prefix = token.slice(0, 3).toLowerCase();
        const index = MONTHS.indexOf(prefix);
        // toLowerCase folds non-ASCII too; Chromium compares ASCII-insensitively only.
        if (index >= 0 && /^[a-z]{3}$/i.test(token.slice(0, 3))) {
          month = index + 1;
          foundMonth = true;
        }
      }
    } else if (token.includes(':')) {
      if (time === null) time = scanTime(token);
    } else if (!foundDay && token.length <= 2) {
      day = leadingNumber(token);
      foundDay = true;
    } else if (!foundYear && token.length <= 5) {
      year = leadingNumber(token);
      foundYear = true;
    }
  }

  if (!foundDay || !foundMonth || time === null || !foundYear) return null;

  if (year >= 70 && year <= 99) year += 1900;
  else if (year >= 0 && year <= 69) year += 2000;

  const [hour, minute, second] = time;
  // base::Time::FromUTCExploded: fields must be in range and survive a round trip (so no
  // 31 April and no leap second).
  if (day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;

  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const ms = date.getTime();
  return Number.isNaN(ms) ? null : ms;
}
