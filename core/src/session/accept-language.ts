/**
 * Chromium's `net::HttpUtil::GenerateAcceptLanguageHeader`: the list is split on `,` without
 * trimming, the first language is sent bare and each next one gets a q-value 0.1 lower, never
 * below 0.1. `'en-US,fr,de'` → `'en-US,fr;q=0.9,de;q=0.8'`.
 */
export function generateAcceptLanguageHeader(languages: string): string {
  let q = 10;
  const out: string[] = [];
  for (const lang of languages.split(',')) {
    if (lang === '') continue;
    out.push(q === 10 ? lang : `${lang};q=0.${q}`);
    if (q > 1) q--;
  }
  return out.join(',');
}
