// Real proxy servers on loopback for the routing tests, one of each kind Chromium speaks: HTTP
// (absolute-form and CONNECT), HTTPS (the same over TLS), SOCKS4 and SOCKS5. Each records what
// went through it (`seen`), so a test checks the traffic at the proxy. HTTP and HTTPS proxies can
// demand Basic or Digest credentials; `startAuthOrigin` is an origin that does.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let cachedCert;
/** A self-signed certificate for 127.0.0.1 / localhost, made once per process with openssl. */
export function selfSignedCert() {
  if (cachedCert) return cachedCert;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sa-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    cachedCert = { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return cachedCert;
}

const hash = (algorithm, s) => crypto.createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5').update(s).digest('hex');

function parseParams(value) {
  const params = {};
  for (const m of value.matchAll(/([a-zA-Z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  return params;
}

/**
 * A checker for Basic or Digest credentials (RFC 7617 / RFC 7616, qop=auth). `challenge()` gives
 * the header value to send; `verify(header, method, uri)` says whether the credentials are right.
 */
export function authChecker({ scheme, realm = 'Sandbox', username = 'user', password = 'pass', algorithm = 'MD5' }) {
  const nonces = new Set();
  return {
    scheme,
    challenge() {
      if (scheme === 'basic') return `Basic realm="${realm}"`;
      const nonce = crypto.randomBytes(12).toString('hex');
      nonces.add(nonce);
      return `Digest realm="${realm}", qop="auth", algorithm=${algorithm}, nonce="${nonce}", opaque="opaque-${realm}"`;
    },
    verify(header, method, uri) {
      if (!header) return false;
      if (scheme === 'basic') return header === `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      if (!header.startsWith('Digest ')) return false;
      const p = parseParams(header.slice(7));
      if (!nonces.has(p.nonce) || p.username !== username || p.realm !== realm || p.uri !== uri || p.qop !== 'auth') return false;
      const ha1 = hash(algorithm, `${username}:${realm}:${password}`);
      const ha2 = hash(algorithm, `${method}:${uri}`);
      return p.response === hash(algorithm, `${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`);
    },
  };
}

function listen(server) {
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('secureConnection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)).then(() => ({
    port: server.address().port,
    // Stops listening and cuts every open connection, as a proxy that goes away mid-run.
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  }));
}

function pipeTo(host, port, client, head, onOpen) {
  const upstream = net.connect(port, host.replace(/^\[|\]$/g, ''), () => {
    onOpen();
    if (head?.length) upstream.write(head);
    upstream.pipe(client).pipe(upstream);
  });
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  return upstream;
}

/**
 * Starts an HTTP proxy (`kind: 'http'`) or an HTTPS proxy (`kind: 'https'`, TLS with a self-signed
 * certificate, see `selfSignedCert`). `auth` (an `authChecker` option object) makes it answer 407.
 */
export async function startHttpLikeProxy(kind, { auth } = {}) {
  const seen = [];
  const checker = auth ? authChecker(auth) : null;
  const deny = (method, uri, header) => checker && !checker.verify(header, method, uri);
  const onRequest = (req, res) => {
    seen.push({ method: req.method, target: req.url, proxyAuthorization: req.headers['proxy-authorization'] });
    let target;
    try { target = new URL(req.url); } catch { res.writeHead(400); res.end('absolute-form request expected'); return; }
    if (deny(req.method, target.pathname + target.search, req.headers['proxy-authorization'])) {
      res.writeHead(407, { 'proxy-authenticate': checker.challenge(), 'content-type': 'text/plain' });
      res.end('proxy authentication required');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = http.request({ host: target.hostname, port: target.port || 80, path: target.pathname + target.search, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(upstream);
  };
  const server = kind === 'https' ? https.createServer({ ...selfSignedCert() }, onRequest) : http.createServer(onRequest);
  server.on('connect', (req, socket, head) => {
    seen.push({ method: 'CONNECT', target: req.url, proxyAuthorization: req.headers['proxy-authorization'] });
    if (deny('CONNECT', req.url, req.headers['proxy-authorization'])) {
      socket.end(`HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: ${checker.challenge()}\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    if (req.url.startsWith('blocked.test:')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const sep = req.url.lastIndexOf(':');
    pipeTo(req.url.slice(0, sep), Number(req.url.slice(sep + 1)), socket, head, () => socket.write('HTTP/1.1 200 Connection Established\r\n\r\n'));
  });
  return { kind, seen, ...(await listen(server)) };
}

/**
 * Starts a SOCKS proxy (`version` 4 or 5, no authentication). SOCKS5 records whether the client
 * sent a name (`addressType: 'name'`, remote DNS) or an address; SOCKS4a names are refused.
 */
export async function startSocksProxy(version) {
  const seen = [];
  const server = net.createServer((client) => {
    let buf = Buffer.alloc(0);
    let stage = version === 5 ? 'greeting' : 'request';
    const onData = (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (version === 4) {
        if (buf.length < 9 || buf.indexOf(0, 8) === -1) return;
        const port = buf.readUInt16BE(2);
        const ip = [...buf.subarray(4, 8)].join('.');
        const rest = buf.subarray(buf.indexOf(0, 8) + 1);
        client.off('data', onData);
        seen.push({ method: 'SOCKS4', target: `${ip}:${port}`, addressType: 'ipv4' });
        const reply = (code) => Buffer.from([0, code, 0, 0, 0, 0, 0, 0]);
        if (buf[4] === 0 && buf[5] === 0 && buf[6] === 0) { client.end(reply(0x5b)); return; }
        pipeTo(ip, port, client, rest, () => client.write(reply(0x5a))).on('error', () => client.end(reply(0x5c)));
        return;
      }
      if (stage === 'greeting') {
        if (buf.length < 2 || buf.length < 2 + buf[1]) return;
        buf = buf.subarray(2 + buf[1]);
        client.write(Buffer.from([5, 0]));
        stage = 'request';
      }
      if (buf.length < 5) return;
      const atyp = buf[3];
      const len = atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + buf[4];
      if (buf.length < 4 + len + 2) return;
      const host = atyp === 1 ? [...buf.subarray(4, 8)].join('.') : atyp === 4 ? buf.subarray(4, 20).toString('hex').match(/.{4}/g).join(':') : buf.subarray(5, 5 + buf[4]).toString('utf8');
      const port = buf.readUInt16BE(4 + len);
      const rest = buf.subarray(4 + len + 2);
      client.off('data', onData);
      seen.push({ method: 'SOCKS5', target: `${host}:${port}`, addressType: atyp === 3 ? 'name' : atyp === 1 ? 'ipv4' : 'ipv6' });
      const reply = (code) => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
      const upstreamHost = host === 'localhost' ? '127.0.0.1' : host;
      pipeTo(upstreamHost, port, client, rest, () => client.write(reply(0))).on('error', () => client.end(reply(4)));
    };
    client.on('data', onData);
    client.on('error', () => {});
  });
  return { kind: `socks${version}`, seen, ...(await listen(server)) };
}

/** Starts all four proxies; `close()` stops them. */
export async function startProxyServers() {
  const [httpProxy, httpsProxy, socks4, socks5] = await Promise.all([
    startHttpLikeProxy('http'), startHttpLikeProxy('https'), startSocksProxy(4), startSocksProxy(5),
  ]);
  return { http: httpProxy, https: httpsProxy, socks4, socks5, close: () => Promise.all([httpProxy, httpsProxy, socks4, socks5].map((p) => p.close())) };
}

/** An origin answering `/echo` as JSON, behind `auth` (401 with a challenge until the right credentials). */
export async function startAuthOrigin(auth) {
  const checker = authChecker(auth);
  const seen = [];
  const server = http.createServer(async (req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    const chunks = [];
    for await (const c of req) chunks.push(c);
    if (!checker.verify(req.headers.authorization, req.method, req.url)) {
      res.writeHead(401, { 'www-authenticate': checker.challenge(), 'content-type': 'text/plain' });
      res.end('unauthenticated');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString('utf8') }));
  });
  const l = await listen(server);
  return { url: `http://127.0.0.1:${l.port}`, seen, ...l };
}
