// Connections, DNS and TLS of a session on Node, against real loopback servers: preconnect and
// closeAllConnections seen at the server, --host-resolver-rules used by requests, redirects that
// re-resolve their proxy per hop, and setSSLConfig / setCertificateVerifyProc against a
// self-signed HTTPS server (test/fixtures/tls, made with `openssl req -x509 ... -days 36500`).
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { session, app } from '../hosts/node/index.ts';
import type { CertificateVerifyRequest } from '../core/src/net/certificate-verifier.ts';
// @ts-expect-error plain .mjs test helper
import { startHttpProxy } from './harness/http-proxy.mjs';

const key = readFileSync(new URL('./fixtures/tls/self-signed.key', import.meta.url));
const cert = readFileSync(new URL('./fixtures/tls/self-signed.pem', import.meta.url));
const vectors = JSON.parse(readFileSync(new URL('../../shared/vectors/electron/session.json', import.meta.url), 'utf8'));

interface Origin { url: string; port: number; sockets: Set<net.Socket>; connections: () => number; close: () => Promise<void> }

async function startOrigin(kind: 'http' | 'https' = 'http', tlsOptions: https.ServerOptions = {}): Promise<Origin> {
  const handler: http.RequestListener = (req, res) => {
    if (req.url?.startsWith('/redirect')) {
      res.writeHead(302, { location: new URL(req.url, 'http://x').searchParams.get('to') ?? '/' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello ${req.url}`);
  };
  const server = kind === 'https' ? https.createServer({ key, cert, ...tlsOptions }, handler) : http.createServer(handler);
  const sockets = new Set<net.Socket>();
  let connections = 0;
  server.on(kind === 'https' ? 'secureConnection' : 'connection', (socket: net.Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${kind}://127.0.0.1:${port}`,
    port,
    sockets,
    connections: () => connections,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

let origin: Origin;
let secure: Origin;
beforeAll(async () => {
  origin = await startOrigin();
  secure = await startOrigin('https');
});
afterAll(async () => {
  await origin.close();
  await secure.close();
});

describe('preconnect and closeAllConnections (Node, capability "connection-pool")', () => {
  it('opens numSockets connections that the next request then uses', async () => {
    const ses = session.fromPartition('preconnect-sockets');
    const before = origin.connections();
    ses.preconnect({ url: `${origin.url}/`, numSockets: 3 });
    await until(() => origin.connections() === before + 3);
    expect(await (await ses.fetch(`${origin.url}/a`)).text()).toBe('hello /a');
    expect(origin.connections()).toBe(before + 3);
    // The two unused preconnected sockets would otherwise stay open 10 s (kUnusedIdleSocketTimeout).
    await ses.closeAllConnections();
  });

  it('closes pooled sockets, and the next request opens a new one through the current proxy', async () => {
    const proxy = await startHttpProxy();
    try {
      const ses = session.fromPartition('close-all-pool');
      // Only this session's sockets: other tests' sessions may still hold connections to the origin.
      const others = new Set(origin.sockets);
      await (await ses.fetch(`${origin.url}/first`)).text();
      const open = [...origin.sockets].filter((s) => !others.has(s));
      expect(open.length).toBeGreaterThan(0);
      await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' });
      await ses.closeAllConnections();
      await until(() => open.every((s) => s.destroyed || s.closed));
      expect(await (await ses.fetch(`${origin.url}/second`)).text()).toBe('hello /second');
      expect(proxy.seen.map((s: { target: string }) => s.target)).toEqual([`${origin.url}/second`]);
    } finally {
      await proxy.close();
    }
  });
});

describe('the host resolver in requests (Node, capability "request-host-resolver")', () => {
  it('sends requests where --host-resolver-rules say, and fails ~NOTFOUND names with net::ERR_NAME_NOT_RESOLVED', async () => {
    app.commandLine.appendSwitch('host-resolver-rules', `MAP mapped.test 127.0.0.1, MAP ported.test 127.0.0.1:${origin.port}, MAP gone.test ~NOTFOUND`);
    try {
      const ses = session.fromPartition('rules-in-requests');
      expect(await (await ses.fetch(`http://mapped.test:${origin.port}/m`)).text()).toBe('hello /m');
      expect(await (await ses.fetch('http://ported.test/p')).text()).toBe('hello /p');
      await expect(ses.fetch('http://gone.test/')).rejects.toMatchObject({ code: 'ERR_NAME_NOT_RESOLVED', message: 'net::ERR_NAME_NOT_RESOLVED' });
      expect(await ses.resolveHost('mapped.test')).toEqual({ endpoints: [{ address: '127.0.0.1', family: 'ipv4' }] });
    } finally {
      app.commandLine.appendSwitch('host-resolver-rules', '');
    }
  });

  it('maps a refused connection to net::ERR_CONNECTION_REFUSED', async () => {
    const closed = await startOrigin();
    await closed.close();
    await expect(session.fromPartition('refused').fetch(`${closed.url}/`)).rejects.toMatchObject({ code: 'ERR_CONNECTION_REFUSED' });
  });
});

describe('redirects followed by the session', () => {
  it('resolves the proxy again for each hop', async () => {
    const proxy = await startHttpProxy();
    const other = await startOrigin();
    try {
      const ses = session.fromPartition('redirect-proxy-per-hop');
      await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}`, proxyBypassRules: `<-loopback>;127.0.0.1:${origin.port}` });
      const res = await ses.fetch(`${origin.url}/redirect?to=${encodeURIComponent(`${other.url}/there`)}`);
      expect(await res.text()).toBe('hello /there');
      expect(res.url).toBe(`${other.url}/there`);
      expect(proxy.seen.map((s: { target: string }) => s.target)).toEqual([`${other.url}/there`]);
    } finally {
      await proxy.close();
      await other.close();
    }
  });
});

describe('setCertificateVerifyProc against a self-signed loopback server (capability "certificate-verify-proc")', () => {
  it('rejects by default, accepts through the proc (one call for two loads), and rejects again after null', async () => {
    const ses = session.fromPartition('verify-proc');
    await expect(ses.fetch(`${secure.url}/`)).rejects.toMatchObject({ code: 'ERR_CERT_AUTHORITY_INVALID', message: 'net::ERR_CERT_AUTHORITY_INVALID' });
    const seen: CertificateVerifyRequest[] = [];
    ses.setCertificateVerifyProc((request, callback) => {
      seen.push(request);
      callback(0);
    });
    expect(await (await ses.fetch(`${secure.url}/one`)).text()).toBe('hello /one');
    await ses.closeAllConnections();
    expect(await (await ses.fetch(`${secure.url}/two`)).text()).toBe('hello /two');
    expect(seen).toHaveLength(1);
    const request = seen[0]!;
    expect(request).toMatchObject({ hostname: '127.0.0.1', isIssuedByKnownRoot: false, verificationResult: 'net::ERR_CERT_AUTHORITY_INVALID', errorCode: -202 });
    expect(request.certificate).toMatchObject({ subjectName: 'localhost', issuerName: 'localhost', subject: { commonName: 'localhost', organizations: ['session-anywhere tests'] } });
    expect(request.certificate.data.replace(/\r/g, '')).toBe(cert.toString('utf8').replace(/\r/g, ''));
    expect(request.certificate.fingerprint).toMatch(/^sha256\/[A-Za-z0-9+/]+=*$/);
    expect(request.certificate.validExpiry).toBeGreaterThan(request.certificate.validStart);
    expect(request.validatedCertificate).toEqual(request.certificate);

    ses.setCertificateVerifyProc(null);
    await expect(ses.fetch(`${secure.url}/`)).rejects.toMatchObject({ code: 'ERR_CERT_AUTHORITY_INVALID' });
  });

  it('fails with net::ERR_FAILED for -2 and uses the default result for -3, without touching other sessions', async () => {
    const rejecting = session.fromPartition('verify-proc-reject');
    rejecting.setCertificateVerifyProc((_request, callback) => callback(-2));
    await expect(rejecting.fetch(`${secure.url}/`)).rejects.toMatchObject({ code: 'ERR_FAILED', message: 'net::ERR_FAILED' });
    const deferring = session.fromPartition('verify-proc-default');
    deferring.setCertificateVerifyProc((_request, callback) => callback(-3));
    await expect(deferring.fetch(`${secure.url}/`)).rejects.toMatchObject({ code: 'ERR_CERT_AUTHORITY_INVALID' });
    const accepting = session.fromPartition('verify-proc-accept');
    accepting.setCertificateVerifyProc((_request, callback) => callback(0));
    expect((await accepting.fetch(`${secure.url}/`)).status).toBe(200);
    await expect(session.fromPartition('verify-proc-untouched').fetch(`${secure.url}/`)).rejects.toMatchObject({ code: 'ERR_CERT_AUTHORITY_INVALID' });
  });
});

describe('setSSLConfig on new connections (capability "tls-policy")', () => {
  const trustAll = (ses: ReturnType<typeof session.fromPartition>): void => ses.setCertificateVerifyProc((_r, cb) => cb(0));

  it('fails against a TLS 1.2 server offering only AES128-GCM-SHA256 once 0x009c is disabled (sslConfig vector)', async () => {
    const example = vectors.sslConfig.disabledCipherSuitesExample;
    const server = await startOrigin('https', { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' });
    try {
      const ses = session.fromPartition('ssl-cipher');
      trustAll(ses);
      expect((await ses.fetch(`${server.url}/`)).status).toBe(200);
      ses.setSSLConfig({ disabledCipherSuites: example.value });
      await expect(ses.fetch(`${server.url}/again`)).rejects.toMatchObject({ code: 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH' });
    } finally {
      await server.close();
    }
  });

  it('refuses a TLS 1.2-only server with minVersion tls1.3', async () => {
    const server = await startOrigin('https', { maxVersion: 'TLSv1.2' });
    try {
      const ses = session.fromPartition('ssl-min-version');
      trustAll(ses);
      ses.setSSLConfig({ minVersion: 'tls1.3' });
      await expect(ses.fetch(`${server.url}/`)).rejects.toMatchObject({ code: 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH' });
      ses.setSSLConfig({ minVersion: 'tls1.2', maxVersion: 'tls1.2' });
      expect((await ses.fetch(`${server.url}/`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
