import { describeValue } from '../errors.ts';
import type { Core, CoreExports } from '../wasm/core.ts';

/** The proxy kernel's raw exports (core/assembly/proxy/kernel.ts). */
export interface ProxyKernel {
  proxyOutPtr(): number;
  bypassParse(len: number, options: number): number;
  bypassFromPattern(schemeLen: number, patternLen: number, port: number, options: number): number;
  bypassFree(handle: number): void;
  bypassSize(handle: number): number;
  bypassToStrings(handle: number): number;
  bypassMatch(handle: number, schemeLen: number, hostLen: number, port: number, flags: number): number;
  bypassMatchPattern(textLen: number, patternLen: number): number;
  proxyRulesParse(len: number): number;
  proxyRulesFree(handle: number): void;
  proxyRulesType(handle: number): number;
  proxyRulesListSize(handle: number, list: number): number;
  proxyRulesChainScheme(handle: number, list: number, k: number): number;
  proxyRulesChainText(handle: number, list: number, k: number, form: number): number;
  proxyRulesApply(handle: number, bypassHandle: number, schemeLen: number, hostLen: number, port: number, flags: number): number;
  proxyChainsFromPac(len: number): number;
  proxyPacNormalize(len: number): number;
  proxyChainFromUri(len: number, defaultScheme: number, asChain: number): number;
  proxyChainFromPacElement(len: number): number;
  proxyChainScheme(k: number): number;
  proxyChainPort(k: number): number;
  proxyChainText(k: number, form: number): number;
}

/** Typed view of a core's exports as the proxy kernel. */
export function proxyKernel(exports: CoreExports): ProxyKernel {
  return exports as unknown as ProxyKernel;
}

/** Text forms the kernel can write for a chain. */
export const FORM_PAC = 0;
export const FORM_URI = 1;
export const FORM_HOST = 2;

/** Decodes `len` bytes the last kernel call wrote to its output buffer. */
export function readOutput(core: Core, len: number): string {
  const at = proxyKernel(core.exports).proxyOutPtr();
  const bytes = core.bytes;
  if (len <= 128) {
    let text = '';
    for (let i = 0; i < len; i++) {
      const c = bytes[at + i] ?? 0;
      if (c > 0x7f) return core.readString(at, len);
      text += String.fromCharCode(c);
    }
    return text;
  }
  return core.readString(at, len);
}

/** A TypeError that names the API, the argument, what was expected and what came in. */
export function argumentError(api: string, name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${api}: ${name} must be ${expected}, got ${describeValue(value)}`);
}

/** Returns `value` if it is a string, else throws the TypeError above. */
export function expectString(api: string, name: string, value: unknown, example: string): string {
  if (typeof value !== 'string') throw argumentError(api, name, `a string (e.g. ${JSON.stringify(example)})`, value);
  return value;
}

type FreeExport = 'bypassFree' | 'proxyRulesFree';

interface CompiledSlot {
  readonly core: Core;
  readonly free: FreeExport;
  generation: number;
  handle: number;
}

function freeSlot(slot: CompiledSlot): void {
  const handle = slot.handle;
  // A handle from an earlier instance died with it: the new instance starts empty.
  if (handle === 0 || slot.generation !== slot.core.generation) {
    slot.handle = 0;
    return;
  }
  slot.handle = 0;
  try {
    slot.core.call(`proxy.${slot.free}`, (x) => proxyKernel(x)[slot.free](handle));
  } catch {
    // Freeing only fails if the instance trapped, and the replacement instance holds nothing.
  }
}

const finalizer = new FinalizationRegistry<CompiledSlot>(freeSlot);

/**
 * A table compiled into wasm memory from source the caller keeps. `get()` recompiles after the
 * core replaced its instance (a trap bumps `core.generation`) or after `dispose()`; a table whose
 * owner is garbage-collected is freed by a FinalizationRegistry.
 */
export class CompiledHandle {
  readonly #slot: CompiledSlot;
  readonly #compile: () => number;

  constructor(core: Core, free: FreeExport, compile: () => number) {
    this.#slot = { core, free, generation: -1, handle: 0 };
    this.#compile = compile;
    finalizer.register(this, this.#slot);
  }

  /** The handle, valid in the core's current instance. */
  get(): number {
    const slot = this.#slot;
    if (slot.handle !== 0 && slot.generation === slot.core.generation) return slot.handle;
    slot.handle = this.#compile();
    slot.generation = slot.core.generation;
    return slot.handle;
  }

  /** Frees the wasm-side table now; a later `get()` compiles it again. */
  dispose(): void {
    freeSlot(this.#slot);
  }
}
