import { lookup } from 'node:dns/promises';
import type { DnsPort } from '../core/src/net/ports.ts';

/**
 * DNS on Node: `dns.lookup` (getaddrinfo, so /etc/hosts and the system resolver configuration
 * apply, as for Chromium's system resolver), all addresses, in the order getaddrinfo returned them.
 */
export function createNodeDns(): DnsPort {
  return {
    async lookup(host, family) {
      const records = await lookup(host, { all: true, family, verbatim: true });
      return records.map((record) => record.address);
    },
  };
}
