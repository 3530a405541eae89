import type { FsAppendHandle, FsPort } from '../core/src/storage/fs-port.ts';

// Just the part of Deno's API this file uses, so it typechecks under Node's types too.
interface DenoFile {
  write(p: Uint8Array): Promise<number>;
  sync(): Promise<void>;
  close(): void;
}
declare const Deno: {
  readonly pid: number;
  open(path: string, options: { read?: boolean; append?: boolean; create?: boolean }): Promise<DenoFile>;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array, options: { createNew: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  mkdir(path: string, options: { recursive: boolean }): Promise<void>;
  kill(pid: number, signal: number): void;
  readonly build: { readonly os: string };
  readonly errors: {
    NotFound: new (...args: never[]) => Error;
    AlreadyExists: new (...args: never[]) => Error;
  };
};

/** The file store's filesystem port on Deno, over `Deno.*` (needs --allow-read, --allow-write, and --allow-run to detect stale locks). */
export function createDenoFs(): FsPort {
  return {
    get pid() {
      return Deno.pid;
    },

    async openAppend(path) {
      const handle = await Deno.open(path, { append: true, create: true });
      const file: FsAppendHandle = {
        async write(data) {
          for (let at = 0; at < data.length; ) at += await handle.write(data.subarray(at));
        },
        sync: () => handle.sync(),
        close: async () => handle.close(),
      };
      return file;
    },

    async readFile(path) {
      try {
        return await Deno.readFile(path);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return undefined;
        throw err;
      }
    },

    async createExclusive(path, data) {
      try {
        await Deno.writeFile(path, data, { createNew: true });
        return true;
      } catch (err) {
        if (err instanceof Deno.errors.AlreadyExists) return false;
        throw err;
      }
    },

    rename: (from, to) => Deno.rename(from, to),
    async remove(path) {
      try {
        await Deno.remove(path);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    },
    mkdirp: (path) => Deno.mkdir(path, { recursive: true }),

    async syncDir(path) {
      // Windows cannot open a folder to fsync it; NTFS journals the rename.
      if (Deno.build.os === 'windows') return;
      const dir = await Deno.open(path, { read: true });
      try {
        await dir.sync();
      } finally {
        dir.close();
      }
    },

    async isProcessAlive(pid) {
      try {
        // Signal 0 checks existence without sending anything.
        Deno.kill(pid, 0);
        return true;
      } catch (err) {
        // Only "no such process" proves it is gone; a permission error (no --allow-run, another
        // user's process) keeps the lock.
        return !(err instanceof Deno.errors.NotFound);
      }
    },
  };
}
