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
