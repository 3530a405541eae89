// Partition names become folder names the way Electron makes them
// (shell/browser/electron_browser_context.cc MakePartitionName): lower-cased with ASCII rules, then
// escaped with base::EscapePath, which percent-encodes (upper-case hex) control characters,
// non-ASCII bytes, space, DEL and "#%:<>?[\]^`{|}, and leaves '/' and '.' alone.

const ESCAPED = new Set('"#%:<>?[\\]^`{|} ');

/** Electron's folder name for `persist:NAME` (without the `Partitions/` prefix). */
export function partitionFolderName(name: string): string {
  const lower = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
  let out = '';
  for (const byte of new TextEncoder().encode(lower)) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x20 || byte >= 0x7f || ESCAPED.has(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/** Joins path segments with `/` (the hosts convert to their own separator where needed). */
export function joinPath(base: string, ...parts: string[]): string {
  let out = base.replace(/[\\/]+$/, '');
  for (const p of parts) out += `/${p}`;
  return out;
}

/** An absolute path on any platform this library runs on (POSIX `/x`, Windows `C:\x`, `\\server\x`). */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}
