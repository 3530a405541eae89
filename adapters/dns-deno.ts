import type { DnsPort } from '../core/src/net/ports.ts';
import { formatIpAddress, parseIpLiteral } from '../core/src/proxy/pac/ip-literal.ts';

declare const Deno: {
  resolveDns(query: string, recordType: 'A' | 'AAAA'): Promise<string[]>;
};

/**
 * DNS on Deno: `Deno.resolveDns` A and AAAA queries (needs `--allow-net`). Unlike getaddrinfo this
 * asks the configured DNS servers directly and does not read /etc/hosts, so two getaddrinfo answers
 * are reproduced here: an IP literal resolves to itself, and `localhost` / `*.localhost` to
 * loopback (RFC 6761 §6.3). For family 0 the IPv4 addresses come first.
 */
export function createDenoDns(): DnsPort {
  return {
    async lookup(host, family) {
      const literal = parseIpLiteral(host);
      if (literal !== null) {
        if (family !== 0 && family !== literal.family) throw new Error(`${host} is not an IPv${family} address`);
        return [formatIpAddress(literal)];
      }
      const name = host.toLowerCase().replace(/\.$/, '');
      if (name === 'localhost' || name.endsWith('.localhost')) {
        return family === 4 ? ['127.0.0.1'] : family === 6 ? ['::1'] : ['127.0.0.1', '::1'];
      }
      const queries: Promise<string[]>[] = [];
      if (family !== 6) queries.push(Deno.resolveDns(host, 'A'));
      if (family !== 4) queries.push(Deno.resolveDns(host, 'AAAA'));
      const settled = await Promise.allSettled(queries);
      const addresses = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
      if (addresses.length === 0) {
        const failure = settled.find((outcome) => outcome.status === 'rejected');
        throw failure?.reason ?? new Error(`${host} has no ${family === 0 ? '' : `IPv${family} `}addresses`);
      }
      return addresses;
    },
  };
}
