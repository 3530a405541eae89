// Crash safety and locking of the file store with real processes: a writer killed with SIGKILL
// mid-stream, a log with garbage appended by hand, and a second process opening a held folder.
import * as esbuild from 'esbuild';
import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeFs } from '../adapters/fs-node.ts';
import { createFileStorage } from '../adapters/storage-file.ts';
import { encodeSet, replayLog } from '../core/src/storage/log-format.ts';
import { COMPACT_FILE, LOG_FILE } from '../core/src/storage/log-store.ts';
import { MemoryTable } from '../core/src/storage/table-store.ts';
import { hotValue, recordValue } from './fixtures/storage-records.ts';
import { spawnLineChild, type LineChild } from './harness/line-child.ts';

const adapter = createFileStorage(createNodeFs());
let root: string;
let writerScript: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'sa-crash-'));
  writerScript = path.join(root, 'storage-writer.mjs');
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./fixtures/storage-writer.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: writerScript,
    logLevel: 'warning',
  });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function startWriter(...args: string[]): LineChild {
  return spawnLineChild(process.execPath, [writerScript, ...args]);
}

// toEqual on typed arrays compares element by element through the matcher machinery, which is far
// too slow for the thousands of records checked after every kill.
function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const acks = (lines: string[]): number[] => lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4)));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('file store crash safety (real processes, SIGKILL)', () => {
  it('keeps every acknowledged record, uncorrupted, across kills at random moments', async () => {
    const folder = path.join(root, 'crash');
    let next = 0;
    let tornTails = 0;
    let interruptedCompactions = 0;
    let ackedTotal = 0;
    const rounds = 16;
    for (let round = 0; round < rounds; round++) {
      // Even rounds tear records: the writer's fs port writes in 512-byte syscalls.
      const writer = startWriter('write', folder, String(next), round % 2 === 0 ? 'split' : 'whole');
      const target = 10 + round * 12;
      await writer.waitFor((lines) => acks(lines).length >= target, `${target} acks`);
      // Every fourth round is killed inside a compaction (the writer announces each one).
      if (round % 4 === 2) {
        const seen = writer.lines.length;
        await writer.waitFor((lines) => lines.slice(seen).includes('compacting'), 'a compaction');
      }
      // Some rounds kill at once on the ack, others after a short pause, to land in other places.
      if (round % 3 === 1) await sleep(round % 7);
      await writer.kill();
      const acked = acks(writer.lines);
      const lastAck = Math.max(...acked);
      ackedTotal += acked.length;

      const raw = await readFile(path.join(folder, LOG_FILE));
      if (replayLog(raw, new MemoryTable()).validEnd < raw.length) tornTails++;
      if (await stat(path.join(folder, COMPACT_FILE)).then(() => true, () => false)) interruptedCompactions++;

      const store = await adapter.open(folder);
      const keys = (await store.keys('seq')).map(Number).sort((a, b) => a - b);
      // Every acknowledged record is there ...
      expect(keys.length).toBeGreaterThan(lastAck);
      // ... the log is a prefix of what was written, so there are no holes ...
      expect(keys[keys.length - 1]).toBe(keys.length - 1);
      // ... and no record is corrupt, acknowledged or not.
      for (const seq of keys) {
        expect(sameBytes(await store.get('seq', String(seq)), recordValue(seq)), `record ${seq}`).toBe(true);
      }
      const hot = await store.get('hot', 'latest');
      const hotSeq = new DataView(hot!.buffer, hot!.byteOffset).getUint32(0, true);
      expect(hotSeq).toBeGreaterThanOrEqual(lastAck);
      expect(hotSeq).toBeLessThanOrEqual(keys.length - 1);
      expect(sameBytes(hot, hotValue(hotSeq))).toBe(true);
      const scratch = await store.entries('scratch');
      // A kill between a scratch set and the delete of its predecessor leaves both; no count to check.
      for (const [key] of scratch) expect(Number(key)).toBeLessThan(keys.length);
      for (const [key, value] of scratch) expect(sameBytes(value, recordValue(Number(key))), `scratch ${key}`).toBe(true);
      await store.close();
      next = keys.length;
    }
    console.log(`crash test: ${rounds} kills, ${ackedTotal} acknowledged flushes, ${next} records, ${tornTails} torn tails repaired on open, ${interruptedCompactions} kills during a compaction`);
  }, 120_000);
});

describe('file store with a damaged log', () => {
  const value = (i: number): Uint8Array => recordValue(i + 7);

  async function freshStore() {
    const folder = await mkdtemp(path.join(root, 'damaged-'));
    const store = await adapter.open(folder);
    for (let i = 0; i < 50; i++) await store.set('a', `k${i}`, value(i));
    await store.close();
    return { folder, log: path.join(folder, LOG_FILE) };
  }

  async function expectIntactAndWritable(folder: string, count = 50): Promise<void> {
    const store = await adapter.open(folder);
    expect((await store.keys('a')).length).toBe(count);
    for (let i = 0; i < count; i++) expect(await store.get('a', `k${i}`)).toEqual(value(i));
    // New records go after the repaired end, where replay finds them.
    await store.set('a', 'after-repair', value(999));
    await store.close();
    const again = await adapter.open(folder);
    expect(await again.get('a', 'after-repair')).toEqual(value(999));
    await again.close();
  }

  it('opens a log ending in half a frame and drops the half frame', async () => {
    const { folder, log } = await freshStore();
    const size = (await stat(log)).size;
    const frame = encodeSet('a', 'torn', value(1));
    await appendFile(log, frame.subarray(0, frame.length >> 1));
    const store = await adapter.open(folder);
    await store.close();
    // Rewritten without the half frame: the same 50 records, the same size.
    expect((await stat(log)).size).toBe(size);
    await expectIntactAndWritable(folder);
  });

  it('opens a log ending in garbage', async () => {
    const { folder, log } = await freshStore();
    const garbage = new Uint8Array(1000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) & 0xff;
    await appendFile(log, garbage);
    await expectIntactAndWritable(folder);
  });

  it('opens a log ending in zeros (a tail the filesystem allocated but never wrote)', async () => {
    const { folder, log } = await freshStore();
    await appendFile(log, new Uint8Array(4096));
    await expectIntactAndWritable(folder);
  });

  it('stops replay at a complete frame whose checksum is wrong', async () => {
    const { folder, log } = await freshStore();
    const frame = encodeSet('a', 'flipped', value(2));
    frame[frame.length - 1]! ^= 0x01;
    await appendFile(log, frame);
    await appendFile(log, encodeSet('a', 'after-flipped', value(3)));
    await expectIntactAndWritable(folder);
    const store = await adapter.open(folder);
    expect(await store.get('a', 'flipped')).toBeUndefined();
    expect(await store.get('a', 'after-flipped')).toBeUndefined();
    await store.close();
  });

  it('opens a log cut in the middle of its last record, losing only that record', async () => {
    const { folder, log } = await freshStore();
    const size = (await stat(log)).size;
    await truncate(log, size - 3);
    const store = await adapter.open(folder);
    expect((await store.keys('a')).length).toBe(49);
    expect(await store.get('a', 'k48')).toEqual(value(48));
    expect(await store.get('a', 'k49')).toBeUndefined();
    await store.close();
  });

  it('ignores the leftover of a compaction killed before its rename', async () => {
    const { folder } = await freshStore();
    await writeFile(path.join(folder, `${LOG_FILE}.tmp`), new Uint8Array([0x53, 0x41, 1, 2, 3]));
    await expectIntactAndWritable(folder);
  });

  it('opens a log whose header was torn at creation as an empty store', async () => {
    const folder = await mkdtemp(path.join(root, 'torn-header-'));
    await writeFile(path.join(folder, LOG_FILE), new Uint8Array([0x53, 0x41, 0x4c]));
    const store = await adapter.open(folder);
    expect(await store.keys('a')).toEqual([]);
    await store.set('a', 'k', value(1));
    await store.close();
    const again = await adapter.open(folder);
    expect(await again.get('a', 'k')).toEqual(value(1));
    await again.close();
  });

  it('refuses a file that is not a storage log, naming it, and leaves it alone', async () => {
    const folder = await mkdtemp(path.join(root, 'foreign-'));
    const log = path.join(folder, LOG_FILE);
    await writeFile(log, 'SQLite format 3\0 and more');
    const open = adapter.open(folder);
    await expect(open).rejects.toMatchObject({ code: 'ERR_STORAGE_FORMAT' });
    await expect(open).rejects.toThrow(log);
    expect(await readFile(log, 'utf8')).toBe('SQLite format 3\0 and more');
    // The refused open released the lock.
    await expect(adapter.open(folder)).rejects.toMatchObject({ code: 'ERR_STORAGE_FORMAT' });
  });
});

describe('file store lock across processes', () => {
  it('refuses a second process with ERR_STORAGE_LOCKED, then takes over the lock of a killed one', async () => {
    const folder = path.join(root, 'locked');
    const holder = startWriter('hold', folder);
    await holder.waitFor((lines) => lines.includes('ready'), 'ready');

    const second = startWriter('try', folder);
    await second.exited;
    const refused = JSON.parse(second.lines[0]!) as { ok: boolean; code: string; message: string };
    expect(refused).toMatchObject({ ok: false, code: 'ERR_STORAGE_LOCKED' });
    expect(refused.message).toContain(folder);
    expect(refused.message).toContain('another process');
    expect(refused.message).toContain(`pid ${holder.child.pid}`);

    // This process is refused too.
    await expect(adapter.open(folder)).rejects.toMatchObject({ code: 'ERR_STORAGE_LOCKED' });

    await holder.kill();
    const third = startWriter('try', folder);
    await third.exited;
    expect(JSON.parse(third.lines[0]!)).toEqual({ ok: true, heldBy: `pid ${holder.child.pid}` });

    const store = await adapter.open(folder);
    await store.close();
    await expect(stat(path.join(folder, 'LOCK'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);
});
