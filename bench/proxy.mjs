// Bypass matching and resolveProxy throughput, this project beside its peers on the same inputs in
// one run: undici's EnvHttpProxyAgent (its NO_PROXY decision, reached through the agent's dispatch
// with the proxy and direct agents stubbed out) and proxy-from-env's getProxyForUrl.
// Run: npm run bench  (builds first)   or   node bench/proxy.mjs  (after npm run build)
import os from 'node:os';
import { EnvHttpProxyAgent } from 'undici';
import { getProxyForUrl } from 'proxy-from-env';
import { createRequire } from 'node:module';
import { BypassRules, ProxyRules, session } from '../dist/node.js';

// undici keeps its sub-agents and its dispatch method behind these symbols (lib/core/symbols.js).
const { kNoProxyAgent, kHttpProxyAgent, kHttpsProxyAgent, kDispatch } = createRequire(import.meta.url)('undici/lib/core/symbols.js');

const SIZES = [10, 100, 1000, 10000];
const QUERIES = 4096;
const MIN_MS = 300;

/** Rules `.h<i>.example`: every peer reads a leading dot as "subdomains of", as Chromium does. */
function makeRules(n) {
  const list = [];
  for (let i = 0; i < n; i++) list.push(`.h${i}.example`);
  return { ours: list.join(','), peers: list.join(',') };
}

/** Half the hosts fall under a rule (spread over the whole list), half do not. */
function makeUrls(n) {
  const urls = [];
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < QUERIES; i++) {
    const k = Math.floor(rand() * n);
    urls.push(i % 2 === 0 ? `http://www.h${k}.example/path?q=${i}` : `http://www.miss${k}.test/path?q=${i}`);
  }
  return urls;
}

function timeIt(fn, urls) {
  // Warm up, then run whole passes over the inputs until MIN_MS has elapsed.
  for (let i = 0; i < urls.length; i++) fn(urls[i]);
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < MIN_MS * 1e6) {
    for (let i = 0; i < urls.length; i++) fn(urls[i]);
    calls += urls.length;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  return elapsed / calls;
}

async function timeAsync(fn, urls) {
  for (let i = 0; i < urls.length; i++) await fn(urls[i]);
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < MIN_MS * 1e6) {
    await Promise.all(urls.map(fn));
    calls += urls.length;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  return elapsed / calls;
}

function undiciMatcher(noProxy) {
  const agent = new EnvHttpProxyAgent({ httpProxy: 'http://proxy.invalid:3128', httpsProxy: 'http://proxy.invalid:3128', noProxy });
  agent[kNoProxyAgent].dispatch = () => 'DIRECT';
  agent[kHttpProxyAgent].dispatch = () => 'PROXY';
  agent[kHttpsProxyAgent].dispatch = () => 'PROXY';
  const dispatch = agent[kDispatch].bind(agent);
  return (url) => dispatch({ origin: new URL(url).origin, path: '/', method: 'GET' }, {});
}

function fromEnvMatcher(noProxy) {
  process.env.NO_PROXY = noProxy;
  process.env.no_proxy = noProxy;
  process.env.HTTP_PROXY = 'http://proxy.invalid:3128';
  process.env.http_proxy = 'http://proxy.invalid:3128';
  return (url) => (getProxyForUrl(url) ? 'PROXY' : 'DIRECT');
}

const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const rows = [];
const cost = {};
for (const n of SIZES) {
  const { ours, peers } = makeRules(n);
  const urls = makeUrls(n);
  const bypass = BypassRules.parse(ours);
  const rules = ProxyRules.parse('proxy.invalid:3128', bypass);
  const undici = undiciMatcher(peers);
  const fromEnv = fromEnvMatcher(peers);
  const ses = session.fromPartition(`bench-${n}`);
  await ses.setProxy({ proxyRules: 'proxy.invalid:3128', proxyBypassRules: ours });

  // Same answers on the same inputs, or the comparison means nothing.
  for (const url of urls.slice(0, 512)) {
    const a = bypass.matches(url) ? 'DIRECT' : 'PROXY';
    const b = undici(url);
    const c = fromEnv(url);
    const d = rules.resolve(url) === 'DIRECT' ? 'DIRECT' : 'PROXY';
    if (a !== b || a !== c || a !== d) throw new Error(`disagreement on ${url}: ours ${a}, undici ${b}, proxy-from-env ${c}, resolve ${d}`);
  }

  const tMatch = timeIt((u) => bypass.matches(u), urls);
  const tResolve = timeIt((u) => rules.resolve(u), urls);
  const tSession = await timeAsync((u) => ses.resolveProxy(u), urls);
  const tUndici = timeIt(undici, urls);
  const tFromEnv = timeIt(fromEnv, urls);
  const fasterPeer = Math.min(tUndici, tFromEnv);
  cost[n] = tMatch;
  rows.push({ rules: n, ours: tMatch, resolve: tResolve, session: tSession, undici: tUndici, fromEnv: tFromEnv, ratio: fasterPeer / tMatch, ratioResolve: fasterPeer / tResolve });
}

console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
console.log('| rules | BypassRules.matches | ProxyRules.resolve | ses.resolveProxy | undici EnvHttpProxyAgent | proxy-from-env | faster peer / matches | faster peer / resolve |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.rules.toLocaleString('en-US')} | ${fmt(r.ours)} | ${fmt(r.resolve)} | ${fmt(r.session)} | ${fmt(r.undici)} | ${fmt(r.fromEnv)} | ${r.ratio.toFixed(1)}x | ${r.ratioResolve.toFixed(1)}x |`);
}
console.log(`cost at 10,000 rules / cost at 10 rules (BypassRules.matches): ${(cost[10000] / cost[10]).toFixed(2)}x`);
