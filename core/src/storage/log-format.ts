import { crc32 } from './crc32.ts';
import type { MemoryTable } from './table-store.ts';

// The file store's log (all integers little-endian):
//   header   "SALG" u32 version(1)
//   frame*   u32 payloadLength, u32 crc32(lengthBytes ++ payload), payload
//   payload  u8 op, then per op:
//              1 set          u32 areaLen, area, u32 keyLen, key, value (the rest)
//              2 delete       u32 areaLen, area, u32 keyLen, key
//              3 clear area   u32 areaLen, area
//              4 clear all    (nothing)
// The checksum covers the length too, so a torn or flipped length cannot pass as a shorter record.

/** Bytes before the first frame. */
export const HEADER_SIZE = 8;
/** Bytes a frame adds around its payload. */
export const FRAME_OVERHEAD = 8;
/** Larger payloads are taken for corruption, so a flipped length never makes replay allocate gigabytes. */
export const MAX_PAYLOAD = 1 << 30;

const MAGIC = [0x53, 0x41, 0x4c, 0x47];
const VERSION = 1;
const OP_SET = 1;
const OP_DELETE = 2;
const OP_CLEAR_AREA = 3;
const OP_CLEAR_ALL = 4;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The 8-byte file header. */
export function logHeader(): Uint8Array {
  const header = new Uint8Array(HEADER_SIZE);
  header.set(MAGIC);
  new DataView(header.buffer).setUint32(4, VERSION, true);
  return header;
}

/** What the first bytes of a file say about it. */
export function checkHeader(data: Uint8Array): 'ok' | 'torn' | 'foreign' {
  const n = Math.min(data.length, HEADER_SIZE);
  const expected = logHeader();
  for (let i = 0; i < n; i++) if (data[i] !== expected[i]) return 'foreign';
  return n < HEADER_SIZE ? 'torn' : 'ok';
}

/** UTF-8 length of a well-formed string, without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}

/** Size on disk of a set frame; the file store counts live bytes with it. */
export function setFrameSize(areaBytes: number, keyBytes: number, valueBytes: number): number {
  return FRAME_OVERHEAD + 9 + areaBytes + keyBytes + valueBytes;
}

function frame(payloadLength: number, fill: (buf: Uint8Array, view: DataView, at: number) => void): Uint8Array {
  const buf = new Uint8Array(FRAME_OVERHEAD + payloadLength);
  const view = new DataView(buf.buffer);
  view.setUint32(0, payloadLength, true);
  fill(buf, view, FRAME_OVERHEAD);
  view.setUint32(4, crc32(buf, crc32(buf, 0, 0, 4), FRAME_OVERHEAD), true);
  return buf;
}

function putString(buf: Uint8Array, view: DataView, at: number, s: string, bytes: number): number {
  view.setUint32(at, bytes, true);
  encoder.encodeInto(s, buf.subarray(at + 4, at + 4 + bytes));
  return at + 4 + bytes;
}

/** A framed set record. */
export function encodeSet(area: string, key: string, value: Uint8Array): Uint8Array {
  const a = utf8Length(area);
  const k = utf8Length(key);
  return frame(9 + a + k + value.length, (buf, view, at) => {
    buf[at] = OP_SET;
    at = putString(buf, view, at + 1, area, a);
    at = putString(buf, view, at, key, k);
    buf.set(value, at);
  });
}

/** A framed delete record. */
export function encodeDelete(area: string, key: string): Uint8Array {
  const a = utf8Length(area);
  const k = utf8Length(key);
  return frame(9 + a + k, (buf, view, at) => {
    buf[at] = OP_DELETE;
    putString(buf, view, putString(buf, view, at + 1, area, a), key, k);
  });
}

/** A framed clear record, for one area or (no area) for all. */
export function encodeClear(area?: string): Uint8Array {
  if (area === undefined) return frame(1, (buf, _view, at) => { buf[at] = OP_CLEAR_ALL; });
  const a = utf8Length(area);
  return frame(5 + a, (buf, view, at) => {
    buf[at] = OP_CLEAR_AREA;
    putString(buf, view, at + 1, area, a);
  });
}

/** What replay found. */
export interface ReplayResult {
  /** Offset just past the last good frame; everything after it is a torn or corrupt tail. */
  validEnd: number;
  /** Good frames applied. */
  records: number;
  /** Why replay stopped before the end of the data, if it did. */
  stopReason?: string;
}

/**
 * Apply every good frame of `data` (a whole log, header included) to `table`, stopping at the
 * first frame that is cut short, fails its checksum or does not decode.
 */
export function replayLog(data: Uint8Array, table: MemoryTable): ReplayResult {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = HEADER_SIZE;
  let records = 0;
  const stop = (stopReason: string): ReplayResult => ({ validEnd: at, records, stopReason });
  while (at < data.length) {
    if (data.length - at < FRAME_OVERHEAD) return stop(`partial frame header at offset ${at}`);
    const length = view.getUint32(at, true);
    if (length === 0 || length > MAX_PAYLOAD) return stop(`impossible frame length ${length} at offset ${at}`);
    const end = at + FRAME_OVERHEAD + length;
    if (end > data.length) return stop(`frame at offset ${at} is cut short`);
    const expected = view.getUint32(at + 4, true);
    if (crc32(data, crc32(data, 0, at, at + 4), at + FRAME_OVERHEAD, end) !== expected) {
      return stop(`checksum mismatch at offset ${at}`);
    }
    if (!applyPayload(data, view, at + FRAME_OVERHEAD, end, table)) return stop(`undecodable record at offset ${at}`);
    records++;
    at = end;
  }
  return { validEnd: at, records };
}

function applyPayload(data: Uint8Array, view: DataView, at: number, end: number, table: MemoryTable): boolean {
  const op = data[at];
  let p = at + 1;
  const readString = (): string | undefined => {
    if (end - p < 4) return undefined;
    const n = view.getUint32(p, true);
    if (n > end - p - 4) return undefined;
    try {
      const s = decoder.decode(data.subarray(p + 4, p + 4 + n));
      p += 4 + n;
      return s;
    } catch {
      return undefined;
    }
  };
  if (op === OP_CLEAR_ALL) {
    if (end - p !== 0) return false;
    table.clear();
    return true;
  }
  const area = readString();
  if (area === undefined) return false;
  if (op === OP_CLEAR_AREA) {
    if (p !== end) return false;
    table.clear(area);
    return true;
  }
  const key = readString();
  if (key === undefined) return false;
  if (op === OP_SET) {
    // slice, not subarray: a value must not pin the whole file buffer in memory.
    table.set(area, key, data.slice(p, end));
    return true;
  }
  if (op === OP_DELETE) {
    if (p !== end) return false;
    table.delete(area, key);
    return true;
  }
  return false;
}
