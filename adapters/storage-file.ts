import type { FsPort } from '../core/src/storage/fs-port.ts';
import { openLogStore, type LogStoreOptions } from '../core/src/storage/log-store.ts';
import type { StorageAdapter } from '../core/src/storage/port.ts';
import { checkLocation } from '../core/src/storage/validate.ts';

/**
 * The crash-safe file store: `location` is a folder holding the log and the lock. Pass the host's
 * filesystem port (`createNodeFs()` from `./fs-node.ts`, `createDenoFs()` from `./fs-deno.ts`).
 * @example const store = await createFileStorage(createNodeFs()).open('/data/Partitions/main');
 */
export function createFileStorage(fs: FsPort, options: LogStoreOptions = {}): StorageAdapter {
  return {
    kind: 'file',
    capabilities: { persistent: true, exclusive: true },
    async open(location) {
      checkLocation('file', location);
      return openLogStore(fs, location, options);
    },
  };
}
