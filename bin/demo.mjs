#!/usr/bin/env node
// A demo of the main job on a machine with nothing but loopback: a local origin server and a local
// HTTP proxy, a session configured as Electron would be, and requests that really go the way
// resolveProxy says. Run with `npm run demo` (it builds first).
import http from 'node:http';
import net from 'node:net';
import { session, networkPresets } from '../dist/node.js';

const log = (...args) => console.log(...args);

// The origin: answers with what it received; /login sets cookies; /logo is cacheable (with an
// ETag) and 30 KB long; each answer counts as one hit.
let originHits = 0;
const origin = http.createServer((req, res) => {
  originHits++;
  if (req.url === '/logo') {
    if (req.headers['if-none-match'] === '"v1"') {
      res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'image/png', etag: '"v1"', 'cache-control': 'max-age=60' });
    res.end(Buffer.alloc(30_000, 1));
    return;
  }
  const headers = { 'content-type': 'text/plain' };
  if (req.url === '/login') headers['set-cookie'] = ['sid=abc123; Path=/; HttpOnly; Max-Age=3600', 'theme=dark; Path=/'];
  res.writeHead(200, headers);
  res.end(`origin got ${req.method} ${req.url} with user-agent "${req.headers['user-agent']}"${req.headers.cookie ? ` and cookie "${req.headers.cookie}"` : ''}\n`);
});

// A forward proxy: absolute-form requests and CONNECT tunnels, each one logged.
const proxyLog = [];
const proxy = http.createServer((req, res) => {
  proxyLog.push(`${req.method} ${req.url}`);
  if (!URL.canParse(req.url)) {
    res.writeHead(400);
    res.end('absolute-form request expected');
    return;
  }
  const target = new URL(req.url);
  const upstream = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.on('error', () => { res.writeHead(502); res.end(); });
  req.pipe(upstream);
});
proxy.on('connect', (req, socket, head) => {
  proxyLog.push(`CONNECT ${req.url}`);
  const sep = req.url.lastIndexOf(':');
  const host = req.url.slice(0, sep).replace(/^\[|\]$/g, '');
  const upstream = net.connect(Number(req.url.slice(sep + 1)), host, () => {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    upstream.write(head);
    upstream.pipe(socket).pipe(upstream);
  });
  upstream.on('error', () => socket.destroy());
});

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const originPort = await listen(origin);
const proxyPort = await listen(proxy);
const originUrl = `http://127.0.0.1:${originPort}/hello`;
log(`origin on 127.0.0.1:${originPort}, proxy on 127.0.0.1:${proxyPort}\n`);

const ses = session.fromPartition('demo');
ses.setUserAgent('session-anywhere-demo', 'en-US,fr,de');

log('1. fixed_servers, Chromium grammar: http=<proxy>, loopback bypass removed with <-loopback>');
await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxyPort};socks=socks5://127.0.0.1:1`, proxyBypassRules: '<-loopback>, .internal.test' });
for (const url of [originUrl, 'http://www.internal.test/', 'https://example.com/', 'ftp://example.com/', 'ws://example.com/']) {
  log(`   resolveProxy(${url}) -> ${JSON.stringify(await ses.resolveProxy(url))}`);
}
const res = await ses.fetch(originUrl);
log(`   ses.fetch -> ${res.status}: ${(await res.text()).trim()}`);
log(`   the proxy saw: ${proxyLog.join(', ') || '(nothing)'}\n`);

log('2. without <-loopback>, loopback is bypassed implicitly, as in Chromium');
await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxyPort}` });
proxyLog.length = 0;
log(`   resolveProxy(${originUrl}) -> ${JSON.stringify(await ses.resolveProxy(originUrl))}`);
await (await ses.fetch(originUrl)).text();
log(`   the proxy saw: ${proxyLog.join(', ') || '(nothing: the request went direct)'}\n`);

log('3. a PAC script (data: URL), run in a QuickJS sandbox with Chromium\'s PAC functions');
const pac = `function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || shExpMatch(host, "*.local")) return "DIRECT";
  if (dnsDomainIs(host, ".example.com")) return "PROXY 127.0.0.1:${proxyPort}; DIRECT";
  return "SOCKS5 socks.example:1080";
}`;
await ses.setProxy({ pacScript: `data:application/x-ns-proxy-autoconfig;base64,${Buffer.from(pac).toString('base64')}` });
for (const url of ['http://intranet/', 'http://printer.local/', 'https://www.example.com/', 'https://elsewhere.org/']) {
  log(`   resolveProxy(${url}) -> ${JSON.stringify(await ses.resolveProxy(url))}`);
}

log('\n4. cookies: Set-Cookie is stored in the session\'s jar (Chromium\'s rules) and sent back');
await ses.setProxy({ mode: 'direct' });
ses.cookies.on('changed', (_event, cookie, cause) => log(`   changed: ${cause} ${cookie.name}=${cookie.value}`));
await (await ses.fetch(`http://127.0.0.1:${originPort}/login`)).text();
log(`   next request: ${(await (await ses.fetch(originUrl)).text()).trim()}`);
const jar = await ses.cookies.get({ url: originUrl });
log(`   ses.cookies.get -> ${jar.map((c) => `${c.name} (httpOnly ${c.httpOnly}, session ${c.session})`).join(', ')}`);

log('\n5. the HTTP cache: a fresh answer is reused, a no-cache request is validated (304)');
const logo = `http://127.0.0.1:${originPort}/logo`;
const hitsBefore = originHits;
await (await ses.fetch(logo)).arrayBuffer();
await (await ses.fetch(logo)).arrayBuffer();
log(`   two GETs of /logo -> ${originHits - hitsBefore} request at the origin; getCacheSize() = ${await ses.getCacheSize()} bytes`);
const validated = await ses.fetch(logo, { cache: 'no-cache' });
log(`   cache: 'no-cache' -> status ${validated.status}, ${(await validated.arrayBuffer()).byteLength} bytes from the cache after the origin's 304`);

log('\n6. network emulation: Chromium\'s throttling of the session\'s requests (Slow 3G: 2 s latency, 50,000 B/s)');
ses.enableNetworkEmulation(networkPresets['Slow 3G']);
const t1 = Date.now();
await (await ses.fetch(logo, { cache: 'no-store' })).arrayBuffer();
log(`   GET /logo (30 KB) took ${Date.now() - t1} ms (Chromium's model: about 2,000 ms of latency + 21 packets x 30 ms)`);
await ses.clearCache();
ses.enableNetworkEmulation({ offline: true });
log(`   offline -> ${await ses.fetch(logo).then(() => 'answered', (e) => e.message)}`);
ses.disableNetworkEmulation();

log('\n7. a PAC script that never returns is stopped; Electron\'s answer for a failed mandatory PAC is ""');
await ses.setProxy({ pacScript: `data:application/x-ns-proxy-autoconfig,${encodeURIComponent('function FindProxyForURL(){ for(;;){} }')}` });
const t0 = Date.now();
log(`   resolveProxy(https://example.com/) -> ${JSON.stringify(await ses.resolveProxy('https://example.com/'))} after ${Date.now() - t0} ms`);
log('   (ses.fetch rejects such a request with net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED)');

origin.close();
proxy.close();
process.exit(0);
