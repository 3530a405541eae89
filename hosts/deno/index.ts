// Deno host: which adapter fills which port. Logic belongs in core/src, not here.
import { createSessionModule } from '../../core/src/session/session-module.ts';
import { defaultUserDataPath, userAgentPlatform } from '../../core/src/session/default-paths.ts';
import type { HostPorts } from '../../core/src/host.ts';
import { createDenoTransport } from '../../adapters/transport-deno.ts';
import { createMemoryStorage } from '../../adapters/storage-memory.ts';
import { createFileStorage } from '../../adapters/storage-file.ts';
import { createDenoFs } from '../../adapters/fs-deno.ts';
import { createDenoDns } from '../../adapters/dns-deno.ts';
import { createDenoBeforeExit } from '../../adapters/exit-hooks.ts';

declare const Deno: {
  build: { os: string; arch: string };
  env: { get(name: string): string | undefined };
  readFile(path: string): Promise<Uint8Array>;
  unrefTimer(id: number): void;
};

const platform = Deno.build.os === 'windows' ? 'win32' : Deno.build.os;
// Reading the environment needs --allow-env; without it the host behaves as if nothing were set.
const env = (name: string): string | undefined => {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
};

/** The ports this host offers (exported for tests and for building custom hosts). */
export const denoHost: HostPorts = {
  name: 'deno',
  persistentStorage: createFileStorage(createDenoFs()),
  memoryStorage: createMemoryStorage(),
  defaultSessionDataPath: () => defaultUserDataPath(platform, env('HOME') ?? env('USERPROFILE') ?? '/', env),
  createTransport: () => createDenoTransport(),
  dns: createDenoDns(),
  beforeExit: createDenoBeforeExit(globalThis as unknown as { addEventListener(type: 'beforeunload', listener: () => void): void }),
  unrefTimer: (timer) => Deno.unrefTimer(timer as unknown as number),
  getEnv: env,
  readFile: (path) => Deno.readFile(path),
  platform,
  userAgentPlatform: userAgentPlatform(platform, Deno.build.arch),
  locale: Intl.DateTimeFormat().resolvedOptions().locale,
  capabilities: new Set(['persistent-storage', 'dns', 'file-urls', 'environment', 'choose-route', 'set-user-agent-header', 'auth-challenges', 'proxy-auth', 'manual-redirects', 'network-error-detail', 'cookie-headers']),
};

/** Electron's `session` module and the `app` paths it depends on, for Deno. */
export const { session, app } = createSessionModule(denoHost);
export * from '../../core/src/index.ts';
