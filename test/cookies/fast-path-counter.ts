// Counts the Set-Cookie lines a store's wasm fast path takes (CookieIndex.insertLine answering
// with a status); the rest went the general way. Shared by the setFromLine differential tests.
import type { CookieStore } from '../../core/src/cookies/cookie-store.ts';

/** Wraps `store`'s index so that every line the kernel takes is counted; returns the count so far. */
export function countFastLines(store: CookieStore): () => number {
  let fast = 0;
  const index = store.index;
  const insertLine = index.insertLine.bind(index);
  index.insertLine = (...args: Parameters<typeof insertLine>) => {
    const status = insertLine(...args);
    if (status >= 0) fast++;
    return status;
  };
  return () => fast;
}
