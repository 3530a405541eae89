// `ses.cookies` on every host (Node under vitest, Deno, headless Chromium): Electron's cookie
// vectors, the changed events, errors, requests through `ses.fetch` and persistence over a re-open.
import { describe, it, expect, beforeAll } from '../harness/api.ts';
import { host } from '../harness/host.ts';
import { Cookies } from '../../core/src/index.ts';

const { session } = host;
let vectors: any;
beforeAll(async () => {
  vectors = (await host.loadShared('vectors/electron/session.json')).cookies;
});

let partitionCounter = 0;
const freshSession = (label: string) => session.fromPartition(`cookies-${label}-${Date.now()}-${partitionCounter++}`);

/** Replaces the vectors' time placeholders (`<now/1000+120>`, `<nowSec-10>`, `<round(now/1000)+10000>`). */
function fill(value: unknown, serverUrl: string): unknown {
  if (Array.isArray(value)) return value.map((v) => fill(v, serverUrl));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, serverUrl)]));
  if (typeof value !== 'string') return value;
  if (value === '<serverUrl>') return serverUrl;
  const m = /^<(?:now\/1000|nowSec|now|round\(now\/1000\))([+-]\d+)>$/.exec(value);
  if (m) return Math.round(Date.now() / 1000) + Number(m[1]);
  return value;
}

function expectSubset(actual: Record<string, unknown> | undefined, subset: Record<string, unknown>, label: string): void {
  expect(actual, label).toBeDefined();
  for (const [k, v] of Object.entries(subset)) expect(actual![k], `${label}: ${k}`).toEqual(v);
}

const hasSubset = (list: any[], subset: Record<string, unknown>): boolean =>
  list.some((c) => Object.entries(subset).every(([k, v]) => c[k] === v));

async function runStep(ses: any, step: any, label: string): Promise<void> {
  if (step.op === undefined) return; // a note
  const args = fill(step.args, host.fixturesUrl) as any;
  const expectation = step.expect;
  if (step.op === 'set') {
    const p = ses.cookies.set(args);
    if (expectation === undefined || expectation === 'resolve') return void (await p);
    const error = await p.then(() => null, (e: Error) => e);
    expect(error, `${label}: set should reject`).toBeInstanceOf(Error);
    if (expectation.rejectContains) expect(error.message, label).toContain(expectation.rejectContains);
    if (expectation.rejectEquals) expect(error.message, label).toBe(expectation.rejectEquals);
    if (expectation.rejectMatches) expect(error.message, label).toMatch(new RegExp(expectation.rejectMatches));
    return;
  }
  if (step.op === 'remove') return void (await ses.cookies.remove(...(args as [string, string])));
  if (step.op === 'session.clearData') return void (await ses.clearData(args));
  if (step.op === 'get') {
    const list = await ses.cookies.get(args);
    if (expectation === undefined) return;
    if (expectation.index0) expectSubset(list[0], expectation.index0, `${label}: first cookie`);
    if (expectation.contains) expect(hasSubset(list, expectation.contains), `${label}: contains ${JSON.stringify(expectation.contains)}`).toBe(true);
    if (expectation.notContains) expect(hasSubset(list, expectation.notContains), `${label}: not ${JSON.stringify(expectation.notContains)}`).toBe(false);
    if (expectation.names) expect(list.map((c: any) => c.name), label).toEqual(expectation.names);
    if (expectation.length !== undefined) expect(list.length, label).toBe(expectation.length);
    if (expectation.lengthGreaterThan !== undefined) expect(list.length, label).toBeGreaterThan(expectation.lengthGreaterThan);
    return;
  }
  throw new Error(`${label}: unknown op ${step.op}`);
}

/** Collects `changed` events while `action` runs. */
async function collectChanges(ses: any, action: () => Promise<void>): Promise<any[]> {
  const events: any[] = [];
  const listener = (_event: unknown, cookie: any, cause: string, removed: boolean) => events.push({ cookie, cause, removed });
  ses.cookies.on('changed', listener);
  try {
    await action();
  } finally {
    ses.cookies.off('changed', listener);
  }
  return events;
}

describe(`ses.cookies on ${host.name}`, () => {
  it('runs the Electron cookie scenarios (session.json cookies.scenarios)', async () => {
    let ran = 0;
    for (const scenario of vectors.scenarios) {
      // Needs protocol.registerSchemesAsPrivileged, which this library does not have yet.
      if (scenario.precondition?.includes('registerSchemesAsPrivileged')) continue;
      const ses = freshSession(scenario.id);
      for (const [i, step] of scenario.steps.entries()) await runStep(ses, step, `${scenario.id} step ${i}`);
      ran++;
    }
    expect(ran).toBe(vectors.scenarios.length - 1);
  });

  it('filters by domain as Chromium IsDomainMatch does (domainFilter, multiDomain)', async () => {
    for (const [i, v] of vectors.domainFilter.entries()) {
      const ses = freshSession(`domain-${i}`);
      await ses.cookies.set(v.set);
      const found = await ses.cookies.get({ domain: v.filterDomain });
      expect(found.some((c: any) => c.name === v.set.name), `${v.set.name} vs ${v.filterDomain}`).toBe(v.matches);
    }
    const ses = freshSession('multi');
    for (const details of vectors.multiDomain.set) await ses.cookies.set(details);
    for (const g of vectors.multiDomain.gets) {
      const found = await ses.cookies.get(g.filter);
      if (g.names) expect(found.map((c: any) => c.name)).toEqual(g.names);
      if (g.length !== undefined) expect(found.length).toBe(g.length);
    }
  });

  it('emits changed events in Chromium order with Electron causes (changedEvents)', async () => {
    for (const v of vectors.changedEvents) {
      const ses: any = freshSession(v.partition);
      for (const pre of v.pre ?? []) await ses.cookies.set(fill(pre.set, host.fixturesUrl));
      const events = await collectChanges(ses, async () => {
        for (const action of v.actions) {
          if (action.set) await ses.cookies.set(fill(action.set, host.fixturesUrl));
          if (action.remove) await ses.cookies.remove(...(action.remove as [string, string]));
        }
      });
      expect(events.map((e) => ({ cause: e.cause, name: e.cookie.name, value: e.cookie.value, removed: e.removed })), v.id).toEqual(
        v.events.map((e: any) => ({ cause: e.cause, name: e.name, value: e.value, removed: e.removed })),
      );
    }
    // An identical replacement is inserted-no-change-overwrite.
    const ses = freshSession('identical');
    const expirationDate = Math.round(Date.now() / 1000) + 600;
    await ses.cookies.set({ url: 'http://127.0.0.1', name: 'same', value: 'v', expirationDate });
    const events = await collectChanges(ses, () => ses.cookies.set({ url: 'http://127.0.0.1', name: 'same', value: 'v', expirationDate }));
    expect(events.map((e) => e.cause)).toEqual(['overwrite', 'inserted-no-change-overwrite']);
  });

  it('reports every change cause name Electron 45 declares, removed false only for inserts', () => {
    const { values, removedFalseFor } = vectors.changeCauses;
    expect(values).toContain('inserted-no-value-change-overwrite');
    expect(removedFalseFor).toEqual(['inserted', 'inserted-no-change-overwrite', 'inserted-no-value-change-overwrite']);
  });

  it('gives the Cookie structure in Electron key order, with expirationDate only for persistent cookies', async () => {
    const ses: any = freshSession('shape');
    const expirationDate = Math.floor(Date.now() / 1000) + 3600.5;
    await ses.cookies.set({ url: 'https://example.com/a/b', name: 'p', value: '1', expirationDate, httpOnly: true });
    await ses.cookies.set({ url: 'https://example.com/', name: 's', value: '2', domain: 'example.com', sameSite: 'strict' });
    const [p, s] = await ses.cookies.get({}); // longest path first
    expect(Object.keys(p)).toEqual(['name', 'value', 'domain', 'hostOnly', 'path', 'secure', 'httpOnly', 'session', 'expirationDate', 'sameSite']);
    expect(p).toEqual({ name: 'p', value: '1', domain: 'example.com', hostOnly: true, path: '/a', secure: false, httpOnly: true, session: false, expirationDate, sameSite: 'lax' });
    expect(Object.keys(s)).toEqual(['name', 'value', 'domain', 'hostOnly', 'path', 'secure', 'httpOnly', 'session', 'sameSite']);
    expect(s).toMatchObject({ domain: '.example.com', hostOnly: false, path: '/', session: true, sameSite: 'strict' });
  });

  it('rejects with Electron texts and Chromium debug strings', async () => {
    const ses = freshSession('errors');
    const reject = async (details: any) => (await ses.cookies.set(details).then(() => null, (e: Error) => e))?.message;
    expect(await reject({ name: 'a' })).toBe("Missing required option 'url'");
    expect(await reject({ url: 'https://example.com', sameSite: 'garbage' })).toBe("Failed to convert 'garbage' to an appropriate cookie same site value");
    expect(await reject({ url: 'https://example.com', domain: 'com', name: 'x' })).toBe(
      'Failed to set cookie - The cookie was set with an invalid Domain attribute.EXCLUDE_INVALID_DOMAIN, DO_NOT_WARN, NO_EXEMPTION',
    );
    expect(await reject({ url: 'http://example.com', name: 'x', secure: true })).toContain('The cookie was Secure, but the URL was not allowed to access Secure cookies.');
    expect(await reject({ url: 'https://example.com', name: '__Host-x', path: '/a', secure: true })).toContain('invalid __Host- or __Secure- prefix');
    expect(await reject({ url: 'https://example.com', name: 'x', value: 'y'.repeat(4096) })).toContain('name/value pair size limit');
    expect(await reject({ url: 'ftp://example.com', name: 'x' })).toContain('scheme that does not support cookies');
    // HttpOnly cookies are not replaced through a non-HTTP set.
    await ses.cookies.set({ url: 'https://example.com', name: 'h', value: '1', httpOnly: true });
    expect(await reject({ url: 'https://example.com', name: 'h', value: '2' })).toContain('would have overwritten an HttpOnly cookie');
    // Bad argument types name the value.
    await expect(ses.cookies.get(42 as any)).rejects.toThrow(/filter object, got number 42/);
    await expect(ses.cookies.remove(1 as any, 'x')).rejects.toThrow(/url string/);
  });

  it('keeps Chromium rules: Lax default for requests, 400-day cap, secure over http://localhost, removal by URL', async () => {
    const ses = freshSession('rules');
    const now = Date.now() / 1000;
    await ses.cookies.set({ url: 'https://example.com', name: 'long', value: '1', expirationDate: now + 1000 * 86400 });
    const [long] = (await ses.cookies.get({ name: 'long' })) as any[];
    expect(long.expirationDate).toBeLessThanOrEqual(now + 400 * 86400 + 1);
    expect(long.expirationDate).toBeGreaterThan(now + 399 * 86400);
    await ses.cookies.set({ url: 'http://localhost/', name: 'sec', value: '1', secure: true });
    expect((await ses.cookies.get({ url: 'http://localhost/' })).map((c: any) => c.name)).toEqual(['sec']);
    await ses.cookies.set({ url: 'https://example.com', name: 'https-only', value: '1', secure: true });
    expect((await ses.cookies.get({ url: 'http://example.com/' })).map((c: any) => c.name)).toEqual(['long']);
    expect((await ses.cookies.get({ url: 'https://example.com/' })).map((c: any) => c.name)).toEqual(['long', 'https-only']);
    await ses.cookies.set({ url: 'https://a.example.com/x', name: 'gone', value: '1', domain: 'example.com' });
    await ses.cookies.set({ url: 'https://a.example.com/x', name: 'kept', value: '1', path: '/x' });
    await ses.cookies.remove('https://b.example.com/', 'gone');
    await ses.cookies.remove('https://a.example.com/', 'kept'); // path /x is not on /
    expect((await ses.cookies.get({ domain: 'a.example.com' })).map((c: any) => c.name)).toEqual(['kept']);
  });

  it('evicts down to 150 when one site passes 180 cookies, reporting evicted', async () => {
    const ses = freshSession('evict');
    const events = await collectChanges(ses, async () => {
      for (let i = 0; i < 181; i++) await ses.cookies.set({ url: 'https://site.example/', name: `c${i}`, value: String(i) });
    });
    expect(events.filter((e) => e.cause === 'evicted').length).toBe(31);
    expect((await ses.cookies.get({})).length).toBe(150);
  });

  it('clears cookies with clearStorageData and clearData, with Electron argument errors (miscErrors)', async () => {
    const ses: any = freshSession('clear');
    const seed = async () => {
      await ses.cookies.set({ url: 'https://a.example.com', name: 'a', value: '1' });
      await ses.cookies.set({ url: 'https://b.example.com', name: 'b', value: '1', domain: 'example.com' });
      await ses.cookies.set({ url: 'https://other.org', name: 'o', value: '1' });
    };
    const names = async () => (await ses.cookies.get({})).map((c: any) => c.name).sort();
    await seed();
    await ses.clearStorageData({ storages: ['localstorage'] });
    expect(await names()).toEqual(['a', 'b', 'o']);
    await ses.clearStorageData({ storages: ['COOKIES'], origin: 'https://a.example.com' });
    expect(await names()).toEqual(['o']); // the host cookie and the domain cookie sent to it
    await seed();
    await ses.clearData({ dataTypes: ['cookies'], origins: ['https://x.y.example.com'] });
    expect(await names()).toEqual(['o']); // by registrable domain
    await seed();
    await ses.clearData({ excludeOrigins: ['https://other.org'] });
    expect(await names()).toEqual(['o']);
    await ses.clearData();
    expect(await names()).toEqual([]);
    const misc = (await host.loadShared('vectors/electron/session.json')).miscErrors as any[];
    const both = misc.find((e) => e.call.startsWith('ses.clearData({origins:[...], excludeOrigins'));
    const opaque = misc.find((e) => e.call.includes("about:blank"));
    expect(() => ses.clearData({ origins: ['https://a.com'], excludeOrigins: ['https://b.com'] })).toThrow(both.throws);
    expect(() => ses.clearData({ origins: ['about:blank'] })).toThrow(opaque.throws);
    expect(() => ses.clearData({ origins: ['about:blank'] })).toThrow(TypeError);
  });

  it('applies calls in the order they are made, awaited or not, before and after the jar loads', async () => {
    const ses = freshSession('order');
    const url = 'https://order.example/';
    const names = (list: any[]) => list.map((c: any) => c.name).sort();
    // Before the first load: everything waits for it, and runs in call order.
    const setA = ses.cookies.set({ url, name: 'a', value: '1' });
    const g1 = ses.cookies.get({ url });
    const removeA = ses.cookies.remove(url, 'a');
    const g2 = ses.cookies.get({ url });
    const setB = ses.cookies.set({ url, name: 'b', value: '2' });
    expect(names(await g1)).toEqual(['a']);
    expect(names(await g2)).toEqual([]);
    await Promise.all([setA, removeA, setB]);
    // Loaded: the same, with no call waiting for another.
    const setC = ses.cookies.set({ url, name: 'c', value: '3' });
    const g3 = ses.cookies.get({ url });
    const removeB = ses.cookies.remove(url, 'b');
    const g4 = ses.cookies.get({ url, name: 'b' });
    const bad = ses.cookies.set({ url: 'not a url', name: 'd', value: '4' });
    const g5 = ses.cookies.get({ url });
    expect(names(await g3)).toEqual(['b', 'c']);
    expect(await g4).toEqual([]);
    expect(names(await g5)).toEqual(['c']);
    await Promise.all([setC, removeB]);
    await expect(bad).rejects.toThrow();
  });

  it('isolates partitions', async () => {
    const a = freshSession('iso-a');
    const b = freshSession('iso-b');
    await a.cookies.set({ url: 'https://example.com', name: 'only-a', value: '1' });
    expect(await b.cookies.get({})).toEqual([]);
    expect((await a.cookies.get({})).length).toBe(1);
  });

  it('sends cookies with ses.fetch and stores Set-Cookie of every hop, redirects included', async () => {
    if (!host.capabilities.has('cookie-headers')) return void console.log(`skipped on ${host.name}: no capability 'cookie-headers' (the browser's fetch owns Cookie and Set-Cookie)`);
    const ses = freshSession('fetch');
    const origin = host.fixturesUrl;
    const first = await ses.fetch(`${origin}/cookies?set=${encodeURIComponent('foo=bar')}`);
    expect((await first.json()).cookie).toBe(null);
    const [foo] = await ses.cookies.get({ url: origin });
    expect(foo).toEqual(vectors.cookieObjects[0].expected);
    const second = await ses.fetch(`${origin}/cookies?set=${encodeURIComponent('same=site; SameSite=Strict')}`);
    expect((await second.json()).cookie).toBe('foo=bar');
    expect((await ses.cookies.get({ url: origin, name: 'same' }))[0]).toEqual(vectors.cookieObjects[2].expected);
    // Each hop stores its cookie; the next hop already sends it.
    const target = `/cookies?set=${encodeURIComponent('hop2=2; Path=/cookies')}`;
    const redirected = await ses.fetch(`${origin}/cookies?set=${encodeURIComponent('hop1=1')}&to=${encodeURIComponent(target)}`);
    const body = await redirected.json();
    expect(body.cookie).toBe('foo=bar; same=site; hop1=1');
    expect((await ses.cookies.get({ url: `${origin}/cookies` })).map((c: any) => c.name)).toEqual(['hop2', 'foo', 'same', 'hop1']);
    // Longest path first on the next request.
    expect((await (await ses.fetch(`${origin}/cookies`)).json()).cookie).toBe('hop2=2; foo=bar; same=site; hop1=1');
    // credentials: 'omit' neither sends nor stores; an own Cookie header is sent as is.
    expect((await (await ses.fetch(`${origin}/cookies?set=x%3D1`, { credentials: 'omit' })).json()).cookie).toBe(null);
    expect((await ses.cookies.get({ name: 'x' })).length).toBe(0);
    expect((await (await ses.fetch(`${origin}/cookies`, { headers: { cookie: 'test=12345' } })).json()).cookie).toBe('test=12345');
    // 'same-origin' with an Origin header of another origin sends none (Chromium's credentials mode).
    const foreign = await ses.fetch(`${origin}/cookies`, { headers: { origin: 'https://elsewhere.example' } });
    expect((await foreign.json()).cookie).toBe(null);
    const own = await ses.fetch(`${origin}/cookies`, { headers: { origin } });
    expect((await own.json()).cookie).toContain('foo=bar');
    // A cross-site top level: Lax and Strict cookies stay home, and Lax-by-default ones cannot be set.
    const cross = await ses.fetch(`${origin}/cookies?set=${encodeURIComponent('blocked=1')}`, { topLevelSite: 'https://other.example' });
    expect((await cross.json()).cookie).toBe(null);
    expect((await ses.cookies.get({ name: 'blocked' })).length).toBe(0);
    // Another session does not see any of it.
    expect((await (await freshSession('fetch-other').fetch(`${origin}/cookies`)).json()).cookie).toBe(null);
  });

  it('keeps persistent cookies over a re-open of the partition store (flushStore), not session cookies', async () => {
    const { adapter, location } = host.persistentStorage();
    const expirationDate = Math.round(Date.now() / 1000) + 3600;
    const store1 = await adapter.open(location);
    const jar1 = Cookies.create({ openStore: async () => store1 });
    await jar1.set({ url: 'https://example.com/a', name: 'kept', value: 'ü 1', expirationDate });
    await jar1.set({ url: 'https://example.com/a', name: 'session', value: '2' });
    await jar1.set({ url: 'https://example.com/', name: 'gone', value: '3', expirationDate });
    await jar1.remove('https://example.com/', 'gone');
    await jar1.set({ url: 'https://example.com/', name: 'dom', value: '4', domain: 'example.com', expirationDate, sameSite: 'no_restriction' });
    await jar1.flushStore();
    await jar1.close();
    await store1.close();

    const store2 = await adapter.open(location);
    const jar2 = Cookies.create({ openStore: async () => store2 });
    const got = await jar2.get({});
    expect(got.map((c) => c.name)).toEqual(['kept', 'dom']);
    expect(got[0]).toEqual({ name: 'kept', value: 'ü 1', domain: 'example.com', hostOnly: true, path: '/', secure: false, httpOnly: false, session: false, expirationDate, sameSite: 'lax' });
    expect(got[1]).toMatchObject({ domain: '.example.com', secure: true, sameSite: 'no_restriction' });
    await jar2.close();
    await store2.close();
  });
});
