import { getCore, type Core, type CoreExports } from '../wasm/core.ts';
import { BypassRules, bypassHandleKey } from './bypass-rules.ts';
import { asciiProxyHosts } from './idna.ts';
import { CompiledHandle, FORM_PAC, FORM_URI, argumentError, expectString, proxyKernel, readOutput } from './proxy-kernel.ts';
import { schemeName } from './proxy-server.ts';
import { loadUrl, loadedUrl } from './proxy-url.ts';

/** ProxyConfig::ProxyRules::Type. */
export type ProxyRulesType = 'EMPTY' | 'PROXY_LIST' | 'PROXY_LIST_PER_SCHEME';

/** The lists of a parsed rule set as PAC strings (null for an empty list). */
export interface ProxyRulesDescription {
  type: ProxyRulesType;
  single: string | null;
  http: string | null;
  https: string | null;
  ftp: string | null;
  fallback: string | null;
}

/** Options of `ProxyRules.parse`. */
export interface ProxyRulesOptions {
  /** ProxyRules::reverse_bypass (not reachable from Electron's setProxy). */
  reverseBypass?: boolean;
  /** The wasm core to compile into (default: the process-wide core). */
  core?: Core;
}

const TYPES: readonly ProxyRulesType[] = ['EMPTY', 'PROXY_LIST', 'PROXY_LIST_PER_SCHEME'];
const LIST_NAMES = ['single', 'http', 'https', 'ftp', 'fallback'] as const;
const APPLY_DIRECT = 5;
const MATCH_REVERSE = 1;

interface ChainStrings {
  /** ProxyChain::ToDebugString ("[proxy:80]", "direct://"). */
  debug: string;
  pac: string;
}

// Arguments of the hot call, kept in module scope so that a resolve allocates no closure.
let applyRules = 0;
let applyBypass = 0;
let applyFlags = 0;
const callApply = (exports: CoreExports): number =>
  proxyKernel(exports).proxyRulesApply(applyRules, applyBypass, loadedUrl.schemeLen, loadedUrl.hostLen, loadedUrl.port, applyFlags);

/**
 * base::JSONWriter string output: JSON with '<' as \u003C and U+2028/2029 escaped
 * (base/json/string_escape.cc).
 */
function jsonString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '<') out += '\\u003C';
    else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).toUpperCase()}`;
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

type JsonValue = boolean | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Compact JSON with sorted keys, as base::Value::Dict (a sorted map) serialises. */
function toJson(value: JsonValue): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return jsonString(value);
  if (Array.isArray(value)) return `[${value.map((v: JsonValue) => toJson(v)).join(',')}]`;
  const dict = value as { readonly [key: string]: JsonValue };
  const keys = Object.keys(dict).sort();
  return `{${keys.map((key) => `${jsonString(key)}:${toJson(dict[key] as JsonValue)}`).join(',')}}`;
}

/**
 * Chromium's manual proxy rules (`fixed_servers`: the `proxyRules` + `proxyBypassRules` of
 * `session.setProxy`), compiled into the wasm core.
 * @example ProxyRules.parse('http=proxy:3128;socks=fallback', '<local>').resolve('https://x.test/') // "SOCKS fallback:1080"
 */
export class ProxyRules {
  readonly #core: Core;
  readonly #handle: CompiledHandle;
  readonly #bypass: BypassRules;
  readonly #reverse: boolean;
  readonly #type: ProxyRulesType;
  readonly #lists: readonly (readonly ChainStrings[])[];
  /** Apply's answer (list 0-4, 5 = DIRECT) to the string resolve() returns. */
  readonly #answers: readonly string[];

  private constructor(core: Core, text: string, bypass: BypassRules, reverse: boolean) {
    this.#core = core;
    this.#bypass = bypass;
    this.#reverse = reverse;
    this.#handle = new CompiledHandle(core, 'proxyRulesFree', () => {
      const len = core.writeScratch(text);
      return core.call('proxy.rulesParse', (x) => proxyKernel(x).proxyRulesParse(len));
    });
    const handle = this.#handle.get();
    this.#type = TYPES[core.call('proxy.rulesType', (x) => proxyKernel(x).proxyRulesType(handle))] ?? 'EMPTY';
    const lists: ChainStrings[][] = [];
    for (let list = 0; list < LIST_NAMES.length; list++) {
      const size = core.call('proxy.rulesListSize', (x) => proxyKernel(x).proxyRulesListSize(handle, list));
      const chains: ChainStrings[] = [];
      for (let k = 0; k < size; k++) {
        const scheme = schemeName(core.call('proxy.rulesChainScheme', (x) => proxyKernel(x).proxyRulesChainScheme(handle, list, k)));
        const text = (form: number): string =>
          readOutput(core, core.call('proxy.rulesChainText', (x) => proxyKernel(x).proxyRulesChainText(handle, list, k, form)));
        const pac = text(FORM_PAC);
        chains.push({ pac, debug: scheme === 'DIRECT' ? 'direct://' : `[${text(FORM_URI)}]` });
      }
      lists.push(chains);
    }
    this.#lists = lists;
    this.#answers = [...lists.map((chains) => chains.map((c) => c.pac).join(';')), 'DIRECT'];
  }

  /**
   * ProxyConfig::ProxyRules::ParseFromString plus bypass rules. A BypassRules argument is copied
   * the way Chromium copies it (re-parsed from its ToString, §4.8); a string is parsed that way.
   */
  static parse(proxyRules: string, bypass?: BypassRules | string, options?: ProxyRulesOptions): ProxyRules {
    const api = 'ProxyRules.parse';
    expectString(api, 'proxyRules', proxyRules, 'http=proxy:3128;https=proxy:3129');
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw argumentError(api, 'options', 'an object like { reverseBypass: false }', options);
    }
    const reverse = options?.reverseBypass ?? false;
    if (typeof reverse !== 'boolean') throw argumentError(api, 'options.reverseBypass', 'a boolean', reverse);
    const core = options?.core ?? getCore();
    let bypassText: string;
    if (bypass === undefined) bypassText = '';
    else if (typeof bypass === 'string') {
      const parsed = BypassRules.parse(bypass, { core });
      bypassText = parsed.toString();
      parsed.dispose();
    } else if (bypass instanceof BypassRules) bypassText = bypass.toString();
    else throw argumentError(api, 'bypass', 'a string (e.g. "<local>;*.internal") or a BypassRules', bypass);
    const rules = BypassRules.parse(bypassText, { core });
    return new ProxyRules(core, asciiProxyHosts(proxyRules, 'rules'), rules, reverse);
  }

  /**
   * ProxyRules::Apply then ProxyInfo::ToPacString: what `resolveProxy` answers in fixed_servers
   * mode ("" when the chosen list is empty).
   */
  resolve(url: string): string {
    expectString('ProxyRules.resolve', 'url', url, 'https://example.com/');
    const core = this.#core;
    applyBypass = this.#bypass.size === 0 ? 0 : this.#bypass[bypassHandleKey](core);
    applyRules = this.#handle.get();
    loadUrl(core, url);
    applyFlags = loadedUrl.flags | (this.#reverse ? MATCH_REVERSE : 0);
    return this.#answers[core.call('proxy.rulesApply', callApply)] ?? 'DIRECT';
  }

  /** The rule type and each list as a PAC string (null when empty), as in the vectors. */
  describe(): ProxyRulesDescription {
    const list = (index: number): string | null => {
      const chains = this.#lists[index] ?? [];
      return chains.length === 0 ? null : chains.map((c) => c.pac).join(';');
    };
    return { type: this.#type, single: list(0), http: list(1), https: list(2), ftp: list(3), fallback: list(4) };
  }

  /** The proxy-rules part of ProxyConfig::ToValue as JSON (keys sorted, as Chromium prints). */
  toValue(): string {
    const dict: Record<string, JsonValue> = {};
    if (this.#type === 'EMPTY') return toJson(dict);
    const debugList = (index: number): string[] => (this.#lists[index] ?? []).map((c) => c.debug);
    if (this.#type === 'PROXY_LIST') {
      if (debugList(0).length > 0) dict['single_proxy'] = debugList(0);
    } else {
      const perScheme: Record<string, JsonValue> = {};
      LIST_NAMES.forEach((name, index) => {
        if (index > 0 && debugList(index).length > 0) perScheme[name] = debugList(index);
      });
      dict['proxy_per_scheme'] = perScheme;
    }
    if (this.#bypass.size > 0) {
      if (this.#reverse) dict['reverse_bypass'] = true;
      dict['bypass_list'] = this.#bypass.toStrings();
    }
    return toJson(dict);
  }

  /** The bypass rules in effect (Electron's round-tripped copy). */
  get bypassRules(): BypassRules {
    return this.#bypass;
  }

  /** ProxyRules::type. */
  get type(): ProxyRulesType {
    return this.#type;
  }

  /** Frees the compiled tables now (they are rebuilt if the object is used again). */
  dispose(): void {
    this.#handle.dispose();
    this.#bypass.dispose();
  }
}

/** The parts of a net::ProxyConfig that ProxyConfig::ToValue prints. */
export interface ProxyConfigValueInput {
  autoDetect?: boolean;
  pacUrl?: string;
  pacMandatory?: boolean;
  rules?: ProxyRules;
}

/**
 * ProxyConfig::ToValue as JSON: auto_detect, pac_url (+ pac_mandatory), then the manual rules.
 * @example proxyConfigToValue({ autoDetect: true }) // '{"auto_detect":true}'
 */
export function proxyConfigToValue(config: ProxyConfigValueInput): string {
  if (typeof config !== 'object' || config === null) throw argumentError('proxyConfigToValue', 'config', 'an object', config);
  if (config.rules !== undefined && !(config.rules instanceof ProxyRules)) {
    throw argumentError('proxyConfigToValue', 'config.rules', 'a ProxyRules', config.rules);
  }
  const dict = (config.rules === undefined ? {} : JSON.parse(config.rules.toValue())) as Record<string, JsonValue>;
  if (config.autoDetect === true) dict['auto_detect'] = true;
  if (config.pacUrl !== undefined && config.pacUrl !== '') {
    dict['pac_url'] = config.pacUrl;
    if (config.pacMandatory === true) dict['pac_mandatory'] = true;
  }
  return toJson(dict);
}
