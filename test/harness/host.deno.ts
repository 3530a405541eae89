import { session, app, denoHost } from '../../hosts/deno/index.ts';
import { createFileStorage } from '../../adapters/storage-file.ts';
import { createDenoFs } from '../../adapters/fs-deno.ts';
import type { TestHost } from './host-types.ts';

declare const Deno: {
  env: { get(name: string): string | undefined };
  makeTempDirSync(options?: { prefix?: string }): string;
  readDirSync(path: string): Iterable<{ name: string; isFile: boolean }>;
  copyFileSync(from: string, to: string): void;
};

const fixturesUrl = Deno.env.get('SA_FIXTURES_URL') ?? '';

export const host: TestHost = {
  name: 'deno',
  session,
  app,
  capabilities: denoHost.capabilities,
  fixturesUrl,
  async loadShared(rel) {
    const res = await fetch(`${fixturesUrl}/shared/${rel}`);
    return res.json();
  },
  tempDir: () => Deno.makeTempDirSync({ prefix: 'sa-test-' }),
  persistentStorage: () => ({ adapter: createFileStorage(createDenoFs()), location: Deno.makeTempDirSync({ prefix: 'sa-store-' }) }),
  crashView(location) {
    // The file store keeps its files flat in the folder (the log, the lock).
    const copy = Deno.makeTempDirSync({ prefix: 'sa-crash-' });
    for (const entry of Deno.readDirSync(location)) {
      if (entry.isFile && !entry.name.startsWith('LOCK')) Deno.copyFileSync(`${location}/${entry.name}`, `${copy}/${entry.name}`);
    }
    return { adapter: createFileStorage(createDenoFs()), location: copy };
  },
};
