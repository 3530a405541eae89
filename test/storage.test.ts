// The storage conformance suite against every adapter Node can run: memory, files through
// node:fs, and IndexedDB through fake-indexeddb (with and without a Web Locks manager).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
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

describe('indexeddb: a failed write transaction is reported to every flush that covers it', () => {
  it('rejects both flushes of a shared store when a transaction aborts after its put succeeded, and the next flush resolves', async () => {
    const location = `sa-abort-${counter++}`;
    const store = await createIndexedDbStorage({ indexedDB, locks: null }).open(location);
    const { IDBObjectStore } = await import('fake-indexeddb');
    const originalPut = IDBObjectStore.prototype.put;
    let abortNext = true;
    // A quota or I/O error when the transaction commits: the request succeeded, the transaction aborts.
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const request = originalPut.apply(this, args);
      if (abortNext) {
        abortNext = false;
        const tx = this.transaction;
        request.addEventListener('success', () => tx.abort());
      }
      return request;
    } as IDBObjectStore['put'];
    try {
      await store.set('cookies', 'sid', new Uint8Array([1]));
      // Two users of the store flush at once (the cookie jar and the HTTP cache share it).
      const first = store.flush().then(() => 'resolved', (e: Error) => `rejected: ${e.message}`);
      const second = store.flush().then(() => 'resolved', (e: Error) => `rejected: ${e.message}`);
      expect(await first).toMatch(/^rejected: .*write transaction/);
      expect(await second).toMatch(/^rejected: .*write transaction/);
      expect(await store.entries('cookies')).toEqual([]);
      // Reported, then forgotten: a later write and flush go through.
      await store.set('cookies', 'sid', new Uint8Array([2]));
      await store.flush();
      expect((await store.entries('cookies')).map(([k]) => k)).toEqual(['sid']);
    } finally {
      IDBObjectStore.prototype.put = originalPut;
      await store.close();
      await deleteDB(location);
    }
  });
});
