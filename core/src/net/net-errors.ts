import { SessionError } from '../errors.ts';

// Chromium's net error codes (net/base/net_error_list.h) for the errors this library produces or
// that a certificate verify proc may return. Names are without the `net::` prefix.
const NET_ERROR_CODES: Readonly<Record<string, number>> = {
  ERR_FAILED: -2,
  ERR_ABORTED: -3,
  ERR_INVALID_ARGUMENT: -4,
  ERR_TIMED_OUT: -7,
  ERR_ACCESS_DENIED: -10,
  ERR_CONNECTION_CLOSED: -100,
  ERR_CONNECTION_RESET: -101,
  ERR_CONNECTION_REFUSED: -102,
  ERR_CONNECTION_ABORTED: -103,
  ERR_CONNECTION_FAILED: -104,
  ERR_NAME_NOT_RESOLVED: -105,
  ERR_INTERNET_DISCONNECTED: -106,
  ERR_SSL_PROTOCOL_ERROR: -107,
  ERR_ADDRESS_INVALID: -108,
  ERR_ADDRESS_UNREACHABLE: -109,
  ERR_CONNECTION_TIMED_OUT: -118,
  ERR_SSL_VERSION_OR_CIPHER_MISMATCH: -113,
  ERR_DNS_CACHE_MISS: -804,
  ERR_CERT_COMMON_NAME_INVALID: -200,
  ERR_CERT_DATE_INVALID: -201,
  ERR_CERT_AUTHORITY_INVALID: -202,
  ERR_CERT_CONTAINS_ERRORS: -203,
  ERR_CERT_NO_REVOCATION_MECHANISM: -204,
  ERR_CERT_UNABLE_TO_CHECK_REVOCATION: -205,
  ERR_CERT_REVOKED: -206,
  ERR_CERT_INVALID: -207,
  ERR_CERT_WEAK_SIGNATURE_ALGORITHM: -208,
  ERR_CERT_NON_UNIQUE_NAME: -210,
  ERR_CERT_WEAK_KEY: -211,
  ERR_CERT_NAME_CONSTRAINT_VIOLATION: -212,
  ERR_CERT_VALIDITY_TOO_LONG: -213,
  ERR_EMPTY_RESPONSE: -324,
  ERR_CONTENT_LENGTH_MISMATCH: -354,
  ERR_INCOMPLETE_CHUNKED_ENCODING: -355,
  ERR_CACHE_MISS: -400,
  ERR_INVALID_REDIRECT: -303,
  ERR_UNSAFE_REDIRECT: -311,
  ERR_TOO_MANY_REDIRECTS: -310,
};
const NET_ERROR_NAMES = new Map(Object.entries(NET_ERROR_CODES).map(([name, code]) => [code, name]));

/** Chromium's number for a net error name (`'ERR_CERT_AUTHORITY_INVALID'` → -202); -2 when unknown. */
export function netErrorCode(name: string): number {
  return NET_ERROR_CODES[name] ?? -2;
}

/** Chromium's name for a net error number (-202 → `'ERR_CERT_AUTHORITY_INVALID'`), or null. */
export function netErrorName(code: number): string | null {
  return NET_ERROR_NAMES.get(code) ?? null;
}

/** A SessionError carrying a Chromium net error: `code` is the name, `message` is `net::NAME`, as Electron rejects. */
export function netError(name: string, context: Record<string, unknown> = {}, cause?: unknown): SessionError {
  return new SessionError(name, `net::${name}`, cause === undefined ? { context } : { cause, context });
}

/** True when `err` already is a net error made here (or by another copy of the library). */
export function isNetError(err: unknown): err is SessionError {
  return typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string'
    && (err as { message: string }).message.startsWith('net::') && typeof (err as { code?: unknown }).code === 'string';
}

// POSIX errno names (Node's `code`) → Chromium, as net/base/net_errors_posix.cc maps them; getaddrinfo
// failures all become ERR_NAME_NOT_RESOLVED (net/dns/host_resolver_system_task.cc).
const ERRNO_TO_NET: Readonly<Record<string, string>> = {
  ENOTFOUND: 'ERR_NAME_NOT_RESOLVED',
  EAI_AGAIN: 'ERR_NAME_NOT_RESOLVED',
  EAI_NONAME: 'ERR_NAME_NOT_RESOLVED',
  EAI_FAIL: 'ERR_NAME_NOT_RESOLVED',
  ENODATA: 'ERR_NAME_NOT_RESOLVED',
  ECONNREFUSED: 'ERR_CONNECTION_REFUSED',
  ECONNRESET: 'ERR_CONNECTION_RESET',
  EPIPE: 'ERR_CONNECTION_RESET',
  ECONNABORTED: 'ERR_CONNECTION_ABORTED',
  ETIMEDOUT: 'ERR_CONNECTION_TIMED_OUT',
  UND_ERR_CONNECT_TIMEOUT: 'ERR_CONNECTION_TIMED_OUT',
  EHOSTUNREACH: 'ERR_ADDRESS_UNREACHABLE',
  ENETUNREACH: 'ERR_INTERNET_DISCONNECTED',
  EADDRNOTAVAIL: 'ERR_ADDRESS_INVALID',
  EACCES: 'ERR_ACCESS_DENIED',
  // undici: the server closed the socket before a complete response (HttpStreamParser's ERR_EMPTY_RESPONSE).
  UND_ERR_SOCKET: 'ERR_EMPTY_RESPONSE',
  // OpenSSL handshake alerts that BoringSSL reports as SSL_R_NO_SHARED_CIPHER / UNSUPPORTED_PROTOCOL
  // (net/socket/ssl_client_socket_impl.cc MapOpenSSLError).
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH',
  ERR_SSL_NO_CIPHERS_AVAILABLE: 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH',
  ERR_SSL_NO_SHARED_CIPHER: 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH',
};

// Error texts of hosts that give no `code` (Deno's hyper/rustls client, browsers' opaque TypeError).
const MESSAGE_TO_NET: ReadonlyArray<readonly [RegExp, string]> = [
  [/dns error|failed to lookup address|Name or service not known|No address associated/i, 'ERR_NAME_NOT_RESOLVED'],
  [/connection refused/i, 'ERR_CONNECTION_REFUSED'],
  [/connection reset/i, 'ERR_CONNECTION_RESET'],
  [/UnknownIssuer|self[- ]signed certificate|unable to get local issuer/i, 'ERR_CERT_AUTHORITY_INVALID'],
  [/NotValidForName|certificate is not valid for/i, 'ERR_CERT_COMMON_NAME_INVALID'],
  [/certificate (has )?expired|NotValidYet|Expired/, 'ERR_CERT_DATE_INVALID'],
];

/**
 * Chromium's net error for a certificate verification failure as OpenSSL / Node name it
 * (`socket.authorizationError`), following net/cert/cert_status_flags.cc: unknown issuers are
 * ERR_CERT_AUTHORITY_INVALID, dates ERR_CERT_DATE_INVALID, names ERR_CERT_COMMON_NAME_INVALID.
 */
export function certificateErrorName(verifyError: string): string {
  switch (verifyError) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_UNTRUSTED':
    case 'CERT_CHAIN_TOO_LONG':
      return 'ERR_CERT_AUTHORITY_INVALID';
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'ERR_CERT_DATE_INVALID';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'HOSTNAME_MISMATCH':
      return 'ERR_CERT_COMMON_NAME_INVALID';
    case 'CERT_REVOKED':
      return 'ERR_CERT_REVOKED';
    default:
      return 'ERR_CERT_INVALID';
  }
}

function* causes(err: unknown): Generator<{ code?: unknown; message?: unknown; name?: unknown }> {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current as { code?: unknown; message?: unknown };
    const inner = (current as { cause?: unknown }).cause;
    // AggregateError (happy eyeballs tried several addresses): the first attempt's error speaks for all.
    current = inner ?? (current as { errors?: unknown[] }).errors?.[0];
  }
}

/**
 * The one place a transport failure becomes Chromium's error: a SessionError `net::ERR_*` with the
 * original error as `cause` and `url` / `partition` in its context. Unknown failures are `net::ERR_FAILED`.
 */
export function toNetError(err: unknown, context: Record<string, unknown>): SessionError {
  // Net errors, and the library's own errors (a missing capability ...), pass unchanged.
  for (const e of causes(err)) if (isNetError(e) || (e.name === 'SessionError' && typeof e.code === 'string')) return e as SessionError;
  for (const e of causes(err)) {
    if (typeof e.code === 'string') {
      const mapped = ERRNO_TO_NET[e.code];
      if (mapped) return netError(mapped, context, err);
      if (e.code.startsWith('ERR_SSL_')) return netError('ERR_SSL_PROTOCOL_ERROR', context, err);
    }
  }
  for (const e of causes(err)) {
    if (typeof e.message !== 'string') continue;
    for (const [pattern, name] of MESSAGE_TO_NET) if (pattern.test(e.message)) return netError(name, context, err);
  }
  return netError('ERR_FAILED', context, err);
}

/**
 * Chromium's error for a response body cut short (net/http/http_stream_parser.cc): a declared
 * Content-Length not reached is ERR_CONTENT_LENGTH_MISMATCH, an unfinished chunked body
 * ERR_INCOMPLETE_CHUNKED_ENCODING; a reset stays ERR_CONNECTION_RESET.
 */
export function toBodyNetError(err: unknown, headers: Headers, context: Record<string, unknown>): SessionError {
  const mapped = toNetError(err, context);
  if (mapped.code !== 'ERR_EMPTY_RESPONSE' && mapped.code !== 'ERR_FAILED' && mapped.code !== 'ERR_CONNECTION_CLOSED') return mapped;
  if (headers.has('content-length')) return netError('ERR_CONTENT_LENGTH_MISMATCH', context, err);
  return netError('ERR_INCOMPLETE_CHUNKED_ENCODING', context, err);
}
