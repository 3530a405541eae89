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

/**
 * gin's argument conversion error (gin/arguments.cc Arguments::ThrowError), which Electron's native
 * methods throw synchronously when argument `index` cannot be converted to the parameter's type.
 */
export function argumentConversionError(index: number, value: unknown): TypeError {
  return new TypeError(`Error processing argument at index ${index}, conversion failure from ${detailString(value)}`);
}

/**
 * V8's `ToDetailString` (Object::NoSideEffectsToString), which gin uses to name the value: a
 * primitive as itself, a function as its source, an object whose `toString` is
 * Object.prototype.toString as `#<Constructor>`, any other as `[object Tag]`. Properties are read
 * as data only, never through a getter, as V8 reads them.
 */
export function detailString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return Function.prototype.toString.call(value);
  if (typeof value !== 'object' || value === null) return String(value);
  if (value instanceof Error || dataProperty(value, 'toString') === Error.prototype.toString) {
    const name = dataProperty(value, 'name');
    const message = dataProperty(value, 'message');
    const n = typeof name === 'string' ? name : 'Error';
    const m = typeof message === 'string' ? message : '';
    return n === '' ? m : m === '' ? n : `${n}: ${m}`;
  }
  if (dataProperty(value, 'toString') === Object.prototype.toString) {
    const ctor = dataProperty(value, 'constructor');
    if (typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name !== '') return `#<${ctor.name}>`;
  }
  const tag = dataProperty(value, Symbol.toStringTag);
  return typeof tag === 'string' ? `[object ${tag}]` : Object.prototype.toString.call(value);
}

/** `key` of `object` or its prototypes when it is a data property (undefined for a getter), as V8's GetDataProperty. */
function dataProperty(object: object, key: PropertyKey): unknown {
  for (let o: object | null = object; o !== null; o = Object.getPrototypeOf(o)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, key);
    if (descriptor !== undefined) return 'value' in descriptor ? descriptor.value : undefined;
  }
  return undefined;
}

/** gin's error when a native method gets fewer arguments than it takes. */
export function insufficientArguments(): TypeError {
  return new TypeError('Insufficient number of arguments.');
}
