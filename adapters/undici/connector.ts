import net from 'node:net';
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import type { buildConnector } from 'undici';
import type { TransportContext } from '../../core/src/fetch/transport.ts';
import type { CertificateCheck, PeerCertificate } from '../../core/src/net/certificate-verifier.ts';
import type { SSLConfigState } from '../../core/src/net/ssl-config.ts';
import type { ConnectTarget } from '../../core/src/net/host-resolver.ts';
import { WarmSockets, connectWith } from './warm-sockets.ts';
import { netError, netErrorName } from '../../core/src/net/net-errors.ts';

/** Options undici hands a connector. */
type ConnectOptions = buildConnector.Options;

/** One connection for `SessionConnector.open`. */
export interface OpenTarget {
  /** Host name or IP literal (no brackets); the name checked against the certificate. */
  hostname: string;
  port: number;
  /** TLS on top of the TCP connection (or on top of `socket`). */
  tls: boolean;
  /** SNI name; defaults to `hostname` unless it is an IP literal. */
  servername?: string;
  /**
   * An open connection to secure instead of a new TCP one (a proxy tunnel): no name resolution,
   * only the TLS handshake and the session's verification.
   */
  socket?: net.Socket;
  localAddress?: string;
  /** Extra TLS options (an adapter's `proxyTls` / `requestTls`, e.g. a private `ca`). */
  extraTls?: tls.ConnectionOptions;
  /** Keeps TLS sessions of different routes apart (the route's PAC text; '' for DIRECT). */
  route?: string;
}

/** The session's way of opening sockets for undici, plus what `preconnect` and pool flushes need. */
export interface SessionConnector {
  /** undici's `connect` option (Client, Pool and Agent accept a function). */
  readonly connect: buildConnector.connector;
  /**
   * Opens a connection as Chromium's socket pools do: the name through the session's host
   * resolver, TLS with its SSL config, the certificate through its verifier. Rejects with the
   * verifier's net error (`ERR_CERT_*`, `ERR_FAILED`) or the host's own error.
   */
  open(target: OpenTarget): Promise<net.Socket>;
  /**
   * The session's answer for a name (rules and cache), or null when the transport has no session
   * resolver (then the OS resolves). For SOCKS4, which resolves the origin locally.
   */
  resolve(hostname: string, port: number): Promise<ConnectTarget> | null;
  /** Opens sockets to `url`'s origin until `numSockets` idle ones wait there. */
  preconnect(url: URL, numSockets: number): Promise<void>;
  /** Closes the idle preconnected sockets and forgets TLS sessions (a pool flush). */
  closeIdle(): void;
}

// undici's connect timeout (lib/core/connect.js); Chromium waits longer, but undici's Client
// would give up first anyway.
// An error after the connection was set up: undici's own listener reports it.
const ignoreError = (): void => {};

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens connections for one session the way Chromium's socket pools do: the host name goes through
 * the session's host resolver (rules, cache, DNS), TLS uses the session's SSL config, and the
 * server's certificate is accepted or refused by the session's verifier (its verify proc) instead of
 * Node's `rejectUnauthorized`. Sockets opened by `preconnect` are handed out first. Route
 * dispatchers use `open` too, for the proxy and for the origin inside a tunnel, so a session's
 * policy is the same on every route.
 */
export function createSessionConnector(context?: TransportContext): SessionConnector {
  const warm = new WarmSockets();
  let tlsSessions = new Map<string, Buffer>();
  // What the full handshake of a TLS session showed: a resumed session may carry no peer
  // certificate in Node, and Chromium verifies a resumed connection's cached chain again.
  let sessionPeers = new Map<string, Omit<CertificateCheck, 'hostname'>>();

  const keyOf = (protocol: string, hostname: string, port: number): string => `${protocol}//${hostname}:${port}`;
  const defaultPort = (protocol: string): number => (protocol === 'https:' ? 443 : 80);

  async function open(target: OpenTarget): Promise<net.Socket> {
    const { hostname } = target;
    let port = target.port;
    let lookup: net.LookupFunction | undefined;
    let host = hostname;
    if (context?.resolveHost && !target.socket) {
      const resolved = await context.resolveHost(hostname, port);
      port = resolved.port;
      const endpoints = resolved.endpoints.map((e) => ({ address: e.address, family: e.family === 'ipv6' ? 6 : 4 }));
      if (endpoints.length === 1 || net.isIP(hostname)) host = endpoints[0]!.address;
      else lookup = lookupFrom(hostname, endpoints);
    }
    let socket: net.Socket;
    let tlsSocket: tls.TLSSocket | null = null;
    let tlsSessionKey = '';
    if (target.tls) {
      const servername = target.servername || (net.isIP(hostname) ? undefined : hostname);
      const ssl = context?.sslConfig?.();
      const sessionKey = `${target.route ?? ''}|${servername ?? hostname}:${port}`;
      tlsSessionKey = sessionKey;
      const tlsOptions: tls.ConnectionOptions = {
        host,
        port,
        ALPNProtocols: ['http/1.1'],
        rejectUnauthorized: !context?.verifyCertificate,
      };
      if (servername) tlsOptions.servername = servername;
      if (lookup) tlsOptions.lookup = lookup;
      if (target.localAddress) Object.assign(tlsOptions, { localAddress: target.localAddress });
      if (target.socket) tlsOptions.socket = target.socket;
      const cached = tlsSessions.get(sessionKey);
      if (cached) tlsOptions.session = cached;
      if (ssl) Object.assign(tlsOptions, nodeTlsOptions(ssl));
      if (target.extraTls) Object.assign(tlsOptions, target.extraTls);
      // The session's verifier decides, not the adapter options.
      if (context?.verifyCertificate) tlsOptions.rejectUnauthorized = false;
      tlsSocket = tls.connect(tlsOptions);
      const sessions = tlsSessions;
      tlsSocket.on('session', (session) => sessions.set(sessionKey, session));
      socket = tlsSocket;
    } else {
      const netOptions: net.TcpNetConnectOpts = { host, port };
      if (lookup) netOptions.lookup = lookup;
      if (target.localAddress) netOptions.localAddress = target.localAddress;
      socket = net.connect(netOptions);
    }
    if (!target.socket) socket.setNoDelay(true).setKeepAlive(true, 60_000);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy(Object.assign(new Error(`connecting to ${hostname}:${port} timed out`), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
      }, CONNECT_TIMEOUT_MS);
      timer.unref?.();
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once(target.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        // From here on the listener above could only settle a settled promise: a no-op until the
        // socket's first error. It becomes one without its closure, which held the timer and the
        // promise for the socket's lifetime.
        socket.off('error', onError);
        socket.once('error', ignoreError);
        resolve();
      });
      socket.once('error', onError);
    });
    if (tlsSocket && context?.verifyCertificate) {
      const sessionKey = tlsSessionKey;
      let peer: Omit<CertificateCheck, 'hostname'> = {
        chain: peerChain(tlsSocket),
        defaultError: tlsSocket.authorized ? null : String((tlsSocket.authorizationError as { code?: unknown } | undefined)?.code ?? tlsSocket.authorizationError ?? 'CERT_INVALID'),
        issuedByKnownRoot: tlsSocket.authorized,
      };
      const prior = peer.chain.length === 0 && tlsSocket.isSessionReused() ? sessionPeers.get(sessionKey) : undefined;
      if (prior) peer = prior;
      else sessionPeers.set(sessionKey, peer);
      const code = await context.verifyCertificate({ hostname: target.servername || hostname, ...peer });
      if (code !== 0) {
        socket.destroy();
        throw netError(netErrorName(code) ?? 'ERR_FAILED', { host: hostname, port });
      }
    }
    return socket;
  }

  const connect = ((options: ConnectOptions, callback: buildConnector.Callback) => {
    const port = Number(options.port) || defaultPort(options.protocol);
    const target: OpenTarget = { hostname: options.hostname.replace(/^\[(.*)\]$/, '$1'), port, tls: options.protocol === 'https:' };
    if (options.servername) target.servername = options.servername;
    if (options.localAddress) target.localAddress = options.localAddress;
    if (options.httpSocket) {
      target.socket = options.httpSocket as net.Socket;
      open(target).then((socket) => callback(null, socket as never), (err: Error) => callback(err, null));
      return;
    }
    connectWith(warm, keyOf(options.protocol, options.hostname, port), () => open(target), callback as (err: Error | null, socket: net.Socket | null) => void);
  }) as buildConnector.connector;

  return {
    connect,
    open,
    resolve: (hostname, port) => context?.resolveHost?.(hostname, port) ?? null,
    async preconnect(url, numSockets) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
      const port = Number(url.port) || defaultPort(url.protocol);
      const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
      await warm.fill(keyOf(url.protocol, url.hostname, port), numSockets, () => open({ hostname, port, tls: url.protocol === 'https:' }));
    },
    closeIdle() {
      warm.clear();
      tlsSessions = new Map();
      sessionPeers = new Map();
    },
  };
}

// A lookup answering from the session resolver's endpoints, so Node tries them in order.
function lookupFrom(hostname: string, endpoints: ReadonlyArray<{ address: string; family: number }>): net.LookupFunction {
  return ((_name: string, opts: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
    const family = opts.family === 'IPv4' || opts.family === 4 ? 4 : opts.family === 'IPv6' || opts.family === 6 ? 6 : 0;
    const list = endpoints.filter((e) => family === 0 || e.family === family);
    if (list.length === 0) callback(Object.assign(new Error(`no IPv${family} address for ${hostname}`), { code: 'ENOTFOUND' }));
    else if (opts.all) callback(null, list);
    else callback(null, list[0]!.address, list[0]!.family);
  }) as net.LookupFunction;
}

/** Node TLS options for the session's SSL config (versions, and the disabled suites excluded from Node's defaults). */
export function nodeTlsOptions(ssl: SSLConfigState): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = { minVersion: ssl.minVersion, maxVersion: ssl.maxVersion };
  if (ssl.disabledOpenSSLCiphers.length > 0) options.ciphers = `${tls.DEFAULT_CIPHERS}:${ssl.disabledOpenSSLCiphers.map((n) => `!${n}`).join(':')}`;
  return options;
}

// Node's getPeerCertificate(true) links issuers; a self-signed root links to itself.
function peerChain(socket: tls.TLSSocket): PeerCertificate[] {
  const chain: PeerCertificate[] = [];
  let cert: tls.DetailedPeerCertificate | null = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push({
      der: new Uint8Array(cert.raw),
      sha256: new Uint8Array(createHash('sha256').update(cert.raw).digest()),
      subject: cert.subject as unknown as PeerCertificate['subject'],
      issuer: cert.issuer as unknown as PeerCertificate['issuer'],
      serialNumber: cert.serialNumber.toUpperCase(),
      validFrom: Date.parse(cert.valid_from),
      validTo: Date.parse(cert.valid_to),
    });
    cert = cert.issuerCertificate && cert.issuerCertificate !== cert ? cert.issuerCertificate : null;
  }
  return chain;
}
