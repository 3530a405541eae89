// The file store's parts in one process: checksum and format, failure handling with a faulty fs
// port, compaction, group commit, and the lock file's edge cases.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createNodeFs } from '../adapters/fs-node.ts';
import { createFileStorage } from '../adapters/storage-file.ts';
import { crc32 } from '../core/src/storage/crc32.ts';
import type { FsAppendHandle, FsPort } from '../core/src/storage/fs-port.ts';
import { encodeClear, encodeDelete, encodeSet, logHeader, replayLog, utf8Length } from '../core/src/storage/log-format.ts';
import { LOG_FILE } from '../core/src/storage/log-store.ts';
import { MemoryTable } from '../core/src/storage/table-store.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
let root: string;
let n = 0;
const folder = (): string => path.join(root, `s${n++}`);

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'sa-log-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('log format', () => {
  it('computes CRC-32 check values (zlib polynomial)', () => {
    expect(crc32(text('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(text('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    // Piecewise equals whole, at every split point (the slicing loop and the byte loop agree).
    const data = text('session-anywhere storage log, checksummed in pieces');
    for (let cut = 0; cut <= data.length; cut++) expect(crc32(data, crc32(data, 0, 0, cut), cut)).toBe(crc32(data));
  });

  it('counts UTF-8 bytes as TextEncoder does', () => {
    for (const s of ['', 'ascii', 'é', '€', '日本語', '😀', 'a😀b€c\u0080\u07ff\u0800\uffff']) {
      expect(utf8Length(s), s).toBe(text(s).length);
    }
  });

  it('replays set, delete, clear(area) and clear() records', () => {
    const log = [
      logHeader(),
      encodeSet('a', 'k1', text('1')),
      encodeSet('a', 'k2', text('2')),
      encodeSet('b', 'k1', text('3')),
      encodeDelete('a', 'k1'),
      encodeClear('b'),
      encodeSet('c', 'k', new Uint8Array(0)),
    ];
    const all = new Uint8Array(log.reduce((s, p) => s + p.length, 0));
    log.reduce((at, p) => (all.set(p, at), at + p.length), 0);
    const table = new MemoryTable();
    expect(replayLog(all, table)).toEqual({ validEnd: all.length, records: 6 });
    expect([...table.all()].map(([a, k, v]) => [a, k, v.length])).toEqual([['a', 'k2', 1], ['c', 'k', 0]]);
    const cleared = new Uint8Array(all.length + 9);
    cleared.set(all);
    cleared.set(encodeClear(), all.length);
    expect(replayLog(cleared, table).records).toBe(7);
    expect(table.empty).toBe(true);
  });

  it('stops at a frame whose length was flipped, even when the bytes after it look valid', () => {
    const frame = encodeSet('a', 'k', text('value'));
    const log = new Uint8Array(8 + frame.length * 2);
    log.set(logHeader());
    log.set(frame, 8);
    log.set(frame, 8 + frame.length);
    log[8 + frame.length] = frame[0]! - 1;
    const result = replayLog(log, new MemoryTable());
    expect(result.records).toBe(1);
    expect(result.validEnd).toBe(8 + frame.length);
    expect(result.stopReason).toMatch(/checksum/);
  });
});

/** A node fs port whose next write, sync or rename can be made to fail, and that counts syncs. */
function faultyFs() {
  const base = createNodeFs();
  const faults = { write: 0, sync: 0, rename: 0 };
  const counts = { syncs: 0, writes: 0 };
  let syncGate: Promise<void> | undefined;
  const fail = (op: keyof typeof faults): void => {
    if (faults[op] > 0) {
      faults[op]--;
      throw Object.assign(new Error(`injected ${op} failure`), { code: 'EIO' });
    }
  };
  const fs: FsPort = {
    ...base,
    pid: base.pid,
    async openAppend(p) {
      const h = await base.openAppend(p);
      const handle: FsAppendHandle = {
        async write(data) {
          fail('write');
          counts.writes++;
          // A failed write may still have put part of the data in the file: simulate that too.
          await h.write(data);
        },
        async sync() {
          await syncGate;
          fail('sync');
          counts.syncs++;
          await h.sync();
        },
        close: () => h.close(),
      };
      return handle;
    },
    async rename(from, to) {
      fail('rename');
      await base.rename(from, to);
    },
  };
  return {
    fs,
    faults,
    counts,
    holdSyncs(): () => void {
      let open!: () => void;
      syncGate = new Promise((resolve) => (open = resolve));
      return () => {
        syncGate = undefined;
        open();
      };
    },
  };
}

describe('file store failures and durability', () => {
  it('reports a failed append at flush, rewrites the log at the next flush, and loses nothing', async () => {
    const f = faultyFs();
    const dir = folder();
    const store = await createFileStorage(f.fs).open(dir);
    await store.set('a', 'before', text('1'));
    await store.flush();
    await store.set('a', 'lost-write', text('2'));
    f.faults.write = 1;
    await expect(store.flush()).rejects.toMatchObject({ code: 'ERR_STORAGE_IO' });
    await store.set('a', 'after', text('3'));
    await store.flush();
    await store.close();
    const again = await createFileStorage(createNodeFs()).open(dir);
    expect((await again.keys('a')).sort()).toEqual(['after', 'before', 'lost-write']);
    await again.close();
  });

  it('treats a failed fsync as lost data and rewrites the whole log', async () => {
    const f = faultyFs();
    const dir = folder();
    const store = await createFileStorage(f.fs).open(dir);
    await store.set('a', 'k', text('v'));
    f.faults.sync = 1;
    await expect(store.flush()).rejects.toThrow(/fsync.*injected sync failure/);
    await store.flush();
    await store.close();
    const again = await createFileStorage(createNodeFs()).open(dir);
    expect(await again.get('a', 'k')).toEqual(text('v'));
    await again.close();
  });

  it('keeps the old log when the compaction rename fails, and retries', async () => {
    const f = faultyFs();
    const dir = folder();
    const store = await createFileStorage(f.fs, { compactMinBytes: 1024, compactRatio: 1.5 }).open(dir);
    f.faults.rename = 1;
    for (let i = 0; i < 40; i++) {
      await store.set('hot', 'k', new Uint8Array(100).fill(i));
      await store.flush();
    }
    expect(f.faults.rename).toBe(0);
    await store.close();
    const again = await createFileStorage(createNodeFs()).open(dir);
    expect(await again.get('hot', 'k')).toEqual(new Uint8Array(100).fill(39));
    await again.close();
  });

  it('resolves flush only after the fsync', async () => {
    const f = faultyFs();
    const store = await createFileStorage(f.fs).open(folder());
    await store.set('a', 'k', text('v'));
    const release = f.holdSyncs();
    let done = false;
    const flushing = store.flush().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    release();
    await flushing;
    expect(done).toBe(true);
    await store.close();
  });

  it('shares one fsync among flushes asked for while one is waiting', async () => {
    const f = faultyFs();
    const store = await createFileStorage(f.fs).open(folder());
    const before = f.counts.syncs;
    const flushes: Array<Promise<void>> = [];
    for (let i = 0; i < 100; i++) {
      await store.set('a', `k${i}`, text('v'));
      flushes.push(store.flush());
    }
    await Promise.all(flushes);
    expect(f.counts.syncs - before).toBeLessThanOrEqual(2);
    await store.close();
  });

  it('writes buffered records before a flush once the buffer is full', async () => {
    const dir = folder();
    const store = await createFileStorage(createNodeFs(), { writeBufferBytes: 1024 }).open(dir);
    const empty = (await stat(path.join(dir, LOG_FILE))).size;
    for (let i = 0; i < 20; i++) await store.set('a', `k${i}`, new Uint8Array(200));
    // The write runs in the background: wait for it rather than for a fixed time (no flush is asked for).
    await vi.waitFor(async () => expect((await stat(path.join(dir, LOG_FILE))).size).toBeGreaterThan(empty + 2000), { timeout: 5000 });
    await store.close();
  });

  it('compacts a log that is mostly overwritten records', async () => {
    const dir = folder();
    const store = await createFileStorage(createNodeFs(), { compactMinBytes: 64 << 10 }).open(dir);
    await store.set('keep', 'k', new Uint8Array(1000).fill(1));
    for (let i = 0; i < 2000; i++) {
      await store.set('hot', 'k', new Uint8Array(1000).fill(i & 0xff));
      if (i % 50 === 0) await store.flush();
    }
    await store.close();
    // 2 MB were written; compaction keeps the file near the live data.
    expect((await stat(path.join(dir, LOG_FILE))).size).toBeLessThan(160 << 10);
    expect((await readdir(dir)).sort()).toEqual([LOG_FILE]);
    const again = await createFileStorage(createNodeFs()).open(dir);
    expect(await again.get('hot', 'k')).toEqual(new Uint8Array(1000).fill(1999 & 0xff));
    expect(await again.get('keep', 'k')).toEqual(new Uint8Array(1000).fill(1));
    await again.close();
  });
});

describe('file store lock file', () => {
  const adapter = createFileStorage(createNodeFs());
  const deadPid = (): number => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    return Number(child.stdout);
  };
  const writeLock = async (dir: string, content: string): Promise<void> => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'LOCK'), content);
  };

  it('takes over a lock whose process has exited', async () => {
    const dir = folder();
    await writeLock(dir, JSON.stringify({ pid: deadPid(), token: 'stale' }));
    const store = await adapter.open(dir);
    expect(JSON.parse(await readFile(path.join(dir, 'LOCK'), 'utf8'))).toMatchObject({ pid: process.pid });
    await store.close();
  });

  it('takes over a lock left by an earlier process that had this pid', async () => {
    const dir = folder();
    await writeLock(dir, JSON.stringify({ pid: process.pid, token: 'from-an-earlier-process' }));
    await (await adapter.open(dir)).close();
  });

  it('takes over an empty or unreadable lock file (its writer died before writing it)', async () => {
    const dir = folder();
    await writeLock(dir, '');
    await (await adapter.open(dir)).close();
    await writeLock(dir, '{"pid":');
    await (await adapter.open(dir)).close();
  });

  it('clears a takeover guard left by a dead process', async () => {
    const dir = folder();
    await writeLock(dir, JSON.stringify({ pid: deadPid(), token: 'stale' }));
    await writeFile(path.join(dir, 'LOCK.takeover'), JSON.stringify({ pid: deadPid(), token: 'stale-guard' }));
    await (await adapter.open(dir)).close();
    expect(await readdir(dir)).toEqual([LOG_FILE]);
  });

  it('refuses a lock held by a live process, naming the pid and the lock file', async () => {
    const dir = folder();
    // pid 1 (init) is alive for as long as this test runs.
    await writeLock(dir, JSON.stringify({ pid: 1, token: 'init' }));
    const open = adapter.open(dir);
    await expect(open).rejects.toMatchObject({ code: 'ERR_STORAGE_LOCKED', context: { location: dir, pid: 1 } });
    await expect(open).rejects.toThrow(`another process (pid 1) has it open`);
    await expect(open).rejects.toThrow(path.join(dir, 'LOCK'));
  });

  it('lets exactly one of two concurrent opens of a folder in this process win', async () => {
    const dir = folder();
    const results = await Promise.allSettled([adapter.open(dir), adapter.open(dir), adapter.open(dir)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won.length).toBe(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ERR_STORAGE_LOCKED' });
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof adapter.open>>>).value.close();
  });

  it('sees the same folder under another spelling as locked', async () => {
    const dir = folder();
    const store = await adapter.open(dir);
    const other = path.relative(process.cwd(), dir) + path.sep;
    await expect(adapter.open(other)).rejects.toMatchObject({ code: 'ERR_STORAGE_LOCKED' });
    await store.close();
  });

  it('refuses an empty or non-string location with a TypeError', async () => {
    await expect(adapter.open('')).rejects.toThrow(TypeError);
    await expect(adapter.open(42 as unknown as string)).rejects.toThrow(/number 42/);
  });
});
