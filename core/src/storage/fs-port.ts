/**
 * The few filesystem operations the crash-safe file store needs. A host fills it in with its own
 * APIs (`node:fs/promises`, `Deno.*`); the store's logic in `log-store.ts` and `lock-file.ts` only
 * sees this interface. Paths are plain strings joined with `/`, which Node and Deno accept on every
 * OS.
 */
export interface FsPort {
  /** The id of the current process, written into lock files. */
  readonly pid: number;
  /** Open `path` for appending, creating it when missing. Every write lands at the end of the file. */
  openAppend(path: string): Promise<FsAppendHandle>;
  /** The whole content of `path`, or `undefined` when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /**
   * Create `path` with `data` only if it does not exist yet (an exclusive create, `O_EXCL`).
   * Resolves `false` when the file already exists.
   */
  createExclusive(path: string, data: Uint8Array): Promise<boolean>;
  /** Rename `from` to `to`, atomically replacing `to` when it exists. */
  rename(from: string, to: string): Promise<void>;
  /** Remove the file `path`; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /** Create the folder `path` and its parents; an existing folder is not an error. */
  mkdirp(path: string): Promise<void>;
  /**
   * Make the entries of folder `path` (a rename, a new file) durable, where the host allows it.
   * Hosts that cannot fsync a folder (Windows) resolve without doing anything.
   */
  syncDir(path: string): Promise<void>;
  /**
   * Whether a process with id `pid` is running on this machine. Hosts that cannot tell answer
   * `true`, so that a lock is never taken from a live owner.
   */
  isProcessAlive(pid: number): Promise<boolean>;
}

/** A file opened for appending. */
export interface FsAppendHandle {
  /** Append all of `data` (looping over short writes). */
  write(data: Uint8Array): Promise<void>;
  /** Flush the file's data to stable storage (`fsync`); resolves only once it is there. */
  sync(): Promise<void>;
  /** Close the handle. */
  close(): Promise<void>;
}

/** `folder/name`, without doubling a trailing separator. */
export function joinPath(folder: string, name: string): string {
  return /[\\/]$/.test(folder) ? `${folder}${name}` : `${folder}/${name}`;
}
