import { SessionError, describeValue } from '../errors.ts';
import { BypassRules, ProxyRules, deprioritizeBadProxies, matchesImplicitBypass, normalizePacResult } from '../proxy/index.ts';
import { createPacResolver, pacHostArgument, sanitizeUrlForPac } from '../proxy/pac/pac-resolver.ts';
import type { HostPorts } from '../host.ts';
import { systemProxyFromEnv } from './system-proxy.ts';

/** Electron's `ProxyConfig` (docs/api/structures/proxy-config.md). */
export interface ProxyConfig {
  mode?: 'direct' | 'auto_detect' | 'pac_script' | 'fixed_servers' | 'system';
  pacScript?: string;
  proxyRules?: string;
  proxyBypassRules?: string;
}

const MODES = ['direct', 'auto_detect', 'pac_script', 'fixed_servers', 'system'];
/** Electron's rejection text (shell/browser/api/electron_api_session.cc SetProxy). */
export const INVALID_MODE_MESSAGE = 'Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system';
/** Chromium's WPAD location for `auto_detect` (configured_proxy_resolution_service.cc). */
export const WPAD_URL = 'http://wpad/wpad.dat';
/** Chromium's PacFileFetcherImpl limits: 1 MiB of script; we give up on a fetch after 30 s. */
const PAC_MAX_BYTES = 1_048_576;
const PAC_FETCH_TIMEOUT_MS = 30_000;
/** How long a proxy that failed stays at the back of the list (ProxyList::Fallback, 5 minutes). */
export const BAD_PROXY_RETRY_MS = 5 * 60 * 1000;

type PacResolver = Awaited<ReturnType<typeof createPacResolver>>;

type Effective =
  | { kind: 'direct' }
  | { kind: 'fixed'; rules: ProxyRules }
  | { kind: 'pac'; url: string; mandatory: boolean; resolver: PacResolver | null; failure: string | null };

/** Fetches a PAC script's text; the session supplies one that goes out DIRECT. */
export type PacFetcher = (url: string, signal: AbortSignal) => Promise<string>;

/**
 * A session's proxy configuration and resolution (Chromium's ConfiguredProxyResolutionService as
 * Electron drives it). Lookups run one at a time in arrival order, as Electron's
 * ResolveProxyHelper does, and never reject: a failure resolves to `''`.
 */
export class ProxyService {
  readonly #host: HostPorts;
  readonly #fetchPac: PacFetcher;
  #config: ProxyConfig = {};
  #effective: Effective;
  #queue: Promise<unknown> = Promise.resolve();
  /** Proxies that failed recently: ProxyServerToProxyUri string → retry info. */
  readonly badProxies = new Map<string, { tryWhileBad: boolean; badUntil: number }>();

  constructor(host: HostPorts, fetchPac: PacFetcher) {
    this.#host = host;
    this.#fetchPac = fetchPac;
    this.#effective = { kind: 'direct' };
  }

  /** Validates and applies `config`; resolves once the configuration is live (PAC fetched). */
  async setProxy(config: ProxyConfig): Promise<void> {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new TypeError(`setProxy expects a ProxyConfig object, got ${describeValue(config)}`);
    }
    for (const key of ['mode', 'pacScript', 'proxyRules', 'proxyBypassRules'] as const) {
      const v = (config as Record<string, unknown>)[key];
      if (v !== undefined && typeof v !== 'string') {
        throw new TypeError(`Invalid ProxyConfig.${key} ${describeValue(v)}: expected a string`);
      }
    }
    const mode = config.mode ?? ((config.pacScript ?? '') !== '' ? 'pac_script' : 'fixed_servers');
    if (!MODES.includes(mode)) throw new Error(INVALID_MODE_MESSAGE);
    const next = { ...config, mode } as ProxyConfig;
    await this.#enqueue(async () => {
      this.#config = next;
      await this.#apply();
    });
  }

  /** Re-reads the configuration: PAC scripts are fetched again, `system` re-reads the environment. */
  async forceReload(): Promise<void> {
    await this.#enqueue(() => this.#apply());
  }

  /** The configuration as last given to `setProxy`, with its mode filled in. */
  get config(): Readonly<ProxyConfig> {
    return this.#config;
  }

  /** Chromium's PAC-style answer for `url` (`PROXY h:p;DIRECT`), `''` on any failure. */
  resolveProxy(url: unknown): Promise<string> {
    return this.#enqueue(() => this.#resolve(url)).catch(() => '');
  }

  /**
   * The proxy list a request should use, as a PAC string. Rejects with Chromium's error where the
   * request would fail: `net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED` when a PAC script failed,
   * `net::ERR_NO_SUPPORTED_PROXIES` when the chosen list is empty.
   */
  async routeFor(url: string): Promise<string> {
    const pac = await this.#enqueue(() => this.#resolve(url));
    if (pac === '') throw new SessionError('ERR_NO_SUPPORTED_PROXIES', 'net::ERR_NO_SUPPORTED_PROXIES', { context: { url } });
    return pac;
  }

  /** Forget resolvers and timers (the session is going away). */
  dispose(): void {
    if (this.#effective.kind === 'pac') this.#effective.resolver?.dispose();
    this.#effective = { kind: 'direct' };
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #apply(): Promise<void> {
    const previous = this.#effective;
    this.#effective = await this.#build(this.#config);
    if (previous.kind === 'pac' && previous !== this.#effective) previous.resolver?.dispose();
  }

  async #build(config: ProxyConfig): Promise<Effective> {
    switch (config.mode) {
      case 'direct':
        return { kind: 'direct' };
      case 'fixed_servers':
        // components/proxy_config/proxy_config_dictionary.cc CreateFixedServers: empty rules mean direct.
        if (!config.proxyRules) return { kind: 'direct' };
        return { kind: 'fixed', rules: ProxyRules.parse(config.proxyRules, config.proxyBypassRules ?? '') };
      case 'pac_script': {
        // PrefProxyConfigTrackerImpl: an invalid (or empty) PAC URL makes the config direct.
        const url = config.pacScript ?? '';
        if (!URL.canParse(url)) return { kind: 'direct' };
        return this.#loadPac(new URL(url).href, true);
      }
      case 'auto_detect':
        return this.#loadPac(WPAD_URL, false);
      case 'system':
        return this.#buildSystem();
      default:
        return { kind: 'direct' };
    }
  }

  async #buildSystem(): Promise<Effective> {
    // Only Linux's environment-variable settings are read; see docs/proxy.md for other platforms.
    if (!this.#host.getEnv) return { kind: 'direct' };
    const settings = systemProxyFromEnv(this.#host.getEnv);
    switch (settings.kind) {
      case 'none':
        return { kind: 'direct' };
      case 'auto_detect':
        return this.#loadPac(WPAD_URL, false);
      case 'pac':
        return URL.canParse(settings.url) ? this.#loadPac(new URL(settings.url).href, false) : { kind: 'direct' };
      case 'fixed': {
        if (!settings.proxyRules) return { kind: 'direct' };
        const bypass = BypassRules.parse(settings.bypassRules, { suffixMatching: true });
        return { kind: 'fixed', rules: ProxyRules.parse(settings.proxyRules, bypass) };
      }
    }
  }

  async #loadPac(url: string, mandatory: boolean): Promise<Effective> {
    let text: string;
    try {
      text = await this.#downloadPac(url);
    } catch (err) {
      // A non-mandatory PAC (auto_detect) that cannot be fetched falls back to direct.
      if (!mandatory) return { kind: 'direct' };
      return { kind: 'pac', url, mandatory, resolver: null, failure: errorText(err) };
    }
    try {
      const resolver = await createPacResolver(text, {
        ...(this.#host.dns ? { dns: this.#host.dns } : {}),
        ...(this.#host.localAddresses ? { localAddresses: this.#host.localAddresses } : {}),
      });
      return { kind: 'pac', url, mandatory, resolver, failure: null };
    } catch (err) {
      if (!mandatory) return { kind: 'direct' };
      return { kind: 'pac', url, mandatory, resolver: null, failure: errorText(err) };
    }
  }

  async #downloadPac(url: string): Promise<string> {
    const parsed = new URL(url);
    let bytes: Uint8Array;
    if (parsed.protocol === 'data:') {
      bytes = decodeDataUrl(url);
    } else if (parsed.protocol === 'file:') {
      if (!this.#host.readFile) {
        throw new SessionError('ERR_CAPABILITY_UNAVAILABLE', `file: PAC URLs are not available on ${this.#host.name} (capability "file-urls")`);
      }
      bytes = await this.#host.readFile(decodeURIComponent(parsed.pathname));
    } else if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), PAC_FETCH_TIMEOUT_MS);
      try {
        return limitPac(await this.#fetchPac(url, controller.signal));
      } finally {
        clearTimeout(timer);
      }
    } else {
      throw new SessionError('ERR_DISALLOWED_URL_SCHEME', `PAC URL scheme "${parsed.protocol}" is not supported (expected http, https, file or data)`);
    }
    if (bytes.byteLength > PAC_MAX_BYTES) throw new SessionError('ERR_FILE_TOO_BIG', `PAC script at ${url} is larger than 1 MiB`);
    return new TextDecoder().decode(bytes);
  }

  async #resolve(input: unknown): Promise<string> {
    const url = input instanceof URL ? input.href : typeof input === 'string' ? input : null;
    if (url === null || !URL.canParse(url)) {
      throw new SessionError('ERR_INVALID_URL', 'net::ERR_INVALID_URL', { context: { url: describeValue(input) } });
    }
    const effective = this.#effective;
    let pac: string;
    switch (effective.kind) {
      case 'direct':
        return 'DIRECT';
      case 'fixed':
        pac = effective.rules.resolve(url);
        break;
      case 'pac': {
        // Implicit bypass comes before the script (ApplyPacBypassRules), even when the PAC failed.
        if (matchesImplicitBypass(url)) return 'DIRECT';
        if (!effective.resolver) {
          if (!effective.mandatory) return 'DIRECT';
          throw mandatoryFailure(url, effective.failure);
        }
        try {
          const raw = await effective.resolver.findProxyForURL(sanitizeUrlForPac(url), pacHostArgument(url));
          pac = normalizePacResult(raw);
        } catch (err) {
          // Electron marks PAC as mandatory: a failing script fails the lookup.
          if (!effective.mandatory) return 'DIRECT';
          throw mandatoryFailure(url, errorText(err));
        }
        break;
      }
    }
    return this.badProxies.size ? deprioritizeBadProxies(pac, this.badProxies, Date.now()) : pac;
  }
}

function mandatoryFailure(url: string, why: string | null): SessionError {
  return new SessionError('ERR_MANDATORY_PROXY_CONFIGURATION_FAILED', 'net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED', {
    context: { url, reason: why ?? 'PAC script failed' },
  });
}

function limitPac(text: string): string {
  if (text.length > PAC_MAX_BYTES) throw new SessionError('ERR_FILE_TOO_BIG', 'PAC script is larger than 1 MiB');
  return text;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Decodes an RFC 2397 `data:` URL's payload (base64 or percent-encoded). */
export function decodeDataUrl(url: string): Uint8Array {
  const comma = url.indexOf(',');
  if (comma === -1) throw new SessionError('ERR_INVALID_URL', `Invalid data: URL ${JSON.stringify(url.slice(0, 64))}: no comma`);
  const meta = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  if (/;base64$/i.test(meta)) {
    const bin = atob(decodeURIComponent(payload).replace(/\s+/g, ''));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  // Percent-escapes become bytes; everything else is taken as UTF-8 text.
  const out: number[] = [];
  const utf8 = new TextEncoder().encode(payload);
  for (let i = 0; i < utf8.length; i++) {
    const hex = utf8[i] === 0x25 ? String.fromCharCode(utf8[i + 1] ?? 0, utf8[i + 2] ?? 0) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(utf8[i]!);
    }
  }
  return Uint8Array.from(out);
}
