/**
 * The storage port. A session keeps everything it persists (cookies, cache index and bodies,
 * grants, ...) in one store per partition, split into named areas. Values are bytes; callers
 * encode their own records.
 *
 * Durability contract: `set`/`delete` are applied to the store's view at once (a following `get`
 * sees them) and reach durable storage no later than the promise of the next `flush()`. A write
 * acknowledged by `flush()` survives a killed process; a write that was not flushed may be lost,
 * but never corrupts what was flushed before it.
 */
export interface StorageStore {
  /** The value stored under `key` in `area`, or `undefined`. */
  get(area: string, key: string): Promise<Uint8Array | undefined>;
  /** Store `value` under `key` in `area`, replacing any previous value. */
  set(area: string, key: string, value: Uint8Array): Promise<void>;
  /** Remove `key` from `area`; removing a missing key is not an error. */
  delete(area: string, key: string): Promise<void>;
  /** Every key of `area` (optionally only those starting with `prefix`), in no particular order. */
  keys(area: string, prefix?: string): Promise<string[]>;
  /** Every entry of `area`. */
  entries(area: string): Promise<Array<[string, Uint8Array]>>;
  /** Remove every key of `area`, or of every area when `area` is omitted. */
  clear(area?: string): Promise<void>;
  /** Resolves once every earlier `set`/`delete`/`clear` is durable. */
  flush(): Promise<void>;
  /** Flush, release the partition lock and make the store unusable. */
  close(): Promise<void>;
}

/** What an adapter can and cannot do, declared so that the conformance suite can skip by name. */
export interface StorageCapabilities {
  /** Data outlives the process (files, IndexedDB). */
  readonly persistent: boolean;
  /** A second opener of the same location gets `ERR_STORAGE_LOCKED`. */
  readonly exclusive: boolean;
}

/** Opens stores. `location` is a folder path (files), a database name (IndexedDB) or ignored (memory). */
export interface StorageAdapter {
  readonly kind: 'memory' | 'file' | 'indexeddb' | (string & {});
  readonly capabilities: StorageCapabilities;
  open(location: string): Promise<StorageStore>;
}
