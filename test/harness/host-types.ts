import type { SessionModule, AppPaths, HostCapability, StorageAdapter } from '../../core/src/index.ts';

/** What a shared suite knows about the host it runs on. */
export interface TestHost {
  name: 'node' | 'deno' | 'browser';
  session: SessionModule;
  app: AppPaths;
  capabilities: ReadonlySet<HostCapability>;
  /** Base URL of the fixtures server (echo, PAC scripts, shared vectors). */
  fixturesUrl: string;
  /** Parses a JSON file from ../shared (e.g. 'vectors/electron/session.json'). */
  loadShared(rel: string): Promise<any>;
  /** A fresh absolute folder for persistent data (a virtual path in browsers). */
  tempDir(): string;
  /** A fresh persistent storage adapter of this host (files, IndexedDB) and a location for it. */
  persistentStorage(): { adapter: StorageAdapter; location: string };
  /**
   * What a process killed at this moment would leave of persistent storage `location`, readable
   * while the store using it stays open (and holds its lock): a copy of the folder's files without
   * the lock (Node, Deno), or a second IndexedDB connection that takes no lock (browsers).
   */
  crashView(location: string): { adapter: StorageAdapter; location: string };
}
