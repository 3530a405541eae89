import { SessionError, describeValue } from '../errors.ts';

// Lone surrogates do not survive UTF-8 (the file store) and would make two different keys collide
// on disk, so every adapter refuses them and behaves the same.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkString(method: string, what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError(`storage.${method}: ${what} must be a string, got ${describeValue(value)}`);
  }
  if (LONE_SURROGATE.test(value)) {
    throw new TypeError(
      `storage.${method}: ${what} ${JSON.stringify(value)} contains a lone surrogate (expected well-formed UTF-16, which every adapter can store)`,
    );
  }
}

/** Throw a `TypeError` naming the value unless `area` is a well-formed string. */
export function checkArea(method: string, area: unknown): asserts area is string {
  checkString(method, 'area', area);
}

/** Throw a `TypeError` naming the value unless `key` is a well-formed string. */
export function checkKey(method: string, key: unknown): asserts key is string {
  checkString(method, 'key', key);
}

/** Throw a `TypeError` naming the value unless `prefix` is a well-formed string or undefined. */
export function checkPrefix(method: string, prefix: unknown): asserts prefix is string | undefined {
  if (prefix !== undefined) checkString(method, 'prefix', prefix);
}

/** Throw a `TypeError` naming the value unless `area` is a well-formed string or undefined. */
export function checkOptionalArea(method: string, area: unknown): asserts area is string | undefined {
  if (area !== undefined) checkString(method, 'area', area);
}

/** True for any `Uint8Array` (a `Buffer` too), also one made in another realm. */
export function isUint8Array(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]');
}

/** Throw a `TypeError` naming the value unless it is a `Uint8Array`. */
export function checkValue(method: string, value: unknown): asserts value is Uint8Array {
  if (!isUint8Array(value)) {
    throw new TypeError(`storage.${method}: value must be a Uint8Array, got ${describeValue(value)} (encode strings with TextEncoder)`);
  }
}

/** Throw a `TypeError` unless `location` is a non-empty string. */
export function checkLocation(adapter: string, location: unknown): asserts location is string {
  if (typeof location !== 'string' || location === '') {
    throw new TypeError(`${adapter} storage: open(location) needs a non-empty string, got ${describeValue(location)}`);
  }
}

/** The error every method of a closed store rejects with. */
export function closedError(method: string, location: string): SessionError {
  return new SessionError(
    'ERR_STORAGE_CLOSED',
    `storage.${method}: the store for ${JSON.stringify(location)} is closed; open it again with adapter.open(location)`,
    { context: { location } },
  );
}

/** A copy with its own exact-size buffer, so callers cannot change stored bytes through a view. */
export function copyBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value);
}
