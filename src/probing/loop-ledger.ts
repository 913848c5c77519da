// The bookkeeping of one fping loop (docs/fleets.md): which packet each host is due to report
// next, which packets make a tick, and which ticks fping never spoke of (a send that failed, a
// loop that died), so that every tick still gets its end line. Pure: time is passed in, and
// what it returns is written by the caller; unit-tested with a made-up clock.
import { type PacketLine, packetResult, type TickParts, tickResult } from './fping-output.js';
import type { ProbeResult } from './ping-result.js';

/** One tick's outcome, ready for its start and end lines. */
export interface LoopReport {
  host: string;
  /** When its first echo request was sent (epoch ms), or was due to be. */
  sentAt: number;
  /** When its outcome was known (epoch ms). */
  endedAt: number;
  result: ProbeResult;
}

/**
 * How long past a packet's timeout fping may stay silent about it before the prober says it was
 * not sent: fping reports every packet it sent, but a loaded machine can delay its lines.
 */
export const SILENCE_GRACE_MS = 1500;

/** How long a new fping may take to resolve its names and send its first packet. */
export const STARTUP_MS = 10_000;

interface Track {
  host: string;
  /** Its place in fping's list: fping sends in that order, `gapMs` apart. */
  index: number;
  /** The fping sequence number it reports next. */
  next: number;
  /**
   * Whether `next` matches the running fping's numbering: not until its first line, since ticks
   * may have been reported as errors (the loop was down, the name did not resolve) meanwhile.
   */
  synced: boolean;
  /** When packet `next` was due to be sent (epoch ms). */
  dueAt: number;
  /** The packets of the tick under way. */
  tick: TickParts | undefined;
  /** An ICMP error fping printed for the packet under way. */
  icmp: string | undefined;
  /** Why fping dropped the host (a name it could not resolve). */
  unresolved: string | undefined;
  /** Packets in a row fping stayed silent about (see overdue). */
  silent: number;
  /** Why fping is silent about it, when the prober found out (no route to it). */
  trouble: string | undefined;
}

export interface LedgerTiming {
  periodMs: number;
  timeoutMs: number;
  gapMs: number;
  /** Echo requests per tick: packets `k·count … k·count + count - 1` make tick `k`. */
  count: number;
}

export class LoopLedger {
  readonly #timing: LedgerTiming;
  readonly #tracks = new Map<string, Track>();
  /** Whether the running fping has printed its first line (then its timing is known). */
  #heard = false;
  /** Packets sent from this time on are not reported (the loop is being stopped or replaced). */
  #cutoff = Number.POSITIVE_INFINITY;

  constructor(timing: LedgerTiming, hosts: readonly string[]) {
    this.#timing = timing;
    for (const [index, host] of hosts.entries()) {
      this.#tracks.set(host, {
        host,
        index,
        next: 0,
        synced: false,
        dueAt: Number.POSITIVE_INFINITY,
        tick: undefined,
        icmp: undefined,
        unresolved: undefined,
        silent: 0,
        trouble: undefined,
      });
    }
  }

  get hosts(): string[] {
    return [...this.#tracks.keys()];
  }

  /** Whether the running fping has printed a packet's line yet. */
  get heard(): boolean {
    return this.#heard;
  }

  /** The host is no longer this loop's (fping dropped it, and it has a loop of its own). */
  remove(host: string): void {
    this.#tracks.delete(host);
  }

  /**
   * A new fping starts at `now`: its first packets are due once it has had time to resolve its
   * names, except a name that would not resolve, whose ticks go on being reported as errors
   * until it does. The packets due while none ran are reported as errors (`why`), unless
   * `fill` is false (the wall clock stepped: what was due is no measure of what was missed), and
   * a tick under way in the old one ends with the packets it had.
   */
  started(now: number, why: string, fill = true): LoopReport[] {
    const reports: LoopReport[] = [];
    this.#heard = false;
    for (const track of this.#tracks.values()) {
      track.silent = 0;
      // The packets due while no fping ran were never sent: the gap is in the log, as errors.
      if (track.unresolved === undefined && fill) {
        while (track.dueAt < now) this.#add(track, undefined, now, why, reports);
      }
      const report = this.#close(track, now, why);
      if (report) reports.push(report);
      track.synced = false;
      const first = now + STARTUP_MS + track.index * this.#timing.gapMs;
      track.dueAt =
        track.unresolved !== undefined && Number.isFinite(track.dueAt)
          ? Math.min(track.dueAt, first)
          : first;
    }
    return reports;
  }

  /**
   * A packet fping reported. Appends the ticks it completes (and any it skipped over) to
   * `reports`, which it returns: one array for all the lines of a read, not one a packet.
   */
  packet(line: PacketLine, now: number, reports: LoopReport[] = []): LoopReport[] {
    const track = this.#tracks.get(line.host);
    if (!track) return reports;
    if (line.sentAt >= this.#cutoff) {
      // Sent after the cut: not reported, but what came before it has all been.
      track.dueAt = Math.max(track.dueAt, line.sentAt);
      return reports;
    }
    if (!this.#heard) {
      // fping sends in list order: its first line says when the others' first packets go.
      this.#heard = true;
      const start = line.sentAt - track.index * this.#timing.gapMs;
      for (const t of this.#tracks.values()) {
        if (!t.synced && t.unresolved === undefined) t.dueAt = start + t.index * this.#timing.gapMs;
      }
    }
    if (!track.synced) {
      track.synced = true;
      track.next = line.seq;
    }
    // Late (already given up on) or a repeat: the tick has had its end line.
    if (line.seq < track.next) return reports;
    // fping says nothing of a packet it could not send (no route): those are not-sent errors.
    while (track.next < line.seq)
      this.#add(track, undefined, now, 'echo request not sent', reports);
    track.unresolved = undefined;
    const error = line.rttMs === undefined ? track.icmp : undefined;
    track.icmp = undefined;
    track.silent = 0;
    track.trouble = undefined;
    track.dueAt = line.sentAt;
    this.#add(track, line.rttMs, line.at, error, reports);
    return reports;
  }

  /** An ICMP error for a packet to `addr` (a host given as that address). */
  icmpError(addr: string, error: string): void {
    const track = this.#tracks.get(addr);
    if (track) track.icmp = error;
  }

  /**
   * fping could not resolve `host` and dropped it: from now on its ticks are errors, one per
   * period, until a fping resolves it.
   */
  unresolved(host: string, error: string, now: number): void {
    const track = this.#tracks.get(host);
    if (!track) return;
    track.unresolved = error;
    track.dueAt = Math.min(track.dueAt, now);
  }

  /**
   * The packets fping has stayed silent about for too long, each a lost packet with `why` (or
   * the host's own trouble), in as many ticks as they make.
   */
  overdue(now: number, why: string): LoopReport[] {
    const { timeoutMs } = this.#timing;
    const reports: LoopReport[] = [];
    for (const track of this.#tracks.values()) {
      while (track.dueAt < this.#cutoff && now > track.dueAt + timeoutMs + SILENCE_GRACE_MS) {
        track.silent++;
        this.#add(track, undefined, now, track.unresolved ?? track.trouble ?? why, reports);
      }
    }
    return reports;
  }

  /**
   * The hosts fping has stayed silent about for `packets` packets in a row or more, though it
   * resolved them, and for which no reason is known yet.
   */
  silentHosts(packets: number): string[] {
    const hosts: string[] = [];
    for (const t of this.#tracks.values()) {
      if (t.silent >= packets && t.unresolved === undefined && t.trouble === undefined) {
        hosts.push(t.host);
      }
    }
    return hosts;
  }

  /** Why fping is silent about `host` (no route to it): its ticks say so, until it speaks. */
  trouble(host: string, why: string): void {
    const track = this.#tracks.get(host);
    if (track) track.trouble = why;
  }

  /** From `at` on no packet is reported; `settled` tells when all sent before it have been. */
  cut(at: number): void {
    this.#cutoff = Math.min(this.#cutoff, at);
  }

  get settled(): boolean {
    return [...this.#tracks.values()].every((t) => t.dueAt >= this.#cutoff);
  }

  /** Ends the ticks under way with the packets they had: the loop is going. */
  close(now: number, why: string): LoopReport[] {
    const reports: LoopReport[] = [];
    for (const track of this.#tracks.values()) {
      const report = this.#close(track, now, why);
      if (report) reports.push(report);
    }
    return reports;
  }

  #close(track: Track, now: number, why: string): LoopReport | undefined {
    const tick = track.tick;
    if (tick === undefined) return undefined;
    track.tick = undefined;
    return {
      host: track.host,
      sentAt: tick.sentAt,
      endedAt: now,
      result: tickResult({ ...tick, error: tick.error ?? why }),
    };
  }

  /** Packet `track.next`: answered in `rttMs`, or lost (with `error` when we know why). */
  #add(
    track: Track,
    rttMs: number | undefined,
    now: number,
    error: string | undefined,
    reports: LoopReport[],
  ): void {
    const { count, periodMs } = this.#timing;
    if (count === 1) {
      const sentAt = track.dueAt;
      track.next++;
      track.dueAt += periodMs;
      reports.push({ host: track.host, sentAt, endedAt: now, result: packetResult(rttMs, error) });
      return;
    }
    track.tick ??= { sentAt: track.dueAt, rtts: [], lost: 0 };
    const tick = track.tick;
    if (rttMs === undefined) tick.lost++;
    // The first reply makes an array of one, not an empty one grown to V8's 17 elements.
    else if (tick.rtts.length === 0) tick.rtts = [rttMs];
    else tick.rtts.push(rttMs);
    if (error !== undefined) tick.error ??= error;
    track.next++;
    track.dueAt += periodMs;
    if (tick.rtts.length + tick.lost < count) return;
    track.tick = undefined;
    reports.push({ host: track.host, sentAt: tick.sentAt, endedAt: now, result: tickResult(tick) });
  }
}
