import type { StorageAdapter } from './storage/port.ts';
import type { DnsPort, LocalAddressPort } from './net/ports.ts';
import type { TransportFactory } from './fetch/transport.ts';

/** Names of things a host may lack; tests and callers skip or fail by these names. */
export type HostCapability =
  | 'persistent-storage'
  | 'dns'
  | 'file-urls'
  | 'environment'
  | 'choose-route'
  | 'set-user-agent-header'
  /** 401/407 challenges reach the session (`login`); a browser answers them itself with its own prompt. */
  | 'auth-challenges'
  /** A proxy's 407 reaches the session (`login`) and the request is sent again with its Basic credentials. */
  | 'proxy-auth'
  /** `closeAllConnections` closes pooled sockets and `preconnect` opens them (in-flight requests fail on every host). */
  | 'connection-pool'
  /** Requests resolve names through the session's resolver (host resolver rules and cache). */
  | 'request-host-resolver'
  /** `setSSLConfig` applies to the host's TLS connections. */
  | 'tls-policy'
  /** `setCertificateVerifyProc` decides on the host's TLS connections. */
  | 'certificate-verify-proc'
  /** The transport hands redirect responses back, so the session follows them (unsafe-redirect checks, `'manual'`). */
  | 'manual-redirects'
  /** Transport failures carry enough detail to name Chromium's net error (a browser's fetch only says "Failed to fetch"). */
  | 'network-error-detail'
  /** The session writes the Cookie header and reads Set-Cookie (a browser's fetch forbids both: its own jar handles them). */
  | 'cookie-headers';

/**
 * What a host gives the host-neutral core: one adapter per port, plus a few facts. A host file
 * (hosts/node, hosts/deno, hosts/browser) is little more than this table.
 */
export interface HostPorts {
  readonly name: 'node' | 'deno' | 'browser';
  /** Storage for persistent partitions (files, IndexedDB). */
  readonly persistentStorage: StorageAdapter;
  /** Storage for in-memory partitions. */
  readonly memoryStorage: StorageAdapter;
  /** Where sessions keep their data unless `app.setPath('sessionData', ...)` says otherwise. */
  defaultSessionDataPath(): string;
  /** Makes one transport per session (its own connection pools and settings). */
  readonly createTransport: TransportFactory;
  readonly dns?: DnsPort;
  readonly localAddresses?: LocalAddressPort;
  /** Reads an environment variable (Linux `system` proxy mode); absent on hosts without one. */
  readonly getEnv?: (name: string) => string | undefined;
  /** Reads a local file for `file:` PAC URLs. */
  readonly readFile?: (path: string) => Promise<Uint8Array>;
  /** The platform `system` proxy settings come from ('linux', 'darwin', 'win32', 'browser', ...). */
  readonly platform: string;
  /** The `(platform)` part of the default User-Agent. */
  readonly userAgentPlatform: string;
  /** Default languages for Accept-Language, e.g. `en-US`. */
  readonly locale: string;
  readonly capabilities: ReadonlySet<HostCapability>;
  /** Registers work to finish before a normal exit (pending cookie commits); absent in browsers. */
  readonly beforeExit?: BeforeExitPort;
  /** Keeps a background timer (the cookie commit timer) from holding the program open; absent in browsers. */
  readonly unrefTimer?: (timer: ReturnType<typeof setTimeout>) => void;
}

/**
 * Registers `hook` to run when the program is about to exit normally; it returns a promise while
 * it has work and `undefined` when it has none. Returns a function that unregisters it.
 */
export type BeforeExitPort = (hook: () => Promise<void> | undefined) => () => void;
