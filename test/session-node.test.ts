// Node-only session behaviour: a second process opening the same persistent partition, and the
// `system` proxy mode read from the environment.
import * as esbuild from 'esbuild';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { session } from '../hosts/node/index.ts';
import { systemProxyFromEnv } from '../core/src/session/system-proxy.ts';

let root: string;
let holderScript: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'sa-session-'));
  holderScript = path.join(root, 'session-holder.mjs');
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./fixtures/session-holder.ts', import.meta.url))],
    bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: holderScript, logLevel: 'warning',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

function runHolder(dataDir: string, partition: string): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [holderScript, dataDir, partition], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve({ child, line: out.slice(0, nl) });
    });
    child.on('exit', (code) => { if (!out.includes('\n')) reject(new Error(`holder exited with ${code} before reporting`)); });
  });
}

describe('a persistent partition opened by two processes', () => {
  it('gives the second process ERR_STORAGE_LOCKED naming the folder, and lets it in once the first is killed', async () => {
    const dataDir = path.join(root, 'data');
    const first = await runHolder(dataDir, 'persist:shared');
    expect(first.line).toBe('open');
    const second = await runHolder(dataDir, 'persist:shared');
    expect(second.line).toMatch(/^error ERR_STORAGE_LOCKED /);
    expect(second.line).toContain(path.join(dataDir, 'Partitions', 'shared'));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const third = await runHolder(dataDir, 'persist:shared');
    expect(third.line).toBe('open');
  }, 30_000);
});

describe('system proxy settings from the environment (Linux, as Chromium reads them)', () => {
  const env = (vars: Record<string, string>) => (name: string): string | undefined => vars[name];

  it('is nothing when no variable is set, and direct-with-bypass when only no_proxy is', () => {
    expect(systemProxyFromEnv(env({}))).toEqual({ kind: 'none' });
    expect(systemProxyFromEnv(env({ no_proxy: '*' }))).toEqual({ kind: 'fixed', proxyRules: '', bypassRules: '*' });
  });

  it('reads lower case first, then upper case, and drops the value\'s own scheme and userinfo', () => {
    expect(systemProxyFromEnv(env({ HTTP_PROXY: 'http://user:pw@p1:3128/', https_proxy: 'https://p2:8443' }))).toEqual({
      kind: 'fixed', proxyRules: 'http=p1:3128;https=p2:8443', bypassRules: '',
    });
    expect(systemProxyFromEnv(env({ http_proxy: 'lower:1', HTTP_PROXY: 'upper:2' }))).toMatchObject({ proxyRules: 'http=lower:1' });
  });

  it('prefers all_proxy, then falls back to SOCKS_SERVER with SOCKS_VERSION', () => {
    expect(systemProxyFromEnv(env({ all_proxy: 'socks5://s:1080', http_proxy: 'h:1' }))).toMatchObject({ proxyRules: 's:1080' });
    expect(systemProxyFromEnv(env({ SOCKS_SERVER: 's:9050' }))).toMatchObject({ proxyRules: 'socks5://s:9050' });
    expect(systemProxyFromEnv(env({ SOCKS_SERVER: 's:9050', SOCKS_VERSION: '4' }))).toMatchObject({ proxyRules: 'socks4://s:9050' });
    expect(systemProxyFromEnv(env({ SOCKS_SERVER: 'socks4://s' }))).toMatchObject({ proxyRules: 'socks4://s:1080' });
  });

  it('treats auto_proxy as a PAC URL, or auto-detection when empty', () => {
    expect(systemProxyFromEnv(env({ auto_proxy: '' }))).toEqual({ kind: 'auto_detect' });
    expect(systemProxyFromEnv(env({ auto_proxy: 'http://pac.example/p.pac' }))).toEqual({ kind: 'pac', url: 'http://pac.example/p.pac' });
  });

  it('resolves through setProxy({ mode: "system" }) with suffix-matching no_proxy', async () => {
    const saved = { ...process.env };
    try {
      // Start from an environment with no proxy settings, whatever the machine running this has.
      for (const name of ['auto_proxy', 'all_proxy', 'http_proxy', 'https_proxy', 'ftp_proxy', 'no_proxy', 'socks_server', 'socks_version']) {
        delete process.env[name];
        delete process.env[name.toUpperCase()];
      }
      process.env.http_proxy = 'envproxy:3128';
      process.env.no_proxy = 'internal.test,.corp.test';
      const ses = session.fromPartition('system-env');
      await ses.setProxy({ mode: 'system' });
      expect(await ses.resolveProxy('http://example.com/')).toBe('PROXY envproxy:3128');
      expect(await ses.resolveProxy('https://example.com/')).toBe('DIRECT');
      expect(await ses.resolveProxy('http://www.internal.test/')).toBe('DIRECT');
      expect(await ses.resolveProxy('http://myinternal.test/')).toBe('DIRECT');
      expect(await ses.resolveProxy('http://a.corp.test/')).toBe('DIRECT');
      expect(await ses.resolveProxy('http://localhost/')).toBe('DIRECT');
      process.env.http_proxy = 'other:8080';
      await ses.forceReloadProxyConfig();
      expect(await ses.resolveProxy('http://example.com/')).toBe('PROXY other:8080');
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});

describe('ses.fetch routes the way resolveProxy answers (Node)', () => {
  it('sends an http: request through the HTTP proxy in absolute form, and goes direct when bypassed', async () => {
    // @ts-expect-error plain .mjs test helper
    const { startHttpProxy } = await import('./harness/http-proxy.mjs');
    const { startFixturesServer } = await import('./harness/fixtures-server.mjs' as string);
    const proxy = await startHttpProxy();
    const origin = await startFixturesServer();
    try {
      const ses = session.fromPartition('route-http-proxy');
      await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' });
      const target = `${origin.url}/echo?via=proxy`;
      expect(await ses.resolveProxy(target)).toBe(`PROXY 127.0.0.1:${proxy.port}`);
      const echo = await (await ses.fetch(target)).json();
      expect(echo.url).toBe('/echo?via=proxy');
      expect(proxy.seen.map((s: { method: string; target: string }) => `${s.method} ${s.target}`)).toEqual([`GET ${target}`]);

      await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}` });
      expect(await ses.resolveProxy(target)).toBe('DIRECT');
      await (await ses.fetch(target)).text();
      expect(proxy.seen).toHaveLength(1);
    } finally {
      await proxy.close();
      await origin.close();
    }
  });
});

describe('response headers on Node', () => {
  it('keeps each Set-Cookie value separate', async () => {
    const { startFixturesServer } = await import('./harness/fixtures-server.mjs' as string);
    const origin = await startFixturesServer();
    try {
      const res = await session.fromPartition('set-cookie-values').fetch(`${origin.url}/two-cookies`);
      expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    } finally {
      await origin.close();
    }
  });
});

describe('PAC sources only Node reaches', () => {
  it('loads a PAC script from a file: URL (capability "file-urls")', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { pathToFileURL } = await import('node:url');
    const file = path.join(root, 'proxy.pac');
    await writeFile(file, 'function FindProxyForURL(url, host) { return dnsDomainIs(host, ".corp.test") ? "PROXY corp:8080" : "DIRECT"; }');
    const ses = session.fromPartition('pac-file');
    await ses.setProxy({ pacScript: pathToFileURL(file).href });
    expect(await ses.resolveProxy('http://a.corp.test/')).toBe('PROXY corp:8080');
    expect(await ses.resolveProxy('http://example.com/')).toBe('DIRECT');
    await ses.setProxy({ pacScript: pathToFileURL(path.join(root, 'missing.pac')).href });
    expect(await ses.resolveProxy('http://example.com/')).toBe('');
  });

  it('falls back to DIRECT when a non-mandatory PAC (system auto_proxy) fails (resolveWithPac pacMandatory:false vectors)', async () => {
    const { readFile } = await import('node:fs/promises');
    const vectors = JSON.parse(await readFile(new URL('../../shared/vectors/proxy/chromium.json', import.meta.url), 'utf8'));
    const cases = (vectors.resolveWithPac as Array<{ pacMandatory?: boolean; url: string; expected: string }>).filter((v) => v.pacMandatory === false);
    expect(cases.length).toBe(1);
    const { startFixturesServer } = await import('./harness/fixtures-server.mjs' as string);
    const fixtures = await startFixturesServer();
    const saved = process.env.auto_proxy;
    try {
      process.env.auto_proxy = `${fixtures.url}/pac?body=${encodeURIComponent('function FindProxyForURL() { throw new Error("runtime error"); }')}`;
      const ses = session.fromPartition('pac-not-mandatory');
      await ses.setProxy({ mode: 'system' });
      for (const v of cases) expect(await ses.resolveProxy(v.url)).toBe(v.expected);
      // The same script as Electron's pac_script is mandatory: the lookup fails.
      await ses.setProxy({ pacScript: process.env.auto_proxy });
      expect(await ses.resolveProxy(cases[0]!.url)).toBe('');
    } finally {
      if (saved === undefined) delete process.env.auto_proxy;
      else process.env.auto_proxy = saved;
      await fixtures.close();
    }
  });
});
