// Drop-in check: every Session member implemented so far must be assignable to the same member of
// Electron's own `Electron.Session` (node_modules/electron/electron.d.ts), so code typed against
// Electron compiles against this library. `npm run typecheck` fails if one is not.
/// <reference path="../../node_modules/electron/electron.d.ts" />
import type { Session } from '../../core/src/session/session.ts';
import type { SessionModule } from '../../core/src/session/session-module.ts';

type Assignable<A, B> = [A] extends [B] ? true : false;

/** Members of Session implemented so far; later issues add theirs here. */
type ImplementedSessionMembers =
  | 'isPersistent'
  | 'getStoragePath'
  | 'storagePath'
  | 'setUserAgent'
  | 'getUserAgent'
  | 'setProxy'
  | 'resolveProxy'
  | 'forceReloadProxyConfig'
  | 'fetch'
  | 'closeAllConnections'
  | 'preconnect'
  | 'resolveHost'
  | 'clearHostResolverCache'
  | 'setSSLConfig'
  | 'setCertificateVerifyProc'
  | 'clearStorageData'
  | 'clearData'
  | 'getCacheSize'
  | 'clearCache'
  | 'enableNetworkEmulation'
  | 'disableNetworkEmulation';

export const sessionMembers: { [K in ImplementedSessionMembers]: Assignable<Session[K], Electron.Session[K]> } = {
  isPersistent: true,
  getStoragePath: true,
  storagePath: true,
  setUserAgent: true,
  getUserAgent: true,
  setProxy: true,
  resolveProxy: true,
  forceReloadProxyConfig: true,
  fetch: true,
  closeAllConnections: true,
  preconnect: true,
  resolveHost: true,
  clearHostResolverCache: true,
  setSSLConfig: true,
  setCertificateVerifyProc: true,
  clearStorageData: true,
  clearData: true,
  getCacheSize: true,
  clearCache: true,
  enableNetworkEmulation: true,
  disableNetworkEmulation: true,
};

// ses.cookies: each method accepts what Electron's accepts and gives what Electron's gives.
type OurCookies = Session['cookies'];
type CookiesMethods = 'get' | 'set' | 'remove' | 'flushStore';
export const cookiesMembers: { [K in CookiesMethods]: Assignable<OurCookies[K], Electron.Cookies[K]> } = {
  get: true,
  set: true,
  remove: true,
  flushStore: true,
};
export const cookieStructure: Assignable<Awaited<ReturnType<OurCookies['get']>>[number], Electron.Cookie> = true;
export const cookieSetDetails: Assignable<Electron.CookiesSetDetails, Parameters<OurCookies['set']>[0]> = true;
export const cookieFilter: Assignable<Electron.CookiesGetFilter, Parameters<OurCookies['get']>[0]> = true;

// The module functions accept every argument list Electron's accept (their return type is checked
// member by member above, since Session does not have every Electron member yet).
type ElectronSessionModule = typeof Electron.session;
export const moduleMembers: { [K in 'fromPartition' | 'fromPath']: Assignable<Parameters<ElectronSessionModule[K]>, Parameters<SessionModule[K]>> } = {
  fromPartition: true,
  fromPath: true,
};

// The module's defaultSession must be usable wherever Electron's is, for the members above.
export const defaultSession: Assignable<Pick<SessionModule['defaultSession'], ImplementedSessionMembers>, Pick<Electron.Session, ImplementedSessionMembers>> = true;
