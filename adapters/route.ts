/** The first entry of a PAC-style proxy list, in the form a transport needs. */
export type Route =
  | { kind: 'direct' }
  | { kind: 'http' | 'https'; url: string; text: string }
  | { kind: 'socks'; version: 4 | 5; hostPort: string; text: string };

/** Parses the first element of a normalised PAC string (`PROXY h:p;DIRECT` → http proxy h:p). */
export function firstRoute(pac: string): Route {
  const first = pac.split(';', 1)[0] ?? 'DIRECT';
  if (first === 'DIRECT' || first === '') return { kind: 'direct' };
  const space = first.indexOf(' ');
  const type = first.slice(0, space);
  const hostPort = first.slice(space + 1);
  switch (type) {
    case 'PROXY':
      return { kind: 'http', url: `http://${hostPort}`, text: first };
    case 'HTTPS':
      return { kind: 'https', url: `https://${hostPort}`, text: first };
    case 'SOCKS':
      return { kind: 'socks', version: 4, hostPort, text: first };
    default:
      return { kind: 'socks', version: 5, hostPort, text: first };
  }
}
