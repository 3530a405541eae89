// Cookie persistence across real Node processes running the built bundle (dist/node.js, made by
// the vitest global setup): a writer killed with SIGKILL after flushStore() keeps every flushed
// persistent cookie with identical fields and no session cookie; a batch of 512 changes reaches
// the store without a flush; a second process is locked out of a partition the first holds.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnLineChild } from '../harness/line-child.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const distUrl = pathToFileURL(path.join(repo, 'dist/node.js')).href;

// The child: `node child.mjs <dist url> <folder> <mode> [round]`. Every line it prints is a
// marker, optionally followed by a space and JSON.
const CHILD = String.raw`
const [distUrl, folder, mode, roundText] = process.argv.slice(2);
const { session } = await import(distUrl);
const ses = session.fromPath(folder);
const print = (marker, value) => process.stdout.write(marker + (value === undefined ? '' : ' ' + JSON.stringify(value)) + '\n');
const round = Number(roundText ?? 0);
const base = Math.floor(Date.now() / 1000) + 7 * 86400;

async function loaded() {
  const cookies = await ses.cookies.get({});
  const store = await ses.getStore();
  // A record the jar could not read would be in the store but not in the jar.
  print('loaded', { cookies, records: (await store.keys('cookies')).length });
}

async function flushedPhase() {
  for (let i = 0; i < 12; i++) {
    const expirationDate = base + round * 100 + i + 0.5;
    if (i % 3 === 0) await ses.cookies.set({ url: 'https://example.com/a/b', name: 'p' + round + '_' + i, value: 'v' + i, expirationDate });
    else if (i % 3 === 1) await ses.cookies.set({ url: 'https://www.example.org/', name: 'p' + round + '_' + i, value: 'secure ' + i, domain: 'example.org', secure: true, httpOnly: true, sameSite: 'strict', expirationDate });
    else await ses.cookies.set({ url: 'http://127.0.0.1:8080/x/', name: 'p' + round + '_' + i, value: 'ü € ' + i, path: '/x', sameSite: 'no_restriction', expirationDate });
  }
  for (let i = 0; i < 3; i++) await ses.cookies.set({ url: 'https://example.com/', name: 's' + round + '_' + i, value: 'session' });
  await ses.cookies.set({ url: 'https://example.com/', name: 'm' + round, value: 'old', expirationDate: base });
  await ses.cookies.set({ url: 'https://example.com/', name: 'd' + round, value: 'doomed', expirationDate: base });
  await ses.cookies.flushStore();
  print('flushed', await ses.cookies.get({}));
}

async function unflushedPhase(count) {
  await ses.cookies.set({ url: 'https://example.com/', name: 'm' + round, value: 'new', expirationDate: base });
  await ses.cookies.remove('https://example.com/', 'd' + round);
  await ses.cookies.set({ url: 'https://example.com/', name: 's' + round + '_late', value: 'session' });
  // Spread over sites, so no site passes the 180-cookie limit.
  for (let i = 0; i < count; i++) {
    await ses.cookies.set({ url: 'https://u' + (i % 25) + '-site.com/', name: 'u' + round + '_' + i, value: 'u' + i, expirationDate: base + i });
  }
}

if (mode === 'read') {
  await loaded();
} else if (mode === 'write') {
  // write: flushed cookies, then unflushed ones; variant (round % 4) says how the kill lands.
  await loaded();
  await flushedPhase();
  const variant = round % 4;
  if (variant === 0) {
    print('unflushed-start');
    await unflushedPhase(20);
  } else if (variant === 1) {
    // Over 512 changes: a batch commit is running when the kill comes.
    await unflushedPhase(600);
  } else if (variant === 2) {
    await unflushedPhase(40);
  } else {
    await unflushedPhase(100);
    // A flushStore in flight when the kill comes.
    void ses.cookies.flushStore();
  }
  print('unflushed-done');
  setInterval(() => {}, 1 << 30);
} else if (mode === 'batch') {
  // 600 persistent cookies and no flushStore(): the 512-change batch is handed to the store at
  // once; flushing the store itself (not the cookies) makes durable exactly what was handed over.
  for (let i = 0; i < 600; i++) {
    await ses.cookies.set({ url: 'https://b' + (i % 25) + '-site.com/', name: 'b' + i, value: String(i), expirationDate: base + i });
  }
  await new Promise((r) => setTimeout(r, 50));
  const store = await ses.getStore();
  const handed = (await store.keys('cookies')).length;
  await store.flush();
  print('handed', handed);
  if (roundText === 'exit') {
    // A normal end: no kill.
  } else {
    setInterval(() => {}, 1 << 30);
  }
} else if (mode === 'hold') {
  await ses.cookies.set({ url: 'https://example.com/', name: 'held', value: String(process.pid), expirationDate: base });
  await ses.cookies.flushStore();
  print('ready');
  setInterval(() => {}, 1 << 30);
} else if (mode === 'try') {
  const outcome = async (p) => p.then((value) => ({ ok: true, value }), (e) => ({ ok: false, code: e.code, message: e.message }));
  const get = await outcome(ses.cookies.get({}));
  const set = await outcome(ses.cookies.set({ url: 'https://example.com/', name: 'intruder', value: '1' }));
  print('try', { get, set });
} else {
  throw new Error('unknown mode ' + mode);
}
`;

interface Child {
  readonly pid: number;
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  waitFor(marker: string): Promise<string>;
  kill(): Promise<void>;
  stderr(): string;
}

let root: string;
let childScript: string;
const live = new Set<Child>();

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'sa-cookie-proc-'));
  childScript = path.join(root, 'cookie-child.mjs');
  await writeFile(childScript, CHILD);
});

afterAll(async () => {
  for (const child of live) await child.kill();
  await rm(root, { recursive: true, force: true });
});

function start(folder: string, mode: string, arg?: string): Child {
  const proc = spawnLineChild(process.execPath, [childScript, distUrl, folder, mode, ...(arg === undefined ? [] : [arg])]);
  const { lines } = proc;
  const find = (marker: string): string | undefined => lines.find((l) => l === marker || l.startsWith(`${marker} `));
  const child: Child = {
    pid: proc.child.pid ?? -1,
    lines,
    exited: proc.exited,
    stderr: proc.stderr,
    waitFor: async (marker) => {
      await proc.waitFor(() => find(marker) !== undefined, `'${marker}' (${mode})`);
      return (find(marker) as string).slice(marker.length + 1);
    },
    kill: async () => {
      await proc.kill();
      live.delete(child);
    },
  };
  live.add(child);
  void proc.exited.then(() => live.delete(child));
  return child;
}

interface ElectronCookie {
  name: string;
  value: string;
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  session: boolean;
  expirationDate?: number;
  sameSite: string;
}

const keyOf = (c: ElectronCookie): string => `${c.domain}|${c.path}|${c.name}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * What the next opener must see: `exact` cookies are there with these fields; `maybe` ones may be
 * there, with one of the given values; nothing else may be.
 */
interface Expectation {
  exact: Map<string, ElectronCookie>;
  maybe: Map<string, { values: Set<string> }>;
  /** Names starting with one of these may be there (unflushed extras), value `u<i>` for `u<r>_<i>`. */
  extraPrefixes: string[];
}

function checkLoaded(loaded: { cookies: ElectronCookie[]; records: number }, want: Expectation, label: string): Map<string, ElectronCookie> {
  const seen = new Map(loaded.cookies.map((c) => [keyOf(c), c]));
  expect(seen.size, `${label}: no duplicate cookie`).toBe(loaded.cookies.length);
  // Nothing in storage that the jar could not read.
  expect(loaded.records, `${label}: stored records = cookies loaded`).toBe(loaded.cookies.length);
  for (const [key, cookie] of want.exact) {
    expect(seen.get(key), `${label}: flushed cookie ${key}`).toEqual(cookie);
  }
  for (const [key, cookie] of seen) {
    expect(cookie.session, `${label}: ${key} is no session cookie`).toBe(false);
    expect(cookie.name, `${label}: ${key}`).not.toMatch(/^s\d/);
    if (want.exact.has(key)) continue;
    const maybe = want.maybe.get(key);
    if (maybe !== undefined) {
      expect([...maybe.values], `${label}: value of ${key}`).toContain(cookie.value);
      continue;
    }
    const prefix = want.extraPrefixes.find((p) => cookie.name.startsWith(p));
    expect(prefix, `${label}: unexpected cookie ${key}`).toBeDefined();
    expect(cookie.value, `${label}: value of ${key}`).toBe(`u${cookie.name.slice(prefix!.length)}`);
  }
  return seen;
}

describe('cookie persistence across processes (dist/node.js)', () => {
  it('keeps every flushed persistent cookie, identical, and no session cookie, across SIGKILLs', async () => {
    const folder = path.join(root, 'crash');
    const rounds = 8;
    let want: Expectation = { exact: new Map(), maybe: new Map(), extraPrefixes: [] };
    let survivedUnflushed = 0;
    let offeredUnflushed = 0;
    for (let round = 0; round < rounds; round++) {
      const label = `round ${round}`;
      const writer = start(folder, 'write', String(round));
      const seen = checkLoaded(JSON.parse(await writer.waitFor('loaded')), want, `${label} (load)`);
      if (round > 0) {
        survivedUnflushed += [...seen.values()].filter((c) => want.extraPrefixes.some((p) => c.name.startsWith(p))).length;
      }
      const flushed = JSON.parse(await writer.waitFor('flushed')) as ElectronCookie[];
      // The flushed view: what was there, plus this round's persistent and session cookies.
      expect(flushed.filter((c) => c.session).map((c) => c.name).sort()).toEqual([`s${round}_0`, `s${round}_1`, `s${round}_2`]);
      const exact = new Map(flushed.filter((c) => !c.session).map((c) => [keyOf(c), c]));
      expect(exact.size).toBe(seen.size + 14);
      // Land the kill in different places: in the unflushed sets, after them, or inside a flush.
      const variant = round % 4;
      if (variant === 0) await writer.waitFor('unflushed-start');
      else await writer.waitFor('unflushed-done');
      if (variant === 2) await sleep(round);
      await writer.kill();
      expect(writer.stderr()).toBe('');

      const mutable = `example.com|/|m${round}`;
      const doomed = `example.com|/|d${round}`;
      const maybe = new Map<string, { values: Set<string> }>([
        [mutable, { values: new Set(['old', 'new']) }],
        [doomed, { values: new Set(['doomed']) }],
      ]);
      exact.delete(mutable);
      exact.delete(doomed);
      offeredUnflushed += [20, 600, 40, 100][variant]!;
      want = { exact, maybe, extraPrefixes: [`u${round}_`] };
      // The next round's writer starts by reading what this one left (checked above); the last
      // round gets a reader of its own.
      if (round === rounds - 1) {
        const reader = start(folder, 'read');
        const final = checkLoaded(JSON.parse(await reader.waitFor('loaded')), want, 'final read');
        survivedUnflushed += [...final.values()].filter((c) => c.name.startsWith(`u${round}_`)).length;
        await reader.exited;
        // Every round's flushed cookies are still there at the end.
        for (let r = 0; r < rounds; r++) expect(final.has(`example.com|/a|p${r}_0`), `p${r}_0 at the end`).toBe(true);
      }
    }
    console.log(`cookie crash test: ${rounds} SIGKILLs; ${survivedUnflushed} of ${offeredUnflushed} unflushed cookies happened to survive`);
  }, 30_000);

  it('hands a batch of 512 changes to the store without flushStore(), durable once the store flushes', async () => {
    const folder = path.join(root, 'batch');
    const writer = start(folder, 'batch', 'kill');
    const handed = Number(await writer.waitFor('handed'));
    await writer.kill();
    // 512 went in one commit; the rest waits for the 30 s timer and dies with the process.
    expect(handed).toBeGreaterThanOrEqual(512);
    expect(handed).toBeLessThan(600);
    const reader = start(folder, 'read');
    const loaded = JSON.parse(await reader.waitFor('loaded')) as { cookies: ElectronCookie[]; records: number };
    expect(loaded.cookies.length).toBe(handed);
    expect(loaded.records).toBe(handed);
    // The oldest changes went first.
    const names = new Set(loaded.cookies.map((c) => c.name));
    for (let i = 0; i < 512; i++) expect(names.has(`b${i}`), `b${i}`).toBe(true);
    for (const c of loaded.cookies) expect(c.value).toBe(c.name.slice(1));

    // After a normal end of the program, at least the batch is there.
    const second = path.join(root, 'batch-exit');
    const exiting = start(second, 'batch', 'exit');
    expect(Number(await exiting.waitFor('handed'))).toBeGreaterThanOrEqual(512);
    expect(await exiting.exited).toEqual({ code: 0, signal: null });
    const after = start(second, 'read');
    const seen = JSON.parse(await after.waitFor('loaded')) as { cookies: ElectronCookie[]; records: number };
    expect(seen.cookies.length).toBeGreaterThanOrEqual(512);
    expect(seen.records).toBe(seen.cookies.length);
    console.log(`batch test: ${handed} of 600 handed to the store before any flush; ${seen.cookies.length} after a normal exit`);
  }, 20_000);

  it('locks a second process out of a partition the first holds (ERR_STORAGE_LOCKED from cookies.get)', async () => {
    const folder = path.join(root, 'locked');
    const holder = start(folder, 'hold');
    await holder.waitFor('ready');
    const intruder = start(folder, 'try');
    const { get, set } = JSON.parse(await intruder.waitFor('try')) as Record<'get' | 'set', { ok: boolean; code?: string; message?: string }>;
    expect(get).toMatchObject({ ok: false, code: 'ERR_STORAGE_LOCKED' });
    expect(get.message).toContain(folder);
    expect(get.message).toContain(`pid ${holder.pid}`);
    // The jar retries the open on the next call, and is refused again.
    expect(set).toMatchObject({ ok: false, code: 'ERR_STORAGE_LOCKED' });
    await intruder.exited;
    // Once the holder is gone, the next process gets in and finds its cookie.
    await holder.kill();
    const next = start(folder, 'read');
    const loaded = JSON.parse(await next.waitFor('loaded')) as { cookies: ElectronCookie[] };
    expect(loaded.cookies.map((c) => [c.name, c.value])).toEqual([['held', String(holder.pid)]]);
  }, 20_000);
});
