import { routeFailure, type PipelineRequest } from '../core/src/fetch/transport.ts';

/**
 * The routing-contract error (core/src/fetch/transport.ts) for a Deno `fetch` failure, or null.
 * Deno reports only text ("client error (Connect): tcp connect error: Connection refused"), so
 * this reads it: a connect error while a proxy is in use is the proxy's (the origin is reached by
 * the proxy), ERR_PROXY_CONNECTION_FAILED as Chromium's HttpProxyConnectJob says.
 */
export function denoRouteError(err: unknown, request: PipelineRequest): Error | null {
  const text = collectMessages(err);
  if (!/client error \(Connect\)|tcp connect error|Connection refused|dns error/i.test(text)) return null;
  const context = { url: request.url.href, partition: request.partition, proxy: request.proxy, phase: 'connect' as const };
  if (request.proxy !== 'DIRECT') return routeFailure('ERR_PROXY_CONNECTION_FAILED', context, err);
  if (/Connection refused/i.test(text)) return routeFailure('ERR_CONNECTION_REFUSED', context, err);
  return null;
}

function collectMessages(err: unknown): string {
  let out = '';
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    out += ` ${(e as { message?: unknown }).message ?? String(e)}`;
  }
  return out;
}
