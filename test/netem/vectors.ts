// ../shared/vectors/netem/chromium-throttling.json as the netem tests read it: per request vector
// the expected outcome of each transaction, and for TICKS the tick length per preset.
import { readFileSync } from 'node:fs';

export interface VectorOutcome {
  headers_us: number | null;
  eof_us: number | null;
  error: number | null;
  error_us: number | null;
  data_events: number;
  data_us?: number[];
}

export interface NetemVector {
  id: string;
  desc: string;
  params: Record<string, number>;
  expect: VectorOutcome[] | Record<string, { throughput_Bps: number; tick_us: number; effective_Bps: number }>;
}

export function loadNetemVectors(): NetemVector[] {
  return JSON.parse(readFileSync(new URL('../../../shared/vectors/netem/chromium-throttling.json', import.meta.url), 'utf8')) as NetemVector[];
}
