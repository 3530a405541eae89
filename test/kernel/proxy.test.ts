import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../../core/src/errors.ts';
import { Core } from '../../core/src/wasm/core.ts';
import { proxyKernel } from '../../core/src/proxy/proxy-kernel.ts';
import {
  BypassRules, ProxyRules, deprioritizeBadProxies, filterPacString, matchPattern, matchesImplicitBypass,
  normalizePacResult, parsePacResultElement, parseProxyChainUri, parseProxyUri, proxyConfigToValue, proxyUrl,
} from '../../core/src/proxy/index.ts';

type Entry = Record<string, unknown> & { source?: string; note?: string };

const chromium = JSON.parse(readFileSync(new URL('../../../shared/vectors/proxy/chromium.json', import.meta.url), 'utf8')) as Record<string, Entry[]>;
const electron = JSON.parse(readFileSync(new URL('../../../shared/vectors/electron/session.json', import.meta.url), 'utf8')) as Record<string, Entry[]>;

function group(name: string): Entry[] {
  const entries = chromium[name];
  if (!Array.isArray(entries)) throw new Error(`vector group ${name} is missing`);
  return entries;
}

const str = (v: unknown): string => v as string;

/** Why an entry cannot run against release Electron's behaviour, or null when it can. */
function skipReason(entry: Entry): string | null {
  if (entry['allowBracketedProxyChains'] === true) return 'needs ENABLE_BRACKETED_PROXY_URIS, a debug-only Chromium build flag Electron does not have';
  if (entry['isQuicAllowed'] === true) return 'needs ENABLE_QUIC_PROXY_SUPPORT, which release Electron does not have';
  if (entry['platform'] === 'windows') return 'Windows-only implicit rule (loopback); this is the non-Windows build';
  return null;
}

function label(text: string): string {
  return text.length > 110 ? `${text.slice(0, 107)}...` : text;
}

/**
 * Runs every entry of a group: `it` for runnable ones, `it.skip` (named with the reason) for the
 * rest, and a count check so that no group is silently empty.
 */
function eachEntry(name: string, title: (e: Entry) => string, run: (e: Entry) => void, extraSkip?: (e: Entry) => string | null): void {
  describe(name, () => {
    const entries = group(name);
    let runnable = 0;
    entries.forEach((entry, i) => {
      const reason = skipReason(entry) ?? extraSkip?.(entry) ?? null;
      const text = label(`#${i} ${title(entry)}`);
      if (reason === null) {
        runnable++;
        it(text, () => run(entry));
      } else {
        it.skip(`${text} (${reason})`, () => undefined);
      }
    });
    it(`has entries to run (${runnable} of ${entries.length})`, () => {
      expect(entries.length).toBeGreaterThan(0);
      expect(runnable).toBeGreaterThan(0);
    });
  });
}

describe.each(['release', 'debug'] as const)('proxy kernel vectors (%s build)', (build) => {
  const core = new Core(build);

  const rulesCheck = (e: Entry): void => {
    expect(ProxyRules.parse(str(e['input']), undefined, { core }).describe()).toEqual(e['expected']);
  };
  eachEntry('proxyRules', (e) => JSON.stringify(e['input']), rulesCheck);
  eachEntry('proxyRulesBuildVariant', (e) => JSON.stringify(e['input']), rulesCheck);
  eachEntry('proxyRulesDerived', (e) => JSON.stringify(e['input']), rulesCheck);

  eachEntry('proxyServerUri', (e) => `${JSON.stringify(e['input'])} (${String(e['defaultScheme'])})`, (e) => {
    const server = parseProxyUri(str(e['input']), e['defaultScheme'] as 'HTTP', core);
    if (e['valid'] !== true) {
      expect(server).toBeNull();
      return;
    }
    expect(server).not.toBeNull();
    if (e['expectedUri'] !== undefined) expect(server?.uri).toBe(e['expectedUri']);
    if (e['expectedScheme'] !== undefined) expect(server?.scheme).toBe(e['expectedScheme']);
    if (e['expectedHost'] !== undefined) expect(server?.host).toBe(e['expectedHost']);
    if (e['expectedPort'] !== undefined) expect(server?.port).toBe(e['expectedPort']);
    if (e['expectedPac'] !== undefined) expect(server?.pac).toBe(e['expectedPac']);
  });

  eachEntry('proxyChainUri', (e) => JSON.stringify(e['input']), (e) => {
    const chain = parseProxyChainUri(str(e['input']), 'HTTP', core);
    if (e['valid'] !== true) {
      expect(chain).toBeNull();
      return;
    }
    expect(chain?.scheme === 'DIRECT').toBe(e['isDirect'] === true);
    if (e['expectedPac'] !== undefined) expect(chain?.pac).toBe(e['expectedPac']);
  });

  eachEntry('pacResultElement', (e) => JSON.stringify(e['input']), (e) => {
    const chain = parsePacResultElement(str(e['input']), core);
    if (e['valid'] !== true) {
      expect(chain).toBeNull();
      return;
    }
    expect(chain?.uri).toBe(e['expectedUri']);
  });

  eachEntry('pacString', (e) => JSON.stringify(e['input']), (e) => {
    expect(normalizePacResult(str(e['input']), core)).toBe(e['expected']);
  });

  eachEntry('pacStringFilter', (e) => JSON.stringify(e['input']), (e) => {
    expect(filterPacString(str(e['input']), e['keepSchemes'] as string[], core)).toBe(e['expected']);
  });

  eachEntry('deprioritizeBadProxies', (e) => JSON.stringify(e['input']), (e) => {
    const now = 1_000_000;
    const day = 86_400_000;
    const bad = new Map(
      Object.entries(e['bad'] as Record<string, { tryWhileBad: boolean; badUntil?: number }>).map(([uri, info]) => [
        uri,
        { tryWhileBad: info.tryWhileBad, badUntil: info.badUntil ?? now + day },
      ]),
    );
    expect(deprioritizeBadProxies(str(e['input']), bad, now, core)).toBe(e['expected']);
  });

  eachEntry('bypassParse', (e) => JSON.stringify(e['rules']), (e) => {
    const rules = BypassRules.parse(str(e['rules']), { core });
    const expected = (e['expectedRules'] as string[] | null) ?? [];
    expect(rules.toStrings()).toEqual(expected);
    expect(rules.size).toBe(expected.length);
    if (e['api'] === 'AddRuleFromString') expect(rules.size).toBe(e['valid'] === true ? 1 : 0);
    if (e['expectedToString'] !== undefined) expect(rules.toString()).toBe(e['expectedToString']);
  });

  eachEntry('bypass', (e) => `${JSON.stringify(e['rules'])} ${str(e['url'])}${e['reverse'] === true ? ' reverse' : ''}`, (e) => {
    const rules = BypassRules.parse(str(e['rules']), { core });
    const reverse = e['reverse'] === true;
    expect(rules.matches(str(e['url']), reverse)).toBe(e['matches']);
    const effective = rules.toElectronEffective();
    const expectedEffective = e['electronEffectiveMatches'] ?? e['matches'];
    expect(effective.matches(str(e['url']), reverse)).toBe(expectedEffective);
  });

  eachEntry('bypassEquals', (e) => `${JSON.stringify(e['a'])} vs ${JSON.stringify(e['b'])}`, (e) => {
    const a = BypassRules.parse(str(e['a']), { core });
    const b = BypassRules.parse(str(e['b']), { core });
    expect(a.equals(b)).toBe(e['equal']);
    expect(b.equals(a)).toBe(e['equal']);
  });

  eachEntry('bypassRuleLayer', (e) => JSON.stringify(e['rule']), (e) => {
    const rules = BypassRules.parse(str(e['rule']), { core });
    if (e['valid'] === false) {
      expect(rules.size).toBe(0);
      return;
    }
    expect(rules.toStrings()).toEqual([e['expectedToString']]);
    for (const url of e['include'] as string[]) expect(rules.matches(url), url).toBe(true);
    for (const url of e['noMatch'] as string[]) expect(rules.matches(url), url).toBe(false);
  });

  eachEntry('suffixMatchingRule', (e) => JSON.stringify(e['rule']), (e) => {
    const rule = e['rule'] as { scheme: string; hostPattern: string; port: number };
    const original = BypassRules.fromHostnamePattern(rule, { core });
    expect(original.toStrings()).toEqual([e['toString']]);
    expect(original.matches(str(e['url']))).toBe(e['original']);
    const suffix = BypassRules.fromHostnamePattern(rule, { core, suffixMatching: true });
    expect(suffix.toStrings()).toEqual([e['suffixToString']]);
    expect(suffix.matches(str(e['url']))).toBe(e['suffix']);
    // ParseFromString with kHostnameSuffixMatching gives the same rule for pattern text.
    const parsed = BypassRules.parse(rule.hostPattern, { core, suffixMatching: true });
    expect(parsed.matches(str(e['url']))).toBe(e['suffix']);
  });

  eachEntry('apply', (e) => `${JSON.stringify(e['proxyRules'])} ${str(e['url'])}`, (e) => {
    const reverseBypass = e['reverseBypass'] === true;
    const bypass = e['bypassRules'] as string | undefined;
    const rules = ProxyRules.parse(str(e['proxyRules']), bypass, { core, reverseBypass });
    expect(rules.resolve(str(e['url']))).toBe(e['expected']);
    if (e['didBypassProxy'] !== undefined) {
      expect(BypassRules.parse(bypass ?? '', { core }).matches(str(e['url']), reverseBypass)).toBe(e['didBypassProxy']);
    }
  });

  eachEntry(
    'resolveWithPac',
    (e) => `${str(e['url'])} (PAC ${JSON.stringify(e['pacResult'] ?? e['pacError'])})`,
    (e) => {
      // PAC modes apply only the implicit rules before the script (ApplyPacBypassRules).
      const url = str(e['url']);
      const answer = matchesImplicitBypass(url, core) ? 'DIRECT' : normalizePacResult(str(e['pacResult']), core);
      expect(answer).toBe(e['expected']);
    },
    (e) => (e['pacError'] !== undefined ? 'PAC failure handling belongs to the session and the PAC sandbox' : null),
  );

  eachEntry('proxyConfigToValue', (e) => JSON.stringify(e['config']), (e) => {
    const config = e['config'];
    let value: string;
    if (config === 'direct') value = proxyConfigToValue({});
    else if (config === 'auto_detect') value = proxyConfigToValue({ autoDetect: true });
    else {
      const c = config as { autoDetect?: boolean; pacUrl?: string; proxyRules?: string };
      value = proxyConfigToValue({
        ...(c.autoDetect !== undefined ? { autoDetect: c.autoDetect } : {}),
        ...(c.pacUrl !== undefined ? { pacUrl: c.pacUrl } : {}),
        ...(c.proxyRules !== undefined ? { rules: ProxyRules.parse(c.proxyRules, undefined, { core }) } : {}),
      });
    }
    expect(value).toBe(e['json']);
  });

  describe('electron resolveProxy (entries without a PAC script)', () => {
    const entries = electron['resolveProxy'] ?? [];
    let runnable = 0;
    for (const entry of entries) {
      const config = entry['config'] as { mode: string | null; proxyRules: string | null; proxyBypassRules: string | null; pacScript: string | null };
      const name = `${String(entry['id'])} ${JSON.stringify(config)} ${str(entry['url'])}`;
      if (config.pacScript !== null) {
        it.skip(`${name} (runs a PAC script: session / PAC sandbox tests)`, () => undefined);
        continue;
      }
      runnable++;
      it(name, () => {
        // Mode selection of §0 (Session::SetProxy / CreateFixedServers), reduced to what these entries use.
        const mode = config.mode ?? 'fixed_servers';
        const proxyRules = config.proxyRules ?? '';
        let answer: string;
        if (mode === 'direct' || mode === 'pac_script' || proxyRules === '') answer = 'DIRECT';
        else answer = ProxyRules.parse(proxyRules, config.proxyBypassRules ?? '', { core }).resolve(str(entry['url']));
        expect(answer).toBe(entry['expected']);
      });
    }
    it(`has entries to run (${runnable} of ${entries.length})`, () => expect(runnable).toBeGreaterThan(0));
  });
});

/** base::MatchPattern written straight from §4.4, for the reference evaluator below. */
function referenceMatchPattern(s: string, p: string): boolean {
  let si = 0;
  let pi = 0;
  for (;;) {
    let maxDistance = 0;
    let unbounded = false;
    while (pi < p.length && (p[pi] === '*' || p[pi] === '?')) {
      if (p[pi] === '*') unbounded = true;
      else maxDistance++;
      pi++;
    }
    const runStart = pi;
    let textStart = si;
    let escaped = false;
    for (;;) {
      if (pi === p.length) {
        if (si === s.length) break;
      } else {
        const c = p[pi];
        if (!escaped && (c === '*' || c === '?')) break;
        if (!escaped && c === '\\') {
          escaped = true;
          pi++;
          continue;
        }
        escaped = false;
        if (si === s.length) return false;
        if (c === s[si]) {
          pi++;
          si++;
          continue;
        }
      }
      if (!unbounded) {
        if (maxDistance === 0) return false;
        maxDistance--;
      }
      pi = runStart;
      escaped = false;
      textStart++;
      si = textStart;
    }
    if (pi === p.length) return true;
  }
}

type RefRule =
  | { kind: 'host'; scheme: string; pattern: string; port: number }
  | { kind: 'cidr'; base: number; bits: number }
  | { kind: 'local' }
  | { kind: 'loopback' };

function ipv4(host: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (!m) return null;
  return m.slice(1).reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** The generated rule grammar, parsed by hand. */
function referenceParse(text: string): RefRule[] {
  const rules: RefRule[] = [];
  for (const raw of text.split(/[,;]/)) {
    const token = raw.trim();
    if (token === '') continue;
    if (token.toLowerCase() === '<local>') rules.push({ kind: 'local' });
    else if (token.toLowerCase() === '<-loopback>') rules.push({ kind: 'loopback' });
    else if (token.includes('/') && !token.includes('://')) {
      const [ip, bits] = token.split('/');
      rules.push({ kind: 'cidr', base: ipv4(ip ?? '') ?? 0, bits: Number(bits) });
    } else {
      let rest = token;
      let scheme = '';
      const sep = rest.indexOf('://');
      if (sep >= 0) {
        scheme = rest.slice(0, sep).toLowerCase();
        rest = rest.slice(sep + 3);
      }
      let port = -1;
      const colon = rest.lastIndexOf(':');
      if (colon >= 0) {
        port = Number(rest.slice(colon + 1));
        rest = rest.slice(0, colon);
      }
      const pattern = (rest.startsWith('.') ? `*${rest}` : rest).toLowerCase();
      rules.push({ kind: 'host', scheme, pattern, port });
    }
  }
  return rules;
}

function referenceImplicit(host: string): boolean {
  const v4 = ipv4(host);
  if (v4 !== null) return v4 >>> 24 === 127 || v4 >>> 16 === (169 << 8) + 254;
  if (host === '[::1]' || host.startsWith('[fe80:')) return true;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return name === 'localhost' || name.endsWith('.localhost');
}

/** ProxyBypassRules::Matches as Chromium writes it: reverse scan, first Include/Exclude wins. */
function referenceMatches(rules: RefRule[], url: string, reverse: boolean): boolean {
  const { scheme, host, port } = proxyUrl(url);
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i];
    if (rule === undefined) continue;
    if (rule.kind === 'local') {
      if (!host.includes('.') && !host.startsWith('[')) return !reverse;
    } else if (rule.kind === 'loopback') {
      if (referenceImplicit(host)) return reverse;
    } else if (rule.kind === 'cidr') {
      const v4 = ipv4(host);
      const mask = rule.bits === 0 ? 0 : (0xffffffff << (32 - rule.bits)) >>> 0;
      if (v4 !== null && ((v4 & mask) >>> 0) === ((rule.base & mask) >>> 0)) return !reverse;
    } else {
      if (rule.port !== -1 && rule.port !== port) continue;
      if (rule.scheme !== '' && rule.scheme !== scheme) continue;
      if (referenceMatchPattern(host, rule.pattern)) return !reverse;
    }
  }
  return referenceImplicit(host) || reverse;
}

/** Small deterministic PRNG (xorshift32) so failures reproduce. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

describe.each(['release', 'debug'] as const)('indexed bypass matching equals a linear scan (%s build)', (build) => {
  const core = new Core(build);

  it('agrees on generated rule lists and hosts', () => {
    const random = prng(build === 'release' ? 0x5eed : 0xbeef);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const labels = ['a', 'b', 'ab', 'axab', 'foo', 'foo1', 'bar', 'www', 'api', 'x', 'example', 'internal', 'corp'];
    const tlds = ['com', 'org', 'net', 'test', 'localhost'];
    // A few names per list recur in rules and hosts, so that several rules share a hash key and
    // differ only in port or scheme.
    let hot: string[] = [];
    const name = (): string => {
      if (hot.length > 0 && random() < 0.4) return pick(hot);
      const parts = [pick(labels)];
      const extra = Math.floor(random() * 3);
      for (let i = 0; i < extra; i++) parts.push(pick(labels));
      if (random() < 0.85) parts.push(pick(tlds));
      return parts.join('.') + (random() < 0.05 ? '.' : '');
    };
    const ip = (): string => pick([`10.${Math.floor(random() * 4)}.0.${Math.floor(random() * 4)}`, '127.0.0.1', '169.254.1.2', '192.168.1.1', '8.8.8.8']);
    const host = (): string => (random() < 0.2 ? ip() : random() < 0.05 ? pick(['[::1]', '[fe80::1]', '[2001:db8::1]']) : name());
    const portSuffix = (): string => (random() < 0.2 ? `:${pick([80, 443, 8080])}` : '');
    const schemePrefix = (): string => (random() < 0.15 ? `${pick(['http', 'https', 'HTTP'])}://` : '');
    const rule = (): string => {
      const r = random();
      if (r < 0.25) return `${schemePrefix()}${name()}${portSuffix()}`;
      if (r < 0.45) return `${schemePrefix()}.${name()}${portSuffix()}`;
      if (r < 0.6) return `${schemePrefix()}*.${name()}${portSuffix()}`;
      if (r < 0.68) return `*${pick(labels)}.${pick(tlds)}${portSuffix()}`;
      if (r < 0.76) return pick(['*a?b', 'foo?.com', '*foo*', 'a*b.org', '?', '*', 'w*.example.*', 'ax*b']);
      if (r < 0.82) return pick(['<local>', '<-loopback>', '<LOCAL>']);
      if (r < 0.9) return pick(['10.0.0.0/8', '10.1.0.0/16', '192.168.0.0/16', '127.0.0.0/8', '0.0.0.0/0']);
      return `${ip()}${portSuffix()}`;
    };
    let checked = 0;
    for (let list = 0; list < 250; list++) {
      hot = [];
      hot = [name(), name(), name()];
      const count = 1 + Math.floor(random() * (list % 10 === 0 ? 60 : 12));
      const text = Array.from({ length: count }, rule).join(random() < 0.5 ? ',' : ';');
      const compiled = BypassRules.parse(text, { core });
      const reference = referenceParse(text);
      expect(compiled.size).toBe(reference.length);
      for (let k = 0; k < 20; k++) {
        const url = `${pick(['http', 'https', 'ws', 'ftp'])}://${host()}${portSuffix()}/`;
        const reverse = random() < 0.2;
        expect(compiled.matches(url, reverse), `${text} | ${url} reverse=${reverse}`).toBe(referenceMatches(reference, url, reverse));
        checked++;
      }
      compiled.dispose();
    }
    expect(checked).toBe(5000);
  });

  it('keeps "last rule wins" across the hash tables and the scanned list', () => {
    const rules = BypassRules.parse('*.example.com, <-loopback>, foo.example.com:81, *oo.example.com, <local>', { core });
    expect(rules.matches('http://foo.example.com/')).toBe(true);
    expect(rules.matches('http://localhost/')).toBe(true);
    expect(BypassRules.parse('localhost, *, <-loopback>', { core }).matches('http://localhost/')).toBe(false);
    expect(BypassRules.parse('<-loopback>, 127.0.0.1/8', { core }).matches('http://127.0.0.1/')).toBe(true);
  });

  it('matches 10,000 suffix rules like the first and last of them', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `.host${i}.example`).join(',');
    const rules = BypassRules.parse(text, { core });
    expect(rules.size).toBe(10_000);
    expect(rules.matches('http://a.host0.example/')).toBe(true);
    expect(rules.matches('http://a.b.host9999.example:8080/')).toBe(true);
    expect(rules.matches('http://host9999.example/')).toBe(false);
    expect(rules.matches('http://a.host10000.example/')).toBe(false);
  });
});

describe.each(['release', 'debug'] as const)('proxy kernel behaviour (%s build)', (build) => {
  const core = new Core(build);

  it('surfaces an abort in the proxy kernel as ERR_CORE_ABORT and recompiles afterwards', () => {
    const rules = ProxyRules.parse('http=foopy:80;https=secure:443', '*.internal', { core });
    expect(rules.resolve('http://example.com/')).toBe('PROXY foopy:80');
    const before = core.generation;
    let caught: unknown;
    try {
      core.call('proxy.rulesApply', (x) => proxyKernel(x).proxyRulesApply(987_654, 0, 0, 0, -1, 0));
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'ERR_CORE_ABORT')).toBe(true);
    expect((caught as Error).message).toContain('invalid proxy kernel handle');
    expect(core.generation).toBe(before + 1);
    expect(rules.resolve('http://example.com/')).toBe('PROXY foopy:80');
    expect(rules.resolve('https://a.internal/')).toBe('DIRECT');
    expect(rules.resolve('https://example.com/')).toBe('PROXY secure:443');
  });

  it('rebuilds a disposed table on the next use', () => {
    const bypass = BypassRules.parse('*.corp', { core });
    bypass.dispose();
    bypass.dispose();
    expect(bypass.matches('http://a.corp/')).toBe(true);
  });

  it('converts IDN proxy hosts to punycode and keeps bypass patterns as written', () => {
    expect(ProxyRules.parse('http=füpy:80', undefined, { core }).describe().http).toBe('PROXY xn--fpy-hoa:80');
    expect(normalizePacResult('PROXY bücher.example; SOCKS5 [::1]', core)).toBe('PROXY xn--bcher-kva.example:80;SOCKS5 [::1]:1080');
    expect(parseProxyUri('https://füpy', 'HTTP', core)?.uri).toBe('https://xn--fpy-hoa:443');
    expect(ProxyRules.parse('hẗtp=foopy', undefined, { core }).describe().http).toBeNull();
    const idn = BypassRules.parse('*.xn--flw351e.cn', { core });
    expect(idn.matches('http://www.谷歌.cn/')).toBe(true);
  });

  it('reads URLs the way GURL does', () => {
    expect(proxyUrl('HTTPS://Example.COM./x')).toEqual({ scheme: 'https', host: 'example.com.', port: 443 });
    expect(proxyUrl('http://127.1:8080/')).toEqual({ scheme: 'http', host: '127.0.0.1', port: 8080 });
    expect(proxyUrl('ws://[0::1]/')).toEqual({ scheme: 'ws', host: '[::1]', port: 80 });
    expect(proxyUrl('unknown://www.microsoft.com/')).toEqual({ scheme: 'unknown', host: '', port: -1 });
    expect(proxyUrl('http://[::ffff::ffff:127.0.0.1]:99/')).toEqual({ scheme: 'http', host: '[::ffff::ffff:127.0.0.1]', port: 99 });
    expect(ProxyRules.parse('socks=foopy2', undefined, { core }).resolve('unknown://www.microsoft.com')).toBe('SOCKS foopy2:1080');
  });

  it('canonicalises IP literals like the WHATWG URL parser', () => {
    const random = prng(build === 'release' ? 77 : 78);
    const v4Part = (): string => {
      const value = Math.floor(random() * (random() < 0.1 ? 70000 : 300));
      const form = random();
      if (form < 0.2) return `0x${value.toString(16)}`;
      if (form < 0.35) return `0${value.toString(8)}`;
      return String(value);
    };
    const v6Piece = (): string => (random() < 0.4 ? '0' : Math.floor(random() * 0x10000).toString(16));
    const cases: string[] = [];
    for (let i = 0; i < 600; i++) {
      const parts = 1 + Math.floor(random() * 5);
      cases.push(Array.from({ length: parts }, v4Part).join('.') + (random() < 0.1 ? '.' : ''));
      const pieces = Array.from({ length: 8 }, v6Piece);
      if (random() < 0.3) pieces.splice(6, 2, `${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.1.${Math.floor(random() * 300)}`);
      let text = pieces.join(':');
      if (random() < 0.5) text = text.replace(/(^|:)0(:0)+(:|$)/, '::');
      cases.push(`[${random() < 0.2 ? text.toUpperCase() : text}]`);
    }
    cases.push('[::]', '[::1]', '[1::]', '[1:0:0:2::3]', '[::ffff:1.2.3.4]', '[1:2:3:4:5:6:7::]', '[::1.2.3.4]', '[1::2::3]', '[::1.02.3.4]', '0x', '0x.1', '4294967295', '4294967296');
    for (const host of cases) {
      let expected: string | null;
      try {
        expected = new URL(`http://${host}/`).hostname.replace(/^\[(.*)\]$/, '$1');
      } catch {
        expected = null;
      }
      expect(parseProxyUri(host, 'HTTP', core)?.host ?? null, host).toBe(expected);
    }
  });

  it('matches patterns without backtracking', () => {
    expect(matchPattern('axab', '*a?b', core)).toBe(false);
    expect(matchPattern('foo.com', 'foo?.com', core)).toBe(true);
    expect(matchPattern('foo12.com', 'foo?.com', core)).toBe(false);
    expect(matchPattern('a*b', 'a\\*b', core)).toBe(true);
    expect(matchPattern('ü.com', '?.com', core)).toBe(true);
  });

  it('rejects arguments of the wrong type with a TypeError naming the value', () => {
    expect(() => BypassRules.parse(42 as unknown as string, { core })).toThrow(/BypassRules\.parse: text must be a string.*got number 42/);
    expect(() => ProxyRules.parse('foopy', 7 as unknown as string, { core })).toThrow(TypeError);
    expect(() => ProxyRules.parse('foopy', undefined, { core }).resolve(null as unknown as string)).toThrow(/got null/);
    expect(() => filterPacString('DIRECT', ['HTTP', 'FTP'], core)).toThrow(TypeError);
    expect(() => proxyUrl({} as unknown as string)).toThrow(/got an object/);
  });
});
