import { getCore, type Core, type CoreExports } from '../wasm/core.ts';
import { CompiledHandle, argumentError, expectString, proxyKernel } from './proxy-kernel.ts';
import { loadUrl, loadedUrl } from './proxy-url.ts';

/** Options of `BypassRules.parse`. */
export interface BypassRulesOptions {
  /** Chromium's ParseFormat::kHostnameSuffixMatching (Linux `no_proxy`): every hostname pattern gets a leading '*'. */
  suffixMatching?: boolean;
  /** The wasm core to compile into (default: the process-wide core). */
  core?: Core;
}

/** A hostname-pattern rule given by its parts (SchemeHostPortMatcherHostnamePatternRule's constructor). */
export interface HostnamePatternRule {
  scheme?: string;
  hostPattern: string;
  /** -1 or absent: any port. */
  port?: number;
}

const PARSE_SUFFIX_MATCHING = 1;
const MATCH_REVERSE = 1;

/** Key under which ProxyRules reads the compiled handle (not part of the public API). */
export const bypassHandleKey: unique symbol = Symbol('bypassHandle');

// Arguments of the hot call, kept in module scope so that a match allocates no closure.
let matchHandle = 0;
let matchFlags = 0;
const callMatch = (exports: CoreExports): number =>
  proxyKernel(exports).bypassMatch(matchHandle, loadedUrl.schemeLen, loadedUrl.hostLen, loadedUrl.port, matchFlags);

function readRuleStrings(core: Core, handle: number): string[] {
  const total = core.call('proxy.bypassToStrings', (x) => proxyKernel(x).bypassToStrings(handle));
  const at = proxyKernel(core.exports).proxyOutPtr();
  const view = new DataView(core.bytes.buffer);
  const strings: string[] = [];
  for (let offset = 0; offset < total; ) {
    const len = view.getUint32(at + offset, true);
    strings.push(core.readString(at + offset + 4, len));
    offset += 4 + len;
  }
  return strings;
}

function checkOptions(api: string, options: unknown): { suffixMatching: boolean; core: Core } {
  if (options === undefined) return { suffixMatching: false, core: getCore() };
  if (typeof options !== 'object' || options === null) throw argumentError(api, 'options', 'an object like { suffixMatching: true }', options);
  const { suffixMatching, core } = options as BypassRulesOptions;
  if (suffixMatching !== undefined && typeof suffixMatching !== 'boolean') {
    throw argumentError(api, 'options.suffixMatching', 'a boolean', suffixMatching);
  }
  return { suffixMatching: suffixMatching ?? false, core: core ?? getCore() };
}

/**
 * Chromium's ProxyBypassRules (`proxyBypassRules` of `session.setProxy`), compiled into the wasm
 * core. Later rules win; localhost, loopback and link-local addresses bypass implicitly unless a
 * later `<-loopback>` says otherwise.
 * @example BypassRules.parse('*.internal, <local>').matches('http://build.internal/') // true
 */
export class BypassRules {
  readonly #core: Core;
  readonly #handle: CompiledHandle;
  readonly #size: number;
  #strings: readonly string[] | undefined;

  private constructor(core: Core, compile: () => number) {
    this.#core = core;
    this.#handle = new CompiledHandle(core, 'bypassFree', compile);
    const handle = this.#handle.get();
    this.#size = core.call('proxy.bypassSize', (x) => proxyKernel(x).bypassSize(handle));
  }

  /** ProxyBypassRules::ParseFromString: ',' or ';' separated rules; invalid rules are dropped silently. */
  static parse(text: string, options?: BypassRulesOptions): BypassRules {
    expectString('BypassRules.parse', 'text', text, '*.example.com, <local>');
    const { suffixMatching, core } = checkOptions('BypassRules.parse', options);
    const flags = suffixMatching ? PARSE_SUFFIX_MATCHING : 0;
    return new BypassRules(core, () => {
      const len = core.writeScratch(text);
      return core.call('proxy.bypassParse', (x) => proxyKernel(x).bypassParse(len, flags));
    });
  }

  /**
   * A one-rule list from a hostname pattern rule's parts, as Chromium constructs it (no ".x" to
   * "*.x" rewrite); `suffixMatching` applies GenerateSuffixMatchingRule.
   */
  static fromHostnamePattern(rule: HostnamePatternRule, options?: BypassRulesOptions): BypassRules {
    const api = 'BypassRules.fromHostnamePattern';
    if (typeof rule !== 'object' || rule === null) throw argumentError(api, 'rule', 'an object like { hostPattern: "*.example.com" }', rule);
    const scheme = rule.scheme ?? '';
    expectString(api, 'rule.scheme', scheme, 'http');
    const pattern = expectString(api, 'rule.hostPattern', rule.hostPattern, '*.example.com');
    const port = rule.port ?? -1;
    if (!Number.isInteger(port) || port < -1 || port > 65535) throw argumentError(api, 'rule.port', 'an integer from -1 to 65535', port);
    const { suffixMatching, core } = checkOptions(api, options);
    const flags = suffixMatching ? PARSE_SUFFIX_MATCHING : 0;
    return new BypassRules(core, () => {
      const schemeLen = core.writeScratch(scheme);
      const total = core.writeScratch(scheme + pattern);
      return core.call('proxy.bypassFromPattern', (x) => proxyKernel(x).bypassFromPattern(schemeLen, total - schemeLen, port, flags));
    });
  }

  /** ProxyBypassRules::Matches(url, reverse): true when the URL goes DIRECT. */
  matches(url: string, reverse = false): boolean {
    expectString('BypassRules.matches', 'url', url, 'https://example.com/');
    if (typeof reverse !== 'boolean') throw argumentError('BypassRules.matches', 'reverse', 'a boolean', reverse);
    const core = this.#core;
    matchHandle = this.#handle.get();
    loadUrl(core, url);
    matchFlags = loadedUrl.flags | (reverse ? MATCH_REVERSE : 0);
    return core.call('proxy.bypassMatch', callMatch) === 1;
  }

  /** Each rule's ToString, in order. */
  toStrings(): string[] {
    this.#strings ??= Object.freeze(readRuleStrings(this.#core, this.#handle.get()));
    return [...this.#strings];
  }

  /** ProxyBypassRules::ToString: every rule followed by ';' (e.g. "<-loopback>;"). */
  toString(): string {
    return this.toStrings().map((rule) => `${rule};`).join('');
  }

  /** Rule-by-rule equality of the ToString forms (ProxyBypassRules::operator==). */
  equals(other: BypassRules): boolean {
    if (!(other instanceof BypassRules)) throw argumentError('BypassRules.equals', 'other', 'a BypassRules', other);
    const a = this.toStrings();
    const b = other.toStrings();
    return a.length === b.length && a.every((rule, i) => rule === b[i]);
  }

  /**
   * The list Electron actually uses: Chromium copies rules by re-parsing ToString(), and so does
   * the network-service mojo transfer, which drops the scheme of CIDR rules (§4.8).
   */
  toElectronEffective(): BypassRules {
    return BypassRules.parse(this.toString(), { core: this.#core });
  }

  /** Number of rules. */
  get size(): number {
    return this.#size;
  }

  /** Frees the compiled table now (it is rebuilt if the object is used again). */
  dispose(): void {
    this.#handle.dispose();
  }

  /** The compiled handle in the given core, for ProxyRules.Apply. */
  [bypassHandleKey](core: Core): number {
    if (core !== this.#core) throw new Error('BypassRules compiled into another core');
    return this.#handle.get();
  }
}

/**
 * ProxyBypassRules::MatchesImplicitRules: localhost, *.localhost, 127/8, [::1], IPv4-mapped
 * loopback and link-local addresses (what PAC modes bypass before running the script).
 */
export function matchesImplicitBypass(url: string, core: Core = getCore()): boolean {
  expectString('matchesImplicitBypass', 'url', url, 'http://localhost:3000/');
  matchHandle = 0;
  loadUrl(core, url);
  matchFlags = loadedUrl.flags;
  return core.call('proxy.bypassMatch', callMatch) === 1;
}

const utf8 = new TextEncoder();

/** base::MatchPattern: '*' any run, '?' zero or one character, '\' escapes; no backtracking. */
export function matchPattern(text: string, pattern: string, core: Core = getCore()): boolean {
  expectString('matchPattern', 'text', text, 'www.example.com');
  expectString('matchPattern', 'pattern', pattern, '*.example.com');
  const textLen = utf8.encode(text).length;
  const total = core.writeScratch(text + pattern);
  return core.call('proxy.matchPattern', (x) => proxyKernel(x).bypassMatchPattern(textLen, total - textLen)) === 1;
}
