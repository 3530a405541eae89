import { describeValue } from '../errors.ts';
import type { HostPorts } from '../host.ts';
import { Session, type SessionOptions } from './session.ts';
import { isAbsolutePath, joinPath, partitionFolderName } from './partition-path.ts';

/** Version of this library, used in the default User-Agent. */
export const LIBRARY_VERSION = '0.1.0';

/** The subset of Electron's `app` paths that sessions depend on. */
export interface AppPaths {
  /** `'userData'` or `'sessionData'` (which defaults to userData), as in Electron. */
  getPath(name: 'userData' | 'sessionData'): string;
  /** Changes a path; sessions created afterwards use it (existing ones keep theirs, as in Electron). */
  setPath(name: 'userData' | 'sessionData', path: string): void;
  /** Electron's `app.commandLine` (switches such as `host-resolver-rules` that sessions read). */
  readonly commandLine: CommandLine;
}

/**
 * The part of Electron's `CommandLine` that sessions read. Unlike Chromium, which reads switches
 * once at start-up, sessions here read them when they need them, so a switch appended after a
 * session exists still applies.
 */
export interface CommandLine {
  /** Adds `--name[=value]`; appending a switch again replaces its value. */
  appendSwitch(name: string, value?: string): void;
  /** Whether `--name` was appended. */
  hasSwitch(name: string): boolean;
  /** The value of `--name`, or `''` when absent (as Electron). */
  getSwitchValue(name: string): string;
}


/** Electron's `session` module. */
export interface SessionModule {
  /** The default session (partition `''`), created on first access. */
  readonly defaultSession: Session;
  /** The session for `partition`: `persist:NAME` keeps data, any other name lives in memory, `''` is the default. */
  fromPartition(partition: string, options?: SessionOptions): Session;
  /** The session whose data lives in the absolute folder `path`. */
  fromPath(path: string, options?: SessionOptions): Session;
  /** The Session class (for `instanceof`); `new Session()` throws, as in Electron. */
  readonly Session: typeof Session;
}

/** Builds the `session` module and the `app` paths for one host. */
export function createSessionModule(host: HostPorts): { session: SessionModule; app: AppPaths } {
  const paths = new Map<string, string>();
  const byPartition = new Map<string, Session>();
  const byPath = new Map<string, Session>();

  const switches = new Map<string, string>();
  const commandLine: CommandLine = {
    appendSwitch(name, value) {
      if (typeof name !== 'string') throw new TypeError(`app.commandLine.appendSwitch expects a string switch name, got ${describeValue(name)}`);
      if (value !== undefined && typeof value !== 'string') throw new TypeError(`app.commandLine.appendSwitch(${JSON.stringify(name)}) expects a string value, got ${describeValue(value)}`);
      switches.set(name.toLowerCase(), value ?? '');
    },
    hasSwitch: (name) => switches.has(String(name).toLowerCase()),
    getSwitchValue: (name) => switches.get(String(name).toLowerCase()) ?? '',
  };

  const app: AppPaths = {
    commandLine,
    getPath(name) {
      if (name !== 'userData' && name !== 'sessionData') throw new TypeError(`app.getPath: unknown path name ${describeValue(name)} (expected 'userData' or 'sessionData')`);
      return paths.get(name) ?? (name === 'sessionData' ? app.getPath('userData') : host.defaultSessionDataPath());
    },
    setPath(name, path) {
      if (name !== 'userData' && name !== 'sessionData') throw new TypeError(`app.setPath: unknown path name ${describeValue(name)} (expected 'userData' or 'sessionData')`);
      if (typeof path !== 'string' || !isAbsolutePath(path)) throw new TypeError(`app.setPath(${JSON.stringify(name)}) expects an absolute path, got ${describeValue(path)}`);
      paths.set(name, path);
    },
  };

  const userAgent = `Mozilla/5.0 (${host.userAgentPlatform}) AppleWebKit/537.36 (KHTML, like Gecko) session-anywhere/${LIBRARY_VERSION} Safari/537.36`;

  function checkOptions(options: unknown, fn: string): SessionOptions {
    if (options === undefined) return {};
    if (typeof options !== 'object' || options === null) throw new TypeError(`session.${fn} expects an options object, got ${describeValue(options)}`);
    const cache = (options as { cache?: unknown }).cache;
    if (cache !== undefined && typeof cache !== 'boolean') throw new TypeError(`session.${fn}: options.cache must be a boolean, got ${describeValue(cache)}`);
    return options as SessionOptions;
  }

  function make(partition: string, persistent: boolean, storagePath: string | null, options: SessionOptions): Session {
    return Session.create({
      host,
      partition,
      persistent,
      storagePath,
      cache: options.cache ?? true,
      userAgent,
      acceptLanguages: host.locale,
      getSwitchValue: commandLine.getSwitchValue,
    });
  }

  function fromPartition(partition: string, options?: SessionOptions): Session {
    if (typeof partition !== 'string') throw new TypeError(`session.fromPartition expects a string partition, got ${describeValue(partition)}`);
    const opts = checkOptions(options, 'fromPartition');
    // electron_api_session.cc FromPartition: 'persist:' is stripped; an empty name is the default session.
    const persistent = partition === '' || partition.startsWith('persist:');
    const name = partition.startsWith('persist:') ? partition.slice('persist:'.length) : partition;
    const key = name === '' && persistent ? '' : partition;
    let ses = byPartition.get(key);
    if (!ses) {
      const root = app.getPath('sessionData');
      const storagePath = !persistent ? null : name === '' ? root : joinPath(root, 'Partitions', partitionFolderName(name));
      ses = make(key, persistent, storagePath, opts);
      byPartition.set(key, ses);
    }
    return ses;
  }

  function fromPath(path: string, options?: SessionOptions): Session {
    if (typeof path !== 'string') throw new TypeError(`session.fromPath expects a string path, got ${describeValue(path)}`);
    // Electron's texts (electron_api_session.cc Session::FromPath).
    if (path === '') throw new TypeError('An empty path was specified');
    if (!isAbsolutePath(path)) throw new TypeError('An absolute path was not provided');
    const opts = checkOptions(options, 'fromPath');
    let ses = byPath.get(path);
    if (!ses) {
      ses = make(`path:${path}`, true, path, opts);
      byPath.set(path, ses);
    }
    return ses;
  }

  const session: SessionModule = {
    get defaultSession() {
      return fromPartition('');
    },
    fromPartition,
    fromPath,
    Session,
  };
  return { session, app };
}
