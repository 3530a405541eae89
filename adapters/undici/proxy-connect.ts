// Opening connections through proxies on Node, with Chromium's error for each way it can fail:
// TCP or TLS to the proxy, then an HTTP CONNECT tunnel, a SOCKS4 or a SOCKS5 handshake.
import net from 'node:net';
import tls from 'node:tls';
import { lookup } from 'node:dns/promises';
import type { RouteFailureCode } from '../../core/src/fetch/transport.ts';
import type { ConnectTarget } from '../../core/src/net/host-resolver.ts';
import type { OpenTarget } from './connector.ts';

/** A connection through the proxy could not be set up; `code` is Chromium's net error name. */
export class ProxyConnectError extends Error {
  readonly code: RouteFailureCode;
  readonly proxyAuthenticate: readonly string[] | undefined;

  constructor(code: RouteFailureCode, detail: string, options: { cause?: unknown; proxyAuthenticate?: string[] } = {}) {
    super(`net::${code} (${detail})`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProxyConnectError';
    this.code = code;
    this.proxyAuthenticate = options.proxyAuthenticate;
  }
}

/** Where a proxy listens and how to talk to it. */
export interface ProxyEndpoint {
  kind: 'http' | 'https' | 'socks4' | 'socks5';
  host: string;
  port: number;
}

/** Origin host and port a tunnel should reach. */
export interface TunnelTarget {
  host: string;
  port: number;
}

// Chromium's HttpProxyConnectJob / SOCKSConnectJob give up after 30 s.
const HANDSHAKE_TIMEOUT_MS = 30_000;

// Node's names (no session verifier) and ours (ERR_CERT_*, net::IsCertificateError's range).
const CERT_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/;

/** Opens a connection with the session's resolver, SSL config and verifier (`SessionConnector.open`). */
export type OpenConnection = (target: OpenTarget) => Promise<net.Socket>;

/**
 * TCP (or, for an HTTPS proxy, TLS) to the proxy, opened by the session's connector: the proxy's
 * name goes through the session's host resolver and its certificate through the session's verifier
 * (Chromium resolves and verifies proxies with the network context's HostResolver and
 * CertVerifier). Failing to reach it is ERR_PROXY_CONNECTION_FAILED (HttpProxyConnectJob and
 * SOCKSConnectJob map every transport error to it); a certificate error is
 * ERR_PROXY_CERTIFICATE_INVALID (HttpProxyConnectJob::DoSSLConnectComplete, IsCertificateError);
 * a TLS protocol failure ERR_SSL_PROTOCOL_ERROR.
 */
export async function connectToProxy(proxy: ProxyEndpoint, open: OpenConnection, proxyTls?: tls.ConnectionOptions): Promise<net.Socket> {
  const secure = proxy.kind === 'https';
  const target: OpenTarget = { hostname: proxy.host, port: proxy.port, tls: secure, route: 'proxy' };
  if (secure && proxyTls) target.extraTls = proxyTls;
  try {
    return await open(target);
  } catch (err) {
    const where = `${proxy.kind} proxy ${proxy.host}:${proxy.port}`;
    const code = String((err as { code?: unknown }).code ?? '');
    const message = (err as { message?: unknown }).message;
    const detail = `${where}: ${String(message ?? err)}`;
    if (secure && CERT_ERRORS.test(code) && !code.startsWith('ERR_SSL')) {
      throw new ProxyConnectError('ERR_PROXY_CERTIFICATE_INVALID', detail, { cause: err });
    }
    if (secure && (code === 'EPROTO' || code.startsWith('ERR_SSL'))) throw new ProxyConnectError('ERR_SSL_PROTOCOL_ERROR', detail, { cause: err });
    throw new ProxyConnectError('ERR_PROXY_CONNECTION_FAILED', detail, { cause: err });
  }
}

/** The session's host resolver for SOCKS4 targets, or null to ask the OS (`SessionConnector.resolve`). */
export type LocalResolver = (hostname: string, port: number) => Promise<ConnectTarget> | null;

/**
 * Sets up a tunnel to `target` over `socket` (already connected to the proxy): CONNECT for HTTP and
 * HTTPS proxies, the SOCKS4 or SOCKS5 handshake otherwise. Resolves once bytes can flow to the origin.
 */
export async function openTunnel(socket: net.Socket, proxy: ProxyEndpoint, target: TunnelTarget, proxyAuthorization?: string, resolve?: LocalResolver): Promise<void> {
  const reader = createReader(socket, proxy);
  socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy(new ProxyConnectError(proxy.kind.startsWith('socks') ? 'ERR_SOCKS_CONNECTION_FAILED' : 'ERR_TUNNEL_CONNECTION_FAILED', 'handshake timed out')));
  try {
    if (proxy.kind === 'socks4') await socks4(socket, reader, target, resolve);
    else if (proxy.kind === 'socks5') await socks5(socket, reader, target);
    else await httpConnect(socket, reader, target, proxyAuthorization);
  } catch (err) {
    socket.destroy();
    throw err;
  } finally {
    socket.setTimeout(0);
    reader.release();
  }
}

function hostForUri(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

// HttpProxyClientSocket: a 2xx opens the tunnel, 407 goes to the auth controller, anything else is
// ERR_TUNNEL_CONNECTION_FAILED (the proxy's answer is never shown for a tunnel, crbug.com/8473).
async function httpConnect(socket: net.Socket, reader: Reader, target: TunnelTarget, proxyAuthorization: string | undefined): Promise<void> {
  const authority = `${hostForUri(target.host)}:${target.port}`;
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Connection: keep-alive\r\n${proxyAuthorization ? `Proxy-Authorization: ${proxyAuthorization}\r\n` : ''}\r\n`);
  const head = (await reader.until((b) => { const i = b.indexOf('\r\n\r\n'); return i === -1 ? -1 : i + 4; }, 'ERR_CONNECTION_CLOSED')).toString('latin1');
  const lines = head.split('\r\n');
  const status = Number(/^HTTP\/\d(?:\.\d)? (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
  if (status >= 200 && status < 300) return;
  if (status === 407) {
    const challenges = lines.filter((l) => /^proxy-authenticate:/i.test(l)).map((l) => l.slice(l.indexOf(':') + 1).trim());
    throw new ProxyConnectError('ERR_PROXY_AUTH_REQUESTED', `CONNECT ${authority} answered 407`, { proxyAuthenticate: challenges });
  }
  throw new ProxyConnectError('ERR_TUNNEL_CONNECTION_FAILED', `CONNECT ${authority} answered ${JSON.stringify(lines[0] ?? '')}`);
}

// socks_client_socket.cc: Chromium's SOCKS4 resolves the name locally with the network context's
// HostResolver (so --host-resolver-rules and the host cache apply; IPv4 only) and never sends a
// SOCKS4a name; the port is the request's own (BuildHandshakeWriteBuffer uses destination_.port()).
// Reply 0x5A opens the tunnel, 0x5C is "host unreachable", the rest a failure.
async function socks4(socket: net.Socket, reader: Reader, target: TunnelTarget, resolve: LocalResolver | undefined): Promise<void> {
  let address = target.host;
  if (!net.isIPv4(address)) {
    try {
      const resolved = resolve?.(target.host, target.port);
      const v4 = resolved ? (await resolved).endpoints.find((e) => e.family === 'ipv4')?.address : (await lookup(target.host, { family: 4 })).address;
      if (!v4) throw new Error(`no IPv4 address for ${target.host}`);
      address = v4;
    } catch (err) {
      throw new ProxyConnectError('ERR_NAME_NOT_RESOLVED', `SOCKS4 needs an IPv4 address for ${target.host}`, { cause: err });
    }
  }
  const request = Buffer.alloc(9);
  request[0] = 4;
  request[1] = 1;
  request.writeUInt16BE(target.port, 2);
  for (const [i, part] of address.split('.').entries()) request[4 + i] = Number(part);
  socket.write(request);
  const reply = await reader.until((b) => (b.length >= 8 ? 8 : -1), 'ERR_SOCKS_CONNECTION_FAILED');
  if (reply[0] !== 0) throw new ProxyConnectError('ERR_SOCKS_CONNECTION_FAILED', `SOCKS4 reply version ${reply[0]}`);
  if (reply[1] === 0x5a) return;
  if (reply[1] === 0x5c) throw new ProxyConnectError('ERR_SOCKS_CONNECTION_HOST_UNREACHABLE', `SOCKS4 proxy cannot reach ${address}:${target.port}`);
  throw new ProxyConnectError('ERR_SOCKS_CONNECTION_FAILED', `SOCKS4 proxy refused ${address}:${target.port} (reply 0x${reply[1]!.toString(16)})`);
}

// socks5_client_socket.cc: no-auth greeting only, and the host always goes as a domain name
// (ATYP 0x03), so the proxy resolves it ("remote DNS"); any non-zero reply is a failure.
async function socks5(socket: net.Socket, reader: Reader, target: TunnelTarget): Promise<void> {
  socket.write(Buffer.from([5, 1, 0]));
  const greeting = await reader.until((b) => (b.length >= 2 ? 2 : -1), 'ERR_SOCKS_CONNECTION_FAILED');
  if (greeting[0] !== 5 || greeting[1] !== 0) throw new ProxyConnectError('ERR_SOCKS_CONNECTION_FAILED', `SOCKS5 proxy wants auth method ${greeting[1]}`);
  const name = Buffer.from(target.host, 'utf8');
  if (name.length > 255) throw new ProxyConnectError('ERR_SOCKS_CONNECTION_FAILED', `host name too long for SOCKS5: ${target.host}`);
  const port = Buffer.alloc(2);
  port.writeUInt16BE(target.port);
  socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, port]));
  const reply = await reader.until((b) => {
    if (b.length < 5) return -1;
    const len = b[3] === 1 ? 4 : b[3] === 4 ? 16 : b[3] === 3 ? 1 + b[4]! : 0;
    return b.length >= 4 + len + 2 ? 4 + len + 2 : -1;
  }, 'ERR_SOCKS_CONNECTION_FAILED');
  if (reply[0] !== 5 || reply[1] !== 0) throw new ProxyConnectError('ERR_SOCKS_CONNECTION_FAILED', `SOCKS5 proxy refused ${target.host}:${target.port} (reply ${reply[1]})`);
}

interface Reader {
  until(need: (buffered: Buffer) => number, closedCode: RouteFailureCode): Promise<Buffer>;
  release(): void;
}

// Collects handshake bytes; whatever arrives after the handshake is given back to the socket.
function createReader(socket: net.Socket, proxy: ProxyEndpoint): Reader {
  let buffered = Buffer.alloc(0);
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  let closed = false;
  const onData = (d: Buffer): void => { buffered = Buffer.concat([buffered, d]); wake?.(); };
  const onClose = (): void => { closed = true; wake?.(); };
  const onError = (err: Error): void => { failure = err; wake?.(); };
  socket.on('data', onData).on('end', onClose).on('close', onClose).on('error', onError);
  return {
    async until(need, closedCode) {
      for (;;) {
        const n = need(buffered);
        if (n >= 0) {
          const out = buffered.subarray(0, n);
          buffered = buffered.subarray(n);
          return out;
        }
        if (failure instanceof ProxyConnectError) throw failure;
        if (failure || closed) {
          throw new ProxyConnectError(closedCode, `${proxy.kind} proxy ${proxy.host}:${proxy.port} closed the connection during the handshake`, { cause: failure ?? undefined });
        }
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = null;
      }
    },
    release() {
      socket.off('data', onData).off('end', onClose).off('close', onClose).off('error', onError);
      socket.pause();
      if (buffered.length) socket.unshift(buffered);
    },
  };
}
