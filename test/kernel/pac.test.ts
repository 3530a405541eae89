import { describe, it, expect } from '../harness/api.ts';
import type { SessionError } from '../../core/src/errors.ts';
import type { DnsPort, LocalAddressPort } from '../../core/src/net/ports.ts';
import { findMyIpAddresses } from '../../core/src/proxy/pac/my-ip-address.ts';
import { createPacResolver, pacHostArgument, sanitizeUrlForPac, type PacResolverOptions } from '../../core/src/proxy/pac/pac-resolver.ts';
import { MAX_HOST_LOOKUPS_PER_REQUEST } from '../../core/src/proxy/pac/pac-sandbox.ts';
import { loadQuickJS } from '../../core/src/proxy/pac/quickjs-module.ts';
import { formatIpAddress, parseCidrBlock, parseIpLiteral } from '../../core/src/proxy/pac/ip-literal.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Arg = Json | { $type: 'undefined' | 'function' };

interface PacFunctionVector { fn: string; args: Arg[]; expected: Json; throws?: string; now?: string; dateSemantics?: 'mock' | 'real'; expectedRealDate?: Json }
interface PacBindingVector { call: string; expected?: Json; bindingCalled?: boolean; alertMessage?: string; bindingOp?: string; bindingHost?: string; env?: { allDnsFails?: boolean } }
interface MyIpAddressVector { test: string; fn: 'myIpAddress' | 'myIpAddressEx'; probes: [string, string | null][]; hostnameDns: string[]; expected: string[] }
interface PacScriptResultVector { script: string; returns?: string; expected?: string | string[]; expectedInitError?: string; errorLine?: number }
interface PacInvocationVector { url: string; expectedUrlArg?: string; expectedHostArg: string; passthroughResult?: string }
interface UrlSanitizeVector { input: string; expected: string }
interface Vectors {
  pacFunctions: PacFunctionVector[];
  pacBindings: PacBindingVector[];
  myIpAddress: MyIpAddressVector[];
  pacScriptResults: PacScriptResultVector[];
  pacInvocation: PacInvocationVector[];
  urlSanitize: UrlSanitizeVector[];
}
type Group = keyof Vectors;

async function loadJson(url: URL): Promise<unknown> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return JSON.parse(await readFile(url, 'utf8'));
  }
  return (await fetch(url)).json();
}

const vectors = (await loadJson(new URL('../../../shared/vectors/proxy/chromium.json', import.meta.url))) as Vectors;
const GROUPS: Group[] = ['pacFunctions', 'pacBindings', 'myIpAddress', 'pacScriptResults', 'pacInvocation', 'urlSanitize'];
const ran: Record<Group, number> = { pacFunctions: 0, pacBindings: 0, myIpAddress: 0, pacScriptResults: 0, pacInvocation: 0, urlSanitize: 0 };

// Vectors that cannot pass, by test name, with the reason. Empty: every vector passes.
const KNOWN_FAILURES: Record<string, string> = {};

function vectorTest(group: Group, name: string, body: () => Promise<void> | void): void {
  it(name, async () => {
    ran[group]++;
    await body();
  });
}

function jsSource(arg: Arg): string {
  if (arg !== null && typeof arg === 'object' && !Array.isArray(arg) && '$type' in arg) {
    return arg.$type === 'undefined' ? 'undefined' : 'function () {}';
  }
  return JSON.stringify(arg);
}

/** A PAC script whose FindProxyForURL evaluates `expression` and reports its value or exception. */
function evaluatingScript(expression: string, prelude = ''): string {
  return `${prelude}
function FindProxyForURL(url, host) {
  try {
    var value = ${expression};
    return JSON.stringify({ type: typeof value, value: value === undefined ? null : value });
  } catch (e) {
    return JSON.stringify({ threw: String(e) });
  }
}`;
}

// Chromium's pac_library_unittest.js replaces Date with a mock whose constructor ignores its
// arguments and always yields "now" (vectors meta.conventions "pacFunctions.dates").
function mockDatePrelude(nowMs: number): string {
  return `var RealDate = Date;
Date = function MockDate() { return new RealDate(${nowMs}); };
Date.prototype = RealDate.prototype;`;
}

interface Evaluation { type?: string; value?: Json; threw?: string }

async function evaluate(expression: string, options: PacResolverOptions = {}, prelude = ''): Promise<Evaluation> {
  const resolver = await createPacResolver(evaluatingScript(expression, prelude), options);
  try {
    return JSON.parse(await resolver.findProxyForURL('http://example.test/', 'example.test')) as Evaluation;
  } finally {
    resolver.dispose();
  }
}

function expectValue(result: Evaluation, expected: Json): void {
  expect(result.threw).toBeUndefined();
  expect(result.value).toEqual(expected);
  if (expected === null) expect(result.type).toBe('object');
}

async function rejection(promise: Promise<unknown>): Promise<SessionError> {
  try {
    await promise;
  } catch (error) {
    return error as SessionError;
  }
  throw new Error('expected a rejection');
}

interface FakeDns extends DnsPort { calls: { host: string; family: number }[] }

function fakeDns(answers: Record<string, string[]> = {}, delayMs = 0): FakeDns {
  const calls: { host: string; family: number }[] = [];
  return {
    calls,
    async lookup(host, family) {
      calls.push({ host, family });
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const all = answers[host];
      if (all === undefined) throw new Error(`ENOTFOUND ${host}`);
      return all.filter((address) => family === 0 || (family === 4) === !address.includes(':'));
    },
  };
}

function fakeLocalAddresses(vector: MyIpAddressVector): LocalAddressPort & { probed: string[] } {
  const probed: string[] = [];
  const answers = new Map(vector.probes.map(([destination, source]) => [destination.toLowerCase(), source]));
  return {
    probed,
    async sourceAddressFor(destination) {
      probed.push(destination.toLowerCase());
      const source = answers.get(destination.toLowerCase());
      if (source === undefined) throw new Error(`unexpected probe of ${destination}`);
      return source;
    },
    async hostnameAddresses() {
      return vector.hostnameDns;
    },
  };
}

describe('pacFunctions vectors (utility library and C++ bindings)', () => {
  vectors.pacFunctions.forEach((vector, index) => {
    const call = `${vector.fn}(${vector.args.map(jsSource).join(', ')})`;
    const name = `#${index} ${call}${vector.now === undefined ? '' : ` at ${vector.now}`}`;
    vectorTest('pacFunctions', name, async () => {
      const nowMs = vector.now === undefined ? undefined : Date.parse(vector.now);
      if (nowMs !== undefined) expect(Number.isNaN(nowMs)).toBe(false);
      const prelude = nowMs !== undefined && vector.dateSemantics === 'mock' ? mockDatePrelude(nowMs) : '';
      const options: PacResolverOptions = nowMs === undefined ? {} : { now: () => new Date(nowMs) };
      const result = await evaluate(call, options, prelude);
      if (vector.throws !== undefined) expect(result.threw).toBe(vector.throws);
      else expectValue(result, vector.expected);
      if (vector.expectedRealDate !== undefined && nowMs !== undefined) {
        expectValue(await evaluate(call, { now: () => new Date(nowMs) }), vector.expectedRealDate);
      }
    });
  });
});

describe('pacBindings vectors', () => {
  vectors.pacBindings.forEach((vector, index) => {
    vectorTest('pacBindings', `#${index} ${vector.call}${vector.env?.allDnsFails ? ' (all DNS fails)' : ''}`, async () => {
      const dns = fakeDns(vector.env?.allDnsFails ? {} : { is_resolvable: ['10.1.2.3'], 'xn--bcher-kva.ch': ['10.1.2.4'] });
      const alerts: string[] = [];
      const result = await evaluate(vector.call, { dns, onAlert: (message) => alerts.push(message) }, 'var fn = function () {};');
      expect(result.threw).toBeUndefined();
      if ('expected' in vector) expectValue(result, vector.expected ?? null);
      if (vector.bindingCalled === false) expect(dns.calls).toEqual([]);
      if (vector.alertMessage !== undefined) expect(alerts).toEqual([vector.alertMessage]);
      if (vector.bindingHost !== undefined) {
        const family = (vector.bindingOp ?? 'DNS_RESOLVE_EX') === 'DNS_RESOLVE' ? 4 : 0;
        expect(dns.calls).toEqual([{ host: vector.bindingHost, family }]);
      }
    });
  });
});

describe('myIpAddress vectors', () => {
  for (const vector of vectors.myIpAddress) {
    vectorTest('myIpAddress', `${vector.test} (${vector.fn})`, async () => {
      const port = fakeLocalAddresses(vector);
      expect(await findMyIpAddresses(port, vector.fn)).toEqual(vector.expected);
      expect(port.probed).toEqual(vector.probes.map(([destination]) => destination.toLowerCase()));

      const failure = vector.fn === 'myIpAddress' ? '127.0.0.1' : '';
      const viaScript = await evaluate(`${vector.fn}()`, { localAddresses: fakeLocalAddresses(vector) });
      expectValue(viaScript, vector.expected.length === 0 ? failure : vector.expected.join(';'));
    });
  }
});

// Our own fixtures standing in for Chromium's test scripts, keyed by the vector's `script`.
const MISSING_CLOSE_BRACE = `// FindProxyForURL is never closed, so the script ends early.
function FindProxyForURL(url, host) {
  if (host == 'example.test') {
    return 'PROXY example:80';
  }
  return 'DIRECT';
`;
const SCRIPT_FIXTURES: Record<string, string[]> = {
  'direct.js (returns "DIRECT")': ['function FindProxyForURL(url, host) {\n  return "DIRECT";\n}\n'],
  'missing_close_brace.js': [MISSING_CLOSE_BRACE],
  'ends_with_comment.js / ends_with_statement_no_semicolon.js': [
    'function FindProxyForURL(url, host) {\n  return "PROXY success:80";\n}\n\n// The script ends in a comment with no newline',
    'var proxy = "PROXY success:3";\nfunction FindProxyForURL(url, host) { return proxy; }\nproxy = proxy',
  ],
};

describe('pacScriptResults vectors', () => {
  for (const vector of vectors.pacScriptResults) {
    vectorTest('pacScriptResults', vector.script, async () => {
      const scripts = SCRIPT_FIXTURES[vector.script];
      expect(scripts, `no fixture for ${vector.script}`).toBeDefined();
      if (vector.expectedInitError !== undefined) {
        const error = await rejection(createPacResolver(scripts?.[0] ?? ''));
        expect(error.code).toBe('ERR_PAC_SCRIPT_FAILED');
        expect(error.context['chromiumMessage']).toBe(vector.expectedInitError);
        expect(error.context['line']).toBe(vector.errorLine);
        expect(error.message).toContain(`line ${vector.errorLine}`);
        return;
      }
      const expected = Array.isArray(vector.expected) ? vector.expected : [vector.expected];
      expect(scripts?.length).toBe(expected.length);
      for (const [i, script] of (scripts ?? []).entries()) {
        const resolver = await createPacResolver(script);
        const result = await resolver.findProxyForURL('http://example.test/', 'example.test');
        resolver.dispose();
        // Chromium's vectors give the parsed proxy (`success:80`); the resolver returns the raw PAC string.
        const raw = expected[i] === 'DIRECT' ? 'DIRECT' : `PROXY ${expected[i]}`;
        expect(result).toBe(raw);
      }
    });
  }
});

describe('pacInvocation vectors', () => {
  const script = `function FindProxyForURL(url, host) {
  return JSON.stringify([url, host, 'PROXY ' + url.replace(/[^0-9a-zA-Z]+/g, '.') + '.' + host + ':80']);
}`;
  for (const vector of vectors.pacInvocation) {
    vectorTest('pacInvocation', vector.url, async () => {
      expect(pacHostArgument(vector.url)).toBe(vector.expectedHostArg);
      const resolver = await createPacResolver(script);
      const [urlArg, hostArg, passthrough] = JSON.parse(
        await resolver.findProxyForURL(sanitizeUrlForPac(vector.url), pacHostArgument(vector.url)),
      ) as string[];
      resolver.dispose();
      if (vector.expectedUrlArg !== undefined) expect(urlArg).toBe(vector.expectedUrlArg);
      expect(hostArg).toBe(vector.expectedHostArg);
      if (vector.passthroughResult !== undefined) expect(passthrough).toBe(`PROXY ${vector.passthroughResult}`);
    });
  }
});

describe('urlSanitize vectors', () => {
  for (const vector of vectors.urlSanitize) {
    vectorTest('urlSanitize', vector.input, () => {
      expect(sanitizeUrlForPac(vector.input)).toBe(vector.expected);
    });
  }
});

describe('vector coverage', () => {
  it('ran every vector of every PAC group', () => {
    for (const group of GROUPS) expect({ group, ran: ran[group] }).toEqual({ group, ran: vectors[group].length });
    expect(Object.keys(KNOWN_FAILURES)).toEqual([]);
  });
});

describe('PAC sandbox', () => {
  it('stops an endless FindProxyForURL at the time limit; the resolver and a new one keep working', async () => {
    const script = 'function FindProxyForURL(url, host) { if (host === "loop") { for (;;) {} } return "DIRECT"; }';
    const resolver = await createPacResolver(script, { timeoutMs: 200 });
    const started = performance.now();
    const error = await rejection(resolver.findProxyForURL('http://loop/', 'loop'));
    const elapsed = performance.now() - started;
    expect(error.code).toBe('ERR_PAC_SCRIPT_TIMEOUT');
    // Not stopped early. How soon after the limit it stops depends on the machine's load, so there is
    // no upper bound: the error code above already shows the time limit, not something else, ended it.
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(await resolver.findProxyForURL('http://ok/', 'ok')).toBe('DIRECT');
    resolver.dispose();
    const next = await createPacResolver(script);
    expect(await next.findProxyForURL('http://ok/', 'ok')).toBe('DIRECT');
    next.dispose();
  });

  it('cannot catch the timeout with try/catch/finally', async () => {
    const resolver = await createPacResolver(
      `var caught = 0;
function FindProxyForURL(url, host) {
  if (host === 'loop') { try { for (;;) {} } catch (e) { caught++; } finally { caught++; } return 'PROXY caught:1'; }
  return 'PROXY caught:' + caught;
}`,
      { timeoutMs: 100 },
    );
    expect((await rejection(resolver.findProxyForURL('http://loop/', 'loop'))).code).toBe('ERR_PAC_SCRIPT_TIMEOUT');
    expect(await resolver.findProxyForURL('http://x/', 'x')).toBe('PROXY caught:0');
    resolver.dispose();
  });

  it('stops an endless top-level script while the resolver is created', async () => {
    const error = await rejection(createPacResolver('for (;;) {}\nfunction FindProxyForURL() { return "DIRECT"; }', { timeoutMs: 100 }));
    expect(error.code).toBe('ERR_PAC_SCRIPT_TIMEOUT');
  });

  it('reports a throwing FindProxyForURL with the V8-style text and the line', async () => {
    const resolver = await createPacResolver('function FindProxyForURL(url, host) {\n  if (host === "str") throw "bad";\n  throw new Error("boom");\n}');
    const error = await rejection(resolver.findProxyForURL('http://a/', 'a'));
    expect(error.code).toBe('ERR_PAC_SCRIPT_FAILED');
    expect(error.context['chromiumMessage']).toBe('Uncaught Error: boom');
    expect(error.context['line']).toBe(3);
    expect(error.message).toBe('Uncaught Error: boom (proxy-pac-script.js line 3)');
    const thrownString = await rejection(resolver.findProxyForURL('http://str/', 'str'));
    expect(thrownString.context['chromiumMessage']).toBe('Uncaught bad');
    resolver.dispose();
  });

  it('reports a mid-script syntax error with its line', async () => {
    const error = await rejection(createPacResolver('function FindProxyForURL(url, host) {\n  return "DIRECT";\n}\nvar x = ;\n'));
    expect(error.code).toBe('ERR_PAC_SCRIPT_FAILED');
    expect(String(error.context['chromiumMessage'])).toMatch(/^Uncaught SyntaxError: /);
    expect(error.context['line']).toBe(4);
  });

  it('reports an exception thrown by the top-level script', async () => {
    const error = await rejection(createPacResolver('function FindProxyForURL() { return "DIRECT"; }\nnull.foo;'));
    expect(error.code).toBe('ERR_PAC_SCRIPT_FAILED');
    expect(String(error.context['chromiumMessage'])).toMatch(/^Uncaught TypeError: /);
    expect(error.context['line']).toBe(2);
  });

  it('treats every non-string result as a failure', async () => {
    const resolver = await createPacResolver(`var results = { u: undefined, n: null, num: 5, f: function () {}, o: {}, s: new String('DIRECT'), a: ['DIRECT'] };
function FindProxyForURL(url, host) { return results[host]; }`);
    for (const host of ['u', 'n', 'num', 'f', 'o', 's', 'a']) {
      const error = await rejection(resolver.findProxyForURL(`http://${host}/`, host));
      expect({ host, code: error.code, message: error.message }).toEqual({
        host,
        code: 'ERR_PAC_SCRIPT_FAILED',
        message: 'FindProxyForURL() did not return a string.',
      });
    }
    resolver.dispose();
  });

  it('rejects a non-ASCII result', async () => {
    const resolver = await createPacResolver('function FindProxyForURL() { return "PROXY fü:80"; }');
    const error = await rejection(resolver.findProxyForURL('http://a/', 'a'));
    expect(error.message).toBe('FindProxyForURL() returned a non-ASCII string (crbug.com/47234).');
    resolver.dispose();
  });

  it('fails to create without a callable FindProxyForURL, or with an empty script', async () => {
    expect((await rejection(createPacResolver('var FindProxyForURL = 5;'))).message).toBe('FindProxyForURL is undefined or not a function.');
    expect((await rejection(createPacResolver('// nothing here'))).message).toBe('FindProxyForURL is undefined or not a function.');
    const getter = await rejection(createPacResolver('Object.defineProperty(globalThis, "FindProxyForURL", { get: function () { throw 1; } });'));
    expect(getter.message).toBe('Accessing FindProxyForURL threw an exception.');
    const empty = await rejection(createPacResolver(''));
    expect(empty.code).toBe('ERR_PAC_SCRIPT_FAILED');
  });

  it('reports a FindProxyForURL that is removed after creation', async () => {
    const resolver = await createPacResolver('function FindProxyForURL(url, host) { FindProxyForURL = undefined; return "DIRECT"; }');
    expect(await resolver.findProxyForURL('http://a/', 'a')).toBe('DIRECT');
    expect((await rejection(resolver.findProxyForURL('http://a/', 'a'))).message).toBe('FindProxyForURL is undefined or not a function.');
    resolver.dispose();
  });

  it('exposes no host globals', async () => {
    const names = ['process', 'fetch', 'require', 'Deno', 'window', 'document', 'setTimeout', 'XMLHttpRequest', 'WebSocket', 'importScripts', 'module', 'Bun'];
    const result = await evaluate(`[${names.map((name) => `typeof ${name}`).join(', ')}].join(',')`);
    expectValue(result, names.map(() => 'undefined').join(','));
  });

  it('keeps globals between calls of one resolver', async () => {
    const resolver = await createPacResolver('var calls = 0;\nfunction FindProxyForURL() { calls++; return "PROXY p:" + calls; }');
    expect(await resolver.findProxyForURL('http://a/', 'a')).toBe('PROXY p:1');
    expect(await resolver.findProxyForURL('http://a/', 'a')).toBe('PROXY p:2');
    resolver.dispose();
  });

  it('keeps bindings and error reports working when the script replaces the globals they use', async () => {
    const resolver = await createPacResolver(`TypeError = null; Reflect = null; JSON = null; String.prototype.indexOf = null; Array.prototype.slice = null;
function FindProxyForURL(url, host) {
  if (host === 'throw') throw new Error('tampered');
  try { isPlainHostName(5); return 'no throw'; } catch (e) { return e.name + ': ' + e.message + ' ' + sortIpAddressList('::2;::1'); }
}`);
    expect(await resolver.findProxyForURL('http://a/', 'a')).toBe('TypeError: Requires 1 string parameter ::1;::2');
    expect((await rejection(resolver.findProxyForURL('http://throw/', 'throw'))).context['chromiumMessage']).toBe('Uncaught Error: tampered');
    resolver.dispose();
  });

  it('propagates a throwing toString from alert() and alerts nothing', async () => {
    const alerts: string[] = [];
    const result = await evaluate('alert({ toString: function () { throw "nope"; } })', { onAlert: (m) => alerts.push(m) });
    expect(result.threw).toBe('nope');
    expect(alerts).toEqual([]);
  });

  it('restarts the script for each new host lookup and asks the port once per name', async () => {
    const dns = fakeDns({ 'a.test': ['10.0.0.1'], 'b.test': ['10.0.0.2', '::2'] });
    const alerts: string[] = [];
    const resolver = await createPacResolver(
      `var runs = 0;
function FindProxyForURL(url, host) {
  runs++;
  alert('run ' + runs);
  var a = dnsResolve('a.test');
  var b = dnsResolveEx('b.test');
  return [a, b, isResolvable('a.test'), isInNet('a.test', '10.0.0.0', '255.0.0.0'), runs].join('|');
}`,
      { dns, onAlert: (message) => alerts.push(message) },
    );
    expect(await resolver.findProxyForURL('http://x/', 'x')).toBe('10.0.0.1|10.0.0.2;::2|true|true|3');
    expect(dns.calls).toEqual([{ host: 'a.test', family: 4 }, { host: 'b.test', family: 0 }]);
    expect(alerts).toEqual(['run 3']);
    // The answers belong to one request: the next request looks the names up again.
    expect(await resolver.findProxyForURL('http://x/', 'x')).toBe('10.0.0.1|10.0.0.2;::2|true|true|6');
    expect(dns.calls).toHaveLength(4);
    resolver.dispose();
  });

  it('discards a run whose script caught the lookup abort', async () => {
    const dns = fakeDns({ 'c.test': ['10.0.0.3'] });
    const resolver = await createPacResolver(
      `function FindProxyForURL(url, host) {
  var r;
  try { r = dnsResolve('c.test'); } catch (e) { r = 'caught'; }
  return 'PROXY ' + r + ':80';
}`,
      { dns },
    );
    expect(await resolver.findProxyForURL('http://x/', 'x')).toBe('PROXY 10.0.0.3:80');
    resolver.dispose();
  });

  it('resolves names used by the top-level script while creating the resolver', async () => {
    const dns = fakeDns({ 'proxy.test': ['10.9.9.9'] });
    const resolver = await createPacResolver('var proxy = dnsResolve("proxy.test");\nfunction FindProxyForURL() { return "PROXY " + proxy + ":3128"; }', { dns });
    expect(await resolver.findProxyForURL('http://x/', 'x')).toBe('PROXY 10.9.9.9:3128');
    resolver.dispose();
  });

  it(`stops looking names up after ${MAX_HOST_LOOKUPS_PER_REQUEST} per request`, async () => {
    const answers: Record<string, string[]> = {};
    for (let i = 0; i < 25; i++) answers[`h${i}.test`] = [`10.0.0.${i}`];
    const dns = fakeDns(answers);
    const resolver = await createPacResolver(
      'function FindProxyForURL() { var n = 0; for (var i = 0; i < 25; i++) if (dnsResolve("h" + i + ".test") !== null) n++; return "PROXY p:" + n; }',
      { dns },
    );
    expect(await resolver.findProxyForURL('http://x/', 'x')).toBe(`PROXY p:${MAX_HOST_LOOKUPS_PER_REQUEST}`);
    expect(dns.calls).toHaveLength(MAX_HOST_LOOKUPS_PER_REQUEST);
    resolver.dispose();
  });

  it('fails host lookups without ports, as in a browser', async () => {
    const result = await evaluate('[dnsResolve("a.test"), dnsResolveEx("a.test"), isResolvable("a.test"), isResolvableEx("a.test"), myIpAddress(), myIpAddressEx(), isInNet("a.test", "10.0.0.0", "255.0.0.0")]');
    expectValue(result, [null, '', false, false, '127.0.0.1', '', false]);
  });

  it('runs requests one at a time in call order', async () => {
    const dns = fakeDns({ 'slow.test': ['10.0.0.8'] }, 50);
    const resolver = await createPacResolver(
      `var finished = [];
function FindProxyForURL(url, host) {
  if (host === 'slow') dnsResolve('slow.test');
  finished.push(host);
  return 'PROXY ' + finished.join('.') + ':1';
}`,
      { dns },
    );
    const order: string[] = [];
    const slow = resolver.findProxyForURL('http://slow/', 'slow').then((r) => (order.push('slow'), r));
    const fast = resolver.findProxyForURL('http://fast/', 'fast').then((r) => (order.push('fast'), r));
    expect(await Promise.all([slow, fast])).toEqual(['PROXY slow:1', 'PROXY slow.fast:1']);
    expect(order).toEqual(['slow', 'fast']);
    resolver.dispose();
  });

  it('rejects requests after dispose, including queued ones', async () => {
    const dns = fakeDns({ 'slow.test': ['10.0.0.8'] }, 20);
    const resolver = await createPacResolver('function FindProxyForURL() { return "PROXY " + dnsResolve("slow.test") + ":1"; }', { dns });
    const running = resolver.findProxyForURL('http://a/', 'a');
    const queued = resolver.findProxyForURL('http://b/', 'b');
    resolver.dispose();
    expect((await rejection(running)).code).toBe('ERR_PAC_RESOLVER_DISPOSED');
    expect((await rejection(queued)).code).toBe('ERR_PAC_RESOLVER_DISPOSED');
    resolver.dispose();
  });

  it('limits memory: a script filling the heap fails, the shared heap grows by at most the limit, and the resolver recovers', async () => {
    const memory = (await loadQuickJS()).getWasmMemory();
    const limit = 16 * 1024 * 1024;
    const resolver = await createPacResolver(
      `function FindProxyForURL(url, host) {
  if (host === 'small') return 'DIRECT';
  var hoard = [];
  for (;;) hoard.push('y'.repeat(100000) + hoard.length);
}`,
      { memoryLimitBytes: limit },
    );
    const before = memory.buffer.byteLength;
    const error = await rejection(resolver.findProxyForURL('http://big/', 'big'));
    expect(error.code).toBe('ERR_PAC_SCRIPT_FAILED');
    expect(error.message).toContain('memory limit');
    expect(memory.buffer.byteLength - before).toBeLessThanOrEqual(limit);
    expect(await resolver.findProxyForURL('http://small/', 'small')).toBe('DIRECT');
    resolver.dispose();
  });

  it('turns runaway recursion into a script failure instead of overflowing the host stack', async () => {
    const resolver = await createPacResolver('function deep(n) { return deep(n + 1) + 1; }\nfunction FindProxyForURL() { return String(deep(0)); }');
    const error = await rejection(resolver.findProxyForURL('http://a/', 'a'));
    expect(error.code).toBe('ERR_PAC_SCRIPT_FAILED');
    expect(error.message).toContain('stack overflow');
    resolver.dispose();
  });

  it('uses the injected clock for Date and the date functions', async () => {
    const now = new Date(2009, 2, 3, 10, 30, 0);
    const result = await evaluate(
      '[new Date().getTime(), Date.now(), typeof Date(), new Date(2000, 0, 1).getFullYear(), weekdayRange("TUE"), timeRange(10, 11), dateRange("MAR"), new Date() instanceof Date]',
      { now: () => now },
    );
    expectValue(result, [now.getTime(), now.getTime(), 'string', 2000, true, true, true, true]);
  });

  it('with a real Date, dateRange("SEP", "FEB") on Mar 3 2009 is true (the mock makes it false)', async () => {
    const nowMs = new Date(2009, 2, 3).getTime();
    expectValue(await evaluate('dateRange("SEP", "FEB")', { now: () => new Date(nowMs) }), true);
    expectValue(await evaluate('dateRange("SEP", "FEB")', {}, mockDatePrelude(nowMs)), false);
  });

  it('throws TypeError for arguments of the wrong type', () => {
    expect(() => createPacResolver(5 as unknown as string)).toThrow(TypeError);
    expect(() => createPacResolver('x', { timeoutMs: -1 })).toThrow(/timeoutMs must be a positive number/);
    expect(() => createPacResolver('x', { dns: {} as DnsPort })).toThrow(/options.dns must have a lookup\(\) method/);
    expect(() => sanitizeUrlForPac('not a url')).toThrow(TypeError);
  });

});

describe('IP literals (IPAddress::AssignFromIPLiteral through the URL parser)', () => {
  const print = (text: string): string | null => {
    const address = parseIpLiteral(text);
    return address === null ? null : formatIpAddress(address);
  };

  it('accepts the URL IPv4 forms and unbracketed IPv6', () => {
    expect(['127.1', '0x7f.0.0.1', '3232235777', '1.2.3.4.', '::1', '::192.168.1.1', 'FC00::'].map(print)).toEqual([
      '127.0.0.1', '127.0.0.1', '192.168.1.1', '1.2.3.4', '::1', '::c0a8:101', 'fc00::',
    ]);
  });

  it('rejects text the raw Chromium parser rejects, even where the URL parser would be lenient', () => {
    for (const text of ['127.0.0.1 ', ' 127.0.0.1', '127.0.0.1\t', '%31.0.0.1', '[::1]', 'fe80::1%eth0', '256.0.0.1', '0:0:0:1', 'foo', '', '1.2.3.4/8']) {
      expect({ text, parsed: print(text) }).toEqual({ text, parsed: null });
    }
  });

  it('parses CIDR blocks with trimmed halves and no brackets', () => {
    expect(parseCidrBlock(' 10.0.0.0 / 8 ')?.prefixLength).toBe(8);
    expect(parseCidrBlock('[a:b:c:d::]/48')).toBeNull();
    expect(parseCidrBlock('10.0.0.0/33')).toBeNull();
    expect(parseCidrBlock('10.0.0.0/+8')).toBeNull();
    expect(parseCidrBlock('10.0.0.0')).toBeNull();
  });
});
