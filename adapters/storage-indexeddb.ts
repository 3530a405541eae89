import { wrap, type DBSchema, type IDBPDatabase, type IDBPObjectStore, type IDBPTransaction } from 'idb';
import { SessionError } from '../core/src/errors.ts';
import type { StorageAdapter, StorageStore } from '../core/src/storage/port.ts';
import { checkArea, checkKey, checkLocation, checkOptionalArea, checkPrefix, checkValue, closedError, copyBytes } from '../core/src/storage/validate.ts';

/** Options of `createIndexedDbStorage`. */
export interface IndexedDbStorageOptions {
  /** The factory databases are opened with. Default: `globalThis.indexedDB`. */
  indexedDB?: IDBFactory;
  /**
   * The Web Locks manager that makes a database exclusive to one store across tabs and workers.
   * Default: `navigator.locks` where the host has it; `null` turns exclusivity off.
   */
  locks?: LockManager | null;
}

interface Schema extends DBSchema {
  entries: { key: [string, string]; value: Uint8Array };
}

type WriteStore = IDBPObjectStore<Schema, ['entries'], 'entries', 'readwrite'>;

const STORE = 'entries';
const VERSION = 1;

/** Name of the Web Lock held while a store has database `location` open. */
export function indexedDbLockName(location: string): string {
  return `session-anywhere:storage:${location}`;
}

// Keys are [area, key] arrays, so an area's keys are one contiguous range. The keys starting with
// `prefix` are [prefix, successor(prefix)), where successor bumps the last code unit below 0xFFFF;
// with no such unit the range runs to [area, []], as arrays sort after every string.
function areaRange(area: string, prefix = ''): IDBKeyRange {
  const KeyRange = globalThis.IDBKeyRange;
  let upper: [string, string] | [string, never[]] = [area, []];
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) {
      upper = [area, prefix.slice(0, i) + String.fromCharCode(c + 1)];
      break;
    }
  }
  return KeyRange.bound([area, prefix], upper, false, true);
}

function isInactiveTransaction(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TransactionInactiveError' || name === 'InvalidStateError';
}

function ioError(location: string, what: string, cause: unknown): SessionError {
  const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new SessionError('ERR_STORAGE_IO', `IndexedDB database ${JSON.stringify(location)}: ${what} failed: ${detail}`, {
    cause,
    context: { location },
  });
}

async function takeWebLock(locks: LockManager, location: string): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const granted = await new Promise<boolean>((resolve, reject) => {
    // The callback's promise is what keeps the lock: it stays pending until close() calls release.
    locks
      .request(indexedDbLockName(location), { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        return lock === null ? undefined : held;
      })
      .catch(reject);
  });
  if (!granted) {
    throw new SessionError(
      'ERR_STORAGE_LOCKED',
      `IndexedDB database ${JSON.stringify(location)} is locked: another tab, worker or store of this origin has it open. Close it there first`,
      { context: { location } },
    );
  }
  return release;
}

function openDatabase(factory: IDBFactory, location: string): Promise<IDBPDatabase<Schema>> {
  // idb's openDB always uses the global factory; wrapping the request ourselves lets a caller
  // pass another one (a test's fake-indexeddb, a worker's).
  const request = factory.open(location, VERSION);
  request.addEventListener('upgradeneeded', () => {
    if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
  });
  return wrap(request) as unknown as Promise<IDBPDatabase<Schema>>;
}

/** A readwrite transaction: `done` settles when it completes (never rejects); `error` if it failed. */
interface WriteTransaction {
  done: Promise<void>;
  error: unknown;
}

class IndexedDbStore implements StorageStore {
  readonly #db: IDBPDatabase<Schema>;
  readonly #location: string;
  readonly #release: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  #lost: string | undefined;
  /** The readwrite transaction later writes join while it is still active. */
  #writeTx: IDBPTransaction<Schema, ['entries'], 'readwrite'> | undefined;
  /** Every write transaction not yet complete. */
  readonly #pending = new Set<WriteTransaction>();
  /**
   * Write transactions that failed: each `flush()` reports those that failed before it returns,
   * so two flushes of the store (cookies and the HTTP cache share it) both see a failure, and
   * one cannot take the other's.
   */
  readonly #failed = new Set<WriteTransaction>();

  constructor(db: IDBPDatabase<Schema>, location: string, release: (() => void) | undefined) {
    this.#db = db;
    this.#location = location;
    this.#release = release;
    // Another connection wants to upgrade or delete the database (site data cleared, another
    // version of the app): let it, and make this store report itself closed.
    db.addEventListener('versionchange', () => {
      this.#lost = 'another connection upgraded or deleted the database';
      db.close();
    });
    db.addEventListener('close', () => {
      this.#lost = 'the browser closed the database';
    });
  }

  #check(method: string): void {
    if (this.#closing !== undefined) throw closedError(method, this.#location);
    if (this.#lost !== undefined) {
      throw new SessionError('ERR_STORAGE_CLOSED', `storage.${method}: the store for ${JSON.stringify(this.#location)} is closed: ${this.#lost}`, {
        context: { location: this.#location },
      });
    }
  }

  // Writes issued in one task share a transaction: with strict durability every transaction is
  // an fsync in Chromium, so a loop of sets must not become a loop of fsyncs.
  #write<T>(op: (store: WriteStore) => Promise<T>): Promise<T> {
    if (this.#writeTx !== undefined) {
      try {
        return op(this.#writeTx.store);
      } catch (err) {
        if (!isInactiveTransaction(err)) throw err;
      }
    }
    const tx = this.#db.transaction(STORE, 'readwrite', { durability: 'strict' });
    this.#writeTx = tx;
    const record: WriteTransaction = { done: Promise.resolve(), error: undefined };
    record.done = tx.done
      .catch((err: unknown) => {
        record.error = err ?? new Error('transaction aborted');
        this.#failed.add(record);
      })
      .finally(() => {
        this.#pending.delete(record);
        if (this.#writeTx === tx) this.#writeTx = undefined;
      });
    this.#pending.add(record);
    return op(tx.store);
  }

  #readStore(): IDBPObjectStore<Schema, ['entries'], 'entries', 'readonly'> {
    // A later write must not join a transaction older than this read, or the read would see it.
    this.#writeTx = undefined;
    return this.#db.transaction(STORE, 'readonly').store;
  }

  async get(area: string, key: string): Promise<Uint8Array | undefined> {
    this.#check('get');
    checkArea('get', area);
    checkKey('get', key);
    return this.#readStore().get([area, key]);
  }

  async set(area: string, key: string, value: Uint8Array): Promise<void> {
    this.#check('set');
    checkArea('set', area);
    checkKey('set', key);
    checkValue('set', value);
    // Structured clone copies a view's whole buffer (a pooled Buffer is 8 KiB); store exact bytes.
    const own = copyBytes(value);
    await this.#write((store) => store.put(own, [area, key]));
  }

  async delete(area: string, key: string): Promise<void> {
    this.#check('delete');
    checkArea('delete', area);
    checkKey('delete', key);
    await this.#write((store) => store.delete([area, key]));
  }

  async keys(area: string, prefix?: string): Promise<string[]> {
    this.#check('keys');
    checkArea('keys', area);
    checkPrefix('keys', prefix);
    const keys = await this.#readStore().getAllKeys(areaRange(area, prefix));
    return keys.map((k) => k[1]);
  }

  async entries(area: string): Promise<Array<[string, Uint8Array]>> {
    this.#check('entries');
    checkArea('entries', area);
    const store = this.#readStore();
    const range = areaRange(area);
    const [keys, values] = await Promise.all([store.getAllKeys(range), store.getAll(range)]);
    return keys.map((k, i): [string, Uint8Array] => [k[1], values[i]!]);
  }

  async clear(area?: string): Promise<void> {
    this.#check('clear');
    checkOptionalArea('clear', area);
    await this.#write((store) => (area === undefined ? store.clear() : store.delete(areaRange(area))));
  }

  /**
   * Waits for the write transactions issued so far and throws if any of them, or any that failed
   * earlier without a flush to report it, failed. A failure is reported to every flush that
   * waited for its transaction, then forgotten.
   */
  async #settle(): Promise<void> {
    const records = [...this.#pending, ...this.#failed];
    await Promise.all(records.map((r) => r.done));
    const failed = records.find((r) => r.error !== undefined);
    for (const r of records) this.#failed.delete(r);
    if (failed !== undefined) throw ioError(this.#location, 'a write transaction', failed.error);
  }

  async flush(): Promise<void> {
    this.#check('flush');
    this.#writeTx = undefined;
    await this.#settle();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#settle();
      } finally {
        this.#db.close();
        this.#release?.();
      }
    })();
    return this.#closing;
  }
}

/**
 * Stores in IndexedDB through `idb`: one database per location (the partition), one object store
 * keyed by `[area, key]`. Exclusive across tabs and workers when the Web Locks API is there.
 * @example const store = await createIndexedDbStorage().open('/session-anywhere/Partitions/main');
 */
export function createIndexedDbStorage(options: IndexedDbStorageOptions = {}): StorageAdapter {
  const locks = options.locks === undefined ? globalThis.navigator?.locks : (options.locks ?? undefined);
  return {
    kind: 'indexeddb',
    capabilities: { persistent: true, exclusive: locks !== undefined },
    async open(location) {
      checkLocation('indexeddb', location);
      const factory = options.indexedDB ?? globalThis.indexedDB;
      if (factory === undefined || globalThis.IDBKeyRange === undefined) {
        throw new SessionError(
          'ERR_STORAGE_UNAVAILABLE',
          `indexeddb storage: this host has no IndexedDB (globalThis.indexedDB or IDBKeyRange is undefined); use the file or memory adapter`,
          { context: { location } },
        );
      }
      const release = locks === undefined ? undefined : await takeWebLock(locks, location);
      try {
        let db: IDBPDatabase<Schema>;
        try {
          db = await openDatabase(factory, location);
        } catch (err) {
          throw ioError(location, 'opening the database', err);
        }
        if (!db.objectStoreNames.contains(STORE)) {
          db.close();
          throw new SessionError(
            'ERR_STORAGE_FORMAT',
            `IndexedDB database ${JSON.stringify(location)} exists but has no "${STORE}" object store; it belongs to something else, pick another location`,
            { context: { location } },
          );
        }
        return new IndexedDbStore(db, location, release);
      } catch (err) {
        release?.();
        throw err;
      }
    },
  };
}
