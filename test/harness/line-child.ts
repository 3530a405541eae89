// A child process whose standard output is read line by line, for tests that wait for what a
// child announces (an ack, "ready", a JSON line) and then kill it.
import { spawn, type ChildProcess } from 'node:child_process';

/** A running child: its output lines so far, its exit, and ways to wait for a line and to kill it. */
export interface LineChild {
  readonly child: ChildProcess;
  /** Complete lines of standard output so far. */
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Standard error so far. */
  stderr(): string;
  /** Resolves once `done(lines)` holds; rejects (naming `what` and the stderr) if the child exits first. */
  waitFor(done: (lines: string[]) => boolean, what: string): Promise<void>;
  /** SIGKILL (unless it already exited), then waits for the exit. */
  kill(): Promise<void>;
}

/** Starts `command args` with piped output. */
export function spawnLineChild(command: string, args: readonly string[]): LineChild {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  let exitedFlag = false;
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    for (let i = partial.indexOf('\n'); i >= 0; i = partial.indexOf('\n')) {
      lines.push(partial.slice(0, i));
      partial = partial.slice(i + 1);
    }
    for (const l of listeners) l();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exitedFlag = true;
      for (const l of listeners) l();
      resolve({ code, signal });
    });
  });
  const waitFor = (done: (lines: string[]) => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (done(lines)) {
          listeners.delete(check);
          resolve();
        } else if (exitedFlag) {
          listeners.delete(check);
          reject(new Error(`child exited before ${what}; stderr: ${stderr}`));
        }
      };
      listeners.add(check);
      check();
    });
  const kill = async (): Promise<void> => {
    if (!exitedFlag) child.kill('SIGKILL');
    await exited;
  };
  return { child, lines, exited, stderr: () => stderr, waitFor, kill };
}
