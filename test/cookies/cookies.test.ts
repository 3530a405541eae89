// `ses.cookies` on every host (Node under vitest, Deno, headless Chromium): Electron's cookie
// vectors, the changed events, errors, requests through `ses.fetch` and persistence over a re-open.
import { describe, it, expect, beforeAll } from '../harness/api.ts';
import { host } from '../harness/host.ts';
import { Cookies, cookiePartitionKeyFromUrl, COOKIE_EXCLUSION_TEXT, cookieSetErrorMessage, requestSameSiteContext, responseSameSiteContext } from '../../core/src/index.ts';

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

  it('emits every change cause Electron 45 declares with (event, cookie, cause, removed), removed false only for inserts', async () => {
    const { values, removedFalseFor } = vectors.changeCauses as { values: string[]; removedFalseFor: string[] };
    const ses: any = freshSession('causes');
    const calls: any[][] = [];
    const listener = (...args: any[]) => calls.push(args);
    ses.cookies.on('changed', listener);
    const url = 'https://causes.example/';
    const expirationDate = Math.round(Date.now() / 1000) + 3600;
    const cookie = (name: string, value: string, exp: number | null = expirationDate) => ({
      name, value, domain: 'causes.example', hostOnly: true, path: '/', secure: false, httpOnly: false,
      ...(exp === null ? { session: true } : { session: false, expirationDate: exp }), sameSite: 'lax',
    });
    const seen = new Map<string, Set<boolean>>(); // cause -> the `removed` values it came with
    /** The calls since the last look, as [cookie, cause, removed]; each event object checked on the way. */
    const take = () => calls.splice(0).map((args) => {
      expect(args.length).toBe(4);
      expect(args[0].sender).toBe(ses.cookies);
      expect(typeof args[0].preventDefault).toBe('function');
      if (!seen.has(args[2])) seen.set(args[2], new Set());
      seen.get(args[2])!.add(args[3]);
      return args.slice(1);
    });
    try {
      await ses.cookies.set({ url, name: 'a', value: '1', expirationDate });
      expect(take()).toEqual([[cookie('a', '1'), 'inserted', false]]);
      await ses.cookies.set({ url, name: 'a', value: '2', expirationDate });
      expect(take()).toEqual([[cookie('a', '1'), 'overwrite', true], [cookie('a', '2'), 'inserted', false]]);
      await ses.cookies.set({ url, name: 'a', value: '2', expirationDate });
      expect(take()).toEqual([[cookie('a', '2'), 'overwrite', true], [cookie('a', '2'), 'inserted-no-change-overwrite', false]]);
      await ses.cookies.set({ url, name: 'a', value: '2', expirationDate: expirationDate + 60 });
      expect(take()).toEqual([[cookie('a', '2'), 'overwrite', true], [cookie('a', '2', expirationDate + 60), 'inserted-no-value-change-overwrite', false]]);
      // An already expired replacement only removes the old cookie.
      await ses.cookies.set({ url, name: 'a', value: '3', expirationDate: Math.round(Date.now() / 1000) - 10 });
      expect(take()).toEqual([[cookie('a', '2', expirationDate + 60), 'expired-overwrite', true]]);
      expect(await ses.cookies.get({ url })).toEqual([]);
      await ses.cookies.set({ url, name: 'b', value: '1' });
      await ses.cookies.remove(url, 'b');
      expect(take()).toEqual([[cookie('b', '1', null), 'inserted', false], [cookie('b', '1', null), 'explicit', true]]);
      // A cookie that expires while stored goes when the store next collects (GetAllCookies).
      const soon = Math.ceil(Date.now() / 250) / 4 + 1; // a quarter second, exact in ms and in seconds
      await ses.cookies.set({ url, name: 'e', value: '1', expirationDate: soon });
      await new Promise((resolve) => setTimeout(resolve, soon * 1000 - Date.now() + 150));
      expect(await ses.cookies.get({})).toEqual([]);
      expect(take()).toEqual([[cookie('e', '1', soon), 'inserted', false], [cookie('e', '1', soon), 'expired', true]]);
      // The 181st cookie of a site evicts the 31 least recently used, after its own insert.
      for (let i = 0; i <= 180; i++) await ses.cookies.set({ url, name: `c${i}`, value: String(i), expirationDate });
      const evictions = take();
      expect(evictions.slice(0, 181)).toEqual(Array.from({ length: 181 }, (_, i) => [cookie(`c${i}`, String(i)), 'inserted', false]));
      expect(evictions.slice(181)).toEqual(Array.from({ length: 31 }, (_, i) => [cookie(`c${i}`, String(i)), 'evicted', true]));
    } finally {
      ses.cookies.off('changed', listener);
    }
    // Every cause Electron 45 declares was emitted, with `removed` false exactly for the insert causes.
    expect([...seen.keys()].sort()).toEqual([...values].sort());
    for (const [cause, removed] of seen) expect([...removed], cause).toEqual([!removedFalseFor.includes(cause)]);
  });

  it('gives the Cookie structure in Electron key order, with expirationDate only for persistent cookies', async () => {
    const ses: any = freshSession('shape');
    const expirationDate = Math.floor(Date.now() / 1000) + 3600.5;
    const changed: any[] = [];
    ses.cookies.on('changed', (_event: unknown, cookie: unknown) => changed.push(cookie));
    await ses.cookies.set({ url: 'https://example.com/a/b', name: 'p', value: '1', expirationDate, httpOnly: true });
    await ses.cookies.set({ url: 'https://example.com/', name: 's', value: '2', domain: 'example.com', sameSite: 'strict' });
    const [p, s] = await ses.cookies.get({}); // longest path first
    expect(Object.keys(p)).toEqual(['name', 'value', 'domain', 'hostOnly', 'path', 'secure', 'httpOnly', 'session', 'expirationDate', 'sameSite']);
    expect(p).toEqual({ name: 'p', value: '1', domain: 'example.com', hostOnly: true, path: '/a', secure: false, httpOnly: true, session: false, expirationDate, sameSite: 'lax' });
    expect(Object.keys(s)).toEqual(['name', 'value', 'domain', 'hostOnly', 'path', 'secure', 'httpOnly', 'session', 'sameSite']);
    expect(s).toMatchObject({ domain: '.example.com', hostOnly: false, path: '/', session: true, sameSite: 'strict' });
    // The read of one URL builds the same objects (its own way, see toElectronCookie).
    const [pu, su] = await ses.cookies.get({ url: 'https://example.com/a/b' });
    expect(Object.keys(pu)).toEqual(Object.keys(p));
    expect(pu).toEqual(p);
    expect(Object.keys(su)).toEqual(Object.keys(s));
    expect(su).toEqual(s);
    // The changed events carry the same objects.
    expect(changed.map((c) => Object.keys(c))).toEqual([Object.keys(p), Object.keys(s)]);
    expect(changed).toEqual([p, s]);
    // Plain objects, as Electron's: Object.prototype, only own enumerable data properties, fresh on each call.
    for (const c of [p, s, pu, su, ...changed]) {
      expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
      expect(c.constructor).toBe(Object);
      expect(Object.getOwnPropertyNames(c)).toEqual(Object.keys(c));
      expect(Object.values(Object.getOwnPropertyDescriptors(c)).every((d: any) => d.writable && d.enumerable && d.configurable && !d.get)).toBe(true);
      expect(JSON.parse(JSON.stringify(c))).toEqual(c);
    }
    const [again] = await ses.cookies.get({});
    expect(again).not.toBe(p);
    again.value = 'changed';
    expect((await ses.cookies.get({}))[0].value).toBe('1');
  });

  it("reads only own enumerable fields of set details and of the get filter (Electron's value converter); get's url also when inherited (gin)", async () => {
    const ses: any = freshSession('own-fields');
    await ses.cookies.set({ url: 'https://own.example/', name: 'a', value: '1' });
    await ses.cookies.set({ url: 'https://own.example/', name: 'b', value: '2' });
    await ses.cookies.set({ url: 'https://other.example/', name: 'c', value: '3' });
    const names = (list: { name: string }[]) => list.map((c) => c.name).sort();
    // get: an inherited or non-enumerable name filter is no filter; an own one is.
    expect(names(await ses.cookies.get(Object.assign(Object.create({ name: 'a' }), { url: 'https://own.example/' })))).toEqual(['a', 'b']);
    expect(names(await ses.cookies.get(Object.defineProperty({ url: 'https://own.example/' }, 'name', { value: 'a', enumerable: false })))).toEqual(['a', 'b']);
    expect(names(await ses.cookies.get({ url: 'https://own.example/', name: 'a' }))).toEqual(['a']);
    expect(names(await ses.cookies.get(Object.create({ domain: 'own.example' })))).toEqual(['a', 'b', 'c']);
    // get's url comes through gin's Dictionary::Get, which sees inherited properties.
    expect(names(await ses.cookies.get(Object.create({ url: 'https://own.example/' })))).toEqual(['a', 'b']);
    // set: an inherited url is missing; inherited name, value and httpOnly are absent.
    await expect(ses.cookies.set(Object.assign(Object.create({ url: 'https://own.example/' }), { name: 'd', value: '4' }))).rejects.toThrow("Missing required option 'url'");
    await expect(ses.cookies.set(Object.assign(Object.create({ name: 'inherited', value: 'x' }), { url: 'https://own.example/' }))).rejects.toThrow(
      'Failed to set cookie - The cookie contains no content or only whitespace.',
    );
    await ses.cookies.set(Object.assign(Object.create({ httpOnly: true, secure: true }), { url: 'https://own.example/p/', path: '/p', name: 'e', value: '5' }));
    const [made] = await ses.cookies.get({ url: 'https://own.example/p/', path: '/p' });
    expect(made).toMatchObject({ name: 'e', value: '5', httpOnly: false, secure: false, path: '/p' });
  });

  it('takes strings as Chromium gets them: lone surrogates become U+FFFD (UTF-8 conversion)', async () => {
    const ses: any = freshSession('surrogates');
    await ses.cookies.set({ url: 'https://example.com/', name: 'bad\uD800', value: 'v\uDC00x' });
    const [c] = await ses.cookies.get({ url: 'https://example.com/' });
    expect([c.name, c.value]).toEqual(['bad\uFFFD', 'v\uFFFDx']);
    expect((await ses.cookies.get({ name: 'bad\uFFFD' })).length).toBe(1);
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
    // Arguments gin cannot convert throw at once (TypeError), as Electron's native methods do.
    expect(() => ses.cookies.get(42 as any)).toThrow(new TypeError('Error processing argument at index 0, conversion failure from 42'));
    expect(() => (ses.cookies.get as any)()).toThrow(new TypeError('Insufficient number of arguments.'));
    expect(() => ses.cookies.set('x' as any)).toThrow(new TypeError('Error processing argument at index 0, conversion failure from x'));
    expect(() => ses.cookies.set([] as any)).toThrow(TypeError);
    expect(() => ses.cookies.remove(1 as any, 'x')).toThrow(new TypeError('Error processing argument at index 0, conversion failure from 1'));
    expect(() => ses.cookies.remove('https://example.com', {} as any)).toThrow(new TypeError('Error processing argument at index 1, conversion failure from #<Object>'));
    expect(() => (ses.cookies.remove as any)('https://example.com')).toThrow(new TypeError('Insufficient number of arguments.'));
    // gin names the value with V8's ToDetailString; V8's own message for a bad receiver uses the
    // same function, so it is the expected text here, on every host.
    const detail = (v: unknown): string => {
      try {
        Set.prototype.add.call(v as never, 1);
      } catch (e) {
        return String((e as Error).message).replace('Method Set.prototype.add called on incompatible receiver ', '');
      }
      throw new Error('no error');
    };
    for (const v of [[1, 2], [], new Map(), new URL('https://x.com/'), Object.create(null), new Date(0), new Error('boom'), () => 1, new Uint8Array(1), 1.5, true, Symbol('s')]) {
      expect(() => ses.cookies.remove('https://example.com', v as any)).toThrow(new TypeError(`Error processing argument at index 1, conversion failure from ${detail(v)}`));
    }
    expect(() => ses.cookies.remove(new URL('https://example.com/') as any, 'x')).toThrow(new TypeError('Error processing argument at index 0, conversion failure from [object URL]'));
    // An invalid URL is refused with that one reason, whatever else is wrong (Electron checks it first).
    const invalid = 'Failed to set cookie - The cookie was set with an invalid Domain attribute.EXCLUDE_INVALID_DOMAIN, DO_NOT_WARN, NO_EXEMPTION';
    expect(await reject({ url: 'asdf', name: 'a;b', lastAccessDate: 1 })).toBe(invalid);
    // sameSite is read as a string only (FindString): anything else is absent, so lax.
    await ses.cookies.set({ url: 'https://example.com', name: 'ssnull', value: '1', sameSite: null as any });
    await ses.cookies.set({ url: 'https://example.com', name: 'ssnum', value: '1', sameSite: 1 as any });
    expect((await ses.cookies.get({ url: 'https://example.com' })).filter((c: any) => c.name.startsWith('ss')).map((c: any) => c.sameSite)).toEqual(['lax', 'lax']);
  });

  it("gives Electron's text for every exclusion reason (InclusionStatusToString, session.json cookies.errors)", async () => {
    const { prefix, reasons } = vectors.errors as { prefix: string; reasons: Record<string, string> };
    // The whole table, as data: a missing, extra or mistyped text fails here.
    expect(Object.keys(COOKIE_EXCLUSION_TEXT).sort()).toEqual(Object.keys(reasons).sort());
    for (const [reason, text] of Object.entries(reasons)) {
      expect((COOKIE_EXCLUSION_TEXT as Record<string, string>)[reason], reason).toBe(text);
      expect(cookieSetErrorMessage([reason as any]), reason).toBe(`${prefix}${text}${reason}, DO_NOT_WARN, NO_EXEMPTION`);
    }
    // The message of a refused set: every reason's text, back to back, then Chromium's debug string.
    const message = (...list: string[]) => `${prefix}${list.map((r) => reasons[r]).join('')}${list.join(', ')}, DO_NOT_WARN, NO_EXEMPTION`;
    const ses = freshSession('reason-texts');
    const reject = async (details: any) => (await ses.cookies.set(details).then(() => null, (e: Error) => e))?.message;
    const https = 'https://texts.example/';
    expect(await reject({ url: https, domain: 'com', name: 'x' })).toBe(message('EXCLUDE_INVALID_DOMAIN'));
    expect(await reject({ url: 'http://texts.example/', name: 'x', secure: true })).toBe(message('EXCLUDE_SECURE_ONLY'));
    expect(await reject({ url: https, name: '__Host-x', path: '/a', secure: true })).toBe(message('EXCLUDE_INVALID_PREFIX'));
    expect(await reject({ url: https, name: 'x', value: 'y'.repeat(4096) })).toBe(message('EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE'));
    expect(await reject({ url: 'ftp://texts.example/', name: 'x' })).toBe(message('EXCLUDE_NONCOOKIEABLE_SCHEME'));
    expect(await reject({ url: https, name: 'x', sameSite: 'no_restriction', secure: false })).toBe(message('EXCLUDE_SAMESITE_NONE_INSECURE'));
    expect(await reject({ url: https, name: 'x', value: 'a;b' })).toBe(message('EXCLUDE_DISALLOWED_CHARACTER'));
    expect(await reject({ url: https, name: 'x', path: `/${'p'.repeat(1024)}` })).toBe(message('EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE'));
    expect(await reject({ url: https, name: '', value: '' })).toBe(message('EXCLUDE_NO_COOKIE_CONTENT'));
    expect(await reject({ url: https, name: 'x', path: 'relative' })).toBe(message('EXCLUDE_FAILURE_TO_STORE'));
    await ses.cookies.set({ url: https, name: 'h', value: '1', httpOnly: true });
    expect(await reject({ url: https, name: 'h', value: '2' })).toBe(message('EXCLUDE_OVERWRITE_HTTP_ONLY'));
    await ses.cookies.set({ url: https, name: 's', value: '1', secure: true });
    expect(await reject({ url: 'http://texts.example/', name: 's', value: '2' })).toBe(message('EXCLUDE_OVERWRITE_SECURE'));
    // Two reasons at once: both texts, in Chromium's enum order. A Secure cookie from an http URL also
    // carries the warning CreateSanitizedCookie adds before it gives up.
    expect(await reject({ url: 'http://texts.example/', domain: 'com', name: '__Secure-x', secure: true })).toBe(
      message('EXCLUDE_INVALID_DOMAIN', 'EXCLUDE_INVALID_PREFIX').replace('DO_NOT_WARN', 'WARN_TENTATIVELY_ALLOWING_SECURE_SOURCE_SCHEME'),
    );
  });

  it('filters get() by path exactly: not a prefix, not a path match', async () => {
    const ses = freshSession('path-filter');
    const base = 'https://paths.example';
    const paths = ['/', '/a', '/a/', '/a/b', '/ab'];
    for (const [i, path] of paths.entries()) await ses.cookies.set({ url: `${base}${path}`, name: `p${i}`, value: path, path });
    const names = async (filter: any) => (await ses.cookies.get(filter)).map((c: any) => c.name);
    expect(await names({ path: '/a' })).toEqual(['p1']);
    expect(await names({ path: '/a/' })).toEqual(['p2']);
    expect(await names({ path: '/' })).toEqual(['p0']);
    expect(await names({ path: '/a/b' })).toEqual(['p3']);
    expect(await names({ path: '/ab' })).toEqual(['p4']);
    expect(await names({ path: '/a/b/c' })).toEqual([]);
    expect(await names({ path: '' })).toEqual([]); // Electron compares the string, so '' matches no cookie
    expect(await names({ path: 42 })).toEqual(['p3', 'p2', 'p4', 'p1', 'p0']); // wrong type: ignored, as in Electron
    // With url: the cookies sent there (longest path first), then only those with exactly this path.
    expect(await names({ url: `${base}/a/b/c` })).toEqual(['p3', 'p2', 'p1', 'p0']);
    expect(await names({ url: `${base}/a/b/c`, path: '/a' })).toEqual(['p1']);
    expect(await names({ url: `${base}/x`, path: '/a' })).toEqual([]);
    expect(await names({ path: '/a', name: 'p1', domain: 'paths.example' })).toEqual(['p1']);
    expect(await names({ path: '/a', name: 'p2' })).toEqual([]);
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

  it("clearStorageData with an origin removes that host's host cookies only, any scheme, Secure flag or path; no host or unconvertible arguments clear all", async () => {
    const ses: any = freshSession('clear-origin');
    const seed = async () => {
      await ses.cookies.set({ url: 'https://a.example.com/', name: 'host', value: '1' });
      await ses.cookies.set({ url: 'https://a.example.com/', name: 'hostsec', value: '1', secure: true });
      await ses.cookies.set({ url: 'https://a.example.com/p/', name: 'hostpath', value: '1', path: '/p' });
      await ses.cookies.set({ url: 'https://a.example.com/', name: 'dom', value: '1', domain: 'example.com' });
      await ses.cookies.set({ url: 'https://b.example.com/', name: 'other', value: '1' });
    };
    const names = async () => (await ses.cookies.get({})).map((c: any) => c.name).sort();
    const events: string[] = [];
    ses.cookies.on('changed', (_e: unknown, c: any, cause: string, removed: boolean) => { if (removed) events.push(`${cause}:${c.name}`); });
    await seed();
    await ses.clearStorageData({ storages: ['cookies'], origin: 'http://a.example.com' });
    expect(await names()).toEqual(['dom', 'other']);
    expect(events.sort()).toEqual(['explicit:host', 'explicit:hostpath', 'explicit:hostsec']);
    for (const options of [{ origin: 'not a url' }, { origin: 'about:blank' }, null, 'x', { storages: ['localstorage', 1] }]) {
      await seed();
      await ses.clearStorageData(options);
      expect(await names()).toEqual([]);
    }
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
    expect(await names()).toEqual(['b', 'o']); // the origin's host cookies only (a filter on host_name)
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
    expect(() => ses.clearData({ origins: ['FILE:///x'] })).toThrow("Invalid origin: 'file:///x'"); // as GURL spells it
    // What gin cannot convert is absent: a null list, a list with a non-string, options not an object.
    await seed();
    await ses.clearData({ origins: null, excludeOrigins: ['https://other.org'] });
    expect(await names()).toEqual(['o']);
    for (const options of [{ origins: ['https://other.org', 42] }, { origins: [new URL('https://other.org')] }, { dataTypes: ['cache', 1] }, null]) {
      await seed();
      await ses.clearData(options);
      expect(await names()).toEqual([]);
    }
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

  it('stores the Set-Cookie of a 304 that revalidates a cached entry, and none from a response that clears cookies', async () => {
    if (!host.capabilities.has('cookie-headers')) return void console.log(`skipped on ${host.name}: no capability 'cookie-headers' (the browser's fetch owns Cookie and Set-Cookie)`);
    const ses = freshSession('cookie-304');
    const at = (params: Record<string, string>) => `${host.fixturesUrl}/cacheable?${new URLSearchParams(params)}`;
    // A 304 merged into the cached entry still hands its Set-Cookie to the jar (the entry keeps none).
    const url = at({ id: `r304-${Date.now()}-${partitionCounter++}`, cc: 'no-cache', etag: '"e1"', set: 'r304=1; Path=/' });
    await (await ses.fetch(url)).text();
    expect((await ses.cookies.get({ name: 'r304' })).length).toBe(1);
    await ses.cookies.remove(host.fixturesUrl, 'r304');
    const again = await ses.fetch(url);
    await again.text();
    expect(again.headers.get('x-count')).toBe('2'); // answered 304, served from the entry
    expect((await ses.cookies.get({ name: 'r304' })).length).toBe(1);
    // Clear-Site-Data with "cookies" or "*" (quoted, as the header has them): none of that response's cookies is stored.
    const csd = (name: string, value: string) => at({ id: `csd-${name}-${Date.now()}`, cc: 'no-store', set: `${name}=1; Path=/`, h: `clear-site-data:${value}` });
    await (await ses.fetch(csd('csdcookies', '"cache", "cookies"'))).text();
    await (await ses.fetch(csd('csdstar', '"*"'))).text();
    await (await ses.fetch(csd('csdcache', '"cache"'))).text();
    await (await ses.fetch(csd('csdbare', 'cookies'))).text();
    expect((await ses.cookies.get({})).map((c: any) => c.name).filter((n: string) => n.startsWith('csd')).sort()).toEqual(['csdbare', 'csdcache']);
  });

  it('removes a cookie without collecting expired ones on the way (Chromium DeleteMatchingCookies)', async () => {
    let now = Date.now();
    const cookies = Cookies.create({ openStore: null, now: () => now });
    const seen: string[] = [];
    cookies.on('changed', (_e: unknown, cookie: any, cause: string) => seen.push(`${cause}:${cookie.name}`));
    const expirationDate = now / 1000 + 60;
    await cookies.set({ url: 'https://example.com/', name: 'a', value: '1', expirationDate });
    await cookies.set({ url: 'https://example.com/', name: 'b', value: '1', expirationDate });
    await cookies.set({ url: 'https://example.com/', name: 'c', value: '1' });
    seen.length = 0;
    now += 120_000; // a and b have expired, nobody has read them since
    await cookies.remove('https://example.com/', 'a');
    expect(seen).toEqual(['explicit:a']);
    expect((await cookies.get({ url: 'https://example.com/' })).map((c: any) => c.name)).toEqual(['c']);
    expect(seen).toEqual(['explicit:a', 'expired:b']);
  });

  it('leaves partitioned (CHIPS) cookies out of get({ url }), as Electron does; get({}) has them', async () => {
    // Electron's get({ url }) asks Chromium with CookiePartitionKeyCollection::Todo(), an empty collection.
    const ses = freshSession('chips');
    const jar = await ses.cookies.jar();
    const url = new URL('https://embed.example/x');
    const key = cookiePartitionKeyFromUrl('https://top.example/');
    expect(jar.setFromLine(url, 'plain=1; Secure; Path=/', Date.now(), { sameSiteContext: 'same-site' })).toEqual([]);
    expect(jar.setFromLine(url, 'chip=2; Secure; Path=/; SameSite=None; Partitioned', Date.now(), { partitionKey: key, sameSiteContext: 'same-site' })).toEqual([]);
    expect((await ses.cookies.get({ url: url.href })).map((c: any) => c.name)).toEqual(['plain']);
    expect(await ses.cookies.get({ url: url.href, name: 'chip' })).toEqual([]);
    expect((await ses.cookies.get({})).map((c: any) => c.name).sort()).toEqual(['chip', 'plain']);
    expect((await ses.cookies.get({ name: 'chip' })).length).toBe(1);
    // remove() is DeleteCookies with no partition collection in the filter, which Chromium reads as all partitions.
    await ses.cookies.remove(url.href, 'chip');
    expect((await ses.cookies.get({})).map((c: any) => c.name)).toEqual(['plain']);
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
    // credentials: 'omit' neither sends nor stores.
    expect((await (await ses.fetch(`${origin}/cookies?set=x%3D1`, { credentials: 'omit' })).json()).cookie).toBe(null);
    expect((await ses.cookies.get({ name: 'x' })).length).toBe(0);
    // A caller's Cookie header: replaced by the jar's line when the jar has cookies for the URL
    // (Chromium's URLRequestHttpJob SetHeader), sent as written when it has none.
    const replaced = (await (await ses.fetch(`${origin}/cookies`, { headers: { cookie: 'test=12345' } })).json()).cookie;
    expect(replaced).toContain('foo=bar');
    expect(replaced).not.toContain('test=12345');
    expect((await (await freshSession('fetch-own-cookie').fetch(`${origin}/cookies`, { headers: { cookie: 'test=12345' } })).json()).cookie).toBe('test=12345');
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

  it('computes the same-site context from initiator, topLevelSite, isMainFrameNavigation and the method', () => {
    const url = new URL('https://www.site.com/p');
    const other = 'https://other.example';
    const ctx = (method: string, options: any) => requestSameSiteContext(url, method, options);
    expect(ctx('GET', {})).toBe('same-site');
    expect(ctx('POST', {})).toBe('same-site');
    expect(ctx('GET', { initiator: 'https://api.site.com:8443' })).toBe('same-site'); // same site, other origin
    expect(ctx('GET', { initiator: 'http://www.site.com' })).toBe('cross-site'); // schemeful: http is another site
    // A cross-site initiator under a same-site (or absent) top level is cross-site unless the request
    // is a main-frame navigation: Chromium's cookie_util ComputeSameSiteContext gives SAME_SITE_LAX
    // only `if (!is_http || is_main_frame_navigation)`, CROSS_SITE otherwise.
    expect(ctx('GET', { initiator: other })).toBe('cross-site');
    expect(ctx('HEAD', { initiator: other })).toBe('cross-site');
    expect(ctx('POST', { initiator: other })).toBe('cross-site');
    expect(ctx('put', { initiator: other })).toBe('cross-site');
    expect(ctx('POST', { initiator: other, topLevelSite: 'https://site.com/' })).toBe('cross-site');
    // The same as a main-frame navigation: Lax, or Lax-unsafe for an unsafe method.
    expect(ctx('GET', { initiator: other, isMainFrameNavigation: true })).toBe('lax');
    expect(ctx('HEAD', { initiator: other, isMainFrameNavigation: true })).toBe('lax');
    expect(ctx('put', { initiator: other, isMainFrameNavigation: true })).toBe('lax-unsafe');
    // siteForCookies (ses.fetch's first URL, kept over redirects) is the top level when topLevelSite is absent.
    expect(ctx('GET', { siteForCookies: other })).toBe('cross-site');
    expect(ctx('GET', { siteForCookies: 'https://site.com/start' })).toBe('same-site');
    expect(ctx('GET', { siteForCookies: other, topLevelSite: 'https://site.com/' })).toBe('same-site');
    expect(ctx('GET', { siteForCookies: other, isMainFrameNavigation: true })).toBe('same-site');
    // A subresource of a cross-site page: cross-site, whatever the initiator.
    expect(ctx('GET', { topLevelSite: other })).toBe('cross-site');
    expect(ctx('GET', { initiator: url.origin, topLevelSite: other })).toBe('cross-site');
    expect(ctx('GET', { initiator: other, topLevelSite: other })).toBe('cross-site');
    // A main-frame navigation's top level is the page it loads.
    expect(ctx('GET', { initiator: other, topLevelSite: other, isMainFrameNavigation: true })).toBe('lax');
    expect(ctx('POST', { initiator: other, topLevelSite: other, isMainFrameNavigation: true })).toBe('lax-unsafe');
    expect(ctx('GET', { topLevelSite: other, isMainFrameNavigation: true })).toBe('same-site');
    expect(ctx('GET', { initiator: url.origin, topLevelSite: other, isMainFrameNavigation: true })).toBe('same-site');
    // Responses (ComputeSameSiteContextForResponse, the same computation, Strict normalised to Lax):
    // cross-site under a cross-site top level or with a cross-site initiator, unless a main-frame navigation.
    expect(responseSameSiteContext(url, {})).toBe('same-site');
    expect(responseSameSiteContext(url, { initiator: other })).toBe('cross-site');
    expect(responseSameSiteContext(url, { initiator: 'https://api.site.com' })).toBe('same-site');
    expect(responseSameSiteContext(url, { initiator: other, isMainFrameNavigation: true })).toBe('same-site');
    expect(responseSameSiteContext(url, { initiator: other, topLevelSite: other, isMainFrameNavigation: true })).toBe('same-site');
    expect(responseSameSiteContext(url, { siteForCookies: other })).toBe('cross-site');
    expect(responseSameSiteContext(url, { topLevelSite: other })).toBe('cross-site');
    expect(responseSameSiteContext(url, { topLevelSite: 'https://a.site.com' })).toBe('same-site');
    expect(responseSameSiteContext(url, { topLevelSite: other, isMainFrameNavigation: true })).toBe('same-site');
  });

  it('sends and stores SameSite cookies in ses.fetch by initiator, topLevelSite, isMainFrameNavigation and method', async () => {
    if (!host.capabilities.has('cookie-headers')) return void console.log(`skipped on ${host.name}: no capability 'cookie-headers' (the browser's fetch owns Cookie and Set-Cookie)`);
    const ses: any = freshSession('same-site-context');
    const origin = host.fixturesUrl; // http://127.0.0.1:<port>: Secure cookies allowed (a trustworthy origin)
    const other = 'http://other.example';
    const set = (line: string, init: any = {}) => ses.fetch(`${origin}/cookies?set=${encodeURIComponent(line)}`, init).then((r: Response) => r.json());
    await set('lax=1; SameSite=Lax');
    await set('strict=1; SameSite=Strict');
    await set('none=1; SameSite=None; Secure');
    await set('young=1'); // no SameSite: Lax by default, and under two minutes old (Lax-allow-unsafe)
    const ago = Math.round(Date.now() / 1000) - 600;
    await ses.cookies.set({ url: origin, name: 'old', value: '1', sameSite: 'unspecified', creationDate: ago, lastAccessDate: ago, expirationDate: ago + 86400 });
    const sent = async (init: any) => {
      const { cookie } = await (await ses.fetch(`${origin}/cookies`, init)).json();
      return cookie === null ? [] : (cookie as string).split('; ').map((pair) => pair.split('=')[0]).sort();
    };
    const all = ['lax', 'none', 'old', 'strict', 'young'];
    expect(await sent({})).toEqual(all);
    expect(await sent({ initiator: 'http://127.0.0.1:1' })).toEqual(all); // same site (ports do not count)
    // Cross-site initiator, same-site top level, not a main-frame navigation: cross-site (Chromium's
    // ComputeSameSiteContext is Lax only for a main-frame navigation), so only SameSite=None goes.
    expect(await sent({ initiator: other })).toEqual(['none']);
    expect(await sent({ initiator: other, method: 'POST' })).toEqual(['none']);
    // As a main-frame navigation: no Strict; an unsafe method carries only None and young Lax-by-default cookies.
    expect(await sent({ initiator: other, isMainFrameNavigation: true })).toEqual(['lax', 'none', 'old', 'young']);
    expect(await sent({ initiator: other, isMainFrameNavigation: true, method: 'POST' })).toEqual(['none', 'young']);
    // An Origin header is the initiator when there is no initiator option (Electron's
    // net-client-request.ts passes it; the URL loader makes it request_initiator).
    expect(await sent({ headers: { origin: other }, credentials: 'include' })).toEqual(['none']);
    expect(await sent({ headers: { origin: other }, credentials: 'include', isMainFrameNavigation: true })).toEqual(['lax', 'none', 'old', 'young']);
    expect(await sent({ headers: { origin: other }, credentials: 'include', initiator: origin })).toEqual(all);
    expect(await sent({ headers: { origin } })).toEqual(all);
    // A subresource of a cross-site page: only SameSite=None.
    expect(await sent({ initiator: other, topLevelSite: other })).toEqual(['none']);
    expect(await sent({ initiator: other, topLevelSite: other, method: 'POST' })).toEqual(['none']);
    // The same page navigating the main frame here: Lax cookies go with GET, not Strict; POST as above.
    expect(await sent({ initiator: other, topLevelSite: other, isMainFrameNavigation: true })).toEqual(['lax', 'none', 'old', 'young']);
    expect(await sent({ initiator: other, topLevelSite: other, isMainFrameNavigation: true, method: 'POST' })).toEqual(['none', 'young']);
    expect(await sent({ initiator: origin, topLevelSite: other, isMainFrameNavigation: true })).toEqual(all);
    // Storing: a cross-site top level or a cross-site initiator only takes SameSite=None (Chromium's
    // ComputeSameSiteContextForResponse); a main-frame navigation takes all.
    const stored = async (name: string) => (await ses.cookies.get({ name })).length === 1;
    await set('x-lax=1; SameSite=Lax', { initiator: other, topLevelSite: other });
    await set('x-none=1; SameSite=None; Secure', { initiator: other, topLevelSite: other });
    await set('i-strict=1; SameSite=Strict', { initiator: other });
    await set('i-default=1', { initiator: other });
    await set('i-none=1; SameSite=None; Secure', { initiator: other });
    await set('h-lax=1; SameSite=Lax', { headers: { origin: other }, credentials: 'include' });
    await set('s-strict=1; SameSite=Strict', { initiator: 'http://127.0.0.1:1' });
    await set('m-strict=1; SameSite=Strict', { initiator: other, topLevelSite: other, isMainFrameNavigation: true });
    await set('m-default=1', { initiator: other, topLevelSite: other, isMainFrameNavigation: true, method: 'POST' });
    await set('n-lax=1; SameSite=Lax', { initiator: other, isMainFrameNavigation: true });
    const names = ['x-lax', 'x-none', 'i-strict', 'i-default', 'i-none', 'h-lax', 's-strict', 'm-strict', 'm-default', 'n-lax'];
    const got: Record<string, boolean> = {};
    for (const name of names) got[name] = await stored(name);
    expect(got).toEqual({ 'x-lax': false, 'x-none': true, 'i-strict': false, 'i-default': false, 'i-none': true, 'h-lax': false, 's-strict': true, 'm-strict': true, 'm-default': true, 'n-lax': true });
  });

  it('keeps the first URL as the top-level site of every redirect hop, unless a main-frame navigation', async () => {
    if (!host.capabilities.has('cookie-headers')) return void console.log(`skipped on ${host.name}: no capability 'cookie-headers' (the browser's fetch owns Cookie and Set-Cookie)`);
    // Electron's URL loader sets site_for_cookies = SiteForCookies::FromUrl(original URL), and
    // net::RedirectInfo keeps it on every hop (NEVER_CHANGE_URL) unless the request updates the
    // first-party URL on redirect (main-frame navigations).
    const ses: any = freshSession('redirect-site');
    const target = host.fixturesUrl; // http://127.0.0.1:<port>
    const start = `http://localhost:${new URL(target).port}`; // another site, the same server
    const enc = encodeURIComponent;
    for (const line of ['lax=1; SameSite=Lax', 'strict=1; SameSite=Strict', 'none=1; SameSite=None; Secure', 'default=1']) {
      await (await ses.fetch(`${target}/cookies?set=${enc(line)}`)).json();
    }
    const hop = (prefix: string) => `${target}/cookies?${['lax=1; SameSite=Lax', 'none=1; SameSite=None; Secure', 'default=1'].map((l) => `set=${enc(prefix + l)}`).join('&')}`;
    const names = (cookie: string | null) => (cookie === null ? [] : cookie.split('; ').map((pair) => pair.split('=')[0]).sort());
    const storedWith = async (prefix: string) => (await ses.cookies.get({ url: target })).map((c: any) => c.name).filter((n: string) => n.startsWith(prefix)).sort();
    // A subresource fetch of localhost redirected to 127.0.0.1: the second hop is cross-site.
    const cross = await ses.fetch(`${start}/cookies?to=${enc(hop('r-'))}`);
    const crossBody = await cross.json();
    expect(cross.url).toBe(hop('r-'));
    expect(names(crossBody.cookie)).toEqual(['none']);
    expect(await storedWith('r-')).toEqual(['r-none']);
    // A main-frame navigation's top level moves with the redirect: the second hop is same-site.
    const nav = await (await ses.fetch(`${start}/cookies?to=${enc(hop('m-'))}`, { isMainFrameNavigation: true })).json();
    expect(names(nav.cookie)).toEqual(['default', 'lax', 'none', 'r-none', 'strict']);
    expect(await storedWith('m-')).toEqual(['m-default', 'm-lax', 'm-none']);
    // A caller's topLevelSite holds for every hop as before.
    const given = await (await ses.fetch(`${start}/cookies?to=${enc(hop('t-'))}`, { topLevelSite: target })).json();
    expect(names(given.cookie)).toEqual(['default', 'lax', 'm-default', 'm-lax', 'm-none', 'none', 'r-none', 'strict']);
    expect(await storedWith('t-')).toEqual(['t-default', 't-lax', 't-none']);
  });

  it('keeps Partitioned (CHIPS) cookies from ses.fetch under the topLevelSite partition, sent only within it', async () => {
    if (!host.capabilities.has('cookie-headers')) return void console.log(`skipped on ${host.name}: no capability 'cookie-headers' (the browser's fetch owns Cookie and Set-Cookie)`);
    const ses: any = freshSession('chips-fetch');
    const origin = host.fixturesUrl; // http://127.0.0.1:<port>: Secure and Partitioned allowed (a trustworthy origin)
    const topA = 'https://top-a.com';
    const topB = 'https://top-b.com';
    const fetchCookie = async (init: any, set?: string) => {
      const query = set === undefined ? '' : `?set=${encodeURIComponent(set)}`;
      return (await (await ses.fetch(`${origin}/cookies${query}`, init)).json()).cookie as string | null;
    };
    expect(await fetchCookie({ topLevelSite: topA }, 'chip=a; Secure; SameSite=None; Partitioned; Path=/')).toBe(null);
    expect(await fetchCookie({ topLevelSite: topA }, 'plain=1; Secure; SameSite=None; Path=/')).toBe('chip=a');
    // Stored under top-a's site; Electron's get({ url }) leaves partitioned cookies out, get({}) has them.
    const jar = await ses.cookies.jar();
    const partitionOf = (name: string) => jar.getAllCookies(Date.now()).filter((c: any) => c.name === name).map((c: any) => c.partitionKey?.topLevelSite ?? null);
    expect(partitionOf('chip')).toEqual([topA]);
    expect(partitionOf('plain')).toEqual([null]);
    expect((await ses.cookies.get({ url: origin })).map((c: any) => c.name)).toEqual(['plain']);
    expect((await ses.cookies.get({ name: 'chip' })).length).toBe(1);
    // Sent back under the same top-level site (any page of it), not under another or at top level.
    expect(await fetchCookie({ topLevelSite: topA })).toBe('chip=a; plain=1');
    expect(await fetchCookie({ topLevelSite: 'https://www.top-a.com/page' })).toBe('chip=a; plain=1'); // site, not origin
    expect(await fetchCookie({ topLevelSite: topB })).toBe('plain=1');
    expect(await fetchCookie({})).toBe('plain=1');
    // The same name in another partition is another cookie.
    await fetchCookie({ topLevelSite: topB }, 'chip=b; Secure; SameSite=None; Partitioned; Path=/');
    expect(partitionOf('chip').sort()).toEqual([topA, topB]);
    expect(await fetchCookie({ topLevelSite: topA })).toBe('chip=a; plain=1');
    expect(await fetchCookie({ topLevelSite: topB })).toBe('plain=1; chip=b');
    // A main-frame navigation is its own top level: the page's partition, not the caller's topLevelSite.
    expect(await fetchCookie({ topLevelSite: topA, isMainFrameNavigation: true })).toBe('plain=1');
    // Without either, a request has no partition, as Electron's net requests have no cookie
    // partition key: a cookie partitioned under the origin's own site is not sent, and a
    // Partitioned cookie received is stored unpartitioned (so get({ url }) shows it).
    await fetchCookie({ topLevelSite: origin }, 'own=1; Secure; SameSite=None; Partitioned; Path=/');
    expect(partitionOf('own')).toEqual([origin.replace(/:\d+$/, '')]); // the site: no port
    expect(await fetchCookie({ topLevelSite: origin })).toBe('plain=1; own=1'); // oldest first
    expect(await fetchCookie({})).toBe('plain=1');
    expect(await fetchCookie({}, 'loose=1; Secure; SameSite=None; Partitioned; Path=/')).toBe('plain=1');
    expect(partitionOf('loose')).toEqual([null]);
    expect((await ses.cookies.get({ url: origin })).map((c: any) => c.name)).toEqual(['plain', 'loose']);
    expect(await fetchCookie({})).toBe('plain=1; loose=1');
  });

  it('makes persistent cookies durable once flushStore() resolves, with the store still open (a killed process)', async () => {
    const { adapter, location } = host.persistentStorage();
    const expirationDate = Math.round(Date.now() / 1000) + 3600;
    const store1 = await adapter.open(location);
    const jar1 = Cookies.create({ openStore: async () => store1 });
    const readCrashView = async () => {
      const view = host.crashView(location);
      const store = await view.adapter.open(view.location);
      const jar = Cookies.create({ openStore: async () => store });
      const cookies = await jar.get({});
      await jar.close();
      await store.close();
      return cookies;
    };
    try {
      await jar1.set({ url: 'https://durable.example/', name: 'p1', value: 'one', expirationDate });
      await jar1.set({ url: 'https://durable.example/x/', name: 'p2', value: 'two', path: '/x', httpOnly: true, sameSite: 'strict', expirationDate });
      await jar1.set({ url: 'https://durable.example/', name: 'session', value: 's' });
      await jar1.flushStore();
      expect(await readCrashView()).toEqual(await jar1.get({ session: false }));
      expect((await readCrashView()).map((c) => c.name)).toEqual(['p2', 'p1']);
      // Changes after a flush are durable at the next one: a removal and a new value.
      await jar1.remove('https://durable.example/', 'p1');
      await jar1.set({ url: 'https://durable.example/x/', name: 'p2', value: 'changed', path: '/x', httpOnly: true, expirationDate });
      await jar1.flushStore();
      expect((await readCrashView()).map((c) => `${c.name}=${c.value}`)).toEqual(['p2=changed']);
    } finally {
      await jar1.close();
      await store1.close();
    }
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
