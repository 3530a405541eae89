// The storage conformance suite against every adapter Node can run: memory, files through
// node:fs, and IndexedDB through fake-indexeddb (with and without a Web Locks manager).
import 'fake-indexeddb/auto';
import { deleteDB } from 'idb';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createNodeFs } from '../adapters/fs-node.ts';
import { createFileStorage } from '../adapters/storage-file.ts';
import { createIndexedDbStorage } from '../adapters/storage-indexeddb.ts';
import { createMemoryStorage } from '../adapters/storage-memory.ts';
import { storageConformance } from './conformance/storage.ts';

let counter = 0;

storageConformance(
  'memory',
  async () => ({ adapter: createMemoryStorage(), location: `memory:${counter++}` }),
  { persistent: false, exclusive: true },
);

storageConformance(
  'file (node:fs)',
  async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'sa-storage-'));
    return {
      adapter: createFileStorage(createNodeFs()),
      // A folder that does not exist yet: open must create it and its parents.
      location: path.join(root, 'Partitions', 'main'),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
  { persistent: true, exclusive: true },
);

storageConformance(
  'file (node:fs, tiny buffers: every write goes through compaction and background writes)',
  async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'sa-storage-'));
    return {
      adapter: createFileStorage(createNodeFs(), { compactMinBytes: 256, compactRatio: 1.1, writeBufferBytes: 64 }),
      location: root,
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
  { persistent: true, exclusive: true },
);

storageConformance(
  'indexeddb (fake-indexeddb, no Web Locks)',
  async () => {
    const location = `sa-conformance-${counter++}`;
    return {
      adapter: createIndexedDbStorage({ indexedDB, locks: null }),
      location,
      cleanup: () => deleteDB(location),
    };
  },
  { persistent: true, exclusive: false },
);

/** Just enough of the Web Locks API for `ifAvailable` requests, as one origin's lock manager. */
function createFakeLocks(): LockManager {
  const held = new Set<string>();
  const request = async (name: string, options: LockOptions, callback: LockGrantedCallback<unknown>): Promise<unknown> => {
    if (!options.ifAvailable) throw new Error('the fake lock manager supports ifAvailable requests only');
    if (held.has(name)) return callback(null);
    held.add(name);
    try {
      return await callback({ name, mode: options.mode ?? 'exclusive' });
    } finally {
      held.delete(name);
    }
  };
  return { request, query: async () => ({ held: [], pending: [] }) } as unknown as LockManager;
}

const fakeLocks = createFakeLocks();
storageConformance(
  'indexeddb (fake-indexeddb, Web Locks)',
  async () => {
    const location = `sa-conformance-${counter++}`;
    return {
      adapter: createIndexedDbStorage({ locks: fakeLocks }),
      location,
      cleanup: () => deleteDB(location),
    };
  },
  { persistent: true, exclusive: true },
);
