import { session, app, denoHost } from '../../hosts/deno/index.ts';
import { createFileStorage } from '../../adapters/storage-file.ts';
import { createDenoFs } from '../../adapters/fs-deno.ts';
import type { TestHost } from './host-types.ts';

declare const Deno: { env: { get(name: string): string | undefined }; makeTempDirSync(options?: { prefix?: string }): string };

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
};
