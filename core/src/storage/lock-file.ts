import { SessionError } from '../errors.ts';
import { joinPath, type FsPort } from './fs-port.ts';

/** Name of the lock file inside a store folder. */
export const LOCK_FILE = 'LOCK';

/** A held folder lock. */
export interface FolderLock {
  /** Remove the lock file if it is still ours. */
  release(): Promise<void>;
}

interface Owner {
  pid: number;
  token: string;
}

// Tokens of the locks this process holds or is acquiring. Shared through the global symbol registry
// so that two copies of the library in one process still see each other's locks; a lock file with
// our pid but a token not in here was left by an earlier process that had the same pid.
const HELD_KEY = Symbol.for('session-anywhere.storage.heldLockTokens');
function heldTokens(): Set<string> {
  const g = globalThis as { [HELD_KEY]?: Set<string> };
  return (g[HELD_KEY] ??= new Set());
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function newToken(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function parseOwner(raw: Uint8Array): Owner | undefined {
  try {
    const value = JSON.parse(decoder.decode(raw)) as Partial<Owner>;
    if (Number.isSafeInteger(value.pid) && (value.pid as number) > 0 && typeof value.token === 'string') {
      return { pid: value.pid as number, token: value.token };
    }
  } catch {
    // fall through: unreadable
  }
  return undefined;
}

type Seen = { kind: 'missing' } | { kind: 'owner'; owner: Owner; raw: Uint8Array } | { kind: 'unreadable'; raw: Uint8Array };

// The creator writes its lock file right after creating it, so an empty or half-written file is
// read again a few times before it is taken for the leftover of a crash.
async function readLockFile(fs: FsPort, path: string): Promise<Seen> {
  for (let attempt = 0; ; attempt++) {
    const raw = await fs.readFile(path);
    if (raw === undefined) return { kind: 'missing' };
    const owner = parseOwner(raw);
    if (owner !== undefined) return { kind: 'owner', owner, raw };
    if (attempt === 4) return { kind: 'unreadable', raw };
    await sleep(25);
  }
}

async function ownerState(fs: FsPort, owner: Owner): Promise<'here' | 'alive' | 'dead'> {
  if (heldTokens().has(owner.token)) return 'here';
  if (owner.pid === fs.pid) return 'dead';
  return (await fs.isProcessAlive(owner.pid)) ? 'alive' : 'dead';
}

function lockedError(folder: string, lockPath: string, state: 'here' | 'alive' | 'race', pid?: number): SessionError {
  const message =
    state === 'here'
      ? `Storage folder ${JSON.stringify(folder)} is already open in this process; close the other store before opening it again`
      : state === 'alive'
        ? `Storage folder ${JSON.stringify(folder)} is locked: another process (pid ${pid}) has it open. Close it there first; if no such process uses it, delete ${JSON.stringify(lockPath)}`
        : `Storage folder ${JSON.stringify(folder)} is locked: another process is opening it at the same moment; try again later`;
  return new SessionError('ERR_STORAGE_LOCKED', message, { context: { location: folder, lockPath, ...(pid === undefined ? {} : { pid }) } });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Remove a stale lock file, guarded by a second exclusive file so that two openers who both found
 * the same dead owner cannot both remove and recreate the lock. Resolves when the caller should try
 * an exclusive create again.
 */
async function removeStaleLock(fs: FsPort, lockPath: string, stale: Uint8Array, me: Uint8Array): Promise<void> {
  const guardPath = `${lockPath}.takeover`;
  if (!(await fs.createExclusive(guardPath, me))) {
    const seen = await readLockFile(fs, guardPath);
    // A guard whose writer died mid-takeover would block the folder for good; clear it.
    if (seen.kind === 'unreadable' || (seen.kind === 'owner' && (await ownerState(fs, seen.owner)) === 'dead')) {
      await fs.remove(guardPath);
    }
    return;
  }
  try {
    const current = await fs.readFile(lockPath);
    if (current !== undefined && sameBytes(current, stale)) await fs.remove(lockPath);
  } finally {
    await fs.remove(guardPath);
  }
}

/**
 * Take the exclusive lock of `folder` (created if missing), taking over a lock left by a process
 * that is no longer alive. Rejects with `ERR_STORAGE_LOCKED` when a live process, or this one,
 * holds it.
 */
export async function acquireFolderLock(fs: FsPort, folder: string): Promise<FolderLock> {
  await fs.mkdirp(folder);
  const lockPath = joinPath(folder, LOCK_FILE);
  const token = newToken();
  const me = encoder.encode(`${JSON.stringify({ pid: fs.pid, token })}\n`);
  const held = heldTokens();
  // Registered before the create, so a concurrent open in this process never mistakes our fresh
  // lock file (same pid) for a stale one.
  held.add(token);
  try {
    for (let attempt = 0; attempt < 6; attempt++) {
      if (await fs.createExclusive(lockPath, me)) {
        return {
          async release() {
            try {
              const raw = await fs.readFile(lockPath);
              if (raw !== undefined && parseOwner(raw)?.token === token) await fs.remove(lockPath);
            } finally {
              held.delete(token);
            }
          },
        };
      }
      const seen = await readLockFile(fs, lockPath);
      if (seen.kind === 'missing') continue;
      if (seen.kind === 'owner') {
        const state = await ownerState(fs, seen.owner);
        if (state !== 'dead') throw lockedError(folder, lockPath, state, seen.owner.pid);
      }
      await removeStaleLock(fs, lockPath, seen.raw, me);
      await sleep(10 * attempt);
    }
    throw lockedError(folder, lockPath, 'race');
  } catch (err) {
    held.delete(token);
    throw err;
  }
}
