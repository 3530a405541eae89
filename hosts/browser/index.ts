// Browser host: which adapter fills which port. Logic belongs in core/src, not here.
import { createSessionModule } from '../../core/src/session/session-module.ts';
import type { HostPorts } from '../../core/src/host.ts';
import { createBrowserFetchTransport } from '../../adapters/transport-fetch.ts';
import { createMemoryStorage } from '../../adapters/storage-memory.ts';
import { createIndexedDbStorage } from '../../adapters/storage-indexeddb.ts';

/** The ports this host offers (exported for tests and for building custom hosts). */
export const browserHost: HostPorts = {
  name: 'browser',
  persistentStorage: createIndexedDbStorage(),
  memoryStorage: createMemoryStorage(),
  // A virtual root: persistent partitions become IndexedDB databases named after their path.
  defaultSessionDataPath: () => '/session-anywhere',
  createTransport: () => createBrowserFetchTransport(),
  platform: 'browser',
  userAgentPlatform: 'X11; Linux x86_64',
  locale: globalThis.navigator?.languages?.join(',') || 'en-US',
  capabilities: new Set(['persistent-storage']),
};

/** Electron's `session` module and the `app` paths it depends on, for browsers. */
export const { session, app } = createSessionModule(browserHost);
export * from '../../core/src/index.ts';
