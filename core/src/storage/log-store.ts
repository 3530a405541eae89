import { SessionError } from '../errors.ts';
import { concatBytes } from '../bytes.ts';
import { joinPath, type FsAppendHandle, type FsPort } from './fs-port.ts';
import { acquireFolderLock, type FolderLock } from './lock-file.ts';
import { HEADER_SIZE, checkHeader, encodeClear, encodeDelete, encodeSet, logHeader, replayLog, setFrameSize, utf8Length } from './log-format.ts';
import type { StorageStore } from './port.ts';
import { MemoryTable, createTableStore, type TableJournal } from './table-store.ts';

/** Tuning of the file store; the defaults suit session data (cookies, cache index, grants). */
export interface LogStoreOptions {
  /** Never compact a log smaller than this (bytes). Default 4 MiB. */
  compactMinBytes?: number;
  /** Compact once the log is more than this many times the size of the live data. Default 2. */
  compactRatio?: number;
  /** Buffered records are written (without fsync) once they reach this many bytes. Default 1 MiB. */
  writeBufferBytes?: number;
}

/** Name of the log inside a store folder. */
export const LOG_FILE = 'store.log';
/** Name of the log being written by a compaction; a leftover one is an unfinished compaction. */
export const COMPACT_FILE = 'store.log.tmp';

// Writes are grouped into chunks of this size: few syscalls, and a bounded extra copy.
const CHUNK_BYTES = 4 << 20;

function ioError(what: string, path: string, folder: string, cause: unknown): SessionError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SessionError('ERR_STORAGE_IO', `Storage folder ${JSON.stringify(folder)}: could not ${what} ${JSON.stringify(path)}: ${detail}`, {
    cause,
    context: { location: folder, path },
  });
}

async function writeChunked(handle: FsAppendHandle, frames: Iterable<Uint8Array>): Promise<number> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let total = 0;
  for (const frame of frames) {
    if (size > 0 && size + frame.length > CHUNK_BYTES) {
      await handle.write(concatBytes(parts, size));
      total += size;
      parts = [];
      size = 0;
    }
    parts.push(frame);
    size += frame.length;
  }
  if (size > 0) await handle.write(concatBytes(parts, size));
  return total + size;
}

/**
 * The log behind a file store. Every change is encoded as a framed record into a buffer; `flush`
 * appends the buffer and fsyncs. All file work runs one task at a time on `io`.
 */
class LogJournal implements TableJournal {
  private readonly logPath: string;
  private readonly compactPath: string;
  private readonly compactMinBytes: number;
  private readonly compactRatio: number;
  private readonly writeBufferBytes: number;
  private file: FsAppendHandle | undefined;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Bytes in the log file, header included. */
  private logBytes = 0;
  /** Bytes a freshly compacted log would hold, without the header. */
  private liveBytes = 0;
  private unsynced = false;
  /** Set when the file may miss records or end in a torn write; the next write-out rewrites it whole. */
  private needsRewrite = false;
  private io: Promise<void> = Promise.resolve();
  private queuedFlush: Promise<void> | undefined;
  private writeQueued = false;

  constructor(
    private readonly fs: FsPort,
    private readonly folder: string,
    private readonly table: MemoryTable,
    private readonly lock: FolderLock,
    options: LogStoreOptions,
  ) {
    this.logPath = joinPath(folder, LOG_FILE);
    this.compactPath = joinPath(folder, COMPACT_FILE);
    this.compactMinBytes = options.compactMinBytes ?? 4 << 20;
    this.compactRatio = options.compactRatio ?? 2;
    this.writeBufferBytes = options.writeBufferBytes ?? 1 << 20;
  }

  /** Replay the log into the table; rewrite the file when it is new, torn or mostly garbage. */
  async load(): Promise<void> {
    let data: Uint8Array | undefined;
    try {
      await this.fs.remove(this.compactPath);
      data = await this.fs.readFile(this.logPath);
    } catch (err) {
      throw ioError('read', this.logPath, this.folder, err);
    }
    let rewrite = data === undefined;
    if (data !== undefined) {
      const header = checkHeader(data);
      if (header === 'foreign') {
        throw new SessionError(
          'ERR_STORAGE_FORMAT',
          `Storage folder ${JSON.stringify(this.folder)}: ${JSON.stringify(this.logPath)} is not a session-anywhere storage log (unknown header); move it away or use another folder`,
          { context: { location: this.folder, path: this.logPath } },
        );
      }
      if (header === 'torn') rewrite = true;
      else {
        // A torn or corrupt tail is what a crash mid-write leaves; replay keeps everything before it.
        const result = replayLog(data, this.table);
        this.logBytes = result.validEnd;
        if (result.validEnd < data.length) rewrite = true;
      }
    }
    for (const [area, key, value] of this.table.all()) this.liveBytes += setFrameSize(utf8Length(area), utf8Length(key), value.length);
    if (rewrite || this.shouldCompact()) await this.compact();
    else {
      try {
        this.file = await this.fs.openAppend(this.logPath);
      } catch (err) {
        throw ioError('open', this.logPath, this.folder, err);
      }
    }
  }

  set(area: string, key: string, value: Uint8Array, previous: Uint8Array | undefined): void {
    const frame = encodeSet(area, key, value);
    this.liveBytes += previous === undefined ? frame.length : value.length - previous.length;
    this.append(frame);
  }

  delete(area: string, key: string, removed: Uint8Array): void {
    this.liveBytes -= setFrameSize(utf8Length(area), utf8Length(key), removed.length);
    this.append(encodeDelete(area, key));
  }

  clear(area: string | undefined): void {
    if (area === undefined) this.liveBytes = 0;
    else {
      const aBytes = utf8Length(area);
      for (const [key, value] of this.table.area(area) ?? []) this.liveBytes -= setFrameSize(aBytes, utf8Length(key), value.length);
    }
    this.append(encodeClear(area));
  }

  flush(): Promise<void> {
    // Group commit: every flush asked for while one waits in the queue shares it.
    if (this.queuedFlush !== undefined) return this.queuedFlush;
    const run = this.enqueue(async () => {
      this.queuedFlush = undefined;
      await this.writeOut(true);
    });
    this.queuedFlush = run;
    return run;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.enqueue(async () => {
        const file = this.file;
        this.file = undefined;
        await file?.close();
      }).catch(() => undefined);
      await this.lock.release();
    }
  }

  private append(frame: Uint8Array): void {
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    if (this.pendingBytes >= this.writeBufferBytes && !this.writeQueued) {
      this.writeQueued = true;
      // A failed background write sets needsRewrite; the next flush rewrites the file and reports.
      this.enqueue(async () => {
        this.writeQueued = false;
        await this.writeOut(false);
      }).catch(() => undefined);
    }
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.io.then(task);
    this.io = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private shouldCompact(): boolean {
    const size = this.logBytes + this.pendingBytes;
    return size >= this.compactMinBytes && size > this.compactRatio * (HEADER_SIZE + this.liveBytes);
  }

  private async writeOut(sync: boolean): Promise<void> {
    if (this.needsRewrite || this.file === undefined) {
      await this.compact();
      return;
    }
    if (this.pending.length > 0) {
      const frames = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      try {
        this.unsynced = true;
        this.logBytes += await writeChunked(this.file, frames);
      } catch (err) {
        // The file may now end in half a record; appending after it would hide later records from
        // replay, so the next write-out rewrites the whole file from the table instead.
        this.needsRewrite = true;
        throw ioError('append to', this.logPath, this.folder, err);
      }
    }
    if (!sync) return;
    if (this.unsynced) {
      try {
        await this.file.sync();
        this.unsynced = false;
      } catch (err) {
        // After a failed fsync the kernel may have dropped the dirty pages; only a rewrite is safe.
        this.needsRewrite = true;
        throw ioError('fsync', this.logPath, this.folder, err);
      }
    }
    if (this.shouldCompact()) {
      // What this flush wrote is durable already; a failed compaction leaves needsRewrite set, so
      // the next flush retries it and reports if it fails again.
      await this.compact().catch(() => undefined);
    }
  }

  /** Write the live data to a new file, fsync it, and rename it over the log. */
  private async compact(): Promise<void> {
    // The table already holds every buffered change, so the buffer is dropped; values are never
    // mutated in place, so a list of references is a consistent snapshot across the awaits below.
    const snapshot = Array.from(this.table.all());
    this.pending = [];
    this.pendingBytes = 0;
    this.needsRewrite = true;
    let size: number;
    try {
      await this.fs.remove(this.compactPath);
      const out = await this.fs.openAppend(this.compactPath);
      try {
        size = await writeChunked(out, encodeAll(snapshot));
        await out.sync();
      } finally {
        await out.close();
      }
    } catch (err) {
      throw ioError('write', this.compactPath, this.folder, err);
    }
    // Closed before the rename: Windows refuses to replace a file that is open.
    const old = this.file;
    this.file = undefined;
    await old?.close().catch(() => undefined);
    try {
      await this.fs.rename(this.compactPath, this.logPath);
      await this.fs.syncDir(this.folder);
      this.file = await this.fs.openAppend(this.logPath);
    } catch (err) {
      throw ioError('replace', this.logPath, this.folder, err);
    }
    this.logBytes = size;
    this.unsynced = false;
    this.needsRewrite = false;
  }
}

function* encodeAll(snapshot: Array<[string, string, Uint8Array]>): IterableIterator<Uint8Array> {
  yield logHeader();
  for (const [area, key, value] of snapshot) yield encodeSet(area, key, value);
}

/**
 * Open the crash-safe file store kept in `folder` (created if missing): take the folder's lock,
 * replay its log, and return a store that appends every change to the log.
 * @example const store = await openLogStore(createNodeFs(), '/var/lib/app/Partitions/main');
 */
export async function openLogStore(fs: FsPort, folder: string, options: LogStoreOptions = {}): Promise<StorageStore> {
  let lock: FolderLock;
  try {
    lock = await acquireFolderLock(fs, folder);
  } catch (err) {
    if (err instanceof SessionError) throw err;
    throw ioError('lock', joinPath(folder, 'LOCK'), folder, err);
  }
  try {
    const table = new MemoryTable();
    const journal = new LogJournal(fs, folder, table, lock, options);
    await journal.load();
    return createTableStore(folder, table, journal);
  } catch (err) {
    await lock.release().catch(() => undefined);
    throw err;
  }
}
