// Who may hold the metrics listener's connections. Each connection is a descriptor the probes
// need, so they are capped; but a cap that turns the newest connection away lets anyone who holds
// the cap's worth of idle connections shut Prometheus out (300 held: 0 of 10 scrapes answered).
// So new connections are let in, and idle ones close to make room: once a peer holds more than
// its share, its own; once the listener holds more than the cap, those of the peer holding the
// most; in both cases those that never sent a byte first, oldest first. A connection whose
// request is being answered never goes. A peer is a user when the connection comes from this
// machine (the kernel's socket table, /proc/net/tcp, names the owner of the other end), else an
// address: so a local user's hundreds of connections make room only among themselves, never at
// the expense of Prometheus's.
//
// The choice is made two turns of the event loop after a connection comes, and a connection that
// has not yet sent a byte is spared for its first YOUNG_MS: a client that asks at once, as a
// scrape does, is read by then even on a loaded machine, so a batch of connections accepted
// together cannot push out a scrape before its request is even read. (Two turns alone were not
// enough: a scrape accepted amid a wave of 200 reconnects was closed before its request came,
// once in some thousands of scrapes under CI's load.) The young count toward the cap (HARD_CAP,
// less under a low limit of descriptors): at it, the oldest idle connections of anyone close, an
// eighth of it, those that never sent a byte first, so a new connection still finds room and the
// newest (a scrape among them) stay; only when every held connection is being answered is a new
// one refused, so descriptors stay bounded. Choosing is pure (`excess`, `makeRoom`, `capFor`).
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';

export const CONNECTION_LIMITS = {
  /** All peers together. */
  total: 64,
  /** One remote address (every local user shares 127.0.0.1: the order above still serves them). */
  perPeer: 16,
};

/** The socket table is read at most this often. */
const OWNERS_EVERY_MS = 250;

/**
 * Held at most, the young included, and never more than a quarter of the descriptors the process
 * may open (`capFor`: 64 under a limit of 256, so the probes and logs keep theirs): reaching it
 * closes the oldest idle down to an eighth below it.
 */
export const HARD_CAP = 256;

/** A connection that has sent nothing yet is not closed for it this long (see above). */
export const YOUNG_MS = 1000;

/** The cap under a limit of `nofile` open files (see HARD_CAP). */
export function capFor(nofile: number, limits = CONNECTION_LIMITS): number {
  return Math.min(HARD_CAP, Math.max(limits.perPeer, Math.floor(nofile / 4)));
}

/** Where the oldest idle close down to once `cap` is reached. */
export const roomAt = (cap: number): number => cap - Math.ceil(cap / 8);

/** The soft limit of open files of this process, from /proc/self/limits (1024 if unknown). */
function openFilesLimit(): number {
  try {
    const m = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    if (m?.[1] === 'unlimited') return Number.POSITIVE_INFINITY;
    const n = Number(m?.[1]);
    return Number.isFinite(n) && n > 0 ? n : 1024;
  } catch {
    return 1024;
  }
}

export interface Held {
  peer: string;
  /** A request of it is being answered. */
  busy: boolean;
  /** It has sent something. */
  heard: boolean;
  /** It has sent nothing and came less than YOUNG_MS ago: not closed by `excess`. */
  young?: boolean;
}

/** Idle connections of `held` (oldest first) in the order they may go: the silent, then the rest. */
function idleInOrder(held: readonly Held[], own: readonly number[]): number[] {
  const idle = own.filter((i) => !(held[i] as Held).busy);
  const silent = idle.filter((i) => !(held[i] as Held).heard);
  const heard = idle.filter((i) => (held[i] as Held).heard);
  return [...silent, ...heard];
}

/**
 * The connections of `held` (oldest first) to close so that at most `keep` remain, whoever holds
 * them: the oldest that never sent a byte, then the oldest idle; never one being answered.
 */
export function makeRoom(held: readonly Held[], keep: number): number[] {
  const all = held.map((_, i) => i);
  return idleInOrder(held, all)
    .slice(0, Math.max(0, held.length - keep))
    .sort((a, b) => a - b);
}

/**
 * The connections of `held` (oldest first) to close, by index, so that the limits hold. Linear in
 * the connections: it runs at every burst of them, under a flood too.
 */
export function excess(held: readonly Held[], limits = CONNECTION_LIMITS): number[] {
  const byPeer = new Map<string, number[]>();
  for (const [i, h] of held.entries()) {
    const own = byPeer.get(h.peer);
    if (own) own.push(i);
    else byPeer.set(h.peer, [i]);
  }
  /** Up to `n` of `own` that may go: the idle ones that never sent a byte, then the other idle. */
  const victims = (own: number[], n: number): number[] =>
    idleInOrder(held, own)
      .filter((i) => !(held[i] as Held).young)
      .slice(0, n);
  const gone: number[] = [];
  const drop = (peer: string, own: number[], n: number): number => {
    const going = victims(own, n);
    const set = new Set(going);
    byPeer.set(
      peer,
      own.filter((i) => !set.has(i)),
    );
    gone.push(...going);
    return going.length;
  };
  for (const [peer, own] of [...byPeer]) {
    if (own.length > limits.perPeer) drop(peer, own, own.length - limits.perPeer);
  }
  let left = held.length - gone.length;
  while (left > limits.total) {
    // The peer holding the most that has an idle one to give.
    let heaviest: [string, number[]] | undefined;
    for (const entry of byPeer) {
      if (
        (heaviest === undefined || entry[1].length > heaviest[1].length) &&
        victims(entry[1], 1).length > 0
      ) {
        heaviest = entry;
      }
    }
    if (heaviest === undefined) break;
    left -= drop(heaviest[0], heaviest[1], 1);
  }
  return gone.sort((a, b) => a - b);
}

/**
 * The owners of this machine's connections to `port`, by the port they come from, from the text
 * of /proc/net/tcp or /proc/net/tcp6: the lines whose remote end is `port` are the clients'.
 */
export function ownersByPort(table: string, port: number): Map<number, number> {
  const owners = new Map<number, number>();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of table.split('\n')) {
    const f = line.trim().split(/\s+/);
    // sl, local_address, rem_address, st, tx:rx, tr:when, retrnsmt, uid, …
    const local = f[1];
    const remote = f[2];
    if (local === undefined || !remote?.endsWith(`:${hex}`)) continue;
    owners.set(Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16), Number(f[7]));
  }
  return owners;
}

/** The owners of local connections to `port` (see ownersByPort); empty where /proc says nothing. */
function localOwners(port: number): Map<number, number> {
  const owners = new Map<number, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const [from, uid] of ownersByPort(readFileSync(file, 'latin1'), port)) {
        owners.set(from, uid);
      }
    } catch {
      // No IPv6, or no /proc: peers are addresses.
    }
  }
  return owners;
}

/** This machine's addresses, as a socket names its peer (IPv4 ones also as `::ffff:a.b.c.d`). */
function localAddresses(): Set<string> {
  const here = new Set<string>(['::1']);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      here.add(a.address);
      if (a.family === 'IPv4') here.add(`::ffff:${a.address}`);
    }
  }
  return here;
}

/** Whether `address` is this machine's: the whole of 127.0.0.0/8, or one of its interfaces'. */
function isLocal(address: string, here: Set<string>): boolean {
  return /^(::ffff:)?127\./.test(address) || here.has(address);
}

interface Tracked {
  socket: Socket;
  peer: string;
  busy: boolean;
  /** When it came (performance.now()). */
  since: number;
}

/** Whether it has sent anything. */
const heard = (t: Tracked): boolean => t.socket.bytesRead > 0;

export class ConnectionGuard {
  /** In the order they last began to wait: a Map keeps insertion order. */
  readonly #held = new Map<Socket, Tracked>();
  readonly #limits: typeof CONNECTION_LIMITS;
  #settling = false;
  /** Who owns which local connection, by its port, as last read (see #settle). */
  #owners = new Map<number, number>();
  #ownersAt = Number.NEGATIVE_INFINITY;
  /** A settle once the young spared by the last one are no longer young. */
  #later: NodeJS.Timeout | undefined;
  readonly #cap: number;

  constructor(limits = CONNECTION_LIMITS, nofile = openFilesLimit()) {
    this.#limits = limits;
    this.#cap = capFor(nofile, limits);
  }

  /** A new connection: held, and the limits enforced soon (see above). */
  admit(socket: Socket): void {
    if (this.#held.size >= this.#cap) this.#makeRoom();
    if (this.#held.size >= this.#cap) {
      socket.destroy();
      return;
    }
    const peer = socket.remoteAddress ?? '';
    this.#held.set(socket, { socket, peer, busy: false, since: performance.now() });
    socket.once('close', () => this.#held.delete(socket));
    if (this.#settling) return;
    this.#settling = true;
    setImmediate(() =>
      setImmediate(() => {
        this.#settling = false;
        this.#settle();
      }),
    );
  }

  /** A request of `socket` is being answered. */
  busy(socket: Socket): void {
    const t = this.#held.get(socket);
    if (t) t.busy = true;
  }

  /** Its answer is out: it waits again, as the newest. */
  idle(socket: Socket): void {
    const t = this.#held.get(socket);
    if (!t) return;
    t.busy = false;
    this.#held.delete(socket);
    this.#held.set(socket, t);
  }

  /** At the cap: the oldest idle of anyone close, an eighth below it (see above). */
  #makeRoom(): void {
    const held = [...this.#held.values()];
    const view = held.map((t) => ({ peer: t.peer, busy: t.busy, heard: heard(t) }));
    for (const i of makeRoom(view, roomAt(this.#cap))) this.#close(held[i] as Tracked);
  }

  #close(t: Tracked): void {
    this.#held.delete(t.socket);
    t.socket.destroy();
  }

  #settle(): void {
    const held = [...this.#held.values()];
    if (held.length <= this.#limits.perPeer) return;
    const now = performance.now();
    const young = held.map((t) => !heard(t) && now - t.since < YOUNG_MS);
    if (young.some(Boolean) && this.#later === undefined) {
      // Those spared now are judged again once they are no longer young, new connections or not.
      this.#later = setTimeout(() => {
        this.#later = undefined;
        this.#settle();
      }, YOUNG_MS);
      this.#later.unref();
    }
    const here = localAddresses();
    const local = held.map((t) => isLocal(t.peer, here));
    const choose = (owners: Map<number, number>) => {
      const view = held.map((t, i) => {
        // Only a connection from this machine has its other end in this machine's table.
        const uid = local[i] ? owners.get(t.socket.remotePort ?? -1) : undefined;
        return {
          peer: uid === undefined ? t.peer : `uid ${uid}`,
          busy: t.busy,
          heard: heard(t),
          young: young[i] as boolean,
        };
      });
      return { view, gone: excess(view, this.#limits) };
    };
    let { view, gone } = choose(this.#owners);
    // Silent connections going is no one's loss. A local one that has asked something going
    // might be Prometheus's, pushed out by another user's: then who owns what is read (the
    // socket table costs milliseconds to read under a flood, so at most every OWNERS_EVERY_MS).
    const unsure = gone.some(
      (i) => view[i]?.heard && local[i] && !view[i]?.peer.startsWith('uid '),
    );
    const port = held[0]?.socket.localPort;
    if (unsure && port !== undefined && performance.now() - this.#ownersAt >= OWNERS_EVERY_MS) {
      this.#ownersAt = performance.now();
      this.#owners = localOwners(port);
      ({ gone } = choose(this.#owners));
    }
    for (const i of gone) this.#close(held[i] as Tracked);
  }
}
