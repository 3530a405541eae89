import { session, app, browserHost } from '../../hosts/browser/index.ts';
import { createIndexedDbStorage } from '../../adapters/storage-indexeddb.ts';
import type { TestHost } from './host-types.ts';

const fixturesUrl = location.origin;
let counter = 0;

export const host: TestHost = {
  name: 'browser',
  session,
  app,
  capabilities: browserHost.capabilities,
  fixturesUrl,
  async loadShared(rel) {
    const res = await fetch(`${fixturesUrl}/shared/${rel}`);
    return res.json();
  },
  tempDir: () => `/sa-test/${Date.now()}-${counter++}`,
  persistentStorage: () => ({ adapter: createIndexedDbStorage(), location: `/sa-store/${Date.now()}-${counter++}` }),
  // A closed tab leaves what IndexedDB committed; a second connection without the Web Lock reads it.
  crashView: (location) => ({ adapter: createIndexedDbStorage({ locks: null }), location }),
};
