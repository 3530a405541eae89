import { SessionError } from '../core/src/errors.ts';
import type { StorageAdapter } from '../core/src/storage/port.ts';
import { MemoryTable, createTableStore } from '../core/src/storage/table-store.ts';

/**
 * Stores that live in memory only (in-memory partitions). Every `open` starts empty; opening a
 * location again while this adapter still has it open is refused, as the persistent adapters do.
 */
export function createMemoryStorage(): StorageAdapter {
  const openLocations = new Set<string>();
  return {
    kind: 'memory',
    capabilities: { persistent: false, exclusive: true },
    async open(location) {
      if (typeof location !== 'string') {
        throw new TypeError(`memory storage: open(location) needs a string, got ${typeof location}`);
      }
      if (openLocations.has(location)) {
        throw new SessionError(
          'ERR_STORAGE_LOCKED',
          `Memory store ${JSON.stringify(location)} is already open in this process; close the other store before opening it again`,
          { context: { location } },
        );
      }
      openLocations.add(location);
      return createTableStore(location, new MemoryTable(), {
        set() {},
        delete() {},
        clear() {},
        flush: async () => undefined,
        close: async () => {
          openLocations.delete(location);
        },
      });
    },
  };
}
