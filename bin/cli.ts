#!/usr/bin/env node
// The `session-anywhere` command: fetch a URL or resolve its proxy through a session configured as
// Electron would configure it. Bundled to dist/cli.js by scripts/bundle.mjs, which points the import
// below at dist/node.js, so the command and the library share one copy of the library.
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { app, hasCode, ProxyRules, session, type ProxyConfig, type Session } from '../hosts/node/index.ts';

const NAME = 'session-anywhere';
const MiB = 1024 * 1024;
/** Bodies longer than this get a progress bar when stderr is a terminal. */
const PROGRESS_THRESHOLD = MiB;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const MODES = ['direct', 'auto_detect', 'pac_script', 'fixed_servers', 'system'];
const PAC_SCHEMES = ['http:', 'https:', 'file:', 'data:'];
/** Methods fetch refuses (Fetch standard, "forbidden method"). */
const FORBIDDEN_METHODS = ['CONNECT', 'TRACE', 'TRACK'];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Exit codes; --help lists them. */
const EXIT = { ok: 0, http: 1, usage: 2, network: 3, output: 4 } as const;

const EXIT_CODES_HELP = `Exit codes:
  0  success (fetch: HTTP status below 400, or any status with --no-fail)
  1  the server answered with an HTTP error status (400 or above)
  2  usage error: unknown command or option, missing or invalid value
  3  network or proxy error (connection refused, timeout, failed PAC script, ...);
     stderr gets one line: "${NAME}: CODE: message"
  4  output error: the body could not be written (--output, or stdout)
  70 internal error (a bug in ${NAME}; the stack trace is on stderr)`;

const PROXY_OPTIONS_HELP = `Proxy options (Electron's ses.setProxy):
  --proxy-rules RULES   proxyRules, e.g. "http=proxy:3128;https=proxy:3129" or "socks5://s:1080"
  --bypass RULES        proxyBypassRules, e.g. ".corp, <local>" (needs --proxy-rules); loopback
                        is always bypassed unless RULES contain <-loopback>, as in Chromium
  --pac URL             pacScript: an http:, https:, file: or data: URL, or a local file path
  --mode MODE           direct, auto_detect, pac_script, fixed_servers or system
                        (default: pac_script with --pac, fixed_servers with --proxy-rules)
  With no proxy option the session keeps its default configuration (DIRECT); --mode system
  reads the proxy from the environment (http_proxy, https_proxy, no_proxy, ...).`;

const MAIN_HELP = `${NAME}: Electron's session module on the command line

Usage:
  ${NAME} fetch URL [options]           send a request through a session
  ${NAME} resolve-proxy URL [options]   print the proxy list the session would use for URL
  ${NAME} help [COMMAND]                show help for a command
  ${NAME} --version

Examples:
  ${NAME} fetch https://example.com/ --proxy-rules "http=127.0.0.1:3128" --bypass ".corp"
  ${NAME} fetch https://example.com/big.iso -o big.iso --timeout 60000
  ${NAME} fetch https://api.example/items -X POST -H "Content-Type: application/json" -d @item.json --json
  ${NAME} resolve-proxy https://example.com/ --pac "data:,function FindProxyForURL(u,h){return 'PROXY p:8080'}"

Run "${NAME} COMMAND --help" for the options of a command.

${EXIT_CODES_HELP}
`;

const FETCH_HELP = `Usage: ${NAME} fetch URL [options]

Sends one request the way an Electron session would (its User-Agent, Accept-Language and proxy
configuration; the route is the one resolve-proxy prints) and writes the body to stdout.

Session options:
  --partition NAME      Electron partition string; "persist:NAME" keeps its data under the data
                        directory, "" is the default session (persistent); any other name is in
                        memory (default: an in-memory partition)
  --data-dir DIR        where persistent partitions keep their data (app.setPath('sessionData');
                        default: app.getPath('userData'), ~/.config/session-anywhere on Linux)
  --user-agent UA       User-Agent of the session (ses.setUserAgent)
  --accept-language L   comma-separated languages, sent as Chromium writes them ("en-US,fr" sends
                        "en-US,fr;q=0.9")

${PROXY_OPTIONS_HELP}

Request options:
  -X, --method METHOD   request method (default: GET, or POST with --data)
  -H, --header "N: V"   add a request header; repeatable
  -d, --data BODY       request body; "@FILE" reads it from FILE, "@-" from stdin
  --timeout MS          fail with exit code 3 when the response is not complete within MS ms

Output options:
  -o, --output FILE     write the body to FILE instead of stdout ("-" is stdout)
  --json                print one JSON object instead of the body: url, finalUrl, method, status,
                        statusText, headers (set-cookie as an array), proxy (from resolveProxy),
                        partition, storagePath, timings (ms), bytes, and body (with bodyEncoding
                        "utf8" or "base64") or output (with --output)
  --no-fail             exit 0 for any HTTP status
  --no-progress         no progress bar (it is shown on a terminal for bodies over 1 MiB)
  -h, --help            show this help

Examples:
  ${NAME} fetch http://127.0.0.1:8080/ --proxy-rules "127.0.0.1:3128" --bypass "<-loopback>"
  ${NAME} fetch https://example.com/ --partition persist:work --data-dir ./profile --json
  ${NAME} fetch https://example.com/file.zip -o file.zip
  ${NAME} fetch https://example.com/missing --no-fail --json | jq .status

${EXIT_CODES_HELP}
`;

const RESOLVE_HELP = `Usage: ${NAME} resolve-proxy URL [options]

Prints what Electron's ses.resolveProxy(URL) answers for the configuration given, e.g.
"PROXY proxy:3128;DIRECT" or "DIRECT". An answer of "" (a failed PAC script) exits with code 3.

${PROXY_OPTIONS_HELP}

Other options:
  --timeout MS          fail with exit code 3 when there is no answer within MS ms
  --json                print { "url": ..., "proxy": ... }
  -h, --help            show this help

Examples:
  ${NAME} resolve-proxy http://example.com/ --proxy-rules "http=proxy:3128;socks=socks5://s:1080"
  ${NAME} resolve-proxy http://db.corp/ --proxy-rules "proxy:3128" --bypass ".corp, <local>"
  ${NAME} resolve-proxy https://example.com/ --pac ./proxy.pac --json

${EXIT_CODES_HELP}
`;

/** An error that ends the command with a given exit code and one line on stderr. */
class CliExit extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

const usage = (message: string): CliExit => new CliExit(EXIT.usage, message);
const invalid = (option: string, value: string, expected: string): CliExit =>
  usage(`invalid ${option} ${JSON.stringify(value)}: ${expected}`);

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

const PROXY_SPECS: Record<string, OptionSpec> = {
  'proxy-rules': { type: 'string' },
  bypass: { type: 'string' },
  pac: { type: 'string' },
  mode: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const FETCH_SPECS: Record<string, OptionSpec> = {
  ...PROXY_SPECS,
  partition: { type: 'string' },
  'data-dir': { type: 'string' },
  'user-agent': { type: 'string' },
  'accept-language': { type: 'string' },
  method: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string', short: 'd' },
  output: { type: 'string', short: 'o' },
  'no-fail': { type: 'boolean' },
  'no-progress': { type: 'boolean' },
};

type Values = Record<string, string | boolean | string[] | undefined>;

/**
 * node:util parseArgs in non-strict mode, with our own one-line errors: strict mode's messages are
 * several sentences long, and it accepts a following option as a value (`--output --json`).
 */
function parseCommand(command: string, args: string[], specs: Record<string, OptionSpec>): { values: Values; positionals: string[] } {
  const { values, positionals, tokens } = parseArgs({ args, options: specs, allowPositionals: true, strict: false, tokens: true });
  const display = (name: string): string => {
    const short = specs[name]?.short;
    return short ? `-${short}/--${name}` : `--${name}`;
  };
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = specs[token.name];
    if (!spec) throw usage(`unknown option ${token.rawName} for ${command} (see "${NAME} ${command} --help")`);
    if (spec.type === 'boolean' && token.value !== undefined) {
      throw usage(`option ${token.rawName} takes no value, got ${JSON.stringify(token.value)}`);
    }
    if (spec.type === 'string') {
      if (token.value === undefined) throw usage(`option ${display(token.name)} needs a value`);
      if (!token.inlineValue && token.value.startsWith('-') && token.value !== '-') {
        throw usage(`option ${display(token.name)} needs a value, got the option-like ${JSON.stringify(token.value)} (write ${token.rawName}=${token.value} if that is the value)`);
      }
    }
  }
  return { values: values as Values, positionals };
}

const str = (values: Values, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};

function parseUrl(value: string | undefined, command: string, schemes: string[] | null): URL {
  if (value === undefined) throw usage(`${command} needs a URL (see "${NAME} ${command} --help")`);
  if (!URL.canParse(value)) throw invalid('URL', value, 'expected an absolute URL such as https://example.com/');
  const url = new URL(value);
  if (schemes && !schemes.includes(url.protocol)) throw invalid('URL', value, `expected a ${schemes.map((s) => s.slice(0, -1)).join(' or ')} URL`);
  return url;
}

function parseTimeout(values: Values): number | undefined {
  const text = str(values, 'timeout');
  if (text === undefined) return undefined;
  const ms = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(ms) || ms <= 0) throw invalid('--timeout', text, 'expected a positive number of milliseconds');
  // Node's timers cannot wait longer (a larger delay fires after 1 ms).
  if (ms > MAX_TIMEOUT_MS) throw invalid('--timeout', text, `expected at most ${MAX_TIMEOUT_MS} milliseconds`);
  return ms;
}

/** Builds the ProxyConfig from the proxy options, rejecting combinations Electron would silently ignore. */
function parseProxyConfig(values: Values): ProxyConfig | null {
  const rules = str(values, 'proxy-rules');
  const bypass = str(values, 'bypass');
  const pac = str(values, 'pac');
  const mode = str(values, 'mode');
  if (mode !== undefined && !MODES.includes(mode)) {
    throw invalid('--mode', mode, `expected one of ${MODES.join(', ')}`);
  }
  if (rules !== undefined && rules.trim() !== '') {
    // Chromium drops entries it cannot parse; a list with nothing usable left is almost surely a typo.
    const parsed = ProxyRules.parse(rules);
    const lists = parsed.describe();
    parsed.dispose();
    if (lists.type !== 'EMPTY' && [lists.single, lists.http, lists.https, lists.ftp, lists.fallback].every((l) => l === null)) {
      throw invalid('--proxy-rules', rules, 'no usable proxy in it (expected e.g. "proxy:3128", "http=proxy:3128;https=proxy:3129" or "socks5://host:1080")');
    }
  }
  if (bypass !== undefined && rules === undefined) throw usage(`--bypass ${JSON.stringify(bypass)} has no effect without --proxy-rules`);
  if (pac !== undefined && rules !== undefined) throw usage('--pac and --proxy-rules cannot be combined (a PAC script decides the proxy on its own)');
  if (mode === 'pac_script' && pac === undefined) throw usage('--mode pac_script needs --pac URL');
  if (pac !== undefined && mode !== undefined && mode !== 'pac_script') throw usage(`--pac has no effect with --mode ${mode}`);
  if (rules !== undefined && mode !== undefined && mode !== 'fixed_servers') throw usage(`--proxy-rules has no effect with --mode ${mode}`);
  if (rules === undefined && pac === undefined && mode === undefined) return null;
  const config: ProxyConfig = {};
  if (mode !== undefined) config.mode = mode as NonNullable<ProxyConfig['mode']>;
  if (rules !== undefined) config.proxyRules = rules;
  if (bypass !== undefined) config.proxyBypassRules = bypass;
  if (pac !== undefined) config.pacScript = parsePacUrl(pac);
  return config;
}

/** A PAC URL, or a local path turned into a file: URL. */
function parsePacUrl(value: string): string {
  if (URL.canParse(value) && PAC_SCHEMES.includes(new URL(value).protocol)) return value;
  if (value !== '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const file = path.resolve(value);
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      throw invalid('--pac', value, 'expected an http:, https:, file: or data: URL, or the path of a file that exists');
    }
    if (!isFile) throw invalid('--pac', value, 'expected a PAC file, got a directory');
    return pathToFileURL(file).href;
  }
  throw invalid('--pac', value, 'expected an http:, https:, file: or data: URL, or the path of a PAC file');
}

function parseHeaders(list: string[]): Headers {
  const headers = new Headers();
  for (const line of list) {
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trim();
    if (!TOKEN.test(name)) throw invalid('-H/--header', line, 'expected "Name: value" with a valid header name');
    try {
      headers.append(name, line.slice(colon + 1).trim());
    } catch {
      throw invalid('-H/--header', line, 'the value has characters a header cannot carry (CR, LF or NUL)');
    }
  }
  return headers;
}

async function readBody(value: string): Promise<string | Uint8Array<ArrayBuffer>> {
  if (!value.startsWith('@')) return value;
  const file = value.slice(1);
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return new Uint8Array(Buffer.concat(chunks));
    }
    return new Uint8Array(await readFile(file));
  } catch (err) {
    throw invalid('-d/--data', value, `cannot read ${file === '-' ? 'stdin' : JSON.stringify(file)} (${describeSystemError(err)})`);
  }
}

function describeSystemError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return typeof e?.code === 'string' ? e.code : String(e?.message ?? err);
}

/** Applies the proxy configuration; Electron's own rejections (TypeError, mode text) are usage errors. */
async function configureProxy(ses: Session, config: ProxyConfig | null, deadline: Deadline): Promise<void> {
  if (!config) return;
  try {
    await deadline.race(ses.setProxy(config));
  } catch (err) {
    if (err instanceof CliExit) throw err;
    if (err instanceof TypeError || !hasStringCode(err)) throw usage(`invalid proxy configuration: ${oneLine(String((err as Error)?.message ?? err))}`);
    throw err;
  }
}

const hasStringCode = (err: unknown): boolean => typeof (err as { code?: unknown } | null)?.code === 'string';
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

/** The one-line `CODE: message` for a network, proxy or timeout failure. */
function networkFailure(err: unknown, deadline: Deadline): CliExit {
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown } | null;
  // Checked on the signal too: the library may wrap the abort in an error of its own.
  if (deadline.signal?.aborted || e?.name === 'TimeoutError' || hasCode(err, 'ERR_TIMED_OUT')) {
    return new CliExit(EXIT.network, `ERR_TIMED_OUT: net::ERR_TIMED_OUT (no complete answer within ${deadline.ms} ms, --timeout)`);
  }
  // undici's fetch rejects with TypeError('fetch failed') and puts the system error in `cause`
  // (an AggregateError when several addresses were tried).
  const cause = e?.cause as { code?: unknown; message?: unknown; errors?: { message?: unknown }[] } | undefined;
  if (typeof e?.code !== 'string' && (cause as { message?: unknown } | undefined)?.message === 'bad port') {
    // The Fetch standard's port blocklist, which Chromium reports as net::ERR_UNSAFE_PORT.
    return new CliExit(EXIT.network, 'ERR_UNSAFE_PORT: net::ERR_UNSAFE_PORT (fetch refuses this port)');
  }
  const code = typeof e?.code === 'string' ? e.code : typeof cause?.code === 'string' ? cause.code : 'ERR_FETCH_FAILED';
  let message = String(e?.message ?? err);
  if (typeof e?.code !== 'string' && cause) {
    const detail = cause.message || cause.errors?.map((x) => x.message).join(', ');
    if (detail) message += `: ${String(detail)}`;
  }
  return new CliExit(EXIT.network, `${code}: ${oneLine(message)}`);
}

/** One timer for the whole command (--timeout), shared by proxy setup, the request and the body. */
class Deadline {
  readonly signal: AbortSignal | undefined;
  constructor(readonly ms: number | undefined) {
    this.signal = ms === undefined ? undefined : AbortSignal.timeout(ms);
  }
  race<T>(promise: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (!signal) return promise;
    return new Promise<T>((resolve, reject) => {
      if (signal.aborted) reject(signal.reason);
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}

/** A progress bar on stderr, drawn at most every 100 ms, only once the body is known to be long. */
class Progress {
  #received = 0;
  #lastDraw = -Infinity;
  #shown = false;
  readonly #start = performance.now();
  constructor(readonly total: number | null, readonly enabled: boolean) {}

  add(bytes: number): void {
    this.#received += bytes;
    if (!this.enabled) return;
    const long = (this.total ?? this.#received) > PROGRESS_THRESHOLD;
    const now = performance.now();
    if (!long || now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    this.#draw(now);
  }

  done(): void {
    if (this.#shown) process.stderr.write('\r\x1b[K');
  }

  #draw(now: number): void {
    this.#shown = true;
    const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;
    const rate = `${mib(this.#received / Math.max((now - this.#start) / 1000, 0.001))}/s`;
    let line: string;
    if (this.total) {
      const fraction = Math.min(this.#received / this.total, 1);
      const width = Math.max(10, Math.min(40, (process.stderr.columns ?? 80) - 45));
      const filled = Math.round(fraction * width);
      line = `${String(Math.floor(fraction * 100)).padStart(3)}% [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${mib(this.#received)} of ${mib(this.total)}  ${rate}`;
    } else {
      line = `${mib(this.#received)}  ${rate}`;
    }
    process.stderr.write(`\r${line}\x1b[K`);
  }
}

/** Where the body goes: stdout, a file, or memory (for --json). */
interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

function stdoutSink(): Sink {
  return {
    async write(chunk) {
      if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
    },
    async close() {},
  };
}

async function fileSink(file: string): Promise<Sink> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'w');
  } catch (err) {
    throw outputFailure(file, err);
  }
  return {
    async write(chunk) {
      try {
        await handle.write(chunk);
      } catch (err) {
        await handle.close().catch(() => undefined);
        throw outputFailure(file, err);
      }
    },
    async close() {
      try {
        await handle.close();
      } catch (err) {
        throw outputFailure(file, err);
      }
    },
  };
}

const outputFailure = (file: string, err: unknown): CliExit =>
  new CliExit(EXIT.output, `cannot write --output ${JSON.stringify(file)}: ${oneLine(String((err as Error)?.message ?? err))}`);

function headersObject(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    if (name !== 'set-cookie') out[name] = value;
  }
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return out;
}

const ms = (n: number): number => Math.round(n * 100) / 100;

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function runFetch(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('fetch', args, FETCH_SPECS);
  if (values.help) {
    process.stdout.write(FETCH_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 1) throw usage(`fetch takes one URL, got ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  const url = parseUrl(positionals[0], 'fetch', ['http:', 'https:']);
  const timeout = parseTimeout(values);
  const proxyConfig = parseProxyConfig(values);
  const headers = parseHeaders((values.header as string[] | undefined) ?? []);
  const json = values.json === true;
  const output = str(values, 'output');
  if (output === '') throw invalid('-o/--output', output, 'expected a file name, or "-" for stdout');
  const toFile = output !== undefined && output !== '-';

  const methodText = str(values, 'method');
  const data = str(values, 'data');
  const method = methodText ?? (data === undefined ? 'GET' : 'POST');
  if (!TOKEN.test(method)) throw invalid('-X/--method', method, 'expected a method name such as GET, POST or PUT');
  if (FORBIDDEN_METHODS.includes(method.toUpperCase())) throw invalid('-X/--method', method, 'fetch cannot send this method');
  if (data !== undefined && ['GET', 'HEAD'].includes(method.toUpperCase())) {
    throw usage(`-d/--data cannot be sent with -X ${method} (use -X POST or PUT)`);
  }

  const partition = str(values, 'partition') ?? 'session-anywhere-cli';
  const dataDir = str(values, 'data-dir');
  if (dataDir !== undefined) {
    if (dataDir === '') throw invalid('--data-dir', dataDir, 'expected a directory');
    const dir = path.resolve(dataDir);
    let notDir = false;
    try {
      notDir = !statSync(dir).isDirectory();
    } catch {
      // Missing is fine: the storage creates it when the session first stores something.
    }
    if (notDir) throw invalid('--data-dir', dataDir, 'exists and is not a directory');
    app.setPath('sessionData', dir);
  }
  const userAgent = str(values, 'user-agent');
  const acceptLanguage = str(values, 'accept-language');
  if (userAgent !== undefined) {
    if (userAgent.trim() === '' || /[\0\r\n]/.test(userAgent)) throw invalid('--user-agent', userAgent, 'expected a non-empty single-line string');
  }
  if (acceptLanguage !== undefined) {
    const tags = acceptLanguage.split(',').map((t) => t.trim());
    const bad = tags.find((t) => !/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(t));
    if (bad !== undefined) throw invalid('--accept-language', acceptLanguage, `expected comma-separated language tags such as "en-US,fr", ${JSON.stringify(bad)} is not one`);
  }
  const body = data === undefined ? null : await readBody(data);

  const deadline = new Deadline(timeout);
  const ses = session.fromPartition(partition);
  if (userAgent !== undefined || acceptLanguage !== undefined) {
    ses.setUserAgent(userAgent ?? ses.getUserAgent(), ...(acceptLanguage === undefined ? [] : [acceptLanguage]));
  }

  const start = performance.now();
  let proxy: string | null = null;
  let resolveMs: number | null = null;
  let response: Response;
  let sink: Sink | null = null;
  let bytes = 0;
  const kept: Uint8Array[] = [];
  let headersAt: number;
  try {
    await configureProxy(ses, proxyConfig, deadline);
    if (json) {
      const t = performance.now();
      proxy = await deadline.race(ses.resolveProxy(url.href));
      resolveMs = performance.now() - t;
    }
    const init: RequestInit = { method, headers, redirect: 'follow' };
    if (body !== null) init.body = body;
    if (deadline.signal) init.signal = deadline.signal;
    response = await deadline.race(ses.fetch(url.href, init));
    headersAt = performance.now();

    if (toFile) sink = await fileSink(output);
    else if (!json) sink = stdoutSink();
    const length = Number(response.headers.get('content-length'));
    const progress = new Progress(Number.isFinite(length) && length > 0 ? length : null, process.stderr.isTTY === true && values['no-progress'] !== true);
    if (response.body) {
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await deadline.race(reader.read());
          if (done) break;
          bytes += value.byteLength;
          progress.add(value.byteLength);
          if (sink) await sink.write(value);
          else kept.push(value);
        }
      } finally {
        progress.done();
      }
    }
    await sink?.close();
  } catch (err) {
    if (err instanceof CliExit) throw err;
    throw networkFailure(err, deadline);
  }
  const end = performance.now();

  if (json) {
    const result: Record<string, unknown> = {
      url: url.href,
      finalUrl: response.url || url.href,
      method,
      status: response.status,
      // Responses that came through undici's ProxyAgent have no statusText; keep the shape stable.
      statusText: response.statusText ?? '',
      headers: headersObject(response.headers),
      proxy,
      partition,
      storagePath: ses.getStoragePath(),
      timings: { resolveProxy: ms(resolveMs ?? 0), response: ms(headersAt - start), total: ms(end - start) },
      bytes,
    };
    if (toFile) result.output = path.resolve(output);
    else {
      const all = Buffer.concat(kept);
      let text: string | null = null;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(all);
      } catch {
        // Not UTF-8: base64 below.
      }
      result.bodyEncoding = text === null ? 'base64' : 'utf8';
      result.body = text ?? all.toString('base64');
    }
    printJson(result);
  }
  if (response.status >= 400 && values['no-fail'] !== true) {
    process.stderr.write(`${NAME}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} from ${response.url || url.href}\n`);
    return EXIT.http;
  }
  return EXIT.ok;
}

async function runResolveProxy(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('resolve-proxy', args, PROXY_SPECS);
  if (values.help) {
    process.stdout.write(RESOLVE_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 1) throw usage(`resolve-proxy takes one URL, got ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  const url = parseUrl(positionals[0], 'resolve-proxy', null);
  const timeout = parseTimeout(values);
  const config = parseProxyConfig(values);
  const deadline = new Deadline(timeout);
  const ses = session.fromPartition('session-anywhere-cli');
  let proxy: string;
  try {
    await configureProxy(ses, config, deadline);
    proxy = await deadline.race(ses.resolveProxy(url.href));
  } catch (err) {
    if (err instanceof CliExit) throw err;
    throw networkFailure(err, deadline);
  }
  if (values.json === true) printJson({ url: url.href, proxy });
  else if (proxy !== '') process.stdout.write(`${proxy}\n`);
  if (proxy === '') {
    // Electron's resolveProxy answers "" instead of rejecting; ses.fetch would fail with this error.
    const code = config?.pacScript !== undefined || config?.mode === 'auto_detect' ? 'ERR_MANDATORY_PROXY_CONFIGURATION_FAILED' : 'ERR_NO_SUPPORTED_PROXIES';
    throw new CliExit(EXIT.network, `${code}: net::${code} (resolveProxy answered "")`);
  }
  return EXIT.ok;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      process.stderr.write(MAIN_HELP);
      return EXIT.usage;
    case '-h':
    case '--help':
      process.stdout.write(MAIN_HELP);
      return EXIT.ok;
    case '--version':
      process.stdout.write(`${version()}\n`);
      return EXIT.ok;
    case 'help': {
      const topic = rest[0];
      if (topic === undefined) process.stdout.write(MAIN_HELP);
      else if (topic === 'fetch') process.stdout.write(FETCH_HELP);
      else if (topic === 'resolve-proxy') process.stdout.write(RESOLVE_HELP);
      else throw usage(`unknown command ${JSON.stringify(topic)} (expected fetch or resolve-proxy)`);
      return EXIT.ok;
    }
    case 'fetch':
      return runFetch(rest);
    case 'resolve-proxy':
      return runResolveProxy(rest);
    default:
      if (command.startsWith('-')) throw usage(`unknown option ${command} (options go after the command; see "${NAME} --help")`);
      throw usage(`unknown command ${JSON.stringify(command)} (expected fetch or resolve-proxy; see "${NAME} --help")`);
  }
}

// Exits explicitly: the session's connection pools keep sockets alive for reuse, and a one-shot
// command should not wait for them. stdout is flushed first.
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

// A closed pipe on stdout (`| head`) is an output error, not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  process.stderr.write(`${NAME}: cannot write to stdout: ${err.code ?? err.message}\n`);
  process.exit(EXIT.output);
});

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  if (err instanceof CliExit) {
    process.stderr.write(`${NAME}: ${err.message}\n`);
    exit(err.exitCode);
    return;
  }
  // Anything else is a bug in this command or the library; say so with the stack.
  process.stderr.write(`${NAME}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  exit(70);
});
