// Host validation (docs/bad-input.md). The host is the one argument that reaches `ping` from the
// user, so anything that could be read as an option, split by a shell or smuggle a control
// character is refused here, before anything is spawned.
import { isIPv4, isIPv6 } from 'node:net';

// RFC 1123: letters, digits and hyphens; labels 1-63 characters, not starting or ending with a
// hyphen; the whole name at most 253 characters; an optional trailing dot.
const label = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** The reason `host` is refused, or `undefined` when it is a valid name or address literal. */
export function hostProblem(host: string): string | undefined {
  if (host.length === 0) return 'is empty';
  if (host.startsWith('-')) return 'starts with `-` and would be read by ping as an option';
  if (/[\s\p{Cc}]/u.test(host)) return 'contains a space or control character';
  if (isIPv4(host)) return undefined;
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#]*)/i.exec(host);
  if (url) return `is a URL; give the host alone, e.g. \`${url[1] || 'example.com'}\``;
  const withPort = /^([^:]+):(\d+)$/.exec(host);
  if (withPort) {
    return `has a port (\`:${withPort[2]}\`); ping has no ports, give the host alone: \`${withPort[1]}\``;
  }
  if (host.includes(':')) {
    if (host.includes('%')) return 'is an IPv6 address with a zone id, which is not supported';
    return isIPv6(host) ? undefined : 'is not a valid IPv6 address';
  }
  if (/[^A-Za-z0-9.-]/.test(host)) {
    return 'contains characters not allowed in a host name (letters, digits, `-` and `.` only)';
  }
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253) return 'is longer than 253 characters';
  const labels = name.split('.');
  if (!labels.every((l) => label.test(l))) {
    return 'is not a valid host name (labels of 1-63 letters, digits or inner `-`)';
  }
  // All-numeric names such as `2130706433` or `127.1` are not RFC 1123 names, and ping would read
  // them as an abbreviated IPv4 address: refuse rather than guess which address is meant.
  if (labels.every((l) => /^(0x[0-9a-f]*|\d+)$/i.test(l))) {
    return 'is a numeric form that is not a dotted-quad IPv4 address';
  }
  return undefined;
}

/**
 * The one spelling of a host, so that `localhost`, `LOCALHOST` and `localhost.` are one host
 * (names are case-insensitive, and the trailing dot names the same name) and `::1` and
 * `0:0:0:0:0:0:0:1` one address. Only for hosts hostProblem accepts.
 */
export function canonicalHost(host: string): string {
  if (isIPv4(host)) return host;
  if (isIPv6(host)) return new URL(`http://[${host}]/`).hostname.slice(1, -1);
  return host.toLowerCase().replace(/\.$/, '');
}
