// What the fleet prober says to fping and reads back (docs/fleets.md): the command line of one
// `fping -l` loop, its per-packet lines, its complaints on stderr, and how the packets of one
// tick make one ProbeResult. Pure; every case is unit-tested from recorded outputs.
import { classifyError, type ProbeResult, round3 } from './ping-result.js';
import type { ProbeOptions } from './probe.js';

/** What one fping loop is told: its hosts share all of these. */
export interface LoopTiming {
  /** Between two echo requests to one host (fping `-p`): the interval, split by the count. */
  periodMs: number;
  /** How long fping waits for each reply (`-t`). */
  timeoutMs: number;
  /** Between two echo requests to any of its hosts (`-i`), so a round is spread, not a burst. */
  gapMs: number;
}

/**
 * `-l` loops forever, `-D` stamps each line with the wall clock, `-e` prints the RTT; the probe
 * options map one to one onto fping's own (`-b`, `-H`, `-O`, `-S`/`-I`, `-4`/`-6`); `--` ends
 * the options, as for ping.
 */
export function fpingArguments(
  timing: LoopTiming,
  options: ProbeOptions,
  hosts: readonly string[],
): string[] {
  const args = ['-l', '-D', '-e'];
  args.push('-p', String(timing.periodMs), '-t', String(timing.timeoutMs));
  args.push('-i', String(timing.gapMs));
  if (options.family !== undefined) args.push(`-${options.family}`);
  if (options.size !== undefined) args.push('-b', String(options.size));
  if (options.ttl !== undefined) args.push('-H', String(options.ttl));
  if (options.tos !== undefined) args.push('-O', String(options.tos));
  if (options.source !== undefined) {
    // An address is a source address; anything else passed validation as an interface name.
    args.push(/^[\d.]+$|:/.test(options.source) ? '-S' : '-I', options.source);
  }
  return [...args, '--', ...hosts];
}

/**
 * The spacing of one loop's sends: half the period for the whole round, 1 ms at most (fping then
 * wakes less: 4.7 ms of CPU a second for 100 hosts at 1 ms against 11 at 5 ms and 16 at its
 * default 10 ms), 0.1 ms at least.
 */
export function loopGapMs(periodMs: number, hosts: number): number {
  const gap = periodMs / 2 / Math.max(1, hosts);
  return Math.min(1, Math.max(0.1, Math.floor(gap * 10) / 10));
}

/** A partial line longer than this is dropped: fping's lines are short. */
const MAX_LINE = 4096;

/**
 * The complete lines of `text` (what a pipe gave so far, after what was left last time), and
 * what follows the last newline, kept for the next chunk.
 */
export function splitLines(text: string): { lines: string[]; rest: string } {
  const lines: string[] = [];
  let start = 0;
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
    lines.push(text.slice(start, end));
    start = end + 1;
  }
  return { lines, rest: text.length - start > MAX_LINE ? '' : text.slice(start) };
}

/** One packet's outcome, as fping printed it on stdout. */
export interface PacketLine {
  host: string;
  /** fping's sequence number for this host, from 0 in each fping process. */
  seq: number;
  /** When the echo request was sent (epoch ms): the stamp minus the RTT or the timeout. */
  sentAt: number;
  /** When fping printed it (epoch ms): the reply came, or the timeout passed. */
  at: number;
  /** The RTT in ms; absent: timed out. */
  rttMs?: number;
}

// `[1796049194.39794] 127.0.0.1 : [0], 64 bytes, 0.039 ms (0.039 avg, 0% loss)`
// `[1796049195.17853] 10.98.0.7 : [0], timed out (NaN avg, 100% loss)`
// The host is padded to the longest name of the loop. `duplicate for [0]` lines do not match.
// Read by hand rather than by a regular expression: this runs for every packet, and a match made
// an array and four strings each time (a tenth of what the fleet prober allocated).

/** Where the reading of a line is: parsePacketLine and the readers below share it. */
let at = 0;

/**
 * The decimal number at `at` (digits, then a point and digits or not), exactly as Number() reads
 * it, and `at` after it; NaN when no digit is there.
 */
function decimal(line: string, fraction: boolean): number {
  const start = at;
  let digits = 0;
  let scale = 1;
  while (isDigit(line.charCodeAt(at))) digits = digits * 10 + (line.charCodeAt(at++) - 48);
  if (at === start) return Number.NaN;
  if (fraction && line.charCodeAt(at) === 46 && isDigit(line.charCodeAt(at + 1))) {
    at++;
    while (isDigit(line.charCodeAt(at))) {
      digits = digits * 10 + (line.charCodeAt(at++) - 48);
      scale *= 10;
    }
  }
  // Digits and scale exact (up to 2^53 and 10^22), one division: the nearest double, as Number()
  // gives. Beyond, they were not exact: Number() reads the text.
  return Number.isSafeInteger(digits) && scale <= 1e22
    ? digits / scale
    : Number(line.slice(start, at));
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Reads one stdout line; `undefined` for anything else (summaries, duplicates, noise). */
export function parsePacketLine(line: string, timeoutMs: number): PacketLine | undefined {
  if (line.charCodeAt(0) !== 91) return undefined; // [
  at = 1;
  const stamp = decimal(line, true) * 1000;
  if (Number.isNaN(stamp) || !line.startsWith('] ', at)) return undefined;
  const hostStart = at + 2;
  const hostEnd = line.indexOf(' ', hostStart);
  if (hostEnd <= hostStart) return undefined;
  at = hostEnd;
  while (line.charCodeAt(at) === 32) at++;
  if (!line.startsWith(': [', at)) return undefined;
  at += 3;
  const seq = decimal(line, false);
  if (Number.isNaN(seq) || !line.startsWith('], ', at)) return undefined;
  at += 3;
  const host = line.slice(hostStart, hostEnd);
  if (line.startsWith('timed out', at)) return { host, seq, sentAt: stamp - timeoutMs, at: stamp };
  if (Number.isNaN(decimal(line, false)) || !line.startsWith(' bytes, ', at)) return undefined;
  at += 8;
  const rttMs = decimal(line, true);
  if (Number.isNaN(rttMs) || !line.startsWith(' ms', at)) return undefined;
  return { host, seq, sentAt: stamp - rttMs, at: stamp, rttMs };
}

/** What fping said on stderr about one host, or about itself. */
export type Notice =
  /** A name it could not resolve: it dropped the host and pings the others. */
  | { kind: 'host'; host: string; error: string }
  /** An ICMP error for an echo request to `addr`; the packet's `timed out` line follows. */
  | { kind: 'icmp'; addr: string; error: string }
  /** Anything else, about fping itself: `cannot bind source address`, … */
  | { kind: 'other'; text: string };

// `ICMP Host Unreachable from 10.98.0.1 for ICMP Echo sent to 10.98.0.7`
const ICMP = /^ICMP (.+?) from \S+ for ICMP Echo sent to (\S+)/;
// `nosuch.invalid: Name or service not known`
const HOST_PROBLEM = /^(\S+): (.+)$/;

/** Reads one stderr line; `hosts` tells a host's complaint from fping's own. */
export function parseNotice(line: string, hosts: ReadonlySet<string>): Notice {
  const icmp = ICMP.exec(line);
  if (icmp) {
    const what = icmp[1] as string;
    return {
      kind: 'icmp',
      addr: icmp[2] as string,
      error: classifyError(what) ?? what.toLowerCase(),
    };
  }
  const host = HOST_PROBLEM.exec(line);
  if (host && hosts.has(host[1] as string)) {
    const text = host[2] as string;
    return { kind: 'host', host: host[1] as string, error: classifyError(text) ?? text };
  }
  return { kind: 'other', text: line.replace(/^fping: /, '') };
}

/** The packets of one tick so far. */
export interface TickParts {
  /** When its first echo request was sent (epoch ms). */
  sentAt: number;
  rtts: number[];
  lost: number;
  /** Why a packet could not be sent or answered, when fping or the prober said. */
  error?: string;
}

/**
 * The tick's result, like one `ping -c COUNT`: up with any reply (mean RTT, min, max, mdev as
 * iputils computes them), down when every echo request went unanswered, an error when none
 * could be sent or the host could not be resolved.
 */
export function tickResult(parts: TickParts): ProbeResult {
  const { rtts } = parts;
  const replies = rtts.length;
  const sent = replies + parts.lost;
  if (replies === 0 && parts.error !== undefined) return { status: 'error', error: parts.error };
  const lossPct = round3(sent === 0 ? 100 : (parts.lost / sent) * 100);
  if (replies === 0) return { status: 'down', lossPct, sent, replies };
  // One pass, nothing allocated but the result: this runs for every probe.
  let sum = 0;
  let squares = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < replies; i++) {
    const rtt = rtts[i] as number;
    sum += rtt;
    squares += rtt * rtt;
    if (rtt < min) min = rtt;
    if (rtt > max) max = rtt;
  }
  const mean = sum / replies;
  return {
    status: 'up',
    rttMs: round3(mean),
    lossPct,
    sent,
    replies,
    rttMinMs: min,
    rttMaxMs: max,
    rttMdevMs: round3(Math.sqrt(Math.max(0, squares / replies - mean * mean))),
  };
}

/**
 * tickResult of a tick of one packet (the default count), made without the tick's parts: this
 * runs for every probe, and the parts were a third of what a probe's bookkeeping allocated.
 */
export function packetResult(rttMs: number | undefined, error: string | undefined): ProbeResult {
  if (rttMs === undefined) {
    return error === undefined
      ? { status: 'down', lossPct: 100, sent: 1, replies: 0 }
      : { status: 'error', error };
  }
  // The keys in tickResult's order: one shape of object for both.
  return {
    status: 'up',
    rttMs: round3(rttMs),
    lossPct: 0,
    sent: 1,
    replies: 1,
    rttMinMs: rttMs,
    rttMaxMs: rttMs,
    rttMdevMs: 0,
  };
}
