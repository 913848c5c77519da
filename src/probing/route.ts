// Whether this machine has a route to an address: a UDP socket's connect() sends nothing, but
// the kernel looks up the route and refuses it at once when there is none. The fleet prober asks
// when fping stays silent about one host (fping says nothing of a packet it could not send), to
// tell a network without a route from an fping that stopped answering.
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

const NO_ROUTE: Record<string, string> = {
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  EACCES: 'sending not permitted',
  EPERM: 'sending not permitted',
};

/**
 * Why `address` cannot be reached from here, or `undefined` when a route exists (or it is a
 * name, which this does not resolve).
 */
export function noRouteTo(address: string): Promise<string | undefined> {
  const family = isIP(address);
  if (family === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    let settled = false;
    const done = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      socket.close();
      resolve(why);
    };
    socket.on('error', (err: NodeJS.ErrnoException) => done(NO_ROUTE[err.code ?? '']));
    try {
      socket.connect(9, address, (err?: NodeJS.ErrnoException) =>
        done(err ? NO_ROUTE[err.code ?? ''] : undefined),
      );
    } catch {
      done(undefined);
    }
  });
}
