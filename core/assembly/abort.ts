// A custom abort keeps the module free of imports: it records the message in a static slot and
// traps. The TypeScript side catches the trap, reads the slot and throws a typed error.
// (A global cannot be written here: abort is compiled before globals are initialised.)

// @ts-ignore: decorator
@lazy const ABORT_INFO: usize = memory.data(16);

export function coreAbort(message: string | null = null, fileName: string | null = null, lineNumber: u32 = 0, columnNumber: u32 = 0): void {
  store<usize>(ABORT_INFO, changetype<usize>(message));
  store<usize>(ABORT_INFO, changetype<usize>(fileName), 4);
  store<u32>(ABORT_INFO, lineNumber, 8);
  store<u32>(ABORT_INFO, columnNumber, 12);
  unreachable();
}

/** Address of the 16-byte slot: message ptr, file ptr, line, column. */
export function abortInfoPtr(): usize {
  return ABORT_INFO;
}

/** Clears the slot, so a later trap without an abort (e.g. out of bounds) is not misreported. */
export function abortInfoClear(): void {
  memory.fill(ABORT_INFO, 0, 16);
}

/** Test hook: aborts with a known message so the host's error path can be exercised. */
export function debugAbort(code: i32): i32 {
  if (code == 1) abort('requested abort');
  return code;
}
