// The `session-anywhere` command, run as a child process from its bundle (dist/cli.js) against a
// loopback origin and a loopback HTTP proxy that records what passed through it.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs helper shared with the Deno and Chromium runners
import { startFixturesServer } from './harness/fixtures-server.mjs';
// @ts-expect-error plain .mjs helper
import { startHttpProxy } from './harness/http-proxy.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliPath = path.join(root, 'dist/cli.js');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string; bin?: Record<string, string> };

interface Fixtures { url: string; close(): Promise<void> }
interface Proxy { port: number; seen: { method: string; target: string; headers: Record<string, string> }[]; close(): Promise<void> }

let origin: Fixtures;
let proxy: Proxy;
let tmp: string;
let closedPort: number;
let silent: net.Server;
let silentPort: number;
let big: http.Server;
let bigUrl: string;
const BIG_BYTES = 3 * 1024 * 1024;

/** A port nothing listens on: bound, then closed. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  // dist/cli.js was bundled from the current sources by the global setup.
  origin = await startFixturesServer();
  proxy = await startHttpProxy();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'sa-cli-'));
  closedPort = await freePort();
  // Accepts connections and never answers (for --timeout).
  silent = net.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
  // A body over the progress bar's 1 MiB threshold, with or without a Content-Length.
  big = http.createServer((req, res) => {
    res.writeHead(200, req.url === '/chunked' ? {} : { 'content-length': String(BIG_BYTES) });
    for (let sent = 0; sent < BIG_BYTES; sent += 64 * 1024) res.write(Buffer.alloc(64 * 1024, 0x61));
    res.end();
  });
  await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
  bigUrl = `http://127.0.0.1:${(big.address() as net.AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await origin?.close();
  await proxy?.close();
  silent?.close();
  big?.close();
  await rm(tmp, { recursive: true, force: true });
});

interface Run { code: number | null; stdout: Buffer; out: string; err: string }

/** Runs the bin asynchronously (the servers live in this process, so it must not block). */
function cli(args: string[], options: { cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? tmp,
      // No proxy from the test machine's environment, no colours, a fixed config home.
      env: { PATH: process.env.PATH ?? '', HOME: tmp, XDG_CONFIG_HOME: path.join(tmp, 'config') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, out: stdout.toString('utf8'), err: Buffer.concat(err).toString('utf8') });
    });
  });
}

const proxyRules = (): string => `http=127.0.0.1:${proxy.port}`;
const seenAtProxy = (target: string): number => proxy.seen.filter((s) => s.target === target).length;

describe('fetch', () => {
  it('writes the body to stdout with the session identity and exits 0', async () => {
    const r = await cli(['fetch', `${origin.url}/echo?a=1`, '--user-agent', 'cli-test/1', '--accept-language', 'en-US,fr,de']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const echo = JSON.parse(r.out);
    expect(echo).toMatchObject({ method: 'GET', url: '/echo?a=1' });
    expect(echo.headers['user-agent']).toBe('cli-test/1');
    expect(echo.headers['accept-language']).toBe('en-US,fr;q=0.9,de;q=0.8');
  });

  it('sends method, headers and body (-X, -H, -d, -d @file)', async () => {
    const r = await cli(['fetch', `${origin.url}/echo`, '-X', 'PUT', '-H', 'X-One: 1', '--header', 'Content-Type: application/json', '-d', '{"a":1}']);
    expect(r.code).toBe(0);
    const echo = JSON.parse(r.out);
    expect(echo).toMatchObject({ method: 'PUT', body: '{"a":1}' });
    expect(echo.headers).toMatchObject({ 'x-one': '1', 'content-type': 'application/json' });

    await writeFile(path.join(tmp, 'body.txt'), 'from a file');
    const fromFile = await cli(['fetch', `${origin.url}/echo`, '-d', '@body.txt']);
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.out)).toMatchObject({ method: 'POST', body: 'from a file' });
  });

  it('goes through the proxy given by --proxy-rules, as the proxy itself sees', async () => {
    const target = `${origin.url}/echo?via=proxy`;
    const r = await cli(['fetch', target, '--proxy-rules', proxyRules(), '--bypass', '<-loopback>']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).url).toBe('/echo?via=proxy');
    expect(seenAtProxy(target)).toBe(1);
  });

  it('goes direct when a bypass rule matches (loopback is bypassed implicitly)', async () => {
    const target = `${origin.url}/echo?via=direct`;
    const r = await cli(['fetch', target, '--proxy-rules', proxyRules(), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).proxy).toBe('DIRECT');
    expect(seenAtProxy(target)).toBe(0);
  });

  it('--json prints one object: url, status, headers, proxy, timings, bytes, body', async () => {
    const target = `${origin.url}/echo?json=1`;
    const r = await cli(['fetch', target, '--json', '--proxy-rules', proxyRules(), '--bypass', '<-loopback>']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(Object.keys(result)).toEqual(['url', 'finalUrl', 'method', 'status', 'statusText', 'headers', 'proxy', 'partition', 'storagePath', 'timings', 'bytes', 'bodyEncoding', 'body']);
    expect(result).toMatchObject({ url: target, finalUrl: target, method: 'GET', status: 200, proxy: `PROXY 127.0.0.1:${proxy.port}`, storagePath: null, bodyEncoding: 'utf8' });
    expect(typeof result.statusText).toBe('string');
    expect(result.headers['content-type']).toBe('application/json');
    expect(JSON.parse(result.body).url).toBe('/echo?json=1');
    expect(result.bytes).toBe(Buffer.byteLength(result.body));
    for (const key of ['resolveProxy', 'response', 'total']) expect(typeof result.timings[key]).toBe('number');
    expect(seenAtProxy(target)).toBe(1);
  });

  it('keeps a persist: partition under --data-dir', async () => {
    const r = await cli(['fetch', `${origin.url}/echo`, '--json', '--partition', 'persist:Work', '--data-dir', 'profile']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.partition).toBe('persist:Work');
    expect(result.storagePath).toBe(path.join(tmp, 'profile', 'Partitions', 'work'));
  });

  it('--output writes the body to a file and nothing to stdout', async () => {
    const r = await cli(['fetch', `${origin.url}/echo?file=1`, '--output', 'out.json']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(JSON.parse(await readFile(path.join(tmp, 'out.json'), 'utf8')).url).toBe('/echo?file=1');

    const withJson = await cli(['fetch', `${origin.url}/status?code=200`, '-o', 'status.txt', '--json']);
    const result = JSON.parse(withJson.out);
    expect(result.output).toBe(path.join(tmp, 'status.txt'));
    expect(result).not.toHaveProperty('body');
    expect(result.bytes).toBe('status 200'.length);
    expect(await readFile(path.join(tmp, 'status.txt'), 'utf8')).toBe('status 200');
  });

  it('exits 1 on an HTTP error status, still writing the body; 0 with --no-fail', async () => {
    const r = await cli(['fetch', `${origin.url}/status?code=404`]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('status 404');
    expect(r.err).toMatch(/^session-anywhere: HTTP 404\b.*\n$/);

    const json = await cli(['fetch', `${origin.url}/status?code=503`, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out).status).toBe(503);

    const noFail = await cli(['fetch', `${origin.url}/status?code=404`, '--no-fail']);
    expect(noFail.code).toBe(0);
    expect(noFail.err).toBe('');
  });

  it('exits 3 with the error code on one line when the connection is refused', async () => {
    const r = await cli(['fetch', `http://127.0.0.1:${closedPort}/`]);
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^session-anywhere: [A-Z_:a-z]+: [^\n]+\n$/);
    expect(r.err).toMatch(/ECONNREFUSED|CONNECTION_REFUSED/);
  });

  it('exits 3 when the proxy cannot be reached', async () => {
    const r = await cli(['fetch', `${origin.url}/echo`, '--proxy-rules', `127.0.0.1:${closedPort}`, '--bypass', '<-loopback>']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^session-anywhere: [A-Z_:a-z]+: [^\n]+\n$/);
  });

  it('exits 3 when a mandatory PAC script fails', async () => {
    const r = await cli(['fetch', 'http://example.test/', '--pac', 'data:,this is not javascript(']);
    expect(r.code).toBe(3);
    expect(r.err).toBe('session-anywhere: ERR_MANDATORY_PROXY_CONFIGURATION_FAILED: net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED\n');
  });

  it('exits 3 with ERR_TIMED_OUT when --timeout passes without an answer', async () => {
    const r = await cli(['fetch', `http://127.0.0.1:${silentPort}/`, '--timeout', '300']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^session-anywhere: ERR_TIMED_OUT: [^\n]+\n$/);
  });

  it('exits 4 when --output cannot be written', async () => {
    const r = await cli(['fetch', `${origin.url}/echo`, '-o', path.join(tmp, 'missing-dir', 'x')]);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/^session-anywhere: cannot write --output "[^"]+missing-dir[^"]+": ENOENT[^\n]*\n$/);
  });
});

describe('progress bar', () => {
  // util-linux `script` gives the child a terminal; without it the test is skipped (and says so).
  const hasScript = existsSync('/usr/bin/script') && process.platform === 'linux';

  it('stays off when stderr is not a terminal', async () => {
    const r = await cli(['fetch', `${bigUrl}/sized`, '-o', 'big.bin']);
    expect([r.code, r.err]).toEqual([0, '']);
    expect((await readFile(path.join(tmp, 'big.bin'))).length).toBe(BIG_BYTES);
  });

  it.skipIf(!hasScript)('is drawn on a terminal for long bodies, with and without Content-Length (needs util-linux `script` for a pty)', async () => {
    for (const [route, expected] of [['/sized', /\d+% \[#*\s*\] [\d.]+ MiB of 3\.0 MiB/], ['/chunked', /[\d.]+ MiB {2}[\d.]+ MiB\/s/]] as const) {
      const command = [process.execPath, cliPath, 'fetch', `${bigUrl}${route}`, '-o', path.join(tmp, 'tty.bin')].map((a) => `'${a}'`).join(' ');
      const r = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
        const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
        const chunks: Buffer[] = [];
        child.stdout.on('data', (c: Buffer) => chunks.push(c));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, text: Buffer.concat(chunks).toString('utf8') }));
      });
      expect(r.code).toBe(0);
      expect(r.text).toMatch(expected);
      expect(r.text.endsWith('\r\x1b[K')).toBe(true);
      expect((await readFile(path.join(tmp, 'tty.bin'))).length).toBe(BIG_BYTES);
    }
  });
});

describe('usage errors exit 2 with one line naming the option and the value', () => {
  const cases: [string, string[], string][] = [
    ['--timeout not a number', ['fetch', 'http://a.test/', '--timeout', 'abc'], 'invalid --timeout "abc": expected a positive number of milliseconds'],
    ['--timeout zero', ['fetch', 'http://a.test/', '--timeout=0'], 'invalid --timeout "0": expected a positive number of milliseconds'],
    ['unknown option', ['fetch', 'http://a.test/', '--bogus'], 'unknown option --bogus for fetch (see "session-anywhere fetch --help")'],
    ['unknown command', ['frob'], 'unknown command "frob" (expected fetch or resolve-proxy; see "session-anywhere --help")'],
    ['missing URL', ['fetch'], 'fetch needs a URL (see "session-anywhere fetch --help")'],
    ['bad URL', ['fetch', 'not a url'], 'invalid URL "not a url": expected an absolute URL such as https://example.com/'],
    ['non-http URL', ['fetch', 'ftp://a.test/'], 'invalid URL "ftp://a.test/": expected a http or https URL'],
    ['missing value', ['fetch', 'http://a.test/', '--output'], 'option -o/--output needs a value'],
    ['option as value', ['fetch', 'http://a.test/', '-o', '--json'], 'option -o/--output needs a value, got the option-like "--json" (write -o=--json if that is the value)'],
    ['boolean with value', ['fetch', 'http://a.test/', '--json=yes'], 'option --json takes no value, got "yes"'],
    ['bad mode', ['resolve-proxy', 'http://a.test/', '--mode', 'DIRECT'], 'invalid --mode "DIRECT": expected one of direct, auto_detect, pac_script, fixed_servers, system'],
    ['bad header', ['fetch', 'http://a.test/', '-H', 'no colon'], 'invalid -H/--header "no colon": expected "Name: value" with a valid header name'],
    ['bad method', ['fetch', 'http://a.test/', '-X', 'GE T'], 'invalid -X/--method "GE T": expected a method name such as GET, POST or PUT'],
    ['body with GET', ['fetch', 'http://a.test/', '-X', 'GET', '-d', 'x'], '-d/--data cannot be sent with -X GET (use -X POST or PUT)'],
    ['unreadable body file', ['fetch', 'http://a.test/', '-d', '@nope.txt'], 'invalid -d/--data "@nope.txt": cannot read "nope.txt" (ENOENT)'],
    ['proxy rules with no proxy', ['resolve-proxy', 'http://a.test/', '--proxy-rules', 'htp=foo:80'], 'invalid --proxy-rules "htp=foo:80": no usable proxy in it (expected e.g. "proxy:3128", "http=proxy:3128;https=proxy:3129" or "socks5://host:1080")'],
    ['bypass alone', ['resolve-proxy', 'http://a.test/', '--bypass', '.corp'], '--bypass ".corp" has no effect without --proxy-rules'],
    ['pac missing', ['resolve-proxy', 'http://a.test/', '--pac', 'missing.pac'], 'invalid --pac "missing.pac": expected an http:, https:, file: or data: URL, or the path of a file that exists'],
    ['pac_script without --pac', ['resolve-proxy', 'http://a.test/', '--mode', 'pac_script'], '--mode pac_script needs --pac URL'],
    ['bad accept-language', ['fetch', 'http://a.test/', '--accept-language', 'en US'], 'invalid --accept-language "en US": expected comma-separated language tags such as "en-US,fr", "en US" is not one'],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`session-anywhere: ${message}\n`);
  });
});

describe('resolve-proxy', () => {
  const pac = `function FindProxyForURL(url, host) {
    if (dnsDomainIs(host, ".example.com")) return "PROXY 127.0.0.1:8080; DIRECT";
    return "SOCKS5 socks.test:1080";
  }`;

  it('answers with the proxy rules, honouring bypass rules', async () => {
    const rules = ['--proxy-rules', 'http=p.test:3128;socks=socks5://s.test:1080', '--bypass', '.corp, <local>'];
    const cases: [string, string][] = [
      ['http://example.com/', 'PROXY p.test:3128'],
      ['https://example.com/', 'SOCKS5 s.test:1080'],
      ['http://db.corp/', 'DIRECT'],
      ['http://intranet/', 'DIRECT'],
    ];
    for (const [url, expected] of cases) {
      const r = await cli(['resolve-proxy', url, ...rules]);
      expect([r.code, r.out, r.err]).toEqual([0, `${expected}\n`, '']);
    }
  });

  it('prints { url, proxy } with --json', async () => {
    const r = await cli(['resolve-proxy', 'http://example.com/a', '--proxy-rules', 'p.test:3128', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ url: 'http://example.com/a', proxy: 'PROXY p.test:3128' });
  });

  it('runs a data: PAC script and a PAC file given by path', async () => {
    const dataUrl = `data:application/x-ns-proxy-autoconfig;base64,${Buffer.from(pac).toString('base64')}`;
    const viaData = await cli(['resolve-proxy', 'https://www.example.com/', '--pac', dataUrl]);
    expect([viaData.code, viaData.out]).toEqual([0, 'PROXY 127.0.0.1:8080;DIRECT\n']);

    await writeFile(path.join(tmp, 'proxy.pac'), pac);
    const viaFile = await cli(['resolve-proxy', 'https://elsewhere.org/', '--pac', 'proxy.pac', '--json']);
    expect(viaFile.code).toBe(0);
    expect(JSON.parse(viaFile.out)).toEqual({ url: 'https://elsewhere.org/', proxy: 'SOCKS5 socks.test:1080' });
  });

  it('fetches a PAC script from an http: URL', async () => {
    const pacUrl = `${origin.url}/pac?body=${encodeURIComponent(pac)}`;
    const r = await cli(['resolve-proxy', 'http://www.example.com/', '--pac', pacUrl]);
    expect([r.code, r.out]).toEqual([0, 'PROXY 127.0.0.1:8080;DIRECT\n']);
  });

  it('exits 3 when a PAC script fails (Electron answers "")', async () => {
    const r = await cli(['resolve-proxy', 'http://example.com/', '--pac', 'data:,function FindProxyForURL() { throw 1 }', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toEqual({ url: 'http://example.com/', proxy: '' });
    expect(r.err).toBe('session-anywhere: ERR_MANDATORY_PROXY_CONFIGURATION_FAILED: net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED (resolveProxy answered "")\n');
  });

  it('--mode direct ignores everything else', async () => {
    const r = await cli(['resolve-proxy', 'http://example.com/', '--mode', 'direct']);
    expect([r.code, r.out]).toEqual([0, 'DIRECT\n']);
  });
});

describe('help and version', () => {
  it('--help lists the commands, examples and exit codes', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await cli(args);
      expect(r.code).toBe(0);
      expect(r.out).toContain('session-anywhere fetch URL');
      expect(r.out).toContain('session-anywhere resolve-proxy URL');
      expect(r.out).toContain('Examples:');
      expect(r.out).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*\n\s+2 .*\n\s+3 /);
    }
  });

  it('each command has its own --help naming its options', async () => {
    const fetchHelp = await cli(['fetch', '--help']);
    expect(fetchHelp.code).toBe(0);
    for (const option of ['--partition', '--data-dir', '--proxy-rules', '--bypass', '--pac', '--mode', '--user-agent', '--accept-language', '--method', '--header', '--data', '--output', '--json', '--timeout', '--no-fail', 'Exit codes:']) {
      expect(fetchHelp.out).toContain(option);
    }
    const resolveHelp = await cli(['resolve-proxy', '-h']);
    expect(resolveHelp.code).toBe(0);
    expect(resolveHelp.out).toContain('Usage: session-anywhere resolve-proxy URL');
    expect(resolveHelp.out).toContain('--proxy-rules');
    expect((await cli(['help', 'fetch'])).out).toBe(fetchHelp.out);
  });

  it('is the package\'s session-anywhere bin and runs through a symlink, as npm installs it', async () => {
    expect(pkg.bin).toEqual({ 'session-anywhere': 'dist/cli.js' });
    expect((await readFile(cliPath, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const link = path.join(tmp, 'session-anywhere');
    if (!existsSync(link)) await symlink(cliPath, link);
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [link, '--version'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(r).toEqual({ code: 0, out: `${pkg.version}\n` });
  });

  it('--version prints the package version; no command prints help to stderr and exits 2', async () => {
    const version = await cli(['--version']);
    expect([version.code, version.out]).toEqual([0, `${pkg.version}\n`]);
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage:');
  });
});
