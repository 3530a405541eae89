import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIPv6 } from 'node:net';
import { hostname } from 'node:os';
import type { LocalAddressPort } from '../core/src/net/ports.ts';

// Any port works: connecting a UDP socket only asks the kernel to pick a route and a source
// address; no packet is sent (net/proxy_resolution/pac_library.cc uses the same trick).
const PROBE_PORT = 80;

/** What `myIpAddress()` needs on Node: UDP-connect source addresses and the host name's addresses. */
export function createNodeLocalAddresses(): LocalAddressPort {
  return {
    sourceAddressFor(destination) {
      return new Promise((resolve) => {
        const socket = createSocket(isIPv6(destination) ? 'udp6' : 'udp4');
        let settled = false;
        const finish = (address: string | null): void => {
          if (settled) return;
          settled = true;
          socket.close();
          resolve(address);
        };
        socket.unref();
        socket.once('error', () => finish(null));
        try {
          socket.connect(PROBE_PORT, destination, () => {
            try {
              finish(socket.address().address);
            } catch {
              finish(null);
            }
          });
        } catch {
          finish(null);
        }
      });
    },

    async hostnameAddresses() {
      try {
        const records = await lookup(hostname(), { all: true, verbatim: true });
        return records.map((record) => record.address);
      } catch {
        return [];
      }
    },
  };
}
