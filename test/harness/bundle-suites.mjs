// Shared between the Deno and Chromium runners: which suites run on every host, and the esbuild
// plugin that swaps vitest for the mini runner and Node's host for the target host.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const harness = path.dirname(fileURLToPath(import.meta.url));

/** Suites (relative to test/) that run on every host. */
export const SHARED_SUITES = ['session/session.test.ts', 'storage-shared.suite.ts', 'cookies/cookies.test.ts', 'cookies/tough-cookie-interop.test.ts', 'cache/http-cache.test.ts', 'netem/network-emulation.test.ts'];

/** Redirects `../harness/api.ts` to the mini runner and `../harness/host.ts` to `host.<name>.ts`. */
export function suiteAliasPlugin(hostName) {
  return {
    name: 'suite-alias',
    setup(build) {
      build.onResolve({ filter: /harness\/(api|host)\.ts$/ }, (args) => {
        const which = args.path.endsWith('api.ts') ? 'mini-runner.ts' : `host.${hostName}.ts`;
        return { path: path.join(harness, which) };
      });
    },
  };
}
