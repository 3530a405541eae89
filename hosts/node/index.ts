// Node host: which adapter fills which port. Logic belongs in core/src, not here.
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import { createSessionModule } from '../../core/src/session/session-module.ts';
import { defaultUserDataPath, userAgentPlatform } from '../../core/src/session/default-paths.ts';
import type { HostPorts } from '../../core/src/host.ts';
import { createUndiciTransport } from '../../adapters/transport-undici.ts';
import { createMemoryStorage } from '../../adapters/storage-memory.ts';
import { createFileStorage } from '../../adapters/storage-file.ts';
import { createNodeFs } from '../../adapters/fs-node.ts';
import { createNodeDns } from '../../adapters/dns-node.ts';
import { createNodeLocalAddresses } from '../../adapters/local-address-node.ts';
import { createNodeBeforeExit } from '../../adapters/exit-hooks.ts';

const env = (name: string): string | undefined => process.env[name];

/** The ports this host offers (exported for tests and for building custom hosts). */
export const nodeHost: HostPorts = {
  name: 'node',
  persistentStorage: createFileStorage(createNodeFs()),
  memoryStorage: createMemoryStorage(),
  defaultSessionDataPath: () => defaultUserDataPath(process.platform, os.homedir(), env),
  createTransport: (context) => createUndiciTransport({}, context),
  dns: createNodeDns(),
  beforeExit: createNodeBeforeExit(process),
  unrefTimer: (timer) => timer.unref(),
  localAddresses: createNodeLocalAddresses(),
  getEnv: env,
  readFile: async (path) => new Uint8Array(await readFile(path)),
  platform: process.platform,
  userAgentPlatform: userAgentPlatform(process.platform, process.arch),
  locale: Intl.DateTimeFormat().resolvedOptions().locale,
  capabilities: new Set(['persistent-storage', 'dns', 'file-urls', 'environment', 'choose-route', 'set-user-agent-header', 'auth-challenges', 'proxy-auth', 'connection-pool', 'request-host-resolver', 'tls-policy', 'certificate-verify-proc', 'manual-redirects', 'network-error-detail', 'cookie-headers']),
};

/** Electron's `session` module and the `app` paths it depends on, for Node. */
export const { session, app } = createSessionModule(nodeHost);
export * from '../../core/src/index.ts';
