// The wasm core's exports. Each kernel lives in its own folder; this file only re-exports.
export { abortInfoPtr, abortInfoClear, debugAbort } from './abort';
export { scratchPtr, scratchSize, scratchReserve } from './scratch';
