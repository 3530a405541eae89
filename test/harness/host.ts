// The host a shared suite runs on. Under vitest this is Node; the Deno and Chromium runs alias this
// file to host.deno.ts / host.browser.ts.
import { inject } from 'vitest';
import os from 'node:os';
import { cpSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { session, app, nodeHost } from '../../hosts/node/index.ts';
import { createFileStorage } from '../../adapters/storage-file.ts';
import { createNodeFs } from '../../adapters/fs-node.ts';
import type { TestHost } from './host-types.ts';

const fixturesUrl = inject('fixturesUrl');

export const host: TestHost = {
  name: 'node',
  session,
  app,
  capabilities: nodeHost.capabilities,
  fixturesUrl,
  async loadShared(rel) {
    const res = await fetch(`${fixturesUrl}/shared/${rel}`);
    return res.json();
  },
  tempDir: () => mkdtempSync(path.join(os.tmpdir(), 'sa-test-')),
  persistentStorage: () => ({ adapter: createFileStorage(createNodeFs()), location: mkdtempSync(path.join(os.tmpdir(), 'sa-store-')) }),
  crashView(location) {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'sa-crash-'));
    cpSync(location, copy, { recursive: true, filter: (source) => !path.basename(source).startsWith('LOCK') });
    return { adapter: createFileStorage(createNodeFs()), location: copy };
  },
};
