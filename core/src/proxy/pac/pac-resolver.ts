import { describeValue } from '../../errors.ts';
import type { DnsPort, LocalAddressPort } from '../../net/ports.ts';
import { DEFAULT_PAC_MAX_STACK_BYTES, PacSandbox } from './pac-sandbox.ts';

/** Options of {@link createPacResolver}. */
export interface PacResolverOptions {
  /** Answers `dnsResolve`, `dnsResolveEx`, `isResolvable`, `isInNet` on names; lookups fail without it. */
  dns?: DnsPort;
  /** Answers `myIpAddress` / `myIpAddressEx`; they give `127.0.0.1` / `''` without it. */
  localAddresses?: LocalAddressPort;
  /** JS execution time per request, and for evaluating the script, in ms (default 5000). */
  timeoutMs?: number;
  /** Memory the script may use, in bytes (default 64 MiB). */
  memoryLimitBytes?: number;
  /** Receives the script's `alert()` messages. */
  onAlert?: (message: string) => void;
  /** The script's clock (`new Date()`, `Date.now()`, the date/time range functions). */
  now?: () => Date;
}

/** A compiled PAC script. */
export interface PacResolver {
  /**
   * Run `FindProxyForURL(url, host)` and resolve to the raw string it returned. Requests run one at
   * a time in call order. Rejects with a `SessionError`: `ERR_PAC_SCRIPT_FAILED` (message carries
   * Chromium's text), `ERR_PAC_SCRIPT_TIMEOUT` or `ERR_PAC_RESOLVER_DISPOSED`.
   */
  findProxyForURL(url: string, host: string): Promise<string>;
  /** Free the script's QuickJS runtime; queued and later requests reject. */
  dispose(): void;
}

/** Default JS time limit for one request, in milliseconds. */
export const DEFAULT_PAC_TIMEOUT_MS = 5000;
/** Default memory limit for one PAC script, in bytes. */
export const DEFAULT_PAC_MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Evaluate a PAC script (utility library, bindings, then `scriptText`) in its own QuickJS sandbox.
 * Rejects with `ERR_PAC_SCRIPT_FAILED` for an empty script, a syntax error (message carries the line),
 * a top-level exception or a missing `FindProxyForURL`, and with `ERR_PAC_SCRIPT_TIMEOUT`.
 * Throws `TypeError` synchronously for arguments of the wrong type.
 * @example
 * const resolver = await createPacResolver('function FindProxyForURL(u, h) { return "DIRECT"; }');
 * await resolver.findProxyForURL(sanitizeUrlForPac(url), pacHostArgument(url)); // 'DIRECT'
 */
export function createPacResolver(scriptText: string, options: PacResolverOptions = {}): Promise<PacResolver> {
  if (typeof scriptText !== 'string') {
    throw new TypeError(`createPacResolver: scriptText must be a string, got ${describeValue(scriptText)}`);
  }
  const timeoutMs = positiveNumberOption(options.timeoutMs, 'timeoutMs', DEFAULT_PAC_TIMEOUT_MS);
  const memoryLimitBytes = positiveNumberOption(options.memoryLimitBytes, 'memoryLimitBytes', DEFAULT_PAC_MEMORY_LIMIT_BYTES);
  for (const name of ['onAlert', 'now'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`createPacResolver: options.${name} must be a function, got ${describeValue(value)}`);
    }
  }
  checkPort(options.dns, 'dns', ['lookup']);
  checkPort(options.localAddresses, 'localAddresses', ['sourceAddressFor', 'hostnameAddresses']);

  return PacSandbox.create(scriptText, {
    ports: { dns: options.dns, localAddresses: options.localAddresses },
    timeoutMs,
    memoryLimitBytes,
    maxStackBytes: DEFAULT_PAC_MAX_STACK_BYTES,
    onAlert: options.onAlert,
    now: options.now,
  }).then((sandbox) => {
    const resolver = new QueuedPacResolver(sandbox);
    forgottenResolvers.register(resolver, sandbox, resolver);
    return resolver;
  });
}

// A resolver dropped without dispose() would keep its QuickJS runtime in the shared wasm heap for
// the life of the process; free it when the resolver is collected.
const forgottenResolvers = new FinalizationRegistry<PacSandbox>((sandbox) => sandbox.dispose());

// Chromium runs one FindProxyForURL at a time per resolver; a request waits for the one before it,
// including that one's host lookups.
class QueuedPacResolver implements PacResolver {
  private readonly sandbox: PacSandbox;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(sandbox: PacSandbox) {
    this.sandbox = sandbox;
  }

  findProxyForURL(url: string, host: string): Promise<string> {
    if (typeof url !== 'string' || typeof host !== 'string') {
      throw new TypeError(`findProxyForURL(url, host) needs two strings, got ${describeValue(url)} and ${describeValue(host)}`);
    }
    const request = this.tail.then(() => this.sandbox.findProxyForURL(url, host));
    this.tail = request.catch(() => undefined);
    return request;
  }

  dispose(): void {
    forgottenResolvers.unregister(this);
    this.sandbox.dispose();
  }
}

/**
 * The URL a PAC script sees (`SanitizeUrlForProxyResolution`,
 * net/proxy_resolution/proxy_resolution_url_sanitizer.cc): no user name, password or fragment, and
 * for `https:` / `wss:` no path or query either. Throws `TypeError` for a string that is not a URL.
 * @example sanitizeUrlForPac('https://foo:bar@example.com/foo?x#y') // 'https://example.com/'
 */
export function sanitizeUrlForPac(url: string): string {
  const parsed = parseUrl(url, 'sanitizeUrlForPac');
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  if (parsed.protocol === 'https:' || parsed.protocol === 'wss:') {
    parsed.pathname = '/';
    parsed.search = '';
  }
  return parsed.href;
}

/**
 * The `host` argument of `FindProxyForURL`: the URL's host without port and without IPv6 brackets
 * (`GURL::HostNoBrackets`, services/proxy_resolver/proxy_resolver_v8.cc).
 * @example pacHostArgument('http://[abcd::efff]:99/x') // 'abcd::efff'
 */
export function pacHostArgument(url: string): string {
  const { hostname } = parseUrl(url, 'pacHostArgument');
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function parseUrl(url: string, caller: string): URL {
  if (typeof url !== 'string') throw new TypeError(`${caller}: url must be a string, got ${describeValue(url)}`);
  try {
    return new URL(url);
  } catch {
    throw new TypeError(`${caller}: ${describeValue(url)} is not a valid absolute URL`);
  }
}

function positiveNumberOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createPacResolver: options.${name} must be a positive number, got ${describeValue(value)}`);
  }
  return value;
}

function checkPort(port: unknown, name: string, methods: readonly string[]): void {
  if (port === undefined) return;
  for (const method of methods) {
    if (typeof port !== 'object' || port === null || typeof (port as Record<string, unknown>)[method] !== 'function') {
      throw new TypeError(`createPacResolver: options.${name} must have a ${method}() method, got ${describeValue(port)}`);
    }
  }
}
