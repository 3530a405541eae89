import type { LocalAddressPort } from '../../net/ports.ts';
import { formatIpAddress, isLinkLocalAddress, isLoopbackAddress, parseIpLiteral, type IpAddress } from './ip-literal.ts';

/** Which PAC function is asking: `myIpAddress` wants one IPv4-preferred address, `Ex` wants all. */
export type MyIpAddressMode = 'myIpAddress' | 'myIpAddressEx';

// Destinations from net/proxy_resolution/pac_library.cc: public resolvers first (the route the OS
// would use for the internet), then private ranges for machines without a default route.
const PUBLIC_PROBES = ['8.8.8.8', '2001:4860:4860::8888'] as const;
const PRIVATE_PROBES = ['10.0.0.0', '172.16.0.0', '192.168.0.0', 'FC00::'] as const;

/**
 * The addresses `myIpAddress()` / `myIpAddressEx()` report, found as `PacMyIpAddress` /
 * `PacMyIpAddressEx` do (net/proxy_resolution/pac_library.cc): UDP-connect probes to public
 * destinations, then the host name's addresses, then probes to private ranges, stopping after the
 * first stage that found a usable address (for `myIpAddress`, at the first IPv4 one). Loopback and
 * repeats are skipped; link-local addresses are kept aside as a last resort.
 *
 * Returns canonical address strings in discovery order: one for `myIpAddress`, all for
 * `myIpAddressEx`, or [] when nothing was found (the bindings then answer `127.0.0.1` / `''`).
 */
export async function findMyIpAddresses(port: LocalAddressPort, mode: MyIpAddressMode): Promise<string[]> {
  const search = new AddressSearch(mode);
  for (const destination of PUBLIC_PROBES) {
    if (search.done) break;
    search.consider(await sourceAddressOrNull(port, destination));
  }
  search.endStage();
  if (!search.done) {
    for (const address of await hostnameAddressesOrEmpty(port)) {
      if (search.done) break;
      search.consider(address);
    }
    search.endStage();
  }
  for (const destination of PRIVATE_PROBES) {
    if (search.done) break;
    search.consider(await sourceAddressOrNull(port, destination));
  }
  return search.result().map(formatIpAddress);
}

class AddressSearch {
  done = false;
  private readonly candidates: IpAddress[] = [];
  private readonly linkLocal: IpAddress[] = [];
  private readonly seen = new Set<string>();
  private readonly mode: MyIpAddressMode;

  constructor(mode: MyIpAddressMode) {
    this.mode = mode;
  }

  consider(text: string | null): void {
    const address = text === null ? null : parseIpLiteral(text);
    if (address === null || isLoopbackAddress(address)) return;
    const key = formatIpAddress(address);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (isLinkLocalAddress(address)) {
      this.linkLocal.push(address);
      return;
    }
    this.candidates.push(address);
    if (this.mode === 'myIpAddress' && address.family === 4) this.done = true;
  }

  endStage(): void {
    if (this.candidates.length > 0) this.done = true;
  }

  result(): IpAddress[] {
    const firstIpv4 = (list: IpAddress[]) => list.find((address) => address.family === 4);
    if (this.mode === 'myIpAddressEx' && this.candidates.length > 0) return this.candidates;
    const pick = (this.mode === 'myIpAddress' ? firstIpv4(this.candidates) ?? this.candidates[0] : undefined)
      ?? firstIpv4(this.linkLocal)
      ?? this.linkLocal[0];
    return pick === undefined ? [] : [pick];
  }
}

async function sourceAddressOrNull(port: LocalAddressPort, destination: string): Promise<string | null> {
  try {
    return await port.sourceAddressFor(destination);
  } catch {
    return null;
  }
}

async function hostnameAddressesOrEmpty(port: LocalAddressPort): Promise<string[]> {
  try {
    return await port.hostnameAddresses();
  } catch {
    return [];
  }
}
