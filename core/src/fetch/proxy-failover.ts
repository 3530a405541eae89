import { parsePacString, type BadProxyInfo } from '../proxy/index.ts';
import type { ProxyChainInfo } from '../proxy/proxy-server.ts';
import { routeFailure, routeFailureOf, type PipelineRequest, type Stage } from './transport.ts';

/**
 * Errors that let a request move on to the next entry of its proxy list: Chromium's
 * CanFalloverToNextProxy (net/http/proxy_fallback.cc). ERR_TUNNEL_CONNECTION_FAILED (a CONNECT
 * answered with a non-2xx) is deliberately absent: Chromium does not fall back on it, because PAC
 * configurations use it to block content (crbug.com/680837).
 */
export const FALLBACK_CODES: ReadonlySet<string> = new Set([
  'ERR_PROXY_CONNECTION_FAILED',
  'ERR_NAME_NOT_RESOLVED',
  'ERR_INTERNET_DISCONNECTED',
  'ERR_ADDRESS_UNREACHABLE',
  'ERR_CONNECTION_CLOSED',
  'ERR_CONNECTION_TIMED_OUT',
  'ERR_CONNECTION_RESET',
  'ERR_CONNECTION_REFUSED',
  'ERR_CONNECTION_ABORTED',
  'ERR_TIMED_OUT',
  'ERR_SOCKS_CONNECTION_FAILED',
  'ERR_PROXY_CERTIFICATE_INVALID',
  'ERR_SSL_PROTOCOL_ERROR',
]);

/** What the failover stage needs from its session. */
export interface ProxyFailoverOptions {
  /** The PAC-style list for a URL (the same answer `resolveProxy` gives, bad proxies already last). */
  routeFor(url: string): Promise<string>;
  /** The session's retry map (ProxyServerToProxyUri → retry info), shared with `resolveProxy`. */
  readonly badProxies: Map<string, BadProxyInfo>;
  /** How long a failed proxy stays bad (ProxyList::Fallback: 5 minutes). */
  readonly retryMs: number;
  /** Clock of `badUntil` (default `Date.now`). */
  now?(): number;
}

/**
 * The "proxy resolution (+ bypass, failover)" stage: resolves the list, then hands the transport one
 * entry at a time. An entry that fails to connect with a FALLBACK_CODES error is skipped; once an
 * entry works the skipped proxies are reported bad (ProxyResolutionService::ReportSuccess), so
 * `resolveProxy` lists them last. When every entry fails the last error is the request's error.
 */
export function createProxyFailoverStage(options: ProxyFailoverOptions): Stage {
  const now = options.now ?? Date.now;
  return async (request, next) => {
    const chains = parsePacString(await options.routeFor(request.url.href));
    if (chains.length === 1) {
      // One entry: nothing to fall back to, nobody to report bad. The answer is returned, not
      // awaited, so no frame of this stage waits while the request is in flight.
      const pac = chains[0]!.pac;
      try {
        return next(pac === request.proxy ? request : { ...request, proxy: pac }).then(undefined, lastEntryFailed);
      } catch (err) {
        // A stage below that throws at once fails the same way as one that rejects.
        return lastEntryFailed(err);
      }
    }
    const failed: ProxyChainInfo[] = [];
    let body = request.body;
    for (let i = 0; ; i++) {
      const chain = chains[i]!;
      const last = i === chains.length - 1;
      // A stream body can be read once: keep a second branch in case this entry cannot connect.
      let spare: ReadableStream | null = null;
      let sent = body;
      if (!last && isStream(body)) [sent, spare] = body.tee();
      // Later stages copy the headers before they change them (auth), so the attempts can share them.
      const attempt: PipelineRequest = { ...request, body: sent, proxy: chain.pac };
      try {
        const response = await next(attempt);
        void spare?.cancel();
        reportBad(options.badProxies, failed, now() + options.retryMs);
        return response;
      } catch (err) {
        const failure = routeFailureOf(err);
        if (failure?.code === 'ERR_SOCKS_CONNECTION_HOST_UNREACHABLE') {
          // proxy_fallback.cc remaps it and does not fall back: the proxy works, the origin does not.
          throw routeFailure('ERR_ADDRESS_UNREACHABLE', failure, err);
        }
        const canFallback = failure !== null && failure.phase === 'connect' && FALLBACK_CODES.has(failure.code) && !request.signal?.aborted;
        if (last || !canFallback) {
          void spare?.cancel();
          throw err;
        }
        failed.push(chain);
        body = spare ?? body;
      }
    }
  };
}

// The last entry failed: its error is the request's (SOCKS's host-unreachable remapped, as below).
function lastEntryFailed(err: unknown): never {
  const failure = routeFailureOf(err);
  if (failure?.code === 'ERR_SOCKS_CONNECTION_HOST_UNREACHABLE') throw routeFailure('ERR_ADDRESS_UNREACHABLE', failure, err);
  throw err;
}

// ProxyList::UpdateRetryInfoOnFallback: DIRECT is never marked; bad proxies stay tryable at the end.
function reportBad(bad: Map<string, BadProxyInfo>, failed: readonly ProxyChainInfo[], badUntil: number): void {
  for (const chain of failed) {
    if (chain.scheme !== 'DIRECT') bad.set(chain.uri, { tryWhileBad: true, badUntil });
  }
}

function isStream(body: unknown): body is ReadableStream {
  return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}
