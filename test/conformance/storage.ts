// The storage port's behaviour, written once and run against every adapter on every host (vitest
// on Node, the mini runner in Deno and Chromium). Only the harness API is used: no node:* imports,
// no vitest-only features.
import { describe, it, expect } from '../harness/api.ts';
import type { StorageAdapter, StorageCapabilities, StorageStore } from '../../core/src/storage/port.ts';
import { pseudoRandomBytes } from '../fixtures/pseudo-random-bytes.ts';

/** What a suite run needs for one test: an adapter, a fresh location, and how to clean up. */
export interface StorageFixture {
  adapter: StorageAdapter;
  location: string;
  cleanup?: () => Promise<void>;
}

const STORE_METHODS = ['get', 'set', 'delete', 'keys', 'entries', 'clear', 'flush', 'close'] as const;
const encoder = new TextEncoder();
const bytes = (s: string): Uint8Array => encoder.encode(s);

function isBytes(value: unknown): boolean {
  return Object.prototype.toString.call(value) === '[object Uint8Array]';
}

// Compares without handing two 1 MiB arrays to the matcher, whose diff output would be huge.
function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(isBytes(actual)).toBe(true);
  const a = actual as Uint8Array;
  let firstDifference = -1;
  const n = Math.min(a.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== expected[i]) {
      firstDifference = i;
      break;
    }
  }
  expect({ length: a.length, firstDifference }).toEqual({ length: expected.length, firstDifference: -1 });
}

const sorted = (list: string[]): string[] => [...list].sort();

interface Opened {
  fixture: StorageFixture;
  store: StorageStore;
  reopen(): Promise<StorageStore>;
}

// Every test gets a fresh location, and every store it opened is closed before cleanup, even
// when an assertion failed half-way.
async function withStore(make: () => Promise<StorageFixture>, body: (t: Opened) => Promise<void>): Promise<void> {
  await withFixture(await make(), body);
}

async function withFixture(fixture: StorageFixture, body: (t: Opened) => Promise<void>): Promise<void> {
  const opened: StorageStore[] = [];
  const open = async (): Promise<StorageStore> => {
    const store = await fixture.adapter.open(fixture.location);
    opened.push(store);
    return store;
  };
  try {
    await body({ fixture, store: await open(), reopen: open });
  } finally {
    for (const store of opened) await store.close().catch(() => undefined);
    await fixture.cleanup?.();
  }
}

type Ctx = { skip?: (note?: string) => void } | undefined;

/**
 * Register the storage port's conformance tests for one adapter. `make` gives each test a fresh
 * adapter and location. Pass the adapter's `capabilities` so that tests it cannot pass are skipped
 * by name at registration; without them, such tests decide at run time (vitest shows the skip,
 * other runners count a pass).
 * @example storageConformance('memory', async () => ({ adapter: createMemoryStorage(), location: 'm' }), { persistent: false, exclusive: true });
 */
export function storageConformance(name: string, make: () => Promise<StorageFixture>, capabilities?: StorageCapabilities): void {
  // Registers a test that needs `capability`: skipped by name when it is known to be missing.
  const needs = (capability: keyof StorageCapabilities, wanted: boolean, title: string, body: (t: Opened) => Promise<void>, timeout?: number): void => {
    const known = capabilities?.[capability];
    const label = `${title} (${wanted ? '' : 'not '}${capability})`;
    const run = async (ctx: Ctx): Promise<void> => {
      const fixture = await make();
      if (fixture.adapter.capabilities[capability] !== wanted) {
        await fixture.cleanup?.();
        ctx?.skip?.(`adapter is ${wanted ? 'not ' : ''}${capability}`);
        return;
      }
      await withFixture(fixture, body);
    };
    const test = it.skipIf(known !== undefined && known !== wanted);
    if (timeout === undefined) test(label, run as () => Promise<void>);
    else test(label, run as () => Promise<void>, timeout);
  };

  describe(`storage conformance: ${name}`, () => {
    it('has the shape of the storage port', async () => {
      const fixture = await make();
      try {
        const { adapter } = fixture;
        expect(typeof adapter.kind).toBe('string');
        expect(typeof adapter.capabilities.persistent).toBe('boolean');
        expect(typeof adapter.capabilities.exclusive).toBe('boolean');
        expect(typeof adapter.open).toBe('function');
        if (capabilities !== undefined) {
          // Declared here and declared by the adapter must agree, or skips would hide real tests.
          expect({ ...adapter.capabilities }).toEqual({ ...capabilities });
        }
        const store = await adapter.open(fixture.location);
        try {
          for (const method of STORE_METHODS) expect(typeof store[method], `store.${method}`).toBe('function');
        } finally {
          await store.close();
        }
      } finally {
        await fixture.cleanup?.();
      }
    });

    it('resolves undefined for a missing key', () =>
      withStore(make, async ({ store }) => {
        expect(await store.get('area', 'missing')).toBeUndefined();
        expect(await store.keys('area')).toEqual([]);
        expect(await store.entries('area')).toEqual([]);
      }));

    it('returns the bytes that were set', () =>
      withStore(make, async ({ store }) => {
        await store.set('area', 'key', bytes('value'));
        expectBytes(await store.get('area', 'key'), bytes('value'));
      }));

    it('overwrites the previous value of a key', () =>
      withStore(make, async ({ store }) => {
        await store.set('area', 'key', bytes('first, and longer'));
        await store.set('area', 'key', bytes('second'));
        expectBytes(await store.get('area', 'key'), bytes('second'));
        expect(await store.keys('area')).toEqual(['key']);
      }));

    it('deletes a key, and deleting a missing key is not an error', () =>
      withStore(make, async ({ store }) => {
        await store.set('area', 'a', bytes('1'));
        await store.set('area', 'b', bytes('2'));
        await store.delete('area', 'a');
        await store.delete('area', 'never-set');
        await store.delete('other-area', 'a');
        expect(await store.get('area', 'a')).toBeUndefined();
        expectBytes(await store.get('area', 'b'), bytes('2'));
        expect(await store.keys('area')).toEqual(['b']);
      }));

    it('lists the keys of an area, all or by prefix', () =>
      withStore(make, async ({ store }) => {
        const keys = ['a', 'ab', 'abc', 'b', '', 'a\uffff', 'a\uffffz', 'ac', '日本', '日本語', '😀x', 'A'];
        for (const key of keys) await store.set('k', key, bytes(key));
        await store.set('k-other', 'abx', bytes('other area'));
        expect(sorted(await store.keys('k'))).toEqual(sorted(keys));
        expect(sorted(await store.keys('k', ''))).toEqual(sorted(keys));
        expect(sorted(await store.keys('k', 'a'))).toEqual(sorted(['a', 'ab', 'abc', 'a\uffff', 'a\uffffz', 'ac']));
        expect(sorted(await store.keys('k', 'ab'))).toEqual(['ab', 'abc']);
        expect(sorted(await store.keys('k', 'a\uffff'))).toEqual(['a\uffff', 'a\uffffz']);
        expect(sorted(await store.keys('k', '日本'))).toEqual(['日本', '日本語']);
        expect(await store.keys('k', '😀')).toEqual(['😀x']);
        expect(await store.keys('k', 'abcd')).toEqual([]);
        expect(await store.keys('k', 'zzz')).toEqual([]);
        expect(await store.keys('missing-area', 'a')).toEqual([]);
      }));

    it('returns every entry of an area with its bytes', () =>
      withStore(make, async ({ store }) => {
        await store.set('e', 'one', bytes('1'));
        await store.set('e', 'two', bytes('22'));
        await store.set('e', 'empty', new Uint8Array(0));
        await store.set('f', 'one', bytes('not this one'));
        const entries = await store.entries('e');
        const asText = entries.map(([k, v]) => {
          expect(isBytes(v)).toBe(true);
          return [k, new TextDecoder().decode(v)];
        });
        expect(asText.sort()).toEqual([['empty', ''], ['one', '1'], ['two', '22']]);
      }));

    it('keeps areas separate, also when names look alike', () =>
      withStore(make, async ({ store }) => {
        await store.set('cookies', 'k', bytes('c'));
        await store.set('cache', 'k', bytes('h'));
        // A store that joined area and key with a separator would confuse these two.
        await store.set('a:b', 'c', bytes('1'));
        await store.set('a', 'b:c', bytes('2'));
        await store.set('a', 'x', bytes('3'));
        await store.set('ab', 'x', bytes('4'));
        await store.set('', '', bytes('empty names'));
        expectBytes(await store.get('cookies', 'k'), bytes('c'));
        expectBytes(await store.get('cache', 'k'), bytes('h'));
        expectBytes(await store.get('a:b', 'c'), bytes('1'));
        expectBytes(await store.get('a', 'b:c'), bytes('2'));
        expectBytes(await store.get('', ''), bytes('empty names'));
        expect(sorted(await store.keys('a'))).toEqual(['b:c', 'x']);
        expect(await store.keys('ab')).toEqual(['x']);
        expect(await store.keys('a:b')).toEqual(['c']);
        expect(await store.get('a', 'c')).toBeUndefined();
        await store.delete('a', 'x');
        expectBytes(await store.get('ab', 'x'), bytes('4'));
      }));

    it('clear(area) empties that area only', () =>
      withStore(make, async ({ store }) => {
        await store.set('a', '1', bytes('x'));
        await store.set('a', '2', bytes('y'));
        await store.set('ab', '1', bytes('z'));
        await store.set('b', '1', bytes('w'));
        await store.clear('a');
        await store.clear('never-used');
        expect(await store.keys('a')).toEqual([]);
        expect(await store.get('a', '1')).toBeUndefined();
        expectBytes(await store.get('ab', '1'), bytes('z'));
        expectBytes(await store.get('b', '1'), bytes('w'));
        await store.set('a', '3', bytes('after clear'));
        expect(await store.keys('a')).toEqual(['3']);
      }));

    it('clear() empties every area', () =>
      withStore(make, async ({ store }) => {
        await store.set('a', '1', bytes('x'));
        await store.set('b', '1', bytes('y'));
        await store.clear();
        expect(await store.keys('a')).toEqual([]);
        expect(await store.keys('b')).toEqual([]);
        await store.set('b', '2', bytes('after clear'));
        expect(await store.keys('b')).toEqual(['2']);
      }));

    it('stores binary values: empty, every byte value, 1 MiB', () =>
      withStore(make, async ({ store }) => {
        const all = Uint8Array.from({ length: 256 }, (_, i) => i);
        const big = pseudoRandomBytes(1 << 20, 7);
        await store.set('bin', 'empty', new Uint8Array(0));
        await store.set('bin', 'all', all);
        await store.set('bin', 'big', big);
        expectBytes(await store.get('bin', 'empty'), new Uint8Array(0));
        expectBytes(await store.get('bin', 'all'), all);
        expectBytes(await store.get('bin', 'big'), big);
        await store.flush();
        expectBytes(await store.get('bin', 'big'), big);
      }), 60_000);

    it('stores only the bytes a view covers', () =>
      withStore(make, async ({ store }) => {
        const backing = Uint8Array.from({ length: 16 }, (_, i) => i);
        await store.set('v', 'view', backing.subarray(3, 7));
        const got = await store.get('v', 'view');
        expectBytes(got, Uint8Array.from([3, 4, 5, 6]));
        expect(got!.byteLength).toBe(4);
      }));

    it('copies values in and out', () =>
      withStore(make, async ({ store }) => {
        const input = bytes('abc');
        await store.set('c', 'k', input);
        input[0] = 0x7a;
        const first = await store.get('c', 'k');
        expectBytes(first, bytes('abc'));
        first![1] = 0x7a;
        expectBytes(await store.get('c', 'k'), bytes('abc'));
        const [entry] = await store.entries('c');
        entry![1][2] = 0x7a;
        expectBytes(await store.get('c', 'k'), bytes('abc'));
      }));

    it('applies calls made without awaiting in the order they were made', () =>
      withStore(make, async ({ store }) => {
        const calls = [
          store.set('o', 'a', bytes('1')),
          store.set('o', 'a', bytes('2')),
          store.set('o', 'b', bytes('3')),
          store.delete('o', 'b'),
          store.set('o', 'c', bytes('4')),
          store.clear('o'),
          store.set('o', 'd', bytes('5')),
        ];
        await Promise.all(calls);
        expect(await store.keys('o')).toEqual(['d']);
        expectBytes(await store.get('o', 'd'), bytes('5'));
      }));

    it('resolves flush with nothing to write, and several flushes at once', () =>
      withStore(make, async ({ store }) => {
        await store.flush();
        await store.set('f', 'k', bytes('v'));
        await Promise.all([store.flush(), store.flush(), store.flush()]);
        expectBytes(await store.get('f', 'k'), bytes('v'));
      }));

    it('keeps many small writes, flushed once', () =>
      withStore(make, async ({ store }) => {
        const pending: Array<Promise<void>> = [];
        for (let i = 0; i < 2000; i++) pending.push(store.set('many', `key-${i}`, bytes(`value-${i}`)));
        await Promise.all(pending);
        await store.flush();
        expect((await store.keys('many')).length).toBe(2000);
        expectBytes(await store.get('many', 'key-1999'), bytes('value-1999'));
      }), 60_000);

    needs('persistent', true, 'keeps its data after close and reopen', async ({ store, reopen }) => {
      const big = pseudoRandomBytes(1 << 20, 11);
      await store.set('p', 'keep', bytes('kept'));
      await store.set('p', 'overwritten', bytes('old'));
      await store.set('p', 'overwritten', bytes('new'));
      await store.set('p', 'deleted', bytes('gone'));
      await store.delete('p', 'deleted');
      await store.set('p', 'empty', new Uint8Array(0));
      await store.set('p', 'big', big);
      await store.set('p', 'ключ 🔑', bytes('unicode key'));
      await store.set('cleared', 'x', bytes('gone'));
      await store.clear('cleared');
      await store.close();
      const again = await reopen();
      expect(sorted(await again.keys('p'))).toEqual(sorted(['keep', 'overwritten', 'empty', 'big', 'ключ 🔑']));
      expectBytes(await again.get('p', 'keep'), bytes('kept'));
      expectBytes(await again.get('p', 'overwritten'), bytes('new'));
      expectBytes(await again.get('p', 'empty'), new Uint8Array(0));
      expectBytes(await again.get('p', 'big'), big);
      expectBytes(await again.get('p', 'ключ 🔑'), bytes('unicode key'));
      expect(await again.get('p', 'deleted')).toBeUndefined();
      expect(await again.keys('cleared')).toEqual([]);
    }, 60_000);

    needs('persistent', true, 'keeps many small writes after flush, close and reopen', async ({ store, reopen }) => {
      for (let i = 0; i < 1000; i++) await store.set('seq', `k${i}`, pseudoRandomBytes(1 + (i % 64), i + 1));
      for (let i = 0; i < 1000; i += 3) await store.delete('seq', `k${i}`);
      await store.flush();
      await store.close();
      const again = await reopen();
      const keys = await again.keys('seq');
      expect(keys.length).toBe(1000 - Math.ceil(1000 / 3));
      for (let i = 0; i < 1000; i++) {
        const value = await again.get('seq', `k${i}`);
        if (i % 3 === 0) expect(value).toBeUndefined();
        else expectBytes(value, pseudoRandomBytes(1 + (i % 64), i + 1));
      }
      await again.clear();
      await again.close();
      expect(await (await reopen()).keys('seq')).toEqual([]);
    }, 60_000);

    needs('persistent', false, 'starts empty when opened again', async ({ store, reopen }) => {
      await store.set('m', 'k', bytes('v'));
      await store.close();
      expect(await (await reopen()).keys('m')).toEqual([]);
    });

    needs('exclusive', true, 'refuses a second open of the same location with ERR_STORAGE_LOCKED', async ({ store, reopen, fixture }) => {
      await store.set('x', 'k', bytes('v'));
      const second = reopen();
      await expect(second).rejects.toMatchObject({ code: 'ERR_STORAGE_LOCKED' });
      await expect(second).rejects.toThrow(fixture.location);
      // The refused open must not have disturbed the owner.
      expectBytes(await store.get('x', 'k'), bytes('v'));
      await store.set('x', 'k2', bytes('still usable'));
      await store.close();
      const after = await reopen();
      await after.set('x', 'k3', bytes('reopened'));
      expectBytes(await after.get('x', 'k3'), bytes('reopened'));
    });

    it('rejects every call after close with ERR_STORAGE_CLOSED', () =>
      withStore(make, async ({ store }) => {
        await store.set('z', 'k', bytes('v'));
        await store.close();
        await store.close();
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['get', () => store.get('z', 'k')],
          ['set', () => store.set('z', 'k', bytes('v'))],
          ['delete', () => store.delete('z', 'k')],
          ['keys', () => store.keys('z')],
          ['entries', () => store.entries('z')],
          ['clear(area)', () => store.clear('z')],
          ['clear()', () => store.clear()],
          ['flush', () => store.flush()],
        ];
        for (const [label, call] of calls) {
          await expect(call(), label).rejects.toMatchObject({ code: 'ERR_STORAGE_CLOSED' });
        }
      }));

    it('rejects bad arguments with a TypeError that names the value', () =>
      withStore(make, async ({ store }) => {
        const ok = bytes('v');
        const s = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
        const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
          ['set area number', () => s.set!(1, 'k', ok), /area.*number 1/],
          ['set key null', () => s.set!('a', null, ok), /key.*null/],
          ['set value string', () => s.set!('a', 'k', 'text'), /Uint8Array.*"text"/],
          ['set value array', () => s.set!('a', 'k', [1, 2]), /Uint8Array.*array/],
          ['set value Uint16Array', () => s.set!('a', 'k', new Uint16Array(2)), /Uint8Array/],
          ['set value ArrayBuffer', () => s.set!('a', 'k', new ArrayBuffer(2)), /Uint8Array/],
          ['set value undefined', () => s.set!('a', 'k'), /Uint8Array.*undefined/],
          ['get area undefined', () => s.get!(undefined, 'k'), /area.*undefined/],
          ['get key object', () => s.get!('a', {}), /key.*object/],
          ['delete key number', () => s.delete!('a', 5), /key.*number 5/],
          ['keys area number', () => s.keys!(5), /area.*number 5/],
          ['keys prefix number', () => s.keys!('a', 7), /prefix.*number 7/],
          ['entries area null', () => s.entries!(null), /area.*null/],
          ['clear area number', () => s.clear!(3), /area.*number 3/],
          ['set lone surrogate key', () => s.set!('a', 'bad\ud800', ok), /key.*surrogate/],
          ['set lone surrogate area', () => s.set!('\udc00', 'k', ok), /area.*surrogate/],
        ];
        for (const [label, call, message] of cases) {
          const p = call();
          await expect(p, label).rejects.toThrow(TypeError);
          await expect(p, label).rejects.toThrow(message);
        }
        // Nothing above may have reached the store.
        expect(await store.keys('a')).toEqual([]);
        await store.set('a', 'k', ok);
        expectBytes(await store.get('a', 'k'), ok);
      }));
  });
}
