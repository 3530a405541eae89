// QuickJS's single-file build reaches for Node's `module` builtin with a bare `import("module")`
// on Node only. In the Deno and browser bundles it stays an external `node:module` import, which
// Deno understands and a browser never evaluates.
export const nodeBuiltinModulePlugin = {
  name: 'node-builtin-module',
  setup(build) {
    build.onResolve({ filter: /^module$/ }, () => ({ path: 'node:module', external: true }));
  },
};
