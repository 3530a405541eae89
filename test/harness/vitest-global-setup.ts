// Builds the wasm core (release and debug) and the dist/ bundles once, before any Node test file
// runs (so no test uses stale bytes and no two files rebuild at the same moment), and starts the
// fixtures server that the shared suites talk to.
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
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
  // The deno npm package puts its binary in place on first use (bin.cjs, install_api.cjs); with
  // install scripts off, a fresh clone has none until then, and tests that spawn it directly need it.
  execFileSync(process.execPath, ['node_modules/deno/bin.cjs', '--version'], { stdio: 'ignore' });
  const fixtures = await startFixturesServer({ proxies: true });
  project.provide('fixturesUrl', fixtures.url);
  return () => fixtures.close();
}
