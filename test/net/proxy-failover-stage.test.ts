// The proxy failover stage with one PAC entry fails as with several: a SOCKS proxy that cannot
// reach the host is the request's net::ERR_ADDRESS_UNREACHABLE, whether the stage below rejects
// or throws at once.
import { describe, expect, it } from 'vitest';
import { createProxyFailoverStage } from '../../core/src/fetch/proxy-failover.ts';
import { routeFailure, type PipelineRequest } from '../../core/src/fetch/transport.ts';

const request = { url: new URL('http://h.test/x'), method: 'GET', headers: new Headers(), body: null, redirect: 'follow', proxy: 'DIRECT', partition: 'p' } as unknown as PipelineRequest;
const unreachable = () => routeFailure('ERR_SOCKS_CONNECTION_HOST_UNREACHABLE', { phase: 'connect' } as never);

describe('proxy failover, one entry', () => {
  for (const [label, next] of [
    ['rejects', async (): Promise<Response> => { throw unreachable(); }],
    ['throws at once', (): Promise<Response> => { throw unreachable(); }],
  ] as const) {
    it(`maps SOCKS host-unreachable to ERR_ADDRESS_UNREACHABLE when the stage below ${label}`, async () => {
      const stage = createProxyFailoverStage({ routeFor: async () => 'SOCKS5 127.0.0.1:1', badProxies: new Map(), retryMs: 1 } as never);
      await expect(stage(request, next)).rejects.toMatchObject({ code: 'ERR_ADDRESS_UNREACHABLE' });
    });
  }
  it('hands the entry to the stage below', async () => {
    const stage = createProxyFailoverStage({ routeFor: async () => 'PROXY p.test:8080', badProxies: new Map(), retryMs: 1 } as never);
    const seen: string[] = [];
    const response = await stage(request, async (r) => (seen.push(r.proxy), new Response('ok')));
    expect(response.status).toBe(200);
    expect(seen).toEqual(['PROXY p.test:8080']);
  });
});
