// Classifies raw HTTP caching conformance results ({ "<test-id>": true | ["<ErrorType>", "<message>"] })
// into the suite's outcome kinds, from test metadata only (../shared/http-cache/cache-tests-results/
// tests-index.json: kind and depends_on per id), so our npm 0.4.5 run and the published browser
// results are judged by the same rules. The rules follow the suite's determineTestResult: a test
// whose dependency did not pass (or answer yes) is a dependency failure; a "Setup" error is a setup
// failure (a retry if its message is "retry"); a timed-out request (AbortError, or our runner's
// RunTimeout) is a harness failure; otherwise the kind decides (required: pass/fail, optimal:
// pass/optional_fail, check: yes/no).
import { readFileSync } from 'node:fs';

export type RawResult = true | [string, string] | string[];
export type Results = Record<string, RawResult>;

export type Outcome =
  | 'pass'
  | 'fail'
  | 'optional_fail'
  | 'yes'
  | 'no'
  | 'setup_fail'
  | 'harness_fail'
  | 'dependency_fail'
  | 'retry'
  | 'untested'
  | 'unknown_id';

export const OUTCOMES: readonly Outcome[] = [
  'pass', 'fail', 'optional_fail', 'yes', 'no', 'setup_fail', 'harness_fail', 'dependency_fail', 'retry', 'untested', 'unknown_id',
];

export interface TestMeta {
  id: string;
  suite: string;
  name: string;
  kind: 'required' | 'optimal' | 'check';
  depends_on: string[];
  browser_only: boolean;
  browser_skip: boolean;
  cdn_only: boolean;
}

export type TestsIndex = ReadonlyMap<string, TestMeta>;

/** The shared conformance data, located relative to this repository (../shared beside it). */
export const sharedHttpCacheUrl = new URL('../../../shared/http-cache/', import.meta.url);

export function readJson<T>(url: URL | string): T {
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

export function loadTestsIndex(url: URL = new URL('cache-tests-results/tests-index.json', sharedHttpCacheUrl)): TestsIndex {
  const { tests } = readJson<{ tests: TestMeta[] }>(url);
  return new Map(tests.map((test) => [test.id, test]));
}

export function loadResults(url: URL | string): Results {
  return readJson<Results>(url);
}

/** Outcomes that let a dependent test run (the suite's "pass types"). */
export const isPassing = (outcome: Outcome): boolean => outcome === 'pass' || outcome === 'yes';

const HARNESS_ERRORS = new Set(['AbortError', 'RunTimeout']);

/**
 * How dependencies count: 'honor' is the suite's rule; 'honor-tested' skips a dependency that is
 * absent from the results, for runs of an older suite that lacks it (0.4.5 has no
 * freshness-max-age-stale, on which ten HEAD tests depend); 'ignore' classifies each test alone.
 */
export type DependencyRule = 'honor' | 'honor-tested' | 'ignore';

/** Classifies every id of `results` (memoised, so dependency chains are walked once). */
export function classifyAll(index: TestsIndex, results: Results, dependencies: DependencyRule = 'honor'): Map<string, Outcome> {
  const done = new Map<string, Outcome>();
  const visiting = new Set<string>();
  const classifyOne = (id: string): Outcome => {
    const known = done.get(id);
    if (known !== undefined) return known;
    const test = index.get(id);
    const result = results[id];
    let outcome: Outcome;
    if (test === undefined) outcome = 'unknown_id';
    else if (result === undefined) outcome = 'untested';
    else {
      let dependencyFailed = false;
      if (dependencies !== 'ignore' && !visiting.has(id)) {
        visiting.add(id);
        dependencyFailed = test.depends_on.some((dependency) =>
          !(dependencies === 'honor-tested' && !(dependency in results)) && !isPassing(classifyOne(dependency)));
        visiting.delete(id);
      }
      if (dependencyFailed) outcome = 'dependency_fail';
      else if (Array.isArray(result) && result[0] === 'Setup') outcome = result[1] === 'retry' ? 'retry' : 'setup_fail';
      else if (Array.isArray(result) && HARNESS_ERRORS.has(result[0] ?? '')) outcome = 'harness_fail';
      else if (test.kind === 'optimal') outcome = result === true ? 'pass' : 'optional_fail';
      else if (test.kind === 'check') outcome = result === true ? 'yes' : 'no';
      else outcome = result === true ? 'pass' : 'fail'; // required (and, as the suite does, no kind)
    }
    done.set(id, outcome);
    return outcome;
  };
  const out = new Map<string, Outcome>();
  for (const id of Object.keys(results)) out.set(id, classifyOne(id));
  return out;
}

export function classify(index: TestsIndex, results: Results, id: string, dependencies: DependencyRule = 'honor'): Outcome {
  if (!index.has(id)) return 'unknown_id';
  return classifyAll(index, results, dependencies).get(id) ?? 'untested';
}

export function countOutcomes(outcomes: Map<string, Outcome>, ids: Iterable<string> = outcomes.keys()): Record<Outcome, number> {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const id of ids) counts[outcomes.get(id) ?? 'untested']++;
  return counts;
}

export interface Comparison {
  /** Ids in both result sets that the tests index knows. */
  common: string[];
  /** Ids of ours that the tests index does not know (tests dropped or renamed since 0.4.5). */
  oursOnly: string[];
  ours: Map<string, Outcome>;
  reference: Map<string, Outcome>;
  /** Common ids the reference passes (pass/yes) and we do not. */
  referencePassesWeDoNot: string[];
  /** Common ids we pass (pass/yes) and the reference does not. */
  wePassReferenceDoesNot: string[];
}

/** Ours is classified with 'honor-tested' (it may come from an older suite), the reference with 'honor'. */
export function compareResults(index: TestsIndex, ours: Results, reference: Results): Comparison {
  const oursOutcomes = classifyAll(index, ours, 'honor-tested');
  const referenceOutcomes = classifyAll(index, reference, 'honor');
  const common = Object.keys(ours).filter((id) => index.has(id) && id in reference).sort();
  const oursOnly = Object.keys(ours).filter((id) => !index.has(id)).sort();
  const passes = (m: Map<string, Outcome>, id: string) => isPassing(m.get(id) ?? 'untested');
  return {
    common,
    oursOnly,
    ours: oursOutcomes,
    reference: referenceOutcomes,
    referencePassesWeDoNot: common.filter((id) => passes(referenceOutcomes, id) && !passes(oursOutcomes, id)),
    wePassReferenceDoesNot: common.filter((id) => passes(oursOutcomes, id) && !passes(referenceOutcomes, id)),
  };
}

/** Figures the conformance test compares: passes (pass + yes) and required tests not passed. */
export function figures(index: TestsIndex, outcomes: Map<string, Outcome>, ids: Iterable<string>): { passed: number; requiredFailed: number; requiredNotPassed: number } {
  let passed = 0;
  let requiredFailed = 0;
  let requiredNotPassed = 0;
  for (const id of ids) {
    const outcome = outcomes.get(id) ?? 'untested';
    if (isPassing(outcome)) passed++;
    if (outcome === 'fail') requiredFailed++;
    if (index.get(id)?.kind === 'required' && outcome !== 'pass') requiredNotPassed++;
  }
  return { passed, requiredFailed, requiredNotPassed };
}

/** A fixed-width table of outcome counts, one column per named result set. */
export function formatCountsTable(columns: Array<{ name: string; counts: Record<Outcome, number> }>): string {
  const rows = OUTCOMES.filter((o) => columns.some((c) => c.counts[o] > 0));
  const width = Math.max(8, ...columns.map((c) => c.name.length));
  const head = 'outcome'.padEnd(16) + columns.map((c) => c.name.padStart(width + 2)).join('');
  const lines = rows.map((o) => o.padEnd(16) + columns.map((c) => String(c.counts[o]).padStart(width + 2)).join(''));
  const total = 'total'.padEnd(16) + columns.map((c) => String(Object.values(c.counts).reduce((a, b) => a + b, 0)).padStart(width + 2)).join('');
  return [head, ...lines, total].join('\n');
}
