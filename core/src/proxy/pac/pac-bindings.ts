import { compareIpAddresses, ipAddressMatchesPrefix, parseCidrBlock, parseIpLiteral, type IpAddress } from './ip-literal.ts';

/** The host lookups a PAC script can ask for (`ProxyResolveDnsOperation` in Chromium). */
export type PacHostOperation = 'DNS_RESOLVE' | 'DNS_RESOLVE_EX' | 'MY_IP_ADDRESS' | 'MY_IP_ADDRESS_EX';

/**
 * `isPlainHostName` (services/proxy_resolver/proxy_resolver_v8.cc): false if the name has a dot,
 * otherwise true unless it is an IP literal (`::1` is not plain, `[::1]` and `foo:112` are).
 */
export function isPlainHostName(host: string): boolean {
  if (host.includes('.')) return false;
  return parseIpLiteral(host) === null;
}

/**
 * `sortIpAddressList` (proxy_resolver_v8.cc, `SortIpAddressList`): spaces and tabs removed, `;`
 * separated, every token an IP literal, stable-sorted IPv6 first then by bytes; the original token
 * text is kept. False for an empty list or any bad token.
 * @example sortIpAddressList('::2;::3;::1') // '::1;::2;::3'
 */
export function sortIpAddressList(list: string): string | false {
  const stripped = list.replace(/[ \t]/g, '');
  if (stripped === '') return false;
  const entries: { text: string; address: IpAddress }[] = [];
  for (const text of stripped.split(';')) {
    if (text === '') continue;
    const address = parseIpLiteral(text);
    if (address === null) return false;
    entries.push({ text, address });
  }
  if (entries.length === 0) return false;
  entries.sort((a, b) => compareIpAddresses(a.address, b.address));
  return entries.map((entry) => entry.text).join(';');
}

/**
 * `isInNetEx(ip, prefix)` (proxy_resolver_v8.cc): non-ASCII text, a bad IP literal or a bad CIDR
 * block give false; otherwise `IPAddressMatchesPrefix` with IPv4-mapped conversion.
 * @example isInNetEx('::ffff:192.168.100.5', '192.168.1.1/16') // true
 */
export function isInNetEx(ip: string, prefix: string): boolean {
  if (!isAscii(ip) || !isAscii(prefix)) return false;
  const address = parseIpLiteral(ip);
  const block = parseCidrBlock(prefix);
  if (address === null || block === null) return false;
  return ipAddressMatchesPrefix(address, block.address, block.prefixLength);
}

// Characters that would make the URL parser read more than a host out of `http://${text}/`.
const URL_STRUCTURE = /[\u0000-\u0020/\\?#@:[\]%\u007f]/;

/**
 * The host name a DNS binding passes on (`GetHostnameArgument` in proxy_resolver_v8.cc): ASCII text
 * unchanged, otherwise IDN converted to punycode (`Bücher.ch` → `xn--bcher-kva.ch`) with the URL
 * host parser's UTS #46 processing. Null when the conversion fails; the binding then fails without
 * a lookup.
 */
export function toDnsHostname(host: string): string | null {
  if (isAscii(host)) return host;
  if (URL_STRUCTURE.test(host)) return null;
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return null;
  }
}

/** True when every UTF-16 code unit is below 0x80. */
export function isAscii(text: string): boolean {
  return /^[\u0000-\u007f]*$/.test(text);
}

/**
 * JS evaluated first in every PAC context. It is a function expression called once with the raw
 * host functions; it installs the Chromium C++ bindings as ordinary, overwritable globals and returns
 * private helpers the sandbox keeps: checking and calling `FindProxyForURL` (answers are strings:
 * `'S' + result`, `'N'` not a string, `'M'` missing, `'A'` reading it threw, `'E'` it threw) and
 * describing an exception as `[text, stack, isSyntaxError]` JSON. Everything it relies on (`Reflect.apply`, `TypeError`,
 * `JSON.stringify`, the host functions) is captured before the user's script runs, so a script
 * that replaces globals cannot change how bindings check arguments or how results are reported.
 *
 * Argument rules follow proxy_resolver_v8.cc: `isPlainHostName` throws
 * `TypeError: Requires 1 string parameter` for a missing or non-string argument; `dnsResolve`
 * gives null and `dnsResolveEx` undefined without a lookup; `sortIpAddressList` gives null for a
 * non-string; `isInNetEx` gives null unless both arguments are strings; `alert` stringifies like
 * V8's `ToString` (a throwing `toString` propagates and nothing is alerted).
 *
 * `host.resolve(op, name)` returns a string on success, null on failure, undefined when the name
 * cannot be converted to ASCII (the binding then answers as for a non-string argument) and false
 * when the answer is not known yet; the binding then throws a private token to end the run quickly. The sandbox
 * also interrupts the run (uncatchable), discards it, looks the name up and runs the script again,
 * as services/proxy_resolver/proxy_resolver_v8_tracing.cc does.
 */
export const PAC_BINDINGS_BOOTSTRAP = `(function installPacBindings(host) {
  'use strict';
  var global = globalThis;
  var apply = Reflect.apply;
  var construct = Reflect.construct;
  var slice = Array.prototype.slice;
  var stringify = JSON.stringify;
  var TypeErrorConstructor = TypeError;
  var SyntaxErrorConstructor = SyntaxError;
  var hostIsPlainHostName = host.isPlainHostName;
  var hostResolve = host.resolve;
  var hostSortIpAddressList = host.sortIpAddressList;
  var hostIsInNetEx = host.isInNetEx;
  var hostAlert = host.alert;
  var hostNow = host.now;
  var awaitingLookup = Object.freeze({ reason: 'PAC run abandoned until a host lookup completes' });
  var lastError;

  function lookup(op, name) {
    var result = hostResolve(op, name);
    if (result === false) throw awaitingLookup;
    return result;
  }

  global.isPlainHostName = function isPlainHostName(name) {
    if (typeof name !== 'string') throw new TypeErrorConstructor('Requires 1 string parameter');
    return hostIsPlainHostName(name);
  };
  global.dnsResolve = function dnsResolve(name) {
    if (typeof name !== 'string') return null;
    var result = lookup('DNS_RESOLVE', name);
    return result === undefined ? null : result;
  };
  global.dnsResolveEx = function dnsResolveEx(name) {
    if (typeof name !== 'string') return undefined;
    var result = lookup('DNS_RESOLVE_EX', name);
    return result === null ? '' : result;
  };
  global.myIpAddress = function myIpAddress() {
    var result = lookup('MY_IP_ADDRESS', '');
    return result === null ? '127.0.0.1' : result;
  };
  global.myIpAddressEx = function myIpAddressEx() {
    var result = lookup('MY_IP_ADDRESS_EX', '');
    return result === null ? '' : result;
  };
  global.sortIpAddressList = function sortIpAddressList(list) {
    if (typeof list !== 'string') return null;
    return hostSortIpAddressList(list);
  };
  global.isInNetEx = function isInNetEx(ip, prefix) {
    if (typeof ip !== 'string' || typeof prefix !== 'string') return null;
    return hostIsInNetEx(ip, prefix);
  };
  global.alert = function alert(message) {
    hostAlert(\`\${message}\`);
  };

  if (typeof hostNow === 'function') {
    var RealDate = Date;
    var dateToString = RealDate.prototype.toString;
    var PacDate = function Date(year, monthIndex, day, hours, minutes, seconds, ms) {
      if (new.target === undefined) return apply(dateToString, new RealDate(hostNow()), []);
      var args = arguments.length === 0 ? [hostNow()] : apply(slice, arguments, []);
      return construct(RealDate, args, new.target);
    };
    PacDate.prototype = RealDate.prototype;
    PacDate.now = function now() { return hostNow(); };
    PacDate.parse = RealDate.parse;
    PacDate.UTC = RealDate.UTC;
    Object.defineProperty(RealDate.prototype, 'constructor', { value: PacDate, writable: true, configurable: true });
    Object.defineProperty(global, 'Date', { value: PacDate, writable: true, configurable: true });
  }

  function describe(error) {
    var text;
    try {
      text = \`\${error}\`;
    } catch (ignored) {
      text = 'exception';
    }
    var stack = null;
    var isSyntaxError = false;
    if (error !== null && typeof error === 'object') {
      try {
        stack = typeof error.stack === 'string' ? error.stack : null;
        isSyntaxError = error instanceof SyntaxErrorConstructor;
      } catch (ignored) {
        stack = null;
      }
    }
    return stringify([text, stack, isSyntaxError]);
  }

  // A function, or 'A' when reading FindProxyForURL threw, 'M' when it is not a function.
  function findEntryPoint() {
    var entry;
    try {
      entry = global.FindProxyForURL;
    } catch (error) {
      return 'A';
    }
    return typeof entry === 'function' ? entry : 'M';
  }

  return {
    checkFindProxyForURL: function () {
      var entry = findEntryPoint();
      return typeof entry === 'function' ? 'F' : entry;
    },
    invokeFindProxyForURL: function (url, hostName) {
      var entry = findEntryPoint();
      if (typeof entry !== 'function') return entry;
      var result;
      try {
        result = apply(entry, global, [url, hostName]);
      } catch (error) {
        lastError = error;
        return 'E';
      }
      return typeof result === 'string' ? 'S' + result : 'N';
    },
    describeLastError: function () {
      var error = lastError;
      lastError = undefined;
      return describe(error);
    },
    describeError: describe
  };
})`;
