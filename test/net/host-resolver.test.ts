// The session host resolver alone, with a fake DNS port and clock: Chromium's cache rules
// (60 s TTL, no negative caching, cacheUsage, localOnly) and --host-resolver-rules parsing.
import { describe, expect, it } from 'vitest';
import { HostResolver } from '../../core/src/net/host-resolver.ts';
import { HostResolverRules } from '../../core/src/net/host-resolver-rules.ts';
import type { DnsPort } from '../../core/src/net/ports.ts';

function fakeDns(answers: Record<string, string[]>): DnsPort & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async lookup(host, family) {
      calls.push(`${host}/${family}`);
      const list = answers[host];
      if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return list;
    },
  };
}

describe('HostResolver cache (net/dns/host_cache.cc)', () => {
  it('caches answers for 60 s, serves stale ones only with cacheUsage "staleAllowed", and re-asks with "disallowed"', async () => {
    const dns = fakeDns({ 'a.test': ['10.0.0.1', '::a'] });
    let now = 1_000;
    const resolver = new HostResolver(dns, () => '', () => now);
    const both = { endpoints: [{ address: '10.0.0.1', family: 'ipv4' }, { address: '::a', family: 'ipv6' }] };
    expect(await resolver.resolveHost('a.test')).toEqual(both);
    expect(await resolver.resolveHost('A.TEST')).toEqual(both);
    expect(dns.calls).toEqual(['a.test/0']);
    now += 60_001;
    expect(await resolver.resolveHost('a.test', { cacheUsage: 'staleAllowed' })).toEqual(both);
    expect(dns.calls).toHaveLength(1);
    await resolver.resolveHost('a.test');
    expect(dns.calls).toHaveLength(2);
    await resolver.resolveHost('a.test', { cacheUsage: 'disallowed' });
    expect(dns.calls).toHaveLength(3);
  });

  it('keeps A and AAAA answers apart, filters by family, and shares one query between concurrent lookups', async () => {
    const dns = fakeDns({ 'b.test': ['10.0.0.2', '::b'] });
    const resolver = new HostResolver(dns, () => '');
    const [x, y] = await Promise.all([resolver.resolveHost('b.test', { queryType: 'AAAA' }), resolver.resolveHost('b.test', { queryType: 'AAAA' })]);
    expect(x).toEqual({ endpoints: [{ address: '::b', family: 'ipv6' }] });
    expect(y).toEqual(x);
    expect(dns.calls).toEqual(['b.test/6']);
  });

  it('does not cache failures, answers localOnly from the cache, and forgets everything on clear()', async () => {
    const answers: Record<string, string[]> = {};
    const dns = fakeDns(answers);
    const resolver = new HostResolver(dns, () => '');
    await expect(resolver.resolveHost('c.test')).rejects.toMatchObject({ code: 'ERR_NAME_NOT_RESOLVED', message: 'net::ERR_NAME_NOT_RESOLVED' });
    answers['c.test'] = ['10.0.0.3'];
    await expect(resolver.resolveHost('c.test', { source: 'localOnly' })).rejects.toThrow('net::ERR_DNS_CACHE_MISS');
    expect(await resolver.resolveHost('c.test')).toEqual({ endpoints: [{ address: '10.0.0.3', family: 'ipv4' }] });
    expect(await resolver.resolveHost('c.test', { source: 'localOnly' })).toEqual({ endpoints: [{ address: '10.0.0.3', family: 'ipv4' }] });
    resolver.clear();
    await expect(resolver.resolveHost('c.test', { source: 'localOnly' })).rejects.toThrow('net::ERR_DNS_CACHE_MISS');
  });

  it('names the missing capability "dns" on a host without a resolver', async () => {
    const resolver = new HostResolver(undefined, () => '');
    await expect(resolver.resolveHost('d.test')).rejects.toMatchObject({ code: 'ERR_CAPABILITY_UNAVAILABLE', context: { capability: 'dns' } });
    expect(await resolver.resolveHost('x.localhost')).toEqual({ endpoints: [{ address: '::1', family: 'ipv6' }, { address: '127.0.0.1', family: 'ipv4' }] });
  });

  it('applies the rules to connections too, with a replacement port and a mapped name that is resolved again', async () => {
    const dns = fakeDns({ 'real.test': ['10.9.9.9'] });
    let rules = 'MAP *.alias.test real.test, MAP ported.test 127.0.0.1:8080, MAP gone.test ~NOTFOUND';
    const resolver = new HostResolver(dns, () => rules);
    expect(await resolver.resolveForConnect('www.alias.test', 443)).toEqual({ endpoints: [{ address: '10.9.9.9', family: 'ipv4' }], port: 443 });
    expect(await resolver.resolveForConnect('ported.test', 80)).toEqual({ endpoints: [{ address: '127.0.0.1', family: 'ipv4' }], port: 8080 });
    await expect(resolver.resolveForConnect('gone.test', 80)).rejects.toThrow('net::ERR_NAME_NOT_RESOLVED');
    rules = '';
    await expect(resolver.resolveForConnect('gone.test', 80)).rejects.toThrow('net::ERR_NAME_NOT_RESOLVED');
    expect(dns.calls).toEqual(['real.test/0', 'gone.test/0']);
  });
});

describe('--host-resolver-rules (net/base/host_mapping_rules.cc)', () => {
  it('takes the first matching MAP, honours EXCLUDE, matches host:port patterns and skips malformed rules', () => {
    const rules = new HostResolverRules('MAP * 127.0.0.1, EXCLUDE keep.test, MAP bogus, MAP [::1] nope:port');
    expect(rules.rewrite('any.test', null)).toEqual({ kind: 'map', host: '127.0.0.1', port: null });
    expect(rules.rewrite('keep.test', 80)).toEqual({ kind: 'none' });
    const ported = new HostResolverRules('map a.test:81 [::1]:9000, MAP a.test ~NOTFOUND');
    expect(ported.rewrite('a.test', 81)).toEqual({ kind: 'map', host: '::1', port: 9000 });
    expect(ported.rewrite('a.test', 80)).toEqual({ kind: 'notfound' });
    expect(new HostResolverRules('MAP bogus, FOO a b').empty).toBe(true);
  });
});
