/** Name resolution as a host offers it (`node:dns`, `Deno.resolveDns`); the browser has none. */
export interface DnsPort {
  /**
   * Resolve `host` to addresses in the resolver's order. `family` 4 asks for IPv4 only, 6 for IPv6
   * only, 0 for both. Rejects (any error) when the name does not resolve.
   */
  lookup(host: string, family: 0 | 4 | 6): Promise<string[]>;
}

/**
 * What `myIpAddress()` needs (Chromium `net/proxy_resolution/pac_library.cc`): the local source
 * address the OS would pick for a destination (a UDP connect, no packet sent) and the addresses of
 * this machine's own host name.
 */
export interface LocalAddressPort {
  /** Local address of a UDP socket connected to `destination`, or null if the connect fails. */
  sourceAddressFor(destination: string): Promise<string | null>;
  /** `getaddrinfo(gethostname())`, or [] on failure. */
  hostnameAddresses(): Promise<string[]>;
}
