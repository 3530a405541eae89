// Sockets opened by `ses.preconnect`, waiting for the pool that asks for a connection of the same
// key (an origin for DIRECT and tunnels, the proxy itself for absolute-form requests).
import type net from 'node:net';

// Chromium drops a preconnected socket nobody used after 10 s (ClientSocketPool kUnusedIdleSocketTimeout).
const UNUSED_IDLE_SOCKET_MS = 10_000;

interface WarmSocket {
  socket: net.Socket;
  timer: ReturnType<typeof setTimeout>;
  onGone: () => void;
}

// A preconnect still connecting; a request may claim it, as Chromium hands a request the
// preconnect's ConnectJob instead of starting another (TransportClientSocketPool::RequestSocket).
interface PendingSocket {
  claim: ((socket: net.Socket | null) => void) | null;
}

/** Preconnected sockets by key; idle ones close after 10 s unused or on `clear()`. */
export class WarmSockets {
  readonly #idle = new Map<string, WarmSocket[]>();
  readonly #pending = new Map<string, PendingSocket[]>();
  #generation = 0;

  /**
   * An idle socket for `key`, a promise for one still connecting (null if that attempt fails, then
   * the caller connects itself), or null when there is none.
   */
  claim(key: string): net.Socket | Promise<net.Socket | null> | null {
    const list = this.#idle.get(key);
    while (list && list.length > 0) {
      const entry = list.shift()!;
      clearTimeout(entry.timer);
      entry.socket.off('close', entry.onGone).off('error', entry.onGone);
      if (!entry.socket.destroyed) return entry.socket;
    }
    const job = this.#pending.get(key)?.find((p) => p.claim === null);
    if (!job) return null;
    return new Promise((resolve) => { job.claim = resolve; });
  }

  /** Opens sockets with `open` until `numSockets` idle or connecting ones wait under `key`. */
  async fill(key: string, numSockets: number, open: () => Promise<net.Socket>): Promise<void> {
    const idle = this.#idle.get(key) ?? [];
    this.#idle.set(key, idle);
    const pending = this.#pending.get(key) ?? [];
    this.#pending.set(key, pending);
    const generation = this.#generation;
    const missing = Math.max(0, numSockets - idle.length - pending.filter((p) => p.claim === null).length);
    await Promise.all(Array.from({ length: missing }, async () => {
      const job: PendingSocket = { claim: null };
      pending.push(job);
      let socket: net.Socket;
      try {
        socket = await open();
      } catch (err) {
        job.claim?.(null);
        throw err;
      } finally {
        const i = pending.indexOf(job);
        if (i !== -1) pending.splice(i, 1);
      }
      if (job.claim) return job.claim(socket);
      if (generation !== this.#generation) return void socket.destroy();
      const entry: WarmSocket = {
        socket,
        timer: setTimeout(() => socket.destroy(), UNUSED_IDLE_SOCKET_MS),
        onGone: () => {
          const i = idle.indexOf(entry);
          if (i !== -1) idle.splice(i, 1);
          clearTimeout(entry.timer);
        },
      };
      entry.timer.unref?.();
      socket.once('close', entry.onGone).once('error', entry.onGone);
      idle.push(entry);
    }));
  }

  /** Closes every idle socket; preconnects still connecting close when they finish (a pool flush). */
  clear(): void {
    this.#generation++;
    for (const list of this.#idle.values()) {
      for (const entry of list.splice(0)) {
        clearTimeout(entry.timer);
        entry.socket.destroy();
      }
    }
    this.#idle.clear();
    this.#pending.clear();
  }
}

/** Hands `open`'s socket (or a claimed preconnected one) to an undici connect callback. */
export function connectWith(warm: WarmSockets, key: string, open: () => Promise<net.Socket>, callback: (err: Error | null, socket: net.Socket | null) => void): void {
  const claimed = warm.claim(key);
  if (claimed === null) {
    open().then((socket) => callback(null, socket), (err: Error) => callback(err, null));
  } else if ('then' in claimed) {
    claimed.then((socket) => socket ?? open()).then((socket) => callback(null, socket), (err: Error) => callback(err, null));
  } else {
    queueMicrotask(() => callback(null, claimed));
  }
}
