// The file store through Deno's fs port, in a real Deno process (the `deno` npm package's binary),
// and the same folder shared between Deno and Node: one format, one lock.
import * as esbuild from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeFs } from '../adapters/fs-node.ts';
import { createFileStorage } from '../adapters/storage-file.ts';
import { denoBinary } from './harness/deno-binary.ts';

const denoBin = denoBinary();

const adapter = createFileStorage(createNodeFs());
let root: string;
let script: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'sa-deno-'));
  script = path.join(root, 'storage-deno-check.mjs');
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./fixtures/storage-deno-check.ts', import.meta.url))],
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    outfile: script,
    logLevel: 'warning',
  });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function deno(...args: string[]) {
  const child = spawn(denoBin!, ['run', '-A', '--no-prompt', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const lines = (): string[] => out.split('\n').filter(Boolean);
  const json = async (): Promise<Record<string, unknown>> => {
    await exited;
    if (!lines()[0]) throw new Error(`deno printed nothing; stderr: ${err}`);
    return JSON.parse(lines()[0]!) as Record<string, unknown>;
  };
  const ready = (): Promise<void> =>
    new Promise((resolve, reject) => {
      child.stdout.on('data', () => lines().includes('ready') && resolve());
      void exited.then(() => reject(new Error(`deno exited before ready; stderr: ${err}`)));
    });
  return { child, exited, json, ready };
}

const denoMissing = denoBin === undefined ? ' (skipped: no deno binary in the `deno` npm package; run npm install)' : '';

describe.skipIf(denoBin === undefined)(`file store under real Deno (fs-deno)${denoMissing}`, () => {
  it('writes, flushes, refuses a second open, reopens and reads back; Node reads the same folder', async () => {
    const folder = path.join(root, 'roundtrip', 'Partitions', 'p');
    expect(await deno('roundtrip', folder).json()).toEqual({
      keys: 999,
      k999: 'value 999',
      k0: null,
      bigOk: true,
      empty: 0,
      secondOpenWhileOpen: 'ERR_STORAGE_LOCKED',
    });
    const store = await adapter.open(folder);
    expect((await store.keys('seq')).length).toBe(999);
    expect((await store.get('bin', 'big'))?.length).toBe(1 << 20);
    await store.close();
  }, 30_000);

  it('is refused by a folder Node holds, and takes over a lock Node left behind', async () => {
    const folder = path.join(root, 'node-holds');
    const store = await adapter.open(folder);
    await store.set('held', 'by', new TextEncoder().encode('node'));
    await store.flush();
    const refused = await deno('try', folder).json();
    expect(refused).toMatchObject({ ok: false, code: 'ERR_STORAGE_LOCKED' });
    expect(refused.message).toContain(`another process (pid ${process.pid})`);
    await store.close();
    expect(await deno('try', folder).json()).toEqual({ ok: true, heldBy: 'node' });
  }, 30_000);

  it('refuses Node while Deno holds a folder, and Node takes over after Deno is killed', async () => {
    const folder = path.join(root, 'deno-holds');
    const holder = deno('hold', folder);
    await holder.ready();
    await expect(adapter.open(folder)).rejects.toMatchObject({ code: 'ERR_STORAGE_LOCKED', context: { pid: holder.child.pid } });
    holder.child.kill('SIGKILL');
    await holder.exited;
    const store = await adapter.open(folder);
    expect(new TextDecoder().decode(await store.get('held', 'by'))).toBe(`deno pid ${holder.child.pid}`);
    await store.close();
  }, 30_000);
});
