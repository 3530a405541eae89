// The wasm core only canonicalises ASCII hosts. Chromium runs proxy hosts through
// url::CanonicalizeHost, which percent-decodes and applies UTS #46 (IDN to punycode). We get the
// same host from the WHATWG URL parser, so before a proxy string goes to the core, every word in a
// host position that holds non-ASCII or '%' is replaced by `new URL('http://' + word).hostname`.
// Words in other positions (schemes, proxyRules keys, PAC keywords, ports) are left alone, so
// they stay invalid exactly where Chromium finds them invalid. A word the URL parser rejects is
// left as it is, and the core then rejects it too.

const NEEDS_CONVERSION = /[^\x00-\x7f]|%/;
// Characters that end a word: separators of the three grammars and of host[:port].
const WORD_BREAK = new Set([' ', '\t', ';', ',', ':', '/', '[', ']', '@']);
// A converted host must not contain these, or it would change how the string splits.
const UNSAFE_IN_RESULT = /[\s;,=:/[\]@%]/;
const FORBIDDEN_HOST = /[\x00-\x20#/:<>?@[\\\]^|]/;

/** Which grammar the text follows: proxyRules (`key=uri,uri;...`), a PAC result, or one URI. */
export type ProxyTextGrammar = 'rules' | 'pac' | 'uri';

function convertHost(word: string): string | null {
  if (FORBIDDEN_HOST.test(word)) return null;
  let host: string;
  try {
    host = new URL(`http://${word}`).hostname;
  } catch {
    return null;
  }
  if (host === '' || UNSAFE_IN_RESULT.test(host)) return null;
  return host;
}

function isHostPosition(text: string, start: number, end: number, grammar: ProxyTextGrammar): boolean {
  if (text.startsWith('://', end)) return false;
  if (start > 0 && text[start - 1] === ':' && !(start >= 3 && text.startsWith('://', start - 3))) return false;
  if (grammar === 'rules') {
    let i = end;
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === '=') return false;
  }
  if (grammar === 'pac') {
    let i = start - 1;
    while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
    if (i < 0 || text[i] === ';') return false;
  }
  return true;
}

/**
 * Returns `text` with IDN and percent-encoded hosts in punycode / decoded form, as Chromium's
 * host canonicalisation would see them. ASCII text without '%' is returned unchanged.
 */
export function asciiProxyHosts(text: string, grammar: ProxyTextGrammar): string {
  if (!NEEDS_CONVERSION.test(text)) return text;
  const isBreak = (c: string): boolean => WORD_BREAK.has(c) || (grammar === 'rules' && c === '=');
  let result = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (isBreak(c)) {
      result += c;
      i++;
      continue;
    }
    let end = i;
    while (end < text.length && !isBreak(text[end] ?? '')) end++;
    const word = text.slice(i, end);
    const converted = NEEDS_CONVERSION.test(word) && isHostPosition(text, i, end, grammar) ? convertHost(word) : null;
    result += converted ?? word;
    i = end;
  }
  return result;
}
