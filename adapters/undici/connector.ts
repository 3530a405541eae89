import net from 'node:net';
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import type { buildConnector } from 'undici';
import type { TransportContext } from '../../core/src/fetch/transport.ts';
import type { PeerCertificate } from '../../core/src/net/certificate-verifier.ts';
import type { SSLConfigState } from '../../core/src/net/ssl-config.ts';
import { netError, netErrorName } from '../../core/src/net/net-errors.ts';

/** Options undici hands a connector. */
type ConnectOptions = buildConnector.Options;

/** The session's way of opening sockets for undici, plus what `preconnect` and pool flushes need. */
export interface SessionConnector {
  /** undici's `connect` option (Client, Pool and Agent accept a function). */
  readonly connect: buildConnector.connector;
  /** Opens sockets to `url`'s origin until `numSockets` idle ones wait there. */
  preconnect(url: URL, numSockets: number): Promise<void>;
  /** Closes the idle preconnected sockets and forgets TLS sessions (a pool flush). */
  closeIdle(): void;
}

// undici's connect timeout (lib/core/connect.js); Chromium waits longer, but undici's Client
// would give up first anyway.
const CONNECT_TIMEOUT_MS = 10_000;
// Chromium drops a preconnected socket nobody used after 10 s (ClientSocketPool kUnusedIdleSocketTimeout).
const UNUSED_IDLE_SOCKET_MS = 10_000;

interface WarmSocket {
  socket: net.Socket;
  timer: ReturnType<typeof setTimeout>;
  onGone: () => void;
}

/**
 * Opens connections for one session the way Chromium's socket pools do: the host name goes through
 * the session's host resolver (rules, cache, DNS), TLS uses the session's SSL config, and the
 * server's certificate is accepted or refused by the session's verifier (its verify proc) instead of
 * Node's `rejectUnauthorized`. Sockets opened by `preconnect` are handed out first.
 */
export function createSessionConnector(context?: TransportContext): SessionConnector {
  const warm = new Map<string, WarmSocket[]>();
  let tlsSessions = new Map<string, Buffer>();

  const keyOf = (protocol: string, hostname: string, port: number): string => `${protocol}//${hostname}:${port}`;
  const defaultPort = (protocol: string): number => (protocol === 'https:' ? 443 : 80);

  async function open(options: ConnectOptions): Promise<net.Socket> {
    const hostname = options.hostname.replace(/^\[(.*)\]$/, '$1');
    const https = options.protocol === 'https:';
    let port = Number(options.port) || defaultPort(options.protocol);
    let lookup: net.LookupFunction | undefined;
    let host = hostname;
    if (context?.resolveHost && !options.httpSocket) {
      const target = await context.resolveHost(hostname, port);
      port = target.port;
      const endpoints = target.endpoints.map((e) => ({ address: e.address, family: e.family === 'ipv6' ? 6 : 4 }));
      if (endpoints.length === 1 || net.isIP(hostname)) host = endpoints[0]!.address;
      else {
        lookup = ((_name: string, opts: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
          const family = opts.family === 'IPv4' || opts.family === 4 ? 4 : opts.family === 'IPv6' || opts.family === 6 ? 6 : 0;
          const list = endpoints.filter((e) => family === 0 || e.family === family);
          if (list.length === 0) callback(Object.assign(new Error(`no IPv${family} address for ${hostname}`), { code: 'ENOTFOUND' }));
          else if (opts.all) callback(null, list);
          else callback(null, list[0]!.address, list[0]!.family);
        }) as net.LookupFunction;
      }
    }
    let socket: net.Socket;
    let tlsSocket: tls.TLSSocket | null = null;
    if (https) {
      const servername = options.servername || (net.isIP(hostname) ? undefined : hostname);
      const ssl = context?.sslConfig?.();
      const sessionKey = `${servername ?? hostname}:${port}`;
      const tlsOptions: tls.ConnectionOptions = {
        host,
        port,
        ALPNProtocols: ['http/1.1'],
        rejectUnauthorized: !context?.verifyCertificate,
      };
      if (servername) tlsOptions.servername = servername;
      if (lookup) tlsOptions.lookup = lookup;
      if (options.localAddress) Object.assign(tlsOptions, { localAddress: options.localAddress });
      if (options.httpSocket) tlsOptions.socket = options.httpSocket as net.Socket;
      const cached = tlsSessions.get(sessionKey);
      if (cached) tlsOptions.session = cached;
      if (ssl) Object.assign(tlsOptions, nodeTlsOptions(ssl));
      tlsSocket = tls.connect(tlsOptions);
      const sessions = tlsSessions;
      tlsSocket.on('session', (session) => sessions.set(sessionKey, session));
      socket = tlsSocket;
    } else {
      const netOptions: net.TcpNetConnectOpts = { host, port };
      if (lookup) netOptions.lookup = lookup;
      if (options.localAddress) netOptions.localAddress = options.localAddress;
      socket = net.connect(netOptions);
    }
    socket.setNoDelay(true).setKeepAlive(true, 60_000);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy(Object.assign(new Error(`connecting to ${hostname}:${port} timed out`), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
      }, CONNECT_TIMEOUT_MS);
      timer.unref?.();
      socket.once(https ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', reject);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    if (tlsSocket && context?.verifyCertificate) {
      const chain = peerChain(tlsSocket);
      const authError = tlsSocket.authorizationError as unknown;
      const code = await context.verifyCertificate({
        hostname: options.servername || hostname,
        chain,
        defaultError: tlsSocket.authorized ? null : String((authError as { code?: unknown })?.code ?? authError ?? 'CERT_INVALID'),
        issuedByKnownRoot: tlsSocket.authorized,
      });
      if (code !== 0) {
        socket.destroy();
        throw netError(netErrorName(code) ?? 'ERR_FAILED', { host: hostname, port });
      }
    }
    return socket;
  }

  function takeWarm(key: string): net.Socket | null {
    const list = warm.get(key);
    while (list && list.length > 0) {
      const entry = list.shift()!;
      clearTimeout(entry.timer);
      entry.socket.off('close', entry.onGone).off('error', entry.onGone);
      if (!entry.socket.destroyed) return entry.socket;
    }
    return null;
  }

  const connect = ((options: ConnectOptions, callback: buildConnector.Callback) => {
    const port = Number(options.port) || defaultPort(options.protocol);
    const reused = options.httpSocket ? null : takeWarm(keyOf(options.protocol, options.hostname, port));
    if (reused) {
      queueMicrotask(() => callback(null, reused as never));
      return;
    }
    open(options).then((socket) => callback(null, socket as never), (err: Error) => callback(err, null));
  }) as buildConnector.connector;

  return {
    connect,
    async preconnect(url, numSockets) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
      const port = Number(url.port) || defaultPort(url.protocol);
      const key = keyOf(url.protocol, url.hostname, port);
      const list = warm.get(key) ?? [];
      warm.set(key, list);
      const missing = Math.max(0, numSockets - list.length);
      const options = { hostname: url.hostname, host: url.host, protocol: url.protocol, port: String(port) } as ConnectOptions;
      await Promise.all(Array.from({ length: missing }, async () => {
        const socket = await open(options);
        const entry: WarmSocket = {
          socket,
          timer: setTimeout(() => socket.destroy(), UNUSED_IDLE_SOCKET_MS),
          onGone: () => {
            const i = list.indexOf(entry);
            if (i !== -1) list.splice(i, 1);
            clearTimeout(entry.timer);
          },
        };
        entry.timer.unref?.();
        socket.once('close', entry.onGone).once('error', entry.onGone);
        list.push(entry);
      }));
    },
    closeIdle() {
      for (const list of warm.values()) for (const entry of list.splice(0)) {
        clearTimeout(entry.timer);
        entry.socket.destroy();
      }
      warm.clear();
      tlsSessions = new Map();
    },
  };
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
