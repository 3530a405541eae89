import { directRouteFailure, routeFailure, type PipelineRequest } from '../core/src/fetch/transport.ts';

/**
 * The routing-contract error (core/src/fetch/transport.ts) for a Deno `fetch` failure, or null.
 * Deno reports only text ("client error (Connect): tcp connect error: Connection refused"), so
 * this reads it: a connect error while a proxy is in use is the proxy's (the origin is reached by
 * the proxy), ERR_PROXY_CONNECTION_FAILED as Chromium's HttpProxyConnectJob says.
 * A CONNECT answered 407 ("proxy authentication required", Deno 2.9) gives
 * ERR_PROXY_AUTH_REQUESTED without a challenge (Deno drops the response); other non-2xx answers
 * to CONNECT ("unsuccessful tunnel") give ERR_TUNNEL_CONNECTION_FAILED, which is not failed over.
 */
export function denoRouteError(err: unknown, request: PipelineRequest): Error | null {
  const text = collectMessages(err);
  const context = { url: request.url.href, partition: request.partition, proxy: request.proxy, phase: 'connect' as const };
  if (request.proxy !== 'DIRECT') {
    if (/proxy authentication required/i.test(text)) return routeFailure('ERR_PROXY_AUTH_REQUESTED', { ...context, proxyAuthenticate: [] }, err);
    if (/unsuccessful tunnel/i.test(text)) return routeFailure('ERR_TUNNEL_CONNECTION_FAILED', context, err);
  }
  if (!/client error \(Connect\)|tcp connect error|Connection refused|dns error/i.test(text)) return null;
  if (request.proxy !== 'DIRECT') return routeFailure('ERR_PROXY_CONNECTION_FAILED', context, err);
  return directRouteFailure(err, request);
}

interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
}
declare const Deno: {
  connect(options: { hostname: string; port: number }): Promise<DenoConn>;
  connectTls(options: { hostname: string; port: number }): Promise<DenoConn>;
};

/**
 * The `Proxy-Authenticate` values a proxy sends when it refuses `CONNECT target` (407), or null
 * when it does not refuse or cannot be asked. Deno's error for a refused CONNECT carries no
 * challenge, so the transport asks the proxy once more itself, without credentials.
 */
export async function probeConnectChallenge(proxyUrl: string, target: string, timeoutMs = 5_000): Promise<string[] | null> {
  const proxy = new URL(proxyUrl);
  const https = proxy.protocol === 'https:';
  const endpoint = { hostname: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port || (https ? 443 : 80)) };
  let conn: DenoConn | null = null;
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; closeQuietly(conn); }, timeoutMs);
  try {
    conn = https ? await Deno.connectTls(endpoint) : await Deno.connect(endpoint);
    if (timedOut) return null;
    await conn.write(new TextEncoder().encode(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
    let head = '';
    const buffer = new Uint8Array(4096);
    const decoder = new TextDecoder('latin1');
    while (!head.includes('\r\n\r\n') && head.length < 16_384) {
      const n = await conn.read(buffer);
      if (n === null) break;
      head += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
    const lines = head.split('\r\n\r\n', 1)[0]!.split('\r\n');
    if (!/^HTTP\/1\.[01] 407\b/.test(lines[0] ?? '')) return null;
    const values: string[] = [];
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'proxy-authenticate') values.push(line.slice(colon + 1).trim());
    }
    return values;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    closeQuietly(conn);
  }
}

function closeQuietly(conn: DenoConn | null): void {
  try {
    conn?.close();
  } catch {
    // already closed (timeout, or the proxy hung up)
  }
}

function collectMessages(err: unknown): string {
  let out = '';
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    out += ` ${(e as { message?: unknown }).message ?? String(e)}`;
  }
  return out;
}
