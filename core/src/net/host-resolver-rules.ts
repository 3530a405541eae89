import { parseIpLiteral } from '../proxy/pac/ip-literal.ts';

/** One `MAP pattern replacement` rule of `--host-resolver-rules`. */
interface MapRule {
  pattern: RegExp;
  /** Host to use instead (an IP literal without brackets, a name, or `~NOTFOUND`). */
  host: string;
  /** Port to use instead, or null to keep the request's. */
  port: number | null;
}

/** What the rules say about one host: nothing, a replacement, or that it must not resolve. */
export type HostRewrite = { kind: 'none' } | { kind: 'notfound' } | { kind: 'map'; host: string; port: number | null };

// base::MatchPattern: `*` matches any run of characters, `?` one character; matching is exact otherwise.
function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * Chromium's `--host-resolver-rules` (net/base/host_mapping_rules.cc, used by MappedHostResolver):
 * comma-separated `MAP <host pattern> <replacement>[:<port>]` and `EXCLUDE <host pattern>` rules.
 * The first MAP rule whose pattern matches the host (or `host:port`) wins unless an EXCLUDE rule
 * matches the host; `~NOTFOUND` as replacement makes the name fail with ERR_NAME_NOT_RESOLVED.
 * Malformed rules are skipped, as Chromium skips them (it only logs).
 */
export class HostResolverRules {
  readonly #maps: MapRule[] = [];
  readonly #excludes: RegExp[] = [];

  constructor(text: string) {
    for (const raw of text.split(',')) {
      const parts = raw.trim().split(/\s+/).filter(Boolean);
      const verb = parts[0]?.toUpperCase();
      if (verb === 'EXCLUDE' && parts.length === 2) {
        this.#excludes.push(globToRegExp(parts[1]!.toLowerCase()));
      } else if (verb === 'MAP' && parts.length === 3) {
        const replacement = parseReplacement(parts[2]!);
        if (replacement) this.#maps.push({ pattern: globToRegExp(parts[1]!.toLowerCase()), ...replacement });
      }
    }
  }

  /** True when there are no usable rules. */
  get empty(): boolean {
    return this.#maps.length === 0;
  }

  /** What the rules say about `host` (lower case, IPv6 without brackets) on `port` (null for resolveHost). */
  rewrite(host: string, port: number | null): HostRewrite {
    const hostPort = port === null ? null : `${host.includes(':') ? `[${host}]` : host}:${port}`;
    for (const rule of this.#maps) {
      if (!rule.pattern.test(host) && (hostPort === null || !rule.pattern.test(hostPort))) continue;
      if (this.#excludes.some((exclude) => exclude.test(host))) return { kind: 'none' };
      if (rule.host === '~NOTFOUND') return { kind: 'notfound' };
      return { kind: 'map', host: rule.host, port: rule.port };
    }
    return { kind: 'none' };
  }
}

// The replacement is a HostPortPair (`host`, `host:port`, `[v6]`, `[v6]:port`) or `~NOTFOUND`.
function parseReplacement(text: string): { host: string; port: number | null } | null {
  if (text === '~NOTFOUND') return { host: text, port: null };
  let host = text;
  let port: number | null = null;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
    if (parseIpLiteral(host)?.family !== 6) return null;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon !== -1) {
      if (text.indexOf(':') !== colon) return null;
      host = text.slice(0, colon);
      if (!/^\d+$/.test(text.slice(colon + 1))) return null;
      port = Number(text.slice(colon + 1));
    }
  }
  if (port !== null && port > 65535) return null;
  return host === '' ? null : { host: host.toLowerCase(), port };
}
