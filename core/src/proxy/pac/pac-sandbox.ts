import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten-core';
import { SessionError } from '../../errors.ts';
import {
  isAscii,
  isInNetEx,
  isPlainHostName,
  PAC_BINDINGS_BOOTSTRAP,
  sortIpAddressList,
  toDnsHostname,
  type PacHostOperation,
} from './pac-bindings.ts';
import { needsHostLookup, performHostLookup, type PacHostPorts } from './pac-host-lookups.ts';
import { PAC_UTILITY_LIBRARY } from './pac-library.ts';
import { loadQuickJS, withLinearMemoryBudget, type LinearMemoryBudget } from './quickjs-module.ts';

/** Settings for one {@link PacSandbox}. */
export interface PacSandboxOptions {
  /** Where DNS and `myIpAddress` lookups go; missing ports make those lookups fail. */
  readonly ports: PacHostPorts;
  /** JS execution time allowed per request (and for evaluating the script), in milliseconds. */
  readonly timeoutMs: number;
  /** Bytes the script may make the shared QuickJS heap grow by, and QuickJS's own limit. */
  readonly memoryLimitBytes: number;
  /** QuickJS stack limit in bytes; see {@link DEFAULT_PAC_MAX_STACK_BYTES}. */
  readonly maxStackBytes: number;
  /** Receives `alert()` messages of runs that were not abandoned for a lookup. */
  readonly onAlert?: ((message: string) => void) | undefined;
  /** Clock for the script's `Date`; the host clock when missing. */
  readonly now?: (() => Date) | undefined;
}

/**
 * Default QuickJS stack limit. QuickJS measures its own (emscripten) stack, but each JS call also
 * uses host-engine stack for the wasm frames: with no limit, deep recursion overflows the host's
 * stack and kills the whole wasm instance. On Node 20 the host stack ran out near 480 KiB of QuickJS
 * stack; 256 KiB leaves room for callers (about 1,400 plain recursive JS calls).
 */
export const DEFAULT_PAC_MAX_STACK_BYTES = 256 * 1024;

/**
 * Unique host lookups one request may start. Chromium's safety net for scripts that resolve many
 * names (`kMaxUniqueResolveDnsPerExec` in services/proxy_resolver/proxy_resolver_v8_tracing.cc):
 * past it, lookups fail instead of restarting the script.
 */
export const MAX_HOST_LOOKUPS_PER_REQUEST = 20;

// Resource names Chromium gives the two scripts (services/proxy_resolver/proxy_resolver_v8.cc);
// they appear in error positions.
const PAC_SCRIPT_RESOURCE = 'proxy-pac-script.js';
const PAC_UTILITY_RESOURCE = 'proxy-pac-utility-script.js';
const PAC_BINDINGS_RESOURCE = 'proxy-pac-bindings.js';

// Alerts of a run are held until the run is known not to be abandoned (Chromium buffers them the
// same way). A script alerting in a loop would otherwise hold unbounded host memory; past this many
// UTF-16 units the rest of that run's alerts are dropped.
const MAX_BUFFERED_ALERT_UNITS = 1 << 20;

type HostAnswer = string | null;
type LookupKey = string;

interface Run {
  readonly answers: Map<LookupKey, HostAnswer>;
  readonly alerts: string[];
  alertUnits: number;
  pending: { readonly operation: PacHostOperation; readonly host: string } | null;
  readonly deadline: number;
  timedOut: boolean;
  describing: boolean;
}

type RunOutcome = { readonly kind: 'done'; readonly value: string } | { readonly kind: 'failed'; readonly error: SessionError } | { readonly kind: 'restart' };

interface Helpers {
  readonly check: QuickJSHandle;
  readonly invoke: QuickJSHandle;
  readonly describeLastError: QuickJSHandle;
  readonly describeError: QuickJSHandle;
}

/**
 * One PAC script in its own QuickJS runtime and context: the utility library, the bindings and the
 * user's script, with globals that persist between calls. Host lookups follow Chromium's
 * `ProxyResolverV8Tracing`: a run that needs an unknown lookup is abandoned, the lookup is done
 * asynchronously, and the script runs again with the answer cached for that request.
 *
 * Calls must not overlap; {@link createPacResolver} queues them.
 */
export class PacSandbox {
  private readonly options: PacSandboxOptions;
  private readonly runtime: QuickJSRuntime;
  private readonly context: QuickJSContext;
  private readonly helpers: Helpers;
  private readonly budget: LinearMemoryBudget;
  private run: Run | null = null;
  private disposed = false;

  /**
   * Evaluate `scriptText` in a fresh sandbox. Rejects with `ERR_PAC_SCRIPT_FAILED` (syntax error,
   * top-level exception, no `FindProxyForURL`) or `ERR_PAC_SCRIPT_TIMEOUT`.
   */
  static async create(scriptText: string, options: PacSandboxOptions): Promise<PacSandbox> {
    if (scriptText === '') {
      throw new SessionError('ERR_PAC_SCRIPT_FAILED', 'The PAC script is empty; it must define FindProxyForURL(url, host).');
    }
    const module = await loadQuickJS();
    const answers = new Map<LookupKey, HostAnswer>();
    let remainingMs = options.timeoutMs;
    for (let lookups = 0; ; lookups++) {
      // Like Chromium, a top-level lookup restarts evaluation from scratch in a new context.
      const sandbox = new PacSandbox(module, options);
      const started = performance.now();
      const run = sandbox.beginRun(answers, remainingMs);
      let outcome: RunOutcome;
      try {
        outcome = sandbox.evaluate(scriptText, run);
      } catch (error) {
        sandbox.dispose();
        throw error;
      }
      remainingMs = Math.max(0, remainingMs - (performance.now() - started));
      if (outcome.kind === 'restart') {
        sandbox.dispose();
        await completeLookup(run, options.ports, lookups);
        continue;
      }
      sandbox.deliverAlerts(run);
      if (outcome.kind === 'failed') {
        sandbox.dispose();
        throw outcome.error;
      }
      return sandbox;
    }
  }

  private constructor(module: QuickJSWASMModule, options: PacSandboxOptions) {
    this.options = options;
    this.budget = { remainingBytes: options.memoryLimitBytes, refused: false };
    this.runtime = module.newRuntime();
    this.runtime.setMemoryLimit(options.memoryLimitBytes);
    this.runtime.setMaxStackSize(options.maxStackBytes);
    this.runtime.setInterruptHandler(() => this.shouldInterrupt());
    this.context = this.runtime.newContext();
    try {
      this.helpers = this.installBindings();
      this.context.unwrapResult(this.context.evalCode(PAC_UTILITY_LIBRARY, PAC_UTILITY_RESOURCE, { type: 'global' })).dispose();
    } catch (error) {
      this.context.dispose();
      this.runtime.dispose();
      throw error;
    }
  }

  /**
   * Call `FindProxyForURL(url, host)` and resolve to the string it returned. Rejects with
   * `ERR_PAC_SCRIPT_FAILED` (Chromium's message text in `message` and `context.chromiumMessage`)
   * or `ERR_PAC_SCRIPT_TIMEOUT`.
   */
  async findProxyForURL(url: string, host: string): Promise<string> {
    const answers = new Map<LookupKey, HostAnswer>();
    let remainingMs = this.options.timeoutMs;
    for (let lookups = 0; ; lookups++) {
      this.assertAlive();
      const started = performance.now();
      const run = this.beginRun(answers, remainingMs);
      const outcome = this.invoke(url, host, run);
      remainingMs = Math.max(0, remainingMs - (performance.now() - started));
      if (outcome.kind === 'restart') {
        await completeLookup(run, this.options.ports, lookups);
        continue;
      }
      this.deliverAlerts(run);
      if (outcome.kind === 'failed') throw outcome.error;
      return outcome.value;
    }
  }

  /** Free the QuickJS runtime. Later calls reject with `ERR_PAC_RESOLVER_DISPOSED`. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const handle of Object.values(this.helpers)) handle.dispose();
    this.context.dispose();
    this.runtime.dispose();
  }

  private beginRun(answers: Map<LookupKey, HostAnswer>, remainingMs: number): Run {
    this.budget.refused = false;
    return { answers, alerts: [], alertUnits: 0, pending: null, deadline: performance.now() + remainingMs, timedOut: false, describing: false };
  }

  private assertAlive(): void {
    if (this.disposed) throw new SessionError('ERR_PAC_RESOLVER_DISPOSED', 'The PAC resolver was disposed; create a new one.');
  }

  private evaluate(scriptText: string, run: Run): RunOutcome {
    const result = this.execute(run, () => this.context.evalCode(scriptText, PAC_SCRIPT_RESOURCE, { type: 'global' }));
    if (run.pending !== null) {
      disposeResult(result);
      return { kind: 'restart' };
    }
    if (result.error) {
      const error = this.failureFromException(run, result.error, scriptText);
      result.error.dispose();
      return { kind: 'failed', error };
    }
    result.value.dispose();
    const status = this.callForString(run, this.helpers.check, []);
    if (run.pending !== null) return { kind: 'restart' };
    if (status === 'A' || status === 'M') return { kind: 'failed', error: scriptFailure(ENTRY_POINT_FAILURES[status]) };
    if (status === null) return { kind: 'failed', error: this.abnormalEnd(run) };
    return { kind: 'done', value: '' };
  }

  private invoke(url: string, host: string, run: Run): RunOutcome {
    const status = this.callForString(run, this.helpers.invoke, [url, host]);
    if (run.pending !== null) return { kind: 'restart' };
    if (status === null) return { kind: 'failed', error: this.abnormalEnd(run) };
    switch (status[0]) {
      case 'S': {
        const value = status.slice(1);
        // ProxyResolverV8::Context::ResolveProxy rejects non-ASCII results.
        if (!isAscii(value)) return { kind: 'failed', error: scriptFailure('FindProxyForURL() returned a non-ASCII string (crbug.com/47234).') };
        return { kind: 'done', value };
      }
      case 'N':
        return { kind: 'failed', error: scriptFailure('FindProxyForURL() did not return a string.') };
      case 'A':
      case 'M':
        return { kind: 'failed', error: scriptFailure(ENTRY_POINT_FAILURES[status[0]]) };
      default:
        return { kind: 'failed', error: this.describedFailure(run, this.callForString(run, this.helpers.describeLastError, [], true), '') };
    }
  }

  // Calls a helper that returns a string. Null means the call itself ended abnormally (interrupted
  // for time or a lookup, or an exception the helper could not catch). While `describing`, lookups
  // and alerts from the script's own toString() or stack getters are ignored.
  private callForString(run: Run, helper: QuickJSHandle, args: readonly (string | QuickJSHandle)[], describing = false): string | null {
    const context = this.context;
    const created: QuickJSHandle[] = [];
    const argHandles = args.map((arg) => {
      if (typeof arg !== 'string') return arg;
      const handle = context.newString(arg);
      created.push(handle);
      return handle;
    });
    run.describing = describing;
    const result = this.execute(run, () => context.callFunction(helper, context.undefined, ...argHandles));
    run.describing = false;
    for (const handle of created) handle.dispose();
    if (result.error) {
      result.error.dispose();
      return null;
    }
    const text = context.typeof(result.value) === 'string' ? context.getString(result.value) : null;
    result.value.dispose();
    return text;
  }

  private execute<T>(run: Run, body: () => T): T {
    this.run = run;
    try {
      return withLinearMemoryBudget(this.budget, body);
    } finally {
      this.run = null;
    }
  }

  private shouldInterrupt(): boolean {
    const run = this.run;
    if (run === null) return false;
    if (run.pending !== null) return true;
    if (performance.now() >= run.deadline) {
      run.timedOut = true;
      return true;
    }
    return false;
  }

  private abnormalEnd(run: Run): SessionError {
    if (run.timedOut) {
      return new SessionError(
        'ERR_PAC_SCRIPT_TIMEOUT',
        `The PAC script ran longer than ${this.options.timeoutMs} ms and was stopped; fix the script or raise timeoutMs.`,
        { context: { timeoutMs: this.options.timeoutMs } },
      );
    }
    return this.memoryFailure() ?? scriptFailure('Uncaught exception');
  }

  private memoryFailure(): SessionError | null {
    if (!this.budget.refused) return null;
    return new SessionError(
      'ERR_PAC_SCRIPT_FAILED',
      `The PAC script exceeded its memory limit of ${this.options.memoryLimitBytes} bytes (memoryLimitBytes).`,
      { context: { memoryLimitBytes: this.options.memoryLimitBytes } },
    );
  }

  private failureFromException(run: Run, exception: QuickJSHandle, scriptText: string): SessionError {
    if (run.timedOut) return this.abnormalEnd(run);
    return this.describedFailure(run, this.callForString(run, this.helpers.describeError, [exception], true), scriptText);
  }

  private describedFailure(run: Run, description: string | null, scriptText: string): SessionError {
    if (run.timedOut) return this.abnormalEnd(run);
    const memory = this.memoryFailure();
    if (memory !== null) return memory;
    if (description === null) return scriptFailure('Uncaught exception');
    const [text, stack, isSyntaxError] = JSON.parse(description) as [string, string | null, boolean];
    const position = stack === null ? null : scriptPosition(stack);
    let message = text;
    // V8 reports any premature end of the script as "Unexpected end of input"; QuickJS words it
    // by the token it expected, at the position just past the last character.
    if (isSyntaxError && position !== null && position.resource === PAC_SCRIPT_RESOURCE && isEndOfScript(scriptText, position)) {
      message = 'SyntaxError: Unexpected end of input';
    }
    return scriptFailure(`Uncaught ${message}`, position);
  }

  private deliverAlerts(run: Run): void {
    const onAlert = this.options.onAlert;
    if (onAlert === undefined) return;
    for (const message of run.alerts) onAlert(message);
  }

  private installBindings(): Helpers {
    const context = this.context;
    const hostFunctions: Record<string, (...args: QuickJSHandle[]) => QuickJSHandle | undefined> = {
      isPlainHostName: (name) => (isPlainHostName(this.stringArg(name)) ? context.true : context.false),
      resolve: (operation, name) => this.answerLookup(this.stringArg(operation) as PacHostOperation, this.stringArg(name)),
      sortIpAddressList: (list) => {
        const sorted = sortIpAddressList(this.stringArg(list));
        return sorted === false ? context.false : context.newString(sorted);
      },
      isInNetEx: (ip, prefix) => (isInNetEx(this.stringArg(ip), this.stringArg(prefix)) ? context.true : context.false),
      alert: (message) => {
        this.bufferAlert(this.stringArg(message));
        return undefined;
      },
    };
    const now = this.options.now;
    if (now !== undefined) hostFunctions['now'] = () => context.newNumber(now().getTime());

    const hostObject = context.newObject();
    for (const [name, implementation] of Object.entries(hostFunctions)) {
      // Host code allocates outside the script's memory budget: the FFI glue cannot survive a
      // refused allocation.
      const handle = context.newFunction(name, (...args) => withLinearMemoryBudget(null, () => implementation(...args)));
      context.setProp(hostObject, name, handle);
      handle.dispose();
    }
    const install = context.unwrapResult(context.evalCode(PAC_BINDINGS_BOOTSTRAP, PAC_BINDINGS_RESOURCE, { type: 'global' }));
    const helpersObject = context.unwrapResult(context.callFunction(install, context.undefined, hostObject));
    install.dispose();
    hostObject.dispose();
    const helpers: Helpers = {
      check: context.getProp(helpersObject, 'checkFindProxyForURL'),
      invoke: context.getProp(helpersObject, 'invokeFindProxyForURL'),
      describeLastError: context.getProp(helpersObject, 'describeLastError'),
      describeError: context.getProp(helpersObject, 'describeError'),
    };
    helpersObject.dispose();
    return helpers;
  }

  private stringArg(handle: QuickJSHandle | undefined): string {
    return handle === undefined ? '' : this.context.getString(handle);
  }

  // The synchronous half of a lookup binding: a cached answer, a known failure, or "abandon this
  // run" (false) after recording what to look up.
  private answerLookup(operation: PacHostOperation, name: string): QuickJSHandle {
    const context = this.context;
    const run = this.run;
    if (run === null || run.describing) return context.null;
    if (run.pending !== null) return context.false;
    let host = name;
    if (operation === 'DNS_RESOLVE' || operation === 'DNS_RESOLVE_EX') {
      const converted = toDnsHostname(name);
      if (converted === null) return context.undefined;
      host = converted;
    }
    const key = lookupKey(operation, host);
    const known = run.answers.get(key);
    if (known !== undefined) return known === null ? context.null : context.newString(known);
    if (!needsHostLookup(operation, host, this.options.ports)) {
      run.answers.set(key, null);
      return context.null;
    }
    if (run.answers.size >= MAX_HOST_LOOKUPS_PER_REQUEST) return context.null;
    run.pending = { operation, host };
    return context.false;
  }

  private bufferAlert(message: string): void {
    const run = this.run;
    if (run === null || run.describing) return;
    if (run.alertUnits + message.length > MAX_BUFFERED_ALERT_UNITS) return;
    run.alertUnits += message.length;
    run.alerts.push(message);
  }
}

const ENTRY_POINT_FAILURES = {
  A: 'Accessing FindProxyForURL threw an exception.',
  M: 'FindProxyForURL is undefined or not a function.',
} as const;

interface ScriptPosition {
  readonly resource: string;
  readonly line: number;
  readonly column: number;
}

function lookupKey(operation: PacHostOperation, host: string): LookupKey {
  return `${operation} ${host}`;
}

async function completeLookup(run: Run, ports: PacHostPorts, lookupsSoFar: number): Promise<void> {
  const pending = run.pending;
  // Each restart adds one answer and answers stop being added at the cap, so this cannot happen;
  // it guards the loop against a future change to that invariant.
  if (pending === null || lookupsSoFar > MAX_HOST_LOOKUPS_PER_REQUEST) {
    throw new SessionError('ERR_PAC_SCRIPT_FAILED', 'The PAC script kept asking for new host lookups; giving up.');
  }
  run.answers.set(lookupKey(pending.operation, pending.host), await performHostLookup(pending.operation, pending.host, ports));
}

function scriptFailure(chromiumMessage: string, position: ScriptPosition | null = null): SessionError {
  const where = position === null ? '' : ` (${position.resource} line ${position.line})`;
  const context: Record<string, unknown> = { chromiumMessage };
  if (position !== null) {
    context['line'] = position.line;
    context['resource'] = position.resource;
  }
  return new SessionError('ERR_PAC_SCRIPT_FAILED', `${chromiumMessage}${where}`, { context });
}

// The first stack frame in the user's script or the utility library, as V8 reports the line of the
// statement that threw (bindings are native in Chromium, so their frames are skipped).
function scriptPosition(stack: string): ScriptPosition | null {
  for (const match of stack.matchAll(/([^\s()]+):(\d+):(\d+)\)?$/gm)) {
    const [, resource = '', line = '0', column = '0'] = match;
    if (resource === PAC_SCRIPT_RESOURCE || resource === PAC_UTILITY_RESOURCE) {
      return { resource, line: Number(line), column: Number(column) };
    }
  }
  return null;
}

function isEndOfScript(scriptText: string, position: ScriptPosition): boolean {
  const lines = scriptText.split('\n');
  const lastLine = lines[lines.length - 1] ?? '';
  return position.line === lines.length && position.column === lastLine.length + 1;
}

function disposeResult(result: { value?: QuickJSHandle | undefined; error?: QuickJSHandle | undefined }): void {
  result.value?.dispose();
  result.error?.dispose();
}
