type Listener = (...args: any[]) => unknown;

/**
 * The part of Node's EventEmitter that Electron's Session exposes (`on`, `once`, `off`, `emit`,
 * `removeListener`, `removeAllListeners`, `listenerCount`, `listeners`), host-neutral, so that
 * code written against Electron's `session` runs in Deno and browsers too.
 */
export class EventEmitter {
  #listeners = new Map<string | symbol, Listener[]>();

  /** Adds `listener` for `event`. */
  on(event: string | symbol, listener: Listener): this {
    if (typeof listener !== 'function') throw new TypeError(`The "listener" argument must be a function, got ${typeof listener}`);
    const list = this.#listeners.get(event);
    if (list) list.push(listener);
    else this.#listeners.set(event, [listener]);
    return this;
  }

  /** Alias of `on`. */
  addListener(event: string | symbol, listener: Listener): this {
    return this.on(event, listener);
  }

  /** Adds a listener that is removed after its first call. */
  once(event: string | symbol, listener: Listener): this {
    const wrapper = (...args: unknown[]): unknown => {
      this.off(event, wrapper);
      return listener.apply(this, args);
    };
    (wrapper as { listener?: Listener }).listener = listener;
    return this.on(event, wrapper);
  }

  /** Removes one registration of `listener` (or of the `once` wrapper around it). */
  off(event: string | symbol, listener: Listener): this {
    const list = this.#listeners.get(event);
    if (!list) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      const l = list[i] as Listener & { listener?: Listener };
      if (l === listener || l.listener === listener) {
        list.splice(i, 1);
        break;
      }
    }
    if (list.length === 0) this.#listeners.delete(event);
    return this;
  }

  /** Alias of `off`. */
  removeListener(event: string | symbol, listener: Listener): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }

  /** Calls each listener of `event` in order; returns whether there was any. */
  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const l of [...list]) l.apply(this, args);
    return true;
  }

  /** Number of listeners of `event`. */
  listenerCount(event: string | symbol): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /** A copy of the listeners of `event`. */
  listeners(event: string | symbol): Listener[] {
    return (this.#listeners.get(event) ?? []).map((l) => (l as { listener?: Listener }).listener ?? l);
  }
}
