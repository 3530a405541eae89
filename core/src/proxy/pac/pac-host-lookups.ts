import type { DnsPort, LocalAddressPort } from '../../net/ports.ts';
import { findMyIpAddresses } from './my-ip-address.ts';
import type { PacHostOperation } from './pac-bindings.ts';
import { formatIpAddress, parseIpLiteral } from './ip-literal.ts';

/** The ports PAC lookups use; either may be missing (a browser has neither). */
export interface PacHostPorts {
  readonly dns?: DnsPort | undefined;
  readonly localAddresses?: LocalAddressPort | undefined;
}

/**
 * True when `operation` can only be answered by an asynchronous lookup. False when the answer is a
 * known failure: no port to ask, or an empty name for a DNS operation
 * (services/proxy_resolver/proxy_resolver_v8_tracing.cc treats an empty host name as an error).
 */
export function needsHostLookup(operation: PacHostOperation, host: string, ports: PacHostPorts): boolean {
  switch (operation) {
    case 'DNS_RESOLVE':
    case 'DNS_RESOLVE_EX':
      return ports.dns !== undefined && host !== '';
    case 'MY_IP_ADDRESS':
    case 'MY_IP_ADDRESS_EX':
      return ports.localAddresses !== undefined;
  }
}

/**
 * Answer one PAC host operation as the string its binding returns, or null on failure:
 * `DNS_RESOLVE` → first IPv4 address; `DNS_RESOLVE_EX` → every address, `;`-joined;
 * `MY_IP_ADDRESS(_EX)` → {@link findMyIpAddresses}. Never rejects.
 */
export async function performHostLookup(operation: PacHostOperation, host: string, ports: PacHostPorts): Promise<string | null> {
  if (!needsHostLookup(operation, host, ports)) return null;
  switch (operation) {
    case 'DNS_RESOLVE':
      return joinAddresses(await lookupOrEmpty(ports.dns, host, 4), 4, 1);
    case 'DNS_RESOLVE_EX':
      return joinAddresses(await lookupOrEmpty(ports.dns, host, 0), 0, Infinity);
    case 'MY_IP_ADDRESS':
    case 'MY_IP_ADDRESS_EX': {
      if (ports.localAddresses === undefined) return null;
      const mode = operation === 'MY_IP_ADDRESS' ? 'myIpAddress' : 'myIpAddressEx';
      const addresses = await findMyIpAddresses(ports.localAddresses, mode).catch(() => []);
      return addresses.length === 0 ? null : addresses.join(';');
    }
  }
}

async function lookupOrEmpty(dns: DnsPort | undefined, host: string, family: 0 | 4): Promise<string[]> {
  if (dns === undefined) return [];
  try {
    return await dns.lookup(host, family);
  } catch {
    return [];
  }
}

// Addresses are re-serialised the way Chromium prints them (IPAddress::ToString); entries that are
// not IP literals, or of the wrong family for an IPv4-only query, are dropped.
function joinAddresses(addresses: readonly string[], family: 0 | 4, limit: number): string | null {
  const printed: string[] = [];
  for (const text of addresses) {
    const address = parseIpLiteral(text);
    if (address === null || (family === 4 && address.family !== 4)) continue;
    printed.push(formatIpAddress(address));
    if (printed.length >= limit) break;
  }
  return printed.length === 0 ? null : printed.join(';');
}
