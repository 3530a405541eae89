// The cookie kernel's exports. Key bytes come in through the scratch window as
// [registrable domain][name][domain][path][value] (request calls: [registrable domain][host][path]);
// results are ids, or (id, cause) pairs, in an i32 list whose address `cookieOutPtr()` returns.
// Many independent indexes live in one instance: `cookieIndexNew` returns a handle that every
// other export takes first; a wrong or freed handle aborts (the host then rebuilds).
// Times are µs since the epoch (f64); the host passes `now`, the core has no clock.

import { scratchPtr } from '../scratch';
import { parseSetCookieLine, LINE_OUT, LINE_INPUT, LINE_FACTS, LINE_INPUT_SIZE, L_KEY_LEN, L_NAME_LEN, L_DOMAIN_LEN, L_PATH_LEN, L_VALUE_LEN, L_FLAGS, L_SAME_SITE, L_PRIORITY, L_EXPIRY } from './line';
import { bytesEqual } from './intern';
import { shapeLive } from './shape';
import {
  CAUSE_EXPIRED_OVERWRITE, CAUSE_OVERWRITE, FLAG_HTTP_ONLY, J, collectDomain, collectGlobal, collectPartitioned, foundBucket,
  findEquivalent, foundId, insertFound, insertRecord, jarCount, jarFree, jarNew, jarSelect, lastExpiredCount, listPush, liveRec,
  appendLine, keepMatch, matchMinExpiry, matchRequest, out, purgeAllExpired, removeRecord, rec, secureBlocked, setEarliestAccess, setLimitsEnabled, verifyIndex,
} from './store';

/** Commit status bits; the number of (id, cause) pairs written is `status >>> 8`. */
const STATUS_EXCLUDE_OVERWRITE_SECURE: i32 = 1;
const STATUS_EXCLUDE_OVERWRITE_HTTP_ONLY: i32 = 2;
const STATUS_INSERTED: i32 = 4;
const STATUS_GLOBAL_PASS: i32 = 8;
/** `cookieSet`: an equivalent cookie with the same value bytes exists (its id is the first output entry). */
const STATUS_INHERITED: i32 = 16;
const COMMIT_SKIP_HTTP_ONLY: i32 = 1;

/**
 * Handle of the index the last `cookieFind` prepared a commit for (0 = none). Any other call that
 * changes an index clears it: the ids the find resolved (interned strings, bucket) are shared.
 */
let prepared: i32 = 0;
let pRegLen = 0, pNameLen = 0, pDomainLen = 0, pPathLen = 0, pPartition = 0;
/** Where the prepared key's bytes start (the scratch window, unless `cookieSetLine` built them). */
let pBase: usize = 0;

/** Creates an empty cookie index and returns its handle (>= 1). */
export function cookieIndexNew(): i32 {
  return jarNew();
}

/** Frees a cookie index and everything it holds; the handle becomes invalid. */
export function cookieIndexFree(index: i32): void {
  prepared = 0;
  jarFree(index);
}

/** Number of live cookie indexes in this instance. */
export function cookieIndexCount(): i32 {
  return jarCount();
}

/** Address of the i32 output list of the last call (shared by all indexes). */
export function cookieOutPtr(): usize {
  return out.ptr;
}

/**
 * Looks up the cookie equivalent to the key in scratch (same name, domain, path, partition) and
 * remembers the key for `cookieCommit`. Returns its id or -1. O(1) expected (a hash table);
 * with `allowSecure` 0 it also scans the bucket's Secure cookies ("Leave Secure Cookies Alone").
 * A negative partition aborts.
 */
export function cookieFind(index: i32, regLen: i32, nameLen: i32, domainLen: i32, pathLen: i32, partition: i32, allowSecure: i32): i32 {
  findPrepared(index, regLen, nameLen, domainLen, pathLen, partition, allowSecure);
  prepared = index;
  return foundId;
}

/** Selects the jar, finds the equivalent of the key in scratch and keeps the key for the commit; returns the path's address. */
function findPrepared(index: i32, regLen: i32, nameLen: i32, domainLen: i32, pathLen: i32, partition: i32, allowSecure: i32, base: usize = scratchPtr()): usize {
  jarSelect(index);
  pBase = base;
  const name = base + <usize>regLen;
  const domain = name + <usize>nameLen;
  const path = domain + <usize>domainLen;
  findEquivalent(base, regLen, name, nameLen, domain, domainLen, path, pathLen, partition, allowSecure != 0);
  pRegLen = regLen;
  pNameLen = nameLen;
  pDomainLen = domainLen;
  pPathLen = pathLen;
  pPartition = partition;
  return path;
}

/**
 * Sets the cookie whose key the preceding `cookieFind` saw (scratch unchanged since; the value's
 * `valueLen` bytes follow the path there): the
 * set-time exclusions, the overwrite (cause overwrite / expired-overwrite), the insert unless
 * already expired, then garbage collection. Returns status bits | pairs << 8. Aborts unless that
 * find was on the same index and no call that changes any index (load, remove, match, purge,
 * free) ran in between.
 */
export function cookieCommit(
  index: i32,
  id: i32, creation: f64, seq: f64, access: f64, expiry: f64, flags: i32, sameSite: i32, priority: i32,
  size: i32, now: f64, options: i32, valueLen: i32,
): i32 {
  jarSelect(index);
  if (prepared != index) abort('cookie index: cookieCommit without cookieFind on the same index');
  return commitPrepared(id, creation, seq, access, expiry, flags, sameSite, priority, size, now, options, valueLen);
}

/**
 * `cookieFind` and `cookieCommit` in one call, scratch [registrable domain][name][domain][path]
 * [value]: when the equivalent cookie has the same value bytes, the new one keeps its creation
 * time and sequence (Chromium keeps the creation date of an unchanged value) and the status has
 * bit 16. Whenever there is an equivalent cookie its id is the first output entry (also on the
 * exclusions, which write nothing else).
 */
export function cookieSet(
  index: i32, regLen: i32, nameLen: i32, domainLen: i32, pathLen: i32, valueLen: i32, partition: i32, allowSecure: i32,
  id: i32, creation: f64, seq: f64, access: f64, expiry: f64, flags: i32, sameSite: i32, priority: i32,
  size: i32, now: f64, options: i32,
): i32 {
  return setAt(scratchPtr(), index, regLen, nameLen, domainLen, pathLen, valueLen, partition, allowSecure,
    id, creation, seq, access, expiry, flags, sameSite, priority, size, now, options);
}

function setAt(
  base: usize, index: i32, regLen: i32, nameLen: i32, domainLen: i32, pathLen: i32, valueLen: i32, partition: i32, allowSecure: i32,
  id: i32, creation: f64, seq: f64, access: f64, expiry: f64, flags: i32, sameSite: i32, priority: i32,
  size: i32, now: f64, options: i32,
): i32 {
  const path = findPrepared(index, regLen, nameLen, domainLen, pathLen, partition, allowSecure, base);
  let inherited = 0;
  if (foundId >= 0) {
    const r = rec(foundId);
    if (r.valueLen == valueLen && bytesEqual(r.namePtr + <usize>r.nameLen + 1, path + <usize>pathLen, valueLen)) {
      creation = r.creation;
      seq = r.seq;
      inherited = STATUS_INHERITED;
    }
  }
  const status = commitPrepared(id, creation, seq, access, expiry, flags, sameSite, priority, size, now, options, valueLen);
  if (foundId >= 0 && (status & 3) != 0) {
    out.len = 0;
    listPush(out, foundId);
  }
  return status | inherited;
}

function commitPrepared(
  id: i32, creation: f64, seq: f64, access: f64, expiry: f64, flags: i32, sameSite: i32, priority: i32,
  size: i32, now: f64, options: i32, valueLen: i32,
): i32 {
  prepared = 0;
  out.len = 0;
  let status = 0;
  if (secureBlocked) status |= STATUS_EXCLUDE_OVERWRITE_SECURE;
  if (foundId >= 0 && (options & COMMIT_SKIP_HTTP_ONLY) != 0 && (rec(foundId).flags & FLAG_HTTP_ONLY) != 0) {
    status |= STATUS_EXCLUDE_OVERWRITE_HTTP_ONLY;
  }
  if (status != 0) return status;
  const alreadyExpired = now >= expiry;
  // The new cookie goes in before the equivalent one goes out (same final state; the ids the
  // find resolved stay valid).
  let bi = -1;
  if (!alreadyExpired) {
    const base = pBase;
    const name = base + <usize>pRegLen;
    const domain = name + <usize>pNameLen;
    const path = domain + <usize>pDomainLen;
    bi = insertFound(id, base, pRegLen, name, pNameLen, domain, pDomainLen, path, pPathLen, path + <usize>pPathLen, valueLen, pPartition,
      creation, seq, access, expiry, flags, sameSite, priority, size);
  }
  if (foundId >= 0) {
    removeRecord(foundId);
    listPush(out, foundId);
    listPush(out, alreadyExpired ? CAUSE_EXPIRED_OVERWRITE : CAUSE_OVERWRITE);
  }
  if (!alreadyExpired) status |= STATUS_INSERTED;
  else bi = foundBucket();
  // Chromium collects whenever the set is included, an already-expired cookie too (the key's
  // cookies, when it has some left, then the global pass).
  if (J.limitsEnabled) {
    if (pPartition != 0) {
      if (bi >= 0) collectPartitioned(bi, now);
    } else {
      if (bi >= 0) collectDomain(bi, now);
      collectGlobal(now);
      if (J.globalPassRan) status |= STATUS_GLOBAL_PASS;
    }
  }
  return status | ((out.len >> 1) << 8);
}

/**
 * Adds a cookie as a store load does: no equivalence check, no garbage collection. (A duplicate
 * key is kept; a later `cookieFind` returns one of the duplicates.) A negative partition aborts.
 */
export function cookieLoad(
  index: i32,
  id: i32, regLen: i32, nameLen: i32, domainLen: i32, pathLen: i32, partition: i32, creation: f64, seq: f64,
  access: f64, expiry: f64, flags: i32, sameSite: i32, priority: i32, size: i32, valueLen: i32,
): void {
  prepared = 0;
  jarSelect(index);
  const base = scratchPtr();
  const name = base + <usize>regLen;
  const domain = name + <usize>nameLen;
  const path = domain + <usize>domainLen;
  insertRecord(id, base, regLen, name, nameLen, domain, domainLen, path, pathLen, path + <usize>pathLen, valueLen, partition,
    creation, seq, access, expiry, flags, sameSite, priority, size);
}

/** Removes a cookie by id; aborts on an id that is not in the index. */
export function cookieRemove(index: i32, id: i32): void {
  prepared = 0;
  jarSelect(index);
  removeRecord(id);
}

/**
 * The ids sent with a request for [registrable domain][host][path] in scratch, in Chromium's
 * order; expired cookies of the buckets read are deleted and listed after them
 * (`cookieMatchExpired`), then the number of matches whose last access time moved (flag 4) and
 * their ids. The output list is [matches][expired][touched count][touched]. partition: a
 * partition key id, 0 for none, -1 for every partition of the registrable domain
 * (CookiePartitionKeyCollection::ContainsAll). flags: 1 secure (or trustworthy) URL, 2 include
 * HttpOnly, 4 update access times, 8 include unpartitioned cookies. context: 0 cross-site,
 * 1 lax (unsafe method), 2 lax, 3 strict.
 */
export function cookieMatch(index: i32, regLen: i32, hostLen: i32, pathLen: i32, partition: i32, flags: i32, context: i32, now: f64): i32 {
  prepared = 0;
  jarSelect(index);
  const base = scratchPtr();
  const host = base + <usize>regLen;
  const path = host + <usize>hostLen;
  return matchRequest(base, regLen, host, hostLen, path, pathLen, partition, flags, context, now);
}

/** What `cookieMatchIds` learned besides the ids: [f64 min expiry][i32 expired][i32 version][i32 kept at][i32 output at]. */
@lazy const MATCH_INFO: usize = memory.data(24, 8);

/** The address of `cookieMatchIds`'s info record (fixed for the instance). */
export function cookieMatchInfoPtr(): usize {
  return MATCH_INFO;
}

/**
 * `cookieMatch`, then what a host reads after it, in one call, in the record at
 * `cookieMatchInfoPtr()`: a lower bound (µs) of the expiries in the buckets read (after their
 * sweep; Infinity when none was read), the expired count (`cookieMatchExpired`), the jar's change
 * counter (`cookieVersion`), where the matches were kept for this index when `keep` is 1 (they
 * stay there until its next keep or its free; else 0) and the output list's address (`cookieOutPtr`).
 */
export function cookieMatchIds(index: i32, regLen: i32, hostLen: i32, pathLen: i32, partition: i32, flags: i32, context: i32, now: f64, keep: i32): i32 {
  const matched = cookieMatch(index, regLen, hostLen, pathLen, partition, flags, context, now);
  store<f64>(MATCH_INFO, matchMinExpiry);
  store<i32>(MATCH_INFO, lastExpiredCount(), 8);
  store<i32>(MATCH_INFO, J.pairsVersion, 12);
  // Keeping allocates: the output list is read after it (it does not move, keepMatch copies from it).
  store<i32>(MATCH_INFO, keep != 0 ? <i32>keepMatch(matched) : 0, 16);
  store<i32>(MATCH_INFO, <i32>out.ptr, 20);
  return matched;
}

/**
 * `cookieMatch`, and the Cookie header line of the matches (`name=value` pairs, a nameless
 * cookie's bare value, joined by "; "): the output list is [matches][expired][touched count]
 * [touched][line address][line bytes][kind]: kind 0 ASCII, 1 some byte >= 0x80 (UTF-8), 2 the
 * same ids and pairs as this index's previous line (nothing built: the host reuses its string).
 * The line stays valid until the next call of this export.
 */
export function cookieMatchLine(index: i32, regLen: i32, hostLen: i32, pathLen: i32, partition: i32, flags: i32, context: i32, now: f64): i32 {
  const matched = cookieMatch(index, regLen, hostLen, pathLen, partition, flags, context, now);
  appendLine(matched);
  return matched;
}

/**
 * The jar's change counter (bumped by every record filled or removed). With the min expiry of
 * `cookieMatchIds`, a lower bound of the expiries in the buckets that match read: while the
 * counter is unchanged and `now` is below that bound, the same request without access-time
 * updates (and not in the lax-unsafe context) matches the same ids in the same order.
 */
export function cookieVersion(index: i32): i32 {
  jarSelect(index);
  return J.pairsVersion;
}

/** Number of live cookie shapes in this instance (shared by all its indexes). */
export function cookieShapeCount(): i32 {
  return shapeLive();
}

/** Number of expired ids the last `cookieMatch` deleted (after its matches in the output). */
export function cookieMatchExpired(index: i32): i32 {
  jarSelect(index);
  return lastExpiredCount();
}

/** Deletes every expired cookie; returns the number of (id, cause expired) pairs written. */
export function cookiePurgeExpired(index: i32, now: f64): i32 {
  prepared = 0;
  jarSelect(index);
  purgeAllExpired(now);
  return out.len >> 1;
}

/** Chromium's `earliest_access_time_` (-Infinity = not yet known). */
export function cookieEarliestAccess(index: i32): f64 {
  jarSelect(index);
  return J.earliestAccess;
}

export function cookieSetEarliestAccess(index: i32, t: f64): void {
  jarSelect(index);
  setEarliestAccess(t);
}

/** Turns CookieMonster's limits and garbage collection on (1) or off (0, benchmarks only). */
export function cookieSetLimits(index: i32, on: i32): void {
  jarSelect(index);
  setLimitsEnabled(on != 0);
}

/** Sets a cookie's last access time (store loads, tests). */
export function cookieSetLastAccess(index: i32, id: i32, t: f64): void {
  jarSelect(index);
  liveRec(id).access = t;
}

/** A cookie's last access time. */
export function cookieLastAccess(index: i32, id: i32): f64 {
  jarSelect(index);
  return liveRec(id).access;
}

/**
 * Number of cookies: all (`mode` 0) or only unpartitioned (1). Mode 2 is a self-check for tests
 * (O(n)): the count of all cookies when the equivalence table, the buckets' Secure counts and the
 * chains of partitioned buckets are consistent, -1 otherwise.
 */
export function cookieCount(index: i32, mode: i32): i32 {
  jarSelect(index);
  if (mode == 2) return verifyIndex();
  return mode != 0 ? J.unpartitionedCount : J.totalCount;
}

/**
 * One Set-Cookie line for the common case, parsed, created and set in one call (ParsedCookie,
 * CanonicalCookie::Create, the context checks of SetCanonicalCookie, then `cookieSet`): the line's
 * bytes are at `cookieLineInputPtr()`, [registrable domain of the host][host][default path] at
 * `cookieLineFactsPtr()` (8192 bytes each). Returns -1, having touched nothing, for any line or
 * case it does not decide exactly as the host's general path (see line.ts); otherwise the
 * `cookieSet` status, with the cookie's fields in the block at `cookieLineOutPtr()` (the key is
 * built in the scratch window). flags: 1 cryptographic scheme, 2 cross-site context.
 */
export function cookieSetLine(
  index: i32, regLen: i32, hostLen: i32, defaultPathLen: i32, lineLen: i32, flags: i32,
  id: i32, seq: f64, nowMs: f64, skewMs: f64,
): i32 {
  if (lineLen > LINE_INPUT_SIZE || regLen + hostLen + defaultPathLen > LINE_INPUT_SIZE) return -1;
  const base = scratchPtr();
  if (!parseSetCookieLine(LINE_FACTS, regLen, hostLen, defaultPathLen, LINE_INPUT, lineLen, flags, nowMs, skewMs, base)) return -1;
  const o = LINE_OUT;
  const keyLen = load<i32>(o + L_KEY_LEN);
  const nameLen = load<i32>(o + L_NAME_LEN);
  const domainLen = load<i32>(o + L_DOMAIN_LEN);
  const pathLen = load<i32>(o + L_PATH_LEN);
  const valueLen = load<i32>(o + L_VALUE_LEN);
  const expiryMs = load<f64>(o + L_EXPIRY);
  const nowUs = nowMs * 1000;
  return setAt(base, index, keyLen, nameLen, domainLen, pathLen, valueLen, 0, (flags & 1) != 0 ? 1 : 0,
    id, nowUs, seq, nowUs, isNaN(expiryMs) ? Infinity : expiryMs * 1000, load<i32>(o + L_FLAGS), load<i32>(o + L_SAME_SITE), load<i32>(o + L_PRIORITY),
    nameLen + valueLen, nowUs, 0);
}

/** Address of the field block `cookieSetLine` fills (see line.ts for the layout). */
export function cookieLineOutPtr(): usize {
  return LINE_OUT;
}

/** Where the host writes the line for `cookieSetLine`. */
export function cookieLineInputPtr(): usize {
  return LINE_INPUT;
}

/** Where the host writes [registrable domain][host][default path] for `cookieSetLine`. */
export function cookieLineFactsPtr(): usize {
  return LINE_FACTS;
}
