// A session's connection policy is the same on every route, as in Chromium: the certificate verify
// proc and the default verdict for https origins reached through CONNECT (HTTP and HTTPS proxies),
// SOCKS4 and SOCKS5 tunnels; --host-resolver-rules for proxy host names and SOCKS4 targets (SOCKS5
// keeps remote DNS); preconnect through a proxy, counted at the proxy. Real loopback proxies
// (test/harness/proxy-servers.mjs); every test checks at the proxy that the traffic went through it.
import https from 'node:https';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionModule } from '../core/src/session/session-module.ts';
import { nodeHost } from '../hosts/node/index.ts';
import { createUndiciTransport } from '../adapters/transport-undici.ts';
import type { Session } from '../core/src/session/session.ts';
import type { CertificateVerifyRequest } from '../core/src/net/certificate-verifier.ts';
// @ts-expect-error plain .mjs test helpers
import { selfSignedCert, startHttpLikeProxy, startSocksProxy } from './harness/proxy-servers.mjs';
// @ts-expect-error plain .mjs test helper
import { startFixturesServer } from './harness/fixtures-server.mjs';

type Seen = { method: string; target: string; addressType?: string };
type Proxy = { kind: string; port: number; seen: Seen[]; close(): Promise<void> };
type Kind = 'http' | 'https' | 'socks4' | 'socks5';

const key = readFileSync(new URL('./fixtures/tls/self-signed.key', import.meta.url));
const cert = readFileSync(new URL('./fixtures/tls/self-signed.pem', import.meta.url));
// The HTTPS proxy's own certificate is trusted through the adapter's `proxyTls` (as a private proxy
// CA would be); the origins' certificates are left to the session's verifier.
const proxyCert = (selfSignedCert() as { cert: string }).cert;
const { session, app } = createSessionModule({ ...nodeHost, createTransport: (context) => createUndiciTransport({ proxyTls: { ca: proxyCert } }, context) });
const plain = createSessionModule({ ...nodeHost });

let counter = 0;
const fresh = (module: { fromPartition(p: string): Session } = session): Session => module.fromPartition(`tunnel-policy-${counter++}`);
const scheme = (kind: Kind): string => (kind === 'socks4' ? 'socks4' : kind === 'socks5' ? 'socks5' : kind);
const start = (kind: Kind): Promise<Proxy> => (kind === 'socks4' ? startSocksProxy(4) : kind === 'socks5' ? startSocksProxy(5) : startHttpLikeProxy(kind));

let secure: { port: number; connections: () => number; close(): Promise<void> };
let origin: { url: string; close(): Promise<void> };
const proxies = {} as Record<Kind, Proxy>;

beforeAll(async () => {
  let connections = 0;
  const server = https.createServer({ key, cert }, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`secure ${req.url}`);
  });
  server.on('secureConnection', () => { connections++; });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  secure = {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  origin = await startFixturesServer();
  for (const kind of ['http', 'https', 'socks4', 'socks5'] as const) proxies[kind] = await start(kind);
});
afterAll(async () => {
  await secure.close();
  await origin.close();
  await Promise.all(Object.values(proxies).map((p) => p.close()));
});

// What each proxy records for a tunnel to localhost:port (SOCKS4 sends the locally resolved address).
function tunnelSeen(kind: Kind, port: number): Seen {
  if (kind === 'socks4') return { method: 'SOCKS4', target: `127.0.0.1:${port}`, addressType: 'ipv4' };
  if (kind === 'socks5') return { method: 'SOCKS5', target: `localhost:${port}`, addressType: 'name' };
  return { method: 'CONNECT', target: `localhost:${port}` } as Seen;
}

describe('setCertificateVerifyProc for https origins inside tunnels', () => {
  it.each(['http', 'https', 'socks4', 'socks5'] as const)('%s proxy: rejected by default, accepted by the proc with the origin\'s hostname, rejected again after null', async (kind) => {
    const proxy = proxies[kind];
    const ses = fresh();
    await ses.setProxy({ proxyRules: `${scheme(kind)}://127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' });
    const url = `https://localhost:${secure.port}`;
    const before = proxy.seen.length;
    await expect(ses.fetch(`${url}/default`)).rejects.toMatchObject({ code: 'ERR_CERT_AUTHORITY_INVALID', message: 'net::ERR_CERT_AUTHORITY_INVALID' });

    const seen: CertificateVerifyRequest[] = [];
    ses.setCertificateVerifyProc((request, callback) => {
      seen.push(request);
      callback(0);
    });
    expect(await (await ses.fetch(`${url}/proc`)).text()).toBe('secure /proc');
    // The proc decides for every certificate of the session: an HTTPS proxy's (trusted here through
    // the adapter's CA, so `net::OK`) and the origin's inside the tunnel.
    if (kind === 'https') {
      expect(seen.filter((r) => r.hostname === '127.0.0.1')).toMatchObject([{ verificationResult: 'net::OK', errorCode: 0 }]);
      seen.splice(seen.findIndex((r) => r.hostname === '127.0.0.1'), 1);
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ hostname: 'localhost', isIssuedByKnownRoot: false, verificationResult: 'net::ERR_CERT_AUTHORITY_INVALID', errorCode: -202 });
    expect(seen[0]!.certificate).toMatchObject({ subjectName: 'localhost', subject: { organizations: ['session-anywhere tests'] } });
    expect(seen[0]!.certificate.data.replace(/\r/g, '')).toBe(cert.toString('utf8').replace(/\r/g, ''));

    ses.setCertificateVerifyProc(null);
    await expect(ses.fetch(`${url}/after-null`)).rejects.toMatchObject({ code: 'ERR_CERT_AUTHORITY_INVALID' });
    // Three tunnels, each opened at the proxy (the proc's change flushed the pooled one).
    expect(proxy.seen.slice(before)).toEqual([tunnelSeen(kind, secure.port), tunnelSeen(kind, secure.port), tunnelSeen(kind, secure.port)]);
  });

  it('-2 from the proc fails a tunnelled origin with net::ERR_FAILED, not a proxy error', async () => {
    const ses = fresh();
    await ses.setProxy({ proxyRules: `socks5://127.0.0.1:${proxies.socks5.port}`, proxyBypassRules: '<-loopback>' });
    ses.setCertificateVerifyProc((_request, callback) => callback(-2));
    await expect(ses.fetch(`https://localhost:${secure.port}/`)).rejects.toMatchObject({ code: 'ERR_FAILED', message: 'net::ERR_FAILED' });
    expect(await ses.resolveProxy(`https://localhost:${secure.port}/`)).toBe(`SOCKS5 127.0.0.1:${proxies.socks5.port}`);
  });
});

describe('the HTTPS proxy\'s own certificate (Chromium verifies it with the same CertVerifier)', () => {
  it('is refused by default with net::ERR_PROXY_CERTIFICATE_INVALID and offered to the proc with the proxy\'s name', async () => {
    const proxy = proxies.https;
    const ses = fresh(plain.session);
    await ses.setProxy({ proxyRules: `https://localhost:${proxy.port}`, proxyBypassRules: '<-loopback>' });
    const before = proxy.seen.length;
    await expect(ses.fetch(`${origin.url}/echo?p=1`)).rejects.toMatchObject({ code: 'ERR_PROXY_CERTIFICATE_INVALID' });
    expect(proxy.seen.length).toBe(before);

    const hostnames: string[] = [];
    ses.setCertificateVerifyProc((request, callback) => {
      hostnames.push(request.hostname);
      callback(request.hostname === 'localhost' ? 0 : -3);
    });
    expect((await (await ses.fetch(`${origin.url}/echo?p=2`)).json()).url).toBe('/echo?p=2');
    expect(hostnames).toEqual(['localhost']);
    expect(proxy.seen.slice(before)).toEqual([{ method: 'GET', target: `${origin.url}/echo?p=2`, proxyAuthorization: undefined }]);

    ses.setCertificateVerifyProc(() => { throw new Error('no'); });
    await expect(ses.fetch(`${origin.url}/echo?p=3`)).rejects.toMatchObject({ code: 'ERR_PROXY_CONNECTION_FAILED' });
  });
});

describe('--host-resolver-rules on proxied routes', () => {
  it.each(['http', 'socks4', 'socks5'] as const)('resolve the %s proxy\'s host name', async (kind) => {
    const proxy = proxies[kind];
    app.commandLine.appendSwitch('host-resolver-rules', 'MAP proxy.test 127.0.0.1');
    try {
      const ses = fresh();
      await ses.setProxy({ proxyRules: `${scheme(kind)}://proxy.test:${proxy.port}`, proxyBypassRules: '<-loopback>' });
      const before = proxy.seen.length;
      expect((await (await ses.fetch(`${origin.url}/echo?via=${kind}`)).json()).url).toBe(`/echo?via=${kind}`);
      expect(proxy.seen.length).toBe(before + 1);
    } finally {
      app.commandLine.appendSwitch('host-resolver-rules', '');
    }
  });

  it('resolve SOCKS4 targets locally (the proxy gets the mapped address), while SOCKS5 sends the name', async () => {
    const port = new URL(origin.url).port;
    app.commandLine.appendSwitch('host-resolver-rules', 'MAP origin.test 127.0.0.1');
    try {
      const four = fresh();
      await four.setProxy({ proxyRules: `socks4://127.0.0.1:${proxies.socks4.port}` });
      expect((await (await four.fetch(`http://origin.test:${port}/echo?v=4`)).json()).url).toBe('/echo?v=4');
      expect(proxies.socks4.seen.at(-1)).toEqual({ method: 'SOCKS4', target: `127.0.0.1:${port}`, addressType: 'ipv4' });

      const five = fresh();
      await five.setProxy({ proxyRules: `socks5://127.0.0.1:${proxies.socks5.port}` });
      // The proxy cannot resolve origin.test: the rules are the client's, and SOCKS5 leaves DNS to the proxy.
      await expect(five.fetch(`http://origin.test:${port}/echo?v=5`)).rejects.toMatchObject({ code: 'ERR_SOCKS_CONNECTION_FAILED' });
      expect(proxies.socks5.seen.at(-1)).toEqual({ method: 'SOCKS5', target: `origin.test:${port}`, addressType: 'name' });
    } finally {
      app.commandLine.appendSwitch('host-resolver-rules', '');
    }
  });
});

// A TCP relay in front of a proxy that counts the connections made to it.
async function countingFront(target: Proxy): Promise<{ port: number; count: () => number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    count++;
    const upstream = net.connect(target.port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => { sockets.delete(s); client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    count: () => count,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

describe('preconnect through a proxy (Chromium preconnects along the route)', () => {
  it.each([
    ['http', 'http:'],
    ['http', 'https:'],
    ['https', 'http:'],
    ['socks4', 'http:'],
    ['socks5', 'https:'],
  ] as const)('%s proxy, %s URL: opens numSockets connections at the proxy, and the next requests use them', async (kind, protocol) => {
    const proxy = proxies[kind];
    const front = await countingFront(proxy);
    try {
      const ses = fresh();
      ses.setCertificateVerifyProc((_request, callback) => callback(0));
      const proxyHost = kind === 'https' ? 'localhost' : '127.0.0.1';
      await ses.setProxy({ proxyRules: `${scheme(kind)}://${proxyHost}:${front.port}`, proxyBypassRules: '<-loopback>' });
      const url = protocol === 'https:' ? `https://localhost:${secure.port}` : `http://localhost:${new URL(origin.url).port}`;
      const before = proxy.seen.length;
      const tunnels = kind !== 'http' && kind !== 'https' ? true : protocol === 'https:';
      ses.preconnect({ url: `${url}/`, numSockets: 2 });
      await until(() => front.count() === 2 && (!tunnels || proxy.seen.length === before + 2));
      const path = protocol === 'https:' ? '/' : '/echo';
      const [a, b] = await Promise.all([ses.fetch(`${url}${path}?a`), ses.fetch(`${url}${path}?b`)]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      await Promise.all([a.text(), b.text()]);
      expect(front.count()).toBe(2);
      // Tunnels were opened by the preconnect; absolute-form requests show up one by one.
      expect(proxy.seen.length - before).toBe(2);
      if (tunnels) expect(proxy.seen.slice(before).every((s) => s.method !== 'GET')).toBe(true);
      else expect(proxy.seen.slice(before).map((s) => s.method)).toEqual(['GET', 'GET']);
    } finally {
      await front.close();
    }
  });
});
