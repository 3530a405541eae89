// The storage conformance suite on the Deno and Chromium runs: the host's persistent adapter (files
// through Deno's fs, IndexedDB through idb) and the memory adapter. Node runs the same suite from
// storage.test.ts, with more setups.
import { host } from './harness/host.ts';
import { storageConformance } from './conformance/storage.ts';
import { createMemoryStorage } from '../adapters/storage-memory.ts';

let n = 0;
storageConformance(`memory on ${host.name}`, async () => ({ adapter: createMemoryStorage(), location: `memory:${n++}` }), { persistent: false, exclusive: true });

const probe = host.persistentStorage();
storageConformance(`${probe.adapter.kind} on ${host.name}`, async () => host.persistentStorage(), probe.adapter.capabilities);
