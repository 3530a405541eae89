/** PAC script execution: a QuickJS sandbox with Chromium's PAC environment. */
export {
  createPacResolver,
  pacHostArgument,
  sanitizeUrlForPac,
  DEFAULT_PAC_MEMORY_LIMIT_BYTES,
  DEFAULT_PAC_TIMEOUT_MS,
  type PacResolver,
  type PacResolverOptions,
} from './pac-resolver.ts';
export { PacSandbox, MAX_HOST_LOOKUPS_PER_REQUEST, type PacSandboxOptions } from './pac-sandbox.ts';
export { findMyIpAddresses, type MyIpAddressMode } from './my-ip-address.ts';
export { performHostLookup, type PacHostPorts } from './pac-host-lookups.ts';
export { isInNetEx, isPlainHostName, sortIpAddressList, toDnsHostname, type PacHostOperation } from './pac-bindings.ts';
export { formatIpAddress, isIpLiteral, parseCidrBlock, parseIpLiteral, type IpAddress } from './ip-literal.ts';
export { PAC_UTILITY_LIBRARY } from './pac-library.ts';
