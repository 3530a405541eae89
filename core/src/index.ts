// Host-neutral public surface; each host re-exports this next to its own `session` and `app`.
export { Session, type SessionOptions } from './session/session.ts';
export type { SessionModule, AppPaths, CommandLine } from './session/session-module.ts';
export type { ResolvedHost, ResolvedEndpoint, ResolveHostOptions } from './net/host-resolver.ts';
export type { SSLConfig } from './net/ssl-config.ts';
export type { Certificate, CertificatePrincipal, CertificateVerifyRequest, CertificateVerifyProc } from './net/certificate-verifier.ts';
export type { PreconnectOptions } from './session/network-service.ts';
export type { ProxyConfig } from './session/proxy-service.ts';
export { SessionError, hasCode } from './errors.ts';
export { EventEmitter } from './events.ts';
export { generateAcceptLanguageHeader } from './session/accept-language.ts';
export { BypassRules, ProxyRules, normalizePacResult, parseProxyUri, matchesImplicitBypass } from './proxy/index.ts';
export type { StorageAdapter, StorageStore, StorageCapabilities } from './storage/port.ts';
export type { HostPorts, HostCapability } from './host.ts';
export type { Transport, PipelineRequest, Stage } from './fetch/transport.ts';
export type { DnsPort, LocalAddressPort } from './net/ports.ts';
export { Core, getCore, setCore } from './wasm/core.ts';
