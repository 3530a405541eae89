#!/usr/bin/env node
// Runs the HTTP caching conformance suite (npm http-cache-tests@0.4.5, browser-cache mode) against a
// fetch-like function in this process, and writes the raw results ({ "<test-id>": true | [type, message] }).
//
//   node test/cache/run-cache-tests.mjs --out <results.json> [--impl session|session-nocache|undici-private|nocache] [--id <test-id>]
//
//   session (default)  ses.fetch of session.fromPartition('cache-tests-<random>') from the built dist/node.js
//   session-nocache    the same with fromPartition(..., { cache: false }): the figures without a cache
//   undici-private     undici.fetch through an Agent composed with interceptors.cache({ type: 'private' }):
//                      the reference run that shows the harness counts what it should
//   nocache            Node's global fetch
//
// The suite keeps its test list and results in module-level state, so run it once per process.
// Its origin server is started here, in-process, on a free loopback port (the suite itself would
// listen on every interface). Prints one line of JSON: { impl, ran, seconds, counts }.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import net from 'node:net';

const { values: opt } = parseArgs({
  options: {
    out: { type: 'string' },
    impl: { type: 'string', default: 'session' },
    id: { type: 'string' },
    // The 0.4.5 runner sets no timeout of its own on its requests: this one bounds each of them.
    'request-timeout': { type: 'string', default: '5000' },
    // Whole-run bound; the vitest test has its own on top of this.
    'run-timeout': { type: 'string', default: '55000' },
  },
});
if (!opt.out && !opt.id) {
  console.error('usage: node test/cache/run-cache-tests.mjs --out <results.json> [--impl session|session-nocache|undici-private|nocache] [--id <test-id>]');
  process.exit(2);
}


// --- origin server on 127.0.0.1, free port ---------------------------------------------------
// server.mjs calls server.listen(port) and exports nothing; catch that one call, give it the
// loopback host and port 0, and keep the server to read the port back.
const scratch = mkdtempSync(join(tmpdir(), 'cache-tests-'));
process.env.npm_config_protocol = 'http';
process.env.npm_config_port = '0';
process.env.npm_config_pidfile = join(scratch, 'server.pid');
const originalListen = net.Server.prototype.listen;
let originServer = null;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (originServer === null) {
    originServer = this;
    const callback = typeof args.at(-1) === 'function' ? [args.at(-1)] : [];
    return originalListen.call(this, 0, '127.0.0.1', ...callback);
  }
  return originalListen.apply(this, args);
};
const originalLog = console.log;
console.log = () => {}; // the server announces itself; keep stdout for the summary line
try {
  await import('http-cache-tests/server/server.mjs');
} finally {
  net.Server.prototype.listen = originalListen;
}
if (originServer === null) throw new Error('the suite server did not call listen()');
if (!originServer.listening) await once(originServer, 'listening');
console.log = originalLog;
const { port } = originServer.address();
const base = `http://127.0.0.1:${port}`;

// --- the fetch under test ----------------------------------------------------------------------
async function makeFetch(impl) {
  if (impl === 'session' || impl === 'session-nocache') {
    const { session } = await import('../../dist/node.js');
    const partition = `cache-tests-${randomBytes(6).toString('hex')}`;
    const ses = impl === 'session' ? session.fromPartition(partition) : session.fromPartition(partition, { cache: false });
    return (url, init) => ses.fetch(url, init);
  }
  if (impl === 'undici-private' || impl === 'undici-shared') {
    const { Agent, interceptors, fetch } = await import('undici');
    const dispatcher = new Agent().compose(interceptors.cache({ type: impl.slice('undici-'.length), methods: ['GET', 'HEAD'] }));
    return (url, init = {}) => fetch(url, { ...init, dispatcher });
  }
  if (impl === 'nocache') {
    const nativeFetch = globalThis.fetch;
    return (url, init) => nativeFetch(url, init);
  }
  throw new Error(`unknown --impl ${impl}`);
}
const fetchUnderTest = await makeFetch(opt.impl);
const requestTimeout = Number(opt['request-timeout']);
const timedOut = new Set();
// The suite passes headers as [name, value] pairs and reads status, statusText, headers
// (get/has/forEach and iteration) and text(). Each request gets an abort signal, and the answer is
// given up on when the timeout passes even if the implementation ignores the signal, so a stuck
// request fails its test (recorded as ["AbortError", ...]) instead of stalling its whole chunk.
function fetchLike(url, init = {}) {
  const controller = new AbortController();
  const testId = init.headers?.find?.(([name]) => name === 'Test-ID')?.[1] ?? String(url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      timedOut.add(testId);
      const error = new Error(`no response within ${requestTimeout} ms`);
      error.name = 'AbortError';
      controller.abort(error);
      reject(error);
    }, requestTimeout);
    fetchUnderTest(url, { ...init, signal: controller.signal })
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}

// --- run ---------------------------------------------------------------------------------------
const { runTests, getResults } = await import('http-cache-tests/client/runner.mjs');
let tests = (await import('http-cache-tests/tests/index.mjs')).default;
if (opt.id) {
  tests = tests
    .map((suite) => ({ ...suite, tests: suite.tests.filter((t) => t.id === opt.id).map((t) => ({ ...t, dump: true })) }))
    .filter((suite) => suite.tests.length > 0);
  if (tests.length === 0) throw new Error(`no test with id ${opt.id}`);
}

// Ids the suite runs in browser-cache mode (it skips browser_skip tests there).
const expectedIds = tests.flatMap((suite) => suite.tests.filter((t) => t.browser_skip !== true).map((t) => t.id));
const started = Date.now();
let runTimer;
const finished = await Promise.race([
  runTests(tests, fetchLike, /* browserCache */ true, base).then(() => true),
  new Promise((resolve) => { runTimer = setTimeout(() => resolve(false), Number(opt['run-timeout'])); }),
]);
clearTimeout(runTimer);
const results = getResults();
const seconds = (Date.now() - started) / 1000;
// On the whole-run timeout, the tests still running are recorded as harness failures, so a
// partial run still yields a complete file (and says so in the summary and its exit code).
const unfinished = expectedIds.filter((id) => !(id in results));
if (!finished) for (const id of unfinished) results[id] = ['RunTimeout', `did not finish within ${opt['run-timeout']} ms`];
if (opt.out) writeFileSync(opt.out, JSON.stringify(results, null, 2) + '\n');

const counts = { pass: 0, fail: 0, other: 0 };
for (const result of Object.values(results)) {
  if (result === true) counts.pass++;
  else if (Array.isArray(result) && result[0] === 'Assertion') counts.fail++;
  else counts.other++;
}
const summary = { impl: opt.impl, ran: Object.keys(results).length, seconds, port, counts, out: opt.out ?? null };
if (timedOut.size > 0) summary.requestTimeouts = [...timedOut].sort();
if (!finished) summary.unfinished = unfinished;
console.log(JSON.stringify(summary));
if (opt.id) console.log(JSON.stringify(results[opt.id]));

rmSync(scratch, { recursive: true, force: true });
// The session's connection pool, the origin server and undici agents keep the loop alive: leave.
process.exit(finished ? 0 : 3);
