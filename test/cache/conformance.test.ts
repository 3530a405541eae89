// The HTTP caching conformance suite (npm http-cache-tests@0.4.5, browser-cache mode) run against
// ses.fetch on Node, compared with Chrome's published results (../shared/http-cache/cache-tests-results/
// chrome.json) on the ids both have. The run happens in a child process (run-cache-tests.mjs): the
// suite keeps module-level state, so one process per run.
//
// Asserted, over the common ids:
//   - every id Chrome passes (pass or yes) and we do not is listed, with a reason, in
//     expected-differences.json;
//   - leaving the listed ids out, we pass at least as many tests as Chrome and leave no more
//     required tests unpassed than Chrome does.
// CACHE_TESTS_BASELINE_ONLY=1 runs the suite and prints the comparison without asserting.
// CACHE_TESTS_IMPL=session-nocache|undici-private|nocache runs another fetch (to check the harness itself);
// CACHE_TESTS_OUT=<file> keeps the raw results there.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  compareResults, countOutcomes, figures, formatCountsTable, loadResults, loadTestsIndex, readJson, sharedHttpCacheUrl,
} from './classify.ts';

const BASELINE_ONLY = process.env.CACHE_TESTS_BASELINE_ONLY === '1';
const IMPL = process.env.CACHE_TESTS_IMPL ?? 'session';
const CHILD_TIMEOUT_MS = 80_000;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const runner = fileURLToPath(new URL('./run-cache-tests.mjs', import.meta.url));

interface RunSummary {
  impl: string;
  ran: number;
  seconds: number;
  counts: Record<string, number>;
  requestTimeouts?: string[];
  unfinished?: string[];
}

function runSuite(out: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, '--impl', IMPL, '--out', out], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

const wrapIds = (ids: readonly string[]): string => (ids.length === 0 ? '  (none)' : ids.map((id) => `  ${id}`).join('\n'));

describe('HTTP caching conformance (http-cache-tests 0.4.5, browser cache) against Chrome', () => {
  it(`ses.fetch${IMPL === 'session' ? '' : ` (${IMPL})`} does at least what Chrome does, apart from the listed differences`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-conformance-'));
    const out = process.env.CACHE_TESTS_OUT ?? join(dir, 'results.json');
    try {
      const run = await runSuite(out);
      const summaryLine = run.stdout.trim().split('\n').at(-1) ?? '';
      expect(existsSync(out), `the runner wrote no results (exit ${run.code}, signal ${run.signal})\n${run.stderr}`).toBe(true);
      const summary = JSON.parse(summaryLine) as RunSummary;

      const index = loadTestsIndex();
      const ours = loadResults(out);
      const chrome = loadResults(new URL('cache-tests-results/chrome.json', sharedHttpCacheUrl));
      const chromeVersion = readJson<Array<{ file: string; version: string }>>(new URL('cache-tests-results/index.json', sharedHttpCacheUrl))
        .find((entry) => entry.file === 'chrome.json')?.version ?? '?';
      const expected = Object.fromEntries(
        Object.entries(readJson<Record<string, unknown>>(new URL('./expected-differences.json', import.meta.url))).filter(([id]) => !id.startsWith('_')),
      );

      const comparison = compareResults(index, ours, chrome);
      const compared = comparison.common.filter((id) => !(id in expected));
      const oursFigures = figures(index, comparison.ours, compared);
      const chromeFigures = figures(index, comparison.reference, compared);
      const unexplained = comparison.referencePassesWeDoNot.filter((id) => !(id in expected));
      const badEntries = Object.entries(expected)
        .filter(([id, reason]) => !index.has(id) || typeof reason !== 'string' || reason.trim() === '')
        .map(([id]) => id);
      const stale = Object.keys(expected).filter((id) => comparison.common.includes(id) && !comparison.referencePassesWeDoNot.includes(id));

      const name = IMPL === 'session' ? 'ses.fetch' : IMPL;
      console.log([
        `HTTP caching conformance: ${name}, ${summary.ran} tests in ${summary.seconds} s (exit ${run.code}); ` +
          `${comparison.common.length} ids in common with Chrome ${chromeVersion}, ${compared.length} compared ` +
          `(${Object.keys(expected).length} listed in expected-differences.json)`,
        formatCountsTable([
          { name, counts: countOutcomes(comparison.ours, comparison.common) },
          { name: 'Chrome', counts: countOutcomes(comparison.reference, comparison.common) },
        ]),
        `compared ids: passed (pass+yes) ${name} ${oursFigures.passed} / Chrome ${chromeFigures.passed}; ` +
          `required failed ${oursFigures.requiredFailed} / ${chromeFigures.requiredFailed}; ` +
          `required not passed ${oursFigures.requiredNotPassed} / ${chromeFigures.requiredNotPassed}`,
        `Chrome passes, ${name} does not, not listed (${unexplained.length}):\n${wrapIds(unexplained)}`,
        `${name} passes, Chrome does not (${comparison.wePassReferenceDoesNot.length}):\n${wrapIds(comparison.wePassReferenceDoesNot)}`,
        ...(stale.length > 0 ? [`listed but no longer different (remove from expected-differences.json):\n${wrapIds(stale)}`] : []),
        ...(comparison.oursOnly.length > 0 ? [`not in the current suite, not compared: ${comparison.oursOnly.join(' ')}`] : []),
        ...(summary.requestTimeouts ? [`requests that timed out: ${summary.requestTimeouts.join(' ')}`] : []),
        ...(run.stderr.trim() ? [`runner stderr:\n${run.stderr.trim()}`] : []),
      ].join('\n'));

      if (BASELINE_ONLY) return;
      expect(run.code, 'the runner did not finish the suite').toBe(0);
      expect(summary.unfinished ?? []).toEqual([]);
      expect(badEntries, 'expected-differences.json: unknown test ids or empty reasons').toEqual([]);
      expect(unexplained, 'ids Chrome passes and we do not: fix them or list them with a reason in expected-differences.json').toEqual([]);
      expect(oursFigures.passed, 'passes (pass + yes) on the compared ids, ours vs Chrome').toBeGreaterThanOrEqual(chromeFigures.passed);
      expect(oursFigures.requiredNotPassed, 'required tests not passed on the compared ids, ours vs Chrome').toBeLessThanOrEqual(chromeFigures.requiredNotPassed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, CHILD_TIMEOUT_MS + 30_000);
});
