import { SessionError } from '../errors.ts';
import { coreDebugBase64, coreReleaseBase64 } from './core-bytes.generated.ts';

/** The raw exports every build of the core has; kernels add their own functions. */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  scratchPtr(): number;
  scratchSize(): number;
  scratchReserve(bytes: number): number;
  abortInfoPtr(): number;
  abortInfoClear(): void;
  debugAbort(code: number): number;
  readonly [name: string]: unknown;
}

/** Which build to load: the embedded release or debug bytes, or bytes / a module of your own. */
export type CoreSource = 'release' | 'debug' | Uint8Array | WebAssembly.Module;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const moduleCache = new Map<'release' | 'debug', WebAssembly.Module>();

function toModule(source: CoreSource): WebAssembly.Module {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof Uint8Array) return new WebAssembly.Module(source as Uint8Array<ArrayBuffer>);
  let mod = moduleCache.get(source);
  if (!mod) {
    mod = new WebAssembly.Module(decodeBase64(source === 'release' ? coreReleaseBase64 : coreDebugBase64));
    moduleCache.set(source, mod);
  }
  return mod;
}

/**
 * One instance of the wasm core, with the string window and the trap handling around it.
 * A trap poisons an instance (it may have stopped inside an allocation), so the core re-instantiates
 * itself and bumps `generation`; kernels that keep handles in wasm memory rebuild from their source
 * text when they see a new generation.
 */
export class Core {
  readonly module: WebAssembly.Module;
  readonly build: string;
  #exports!: CoreExports;
  #u8!: Uint8Array;
  #scratch = 0;
  #scratchSize = 0;
  #generation = 0;
  #encoder = new TextEncoder();
  #decoder = new TextDecoder();

  constructor(source: CoreSource = 'release') {
    this.module = toModule(source);
    this.build = typeof source === 'string' ? source : 'custom';
    if (WebAssembly.Module.imports(this.module).length !== 0) {
      throw new SessionError('ERR_CORE_IMPORTS', 'The wasm core must have no imports; this module has some');
    }
    this.#instantiate();
  }

  /** Raw exports of the current instance (do not keep across a trap; read `generation`). */
  get exports(): CoreExports {
    return this.#exports;
  }

  /** Bumped every time the instance is replaced after a trap. */
  get generation(): number {
    return this.#generation;
  }

  #instantiate(): void {
    const instance = new WebAssembly.Instance(this.module, {});
    this.#exports = instance.exports as unknown as CoreExports;
    this.#refresh();
    this.#generation++;
  }

  #refresh(): void {
    this.#scratch = this.#exports.scratchPtr();
    this.#scratchSize = this.#exports.scratchSize();
    this.#u8 = new Uint8Array(this.#exports.memory.buffer);
  }

  /** A byte view of wasm memory, re-created if memory grew since the last call. */
  get bytes(): Uint8Array {
    if (this.#u8.byteLength === 0) this.#u8 = new Uint8Array(this.#exports.memory.buffer);
    return this.#u8;
  }

  /**
   * Writes `text` into the window (ASCII fast path, UTF-8 otherwise) and returns its byte length.
   * The bytes are valid until the next write or kernel call.
   */
  writeScratch(text: string): number {
    const n = text.length;
    if (n * 3 > this.#scratchSize) {
      this.#exports.scratchReserve(n * 3);
      this.#refresh();
    }
    let u8 = this.#u8;
    if (u8.byteLength === 0) u8 = this.#u8 = new Uint8Array(this.#exports.memory.buffer);
    const base = this.#scratch;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) return this.#encodeInto(text, base);
      u8[base + i] = c;
    }
    return n;
  }

  #encodeInto(text: string, base: number): number {
    const { written } = this.#encoder.encodeInto(text, this.#u8.subarray(base, base + this.#scratchSize));
    return written;
  }

  /** Size of the window in bytes (kept: asking the instance is a call into wasm). */
  get scratchSize(): number {
    return this.#scratchSize;
  }

  /** Address of the window (for kernels that read results written back into it). */
  get scratchPtr(): number {
    return this.#scratch;
  }

  /** Decodes `len` UTF-8 bytes at `ptr`. */
  readString(ptr: number, len: number): string {
    return this.#decoder.decode(this.bytes.subarray(ptr, ptr + len));
  }

  /**
   * Runs `fn` (which calls into the core) and turns a trap into a `SessionError` with code
   * `ERR_CORE_ABORT` naming the kernel and the abort message; the core stays usable.
   */
  call<T>(kernel: string, fn: (exports: CoreExports) => T): T {
    try {
      return fn(this.#exports);
    } catch (err) {
      if (!(err instanceof WebAssembly.RuntimeError)) throw err;
      const detail = this.#abortDetail();
      this.#instantiate();
      throw new SessionError('ERR_CORE_ABORT', `wasm core kernel "${kernel}" aborted: ${detail ?? err.message}`, {
        cause: err,
        context: { kernel },
      });
    }
  }

  #abortDetail(): string | null {
    const mem = new DataView(this.#exports.memory.buffer);
    const at = this.#exports.abortInfoPtr();
    const msgPtr = mem.getUint32(at, true);
    const filePtr = mem.getUint32(at + 4, true);
    const line = mem.getUint32(at + 8, true);
    if (msgPtr === 0) return null;
    const msg = this.#readAsString(mem, msgPtr);
    const file = filePtr ? this.#readAsString(mem, filePtr) : '';
    return file ? `${msg} (${file}:${line})` : msg;
  }

  // AssemblyScript strings are UTF-16LE with their byte length in the header word before them.
  #readAsString(mem: DataView, ptr: number): string {
    const byteLen = mem.getUint32(ptr - 4, true);
    let out = '';
    for (let i = 0; i < byteLen; i += 2) out += String.fromCharCode(mem.getUint16(ptr + i, true));
    return out;
  }
}

let defaultCore: Core | undefined;

/** The process-wide core (release build), created on first use. */
export function getCore(): Core {
  return (defaultCore ??= new Core('release'));
}

/** Replace the process-wide core, e.g. with the debug build in tests. Returns the previous one. */
export function setCore(core: Core): Core | undefined {
  const prev = defaultCore;
  defaultCore = core;
  return prev;
}
