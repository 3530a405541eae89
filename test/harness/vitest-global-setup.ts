// Builds the wasm core (release and debug) before the Node tests, so a run never uses stale bytes,
// and starts the fixtures server that the shared suites talk to.
import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
// @ts-expect-error plain .mjs helper shared with the Deno and Chromium runners
import { startFixturesServer } from './fixtures-server.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    fixturesUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync(process.execPath, ['scripts/build-wasm.mjs'], { stdio: 'inherit' });
  const fixtures = await startFixturesServer();
  project.provide('fixturesUrl', fixtures.url);
  return () => fixtures.close();
}
