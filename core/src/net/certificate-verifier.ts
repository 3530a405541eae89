import { certificateErrorName, netErrorCode, netErrorName } from './net-errors.ts';

/** Electron's `CertificatePrincipal`. */
export interface CertificatePrincipal {
  commonName: string;
  organizations: string[];
  organizationUnits: string[];
  locality: string;
  state: string;
  country: string;
}

/** Electron's `Certificate`. */
export interface Certificate {
  /** PEM encoded data. */
  data: string;
  issuer: CertificatePrincipal;
  issuerName: string;
  /** The issuer's certificate when the server sent it; absent for the last certificate of a chain. */
  issuerCert: Certificate;
  subject: CertificatePrincipal;
  subjectName: string;
  /** Hex value. */
  serialNumber: string;
  /** Seconds since the UNIX epoch. */
  validStart: number;
  validExpiry: number;
  /** `sha256/<base64>` of the DER bytes. */
  fingerprint: string;
}

/** The request object a certificate verify proc receives (Electron's `Request` of setCertificateVerifyProc). */
export interface CertificateVerifyRequest {
  hostname: string;
  certificate: Certificate;
  validatedCertificate: Certificate;
  isIssuedByKnownRoot: boolean;
  /** `'net::OK'` or the net error the default verification gave, e.g. `'net::ERR_CERT_AUTHORITY_INVALID'`. */
  verificationResult: string;
  /** The number for `verificationResult` (0, -202, ...). */
  errorCode: number;
}

/** Electron's verify proc: call `callback(0)` to trust, `-2` to reject, `-3` for the default result. */
export type CertificateVerifyProc = (request: CertificateVerifyRequest, callback: (verificationResult: number) => void) => void;

/** One certificate as a transport read it from the TLS handshake (host-neutral; no parsing here). */
export interface PeerCertificate {
  der: Uint8Array;
  sha256: Uint8Array;
  subject: Readonly<Record<string, string | readonly string[] | undefined>>;
  issuer: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Upper-case hex. */
  serialNumber: string;
  /** Milliseconds since the epoch. */
  validFrom: number;
  validTo: number;
}

/** What a transport hands the session to decide whether a TLS connection may be used. */
export interface CertificateCheck {
  /** The host the request is for (the SNI name). */
  hostname: string;
  /** The server's chain, leaf first. */
  chain: readonly PeerCertificate[];
  /** The host's own verification failure (OpenSSL / Node names such as `DEPTH_ZERO_SELF_SIGNED_CERT`), or null when it trusted the chain. */
  defaultError: string | null;
  /** Whether the host's default roots anchored the chain. */
  issuedByKnownRoot: boolean;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function principal(fields: PeerCertificate['subject']): CertificatePrincipal {
  const list = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : [...v]);
  const first = (v: string | readonly string[] | undefined): string => list(v)[0] ?? '';
  return {
    commonName: first(fields.CN),
    organizations: list(fields.O),
    organizationUnits: list(fields.OU),
    locality: first(fields.L),
    state: first(fields.ST),
    country: first(fields.C),
  };
}

// net::CertPrincipal::GetDisplayName: the common name, else the first organization, else the first unit.
function displayName(p: CertificatePrincipal): string {
  return p.commonName || p.organizations[0] || p.organizationUnits[0] || '';
}

/** Electron's `Certificate` for `chain[index]`, linking `issuerCert` to the rest of the chain. */
export function toElectronCertificate(chain: readonly PeerCertificate[], index = 0): Certificate {
  const cert = chain[index]!;
  const pemBody = toBase64(cert.der).replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n');
  const subject = principal(cert.subject);
  const issuer = principal(cert.issuer);
  const result = {
    data: `-----BEGIN CERTIFICATE-----\n${pemBody}-----END CERTIFICATE-----\n`,
    issuer,
    issuerName: displayName(issuer),
    subject,
    subjectName: displayName(subject),
    serialNumber: cert.serialNumber,
    validStart: cert.validFrom / 1000,
    validExpiry: cert.validTo / 1000,
    fingerprint: `sha256/${toBase64(cert.sha256)}`,
  } as Certificate;
  if (index + 1 < chain.length) result.issuerCert = toElectronCertificate(chain, index + 1);
  return result;
}

/**
 * A session's certificate verification: the host's default result, or the answer of the proc set
 * with `setCertificateVerifyProc` (electron shell/browser/net/cert_verifier_client.cc). Results are
 * cached per host name and certificate until the proc changes, as Chromium's CachingCertVerifier
 * does (Electron's spec sees one proc call for two loads).
 */
export class CertificateVerifier {
  #proc: CertificateVerifyProc | null = null;
  #cache = new Map<string, Promise<number>>();

  /** Installs or removes the proc; non-function non-null values throw Electron's TypeError. */
  setProc(proc: unknown): void {
    if (proc !== null && typeof proc !== 'function') throw new TypeError('Must pass null or function');
    this.#proc = proc as CertificateVerifyProc | null;
    this.#cache = new Map();
  }

  /** Whether a proc is installed. */
  get hasProc(): boolean {
    return this.#proc !== null;
  }

  /** Resolves 0 to use the connection, or the (negative) Chromium net error that fails it. */
  verify(check: CertificateCheck): Promise<number> {
    const defaultCode = check.defaultError === null ? 0 : netErrorCode(certificateErrorName(check.defaultError));
    const proc = this.#proc;
    if (!proc || check.chain.length === 0) return Promise.resolve(defaultCode);
    const leaf = check.chain[0]!;
    const key = `${check.hostname}|${toBase64(leaf.sha256)}|${defaultCode}`;
    let answer = this.#cache.get(key);
    if (!answer) {
      answer = askProc(proc, check, defaultCode);
      this.#cache.set(key, answer);
    }
    return answer;
  }
}

function askProc(proc: CertificateVerifyProc, check: CertificateCheck, defaultCode: number): Promise<number> {
  const certificate = toElectronCertificate(check.chain);
  const request: CertificateVerifyRequest = {
    hostname: check.hostname,
    certificate,
    validatedCertificate: certificate,
    isIssuedByKnownRoot: check.issuedByKnownRoot,
    verificationResult: defaultCode === 0 ? 'net::OK' : `net::${netErrorName(defaultCode) ?? 'ERR_FAILED'}`,
    errorCode: defaultCode,
  };
  return new Promise<number>((resolve) => {
    let called = false;
    const callback = (result: number): void => {
      if (called) return;
      called = true;
      // cert_verifier_client.cc: -3 (ERR_ABORTED) means "use Chromium's result"; 0 trusts; any
      // other value is the net error the connection fails with.
      if (result === -3) resolve(defaultCode);
      else if (result === 0) resolve(0);
      else resolve(Number.isInteger(result) && result < 0 ? result : -2);
    };
    try {
      proc(request, callback);
    } catch {
      // A proc that throws never answers in Electron (the load hangs); failing the connection is kinder.
      callback(-2);
    }
  });
}
