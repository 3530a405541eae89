// Chromium's cookie date parser (cookie_util::ParseCookieExpirationTime in
// net/cookies/cookie_util.cc). It is not the RFC 6265 §5.1.1 algorithm that tough-cookie
// implements: tokens are split on a wider delimiter set, the first "h:m:s" token wins, a
// numeric token of at most 2 digits is the day and one of at most 5 digits the year, a month is
// any token starting with a month's 3-letter abbreviation, and years are not limited to 1601+.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// Delimiters: every ASCII punctuation character except ':' (which holds h:m:s together), plus
// space and tab. Non-ASCII characters are part of tokens.
const DELIMITER_CHARACTERS = '\t !"#$%&\'()*+,-./;<=>?@[\\]^_`{|}~';
/** 1 for a delimiter, by character code (ASCII only). */
const DELIMITER_TABLE = new Uint8Array(128);
for (let i = 0; i < DELIMITER_CHARACTERS.length; i++) DELIMITER_TABLE[DELIMITER_CHARACTERS.charCodeAt(i)] = 1;

function isDelimiter(code: number): boolean {
  return code < 128 && DELIMITER_TABLE[code] === 1;
}

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
  // The answer depends on the text alone, and the lines of a response (and of a server) repeat
  // their dates: the last few texts are remembered with their answers.
  const length = text.length;
  for (let k = 0; k < DATE_CACHE_SIZE; k++) {
    const known = dateTexts[k] as string;
    if (known.length === length && known === text) return dateValues[k] as number | null;
  }
  let date: number | null | undefined;
  if (length === 29) date = parseImfFixdate(text);
  if (date === undefined) date = parseCookieDateFull(text);
  dateTexts[dateNext] = text;
  dateValues[dateNext] = date;
  dateNext = (dateNext + 1) % DATE_CACHE_SIZE;
  return date;
}

const DATE_CACHE_SIZE = 4;
// The slots start as '', whose answer is null.
const dateTexts: string[] = ['', '', '', ''];
const dateValues: (number | null)[] = [null, null, null, null];
let dateNext = 0;

const digitAt = (text: string, i: number): number => text.charCodeAt(i) - 0x30;
const isDigitAt = (text: string, i: number): boolean => isDigit(text.charCodeAt(i));

function isAsciiLetter(code: number): boolean {
  return (code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a;
}

// The month abbreviations as 24-bit keys (three lowercase letters), in month order.
const MONTH_KEYS = MONTHS.map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2));

/** The month (1-12) whose abbreviation `text[at, at + 3)` is, ASCII case-insensitively; 0 for none. */
function monthAt(text: string, at: number): number {
  const a = text.charCodeAt(at);
  const b = text.charCodeAt(at + 1);
  const c = text.charCodeAt(at + 2);
  if (!isAsciiLetter(a) || !isAsciiLetter(b) || !isAsciiLetter(c)) return 0;
  return MONTH_KEYS.indexOf(((a | 0x20) << 16) | ((b | 0x20) << 8) | (c | 0x20)) + 1;
}

/**
 * The IMF-fixdate form of RFC 9110 (`Sun, 06 Nov 1994 08:49:37 GMT`, what servers send), read
 * directly: `undefined` when `text` is not exactly that shape, and then {@link parseCookieDateFull}
 * decides. For that shape both give the same answer: the tokens are a weekday (three letters that
 * are not a month), a 2-digit day, the month, a 4-digit year, h:m:s and a 3-letter zone that comes
 * after the month and so is ignored.
 */
function parseImfFixdate(text: string): number | null | undefined {
  if (
    text.charCodeAt(3) !== 0x2c || // ','
    text.charCodeAt(4) !== 0x20 ||
    text.charCodeAt(7) !== 0x20 ||
    text.charCodeAt(11) !== 0x20 ||
    text.charCodeAt(16) !== 0x20 ||
    text.charCodeAt(19) !== 0x3a || // ':'
    text.charCodeAt(22) !== 0x3a ||
    text.charCodeAt(25) !== 0x20 ||
    !isDigitAt(text, 5) || !isDigitAt(text, 6) ||
    !isDigitAt(text, 12) || !isDigitAt(text, 13) || !isDigitAt(text, 14) || !isDigitAt(text, 15) ||
    !isDigitAt(text, 17) || !isDigitAt(text, 18) ||
    !isDigitAt(text, 20) || !isDigitAt(text, 21) ||
    !isDigitAt(text, 23) || !isDigitAt(text, 24) ||
    !isAsciiLetter(text.charCodeAt(0)) || !isAsciiLetter(text.charCodeAt(1)) || !isAsciiLetter(text.charCodeAt(2)) ||
    !isAsciiLetter(text.charCodeAt(26)) || !isAsciiLetter(text.charCodeAt(27)) || !isAsciiLetter(text.charCodeAt(28))
  ) {
    return undefined;
  }
  // A weekday that is a month would be taken as the month.
  if (monthAt(text, 0) !== 0) return undefined;
  const month = monthAt(text, 8);
  if (month === 0) return undefined;
  const day = digitAt(text, 5) * 10 + digitAt(text, 6);
  let year = digitAt(text, 12) * 1000 + digitAt(text, 13) * 100 + digitAt(text, 14) * 10 + digitAt(text, 15);
  if (year >= 70 && year <= 99) year += 1900;
  else if (year <= 69) year += 2000;
  const hour = digitAt(text, 17) * 10 + digitAt(text, 18);
  const minute = digitAt(text, 20) * 10 + digitAt(text, 21);
  const second = digitAt(text, 23) * 10 + digitAt(text, 24);
  if (day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  // year >= 100 here, so Date.UTC does not read it as 19xx.
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/**
 * Chromium's full algorithm, for any text (what {@link parseCookieDate} falls back to).
 * @internal Exported for tests.
 */
export function parseCookieDateFull(text: string): number | null {
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
    while (start < length && isDelimiter(text.charCodeAt(start))) start++;
    if (start >= length) break;
    let end = start;
    while (end < length && !isDelimiter(text.charCodeAt(end))) end++;
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
