/** The folder name under the platform's config directory (Electron uses the app's name). */
export const APP_FOLDER = 'session-anywhere';

/**
 * Electron's default `userData` folder for a platform (app.getPath('userData')):
 * `$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application Support` on macOS,
 * `%APPDATA%` on Windows, each followed by the app's folder.
 */
export function defaultUserDataPath(platform: string, home: string, getEnv: (name: string) => string | undefined): string {
  if (platform === 'win32') {
    const base = getEnv('APPDATA') ?? `${home}\\AppData\\Roaming`;
    return `${base}\\${APP_FOLDER}`;
  }
  if (platform === 'darwin') return `${home}/Library/Application Support/${APP_FOLDER}`;
  const xdg = getEnv('XDG_CONFIG_HOME');
  return `${xdg && xdg.startsWith('/') ? xdg : `${home}/.config`}/${APP_FOLDER}`;
}

/** The `(platform)` part of a Chromium User-Agent. */
export function userAgentPlatform(platform: string, arch: string): string {
  if (platform === 'win32') return 'Windows NT 10.0; Win64; x64';
  if (platform === 'darwin') return 'Macintosh; Intel Mac OS X 10_15_7';
  return `X11; Linux ${arch === 'arm64' ? 'aarch64' : 'x86_64'}`;
}
