// Turns what one run of `ping` left behind (its output as parsed by the `ping` package, its exit
// status, whether we had to kill it) into a typed result. Pure, so every case is unit-tested from
// recorded outputs.
import { isIP } from 'node:net';

export type ProbeStatus = 'up' | 'down' | 'error';

export interface ProbeResult {
  status: ProbeStatus;
  /** Mean round-trip time of the replies, ms; only when at least one reply came back. */
  rttMs?: number;
  /** Packet loss in percent, 0-100; absent when ping did not get as far as counting. */
  lossPct?: number;
  /** Why the probe failed, in a few words: `unknown host`, `timeout`, … (status `error`). */
  error?: string;
  /** The address ping sent to (for a name, what it resolved to). */
  addr?: string;
  /** Echo requests sent and replies received, as ping counted them. */
  sent?: number;
  replies?: number;
  /** ping's own min, max and mdev of the replies' RTTs, ms. */
  rttMinMs?: number;
  rttMaxMs?: number;
  rttMdevMs?: number;
}

/** What ping's output says beyond the replies: the address, the counts, its RTT summary. */
export function pingFigures(
  output: string,
): Pick<ProbeResult, 'addr' | 'sent' | 'replies' | 'rttMinMs' | 'rttMaxMs' | 'rttMdevMs'> {
  const figures: ReturnType<typeof pingFigures> = {};
  // `PING 127.0.0.1 (127.0.0.1) 56(84) ...`, `PING ::1(::1) 56 data bytes`, and for a name over
  // IPv6 `PING name(name (2001:db8::1)) 56 data bytes`: the innermost parentheses hold it.
  const head = /^PING \S+? ?\(([^()\s]+)(?: \(([^()\s]+)\))?\)/m.exec(output);
  const addr = head?.[2] ?? head?.[1];
  if (addr !== undefined && isIP(addr) !== 0) figures.addr = addr;
  const counts = /^(\d+) packets transmitted, (\d+) received/m.exec(output);
  if (counts) {
    figures.sent = Number(counts[1]);
    figures.replies = Number(counts[2]);
  }
  const rtt = /^rtt min\/avg\/max\/mdev = ([\d.]+)\/[\d.]+\/([\d.]+)\/([\d.]+) ms/m.exec(output);
  if (rtt) {
    figures.rttMinMs = Number(rtt[1]);
    figures.rttMaxMs = Number(rtt[2]);
    figures.rttMdevMs = Number(rtt[3]);
  }
  return figures;
}

/** The fields of the `ping` package's PingResponse we read; the rest is not trusted. */
export interface ParsedPing {
  /** Reply times in ms, numbers (the package parses them itself). */
  times?: unknown;
  /** `"0.000"` … `"100.000"`, or `'unknown'`. */
  packetLoss?: unknown;
}

export interface PingOutcome {
  /** stdout and stderr together, as ping wrote them. */
  output: string;
  parsed: ParsedPing | undefined;
  exitCode: number | null;
  /** The signal that ended it, when one did. */
  signal: string | null;
  /** Why we killed it, if we did: it ran past its deadline, or the daemon had to exit now. */
  killed?: 'timeout' | 'shutdown';
  /** spawn itself failed (ENOENT, EACCES, EMFILE): the message. */
  spawnError?: string;
  /** The host is a name, which ping must resolve before it sends anything. */
  byName?: boolean;
}

/**
 * ping prints its statistics last: with them in its output, it finished its work (by itself, or
 * interrupted at the deadline). `0 packets transmitted` is not a result: nothing was sent in time.
 */
const finished = (output: string): boolean => /^[1-9]\d* packets transmitted/m.test(output);

/** A name that does not resolve: `start` warns of it, `status` shows the host as unresolved. */
export const UNKNOWN_HOST = 'unknown host';

// iputils ping's own words for the failures an administrator needs told apart (LANG=C).
const classified: [RegExp, string][] = [
  [/Name or service not known|unknown host|No address associated with hostname/i, UNKNOWN_HOST],
  [/Temporary failure in name resolution/i, 'name resolution failed'],
  [/Address family for hostname not supported/i, 'no address of that family'],
  [/Network is unreachable/i, 'network unreachable'],
  [/No route to host|(Host|Net|Network) Unreachable/i, 'host unreachable'],
  [/Operation not permitted|Permission denied|Lacking privilege|socket: /i, 'permission denied'],
];

/** The few words for a failure iputils (or fping) describes in `text`, if it is one we know. */
export function classifyError(text: string): string | undefined {
  return classified.find(([pattern]) => pattern.test(text))?.[1];
}

function replyTimes(parsed: ParsedPing | undefined): number[] {
  const times = parsed?.times;
  if (!Array.isArray(times)) return [];
  return times.filter((t): t is number => typeof t === 'number' && Number.isFinite(t) && t >= 0);
}

/** `"100.000"` → 100; `'unknown'` or garbage → undefined. */
export function parseLoss(value: unknown): number | undefined {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : undefined;
}

/** 27.8123 → 27.812: three decimals are as many as ping itself prints. */
export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The first line of ping's output that names a problem, cut short for the log. */
function firstLine(output: string): string {
  const line = output.split('\n').find((l) => l.trim() !== '') ?? '';
  const clean = line.replace(/^ping: /, '').replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}

export function normalise(given: PingOutcome): ProbeResult {
  if (given.spawnError !== undefined) return { status: 'error', error: given.spawnError };
  // A ping stopped at its deadline that printed its statistics (interrupted, or done before our
  // signal landed) counted what it sent: its output decides, as if it had exited by itself.
  const outcome =
    given.killed === 'timeout' && finished(given.output)
      ? {
          ...given,
          killed: undefined,
          exitCode: given.exitCode ?? (/ 0 received/.test(given.output) ? 1 : 0),
        }
      : given;
  const times = replyTimes(outcome.parsed);
  const lossPct = parseLoss(outcome.parsed?.packetLoss);
  const figures = pingFigures(outcome.output);
  const withLoss = (r: ProbeResult): ProbeResult => ({
    ...r,
    ...(lossPct === undefined ? {} : { lossPct }),
    ...figures,
  });
  // Any reply means up, even with partial loss (the package's `alive`, which we do not read, says
  // the same); the loss is reported beside it.
  if (times.length > 0 && outcome.killed === undefined) {
    const rttMs = round3(times.reduce((a, b) => a + b, 0) / times.length);
    return withLoss({ status: 'up', rttMs });
  }
  if (outcome.killed === 'timeout') {
    // iputils prints `PING name (address) ...` once the name is resolved: without it, the time
    // went on name resolution, which is worth telling apart from a silent host.
    const resolving = outcome.byName === true && !/^PING /m.test(outcome.output);
    return { status: 'error', error: resolving ? 'timeout (name resolution)' : 'timeout' };
  }
  if (outcome.killed === 'shutdown') return { status: 'error', error: 'stopped by shutdown' };
  const error = classifyError(outcome.output);
  if (error !== undefined) return { status: 'error', error };
  // Exit 1 is iputils' "no reply": the host is down. It must come with a loss figure: a program
  // that exits 1 without one is not a ping we understand.
  if (outcome.exitCode === 1 && lossPct !== undefined) return withLoss({ status: 'down' });
  if (outcome.exitCode === 0 || outcome.exitCode === 1) {
    return { status: 'error', error: 'unparseable ping output' };
  }
  if (outcome.exitCode === null)
    return { status: 'error', error: `ping killed by ${outcome.signal}` };
  const detail = firstLine(outcome.output);
  return {
    status: 'error',
    error: detail ? detail : `ping exited with status ${outcome.exitCode}`,
  };
}
