import { parseProxyUri } from '../proxy/index.ts';

/** Result of reading the environment: nothing configured, a PAC, or fixed rules. */
export type SystemProxySettings =
  | { kind: 'none' }
  | { kind: 'auto_detect' }
  | { kind: 'pac'; url: string }
  | { kind: 'fixed'; proxyRules: string; bypassRules: string };

type Scheme = 'HTTP' | 'SOCKS4' | 'SOCKS5';

/**
 * Chromium reads a variable in the given case first, then in the other case
 * (base/environment.cc EnvironmentImpl::GetVar): `http_proxy`, then `HTTP_PROXY`.
 */
function readVar(getEnv: (name: string) => string | undefined, name: string): string | undefined {
  const value = getEnv(name);
  if (value !== undefined) return value;
  const first = name.charCodeAt(0);
  if (first >= 97 && first <= 122) return getEnv(name.toUpperCase());
  if (first >= 65 && first <= 90) return getEnv(name.toLowerCase());
  return undefined;
}

// net/proxy_resolution/proxy_config_service_linux.cc FixupProxyHostScheme: the URL scheme of an
// environment value is dropped (so `https_proxy=https://p` is an HTTP proxy for https URLs),
// userinfo is dropped, SOCKS values get their scheme back and one trailing slash goes.
function fixupProxyHost(scheme: Scheme, value: string): string {
  let host = value;
  if (scheme === 'SOCKS5' && /^socks4:\/\//i.test(host)) scheme = 'SOCKS4';
  const sep = host.indexOf('://');
  if (sep !== -1) host = host.slice(sep + 3);
  const at = host.indexOf('@');
  if (at !== -1) host = host.slice(at + 1);
  if (scheme === 'SOCKS4') host = `socks4://${host}`;
  else if (scheme === 'SOCKS5') host = `socks5://${host}`;
  if (host.endsWith('/')) host = host.slice(0, -1);
  return host;
}

function proxyFromVar(getEnv: (name: string) => string | undefined, name: string, scheme: Scheme): string | null {
  const value = readVar(getEnv, name);
  if (!value) return null;
  const server = parseProxyUri(fixupProxyHost(scheme, value), 'HTTP');
  return server ? server.uri : null;
}

/**
 * The `system` proxy settings on Linux outside a desktop environment, as Chromium derives them from
 * the environment (ProxyConfigServiceLinux::Delegate::GetConfigFromEnv): `auto_proxy`, then
 * `all_proxy`, else `http_proxy` / `https_proxy` / `ftp_proxy` per scheme, else `SOCKS_SERVER`
 * (`SOCKS_VERSION=4` for SOCKS4); `no_proxy` with hostname-suffix matching.
 */
export function systemProxyFromEnv(getEnv: (name: string) => string | undefined): SystemProxySettings {
  const autoProxy = readVar(getEnv, 'auto_proxy');
  if (autoProxy !== undefined) return autoProxy === '' ? { kind: 'auto_detect' } : { kind: 'pac', url: autoProxy };

  let proxyRules = '';
  const all = proxyFromVar(getEnv, 'all_proxy', 'HTTP');
  if (all) {
    proxyRules = all;
  } else {
    const parts: string[] = [];
    for (const scheme of ['http', 'https', 'ftp'] as const) {
      const server = proxyFromVar(getEnv, `${scheme}_proxy`, 'HTTP');
      if (server) parts.push(`${scheme}=${server}`);
    }
    proxyRules = parts.join(';');
  }
  if (!proxyRules) {
    const socks = proxyFromVar(getEnv, 'SOCKS_SERVER', readVar(getEnv, 'SOCKS_VERSION') === '4' ? 'SOCKS4' : 'SOCKS5');
    if (socks) proxyRules = socks;
  }
  const noProxy = readVar(getEnv, 'no_proxy') ?? '';
  if (!proxyRules) return noProxy ? { kind: 'fixed', proxyRules: '', bypassRules: noProxy } : { kind: 'none' };
  return { kind: 'fixed', proxyRules, bypassRules: noProxy };
}
