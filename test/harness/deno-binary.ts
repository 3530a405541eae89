// The Deno executable shipped inside the `deno` npm package (the binary itself, not its bin.cjs
// wrapper, so that a signal sent to the child reaches Deno), or undefined when it is not installed.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

export function denoBinary(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const bin = path.join(path.dirname(require.resolve('deno/package.json')), os.platform() === 'win32' ? 'deno.exe' : 'deno');
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}
