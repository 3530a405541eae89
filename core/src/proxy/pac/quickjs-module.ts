import { newQuickJSWASMModuleFromVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';

/**
 * How much the shared wasm linear memory may still grow on behalf of one sandbox. Charged while
 * that sandbox's script runs; when a growth would exceed it the growth is refused, QuickJS's
 * `malloc` returns null and the script gets an out-of-memory exception.
 */
export interface LinearMemoryBudget {
  remainingBytes: number;
  refused: boolean;
}

const WASM_PAGE_BYTES = 65536;

let modulePromise: Promise<QuickJSWASMModule> | undefined;
let activeBudget: LinearMemoryBudget | null = null;

/**
 * The QuickJS module (release, sync, wasm embedded in the JS so it loads on every host without file
 * or network access). Loaded on first use and shared by every PAC resolver; a failed load is retried
 * on the next call.
 */
export function loadQuickJS(): Promise<QuickJSWASMModule> {
  modulePromise ??= newQuickJSWASMModuleFromVariant(import('@jitl/quickjs-singlefile-mjs-release-sync')).then(
    (module) => {
      guardLinearMemoryGrowth(module.getWasmMemory());
      return module;
    },
    (error: unknown) => {
      modulePromise = undefined;
      throw error;
    },
  );
  return modulePromise;
}

/**
 * Run `body` with `budget` charged for any linear-memory growth (null: growth not charged, used
 * while host code allocates on a script's behalf, since the FFI glue does not survive a failed
 * `malloc`). Nests; the previous budget is restored afterwards.
 */
export function withLinearMemoryBudget<T>(budget: LinearMemoryBudget | null, body: () => T): T {
  const previous = activeBudget;
  activeBudget = budget;
  try {
    return body();
  } finally {
    activeBudget = previous;
  }
}

// QuickJS's own limit (JS_SetMemoryLimit) cannot count bytes in this build: emscripten has no
// malloc_usable_size, so quickjs.c counts every block as its 8-byte overhead and only rejects single
// allocations above the limit. A script filling an array with 100 kB strings would grow the shared
// heap to the 2 GiB wasm maximum. Emscripten grows the heap by calling `grow` on this Memory object
// (emscripten_resize_heap) and treats an exception as "no memory", so a refusal here is a clean
// out-of-memory inside QuickJS. Only one script runs at a time (all of this is synchronous), so the
// active budget is the running script's.
function guardLinearMemoryGrowth(memory: WebAssembly.Memory): void {
  const grow = memory.grow;
  Object.defineProperty(memory, 'grow', {
    configurable: true,
    writable: true,
    value: function growWithinBudget(this: WebAssembly.Memory, deltaPages: number): number {
      const budget = activeBudget;
      if (budget !== null) {
        const bytes = deltaPages * WASM_PAGE_BYTES;
        if (bytes > budget.remainingBytes) {
          budget.refused = true;
          throw new RangeError('PAC script memory budget exhausted');
        }
        budget.remainingBytes -= bytes;
      }
      return grow.call(this, deltaPages);
    },
  });
}
