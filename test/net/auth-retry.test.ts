// The auth stage's retry after a 401 sends the identity the challenge chose (a cached one, or the
// login's answer), as HttpAuthController does: never again what was just refused. Two cases that
// used to resend the same request forever: a caller's own Authorization header with a cached
// realm, and two realms whose cached paths overlap.
import { describe, expect, it } from 'vitest';
import { AuthCache, createAuthStage } from '../../core/src/fetch/auth.ts';
import type { PipelineRequest } from '../../core/src/fetch/transport.ts';

const request = (path: string, headers: Record<string, string> = {}): PipelineRequest =>
  ({ url: new URL(`http://h.test${path}`), method: 'GET', headers: new Headers(headers), body: null, redirect: 'manual', proxy: 'DIRECT', partition: 'p' }) as unknown as PipelineRequest;

const basic = (user: string, password: string): string => `Basic ${btoa(`${user}:${password}`)}`;

/** A server with one realm per path rule; records the Authorization of every request it gets. */
function server(realmOf: (path: string) => string, accepts: (realm: string, authorization: string | null) => boolean) {
  const seen: (string | null)[] = [];
  const next = async (r: PipelineRequest): Promise<Response> => {
    const authorization = r.headers.get('authorization');
    seen.push(authorization);
    if (seen.length > 12) throw new Error(`still retrying after ${seen.length} requests: ${seen.join(' | ')}`);
    const realm = realmOf(r.url.pathname);
    if (accepts(realm, authorization)) return new Response('ok');
    return new Response(null, { status: 401, headers: { 'www-authenticate': `Basic realm="${realm}"` } });
  };
  return { seen, next };
}

describe('auth stage retries', () => {
  it('answers a 401 to a request with its own Authorization header with the cached identity, once', async () => {
    const cache = new AuthCache();
    const logins: string[] = [];
    const stage = createAuthStage({ cache, scope: 'server', login: async (_url, info) => (logins.push(info.realm), { username: 'u', password: 'p' }) });
    const s = server(() => 'r', (_realm, a) => a === basic('u', 'p'));
    expect((await stage(request('/a/b'), s.next)).status).toBe(200);
    expect(logins).toEqual(['r']);
    s.seen.length = 0;
    // The caller's own header is refused; the retry sends the realm's cached credentials.
    expect((await stage(request('/a/b', { authorization: 'Basic eHh4' }), s.next)).status).toBe(200);
    expect(s.seen).toEqual(['Basic eHh4', basic('u', 'p')]);
    expect(logins).toEqual(['r']);
  });

  it('gives up with the 401 when the cached identity is refused too and nobody logs in', async () => {
    const cache = new AuthCache();
    let answer: { username: string; password: string } | null = { username: 'u', password: 'p' };
    const stage = createAuthStage({ cache, scope: 'server', login: async () => answer });
    let open = true;
    const s = server(() => 'r', (_realm, a) => open && a === basic('u', 'p'));
    expect((await stage(request('/a/b'), s.next)).status).toBe(200);
    open = false;
    answer = null;
    s.seen.length = 0;
    expect((await stage(request('/a/b', { authorization: 'Basic eHh4' }), s.next)).status).toBe(401);
    expect(s.seen).toEqual(['Basic eHh4', basic('u', 'p')]);
  });

  it('retries a challenge of another realm with that realm\'s identity, even where a longer cached path belongs to the first', async () => {
    const cache = new AuthCache();
    const stage = createAuthStage({ cache, scope: 'server', login: async (_url, info) => ({ username: info.realm, password: 'p' }) });
    let moved = false;
    const realmOf = (path: string): string => (path.startsWith('/x/') || moved ? 'r2' : 'r1');
    const s = server(realmOf, (realm, a) => a === basic(realm, 'p'));
    expect((await stage(request('/a/b/c'), s.next)).status).toBe(200);
    expect((await stage(request('/x/y'), s.next)).status).toBe(200);
    // /a/b/ now belongs to r2: r1's cached credentials (path /a/b/) go first and are refused; the
    // retry must send r2's, not r1's again.
    moved = true;
    s.seen.length = 0;
    expect((await stage(request('/a/b/c'), s.next)).status).toBe(200);
    expect(s.seen).toEqual([basic('r1', 'p'), basic('r2', 'p')]);
  });
});
