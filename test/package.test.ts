// The published shape: the exports map picks the right bundle per host condition, each bundle
// carries the wasm core inside it, and Deno loads its bundle with no permissions at all.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

beforeAll(() => {
  // dist/ bundles come from the global setup (built once from the current sources, before any
  // test file runs); the type declarations only from `npm run build`.
  if (!existsSync(path.join(root, 'dist/types/hosts/node/index.d.ts')) || !existsSync(path.join(root, 'dist/types/core/src/interop/tough-cookie.d.ts')) || !existsSync(path.join(root, 'dist/types/core/src/interop/undici-cache-store.d.ts'))) {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }
}, 120_000);

describe('package exports', () => {
  it('maps "." by condition (types first) and names each host explicitly', () => {
    const dot = pkg.exports['.'];
    expect(Object.keys(dot)).toEqual(['types', 'deno', 'node', 'browser', 'default']);
    for (const hostName of ['node', 'deno', 'browser']) {
      expect(pkg.exports[`./${hostName}`].default).toBe(`./dist/${hostName}.js`);
      expect(dot[hostName]).toBe(`./dist/${hostName}.js`);
    }
    expect(pkg.sideEffects).toBe(false);
  });

  it('resolves "session-anywhere" to the Node bundle under Node and answers resolveProxy', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      const url = import.meta.resolve('session-anywhere');
      const m = await import('session-anywhere');
      await m.session.defaultSession.setProxy({ proxyRules: 'p:1' });
      console.log(url.endsWith('/dist/node.js'), await m.session.defaultSession.resolveProxy('http://a.test/'));
    `], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('true PROXY p:1');
  });

  it('loads the Deno bundle in real Deno with no permissions (the wasm core is inside it)', () => {
    const require = createRequire(import.meta.url);
    const denoBin = path.join(path.dirname(require.resolve('deno/package.json')), 'bin.cjs');
    const out = execFileSync(process.execPath, [denoBin, 'eval', '--no-prompt', `
      const m = await import(${JSON.stringify(path.join(root, 'dist/deno.js'))});
      const ses = m.session.fromPartition('smoke');
      await ses.setProxy({ proxyRules: 'http=a:1', proxyBypassRules: '.internal' });
      console.log(WebAssembly.Module.imports(new m.Core().module).length, await ses.resolveProxy('http://x.internal/'), await ses.resolveProxy('http://x.test/'));
    `], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(out.trim()).toBe('0 DIRECT PROXY a:1');
  });

  it('leaves no Node import in the browser bundle, so a browser bundler takes it as it is', async () => {
    const text = readFileSync(path.join(root, 'dist/browser.js'), 'utf8');
    expect(text).not.toMatch(/\bimport\s*\(\s*["']node:/);
    expect(text).not.toMatch(/\bfrom\s*["']node:/);
    // What an app's build does: bundle it again for the browser (esbuild fails on a node: import).
    const esbuild = await import('esbuild');
    const result = await esbuild.build({ entryPoints: [path.join(root, 'dist/browser.js')], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]?.text).toContain('resolveProxy');
  }, 60_000);

  it('offers session-anywhere/tough-cookie: one file for every host, working on the host bundle\'s sessions', () => {
    expect(pkg.exports['./tough-cookie']).toEqual({ types: './dist/types/core/src/interop/tough-cookie.d.ts', default: './dist/tough-cookie.js' });
    const types = readFileSync(path.join(root, pkg.exports['./tough-cookie'].types), 'utf8');
    expect(types).toContain('export declare class SessionCookieStore extends Store');
    expect(types).toContain('export declare function exportToughCookieJar');
    expect(types).toContain('export declare function importToughCookieJar');
    // It imports tough-cookie (shared with the program's own CookieJar) and no host code.
    const bundle = readFileSync(path.join(root, 'dist/tough-cookie.js'), 'utf8');
    expect(bundle).toMatch(/from "tough-cookie"/);
    expect(bundle).not.toMatch(/WebAssembly|node:/);
    const script = (sessionModule: string, interop: string) => `
      const { session } = await import(${JSON.stringify(sessionModule)});
      const { SessionCookieStore, exportToughCookieJar } = await import(${JSON.stringify(interop)});
      const { CookieJar } = await import('tough-cookie');
      const ses = session.fromPartition('tough-smoke');
      const jar = new CookieJar(new SessionCookieStore(ses.cookies));
      await jar.setCookie('a=1; Domain=example.com', 'https://www.example.com/');
      const [cookie] = await ses.cookies.get({});
      const serialized = await exportToughCookieJar(ses.cookies);
      console.log(cookie.domain, await jar.getCookieString('https://x.example.com/'), serialized.storeType, serialized.cookies.length);
    `;
    const node = execFileSync(process.execPath, ['--input-type=module', '-e', `
      console.log(import.meta.resolve('session-anywhere/tough-cookie').endsWith('/dist/tough-cookie.js'));
      ${script('session-anywhere', 'session-anywhere/tough-cookie')}
    `], { cwd: root, encoding: 'utf8' });
    expect(node.trim()).toBe('true\n.example.com a=1 SessionCookieStore 1');
    // Deno, with no permissions: the bare tough-cookie import resolves through node_modules.
    const require = createRequire(import.meta.url);
    const denoBin = path.join(path.dirname(require.resolve('deno/package.json')), 'bin.cjs');
    const deno = execFileSync(process.execPath, [denoBin, 'eval', '--no-prompt', script(path.join(root, 'dist/deno.js'), path.join(root, 'dist/tough-cookie.js'))], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(deno.trim()).toBe('.example.com a=1 SessionCookieStore 1');
  });

  it('offers session-anywhere/undici-cache-store (Node): undici\'s cache interceptor on the bundle\'s session cache', () => {
    expect(pkg.exports['./undici-cache-store']).toEqual({ types: './dist/types/core/src/interop/undici-cache-store.d.ts', default: './dist/undici-cache-store.js' });
    const types = readFileSync(path.join(root, pkg.exports['./undici-cache-store'].types), 'utf8');
    expect(types).toContain('export declare class SessionCacheStore');
    // It carries no copy of the cache or the core: it works through the session it is handed.
    expect(readFileSync(path.join(root, 'dist/undici-cache-store.js'), 'utf8')).not.toMatch(/WebAssembly/);
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      import http from 'node:http';
      const { session } = await import('session-anywhere');
      const { SessionCacheStore } = await import('session-anywhere/undici-cache-store');
      const { Agent, fetch, interceptors } = await import('undici');
      let hits = 0;
      const server = http.createServer((req, res) => { hits++; res.writeHead(200, { 'cache-control': 'max-age=60' }); res.end('hello'); }).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const url = 'http://127.0.0.1:' + server.address().port + '/';
      const ses = session.fromPartition('undici-store-smoke');
      const agent = new Agent().compose(interceptors.cache({ store: new SessionCacheStore(ses), type: 'private' }));
      const a = await (await fetch(url, { dispatcher: agent })).text();
      await new Promise((r) => setTimeout(r, 20));
      const b = await (await fetch(url, { dispatcher: agent })).text();
      console.log(a, b, hits, (await ses.getCacheSize()) > 0);
      await agent.close();
      server.close();
    `], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('hello hello 1 true');
  });

  it('ships type declarations for every host entry', () => {
    for (const hostName of ['node', 'deno', 'browser']) {
      const types = pkg.exports[`./${hostName}`].types as string;
      expect(types).toBe(`./dist/types/hosts/${hostName}/index.d.ts`);
      const text = readFileSync(path.join(root, types), 'utf8');
      expect(text).toContain('export declare const session');
    }
  });
});
