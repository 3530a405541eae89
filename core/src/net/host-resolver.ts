import { SessionError, describeValue } from '../errors.ts';
import type { DnsPort } from './ports.ts';
import { formatIpAddress, isCanonicalIpv4, parseIpLiteral } from '../proxy/pac/ip-literal.ts';
import { HostResolverRules } from './host-resolver-rules.ts';
import { netError } from './net-errors.ts';

/** One address of a resolved host, in Electron's `ResolvedEndpoint` shape. */
export interface ResolvedEndpoint {
  address: string;
  family: 'ipv4' | 'ipv6' | 'unspec';
}

/** Electron's `ResolvedHost`: what `ses.resolveHost()` resolves with. */
export interface ResolvedHost {
  endpoints: ResolvedEndpoint[];
}

/** Electron's `ResolveHostOptions`. */
export interface ResolveHostOptions {
  /** `'A'` for IPv4 only, `'AAAA'` for IPv6 only; both when absent. */
  queryType?: 'A' | 'AAAA';
  /** Which resolver answers; every value but `'localOnly'` uses the host's resolver here. */
  source?: 'any' | 'system' | 'dns' | 'mdns' | 'localOnly';
  /** Whether a cached answer may be used (`'staleAllowed'` also accepts expired ones). */
  cacheUsage?: 'allowed' | 'staleAllowed' | 'disallowed';
  /** Secure DNS (DoH) is not available on any host; accepted and ignored. */
  secureDnsPolicy?: 'allow' | 'disable';
}

/** Where a connection to `host:port` should go, after the host resolver rules and resolution. */
export interface ConnectTarget {
  endpoints: ResolvedEndpoint[];
  port: number;
}

// net/dns/host_resolver_manager.cc: system-resolver answers are cached for 60 s
// (kCacheEntryTTLSeconds); failures are not cached (kNegativeCacheEntryTTLSeconds is 0).
const CACHE_TTL_MS = 60_000;
// net/dns/host_cache.cc default capacity (kDefaultMaxEntries is 1000).
const CACHE_MAX_ENTRIES = 1000;

interface CacheEntry {
  endpoints: ResolvedEndpoint[];
  expires: number;
}

const QUERY_TYPES = new Set(['A', 'AAAA']);
const SOURCES = new Set(['any', 'system', 'dns', 'mdns', 'localOnly']);
const CACHE_USAGES = new Set(['allowed', 'staleAllowed', 'disallowed']);

/**
 * A session's host resolver, in Chromium's order (net/dns/mapped_host_resolver.cc, then
 * host_resolver_manager.cc): `--host-resolver-rules`, IP literals, `localhost` names (always
 * loopback, net/dns/host_resolver_manager.cc ResolveLocalHostname), the session's host cache, and
 * last the host's DNS port. Concurrent lookups of the same name share one DNS query.
 */
export class HostResolver {
  readonly #dns: DnsPort | undefined;
  readonly #rulesText: () => string;
  readonly #now: () => number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #pending = new Map<string, Promise<ResolvedEndpoint[]>>();
  #rules: HostResolverRules = new HostResolverRules('');
  #rulesSource = '';

  /**
   * @param dns the host's resolver, absent on hosts without one (browsers)
   * @param rulesText reads the current `host-resolver-rules` switch value ('' when unset)
   */
  constructor(dns: DnsPort | undefined, rulesText: () => string, now: () => number = Date.now) {
    this.#dns = dns;
    this.#rulesText = rulesText;
    this.#now = now;
  }

  /** Validates Electron's arguments and resolves; rejects `net::ERR_NAME_NOT_RESOLVED` as Electron does. */
  async resolveHost(host: unknown, options?: unknown): Promise<ResolvedHost> {
    if (typeof host !== 'string') throw new TypeError(`resolveHost expects a string host, got ${describeValue(host)}`);
    if (options !== undefined && options !== null && typeof options !== 'object') {
      throw new TypeError(`resolveHost expects an options object, got ${describeValue(options)}`);
    }
    // Unknown enum strings are ignored, as Electron's converter ignores them (net_converter.cc).
    const o = (options ?? {}) as Record<string, unknown>;
    const queryType = QUERY_TYPES.has(o.queryType as string) ? (o.queryType as 'A' | 'AAAA') : undefined;
    const source = SOURCES.has(o.source as string) ? (o.source as string) : 'any';
    const cacheUsage = CACHE_USAGES.has(o.cacheUsage as string) ? (o.cacheUsage as string) : 'allowed';
    const family = queryType === 'A' ? 4 : queryType === 'AAAA' ? 6 : 0;
    const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    const rewrite = this.#currentRules().rewrite(name, null);
    if (rewrite.kind === 'notfound') throw netError('ERR_NAME_NOT_RESOLVED', { host });
    const target = rewrite.kind === 'map' ? rewrite.host : name;
    return { endpoints: await this.#resolve(target, family, source === 'localOnly', cacheUsage, host) };
  }

  /**
   * Where a request to `host:port` connects: the rules may change host and port, then the name is
   * resolved through the cache. Transports call this for every new connection.
   */
  async resolveForConnect(host: string, port: number): Promise<ConnectTarget> {
    const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    const rewrite = this.#currentRules().rewrite(name, port);
    if (rewrite.kind === 'notfound') throw netError('ERR_NAME_NOT_RESOLVED', { host });
    const target = rewrite.kind === 'map' ? rewrite.host : name;
    const endpoints = await this.#resolve(target, 0, false, 'allowed', host);
    return { endpoints, port: rewrite.kind === 'map' && rewrite.port !== null ? rewrite.port : port };
  }

  /** Empties the cache (`ses.clearHostResolverCache()`). */
  clear(): void {
    this.#cache.clear();
  }

  #currentRules(): HostResolverRules {
    const text = this.#rulesText();
    if (text !== this.#rulesSource) {
      this.#rules = new HostResolverRules(text);
      this.#rulesSource = text;
    }
    return this.#rules;
  }

  async #resolve(name: string, family: 0 | 4 | 6, localOnly: boolean, cacheUsage: string, asked: string): Promise<ResolvedEndpoint[]> {
    // A canonical dotted quad is its own formatted address (no parse, no URL, no byte array).
    if (isCanonicalIpv4(name)) {
      if (family === 6) throw netError('ERR_NAME_NOT_RESOLVED', { host: asked });
      return [endpoint(name)];
    }
    const literal = parseIpLiteral(name);
    if (literal !== null) {
      if (family !== 0 && family !== literal.family) throw netError('ERR_NAME_NOT_RESOLVED', { host: asked });
      return [endpoint(formatIpAddress(literal))];
    }
    if (name === 'localhost' || name.endsWith('.localhost')) {
      const loopback = [endpoint('::1'), endpoint('127.0.0.1')].filter((e) => family === 0 || e.family === (family === 4 ? 'ipv4' : 'ipv6'));
      return loopback;
    }
    const key = `${family}|${name}`;
    if (cacheUsage !== 'disallowed') {
      const hit = this.#cache.get(key);
      if (hit && (cacheUsage === 'staleAllowed' || hit.expires > this.#now())) return hit.endpoints.map((e) => ({ ...e }));
    }
    // HostResolverSource::LOCAL_ONLY never leaves the machine: a cache miss is ERR_DNS_CACHE_MISS.
    if (localOnly) throw netError('ERR_DNS_CACHE_MISS', { host: asked });
    const dns = this.#dns;
    if (!dns) {
      throw new SessionError('ERR_CAPABILITY_UNAVAILABLE', `Cannot resolve ${JSON.stringify(asked)}: this host has no DNS resolver (capability "dns"); only --host-resolver-rules, IP literals and localhost resolve here`, {
        context: { host: asked, capability: 'dns' },
      });
    }
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = dns.lookup(name, family).then(
        (addresses) => {
          const endpoints = addresses.map(endpoint).filter((e) => family === 0 || e.family === (family === 4 ? 'ipv4' : 'ipv6'));
          if (endpoints.length === 0) throw netError('ERR_NAME_NOT_RESOLVED', { host: asked });
          if (this.#cache.size >= CACHE_MAX_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!);
          this.#cache.set(key, { endpoints, expires: this.#now() + CACHE_TTL_MS });
          return endpoints;
        },
        (err: unknown) => {
          throw netError('ERR_NAME_NOT_RESOLVED', { host: asked }, err);
        },
      ).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return (await pending).map((e) => ({ ...e }));
  }
}

function endpoint(address: string): ResolvedEndpoint {
  return { address, family: address.includes(':') ? 'ipv6' : 'ipv4' };
}
