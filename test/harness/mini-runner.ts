// A small describe/it runner for hosts without vitest (Deno, Chromium). Same names and the same
// `expect` as vitest, so a shared suite runs unchanged. It prints one line per test and the plain
// closing line `N passed, N failed, N skipped`.
import * as chai from 'chai';
import { JestAsymmetricMatchers, JestChaiExpect, JestExtend } from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

type Fn = () => unknown | Promise<unknown>;
interface Test { name: string; fn: Fn; skip: boolean; timeout: number }
interface Suite { name: string; tests: Test[]; suites: Suite[]; beforeAll: Fn[]; afterAll: Fn[]; beforeEach: Fn[]; afterEach: Fn[]; skip: boolean }

const newSuite = (name: string, skip = false): Suite => ({ name, tests: [], suites: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [], skip });
const root = newSuite('');
let current = root;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const expect: any = (chai as any).expect;

function describeImpl(name: string, fn: () => void, skip = false): void {
  const suite = newSuite(name, skip || current.skip);
  current.suites.push(suite);
  const parent = current;
  current = suite;
  try { fn(); } finally { current = parent; }
}
export const describe = Object.assign(describeImpl, {
  skip: (name: string, fn: () => void) => describeImpl(name, fn, true),
  skipIf: (cond: unknown) => (name: string, fn: () => void) => describeImpl(name, fn, Boolean(cond)),
  runIf: (cond: unknown) => (name: string, fn: () => void) => describeImpl(name, fn, !cond),
});

function itImpl(name: string, fn: Fn, timeout?: number | { timeout?: number }, skip = false): void {
  const ms = typeof timeout === 'number' ? timeout : timeout?.timeout ?? 20_000;
  current.tests.push({ name, fn, skip: skip || current.skip, timeout: ms });
}
export const it = Object.assign(itImpl, {
  skip: (name: string, fn: Fn) => itImpl(name, fn, undefined, true),
  skipIf: (cond: unknown) => (name: string, fn: Fn, timeout?: number) => itImpl(name, fn, timeout, Boolean(cond)),
  runIf: (cond: unknown) => (name: string, fn: Fn, timeout?: number) => itImpl(name, fn, timeout, !cond),
});
export const test = it;
export const beforeAll = (fn: Fn): void => { current.beforeAll.push(fn); };
export const afterAll = (fn: Fn): void => { current.afterAll.push(fn); };
export const beforeEach = (fn: Fn): void => { current.beforeEach.push(fn); };
export const afterEach = (fn: Fn): void => { current.afterEach.push(fn); };

function withTimeout(p: Promise<unknown>, ms: number, name: string): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`test timed out after ${ms} ms: ${name}`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export interface RunResult { passed: number; failed: number; skipped: number; failures: Array<{ name: string; error: string }> }

/** Run everything registered so far; `log` receives one line per test. */
export async function run(log: (line: string) => void = (l) => console.log(l)): Promise<RunResult> {
  const result: RunResult = { passed: 0, failed: 0, skipped: 0, failures: [] };
  async function runSuite(suite: Suite, path: string[], eaches: { before: Fn[]; after: Fn[] }): Promise<void> {
    const before = [...eaches.before, ...suite.beforeEach];
    const after = [...suite.afterEach, ...eaches.after];
    const active = !suite.skip && hasRunnable(suite);
    try {
      if (active) for (const f of suite.beforeAll) await f();
    } catch (err) {
      const name = [...path, 'beforeAll'].join(' > ');
      result.failed++; result.failures.push({ name, error: formatError(err) }); log(`FAIL ${name}: ${formatError(err)}`);
      return;
    }
    for (const t of suite.tests) {
      const name = [...path, t.name].join(' > ');
      if (t.skip) { result.skipped++; log(`SKIP ${name}`); continue; }
      try {
        for (const f of before) await f();
        await withTimeout(Promise.resolve().then(t.fn), t.timeout, name);
        for (const f of after) await f();
        result.passed++; log(`ok   ${name}`);
      } catch (err) {
        result.failed++; result.failures.push({ name, error: formatError(err) }); log(`FAIL ${name}: ${formatError(err)}`);
      }
    }
    for (const s of suite.suites) await runSuite(s, [...path, s.name], { before, after });
    if (active) for (const f of suite.afterAll) { try { await f(); } catch (err) { log(`afterAll error in ${path.join(' > ')}: ${formatError(err)}`); } }
  }
  await runSuite(root, [], { before: [], after: [] });
  return result;
}

function hasRunnable(s: Suite): boolean {
  return s.tests.some((t) => !t.skip) || s.suites.some((c) => !c.skip && hasRunnable(c));
}

function formatError(err: unknown): string {
  if (err instanceof Error) return `${err.message}${err.stack ? `\n${err.stack.split('\n').slice(1, 4).join('\n')}` : ''}`;
  return String(err);
}
