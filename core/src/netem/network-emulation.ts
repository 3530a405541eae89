import { describeValue } from '../errors.ts';
import type { NetworkConditions } from './throttling-scheduler.ts';

/** Electron's `enableNetworkEmulation` options. */
export interface NetworkEmulationOptions {
  /** Whether to emulate a network outage (default false). */
  offline?: boolean;
  /** Round-trip latency in ms added once per request (default 0: none). */
  latency?: number;
  /** Download rate in bytes per second (default 0: not throttled). */
  downloadThroughput?: number;
  /** Upload rate in bytes per second (default 0: not throttled). */
  uploadThroughput?: number;
}

/**
 * The conditions of `ses.enableNetworkEmulation(options)`, with Electron's defaults (false and 0,
 * where 0 turns that limit off). Chromium clamps negative values to 0 silently; this library
 * rejects them, and anything that is not a finite number, with a TypeError naming the value.
 */
export function parseNetworkEmulationOptions(options: unknown): NetworkConditions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`enableNetworkEmulation expects an options object, got ${describeValue(options)}`);
  }
  const o = options as Record<string, unknown>;
  const offline = o.offline;
  if (offline !== undefined && typeof offline !== 'boolean') {
    throw new TypeError(`enableNetworkEmulation: offline must be a boolean, got ${describeValue(offline)}`);
  }
  const number = (name: 'latency' | 'downloadThroughput' | 'uploadThroughput', unit: string): number => {
    const value = o[name];
    if (value === undefined) return 0;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`enableNetworkEmulation: ${name} must be a finite number >= 0 (${unit}; 0 turns it off), got ${describeValue(value)}`);
    }
    return value;
  };
  return {
    offline: offline === true,
    latencyMs: number('latency', 'ms'),
    downloadThroughput: number('downloadThroughput', 'bytes per second'),
    uploadThroughput: number('uploadThroughput', 'bytes per second'),
  };
}

/** Conditions that throttle nothing (`disableNetworkEmulation`). */
export const NO_EMULATION: NetworkConditions = Object.freeze({ offline: false, latencyMs: 0, downloadThroughput: 0, uploadThroughput: 0 });

/**
 * Named conditions, with the numbers DevTools and Puppeteer use (`PredefinedNetworkConditions`:
 * download and upload in bytes per second, latency in ms), and Electron's documented GPRS example.
 * `'Slow 4G'` is DevTools' current name for what was `'Fast 3G'`; both are here.
 * @example ses.enableNetworkEmulation(networkPresets['Slow 3G'])
 */
export const networkPresets = Object.freeze({
  'Slow 3G': Object.freeze({ offline: false, latency: 400 * 5, downloadThroughput: ((500 * 1000) / 8) * 0.8, uploadThroughput: ((500 * 1000) / 8) * 0.8 }),
  'Fast 3G': Object.freeze({ offline: false, latency: 150 * 3.75, downloadThroughput: ((1.6 * 1000 * 1000) / 8) * 0.9, uploadThroughput: ((750 * 1000) / 8) * 0.9 }),
  'Slow 4G': Object.freeze({ offline: false, latency: 150 * 3.75, downloadThroughput: ((1.6 * 1000 * 1000) / 8) * 0.9, uploadThroughput: ((750 * 1000) / 8) * 0.9 }),
  'Fast 4G': Object.freeze({ offline: false, latency: 60 * 2.75, downloadThroughput: ((9 * 1000 * 1000) / 8) * 0.9, uploadThroughput: ((1.5 * 1000 * 1000) / 8) * 0.9 }),
  /** Electron's example: GPRS, 50 kbit/s and 500 ms. */
  GPRS: Object.freeze({ offline: false, latency: 500, downloadThroughput: 6400, uploadThroughput: 6400 }),
  Offline: Object.freeze({ offline: true, latency: 0, downloadThroughput: 0, uploadThroughput: 0 }),
} satisfies Record<string, Required<NetworkEmulationOptions>>);
