import type { Core, CoreExports } from './core.ts';

/** The wasm-side handle of one kernel object (an index), shared with the FinalizationRegistry. */
export interface KernelHandle {
  readonly core: Core;
  /** The core generation the handle belongs to (-1 before the first allocation). */
  generation: number;
  /** 0 = none (not yet allocated, disposed, or died with a trapped instance). */
  handle: number;
}

/**
 * Frees the handles of one kind of kernel object: at once (`free`, a `dispose()`), or when the
 * object that owns the handle is garbage-collected. A handle from an earlier core instance died
 * with that instance and is not freed again.
 */
export class KernelHandles {
  readonly #label: string;
  readonly #release: (exports: CoreExports, handle: number) => void;
  readonly #registry: FinalizationRegistry<KernelHandle>;

  /** `label` names the kernel call in trap reports (`'cache.indexFree'`). */
  constructor(label: string, release: (exports: CoreExports, handle: number) => void) {
    this.#label = label;
    this.#release = release;
    this.#registry = new FinalizationRegistry<KernelHandle>((slot) => this.free(slot));
  }

  /** A new, unallocated handle owned by `owner` (freed when `owner` is collected). */
  create(owner: object, core: Core): KernelHandle {
    const slot: KernelHandle = { core, generation: -1, handle: 0 };
    this.#registry.register(owner, slot);
    return slot;
  }

  free(slot: KernelHandle): void {
    const handle = slot.handle;
    slot.handle = 0;
    if (handle === 0 || slot.generation !== slot.core.generation) return;
    try {
      slot.core.call(this.#label, (x) => this.#release(x, handle));
    } catch {
      // Freeing only fails if the instance trapped, and the replacement instance holds nothing.
    }
  }
}
