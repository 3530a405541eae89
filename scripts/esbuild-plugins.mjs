// QuickJS's single-file build reaches for Node's `module` builtin with a bare `import("module")`
// on Node only. In the Deno bundle it stays an external `node:module` import, which Deno
// understands.
export const nodeBuiltinModulePlugin = {
  name: 'node-builtin-module',
  setup(build) {
    build.onResolve({ filter: /^module$/ }, () => ({ path: 'node:module', external: true }));
  },
};

// The browser bundle gets an empty stand-in for `module` instead: a page never takes the Node
// branch, and a bare `node:module` import would stop the user's own browser bundler (esbuild,
// webpack) when it bundles session-anywhere into an app.
export const browserNoNodeModulePlugin = {
  name: 'browser-no-node-module',
  setup(build) {
    build.onResolve({ filter: /^(node:)?module$/ }, () => ({ path: 'module', namespace: 'browser-empty-module' }));
    build.onLoad({ filter: /.*/, namespace: 'browser-empty-module' }, () => ({
      contents: 'export function createRequire() { throw new Error("node:module is not available in a browser"); }\nexport default { createRequire };\n',
      loader: 'js',
    }));
  },
};
