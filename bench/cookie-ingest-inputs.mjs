// The Set-Cookie ingest workload of the cookie benches: 2,000 responses (one URL each) of 8
// attribute-rich lines, the kinds a site sends (session, analytics, CSRF, preferences, consent,
// cart, tracking, language), with expiries under Chromium's 400-day cap.

/** The inputs, with Expires dates relative to now. */
export function ingestInputs(sites = 2000) {
  const start = Date.now();
  const httpDate = (days) => new Date(Math.floor(start / 1000) * 1000 + days * 86400000).toUTCString();
  const responseLines = (s) => [
    `SESSIONID=8f14e45fceea167a5a36dedd4bea2543${s}; Path=/; Secure; HttpOnly; SameSite=Lax`,
    `_ga=GA1.2.1234567890.${1700000000 + s}; Expires=${httpDate(390)}; Domain=shop${s}.com; Path=/; SameSite=None; Secure`,
    `__Host-csrf=q9Zb1T2kXv7Lr0Pf3Ws8Nd5Hc4Jm6Ya${s}; Path=/; Secure; HttpOnly; SameSite=Strict`,
    `__Secure-pref=theme%3Ddark%26lang%3Den; Max-Age=31536000; Domain=shop${s}.com; Path=/; Secure; SameSite=Lax`,
    `consent=yes-${s}; Expires=${httpDate(180)}; Path=/; SameSite=Lax`,
    `cart=3f2a${s}; Path=/account; HttpOnly; Max-Age=86400`,
    `tracking=xyz${s}; Domain=.shop${s}.com; Expires=${httpDate(30)}; Path=/; Secure; SameSite=None; Priority=High`,
    `lang=en-US; Path=/; Max-Age=2592000`,
  ];
  const INGEST = Array.from({ length: sites }, (_, s) => ({ url: new URL(`https://www.shop${s}.com/account/orders`), lines: responseLines(s) }));
  return { INGEST, INGEST_SITES: sites, INGEST_LINES: sites * 8 };
}
