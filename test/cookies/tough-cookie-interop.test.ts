// tough-cookie interop (`session-anywhere/tough-cookie`): export to and import from tough-cookie's
// serialized jar, checked against the real tough-cookie package, and the SessionCookieStore driven
// by a real tough-cookie CookieJar (what `got` and `fetch-cookie` do). Runs on every host.
import { describe, it, expect } from '../harness/api.ts';
import { host } from '../harness/host.ts';
import { Cookie, CookieJar, MemoryCookieStore, version as toughVersion } from 'tough-cookie';

const { session } = host;
import { CookieStore } from '../../core/src/cookies/cookie-store.ts';
import { createCanonicalCookie, cookiePartitionKeyFromUrl } from '../../core/src/cookies/canonical-cookie.ts';
import { SessionCookieStore, exportToughCookieJar, importToughCookieJar } from '../../core/src/interop/tough-cookie.ts';

const DAY = 24 * 60 * 60 * 1000;
let counter = 0;
const fresh = (label: string) => session.fromPartition(`tough-${label}-${Date.now()}-${counter++}`);

/** Promise wrapper for the callback form of a store method. */
function viaCallback<T>(run: (cb: (err: Error | null, result?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => run((err, result) => (err ? reject(err) : resolve(result))));
}

describe('exportToughCookieJar', () => {
  it("produces tough-cookie 6's serialized jar, field for field", async () => {
    const ses = fresh('export');
    const expiry = Math.floor(Date.now() / 1000) + 3600;
    await ses.cookies.set({ url: 'https://www.example.com/a/b', name: 'host', value: '1', path: '/a', secure: true, httpOnly: true, sameSite: 'strict', expirationDate: expiry });
    await ses.cookies.set({ url: 'https://www.example.com/', name: 'dom', value: '2', domain: 'example.com', sameSite: 'no_restriction' });
    await ses.cookies.set({ url: 'http://www.example.com/', name: 'plain', value: '3', sameSite: 'unspecified' });
    await ses.cookies.set({ url: 'http://[::1]:8080/', name: 'v6', value: '4', sameSite: 'lax' });

    const serialized = await exportToughCookieJar(ses.cookies);
    // The keys tough-cookie itself writes, in its order.
    expect(Object.keys(serialized)).toEqual(Object.keys(await new CookieJar().serialize()));
    expect(serialized).toMatchObject({
      version: `tough-cookie@${toughVersion}`,
      storeType: 'SessionCookieStore',
      rejectPublicSuffixes: true,
      enableLooseMode: false,
      allowSpecialUseDomain: true,
      enforceSecureOriginOnStorage: true,
      prefixSecurity: 'silent',
    });
    const [host, dom, plain, v6] = serialized.cookies as Record<string, unknown>[];
    // Cookie.toJSON(): serializableProperties order, defaults left out, dates as ISO strings.
    expect(Object.keys(host!)).toEqual(['key', 'value', 'expires', 'domain', 'path', 'secure', 'httpOnly', 'hostOnly', 'creation', 'lastAccessed', 'sameSite']);
    expect(host).toMatchObject({ key: 'host', value: '1', expires: new Date(expiry * 1000).toISOString(), domain: 'www.example.com', path: '/a', secure: true, httpOnly: true, hostOnly: true, sameSite: 'strict' });
    expect(dom).toEqual({ key: 'dom', value: '2', domain: 'example.com', path: '/', secure: true, hostOnly: false, creation: dom!['creation'], lastAccessed: dom!['lastAccessed'], sameSite: 'none' });
    expect(plain).not.toHaveProperty('sameSite');
    expect(plain).not.toHaveProperty('expires');
    expect(v6).toMatchObject({ domain: '::1', hostOnly: true, sameSite: 'lax' });
    expect(typeof host!['creation']).toBe('string');

    // What tough-cookie itself gives for a jar over the store, and what it reads back.
    expect(await new CookieJar(new SessionCookieStore(ses.cookies)).serialize()).toEqual(serialized);
    const tough = await CookieJar.deserialize(JSON.stringify(serialized));
    const again = await tough.serialize();
    expect({ ...again, storeType: 'SessionCookieStore' }).toEqual(serialized);
    expect(again.storeType).toBe('MemoryCookieStore');
  });

  it('round-trips: the deserialized tough-cookie jar sends what the session sends', async () => {
    const ses = fresh('roundtrip');
    const origin = 'https://a.example.com';
    await ses.cookies.set({ url: `${origin}/x/y`, name: 'deep', value: 'd', path: '/x/y' });
    await ses.cookies.set({ url: `${origin}/`, name: 'site', value: 's', domain: '.example.com' });
    await ses.cookies.set({ url: `${origin}/`, name: 'sec', value: 'z', secure: true });
    await ses.cookies.set({ url: `${origin}/`, name: 'ho', value: 'h', httpOnly: true, expirationDate: Date.now() / 1000 + 600 });
    await ses.cookies.set({ url: 'https://other.example.org/', name: 'o', value: 'o' });
    const tough = await CookieJar.deserialize(await exportToughCookieJar(ses.cookies));
    for (const url of [`${origin}/x/y/z`, `${origin}/`, 'http://a.example.com/x/y', 'https://b.example.com/x/y', 'https://other.example.org/p', 'https://example.com/']) {
      const ours = (await ses.cookies.get({ url })).map((c) => `${c.name}=${c.value}`);
      const theirs = (await tough.getCookies(url, { sort: true })).map((c) => c.cookieString());
      expect(theirs, url).toEqual(ours);
    }
    // Every field survives the trip.
    const byName = new Map((await tough.getCookies(`${origin}/x/y`, { sort: true })).map((c) => [c.key, c]));
    const ho = byName.get('ho')!;
    expect(ho.httpOnly).toBe(true);
    expect(ho.expires).toBeInstanceOf(Date);
    const [electronHo] = await ses.cookies.get({ name: 'ho' });
    expect(Math.abs((ho.expires as Date).getTime() - electronHo!.expirationDate! * 1000)).toBeLessThan(1);
    expect(byName.get('site')).toMatchObject({ domain: 'example.com', hostOnly: false });
    expect(byName.get('deep')).toMatchObject({ domain: 'a.example.com', hostOnly: true, path: '/x/y' });
  });

  it('takes a CookieStore, leaves partitioned cookies out, writes Priority as an extension', async () => {
    const store = new CookieStore();
    const now = Date.now();
    const url = new URL('https://shop.example/');
    for (const line of ['a=1; Priority=High', 'b=2; Secure; Partitioned; Path=/', 'c=3; Priority=low']) {
      const created = createCanonicalCookie(url, line, now, { partitionKey: cookiePartitionKeyFromUrl('https://top.example/') });
      if (!created.ok) throw new Error(created.reasons.join());
      expect(store.setCanonicalCookie(created.cookie, url, { now })).toEqual([]);
    }
    const serialized = await exportToughCookieJar(store, { prefixSecurity: 'strict', rejectPublicSuffixes: false });
    expect(serialized.prefixSecurity).toBe('strict');
    expect(serialized.rejectPublicSuffixes).toBe(false);
    expect(serialized.cookies.map((c) => [c.key, c['extensions']])).toEqual([['a', ['Priority=High']], ['c', ['Priority=Low']]]);
    // Back through import, the priority returns.
    const target = new CookieStore();
    expect(await importToughCookieJar(target, serialized)).toEqual({ imported: 2, rejected: [] });
    expect(target.getAllCookies().map((c) => [c.name, c.priority])).toEqual([['a', 'high'], ['c', 'low']]);
    store.dispose();
    target.dispose();
  });
});

describe('importToughCookieJar', () => {
  it('imports what tough-cookie serialized, with the right fields', async () => {
    const now = Date.now();
    const tough = new CookieJar();
    const at = (ms: number) => ({ now: new Date(ms) });
    tough.setCookieSync('host=1; Path=/p; Secure; HttpOnly; SameSite=Strict', 'https://www.example.com/p/q', at(now - 5000));
    tough.setCookieSync('dom=2; Domain=example.com; SameSite=None; Secure; Max-Age=3600', 'https://www.example.com/', at(now - 4000));
    tough.setCookieSync('lax=3; SameSite=Lax; Expires=' + new Date(now + 2 * DAY).toUTCString(), 'https://www.example.com/', at(now - 3000));
    tough.setCookieSync('plain=4', 'http://www.example.com/dir/page', at(now - 2000));
    tough.setCookieSync('local=5; Domain=localhost', 'http://localhost/', at(now - 1000));
    const serialized = await tough.serialize();

    const ses = fresh('import');
    const report = await importToughCookieJar(ses.cookies, serialized, { now });
    expect(report).toEqual({ imported: 5, rejected: [] });
    const all = await ses.cookies.get({});
    const get = (name: string) => all.find((c) => c.name === name);
    expect(get('host')).toEqual({ name: 'host', value: '1', domain: 'www.example.com', hostOnly: true, path: '/p', secure: true, httpOnly: true, session: true, sameSite: 'strict' });
    // Max-Age counts from lastAccessed, as tough-cookie's expiryTime() does.
    expect(get('dom')).toEqual({ name: 'dom', value: '2', domain: '.example.com', hostOnly: false, path: '/', secure: true, httpOnly: false, session: false, expirationDate: (now - 4000 + 3600_000) / 1000, sameSite: 'no_restriction' });
    expect(get('lax')).toMatchObject({ session: false, expirationDate: Math.floor((now + 2 * DAY) / 1000), sameSite: 'lax' });
    expect(get('plain')).toMatchObject({ domain: 'www.example.com', path: '/dir', sameSite: 'unspecified', session: true });
    // localhost has no registrable domain: Chromium keeps a host cookie.
    expect(get('local')).toMatchObject({ domain: 'localhost', hostOnly: true });
    // Creation times are kept (Chromium order: same path length, oldest first), and they round-trip.
    expect((await ses.cookies.get({ url: 'https://www.example.com/' })).map((c) => c.name)).toEqual(['dom', 'lax']);
    const back = await exportToughCookieJar(ses.cookies);
    expect(back.cookies.map((c) => [c.key, c['creation']])).toEqual(serialized.cookies.map((c) => [c.key, c['creation']]));
  });

  it('refuses what Chromium refuses and says why; skips expired entries; caps at 400 days', async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const base = { path: '/', hostOnly: false, creation: iso(now - 1000), lastAccessed: iso(now - 1000) };
    const serialized = {
      version: 'tough-cookie@6.1.0',
      storeType: 'MemoryCookieStore',
      rejectPublicSuffixes: true,
      cookies: [
        { key: 'ok', value: '1', domain: 'example.com', ...base },
        { key: 'psl', value: '1', domain: 'co.uk', ...base },
        { key: 'big', value: 'x'.repeat(5000), domain: 'example.com', ...base },
        { key: 'none', value: '1', domain: 'example.com', sameSite: 'none', ...base },
        { key: 'old', value: '1', domain: 'example.com', expires: iso(now - 10), ...base },
        { key: 'gone', value: '1', domain: 'example.com', maxAge: 0, ...base },
        { key: 'nodomain', value: '1', ...base },
        { key: '__Host-x', value: '1', domain: 'example.com', ...base },
        { key: 'far', value: '1', domain: 'example.com', expires: iso(now + 900 * DAY), ...base },
        { key: 'ancient', value: '1', domain: 'example.com', maxAge: 'Infinity', path: '/', hostOnly: true, creation: iso(now - 500 * DAY), lastAccessed: iso(now - DAY) },
      ],
    };
    const ses = fresh('refuse');
    const report = await importToughCookieJar(ses.cookies, JSON.stringify(serialized), { now });
    expect(report.imported).toBe(2);
    expect(report.rejected).toEqual([
      { key: 'psl', domain: 'co.uk', reasons: ['EXCLUDE_INVALID_DOMAIN'] },
      { key: 'big', domain: 'example.com', reasons: ['EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE'] },
      { key: 'none', domain: 'example.com', reasons: ['EXCLUDE_SAMESITE_NONE_INSECURE'] },
      { key: 'old', domain: 'example.com', reasons: ['EXPIRED'] },
      { key: 'gone', domain: 'example.com', reasons: ['EXPIRED'] },
      { key: 'nodomain', domain: null, reasons: ['EXCLUDE_INVALID_DOMAIN'] },
      { key: '__Host-x', domain: 'example.com', reasons: ['EXCLUDE_INVALID_PREFIX'] },
      // Never expiring, but created 500 days ago: the 400-day cap from creation has passed.
      { key: 'ancient', domain: 'example.com', reasons: ['EXPIRED'] },
    ]);
    const [far] = await ses.cookies.get({ name: 'far' });
    expect(far!.expirationDate).toBe((now - 1000 + 400 * DAY) / 1000);
  });

  it('throws a TypeError for what is not a serialized jar, before storing anything', async () => {
    const ses = fresh('errors');
    const good = { key: 'a', value: '1', domain: 'example.com', path: '/', hostOnly: true };
    const cases: Array<[unknown, RegExp]> = [
      [42, /expects a tough-cookie serialized jar .* got number 42/],
      [null, /got null/],
      [[good], /got an array/],
      ['{not json', /a string that is not JSON: "\{not json"/],
      [{ version: 'x' }, /serialized\.cookies must be an array of serialized cookies, got undefined/],
      [{ cookies: {} }, /serialized\.cookies must be an array .* got an object/],
      [{ cookies: [good, 'a=1'] }, /cookies\[1\] must be a serialized cookie object, got "a=1"/],
      [{ cookies: [good, { ...good, secure: 'yes' }] }, /cookies\[1\]\.secure must be a boolean, got "yes"/],
      [{ cookies: [{ ...good, key: 5 }] }, /cookies\[0\]\.key must be a string, got number 5/],
      [{ cookies: [{ ...good, expires: 'garbage' }] }, /cookies\[0\]\.expires must be an ISO date string.*got "garbage"/],
      [{ cookies: [{ ...good, maxAge: '10' }] }, /cookies\[0\]\.maxAge must be a number of seconds.*got "10"/],
      [{ cookies: [{ ...good, sameSite: 1 }] }, /cookies\[0\]\.sameSite must be 'strict', 'lax', 'none' or absent, got number 1/],
      [{ cookies: [{ ...good, extensions: [1] }] }, /cookies\[0\]\.extensions must be an array of strings or null, got an array/],
      [{ cookies: [{ ...good, hostOnly: 'no' }] }, /cookies\[0\]\.hostOnly must be a boolean or null, got "no"/],
      [{ cookies: [{ ...good, domain: 7 }] }, /cookies\[0\]\.domain must be a string or null, got number 7/],
    ];
    for (const [input, message] of cases) {
      const error = await importToughCookieJar(ses.cookies, input as never).then(() => null, (e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(TypeError);
      expect((error as Error).message, String(message)).toMatch(message);
    }
    expect(await ses.cookies.get({})).toEqual([]);
    await expect(importToughCookieJar({} as never, { cookies: [] } as never)).rejects.toThrow(/expects a session's cookies \(ses\.cookies\) or a CookieStore, got an object/);
    await expect(exportToughCookieJar('nope' as never)).rejects.toThrow(TypeError);
    expect(() => new SessionCookieStore(null as never)).toThrow(/SessionCookieStore expects a session's cookies .* got null/);
    await expect(importToughCookieJar(ses.cookies, { cookies: [] } as never, { now: 'soon' } as never)).rejects.toThrow(/options\.now must be a finite number of ms, got "soon"/);
  });
});

describe('SessionCookieStore', () => {
  it('backs a real tough-cookie CookieJar: what it sets, ses.cookies sees and ses.fetch sends', async () => {
    const ses = fresh('store');
    const changes: string[] = [];
    ses.cookies.on('changed', (_e: unknown, cookie: { name: string }, cause: string) => changes.push(`${cause}:${cookie.name}`));
    const store = new SessionCookieStore(ses.cookies);
    expect(store.synchronous).toBe(false);
    const jar = new CookieJar(store);
    const fixtures = host.fixturesUrl;

    const set = await jar.setCookie('tc=1; Path=/', `${fixtures}/`);
    expect(set).toBeInstanceOf(Cookie);
    await jar.setCookie('deep=2; Path=/cookies', `${fixtures}/cookies`);
    expect(changes).toEqual(['inserted:tc', 'inserted:deep']);
    expect((await ses.cookies.get({ url: fixtures })).map((c: { name: string; value: string }) => `${c.name}=${c.value}`)).toEqual(['tc=1']);
    expect(await jar.getCookieString(`${fixtures}/cookies/x`)).toBe('deep=2; tc=1');
    if (!host.capabilities.has('cookie-headers')) return void console.log(`ses.fetch part skipped on ${host.name}: no capability 'cookie-headers'`);
    // ses.fetch sends them, and what its responses set, the CookieJar reads.
    const echoed = await (await ses.fetch(`${fixtures}/cookies?set=${encodeURIComponent('fromfetch=3')}`)).json();
    expect(echoed.cookie).toBe('deep=2; tc=1');
    expect(await jar.getCookieString(`${fixtures}/cookies/x`)).toBe('deep=2; tc=1; fromfetch=3');
    expect((await jar.getCookies(`${fixtures}/`)).map((c) => c.key)).toEqual(['tc', 'fromfetch']);
    // Callback forms.
    const viaCb = await viaCallback<string>((cb) => jar.getCookieString(`${fixtures}/`, cb as never));
    expect(viaCb).toBe('tc=1; fromfetch=3');
    expect(() => jar.setCookieSync('x=1', `${fixtures}/`)).toThrow(/not synchronous/);
  });

  it('implements every Store method, promise and callback forms', async () => {
    const ses = fresh('methods');
    const store = new SessionCookieStore(ses.cookies);
    const jar = new CookieJar(store);
    await jar.setCookie('a=host', 'https://example.com/');
    await jar.setCookie('a=dom; Domain=example.com', 'https://example.com/');
    await jar.setCookie('b=1; Path=/p', 'https://www.example.com/p/q');
    await jar.setCookie('c=1', 'https://www.example.com/');

    // Host-only and domain cookies of one name are two cookies in Chromium; findCookie gives the host one.
    expect((await ses.cookies.get({ name: 'a' })).map((c) => c.domain).sort()).toEqual(['.example.com', 'example.com']);
    expect((await store.findCookie('example.com', '/', 'a'))?.value).toBe('host');
    expect((await viaCallback<Cookie | undefined>((cb) => store.findCookie('example.com', '/', 'a', cb as never)))?.hostOnly).toBe(true);
    expect(await store.findCookie('example.com', '/', 'zzz')).toBeUndefined();
    expect(await store.findCookie(null, '/', 'a')).toBeUndefined();

    const names = (list: Cookie[] | undefined) => (list ?? []).map((c) => `${c.key}@${c.domain}${c.path}`).sort();
    expect(names(await store.findCookies('www.example.com', '/p/q'))).toEqual(['a@example.com/', 'b@www.example.com/p', 'c@www.example.com/']);
    expect(names(await store.findCookies('www.example.com', null))).toEqual(['a@example.com/', 'b@www.example.com/p', 'c@www.example.com/']);
    expect(names(await viaCallback<Cookie[]>((cb) => store.findCookies('example.com', '/', true, cb as never)))).toEqual(['a@example.com/', 'a@example.com/']);
    expect(names(await viaCallback<Cookie[]>((cb) => (store.findCookies as Function)('example.com', '/', cb)))).toEqual(['a@example.com/', 'a@example.com/']);
    expect(await store.findCookies('', '/')).toEqual([]);

    expect(names(await store.getAllCookies())).toEqual(['a@example.com/', 'a@example.com/', 'b@www.example.com/p', 'c@www.example.com/']);
    expect((await viaCallback<Cookie[]>((cb) => store.getAllCookies(cb as never)))?.length).toBe(4);

    await store.removeCookie('www.example.com', '/p', 'b');
    expect(names(await store.getAllCookies())).toEqual(['a@example.com/', 'a@example.com/', 'c@www.example.com/']);
    // tough-cookie's key (domain, path, name) covers both the host-only and the domain cookie.
    await viaCallback((cb) => store.removeCookie('example.com', '/', 'a', cb as never));
    expect(names(await store.getAllCookies())).toEqual(['c@www.example.com/']);
    await store.putCookie(new Cookie({ key: 'p', value: 'v', domain: 'www.example.com', path: '/x', hostOnly: true }));
    await viaCallback((cb) => store.putCookie(new Cookie({ key: 'q', value: 'v', domain: 'www.example.com', path: '/', hostOnly: false }), cb as never));
    expect(names(await store.getAllCookies())).toEqual(['c@www.example.com/', 'p@www.example.com/x', 'q@www.example.com/']);
    await store.removeCookies('www.example.com', '/x');
    expect(names(await store.getAllCookies())).toEqual(['c@www.example.com/', 'q@www.example.com/']);
    await viaCallback((cb) => store.removeCookies('www.example.com', null, cb as never));
    expect(await store.getAllCookies()).toEqual([]);
    await jar.setCookie('z=1', 'https://example.org/');
    await viaCallback((cb) => store.removeAllCookies(cb as never));
    expect(await ses.cookies.get({})).toEqual([]);
    await jar.setCookie('z=1', 'https://example.org/');
    await jar.removeAllCookies();
    expect(await ses.cookies.get({})).toEqual([]);
  });

  it("applies Chromium's rules under tough-cookie's: overwrite, refusals, limits", async () => {
    const ses = fresh('rules');
    const refused: string[] = [];
    const jar = new CookieJar(new SessionCookieStore(ses.cookies, { onRefused: (c, reasons) => refused.push(`${c.key}:${reasons.join()}`) }));
    const url = 'https://www.example.com/';
    const creationOf = async (name: string) => (await exportToughCookieJar(ses.cookies)).cookies.find((c) => c.key === name)?.['creation'];

    await jar.setCookie('k=same', url);
    const first = await creationOf('k');
    await new Promise((r) => setTimeout(r, 5));
    await jar.setCookie('k=same; HttpOnly', url);
    expect(await creationOf('k')).toBe(first); // value unchanged: creation kept
    await new Promise((r) => setTimeout(r, 5));
    await jar.setCookie('k=changed', url);
    expect(await creationOf('k')).not.toBe(first); // value changed: a new creation time (tough-cookie would keep it)
    // Setting an expired cookie deletes, as in both.
    await jar.setCookie('k=x; Max-Age=0', url);
    expect(await ses.cookies.get({ name: 'k' })).toEqual([]);

    // tough-cookie accepts these; Chromium does not. Dropped by default, reported to onRefused.
    await jar.setCookie('n=1; SameSite=None', url);
    await jar.setCookie(`big=${'x'.repeat(4200)}`, url);
    expect(refused).toEqual(['n:EXCLUDE_SAMESITE_NONE_INSECURE', 'big:EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE']);
    expect(await ses.cookies.get({ name: 'n' })).toEqual([]);
    // strict: jar.setCookie rejects with the reasons.
    const strictJar = new CookieJar(new SessionCookieStore(ses.cookies, { strict: true }));
    const error = await strictJar.setCookie('n=1; SameSite=None', url).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'SessionError', code: 'ERR_COOKIE_REFUSED', context: { key: 'n', reasons: ['EXCLUDE_SAMESITE_NONE_INSECURE'] } });
    const viaCb = await viaCallback((cb) => strictJar.setCookie('n=1; SameSite=None', url, cb as never)).then(() => null, (e: unknown) => e);
    expect(viaCb).toMatchObject({ code: 'ERR_COOKIE_REFUSED' });

    // 400-day cap.
    await jar.setCookie('long=1; Max-Age=100000000', url);
    const [long] = await ses.cookies.get({ name: 'long' });
    expect(long!.expirationDate! * 1000 - Date.now()).toBeLessThanOrEqual(400 * 86400_000);
    // 180 cookies per registrable domain, then eviction down to 150.
    // `long` and 180 more make 181.
    for (let i = 0; i < 180; i++) await jar.setCookie(`many${i}=1`, 'https://a.example.com/');
    expect((await ses.cookies.get({})).filter((c) => c.domain!.endsWith('example.com')).length).toBe(150);
  });

  it('gives tough-cookie decoded paths, so cookies on escaped paths match there too; both forms name the cookie', async () => {
    const ses = fresh('paths');
    await ses.cookies.set({ url: 'https://example.com/', name: 'cafe', value: '1', path: '/caf%C3%A9' });
    await ses.cookies.set({ url: 'https://example.com/', name: 'sp', value: '1', path: '/a%20b' });
    const store = new SessionCookieStore(ses.cookies);
    const jar = new CookieJar(store);
    const memory = new CookieJar(new MemoryCookieStore());
    await memory.setCookie('sp=1; Path=/a b', 'https://example.com/');
    for (const [href, names] of [['https://example.com/caf%C3%A9/menu', ['cafe']], ['https://example.com/a%20b/c', ['sp']]] as const) {
      expect((await ses.cookies.get({ url: href })).map((c) => c.name)).toEqual(names);
      expect((await jar.getCookies(href)).map((c) => c.key)).toEqual(names);
      expect((await CookieJar.deserialize(await exportToughCookieJar(ses.cookies))).getCookiesSync(href).map((c) => c.key)).toEqual(names);
    }
    // tough-cookie's own store keeps the attribute as written and sends it the same way.
    expect((await memory.getCookies('https://example.com/a%20b/c')).map((c) => c.path)).toEqual(['/a b']);
    expect((await jar.getCookies('https://example.com/a%20b/c')).map((c) => c.path)).toEqual(['/a b']);
    // Set through the store with a decoded path: stored canonical, read back, removed by either form.
    await jar.setCookie('sp2=1; Path=/a b', 'https://example.com/');
    expect((await ses.cookies.get({ name: 'sp2' })).map((c) => c.path)).toEqual(['/a%20b']);
    expect((await jar.getCookies('https://example.com/a%20b/x')).map((c) => c.key).sort()).toEqual(['sp', 'sp2']);
    expect((await store.findCookie('example.com', '/a b', 'sp2'))?.key).toBe('sp2');
    await store.removeCookie('example.com', '/a b', 'sp2');
    await store.removeCookie('example.com', '/a%20b', 'sp');
    expect((await ses.cookies.get({ url: 'https://example.com/a%20b/c' })).map((c) => c.name)).toEqual([]);
    await store.removeCookies('example.com', '/caf\u00e9'); // the decoded form tough-cookie was given
    expect((await ses.cookies.get({ name: 'cafe' })).length).toBe(0);
  });

  it('acts in call order with ses.cookies once open; takes every cookie as set from https (a Store sees no URL)', async () => {
    const ses = fresh('order');
    const store = new SessionCookieStore(ses.cookies);
    await store.getAllCookies(); // opened
    const url = 'https://example.com/';
    const p1 = store.putCookie(new Cookie({ key: 'a', value: 'from-store', domain: 'example.com', path: '/', hostOnly: true }));
    const p2 = ses.cookies.set({ url, name: 'a', value: 'from-ses', sameSite: 'unspecified' });
    await Promise.all([p1, p2]);
    expect((await ses.cookies.get({ name: 'a' })).map((c) => c.value)).toEqual(['from-ses']);
    const p3 = store.removeAllCookies();
    const p4 = ses.cookies.set({ url, name: 'b', value: '1' });
    await Promise.all([p3, p4]);
    expect((await ses.cookies.get({})).map((c) => c.name)).toEqual(['b']);
    // No setting URL reaches a Store: an http page's cookie replaces a Secure one through it
    // (tough-cookie's MemoryCookieStore does the same), where ses.cookies.set from http refuses.
    const jar = new CookieJar(store);
    await jar.setCookie('sid=secret; Secure; Path=/', url);
    await jar.setCookie('sid=plain; Path=/', 'http://example.com/');
    expect((await ses.cookies.get({ name: 'sid' })).map((c) => `${c.value} ${c.secure}`)).toEqual(['plain false']);
    await jar.setCookie('sid=secret; Secure; Path=/', url);
    await expect(ses.cookies.set({ url: 'http://example.com/', name: 'sid', value: 'x' })).rejects.toThrow('EXCLUDE_OVERWRITE_SECURE');
  });

  it('deserializes a tough-cookie jar into the session (CookieJar.deserialize with the store)', async () => {
    const tough = new CookieJar(new MemoryCookieStore());
    const t0 = Date.now() - 60_000;
    tough.setCookieSync('a=1; Path=/', 'https://example.com/', { now: new Date(t0) });
    tough.setCookieSync('b=2; Domain=example.com', 'https://www.example.com/', { now: new Date(t0 + 1000) });
    const ses = fresh('deserialize');
    const jar = await CookieJar.deserialize(await tough.serialize(), new SessionCookieStore(ses.cookies));
    expect(await jar.getCookieString('https://example.com/')).toBe('a=1; b=2');
    const exported = await exportToughCookieJar(ses.cookies);
    expect(exported.cookies.map((c) => [c.key, c['creation']])).toEqual([['a', new Date(t0).toISOString()], ['b', new Date(t0 + 1000).toISOString()]]);
    // and back out with clone()
    const copy = await jar.clone(new MemoryCookieStore());
    expect(copy.getCookieStringSync('https://www.example.com/')).toBe('b=2');
  });
});
