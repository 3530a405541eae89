import { argumentConversionError } from '../errors.ts';

/** Electron's `setSSLConfig` argument. */
export interface SSLConfig {
  /** Lowest TLS version; Electron accepts only `'tls1.2'` and `'tls1.3'` (default `'tls1.2'`). */
  minVersion?: 'tls1.2' | 'tls1.3';
  /** Highest TLS version (default `'tls1.3'`). */
  maxVersion?: 'tls1.2' | 'tls1.3';
  /** IANA cipher suite numbers not to offer, e.g. `[0x009c]` for TLS_RSA_WITH_AES_128_GCM_SHA256. */
  disabledCipherSuites?: number[];
}

/** The TLS settings a transport applies to new connections. */
export interface SSLConfigState {
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion: 'TLSv1.2' | 'TLSv1.3';
  /** The suites Electron was given, sorted (Electron sorts them before use). */
  readonly disabledCipherSuites: readonly number[];
  /** OpenSSL names of the TLS 1.2 suites to exclude (unknown numbers have none and are ignored). */
  readonly disabledOpenSSLCiphers: readonly string[];
  /** True for Chromium's defaults (TLS 1.2 to 1.3, nothing disabled). */
  readonly isDefault: boolean;
}

/** Chromium's defaults (net/ssl/ssl_config.h: kDefaultSSLVersionMin TLS 1.2, kDefaultSSLVersionMax TLS 1.3). */
export const DEFAULT_SSL_CONFIG: SSLConfigState = Object.freeze({
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  disabledCipherSuites: Object.freeze([]) as readonly number[],
  disabledOpenSSLCiphers: Object.freeze([]) as readonly string[],
  isDefault: true,
});

// IANA numbers → OpenSSL names for the TLS 1.2 suites BoringSSL (and so Chromium) can negotiate.
// TLS 1.3 suites (0x1301-0x1303) cannot be disabled in BoringSSL, so Chromium ignores them too.
const OPENSSL_CIPHER_NAMES: ReadonlyMap<number, string> = new Map([
  [0x000a, 'DES-CBC3-SHA'],
  [0x002f, 'AES128-SHA'],
  [0x0035, 'AES256-SHA'],
  [0x009c, 'AES128-GCM-SHA256'],
  [0x009d, 'AES256-GCM-SHA384'],
  [0xc009, 'ECDHE-ECDSA-AES128-SHA'],
  [0xc00a, 'ECDHE-ECDSA-AES256-SHA'],
  [0xc013, 'ECDHE-RSA-AES128-SHA'],
  [0xc014, 'ECDHE-RSA-AES256-SHA'],
  [0xc02b, 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  [0xc02c, 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  [0xc02f, 'ECDHE-RSA-AES128-GCM-SHA256'],
  [0xc030, 'ECDHE-RSA-AES256-GCM-SHA384'],
  [0xc035, 'ECDHE-PSK-AES128-CBC-SHA'],
  [0xc036, 'ECDHE-PSK-AES256-CBC-SHA'],
  [0xcca8, 'ECDHE-RSA-CHACHA20-POLY1305'],
  [0xcca9, 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  [0xccac, 'ECDHE-PSK-CHACHA20-POLY1305'],
]);

const VERSIONS: Readonly<Record<string, 'TLSv1.2' | 'TLSv1.3'>> = { 'tls1.2': 'TLSv1.2', 'tls1.3': 'TLSv1.3' };

// gin's argument conversion error, which Electron's Converter<network::mojom::SSLConfigPtr>
// triggers by returning false.
const conversionFailure = (value: unknown): TypeError => argumentConversionError(0, value);

/**
 * Validates `setSSLConfig`'s argument as Electron's converter does (electron
 * shell/common/gin_converters/net_converter.cc): only `'tls1.2'` and `'tls1.3'` convert (the
 * documented `'tls1'` and `'tls1.1'` were removed with Chromium 92), `disabledCipherSuites` must be
 * a list of 16-bit integers. Anything else throws gin's conversion TypeError. Beyond Electron,
 * `maxVersion` below `minVersion` throws too: Chromium would accept it and fail every handshake.
 */
export function parseSSLConfig(config: unknown): SSLConfigState {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw conversionFailure(config);
  const o = config as Record<string, unknown>;
  const version = (key: 'minVersion' | 'maxVersion', fallback: 'TLSv1.2' | 'TLSv1.3'): 'TLSv1.2' | 'TLSv1.3' => {
    if (o[key] === undefined) return fallback;
    const v = typeof o[key] === 'string' ? VERSIONS[o[key]] : undefined;
    if (!v) throw conversionFailure(config);
    return v;
  };
  const minVersion = version('minVersion', DEFAULT_SSL_CONFIG.minVersion);
  const maxVersion = version('maxVersion', DEFAULT_SSL_CONFIG.maxVersion);
  if (minVersion === 'TLSv1.3' && maxVersion === 'TLSv1.2') {
    throw new TypeError(`setSSLConfig: maxVersion "tls1.2" is lower than minVersion "tls1.3"; no TLS version would be left`);
  }
  let suites: number[] = [];
  if (o.disabledCipherSuites !== undefined) {
    const list = o.disabledCipherSuites;
    if (!Array.isArray(list) || !list.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff)) throw conversionFailure(config);
    suites = [...(list as number[])].sort((a, b) => a - b);
  }
  const names = suites.flatMap((n) => OPENSSL_CIPHER_NAMES.get(n) ?? []);
  return Object.freeze({
    minVersion,
    maxVersion,
    disabledCipherSuites: Object.freeze(suites),
    disabledOpenSSLCiphers: Object.freeze(names),
    isDefault: minVersion === DEFAULT_SSL_CONFIG.minVersion && maxVersion === DEFAULT_SSL_CONFIG.maxVersion && suites.length === 0,
  });
}
