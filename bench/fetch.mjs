// ses.fetch overhead over loopback, direct and through an HTTP proxy, beside raw undici (`request`
// and `fetch`) on the same server and the same proxy in one run. Each client reads the whole body.
// Run: npm run bench:fetch  (builds first)   or   node bench/fetch.mjs  (after npm run build)
import http from 'node:http';
import os from 'node:os';
import { Agent, ProxyAgent, fetch as undiciFetch, request as undiciRequest } from 'undici';
import { session } from '../dist/node.js';
import { startHttpProxy } from '../test/harness/http-proxy.mjs';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const CONCURRENCY = 16;
const ROUNDS = 5;

const body = Buffer.alloc(1024, 'x');
const origin = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
});
await new Promise((r) => origin.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${origin.address().port}/data`;
const proxy = await startHttpProxy();
const proxyUrl = `http://127.0.0.1:${proxy.port}`;

async function run(fn) {
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      next++;
      await fn();
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return Number(process.hrtime.bigint() - start) / REQUESTS;
}

const direct = new Agent({ keepAliveTimeout: 10_000 });
const viaProxy = new ProxyAgent({ uri: proxyUrl, proxyTunnel: false, keepAliveTimeout: 10_000 });
const sesDirect = session.fromPartition('bench-direct');
const sesProxy = session.fromPartition('bench-proxy');
await sesProxy.setProxy({ proxyRules: `127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' });

const clients = {
  'undici request': { direct: async () => { const r = await undiciRequest(url, { dispatcher: direct }); await r.body.arrayBuffer(); }, proxy: async () => { const r = await undiciRequest(url, { dispatcher: viaProxy }); await r.body.arrayBuffer(); } },
  'undici fetch': { direct: async () => { await (await undiciFetch(url, { dispatcher: direct })).arrayBuffer(); }, proxy: async () => { await (await undiciFetch(url, { dispatcher: viaProxy })).arrayBuffer(); } },
  'ses.fetch': { direct: async () => { await (await sesDirect.fetch(url)).arrayBuffer(); }, proxy: async () => { await (await sesProxy.fetch(url)).arrayBuffer(); } },
};

// Every client must really go the way it says: count at the proxy.
const before = proxy.seen.length;
await clients['ses.fetch'].proxy();
if (proxy.seen.length !== before + 1) throw new Error('ses.fetch did not go through the proxy');
await clients['ses.fetch'].direct();
if (proxy.seen.length !== before + 1) throw new Error('ses.fetch direct went through the proxy');

// Interleave rounds so that machine noise hits every client alike; report the median per client.
const results = {};
for (const name of Object.keys(clients)) results[name] = { direct: [], proxy: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, c] of Object.entries(clients)) {
    results[name].direct.push(await run(c.direct));
    results[name].proxy.push(await run(c.proxy));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ns) => `${(ns / 1000).toFixed(1)} µs`;
const base = { direct: median(results['undici fetch'].direct), proxy: median(results['undici fetch'].proxy) };

console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, Node ${process.version}; ${REQUESTS} GETs of 1 KiB per run, ${CONCURRENCY} at a time, median of ${ROUNDS} runs`);
console.log('| client | direct, per request | / undici fetch | via HTTP proxy, per request | / undici fetch |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, r] of Object.entries(results)) {
  const d = median(r.direct);
  const p = median(r.proxy);
  console.log(`| ${name} | ${fmt(d)} | ${(d / base.direct).toFixed(2)}x | ${fmt(p)} | ${(p / base.proxy).toFixed(2)}x |`);
}
await Promise.all([direct.close(), viaProxy.close(), proxy.close()]);
origin.close();
process.exit(0);
