import { SessionError, describeValue } from '../errors.ts';
import type { HostPorts } from '../host.ts';
import type { Stage, Transport, TransportContext } from '../fetch/transport.ts';
import { InFlightRequests, withNetErrors } from '../fetch/connections.ts';
import { redirectStage } from '../fetch/redirects.ts';
import { HostResolver, type ResolvedHost } from '../net/host-resolver.ts';
import { CertificateVerifier } from '../net/certificate-verifier.ts';
import { DEFAULT_SSL_CONFIG, parseSSLConfig, type SSLConfigState } from '../net/ssl-config.ts';

/** Electron's `ses.preconnect` options. */
export interface PreconnectOptions {
  url: string;
  /** 1 to 6 (default 1). */
  numSockets?: number;
}

/**
 * The connection-level state of one session (Chromium keeps it in the NetworkContext): host
 * resolver and cache, SSL config, certificate verifier and the requests in flight. Session
 * delegates `closeAllConnections`, `preconnect`, `resolveHost`, `clearHostResolverCache`,
 * `setSSLConfig` and `setCertificateVerifyProc` here.
 */
export class NetworkService {
  readonly #host: HostPorts;
  readonly #partition: string;
  readonly resolver: HostResolver;
  readonly verifier = new CertificateVerifier();
  readonly inFlight = new InFlightRequests();
  #ssl: SSLConfigState = DEFAULT_SSL_CONFIG;
  #transport: Transport | null = null;

  /** @param hostResolverRules reads the `host-resolver-rules` switch ('' when unset). */
  constructor(host: HostPorts, partition: string, hostResolverRules: () => string) {
    this.#host = host;
    this.#partition = partition;
    this.resolver = new HostResolver(host.dns, hostResolverRules);
  }

  /** The context the session's transport is created with. */
  transportContext(): TransportContext {
    return {
      partition: this.#partition,
      resolveHost: (hostname, port) => this.resolver.resolveForConnect(hostname, port),
      sslConfig: () => this.#ssl,
      verifyCertificate: (check) => this.verifier.verify(check),
    };
  }

  /** Wraps the session's transport so its failures become Chromium net errors; keeps it for the methods below. */
  adopt(transport: Transport): Transport {
    this.#transport = withNetErrors(transport);
    this.inFlight.useTransport(transport);
    return this.#transport;
  }

  /** Stages this service adds in front of the session's others (outermost first). */
  outerStages(): Stage[] {
    const caps = this.#host.capabilities;
    // A TLS policy the host cannot apply must not be silently ignored: such requests fail by capability name.
    const tlsPolicy: Stage = (request, next) => {
      if (request.url.protocol === 'https:') {
        const missing = !this.#ssl.isDefault && !caps.has('tls-policy') ? 'tls-policy'
          : this.verifier.hasProc && !caps.has('certificate-verify-proc') ? 'certificate-verify-proc' : null;
        if (missing) {
          return Promise.reject(new SessionError('ERR_CAPABILITY_UNAVAILABLE', `This host cannot apply ${missing === 'tls-policy' ? 'setSSLConfig' : 'setCertificateVerifyProc'} to its connections (capability "${missing}"), so ${request.url.href} is not sent`, {
            context: { url: request.url.href, partition: this.#partition, capability: missing },
          }));
        }
      }
      return next(request);
    };
    return [this.inFlight.stage, redirectStage(this.#transport?.followsRedirects === true), tlsPolicy];
  }

  /** `ses.closeAllConnections()`: in-flight requests fail with `net::ERR_ABORTED`, pooled sockets close. */
  async closeAllConnections(): Promise<void> {
    this.inFlight.abortAll({ partition: this.#partition });
    await this.#transport?.close?.();
  }

  /**
   * `ses.preconnect()`, validated as electron_api_session.cc Session::Preconnect does. Electron
   * returns nothing and reports nothing; failures to connect are ignored here too.
   */
  preconnect(options: unknown, routeFor: (url: string) => Promise<string>): void {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Error processing argument at index 0, conversion failure from ${describeValue(options)}`);
    }
    const { url, numSockets } = options as { url?: unknown; numSockets?: unknown };
    if (typeof url !== 'string' || url === '' || !URL.canParse(url)) throw new TypeError('Must pass non-empty valid url to session.preconnect.');
    let sockets = 1;
    // gin converts only int32 values; anything else leaves the default, as Electron does.
    if (typeof numSockets === 'number' && Number.isInteger(numSockets) && Math.abs(numSockets) <= 0x7fffffff) {
      if (numSockets < 1 || numSockets > 6) throw new TypeError('numSocketsToPreconnect is outside range [1,6]');
      sockets = numSockets;
    }
    const transport = this.#transport;
    if (!transport?.preconnect) return;
    const target = new URL(url);
    routeFor(target.href)
      .then((proxy) => transport.preconnect!(target, sockets, proxy))
      .catch(() => {});
  }

  /** `ses.resolveHost()`. */
  resolveHost(host: unknown, options?: unknown): Promise<ResolvedHost> {
    return this.resolver.resolveHost(host, options);
  }

  /** `ses.clearHostResolverCache()`. */
  async clearHostResolverCache(): Promise<void> {
    this.resolver.clear();
  }

  /** `ses.setSSLConfig()`: validated as Electron's converter does; new connections use it. */
  setSSLConfig(config: unknown): void {
    this.#ssl = parseSSLConfig(config);
    // SSLConfigServiceMojo::OnSSLConfigUpdated flushes the socket pools: connections made with the
    // old settings are not reused.
    void this.#transport?.flush?.();
  }

  /** `ses.setCertificateVerifyProc()`. */
  setCertificateVerifyProc(proc: unknown): void {
    this.verifier.setProc(proc);
    // Connections trusted under the old proc must not carry new requests.
    void this.#transport?.flush?.();
  }
}
