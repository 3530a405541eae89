// Bundles each host with esbuild. The wasm core is inside the bundles (base64 from
// core/src/wasm/core-bytes.generated.ts); dist/core.wasm is the same bytes for users who load it
// themselves. Node keeps its npm dependencies external; Deno and browsers get everything inlined.
import * as esbuild from 'esbuild';
import { browserNoNodeModulePlugin, nodeBuiltinModulePlugin } from './esbuild-plugins.mjs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
process.chdir(root);
await mkdir('dist', { recursive: true });
const pkg = JSON.parse(await readFile('package.json', 'utf8'));

const common = { bundle: true, format: 'esm', target: 'es2022', sourcemap: true, logLevel: 'warning', legalComments: 'none' };
await Promise.all([
  esbuild.build({ ...common, entryPoints: ['hosts/node/index.ts'], outfile: 'dist/node.js', platform: 'node', external: Object.keys(pkg.dependencies ?? {}) }),
  esbuild.build({ ...common, entryPoints: ['hosts/deno/index.ts'], outfile: 'dist/deno.js', platform: 'neutral', mainFields: ['module', 'main'], conditions: ['import', 'default'], plugins: [nodeBuiltinModulePlugin] }),
  esbuild.build({ ...common, entryPoints: ['hosts/browser/index.ts'], outfile: 'dist/browser.js', platform: 'browser', plugins: [browserNoNodeModulePlugin] }),
  // The `session-anywhere` command imports the Node host from source; in the bundle that import is
  // dist/node.js, so the command and the library share one copy.
  // `session-anywhere/tough-cookie`: one file for every host. Its npm dependencies (tough-cookie,
  // tldts) stay imports, so it shares tough-cookie with the program's own `CookieJar`; it reaches
  // the session only through the public methods of the objects it is handed, so it needs nothing
  // from the host bundles (the pure cookie helpers it uses are copied in).
  esbuild.build({ ...common, entryPoints: ['core/src/interop/tough-cookie.ts'], outfile: 'dist/tough-cookie.js', platform: 'neutral', external: Object.keys(pkg.dependencies ?? {}) }),
  // `session-anywhere/undici-cache-store`: Node only (node:stream); it uses the session it is handed.
  esbuild.build({ ...common, entryPoints: ['core/src/interop/undici-cache-store.ts'], outfile: 'dist/undici-cache-store.js', platform: 'node', external: Object.keys(pkg.dependencies ?? {}) }),
  esbuild.build({ ...common, entryPoints: ['bin/cli.ts'], outfile: 'dist/cli.js', platform: 'node', external: Object.keys(pkg.dependencies ?? {}), plugins: [{ name: 'cli-uses-node-bundle', setup: (b) => b.onResolve({ filter: /hosts\/node\/index\.ts$/ }, () => ({ path: './node.js', external: true })) }] }),
]);
await copyFile('build/core.wasm', 'dist/core.wasm');
console.log('bundled dist/node.js, dist/deno.js, dist/browser.js, dist/tough-cookie.js, dist/undici-cache-store.js');
