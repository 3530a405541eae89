// A loopback HTTP server for the shared suites on every host: it echoes requests, serves PAC
// scripts and the shared vector files, and (for the Chromium run) the test page and bundle.
import http from 'node:http';
import zlib from 'node:zlib';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHttpLikeProxy, startSocksProxy } from './proxy-servers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sharedDir = path.resolve(root, '../shared');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.map': 'application/json' };

/**
 * Starts the fixtures server on 127.0.0.1. `staticDir` (optional) is served under `/static/`.
 * With `proxies: true` it also starts a real HTTP proxy, a SOCKS5 proxy and an HTTP proxy that
 * demands Basic credentials (`httpAuth`: user "user", password "pass", realm "Sandbox") on
 * loopback, whose ports `/proxies` answers and whose traffic `/proxies/<kind>/seen` lists, so a
 * suite running in another process (Deno) checks the traffic at the proxy.
 * Returns { url, server, hits } where `hits` counts requests per path (for PAC refetch tests).
 */
export async function startFixturesServer({ staticDir, proxies: withProxies = false } = {}) {
  const hits = new Map();
  const proxies = withProxies ? {
    http: await startHttpLikeProxy('http'),
    socks5: await startSocksProxy(5),
    httpAuth: await startHttpLikeProxy('http', { auth: { scheme: 'basic', realm: 'Sandbox', username: 'user', password: 'pass' } }),
  } : {};
  let pacVersion = 0;
  const cacheCounts = new Map();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    try {
      if (url.pathname === '/echo') {
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const body = Buffer.concat(chunks).toString('utf8');
        res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
        return;
      }
      if (url.pathname === '/proxies' || url.pathname.startsWith('/proxies/')) {
        const kind = url.pathname.split('/')[2];
        const answer = kind ? proxies[kind]?.seen ?? null : Object.fromEntries(Object.entries(proxies).map(([k, p]) => [k, p.port]));
        res.writeHead(answer === null ? 404 : 200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
        res.end(JSON.stringify(answer));
        return;
      }
      if (url.pathname === '/encoded') {
        // The same text compressed with ?coding=gzip|deflate|br.
        const coding = url.searchParams.get('coding') ?? 'gzip';
        const text = Buffer.from('compressed hello '.repeat(100));
        const encoded = coding === 'br' ? zlib.brotliCompressSync(text) : coding === 'deflate' ? zlib.deflateSync(text) : zlib.gzipSync(text);
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': coding, 'access-control-allow-origin': '*' });
        res.end(encoded);
        return;
      }
      if (url.pathname === '/two-cookies') {
        res.writeHead(200, [['content-type', 'text/plain'], ['set-cookie', 'a=1; Path=/'], ['set-cookie', 'b=2; Path=/']]);
        res.end('cookies');
        return;
      }
      if (url.pathname === '/cookies') {
        // Echoes the Cookie header it got; ?set=<Set-Cookie line> (repeatable) sets cookies and
        // ?to=<location> redirects (?code=, default 302). The cookie-jar tests.
        const headers = [['content-type', 'application/json'], ['access-control-allow-origin', '*']];
        for (const line of url.searchParams.getAll('set')) headers.push(['set-cookie', line]);
        const to = url.searchParams.get('to');
        if (to !== null) headers.push(['location', to]);
        res.writeHead(to !== null ? Number(url.searchParams.get('code') ?? 302) : 200, headers);
        res.end(JSON.stringify({ cookie: req.headers.cookie ?? null, url: req.url }));
        return;
      }
      if (url.pathname === '/cacheable') {
        // The HTTP cache tests. ?id= names a counter (each answer's body carries its count, so a test
        // sees whether the origin answered); ?cc= Cache-Control, ?etag=, ?lm= (Last-Modified),
        // ?vary=, ?status=, ?set= (Set-Cookie), ?h=name:value (extra headers, repeatable), ?pad=n (n more body bytes). A request
        // whose If-None-Match equals ?etag (or whose If-Modified-Since equals ?lm) is answered 304.
        const id = url.searchParams.get('id') ?? '';
        const n = (cacheCounts.get(id) ?? 0) + 1;
        cacheCounts.set(id, n);
        const headers = [['content-type', 'application/json'], ['access-control-allow-origin', '*'], ['date', new Date().toUTCString()]];
        const p = (name) => url.searchParams.get(name);
        if (p('cc') !== null) headers.push(['cache-control', p('cc')]);
        if (p('etag') !== null) headers.push(['etag', p('etag')]);
        if (p('lm') !== null) headers.push(['last-modified', p('lm')]);
        if (p('vary') !== null) headers.push(['vary', p('vary')]);
        if (p('set') !== null) headers.push(['set-cookie', p('set')]);
        for (const h of url.searchParams.getAll('h')) headers.push([h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1)]);
        const notModified = (p('etag') !== null && req.headers['if-none-match'] === p('etag')) || (p('lm') !== null && req.headers['if-modified-since'] === p('lm'));
        headers.push(['x-count', String(n)]);
        if (notModified) {
          res.writeHead(304, headers.filter(([k]) => k !== 'content-type'));
          res.end();
          return;
        }
        res.writeHead(Number(p('status') ?? 200), headers);
        const text = JSON.stringify({ n, method: req.method, ifNoneMatch: req.headers['if-none-match'] ?? null, ifModifiedSince: req.headers['if-modified-since'] ?? null, pragma: req.headers.pragma ?? null, cookie: req.headers.cookie ?? null, accept: req.headers.accept ?? null, pad: p('pad') === null ? '' : 'x'.repeat(Number(p('pad'))) });
        // ?delay=ms sends the first half of the body, waits, then the rest; ?cut=1 sends the first
        // half and destroys the socket (a body cut off while the cache writes it).
        const delay = Number(p('delay') ?? 0);
        if (delay > 0 || p('cut') !== null) {
          const half = Math.floor(text.length / 2);
          res.write(text.slice(0, half));
          setTimeout(() => (p('cut') !== null ? req.socket.destroy() : res.end(text.slice(half))), delay || 50);
          return;
        }
        res.end(text);
        return;
      }
      if (url.pathname === '/bytes') {
        // ?n= bytes of body (no caching), for the network emulation tests; ?cc= a Cache-Control.
        const n = Number(url.searchParams.get('n') ?? 0);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(n), 'cache-control': url.searchParams.get('cc') ?? 'no-store', 'access-control-allow-origin': '*' });
        res.end(Buffer.alloc(n, 97));
        return;
      }
      if (url.pathname === '/no-content') {
        res.writeHead(204);
        res.end();
        return;
      }
      if (url.pathname === '/auth-basic') {
        // Basic realm "Sandbox", user "user", password "pass".
        const ok = req.headers.authorization === `Basic ${Buffer.from('user:pass').toString('base64')}`;
        res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain', ...(ok ? {} : { 'www-authenticate': 'Basic realm="Sandbox"' }) });
        res.end(ok ? 'welcome' : 'who are you?');
        return;
      }
      if (url.pathname === '/status') {
        const code = Number(url.searchParams.get('code') ?? 200);
        res.writeHead(code, { 'content-type': 'text/plain' });
        res.end(`status ${code}`);
        return;
      }
      if (url.pathname === '/redirect') {
        // ?to=<location>&code=<status>: a redirect to anything (the unsafe-redirect vectors).
        res.writeHead(Number(url.searchParams.get('code') ?? 302), { location: url.searchParams.get('to') ?? '/', 'access-control-allow-origin': '*' });
        res.end();
        return;
      }
      if (url.pathname === '/hang') {
        // Headers and one chunk, then nothing until the client goes (closeAllConnections tests); ends after 30 s at most.
        res.writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
        res.write('waiting');
        const timer = setTimeout(() => res.end(), 30_000);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if (url.pathname === '/truncated') {
        // Headers and one chunk, then the socket is destroyed (Electron's "server destroys socket mid-body").
        res.writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
        res.write('partial body');
        setTimeout(() => req.socket.destroy(), 50);
        return;
      }
      if (url.pathname === '/pac') {
        // ?body=<script> serves the script given; /pac/versioned serves a port that changes on each fetch.
        res.writeHead(200, { 'content-type': 'application/x-ns-proxy-autoconfig' });
        res.end(url.searchParams.get('body') ?? '');
        return;
      }
      if (url.pathname === '/pac/versioned') {
        pacVersion++;
        res.writeHead(200, { 'content-type': 'application/x-ns-proxy-autoconfig' });
        res.end(`function FindProxyForURL(url, host) { return "PROXY myproxy:${8131 + pacVersion}"; }`);
        return;
      }
      if (url.pathname.startsWith('/shared/')) {
        const file = path.resolve(sharedDir, url.pathname.slice('/shared/'.length));
        if (!file.startsWith(sharedDir)) throw new Error('outside shared');
        res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
        res.end(await readFile(file));
        return;
      }
      if (staticDir && url.pathname.startsWith('/static/')) {
        const file = path.resolve(staticDir, url.pathname.slice('/static/'.length));
        if (!file.startsWith(staticDir)) throw new Error('outside static');
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
        res.end(await readFile(file));
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, server, hits, close: async () => {
    await Promise.all(Object.values(proxies).map((p) => p.close()));
    await new Promise((r) => { server.closeAllConnections?.(); server.close(r); });
  } };
}
