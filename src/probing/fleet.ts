// The fleet prober (`--prober fping`, docs/fleets.md): hosts that are probed alike share one
// long-lived `fping -l` loop, and a probe costs the daemon the reading of one line instead of a
// fork. This module owns the fping processes: it starts them, reads them, starts a dead one
// again with backoff, replaces one whose hosts change, and kills them all in stop() or abort().
// The bookkeeping of packets and ticks is loop-ledger.ts; fping's words are fping-output.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { readSync } from 'node:fs';
import { isIP } from 'node:net';
import { constants } from 'node:os';
import { formatDuration } from '../config/duration.js';
import type { ProbeTarget } from '../config/targets.js';
import { describeErrno } from '../errors.js';
import { settleWithin } from '../settle.js';
import {
  fpingArguments,
  type LoopTiming,
  loopGapMs,
  parseNotice,
  parsePacketLine,
  splitLines,
} from './fping-output.js';
import { LoopLedger, type LoopReport, SILENCE_GRACE_MS, STARTUP_MS } from './loop-ledger.js';
import { PING_ENV } from './ping-env.js';
import { noRouteTo } from './route.js';

export interface FleetParts {
  fpingPath: string;
  /** Wall-clock epoch ms: fping stamps its lines with it. */
  now(): number;
  /** Monotonic ms (performance.now()), to tell a step of the wall clock from time passing. */
  monotonic?(): number;
  /** The ticks whose outcome is now known, together: they are written in one go. */
  report(reports: LoopReport[]): void;
  /** Logs an event, rate-limited by the service (EventLimiter). */
  log(level: 'info' | 'warn', kind: string, key: string, fields: object, message: string): void;
}

export interface FleetControl {
  add(target: ProbeTarget): void;
  remove(host: string): void;
  /** Lets every packet already sent be reported, then ends the loops. */
  stop(): Promise<void>;
  /** Ends the loops now. */
  abort(): void;
}

/** The most lines a loop lets wait in fping's stdout: about a third of what it holds. */
const WAITING_LINES = 100;

/**
 * How often a loop reads what fping printed, and looks for packets it stayed silent about: once
 * a period, at most every second, and often enough that no more than WAITING_LINES wait. Each
 * read is one wake-up of the daemon (on a virtual machine a wake-up alone costs a quarter of a
 * millisecond), and the times in the log come from fping's own stamps, so batching delays lines
 * without moving them. But fping must never wait to write: its stdout is a socket, which holds
 * only some 280 of its small writes, and a blocked fping sends late. Its replies come in a burst,
 * one every `gapMs` (fping's -i), so a loop of more hosts than that is read within the time
 * WAITING_LINES of them take (1,000 hosts, 0.5 ms apart: every 50 ms; read every 100 ms, the
 * echo requests went 128 ms off their schedule at p99, against 8 ms).
 */
export function readEveryMs(periodMs: number, hosts: number, gapMs: number): number {
  const forLines = hosts <= WAITING_LINES ? periodMs : WAITING_LINES * gapMs;
  return Math.max(10, Math.min(1000, periodMs, Math.floor(forLines)));
}

/** A dead fping is started again after 1 s, then 2, 4, … up to a minute. */
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;
/** A loop that ran this long before it died starts again after FIRST_BACKOFF_MS. */
const STABLE_MS = 60_000;
/** How long a loop that was stopped waits for its killed fping to be gone. */
const EXIT_WAIT_MS = 1000;
/** How long the shell has to kill and reap fping before its whole group is killed. */
const KILL_GRACE_MS = 300;

/**
 * A change of the wall clock against the monotonic one of this much between two reads is a step
 * (settimeofday, an NTP step, a resume), not drift: fping 5 schedules by the wall clock, so
 * forward it sends every packet it thinks it missed at once, and backward it sends nothing until
 * the clock catches up. Its loops are started again at once, on the new clock.
 */
export const CLOCK_STEP_MS = 1000;

/**
 * Periods in a row fping may stay silent, about all its hosts (stopped, wedged) or about one
 * that has a route, before it is killed and started again.
 */
export const SILENT_PERIODS = 3;

/** Of a loop silent about all its hosts, this many are asked for a route, again this often. */
const ROUTES_ASKED = 16;
const ROUTES_AGAIN_MS = 10_000;

/** fping is started again for its silence about one host at most this often. */
const REPLACE_AGAIN_MS = 600_000;

/** How far a line's stamp may stray from the read that took it (fping prints, then we read). */
const SETTLE_MS = 100;

/**
 * The shell between the daemon and fping. It keeps the daemon's end of a pipe as its stdin, and
 * when that pipe ends, however the daemon ended (SIGKILL included), it kills fping: no probe
 * process outlives the daemon. (PR_SET_PDEATHSIG would not do: the kernel clears it when fping,
 * which has file capabilities, is executed by a user who gains them.)
 */
const WRAPPER = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'child=$!',
  '{ read -r _ <&3; kill -KILL "$child"; } 2>/dev/null &',
  'wait "$child" 2>/dev/null',
  'status=$?',
  // The watcher too is reaped here, not left to an init that may never reap it.
  'kill "$!" 2>/dev/null',
  'wait "$!" 2>/dev/null',
  'exit "$status"',
].join('\n');

/** The shell exits 128 + N when fping was killed by signal N. */
function exitText(code: number | null): string {
  const name = Object.entries(constants.signals).find(([, n]) => code === 128 + n)?.[0];
  return name ? `killed by ${name}` : `exited with status ${code}`;
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

interface BatchReader {
  /** Everything the pipe holds now, without waiting. */
  take(): string;
}

/**
 * Reads a child's stdout only when asked: at each read tick, everything fping printed since the
 * last one, in that same wake-up, instead of one wake-up of the event loop per line, which
 * measured three times the CPU (docs/fleets.md). Node's stream API cannot do that: pause() only
 * stops the 'data' events, and even a handle whose reading was stopped still wakes the loop once
 * when data comes. So the stream's handle is stopped for good and its descriptor (non-blocking,
 * as libuv made it) is read directly, until it holds nothing more. Where a Node version does not
 * expose the handle, the pipe is simply read as lines come.
 */
function batchReader(stream: NodeJS.ReadableStream | null): BatchReader | undefined {
  const handle = (stream as unknown as { _handle?: { fd?: unknown; readStop?: unknown } })?._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0 || typeof handle?.readStop !== 'function') return;
  (handle as { readStop(): number }).readStop();
  const buffer = Buffer.allocUnsafe(1 << 16);
  return {
    take: () => {
      let text = '';
      for (;;) {
        let length: number;
        try {
          length = readSync(fd, buffer, 0, buffer.length, null);
        } catch {
          break; // EAGAIN: nothing more for now
        }
        text += buffer.toString('latin1', 0, length);
        if (length < buffer.length) break; // all of it, or the end (fping is gone)
      }
      return text;
    },
  };
}

/** The hosts probed alike: same timing, count and probe options. */
function groupKey(t: ProbeTarget): string {
  return JSON.stringify([t.intervalMs, t.timeoutMs, t.count, t.options ?? {}]);
}

/** One fping process and the hosts it probes. */
class Loop {
  readonly #parts: FleetParts;
  readonly #target: ProbeTarget;
  readonly #timing: LoopTiming;
  readonly #ledger: LoopLedger;
  #child: ChildProcess | undefined;
  #startedAt = 0;
  /** When fping last printed a packet's line, or was started (monotonic ms). */
  #heardAt = 0;
  /** Wall clock minus monotonic clock at the last read: a jump of it is a step. */
  #skew: number;
  /** The wall clock at the last read. */
  #readAt: number;
  /** The fping being killed for silence, so that it is killed once. */
  #silenced: ChildProcess | undefined;
  /** Hosts whose route is being looked up. */
  readonly #asking = new Set<string>();
  /** A silent fping whose hosts had no route is left alone until then (monotonic ms). */
  #routesCheckedUntil = 0;
  /** When fping was last started again for its silence about a host (monotonic ms). */
  readonly #replacedFor = new Map<string, number>();
  /** When fping was last found gone. */
  #diedAt = 0;
  #backoffMs = 0;
  #restart: NodeJS.Timeout | undefined;
  readonly #watch: NodeJS.Timeout;
  /** Why fping is not running, while it is not. */
  #down: string | undefined = 'starting';
  /** fping's last complaint about itself, for the message when it dies. */
  #lastWords: string | undefined;
  /** What fping printed on stdout since the last read, up to a partial line. */
  #unread = '';
  #reader: BatchReader | undefined;
  #ending: (() => void) | undefined;
  /** Resolves when the current fping's shell has exited. */
  #exited: Promise<void> = Promise.resolve();
  #ended = false;
  /** Told when fping dropped a host it could not resolve: the fleet gives it its own loop. */
  readonly #onDropped: (host: string, error: string) => void;

  constructor(
    parts: FleetParts,
    targets: readonly ProbeTarget[],
    onDropped: (host: string, error: string) => void,
    delayMs = 0,
  ) {
    const first = targets[0] as ProbeTarget;
    this.#parts = parts;
    this.#target = first;
    this.#onDropped = onDropped;
    this.#readAt = parts.now();
    this.#skew = this.#readAt - this.#mono();
    const periodMs = first.intervalMs / first.count;
    this.#timing = {
      periodMs,
      timeoutMs: Math.min(first.timeoutMs, first.count > 1 ? periodMs : first.timeoutMs),
      gapMs: loopGapMs(periodMs, targets.length),
    };
    this.#ledger = new LoopLedger(
      { ...this.#timing, count: first.count },
      targets.map((t) => t.host),
    );
    this.#watch = setInterval(
      () => this.#read(),
      readEveryMs(periodMs, targets.length, this.#timing.gapMs),
    );
    this.#later(delayMs);
  }

  get hosts(): string[] {
    return this.#ledger.hosts;
  }

  /** A name fping could not resolve gets its own loop, so this one need not be replaced. */
  forget(host: string): void {
    this.#ledger.remove(host);
  }

  /** Takes on a host another loop could not resolve: its ticks are errors until this one does. */
  unresolved(host: string, error: string): void {
    this.#ledger.unresolved(host, error, this.#parts.now());
  }

  #later(delayMs: number): void {
    if (delayMs <= 0) this.#spawn();
    else this.#restart = setTimeout(() => this.#spawn(), delayMs);
  }

  #mono(): number {
    return this.#parts.monotonic?.() ?? performance.now();
  }

  /** `fill`: the packets due while none ran are errors (not after a step of the clock). */
  #spawn(fill = true): void {
    this.#restart = undefined;
    if (this.#ended) return;
    const hosts = this.#ledger.hosts;
    const now = this.#parts.now();
    const gap = this.#down !== 'starting' ? now - this.#diedAt : 0;
    this.#emit(this.#ledger.started(now, this.#down ?? 'fping restarted', fill));
    this.#startedAt = now;
    this.#heardAt = this.#mono();
    this.#lastWords = undefined;
    const options = this.#target.options ?? {};
    let child: ChildProcess;
    try {
      child = spawn(
        '/bin/sh',
        [
          '-c',
          WRAPPER,
          'fping-loop',
          this.#parts.fpingPath,
          ...fpingArguments(this.#timing, options, hosts),
        ],
        // Its own process group, as for ping: Ctrl-C reaches the daemon only, and one kill
        // reaches the shell, its watcher and fping.
        { env: PING_ENV, stdio: ['pipe', 'pipe', 'pipe'], detached: true },
      );
    } catch (err) {
      this.#died(undefined, `cannot run ${this.#parts.fpingPath}: ${describeErrno(err)}`);
      return;
    }
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const wasDown = this.#down;
    this.#down = undefined;
    if (wasDown !== 'starting' && fill) {
      this.#parts.log(
        'info',
        'fping started again',
        this.#target.host,
        { hosts: hosts.length, gapMs: gap },
        `fping for ${plural(hosts.length, 'host')} started again after ${formatDuration(gap)} without it`,
      );
    }
    child.stdin?.on('error', () => {});
    this.#reader = batchReader(child.stdout);
    if (!this.#reader) {
      child.stdout?.setEncoding('latin1');
      child.stdout?.on('data', (chunk: string) => {
        this.#unread += chunk;
        this.#read();
      });
    }
    const known = new Set(hosts);
    // Its complaints are few and read at once: an ICMP error must be known before the packet's
    // timeout line is read.
    this.#lines(child.stderr, (line) => {
      const notice = parseNotice(line, known);
      if (notice.kind === 'icmp') this.#ledger.icmpError(notice.addr, notice.error);
      else if (notice.kind === 'host') this.#dropped(notice.host, notice.error, hosts.length);
      else if (notice.text.trim() !== '') this.#lastWords = notice.text.trim();
    });
    child.once('error', (err) =>
      this.#died(child, `cannot run ${this.#parts.fpingPath}: ${describeErrno(err)}`),
    );
    child.once('exit', (code, signal) => {
      const status = signal ? `killed by ${signal}` : exitText(code);
      this.#died(child, this.#lastWords ? `fping stopped: ${this.#lastWords}` : `fping ${status}`);
    });
  }

  #dropped(host: string, error: string, hostsInLoop: number): void {
    this.#ledger.unresolved(host, error, this.#parts.now());
    // Alone in its loop, it is tried again with the loop; among others it gets its own loop.
    if (hostsInLoop > 1) this.#onDropped(host, error);
    else this.#lastWords = `${host}: ${error}`;
  }

  /** Splits a pipe into lines, keeping a partial line for the next chunk. */
  #lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
    if (!stream) return;
    let rest = '';
    stream.setEncoding('latin1');
    stream.on('data', (chunk: string) => {
      const split = splitLines(rest + chunk);
      rest = split.rest;
      for (const line of split.lines) onLine(line);
    });
  }

  /**
   * fping is gone (`child`; undefined: it could not be spawned): unless the loop is ending, it
   * starts again after a backoff.
   */
  #died(child: ChildProcess | undefined, why: string): void {
    if (child !== this.#child) return; // 'error' and 'exit' may both come
    // Its last lines first: they are in the pipe, which goes with it. When they settle a loop
    // that is ending, reading ends it (abort), and nothing is left to do here.
    this.#read();
    if (this.#ended) return;
    if (child) this.#killGroup(child);
    this.#child = undefined;
    this.#down = why;
    if (this.#ended || this.#ending) {
      this.#ending?.();
      return;
    }
    this.#diedAt = this.#parts.now();
    const ran = this.#diedAt - this.#startedAt;
    this.#backoffMs =
      ran >= STABLE_MS || this.#backoffMs === 0
        ? FIRST_BACKOFF_MS
        : Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
    if (this.#ledger.hosts.length === 0) return;
    this.#parts.log(
      'warn',
      'fping stopped',
      this.#target.host,
      { hosts: this.#ledger.hosts.length, reason: why, retryMs: this.#backoffMs },
      `${why}; its ${plural(this.#ledger.hosts.length, 'host')} (${this.#ledger.hosts.slice(0, 3).join(', ')}${this.#ledger.hosts.length > 3 ? ', …' : ''}) get error lines until it starts again in ${formatDuration(this.#backoffMs)}`,
    );
    this.#later(this.#backoffMs);
  }

  /** Takes fping's lines so far, then reports the packets it stayed silent about for too long. */
  #read(): void {
    if (this.#reader) this.#unread += this.#reader.take();
    const now = this.#parts.now();
    const mono = this.#mono();
    const reports: LoopReport[] = [];
    const { lines, rest } = splitLines(this.#unread);
    this.#unread = rest;
    const step = now - mono - this.#skew;
    const stepped = Math.abs(step) >= CLOCK_STEP_MS && this.#child !== undefined && !this.#ending;
    // After a step, only the lines stamped on the old clock since the last read are taken: those
    // on the new one are fping's catching up (a burst), and it is started again anyway.
    const before = now - step;
    for (const line of lines) {
      const packet = parsePacketLine(line, this.#timing.timeoutMs);
      if (!packet) continue;
      const old = packet.at >= this.#readAt - SETTLE_MS && packet.at <= before + SETTLE_MS;
      if (stepped && !old) continue;
      this.#heardAt = mono;
      this.#ledger.packet(packet, stepped ? before : now, reports);
    }
    this.#skew = now - mono;
    this.#readAt = now;
    if (stepped) {
      this.#emit(reports);
      this.#stepped(step);
      return;
    }
    this.#watchSilence(mono);
    reports.push(...this.#ledger.overdue(now, this.#down ?? 'echo request not sent'));
    this.#emit(reports);
    if (this.#ending && !this.#ended && this.#ledger.settled) this.#ending();
  }

  /** The wall clock stepped by `step` ms: fping starts again at once, on the new clock. */
  #stepped(step: number): void {
    const by = `${step > 0 ? '+' : '-'}${formatDuration(Math.round(Math.abs(step)))}`;
    this.#replace('info', 'clock stepped', `the wall clock stepped by ${by}`, 'on the new clock', {
      stepMs: Math.round(step),
    });
  }

  /**
   * Kills fping and starts it again at once: its ticks under way end with what they had, and no
   * gap is reported (none was missed).
   */
  #replace(level: 'info' | 'warn', kind: string, why: string, how: string, fields: object): void {
    this.#killGroup(this.#child as ChildProcess);
    this.#child = undefined;
    this.#down = why;
    const hosts = this.#ledger.hosts.length;
    this.#parts.log(
      level,
      kind,
      this.#target.host,
      { ...fields, hosts },
      `${why}; fping for ${plural(hosts, 'host')} started again ${how}`,
    );
    this.#spawn(false);
  }

  /**
   * fping silent about every host for SILENT_PERIODS periods (stopped, wedged), or about one
   * host that has a route: it is killed, and starts again as any dead fping does. A host without
   * a route is not fping's fault: its ticks say so, and the loop is left alone.
   */
  #watchSilence(mono: number): void {
    const child = this.#child;
    if (!child || child === this.#silenced || this.#ending) return;
    const { periodMs, timeoutMs } = this.#timing;
    const quiet = mono - this.#heardAt;
    const startup = this.#ledger.heard ? 0 : STARTUP_MS;
    if (quiet > startup + SILENT_PERIODS * periodMs + timeoutMs + SILENCE_GRACE_MS) {
      // Unless none of its hosts has a route (the network is down): then its ticks say so.
      if (mono < this.#routesCheckedUntil) return;
      this.#routesCheckedUntil = Number.POSITIVE_INFINITY;
      const hosts = this.#ledger.hosts.slice(0, ROUTES_ASKED);
      Promise.all(hosts.map(noRouteTo)).then((whys) => {
        this.#routesCheckedUntil = this.#mono() + ROUTES_AGAIN_MS;
        if (this.#child !== child || this.#ended) return;
        if (whys.every((why) => why !== undefined)) {
          for (const [i, host] of hosts.entries()) this.#ledger.trouble(host, whys[i] as string);
        } else {
          this.#silence(child, `no line for ${formatDuration(Math.round(quiet))}`);
        }
      });
      return;
    }
    // Silent about everyone lately: the rule above is for that.
    if (quiet > 2 * periodMs + timeoutMs) return;
    for (const host of this.#ledger.silentHosts(SILENT_PERIODS)) {
      // A name may not be resolved yet: fping says so itself when it cannot (a dropped host).
      if (this.#asking.has(host) || isIP(host) === 0) continue;
      this.#asking.add(host);
      noRouteTo(host).then((why) => {
        this.#asking.delete(host);
        if (this.#child !== child || this.#ended) return;
        if (why !== undefined) {
          this.#ledger.trouble(host, why);
          return;
        }
        // Once in a while at most: a host that a restart does not bring back (a firewall that
        // drops what fping sends it) is not fping's fault either, and the others lose a tick.
        const last = this.#replacedFor.get(host) ?? Number.NEGATIVE_INFINITY;
        if (this.#mono() - last < REPLACE_AGAIN_MS) {
          this.#ledger.trouble(host, 'echo request not sent');
          return;
        }
        this.#replacedFor.set(host, this.#mono());
        this.#replace(
          'warn',
          'fping silent about a host',
          `fping was silent about ${host} for ${SILENT_PERIODS} periods, though it has a route`,
          'at once',
          { host },
        );
      });
    }
  }

  /** Kills `child` for its silence; its exit starts it again (#died). */
  #silence(child: ChildProcess, why: string): void {
    this.#silenced = child;
    this.#lastWords = `${why}; killed it`;
    endShell(child);
  }

  #emit(reports: LoopReport[]): void {
    if (reports.length > 0) this.#parts.report(reports);
  }

  /** Reports what was sent before now, then ends; `hosts` left out are not reported at all. */
  end(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    this.#ledger.cut(this.#parts.now());
    return new Promise<void>((resolve) => {
      this.#ending = () => {
        this.abort();
        // The daemon exits only once its fping is gone (a second at most), so that nothing of it
        // is left for a `pgrep` run right after `stop`.
        void settleWithin(this.#exited, EXIT_WAIT_MS, { unref: true }).then(() => resolve());
      };
      if (this.#child === undefined || this.#ledger.settled) this.#ending();
    });
  }

  /** Ends now: the ticks under way end with the packets they had. */
  abort(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#read();
    clearInterval(this.#watch);
    clearTimeout(this.#restart);
    const child = this.#child;
    this.#child = undefined;
    if (child) this.#killGroup(child);
    this.#emit(this.#ledger.close(this.#parts.now(), 'stopped by shutdown'));
  }

  #killGroup(child: ChildProcess): void {
    this.#reader = undefined;
    child.stdout?.destroy();
    child.stderr?.destroy();
    endShell(child);
  }
}

/**
 * Ends a loop's shell so that every process of it is reaped by its parent: the end of its stdin
 * makes the shell kill fping and wait for it, and Node waits for the shell. Killing the group at
 * once would leave fping's corpse to PID 1, which in a container may never reap it. A shell that
 * has not gone within KILL_GRACE_MS (stopped, wedged) has its whole group killed.
 */
function endShell(child: ChildProcess): void {
  child.stdin?.destroy();
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  if (gone()) return;
  const kill = setTimeout(() => {
    try {
      if (!gone() && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone: its exit is on the way.
    }
  }, KILL_GRACE_MS);
  child.once('exit', () => clearTimeout(kill));
}

/**
 * All the loops. Hosts added together (at start, or by one reload) with the same timing share a
 * loop; a loop is never told of new hosts, so adding hosts leaves the running loops alone.
 * fping cannot drop a host, so removing one replaces its loop by one without it: the packets
 * already sent by the old one are still reported.
 */
export class Fleet implements FleetControl {
  readonly #parts: FleetParts;
  readonly #loops = new Set<Loop>();
  readonly #where = new Map<string, Loop>();
  readonly #targets = new Map<string, ProbeTarget>();
  #adds: ProbeTarget[] = [];
  #removes = new Set<string>();
  #flushing = false;
  #stopped = false;
  readonly #ending = new Set<Promise<void>>();

  constructor(parts: FleetParts) {
    this.#parts = parts;
  }

  add(target: ProbeTarget): void {
    this.#targets.set(target.host, target);
    this.#adds.push(target);
    this.#soon();
  }

  remove(host: string): void {
    this.#targets.delete(host);
    this.#removes.add(host);
    this.#soon();
  }

  /** Changes of one turn (a start, a reload) are applied together, once. */
  #soon(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushing = false;
    if (this.#stopped) return;
    const removes = this.#removes;
    const adds = this.#adds.filter((t) => this.#targets.get(t.host) === t);
    this.#removes = new Set();
    this.#adds = [];
    // A loop that loses hosts is replaced by one with the hosts it keeps.
    const losing = new Set<Loop>();
    for (const host of removes) {
      const loop = this.#where.get(host);
      if (loop) losing.add(loop);
      this.#where.delete(host);
    }
    const keep: ProbeTarget[] = [];
    for (const loop of losing) {
      this.#retire(loop);
      for (const host of loop.hosts) {
        const target = this.#targets.get(host);
        if (this.#where.get(host) === loop && target && !adds.includes(target)) keep.push(target);
      }
    }
    const groups = new Map<string, ProbeTarget[]>();
    for (const target of [...keep, ...adds]) {
      const key = groupKey(target);
      groups.set(key, [...(groups.get(key) ?? []), target]);
    }
    for (const targets of groups.values()) this.#start(targets);
  }

  #start(targets: ProbeTarget[], delayMs = 0): Loop {
    const loop = new Loop(
      this.#parts,
      targets,
      (host, error) => {
        // fping dropped a name it could not resolve: the name gets a loop of its own, which
        // tries again with backoff, and its ticks are error lines meanwhile.
        const target = this.#targets.get(host);
        if (!target || this.#where.get(host) !== loop) return;
        loop.forget(host);
        this.#start([target], FIRST_BACKOFF_MS).unresolved(host, error);
      },
      delayMs,
    );
    this.#loops.add(loop);
    for (const t of targets) this.#where.set(t.host, loop);
    return loop;
  }

  #retire(loop: Loop): void {
    this.#loops.delete(loop);
    const ending = loop.end();
    this.#ending.add(ending);
    ending.then(() => this.#ending.delete(ending));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const loop of [...this.#loops]) this.#retire(loop);
    await Promise.all(this.#ending);
  }

  abort(): void {
    this.#stopped = true;
    for (const loop of this.#loops) loop.abort();
    this.#loops.clear();
  }
}
