// The Session API suite, run unchanged on Node (vitest), Deno and headless Chromium.
import { describe, it, expect, beforeAll } from '../harness/api.ts';
import { host } from '../harness/host.ts';

const { session, app } = host;
const pacUrl = (body: string): string => `${host.fixturesUrl}/pac?body=${encodeURIComponent(body)}`;

/** A vector's PAC body; templated ones read `<script with ${name}> with name=value`. */
function pacBodyOf(text: string | undefined): string {
  const m = /^(.*) with (\w+)=(\S+)$/.exec(text ?? '');
  return m ? m[1]!.replaceAll(`\${${m[2]}}`, m[3]!) : (text ?? '');
}

function configFrom(vector: Record<string, unknown>, pacBody?: string): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(vector)) {
    if (value === null) continue;
    config[key] = value === '<PAC_URL>' || (typeof value === 'string' && value.startsWith('http://127.0.0.1:<port>')) ? pacUrl(pacBodyOf(pacBody)) : (value as string);
  }
  return config;
}

let sessionJson: any;
let chromiumJson: any;
beforeAll(async () => {
  sessionJson = await host.loadShared('vectors/electron/session.json');
  chromiumJson = await host.loadShared('vectors/proxy/chromium.json');
});

describe(`session module on ${host.name}`, () => {
  it('gives the default session for "" and "persist:", and the same object for the same partition', () => {
    expect(session.fromPartition('')).toBe(session.defaultSession);
    expect(session.fromPartition('persist:')).toBe(session.defaultSession);
    expect(session.fromPartition('persist:same')).toBe(session.fromPartition('persist:same'));
    expect(session.fromPartition('same')).not.toBe(session.fromPartition('persist:same'));
    expect(session.fromPartition('persist:Foo')).not.toBe(session.fromPartition('persist:foo'));
  });

  it('computes storage paths and persistence as Electron does (partitions vectors)', () => {
    const root = app.getPath('sessionData');
    let checked = 0;
    for (const v of sessionJson.partitions as any[]) {
      const m = /^session\.(fromPartition|fromPath)\('([^']*)'\)$/.exec(v.call ?? '');
      if (!m) continue;
      const [, fn, arg] = m as unknown as [string, 'fromPartition' | 'fromPath', string];
      if (v.throws) {
        expect(() => session[fn](arg), v.call).toThrow(v.throws);
        expect(() => session[fn](arg)).toThrow(TypeError);
      } else {
        const ses = session[fn](arg);
        const expected = v.storagePath === null ? null : String(v.storagePath).replace('<sessionData>', root);
        expect(ses.getStoragePath(), v.call).toBe(expected);
        expect(ses.storagePath).toBe(expected);
        expect(ses.isPersistent(), v.call).toBe(v.isPersistent);
        if (v.sameAs === 'session.defaultSession') expect(ses).toBe(session.defaultSession);
      }
      checked++;
    }
    expect(checked).toBe(9);
  });

  it('refuses new Session() and bad arguments with clear errors', () => {
    expect(() => new (session.Session as any)()).toThrow("Session objects cannot be created with 'new'");
    expect(() => session.fromPartition(42 as any)).toThrow(/fromPartition expects a string partition, got number 42/);
    expect(() => session.fromPartition('x', { cache: 'yes' } as any)).toThrow(/options.cache must be a boolean/);
  });
});

describe(`user agent on ${host.name}`, () => {
  it('sets and gets the user agent (userAgent vectors)', () => {
    const ses = session.fromPartition('ua-get');
    expect(ses.getUserAgent()).toMatch(/^Mozilla\/5\.0 \(/);
    ses.setUserAgent('test-agent');
    expect(ses.getUserAgent()).toBe('test-agent');
    expect(() => ses.setUserAgent(5 as any)).toThrow(TypeError);
  });

  it('sends User-Agent and a Chromium Accept-Language header (acceptLanguage vectors)', async () => {
    for (const [i, v] of (sessionJson.acceptLanguage as any[]).entries()) {
      const ses = session.fromPartition(`accept-language-${i}`);
      ses.setUserAgent('test-agent', v.input);
      const echo = await (await ses.fetch(`${host.fixturesUrl}/echo`)).json();
      expect(echo.headers['accept-language'], v.input).toBe(v.header);
      if (host.capabilities.has('set-user-agent-header')) expect(echo.headers['user-agent']).toBe('test-agent');
    }
  });

  it.skipIf(!host.capabilities.has('set-user-agent-header'))('lets a request override the User-Agent (capability "set-user-agent-header")', async () => {
    const ses = session.fromPartition('ua-override');
    ses.setUserAgent('session-agent');
    const echo = await (await ses.fetch(`${host.fixturesUrl}/echo`, { headers: { 'user-agent': 'mine' } })).json();
    expect(echo.headers['user-agent']).toBe('mine');
  });
});

describe(`setProxy / resolveProxy on ${host.name}`, () => {
  it('accepts and rejects modes as Electron does (setProxyOutcomes vectors)', async () => {
    const ses = session.fromPartition('proxy-outcomes');
    for (const v of sessionJson.setProxyOutcomes as any[]) {
      const p = ses.setProxy(v.config);
      if (v.outcome === 'reject') await expect(p).rejects.toThrow(v.message);
      else await expect(p).resolves.toBeUndefined();
    }
    await expect(ses.setProxy({ proxyRules: 5 } as any)).rejects.toThrow(/ProxyConfig.proxyRules number 5: expected a string/);
    await expect(ses.setProxy(null as any)).rejects.toThrow(TypeError);
  });

  it('answers every Electron resolveProxy vector', async () => {
    const vectors = sessionJson.resolveProxy as any[];
    expect(vectors.length).toBe(32);
    for (const v of vectors) {
      const ses = session.fromPartition(`resolve-${v.id}`);
      await ses.setProxy(configFrom(v.config, v.pacBody) as any);
      expect(await ses.resolveProxy(v.url), `${v.id} ${JSON.stringify(v.config)} ${v.url}`).toBe(v.expected);
    }
  });

  it('passes Electron\'s own setProxy spec table (spec/api-session-spec.ts, ses.setProxy)', async () => {
    const ses = session.fromPartition('proxyconfig');
    const table: Array<[Record<string, string>, string, string]> = [
      [{ mode: 'direct', proxyRules: 'http=myproxy:80' }, 'http://example.com/', 'DIRECT'],
      [{ mode: 'fixed_servers', proxyRules: 'http=myproxy:80' }, 'http://example.com/', 'PROXY myproxy:80'],
      [{ mode: 'pac_script' }, 'http://example.com/', 'DIRECT'],
      [{ proxyRules: 'http=myproxy:80', proxyBypassRules: '<local>' }, 'http://example/', 'DIRECT'],
      [{ proxyRules: 'http=myproxy:80', proxyBypassRules: '<-loopback>' }, 'http://localhost', 'PROXY myproxy:80'],
    ];
    for (const [config, url, expected] of table) {
      await ses.setProxy(config as any);
      expect(await ses.resolveProxy(url), JSON.stringify(config)).toBe(expected);
    }
  });

  it('answers the electronResolveProxy vectors from Chromium\'s set', async () => {
    let n = 0;
    for (const v of chromiumJson.electronResolveProxy as any[]) {
      const ses = session.fromPartition(`electron-resolve-${n++}`);
      await ses.setProxy(configFrom(v.config, v.pacScriptBody) as any);
      if (v.url !== null) expect(await ses.resolveProxy(v.url), JSON.stringify(v)).toBe(v.expected);
    }
    expect(n).toBe(8);
  });

  it('applies implicit bypass before the PAC script and normalises its answer (resolveWithPac vectors)', async () => {
    let n = 0;
    for (const v of chromiumJson.resolveWithPac as any[]) {
      const ses = session.fromPartition(`with-pac-${n++}`);
      const body = v.pacError
        ? 'function FindProxyForURL(url, host) { throw new Error("runtime error"); }'
        : `function FindProxyForURL(url, host) { return ${JSON.stringify(v.pacResult)}; }`;
      if (v.pacMandatory === false) {
        // Electron's pac_script is always mandatory; the non-mandatory case (a system auto_proxy
        // PAC) runs in test/session-node.test.ts, where the environment can be set.
        continue;
      }
      await ses.setProxy({ pacScript: pacUrl(body) });
      const expected = v.expectedError ? '' : v.expected;
      expect(await ses.resolveProxy(v.url), `${v.url}`).toBe(expected);
      if (v.expectedError) {
        await expect(ses.fetch(v.url)).rejects.toMatchObject({ code: v.expectedError, message: `net::${v.expectedError}` });
      }
    }
    expect(n).toBe(20);
  });

  it('re-fetches the PAC script on forceReloadProxyConfig (8132 then 8133)', async () => {
    const ses = session.fromPartition('pac-reload');
    await ses.setProxy({ mode: 'pac_script', pacScript: `${host.fixturesUrl}/pac/versioned?s=${Math.random()}` });
    const first = await ses.resolveProxy('https://google.com');
    expect(first).toMatch(/^PROXY myproxy:\d+$/);
    await ses.forceReloadProxyConfig();
    const second = await ses.resolveProxy('https://google.com');
    expect(Number(second.split(':')[1])).toBe(Number(first.split(':')[1]) + 1);
  });

  it('loads PAC scripts from data: URLs', async () => {
    const ses = session.fromPartition('pac-data');
    const script = 'function FindProxyForURL(url, host) { return isPlainHostName(host) ? "DIRECT" : "PROXY p:1;SOCKS5 s"; }';
    await ses.setProxy({ pacScript: `data:application/x-ns-proxy-autoconfig;base64,${btoa(script)}` });
    expect(await ses.resolveProxy('http://intranet/')).toBe('DIRECT');
    expect(await ses.resolveProxy('http://example.com/')).toBe('PROXY p:1;SOCKS5 s:1080');
  });

  it('resolves "" for a PAC script that cannot be fetched, and for one that returns garbage types', async () => {
    const ses = session.fromPartition('pac-broken');
    await ses.setProxy({ pacScript: `${host.fixturesUrl}/status?code=404` });
    expect(await ses.resolveProxy('http://example.com/')).toBe('');
    expect(await ses.resolveProxy('http://localhost/')).toBe('DIRECT');
    await ses.setProxy({ pacScript: pacUrl('function FindProxyForURL() { return 42; }') });
    expect(await ses.resolveProxy('http://example.com/')).toBe('');
    await ses.setProxy({ pacScript: pacUrl('function FindProxyForURL() { return "garbage"; }') });
    expect(await ses.resolveProxy('http://example.com/')).toBe('DIRECT');
  });

  it('stops a PAC script that never returns and stays usable', async () => {
    const ses = session.fromPartition('pac-loop');
    await ses.setProxy({ pacScript: pacUrl('function FindProxyForURL() { for (;;) {} }') });
    expect(await ses.resolveProxy('http://example.com/')).toBe('');
    await ses.setProxy({ proxyRules: 'p:3' });
    expect(await ses.resolveProxy('http://example.com/')).toBe('PROXY p:3');
  }, 30_000);

  it('answers lookups in arrival order', async () => {
    const ses = session.fromPartition('fifo');
    await ses.setProxy({ proxyRules: 'http=a:1;https=b:2' });
    const answers = await Promise.all(['http://x/', 'https://x/', 'ftp://x/', 'http://x/'].map((u) => ses.resolveProxy(u)));
    expect(answers).toEqual(['PROXY a:1', 'PROXY b:2', 'DIRECT', 'PROXY a:1']);
    expect(await ses.resolveProxy('not a url')).toBe('');
  });

  it('accepts mode "system" and resolves from the host settings', async () => {
    const ses = session.fromPartition('system-mode');
    await ses.setProxy({ mode: 'system' });
    expect(await ses.resolveProxy('http://localhost/')).toBe('DIRECT');
  });
});

describe(`ses.fetch on ${host.name}`, () => {
  it('sends method, headers and body and returns the response', async () => {
    const ses = session.fromPartition('fetch-basic');
    const res = await ses.fetch(`${host.fixturesUrl}/echo?x=1`, { method: 'POST', body: 'hello', headers: { 'x-test': 'yes' } });
    expect(res.status).toBe(200);
    const echo = await res.json();
    expect(echo).toMatchObject({ method: 'POST', url: '/echo?x=1', body: 'hello' });
    expect(echo.headers['x-test']).toBe('yes');
  });

  it('decodes gzip, deflate and br response bodies', async () => {
    const ses = session.fromPartition('fetch-encodings');
    for (const coding of ['gzip', 'deflate', 'br']) {
      const res = await ses.fetch(`${host.fixturesUrl}/encoded?coding=${coding}`);
      expect(await res.text(), coding).toBe('compressed hello '.repeat(100));
    }
  });

  it('gives HEAD and 204 answers a null body', async () => {
    const ses = session.fromPartition('fetch-null-body');
    const head = await ses.fetch(`${host.fixturesUrl}/echo`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    const empty = await ses.fetch(`${host.fixturesUrl}/no-content`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('sends every body kind with its content type', async () => {
    const ses = session.fromPartition('fetch-body-kinds');
    const send = async (body: BodyInit) => (await (await ses.fetch(`${host.fixturesUrl}/echo`, { method: 'POST', body })).json()) as { body: string; headers: Record<string, string> };
    const form = new FormData();
    form.append('field', 'value');
    const multipart = await send(form);
    expect(multipart.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(multipart.body).toContain('name="field"');
    expect(multipart.body).toContain('value');
    const params = await send(new URLSearchParams({ a: '1', b: 'x y' }));
    expect(params).toMatchObject({ body: 'a=1&b=x+y' });
    expect(params.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    const blob = await send(new Blob(['blob body'], { type: 'text/x-test' }));
    expect(blob).toMatchObject({ body: 'blob body' });
    expect(blob.headers['content-type']).toBe('text/x-test');
    expect(await send(new TextEncoder().encode('bytes').buffer as ArrayBuffer)).toMatchObject({ body: 'bytes' });
    expect(await send(new TextEncoder().encode('view'))).toMatchObject({ body: 'view' });
  });

  it('accepts a Request object', async () => {
    const ses = session.fromPartition('fetch-request');
    const echo = await (await ses.fetch(new Request(`${host.fixturesUrl}/echo`, { method: 'PUT', body: 'r', headers: { 'x-r': '1' } }))).json();
    expect(echo).toMatchObject({ method: 'PUT', body: 'r' });
    expect(echo.headers['x-r']).toBe('1');
  });

  it('rejects bad input with clear errors', async () => {
    const ses = session.fromPartition('fetch-bad');
    await expect(ses.fetch('not a url')).rejects.toThrow(/ses.fetch expects a valid URL, got "not a url"/);
    await expect(ses.fetch('ftp://example.com/')).rejects.toMatchObject({ code: 'ERR_UNKNOWN_URL_SCHEME', message: 'net::ERR_UNKNOWN_URL_SCHEME' });
  });

  it('fails with net::ERR_NO_SUPPORTED_PROXIES when the chosen proxy list is empty', async () => {
    const ses = session.fromPartition('fetch-empty-list');
    await ses.setProxy({ proxyRules: 'quic://foopy:443' });
    await expect(ses.fetch('http://example.com/')).rejects.toMatchObject({ code: 'ERR_NO_SUPPORTED_PROXIES' });
  });

  // Port 1 on loopback refuses connections: a proxy that cannot be reached.
  it.skipIf(!host.capabilities.has('choose-route'))('moves past an unreachable proxy to DIRECT and lists it last (capability "choose-route")', async () => {
    const ses = session.fromPartition('fetch-failover');
    await ses.setProxy({ proxyRules: 'http://127.0.0.1:1,direct://', proxyBypassRules: '<-loopback>' });
    expect(await ses.resolveProxy(`${host.fixturesUrl}/echo`)).toBe('PROXY 127.0.0.1:1;DIRECT');
    expect((await ses.fetch(`${host.fixturesUrl}/echo?f=1`)).status).toBe(200);
    expect(await ses.resolveProxy(`${host.fixturesUrl}/echo`)).toBe('DIRECT;PROXY 127.0.0.1:1');
    await ses.setProxy({ proxyRules: 'http://127.0.0.1:1', proxyBypassRules: '<-loopback>' });
    await expect(ses.fetch(`${host.fixturesUrl}/echo`)).rejects.toMatchObject({ code: 'ERR_PROXY_CONNECTION_FAILED', message: 'net::ERR_PROXY_CONNECTION_FAILED' });
  });

  it.skipIf(!host.capabilities.has('choose-route'))('sends requests through real HTTP and SOCKS5 proxies, as the proxies see it (capability "choose-route")', async () => {
    const ports = await (await fetch(`${host.fixturesUrl}/proxies`)).json();
    const seen = async (kind: string): Promise<Array<{ method: string; target: string; addressType?: string }>> =>
      (await fetch(`${host.fixturesUrl}/proxies/${kind}/seen`)).json();
    // `localhost` rather than 127.0.0.1, so SOCKS5 shows whether the name reached the proxy.
    const target = `${host.fixturesUrl.replace('127.0.0.1', 'localhost')}/echo?via=`;
    const port = new URL(host.fixturesUrl).port;

    const viaHttp = session.fromPartition('route-real-http');
    await viaHttp.setProxy({ proxyRules: `http=127.0.0.1:${ports.http}`, proxyBypassRules: '<-loopback>' });
    expect(await viaHttp.resolveProxy(`${target}http`)).toBe(`PROXY 127.0.0.1:${ports.http}`);
    expect((await (await viaHttp.fetch(`${target}http`)).json()).url).toBe('/echo?via=http');
    expect((await seen('http')).filter((s) => s.target === `${target}http`)).toHaveLength(1);

    const viaSocks = session.fromPartition('route-real-socks5');
    await viaSocks.setProxy({ proxyRules: `socks5://127.0.0.1:${ports.socks5}`, proxyBypassRules: '<-loopback>' });
    expect(await viaSocks.resolveProxy(`${target}socks5`)).toBe(`SOCKS5 127.0.0.1:${ports.socks5}`);
    expect((await (await viaSocks.fetch(`${target}socks5`)).json()).url).toBe('/echo?via=socks5');
    const socksSeen = (await seen('socks5')).filter((s) => s.target.endsWith(`:${port}`));
    expect(socksSeen.length).toBeGreaterThanOrEqual(1);
    // Chromium's SOCKS5 resolves remotely: the proxy gets the name, not an address.
    expect(socksSeen[0]).toMatchObject({ target: `localhost:${port}`, addressType: 'name' });
  });

  it.skipIf(!host.capabilities.has('proxy-auth'))('answers a proxy\'s 407 through login, sends the Basic credentials again from the cache and asks again after clearAuthCache (capability "proxy-auth")', async () => {
    const ports = await (await fetch(`${host.fixturesUrl}/proxies`)).json();
    const url = `${host.fixturesUrl}/echo?via=proxy-auth-${host.name}`;
    const seen = async (): Promise<Array<{ target: string; proxyAuthorization?: string }>> =>
      ((await (await fetch(`${host.fixturesUrl}/proxies/httpAuth/seen`)).json()) as Array<{ target: string; proxyAuthorization?: string }>).filter((s) => s.target === url);
    const ses = session.fromPartition('route-proxy-auth');
    await ses.setProxy({ proxyRules: `http://127.0.0.1:${ports.httpAuth}`, proxyBypassRules: '<-loopback>' });
    const asked: any[] = [];
    ses.on('login', (event: any, details: any, authInfo: any, callback: (u?: string, p?: string) => void) => {
      asked.push({ details, authInfo });
      event.preventDefault();
      callback('user', 'pass');
    });
    const credentials = `Basic ${btoa('user:pass')}`;
    const res = await ses.fetch(url);
    expect(res.status).toBe(200);
    expect((await res.json()).url).toBe(`/echo?via=proxy-auth-${host.name}`);
    expect(asked).toEqual([{ details: { url }, authInfo: { isProxy: true, scheme: 'basic', host: '127.0.0.1', port: ports.httpAuth, realm: 'Sandbox' } }]);
    expect((await seen()).map((s) => s.proxyAuthorization)).toEqual([undefined, credentials]);
    // Cached: sent before any challenge, no second login.
    expect((await ses.fetch(url)).status).toBe(200);
    expect(asked).toHaveLength(1);
    expect((await seen()).map((s) => s.proxyAuthorization)).toEqual([undefined, credentials, credentials]);
    await ses.clearAuthCache();
    expect((await ses.fetch(url)).status).toBe(200);
    expect(asked).toHaveLength(2);
    expect((await seen()).map((s) => s.proxyAuthorization)).toEqual([undefined, credentials, credentials, undefined, credentials]);
  });

  it.skipIf(host.capabilities.has('choose-route'))('cannot send a request through a proxy (no capability "choose-route")', async () => {
    const ses = session.fromPartition('fetch-no-route');
    await ses.setProxy({ proxyRules: 'http://127.0.0.1:1,direct://', proxyBypassRules: '<-loopback>' });
    await expect(ses.fetch(`${host.fixturesUrl}/echo`)).rejects.toMatchObject({ code: 'ERR_CAPABILITY_UNAVAILABLE' });
  });
});

describe(`storage through a session on ${host.name}`, () => {
  it('keeps data in a persistent session store across flushes', async () => {
    const ses = session.fromPath(host.tempDir());
    const store = await ses.getStore();
    expect(await ses.getStore()).toBe(store);
    await store.set('test', 'k', new TextEncoder().encode('v'));
    await store.flush();
    expect(new TextDecoder().decode(await store.get('test', 'k'))).toBe('v');
  });

  it('gives each in-memory session its own store', async () => {
    const a = await session.fromPartition('mem-a').getStore();
    const b = await session.fromPartition('mem-b').getStore();
    await a.set('x', 'k', new Uint8Array([1]));
    expect(await b.get('x', 'k')).toBeUndefined();
  });
});

// A browser answers 401 challenges with its own prompt before the page sees the response.
describe.skipIf(!host.capabilities.has('auth-challenges'))(`origin authentication on ${host.name} (capability "auth-challenges")`, () => {
  it('asks the login listeners with Electron\'s authInfo, retries with Basic credentials and remembers them until clearAuthCache', async () => {
    const ses = session.fromPartition('origin-auth');
    const asked: any[] = [];
    ses.on('login', (event: any, details: any, authInfo: any, callback: (u?: string, p?: string) => void) => {
      asked.push({ details, authInfo });
      event.preventDefault();
      callback('user', 'pass');
    });
    const url = `${host.fixturesUrl}/auth-basic`;
    const res = await ses.fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('welcome');
    const port = Number(new URL(host.fixturesUrl).port);
    expect(asked).toEqual([{ details: { url }, authInfo: { isProxy: false, scheme: 'basic', host: '127.0.0.1', port, realm: 'Sandbox' } }]);
    expect((await ses.fetch(url)).status).toBe(200);
    expect(asked).toHaveLength(1);
    await ses.clearAuthCache();
    expect((await ses.fetch(url)).status).toBe(200);
    expect(asked).toHaveLength(2);
  });

  it('returns the 401 when nobody answers the login event', async () => {
    const ses = session.fromPartition('origin-auth-none');
    const res = await ses.fetch(`${host.fixturesUrl}/auth-basic`);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('who are you?');
  });
});

describe(`resolveHost on ${host.name}`, () => {
  it('answers the resolveHost vectors under Electron\'s --host-resolver-rules', async () => {
    const vectors = sessionJson.resolveHost;
    app.commandLine.appendSwitch('host-resolver-rules', (vectors.hostResolverRules as string[]).join(', '));
    expect(app.commandLine.hasSwitch('host-resolver-rules')).toBe(true);
    const ses = session.fromPartition('resolve-host-vectors');
    expect((vectors.cases as any[]).length).toBe(5);
    for (const v of vectors.cases as any[]) {
      const answer = ses.resolveHost(v.host, v.options ?? undefined);
      if (v.expected) expect(await answer, `${v.host} ${JSON.stringify(v.options)}`).toEqual(v.expected);
      else await expect(answer, `${v.host} ${JSON.stringify(v.options)}`).rejects.toThrow(v.rejectMatches);
    }
  });

  it('answers IP literals and localhost without DNS, ignores unknown option strings, and checks types', async () => {
    const ses = session.fromPartition('resolve-host-local');
    expect(await ses.resolveHost('127.0.0.1')).toEqual({ endpoints: [{ address: '127.0.0.1', family: 'ipv4' }] });
    expect(await ses.resolveHost('[::1]')).toEqual({ endpoints: [{ address: '::1', family: 'ipv6' }] });
    expect(await ses.resolveHost('localhost', { queryType: 'A' })).toEqual({ endpoints: [{ address: '127.0.0.1', family: 'ipv4' }] });
    expect(await ses.resolveHost('127.0.0.1', { queryType: 'nope', cacheUsage: 'nope' } as any)).toEqual({ endpoints: [{ address: '127.0.0.1', family: 'ipv4' }] });
    await expect(ses.resolveHost('127.0.0.1', { queryType: 'AAAA' })).rejects.toMatchObject({ code: 'ERR_NAME_NOT_RESOLVED', message: 'net::ERR_NAME_NOT_RESOLVED' });
    await expect(ses.resolveHost(42 as any)).rejects.toThrow(/resolveHost expects a string host, got number 42/);
  });

  it('answers source "localOnly" from the cache only (ERR_DNS_CACHE_MISS), and clears the cache', async () => {
    const ses = session.fromPartition('resolve-host-local-only');
    await expect(ses.resolveHost('never-resolved.invalid', { source: 'localOnly' })).rejects.toThrow('net::ERR_DNS_CACHE_MISS');
    await expect(ses.clearHostResolverCache()).resolves.toBeUndefined();
  });

  it.skipIf(host.capabilities.has('dns'))('rejects names that need DNS, naming capability "dns"', async () => {
    const ses = session.fromPartition('resolve-host-no-dns');
    await expect(ses.resolveHost('example.com')).rejects.toMatchObject({ code: 'ERR_CAPABILITY_UNAVAILABLE', context: { capability: 'dns' } });
  });
});

describe(`net.fetch errors and redirects on ${host.name} (netFetch vectors)`, () => {
  const redirectTo = (to: string, code = 302): string => `${host.fixturesUrl}/redirect?code=${code}&to=${encodeURIComponent(to)}`;

  it.skipIf(!host.capabilities.has('manual-redirects'))('rejects redirects to file:, data:, about: and blob: with net::ERR_UNSAFE_REDIRECT (capability "manual-redirects")', async () => {
    const ses = session.fromPartition('fetch-unsafe-redirect');
    const cases = (sessionJson.netFetch as any[]).filter((v) => /^302 to /.test(v.case));
    expect(cases.length).toBe(4);
    for (const v of cases) {
      const target = v.case.slice('302 to '.length);
      await expect(ses.fetch(redirectTo(target)), v.case).rejects.toMatchObject({ code: v.rejectMatches, message: `net::${v.rejectMatches}` });
    }
  });

  it('follows redirects (url and redirected of the final response), and turns a 303 POST into GET', async () => {
    const ses = session.fromPartition('fetch-follow');
    const res = await ses.fetch(redirectTo(`${host.fixturesUrl}/echo?hop=2`, 301));
    expect(res.redirected).toBe(true);
    expect(res.url).toBe(`${host.fixturesUrl}/echo?hop=2`);
    expect((await res.json()).url).toBe('/echo?hop=2');
    const posted = await (await ses.fetch(redirectTo('/echo?after=303', 303), { method: 'POST', body: 'x' })).json();
    expect(posted).toMatchObject({ method: 'GET', body: '' });
  });

  it("rejects with Electron's message for redirect: 'error'", async () => {
    const ses = session.fromPartition('fetch-redirect-error');
    const v = (sessionJson.netFetch as any[]).find((c) => /redirect:'error'/.test(c.case));
    await expect(ses.fetch(redirectTo('/echo'), { redirect: 'error' })).rejects.toThrow(v.rejectContains);
  });

  it.skipIf(!host.capabilities.has('manual-redirects'))("answers redirect: 'manual' with the redirect itself (capability \"manual-redirects\")", async () => {
    const ses = session.fromPartition('fetch-redirect-manual');
    const res = await ses.fetch(redirectTo('/echo', 307), { redirect: 'manual' });
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('/echo');
    expect(res.redirected).toBe(false);
  });

  it.skipIf(!host.capabilities.has('network-error-detail'))('rejects an unknown host with net::ERR_NAME_NOT_RESOLVED (capability "network-error-detail")', async () => {
    const v = (sessionJson.netFetch as any[]).find((c) => /DNS failure/.test(c.case));
    const url = v.case.slice('DNS failure '.length);
    await expect(session.fromPartition('fetch-dns-failure').fetch(url)).rejects.toMatchObject({ code: v.rejectMatches });
  });

  it.skipIf(!host.capabilities.has('network-error-detail'))('fails the body of a response whose socket is destroyed mid-body (capability "network-error-detail")', async () => {
    const v = (sessionJson.netFetch as any[]).find((c) => /mid-body/.test(c.case));
    const res = await session.fromPartition('fetch-truncated').fetch(`${host.fixturesUrl}/truncated`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow(v.bodyRejectMatches);
  });

  it('rejects with the signal\'s reason when aborted', async () => {
    const controller = new AbortController();
    const ses = session.fromPartition('fetch-abort');
    const pending = ses.fetch(`${host.fixturesUrl}/hang`, { signal: controller.signal }).then((res) => res.text());
    controller.abort();
    await expect(pending).rejects.toBe(controller.signal.reason);
    if (host.name === 'node') {
      const v = (sessionJson.netFetch as any[]).find((c) => /AbortController/.test(c.case));
      await expect(pending).rejects.toThrow(v.rejectContains);
    }
  });

  it('closeAllConnections fails requests in flight with net::ERR_ABORTED, and the next request works', async () => {
    const ses = session.fromPartition('close-all');
    const res = await ses.fetch(`${host.fixturesUrl}/hang`);
    const body = res.text().then(() => null, (err: unknown) => err);
    await ses.closeAllConnections();
    // Chromium's Body.text() rejects with its own "Failed to fetch" whatever the stream's error was.
    if (host.capabilities.has('network-error-detail')) expect(await body).toMatchObject({ code: 'ERR_ABORTED', message: 'net::ERR_ABORTED' });
    else expect(await body).toBeInstanceOf(Error);
    expect((await (await ses.fetch(`${host.fixturesUrl}/echo`)).json()).method).toBe('GET');
  });

  it('validates preconnect as Electron does (miscErrors vectors)', () => {
    const ses = session.fromPartition('preconnect-validation');
    const vectors = (sessionJson.miscErrors as any[]).filter((v) => v.call.startsWith('ses.preconnect'));
    expect(vectors.length).toBe(2);
    expect(() => ses.preconnect({ url: 'not a url' })).toThrow(vectors[0].throws);
    expect(() => ses.preconnect({ url: '' })).toThrow(TypeError);
    expect(() => ses.preconnect({ url: host.fixturesUrl, numSockets: 7 })).toThrow(vectors[1].throws);
    expect(() => ses.preconnect({ url: host.fixturesUrl, numSockets: 0 })).toThrow(TypeError);
    expect(ses.preconnect({ url: host.fixturesUrl, numSockets: 2.5 })).toBeUndefined();
  });

  it('validates setSSLConfig and setCertificateVerifyProc as Electron does (sslConfig and miscErrors vectors)', () => {
    const ses = session.fromPartition('tls-validation');
    const conversion = (sessionJson.miscErrors as any[]).find((v) => v.call.startsWith('ses.setSSLConfig'));
    for (const bad of ['tls1', 'tls1.1', 'ssl3']) expect(() => ses.setSSLConfig({ minVersion: bad } as any), bad).toThrow(conversion.throws);
    expect(() => ses.setSSLConfig({ maxVersion: 'tls1.1' } as any)).toThrow(TypeError);
    expect(() => ses.setSSLConfig({ disabledCipherSuites: ['x'] } as any)).toThrow(TypeError);
    expect(() => ses.setSSLConfig({ minVersion: 'tls1.3', maxVersion: 'tls1.2' })).toThrow(/maxVersion "tls1.2" is lower than minVersion "tls1.3"/);
    for (const min of sessionJson.sslConfig.minVersion) for (const max of sessionJson.sslConfig.maxVersion) {
      if (min <= max) expect(() => ses.setSSLConfig({ minVersion: min, maxVersion: max, disabledCipherSuites: sessionJson.sslConfig.disabledCipherSuitesExample.value })).not.toThrow();
    }
    const verify = (sessionJson.miscErrors as any[]).find((v) => v.call.startsWith('ses.setCertificateVerifyProc'));
    expect(() => ses.setCertificateVerifyProc('x' as any)).toThrow(verify.throws);
    expect(() => ses.setCertificateVerifyProc(null)).not.toThrow();
  });

  it.skipIf(host.capabilities.has('certificate-verify-proc'))('refuses https requests it cannot verify the Electron way (capability "certificate-verify-proc")', async () => {
    const ses = session.fromPartition('verify-proc-unavailable');
    ses.setCertificateVerifyProc((_request, callback) => callback(0));
    await expect(ses.fetch('https://127.0.0.1:1/')).rejects.toMatchObject({ code: 'ERR_CAPABILITY_UNAVAILABLE', context: { capability: 'certificate-verify-proc' } });
  });
});
