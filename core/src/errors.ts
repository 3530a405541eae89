/**
 * One error class for the whole library. Branch on `code`, not on `instanceof`: two copies of the
 * library may meet in one program. Where Electron surfaces a Chromium net error, `message` keeps
 * Chromium's exact text (`net::ERR_PROXY_CONNECTION_FAILED`).
 */
export class SessionError extends Error {
  /** Stable, machine-readable code, e.g. `ERR_STORAGE_LOCKED` or `ERR_CORE_ABORT`. */
  readonly code: string;
  /** Context that helps a reader find the cause (partition, url, kernel, path ...). */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SessionError';
    this.code = code;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }
}

/** True when `err` carries `code` (works across library copies). */
export function hasCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** Describe a value for an error message: strings quoted, everything else by type. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}
