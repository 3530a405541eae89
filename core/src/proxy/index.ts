// The proxy kernel's public surface: Chromium's fixed-server rules, bypass rules, proxy URIs and
// PAC result strings, compiled and evaluated in the wasm core.
export { BypassRules, matchesImplicitBypass, matchPattern } from './bypass-rules.ts';
export type { BypassRulesOptions, HostnamePatternRule } from './bypass-rules.ts';
export { ProxyRules, proxyConfigToValue } from './proxy-rules.ts';
export type { ProxyConfigValueInput, ProxyRulesDescription, ProxyRulesOptions, ProxyRulesType } from './proxy-rules.ts';
export { parseProxyUri, parseProxyChainUri, parsePacResultElement } from './proxy-server.ts';
export type { DirectChainInfo, ProxyChainInfo, ProxyScheme, ProxyServerInfo } from './proxy-server.ts';
export { normalizePacResult, parsePacString, filterPacString, deprioritizeBadProxies, toPacString } from './pac-string.ts';
export type { BadProxyInfo } from './pac-string.ts';
export { proxyUrl } from './proxy-url.ts';
export type { ProxyUrlView } from './proxy-url.ts';
