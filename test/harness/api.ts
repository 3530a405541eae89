// The test API every shared suite imports. Under vitest (Node) this module is used as is; the Deno
// and Chromium runs bundle the suites with esbuild and alias this file to ./mini-runner.ts, which
// offers the same names with the same `expect` (@vitest/expect on chai).
export { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
