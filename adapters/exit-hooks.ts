// Runs work a session left pending (cookies not yet committed) when a Node or Deno program is
// about to exit normally, as Chromium commits its cookie store on shutdown. A hook returns a
// promise while it has work, `undefined` when it has none; the runtime fires its exit event again
// after the work settles, and the hooks then find nothing to do, so the program ends.
import type { BeforeExitPort } from '../core/src/host.ts';

function makeRegistry(subscribe: (run: () => void) => void): BeforeExitPort {
  const hooks = new Set<() => Promise<void> | undefined>();
  let subscribed = false;
  const run = (): void => {
    for (const hook of hooks) {
      try {
        hook()?.catch(() => undefined);
      } catch {
        // A failing hook must not stop the others, nor the exit.
      }
    }
  };
  return (hook) => {
    hooks.add(hook);
    if (!subscribed) {
      subscribed = true;
      subscribe(run);
    }
    return () => hooks.delete(hook);
  };
}

/** Node: `process.on('beforeExit')`. */
export function createNodeBeforeExit(proc: { on(event: 'beforeExit', listener: () => void): unknown }): BeforeExitPort {
  return makeRegistry((run) => proc.on('beforeExit', run));
}

/** Deno: the global `beforeunload` event (scheduling work there keeps the program running). */
export function createDenoBeforeExit(target: { addEventListener(type: 'beforeunload', listener: () => void): void }): BeforeExitPort {
  return makeRegistry((run) => target.addEventListener('beforeunload', run));
}
