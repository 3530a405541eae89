// Node-only: the DNS and local-address adapters against the real system resolver and routing table.
import { describe, it, expect } from 'vitest';
import { createNodeDns } from '../../adapters/dns-node.ts';
import { createNodeLocalAddresses } from '../../adapters/local-address-node.ts';
import { isIpLiteral } from '../../core/src/proxy/pac/ip-literal.ts';
import { createPacResolver } from '../../core/src/proxy/pac/pac-resolver.ts';

describe('Node DNS adapter', () => {
  const dns = createNodeDns();

  it('has the DnsPort shape', () => {
    expect(typeof dns.lookup).toBe('function');
  });

  it('resolves localhost through getaddrinfo, honouring the family', async () => {
    const all = await dns.lookup('localhost', 0);
    expect(all.some((address) => address === '127.0.0.1' || address === '::1')).toBe(true);
    const ipv4 = await dns.lookup('localhost', 4);
    expect(ipv4.length).toBeGreaterThan(0);
    expect(ipv4.every((address) => !address.includes(':'))).toBe(true);
  });

  it('rejects a name that does not resolve', async () => {
    await expect(dns.lookup('no-such-host.invalid', 0)).rejects.toBeDefined();
  });
});

describe('Node local-address adapter', () => {
  const local = createNodeLocalAddresses();

  it('has the LocalAddressPort shape', () => {
    expect(typeof local.sourceAddressFor).toBe('function');
    expect(typeof local.hostnameAddresses).toBe('function');
  });

  it('reports the source address of a UDP connect, or null when there is no route', async () => {
    expect(await local.sourceAddressFor('127.0.0.1')).toBe('127.0.0.1');
    const external = await local.sourceAddressFor('8.8.8.8');
    expect(external === null || isIpLiteral(external)).toBe(true);
  });

  it('lists the host name addresses', async () => {
    const addresses = await local.hostnameAddresses();
    expect(addresses.every(isIpLiteral)).toBe(true);
  });

  it('feeds dnsResolve and myIpAddress in a PAC script', async () => {
    const resolver = await createPacResolver('function FindProxyForURL() { return dnsResolve("localhost") + " " + myIpAddress(); }', {
      dns: createNodeDns(),
      localAddresses: createNodeLocalAddresses(),
    });
    const [resolved = '', myIp = ''] = (await resolver.findProxyForURL('http://a/', 'a')).split(' ');
    resolver.dispose();
    expect(resolved).toBe('127.0.0.1');
    expect(isIpLiteral(myIp)).toBe(true);
  });
});
