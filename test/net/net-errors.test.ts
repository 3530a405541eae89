// One mapping from host errors to Chromium's net errors (core/src/net/net-errors.ts), used by the
// routing contract of every transport (directRouteFailure) as by the session's error stage.
import { describe, expect, it } from 'vitest';
import { toNetError, netError } from '../../core/src/net/net-errors.ts';
import { directRouteFailure, type PipelineRequest } from '../../core/src/fetch/transport.ts';
import { routeErrorFrom } from '../../adapters/undici/route-dispatcher.ts';
import { denoRouteError } from '../../adapters/deno-route-errors.ts';

function request(proxy: string): PipelineRequest {
  return {
    url: new URL('http://example.test/'), method: 'GET', headers: new Headers(), body: null,
    signal: undefined, redirect: 'manual', proxy, partition: 'net-errors',
  };
}

const errno = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

describe('DIRECT connect failures agree with toNetError on every transport', () => {
  it.each([
    ['ECONNREFUSED', 'ERR_CONNECTION_REFUSED'],
    ['ENOTFOUND', 'ERR_NAME_NOT_RESOLVED'],
    ['EHOSTUNREACH', 'ERR_ADDRESS_UNREACHABLE'],
    ['ENETUNREACH', 'ERR_INTERNET_DISCONNECTED'],
  ])('%s is %s, phase connect', (code, name) => {
    const err = new TypeError('fetch failed', { cause: errno(code) });
    expect(toNetError(err, {}).code).toBe(name);
    expect(directRouteFailure(err, request('DIRECT'))).toMatchObject({ code: name, context: { phase: 'connect', proxy: 'DIRECT' } });
    expect(routeErrorFrom(err, request('DIRECT'))).toMatchObject({ code: name, context: { phase: 'connect' } });
  });

  // Regression: the undici adapter kept its own errno table, where ENETUNREACH was ERR_ADDRESS_UNREACHABLE.
  it('ENETUNREACH is ERR_INTERNET_DISCONNECTED in the undici adapter too (net_errors_posix.cc)', () => {
    expect(routeErrorFrom(errno('ENETUNREACH'), request('DIRECT'))).toMatchObject({ code: 'ERR_INTERNET_DISCONNECTED' });
  });

  // Regression: the session resolver's own net::ERR_NAME_NOT_RESOLVED was not seen as a connect failure.
  it('a net error from the session resolver counts as a connect failure', () => {
    const err = netError('ERR_NAME_NOT_RESOLVED', { host: 'example.test' });
    expect(routeErrorFrom(err, request('DIRECT'))).toMatchObject({ code: 'ERR_NAME_NOT_RESOLVED', context: { phase: 'connect' } });
  });

  it('a reset after connecting is not a route failure', () => {
    expect(directRouteFailure(errno('ECONNRESET'), request('DIRECT'))).toBeNull();
    expect(directRouteFailure(errno('ECONNREFUSED'), request('PROXY p:1'))).toBeNull();
  });

  it('Deno texts map the same way (DNS error and refused connection, DIRECT)', () => {
    const dns = new TypeError('error sending request', { cause: new Error('client error (Connect): dns error: failed to lookup address information') });
    const refused = new TypeError('error sending request', { cause: new Error('client error (Connect): tcp connect error: Connection refused (os error 111)') });
    expect(denoRouteError(dns, request('DIRECT'))).toMatchObject({ code: 'ERR_NAME_NOT_RESOLVED', context: { phase: 'connect' } });
    expect(denoRouteError(refused, request('DIRECT'))).toMatchObject({ code: 'ERR_CONNECTION_REFUSED', context: { phase: 'connect' } });
    expect(denoRouteError(refused, request('PROXY p:1'))).toMatchObject({ code: 'ERR_PROXY_CONNECTION_FAILED' });
  });
});
