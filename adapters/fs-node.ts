import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { FsAppendHandle, FsPort } from '../core/src/storage/fs-port.ts';

function hasErrorCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: unknown }).code as string);
}

/** The file store's filesystem port on Node, over `node:fs/promises`. */
export function createNodeFs(): FsPort {
  return {
    get pid() {
      return process.pid;
    },

    async openAppend(path) {
      const handle = await open(path, 'a');
      const file: FsAppendHandle = {
        async write(data) {
          // A regular file rarely takes less than asked, but the port promises all of it.
          for (let at = 0; at < data.length; ) {
            const { bytesWritten } = await handle.write(data, at, data.length - at);
            at += bytesWritten;
          }
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
      return file;
    },

    async readFile(path) {
      try {
        const buf = await readFile(path);
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (err) {
        if (hasErrorCode(err, 'ENOENT')) return undefined;
        throw err;
      }
    },

    async createExclusive(path, data) {
      try {
        await writeFile(path, data, { flag: 'wx' });
        return true;
      } catch (err) {
        if (hasErrorCode(err, 'EEXIST')) return false;
        throw err;
      }
    },

    rename: (from, to) => rename(from, to),
    remove: (path) => rm(path, { force: true }),
    mkdirp: async (path) => {
      await mkdir(path, { recursive: true });
    },

    async syncDir(path) {
      // POSIX makes a rename durable only once the folder is fsynced; Windows cannot open a folder
      // for that (EISDIR/EPERM), and there the rename is already journaled by NTFS.
      let handle;
      try {
        handle = await open(path, 'r');
      } catch (err) {
        if (hasErrorCode(err, 'EISDIR', 'EPERM', 'EACCES')) return;
        throw err;
      }
      try {
        await handle.sync();
      } catch (err) {
        if (!hasErrorCode(err, 'EINVAL', 'EPERM', 'EISDIR', 'EBADF')) throw err;
      } finally {
        await handle.close();
      }
    },

    async isProcessAlive(pid) {
      try {
        // Signal 0 checks existence and permission without sending anything.
        process.kill(pid, 0);
        return true;
      } catch (err) {
        // EPERM: the process exists but belongs to another user.
        return !hasErrorCode(err, 'ESRCH');
      }
    },
  };
}
