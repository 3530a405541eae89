// ses.fetch through real proxies on loopback (HTTP, HTTPS, SOCKS4, SOCKS5): the traffic is checked
// at the proxy; failover stops proxies mid-run; authentication against proxies and origins.
import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionModule } from '../core/src/session/session-module.ts';
import { nodeHost } from '../hosts/node/index.ts';
import { createUndiciTransport } from '../adapters/transport-undici.ts';
import type { Session } from '../core/src/session/session.ts';
// @ts-expect-error plain .mjs test helpers
import { selfSignedCert, startHttpLikeProxy, startSocksProxy, startAuthOrigin } from './harness/proxy-servers.mjs';
// @ts-expect-error plain .mjs test helper
import { startFixturesServer } from './harness/fixtures-server.mjs';

type Seen = { method: string; target: string; addressType?: string; proxyAuthorization?: string };
type Proxy = { port: number; seen: Seen[]; close(): Promise<void> };

const { cert, key } = selfSignedCert() as { cert: string; key: string };
// The test CA is trusted for the HTTPS proxy and for origins inside tunnels; nothing else changes.
const { session } = createSessionModule({ ...nodeHost, createTransport: () => createUndiciTransport({ proxyTls: { ca: cert }, requestTls: () => ({ ca: cert }) }) });
const untrusting = createSessionModule({ ...nodeHost }).session;

let origin: { url: string; close(): Promise<void> };
let secureOrigin: { url: string; port: number; close(): Promise<void> };
let partitionCounter = 0;
const fresh = (s = session): Session => s.fromPartition(`proxy-routing-${partitionCounter++}`);
const targets = (p: Proxy): string[] => p.seen.map((s) => `${s.method} ${s.target}`);

beforeAll(async () => {
  origin = await startFixturesServer();
  const server = https.createServer({ cert, key }, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ secure: true, url: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  secureOrigin = { url: `https://127.0.0.1:${port}`, port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
});
afterAll(async () => {
  await origin.close();
  await secureOrigin.close();
});

describe('every kind of resolveProxy entry is used for real (Node)', () => {
  it.each(['http', 'https'] as const)('%s proxy: http: in absolute form, https: through CONNECT', async (kind) => {
    const proxy: Proxy = await startHttpLikeProxy(kind);
    try {
      const ses = fresh();
      await ses.setProxy({ proxyRules: `${kind}://127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' });
      const plain = `${origin.url}/echo?kind=${kind}`;
      expect(await ses.resolveProxy(plain)).toBe(`${kind === 'http' ? 'PROXY' : 'HTTPS'} 127.0.0.1:${proxy.port}`);
      expect((await (await ses.fetch(plain)).json()).url).toBe(`/echo?kind=${kind}`);
      expect(await (await ses.fetch(`${secureOrigin.url}/s`)).json()).toEqual({ secure: true, url: '/s' });
      expect(targets(proxy)).toEqual([`GET ${plain}`, `CONNECT 127.0.0.1:${secureOrigin.port}`]);
    } finally {
      await proxy.close();
    }
  });

  it('SOCKS (v4) resolves the name locally and sends the proxy an IPv4 address', async () => {
    const proxy: Proxy = await startSocksProxy(4);
    try {
      const ses = fresh();
      await ses.setProxy({ proxyRules: `socks4://127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' });
      const port = new URL(origin.url).port;
      const url = `http://localhost:${port}/echo?v=4`;
      expect(await ses.resolveProxy(url)).toBe(`SOCKS 127.0.0.1:${proxy.port}`);
      expect((await (await ses.fetch(url)).json()).url).toBe('/echo?v=4');
      expect(proxy.seen).toEqual([{ method: 'SOCKS4', target: `127.0.0.1:${port}`, addressType: 'ipv4' }]);
    } finally {
      await proxy.close();
    }
  });

  it('SOCKS5 sends the host name (remote DNS), for http: and https: URLs', async () => {
    const proxy: Proxy = await startSocksProxy(5);
    try {
      const ses = fresh();
      await ses.setProxy({ proxyRules: `socks5://127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' });
      const port = new URL(origin.url).port;
      const url = `http://localhost:${port}/echo?v=5`;
      expect(await ses.resolveProxy(url)).toBe(`SOCKS5 127.0.0.1:${proxy.port}`);
      expect((await (await ses.fetch(url)).json()).url).toBe('/echo?v=5');
      expect((await (await ses.fetch(`${secureOrigin.url}/s5`)).json()).url).toBe('/s5');
      expect(proxy.seen).toEqual([
        { method: 'SOCKS5', target: `localhost:${port}`, addressType: 'name' },
        { method: 'SOCKS5', target: `127.0.0.1:${secureOrigin.port}`, addressType: 'name' },
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('DIRECT goes to the origin', async () => {
    const ses = fresh();
    await ses.setProxy({ mode: 'direct' });
    expect((await (await ses.fetch(`${origin.url}/echo?d=1`)).json()).url).toBe('/echo?d=1');
  });
});

describe('failover (Chromium\'s ProxyList::Fallback and CanFalloverToNextProxy)', () => {
  it('moves on when a proxy stops mid-run, reports it bad to resolveProxy, and honours DIRECT', async () => {
    const a: Proxy = await startHttpLikeProxy('http');
    const b: Proxy = await startSocksProxy(5);
    try {
      const ses = fresh();
      await ses.setProxy({ pacScript: `data:,${encodeURIComponent(`function FindProxyForURL(){return "PROXY 127.0.0.1:${a.port}; SOCKS5 127.0.0.1:${b.port}; DIRECT";}`)}` });
      const url = `http://example.test:${new URL(origin.url).port}/echo`;
      const viaOrigin = `${origin.url}/echo`;
      const list = `PROXY 127.0.0.1:${a.port};SOCKS5 127.0.0.1:${b.port};DIRECT`;
      expect(await ses.resolveProxy(url)).toBe(list);
      // The PAC sends example.test to a proxy; the proxies reach the fixtures server by its address.
      await ses.setProxy({ proxyRules: `127.0.0.1:${a.port},socks5://127.0.0.1:${b.port},direct://`, proxyBypassRules: '<-loopback>' });
      expect(await ses.resolveProxy(viaOrigin)).toBe(list);
      await (await ses.fetch(viaOrigin)).text();
      expect(a.seen).toHaveLength(1);

      await a.close();
      await (await ses.fetch(viaOrigin)).text();
      expect(b.seen).toHaveLength(1);
      expect(await ses.resolveProxy(viaOrigin)).toBe(`SOCKS5 127.0.0.1:${b.port};DIRECT;PROXY 127.0.0.1:${a.port}`);

      await b.close();
      expect((await (await ses.fetch(viaOrigin)).json()).url).toBe('/echo');
      expect(await ses.resolveProxy(viaOrigin)).toBe(`DIRECT;PROXY 127.0.0.1:${a.port};SOCKS5 127.0.0.1:${b.port}`);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('fails with the last entry\'s Chromium error when every proxy is down', async () => {
    const a: Proxy = await startHttpLikeProxy('http');
    const b: Proxy = await startSocksProxy(4);
    await a.close();
    await b.close();
    const ses = fresh();
    await ses.setProxy({ proxyRules: `http://127.0.0.1:${a.port},socks4://127.0.0.1:${b.port}`, proxyBypassRules: '<-loopback>' });
    await expect(ses.fetch(`${origin.url}/echo`)).rejects.toMatchObject({ code: 'ERR_PROXY_CONNECTION_FAILED', message: 'net::ERR_PROXY_CONNECTION_FAILED' });
  });

  it('treats a broken SOCKS handshake as ERR_SOCKS_CONNECTION_FAILED and tries the next entry', async () => {
    const liar = net.createServer((s) => s.on('data', () => s.end(Buffer.from([9, 9]))));
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    const liarPort = (liar.address() as net.AddressInfo).port;
    const good: Proxy = await startHttpLikeProxy('http');
    try {
      const ses = fresh();
      await ses.setProxy({ proxyRules: `socks5://127.0.0.1:${liarPort}`, proxyBypassRules: '<-loopback>' });
      await expect(ses.fetch(`${origin.url}/echo`)).rejects.toMatchObject({ code: 'ERR_SOCKS_CONNECTION_FAILED' });
      await ses.setProxy({ proxyRules: `socks5://127.0.0.1:${liarPort},http://127.0.0.1:${good.port}`, proxyBypassRules: '<-loopback>' });
      expect((await ses.fetch(`${origin.url}/echo`)).status).toBe(200);
      expect(good.seen).toHaveLength(1);
    } finally {
      liar.close();
      await good.close();
    }
  });

  it('does not fall back when the proxy refuses the tunnel (ERR_TUNNEL_CONNECTION_FAILED, crbug.com/680837)', async () => {
    const a: Proxy = await startHttpLikeProxy('http');
    const b: Proxy = await startHttpLikeProxy('http');
    try {
      const ses = fresh();
      await ses.setProxy({ proxyRules: `127.0.0.1:${a.port},127.0.0.1:${b.port}` });
      await expect(ses.fetch('https://blocked.test/')).rejects.toMatchObject({ code: 'ERR_TUNNEL_CONNECTION_FAILED' });
      expect(targets(a)).toEqual(['CONNECT blocked.test:443']);
      expect(b.seen).toEqual([]);
      expect(await ses.resolveProxy('https://blocked.test/')).toBe(`PROXY 127.0.0.1:${a.port};PROXY 127.0.0.1:${b.port}`);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('does not retry once the origin answered, whatever the status', async () => {
    const a: Proxy = await startHttpLikeProxy('http');
    const b: Proxy = await startHttpLikeProxy('http');
    try {
      const ses = fresh();
      await ses.setProxy({ proxyRules: `127.0.0.1:${a.port},127.0.0.1:${b.port}`, proxyBypassRules: '<-loopback>' });
      expect((await ses.fetch(`${origin.url}/status?code=502`)).status).toBe(502);
      expect(a.seen).toHaveLength(1);
      expect(b.seen).toHaveLength(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('rejects an HTTPS proxy whose certificate is not trusted (ERR_PROXY_CERTIFICATE_INVALID) and falls back', async () => {
    const secure: Proxy = await startHttpLikeProxy('https');
    try {
      const ses = fresh(untrusting);
      await ses.setProxy({ proxyRules: `https://127.0.0.1:${secure.port}`, proxyBypassRules: '<-loopback>' });
      await expect(ses.fetch(`${origin.url}/echo`)).rejects.toMatchObject({ code: 'ERR_PROXY_CERTIFICATE_INVALID' });
      await ses.setProxy({ proxyRules: `https://127.0.0.1:${secure.port},direct://`, proxyBypassRules: '<-loopback>' });
      expect((await ses.fetch(`${origin.url}/echo`)).status).toBe(200);
      expect(secure.seen).toEqual([]);
    } finally {
      await secure.close();
    }
  });
});

type LoginArgs = [{ preventDefault(): void }, { url: string }, { isProxy: boolean; scheme: string; host: string; port: number; realm: string }, (u?: string, p?: string) => void];

function answerLogins(ses: Session, username: string | null, password = 'pass'): LoginArgs[2][] {
  const seen: LoginArgs[2][] = [];
  ses.on('login', (...[event, , authInfo, callback]: LoginArgs) => {
    seen.push(authInfo);
    event.preventDefault();
    if (username === null) callback();
    else callback(username, password);
  });
  return seen;
}

describe('authentication (login event, auth cache)', () => {
  it.each([
    ['basic', 'MD5'],
    ['digest', 'MD5'],
    ['digest', 'SHA-256'],
  ] as const)('origin %s (%s): login once, cached credentials reused, clearAuthCache forgets them', async (scheme, algorithm) => {
    const server = await startAuthOrigin({ scheme, algorithm, realm: 'Foo' });
    try {
      const ses = fresh();
      const logins = answerLogins(ses, 'user');
      const first = await ses.fetch(`${server.url}/dir/a`, { method: 'POST', body: 'payload' });
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ url: '/dir/a', body: 'payload' });
      expect(logins).toEqual([{ isProxy: false, scheme, host: '127.0.0.1', port: Number(new URL(server.url).port), realm: 'Foo' }]);
      expect((await ses.fetch(`${server.url}/dir/b`)).status).toBe(200);
      expect((await ses.fetch(`${server.url}/other`)).status).toBe(200);
      expect(logins).toHaveLength(1);
      await ses.clearAuthCache();
      expect((await ses.fetch(`${server.url}/dir/a`)).status).toBe(200);
      expect(logins).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('returns the 401 when nobody answers, when the listener cancels, and asks again after wrong credentials', async () => {
    const server = await startAuthOrigin({ scheme: 'basic', realm: 'Foo' });
    try {
      const ses = fresh();
      const res = await ses.fetch(`${server.url}/x`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Foo"');
      expect(await res.text()).toBe('unauthenticated');
      answerLogins(ses, null);
      expect((await ses.fetch(`${server.url}/x`)).status).toBe(401);
      const other = fresh();
      let calls = 0;
      other.on('login', (...[event, , , callback]: LoginArgs) => { event.preventDefault(); calls++; callback(calls === 1 ? 'user' : 'user', calls === 1 ? 'wrong' : 'pass'); });
      expect((await other.fetch(`${server.url}/x`)).status).toBe(200);
      expect(calls).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('uses user:pass@ from the URL for the first challenge', async () => {
    const server = await startAuthOrigin({ scheme: 'basic', realm: 'Restricted', username: 'test', password: 'test' });
    try {
      const ses = fresh();
      expect((await ses.fetch(`http://test:test@127.0.0.1:${server.port}/`)).status).toBe(200);
      expect((await ses.fetch(`${server.url}/`)).status).toBe(200);
      await ses.clearAuthCache();
      expect((await ses.fetch(`${server.url}/`)).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['http', 'basic', 'http'],
    ['http', 'digest', 'https'],
    ['https', 'digest', 'http'],
    ['https', 'basic', 'https'],
  ] as const)('%s proxy with %s auth, %s: URL', async (kind, scheme, urlScheme) => {
    const proxy: Proxy = await startHttpLikeProxy(kind, { auth: { scheme, realm: 'Proxy' } });
    try {
      const ses = fresh();
      await ses.setProxy({ proxyRules: `${kind}://127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' });
      const url = urlScheme === 'http' ? `${origin.url}/echo` : `${secureOrigin.url}/p`;
      const logins = answerLogins(ses, 'user');
      expect((await ses.fetch(url)).status).toBe(200);
      expect(logins).toEqual([{ isProxy: true, scheme, host: '127.0.0.1', port: proxy.port, realm: 'Proxy' }]);
      const sentBefore = proxy.seen.length;
      expect((await ses.fetch(`${url}?again`)).status).toBe(200);
      expect(logins).toHaveLength(1);
      // Tunnels are pooled, so a second https: request may not need a new CONNECT.
      for (const s of proxy.seen.slice(sentBefore)) expect(s.proxyAuthorization).toMatch(scheme === 'basic' ? /^Basic / : /^Digest /);
    } finally {
      await proxy.close();
    }
  });

  it('without credentials: a plain proxy request returns the 407, a tunnel fails with ERR_TUNNEL_CONNECTION_FAILED', async () => {
    const proxy: Proxy = await startHttpLikeProxy('http', { auth: { scheme: 'basic', realm: 'Proxy' } });
    try {
      const ses = fresh();
      await ses.setProxy({ proxyRules: `127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' });
      const res = await ses.fetch(`${origin.url}/echo`);
      expect(res.status).toBe(407);
      expect(res.headers.get('proxy-authenticate')).toBe('Basic realm="Proxy"');
      await expect(ses.fetch(`${secureOrigin.url}/`)).rejects.toMatchObject({ code: 'ERR_TUNNEL_CONNECTION_FAILED', message: 'net::ERR_TUNNEL_CONNECTION_FAILED' });
      answerLogins(ses, null);
      await expect(ses.fetch(`${secureOrigin.url}/`)).rejects.toMatchObject({ code: 'ERR_TUNNEL_CONNECTION_FAILED' });
    } finally {
      await proxy.close();
    }
  });
});
