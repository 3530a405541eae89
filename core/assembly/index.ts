// The wasm core's exports. Each kernel lives in its own folder; this file only re-exports.
export { abortInfoPtr, abortInfoClear, debugAbort } from './abort';
export { scratchPtr, scratchSize, scratchReserve } from './scratch';
export {
  proxyOutPtr, bypassParse, bypassFromPattern, bypassFree, bypassSize, bypassToStrings, bypassMatch,
  bypassMatchPattern, proxyRulesParse, proxyRulesFree, proxyRulesType, proxyRulesListSize,
  proxyRulesChainScheme, proxyRulesChainText, proxyRulesApply, proxyChainsFromPac, proxyPacNormalize,
  proxyChainFromUri, proxyChainFromPacElement, proxyChainScheme, proxyChainPort, proxyChainText,
} from './proxy/kernel';
export {
  cookieOutPtr, cookieFind, cookieCommit, cookieSet, cookieLoad, cookieRemove, cookieMatch, cookieMatchLine, cookieMatchExpired, cookieShapeCount,
  cookieVersion, cookieMatchIds, cookieMatchInfoPtr,
  cookiePurgeExpired, cookieEarliestAccess, cookieSetEarliestAccess, cookieSetLimits, cookieSetLastAccess,
  cookieLastAccess, cookieCount, cookieIndexNew, cookieIndexFree, cookieIndexCount, cookieSetLine, cookieLineOutPtr, cookieLineInputPtr, cookieLineFactsPtr,
} from './cookies/kernel';
export {
  cacheIndexNew, cacheIndexFree, cacheIndexCount, cacheOutPtr, cacheInfoPtr, cacheFind, cacheLookup, cacheInsert,
  cacheUpdate, cacheSetFlags, cacheSetSize, cacheTouch, cacheRemove, cacheClear, cacheCount, cacheTotal, cacheEntry,
  cacheEntrySize, cacheEntryLastUsed, cacheIds, cacheSetMaxSize, cacheHighWatermark, cacheLowWatermark, cacheEvict,
} from './cache/kernel';
export {
  netemNew, netemFree, netemCount, netemOutPtr, netemSetConditions, netemStart, netemStop, netemTimer,
  netemNextWake, netemPending, netemRecordBytes,
} from './netem/kernel';
