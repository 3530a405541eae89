import { describe, it, expect } from 'vitest';
import { Core } from '../../core/src/wasm/core.ts';
import { hasCode } from '../../core/src/errors.ts';

describe.each(['release', 'debug'] as const)('wasm core (%s build)', (build) => {
  const core = new Core(build);

  it('has no imports at all', () => {
    expect(WebAssembly.Module.imports(core.module)).toEqual([]);
  });

  it('turns an abort into a typed error naming the kernel and message, and stays usable', () => {
    const before = core.generation;
    let caught: unknown;
    try {
      core.call('test', (x) => x.debugAbort(1));
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'ERR_CORE_ABORT')).toBe(true);
    expect((caught as Error).message).toContain('kernel "test"');
    expect((caught as Error).message).toContain('requested abort');
    expect(core.generation).toBe(before + 1);
    expect(core.call('test', (x) => x.debugAbort(7))).toBe(7);
  });

  it('grows the string window for long inputs and keeps non-ASCII text intact', () => {
    const long = 'a'.repeat(200_000);
    expect(core.writeScratch(long)).toBe(200_000);
    const n = core.writeScratch('füpy.test');
    expect(core.readString(core.scratchPtr, n)).toBe('füpy.test');
  });
});
