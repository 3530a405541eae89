import type { StorageStore } from './port.ts';
import { checkArea, checkKey, checkOptionalArea, checkPrefix, checkValue, closedError, copyBytes } from './validate.ts';

/** The in-memory view of a store: areas of keys to bytes. Values are owned, never handed out. */
export class MemoryTable {
  private readonly areas = new Map<string, Map<string, Uint8Array>>();

  /** The stored bytes (not a copy). */
  get(area: string, key: string): Uint8Array | undefined {
    return this.areas.get(area)?.get(key);
  }

  /** Store `value` (taken over, not copied) and return the value it replaced. */
  set(area: string, key: string, value: Uint8Array): Uint8Array | undefined {
    let keys = this.areas.get(area);
    if (keys === undefined) this.areas.set(area, (keys = new Map()));
    const previous = keys.get(key);
    keys.set(key, value);
    return previous;
  }

  /** Remove a key and return what it held. */
  delete(area: string, key: string): Uint8Array | undefined {
    const keys = this.areas.get(area);
    const previous = keys?.get(key);
    if (previous === undefined) return undefined;
    keys!.delete(key);
    if (keys!.size === 0) this.areas.delete(area);
    return previous;
  }

  /** Keys of `area`, optionally only those starting with `prefix`. */
  keys(area: string, prefix?: string): string[] {
    const keys = this.areas.get(area);
    if (keys === undefined) return [];
    if (!prefix) return [...keys.keys()];
    const out: string[] = [];
    for (const key of keys.keys()) if (key.startsWith(prefix)) out.push(key);
    return out;
  }

  /** The key/value map of one area, if it has any entry. */
  area(area: string): ReadonlyMap<string, Uint8Array> | undefined {
    return this.areas.get(area);
  }

  /** Empty one area, or all of them. */
  clear(area?: string): void {
    if (area === undefined) this.areas.clear();
    else this.areas.delete(area);
  }

  /** Whether the table holds no entry at all. */
  get empty(): boolean {
    return this.areas.size === 0;
  }

  /** Every entry as `[area, key, value]`. */
  *all(): IterableIterator<[string, string, Uint8Array]> {
    for (const [area, keys] of this.areas) for (const [key, value] of keys) yield [area, key, value];
  }
}

/**
 * What a store built on a `MemoryTable` does besides keeping the table: the file store writes
 * each change to its log here. Hooks are called after the checks and before the table changes.
 */
export interface TableJournal {
  /** `value` is the store's own copy; `previous` is what it replaces. */
  set(area: string, key: string, value: Uint8Array, previous: Uint8Array | undefined): void;
  /** Called only when the key existed. */
  delete(area: string, key: string, removed: Uint8Array): void;
  /** Called only when there is something to clear. */
  clear(area: string | undefined): void;
  /** Make every change reported so far durable. */
  flush(): Promise<void>;
  /** Flush and release what the store holds (files, locks); called once. */
  close(): Promise<void>;
}

/**
 * A `StorageStore` over `table`: checks arguments, copies bytes in and out, rejects once closed,
 * and reports every change to `journal` before applying it.
 */
export function createTableStore(location: string, table: MemoryTable, journal: TableJournal): StorageStore {
  let closing: Promise<void> | undefined;
  const open = (method: string): void => {
    if (closing !== undefined) throw closedError(method, location);
  };
  return {
    async get(area, key) {
      open('get');
      checkArea('get', area);
      checkKey('get', key);
      const value = table.get(area, key);
      return value === undefined ? undefined : copyBytes(value);
    },
    async set(area, key, value) {
      open('set');
      checkArea('set', area);
      checkKey('set', key);
      checkValue('set', value);
      const own = copyBytes(value);
      journal.set(area, key, own, table.get(area, key));
      table.set(area, key, own);
    },
    async delete(area, key) {
      open('delete');
      checkArea('delete', area);
      checkKey('delete', key);
      const removed = table.get(area, key);
      if (removed === undefined) return;
      journal.delete(area, key, removed);
      table.delete(area, key);
    },
    async keys(area, prefix) {
      open('keys');
      checkArea('keys', area);
      checkPrefix('keys', prefix);
      return table.keys(area, prefix);
    },
    async entries(area) {
      open('entries');
      checkArea('entries', area);
      const keys = table.area(area);
      if (keys === undefined) return [];
      return Array.from(keys, ([key, value]): [string, Uint8Array] => [key, copyBytes(value)]);
    },
    async clear(area) {
      open('clear');
      checkOptionalArea('clear', area);
      if (area === undefined ? table.empty : table.area(area) === undefined) return;
      journal.clear(area);
      table.clear(area);
    },
    async flush() {
      open('flush');
      await journal.flush();
    },
    close() {
      // Idempotent: a second close waits for the first instead of failing.
      closing ??= journal.close();
      return closing;
    },
  };
}
