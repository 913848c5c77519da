// The service: every host on its own fixed-rate schedule; on every tick, write a start line, run
// one probe, write its end line. Built from its parts (clock, timers, probe, ping log, logger),
// so tests give it a fake clock or a stand-in probe. It owns the schedules' timers and the probes
// in flight, and stop() ends them all.
import { formatDuration } from '../config/duration.js';
import type { Format } from '../config/options.js';
import type { ProbeTarget } from '../config/targets.js';
import { describeErrno } from '../errors.js';
import { putEnd, putStart } from '../ping-log/format.js';
import { LineBuffer } from '../ping-log/line-buffer.js';
import { EventLimiter } from '../telemetry/event-limiter.js';
import type { Logger } from '../telemetry/service-log.js';
import type { FleetControl, FleetParts } from './fleet.js';
import type { LoopReport } from './loop-ledger.js';
import { type ProbeResult, type ProbeStatus, UNKNOWN_HOST } from './ping-result.js';
import type { ProbeFn, RunningProbe } from './probe.js';
import { RecentProbes, type WINDOWS_MIN, type WindowFigures } from './recent.js';
import { type Clock, Schedule, type Tick, type Timers } from './schedule.js';

/** What SIGHUP may change while running. */
export interface LiveSettings {
  targets: ProbeTarget[];
  format: Format;
  maxInflight: number;
}

export interface LineSink {
  /** Whole lines, as bytes (a view of a LineBuffer: used before the call returns). */
  write(lines: Uint8Array): void;
  /** Why lines go to the file opened before rather than the one at the path, while they do. */
  readonly reopenProblem?: string | undefined;
}

export interface ServiceParts {
  settings: LiveSettings;
  probe: ProbeFn;
  /**
   * The fleet prober (`--prober fping`): when given, long-lived loops probe the hosts and report
   * each tick once its outcome is known; `probe` and the schedules are not used.
   */
  fleet?: (parts: Pick<FleetParts, 'report' | 'log'>) => FleetControl;
  /** Ends what runs the probes (the ping launcher) once none is in flight; reaps it. */
  endProbes?: () => Promise<void>;
  log: LineSink;
  /** Where the daemon probes from, in JSON lines; fixed while it runs (reload.ts). */
  vantage?: string;
  logger: Logger;
  clock: Clock;
  timers: Timers;
  /** Wall-clock time for the log lines. */
  wallClock: () => Date;
  /** Called after every probe's end line (metrics, the state file). */
  onResult?: (host: string, result: ProbeResult, time: Date, seq: number) => void;
  /** Called when a host is no longer pinged (its metrics go). */
  onRemove?: (host: string) => void;
}

/** Counters a status report shows, per host. */
export interface HostStats {
  probes: number;
  /** Ticks not run because the previous probe was still running, or max-inflight was reached. */
  skipped: number;
  /** Ticks the process slept through (suspend, a stalled event loop). */
  missed: number;
  up: number;
  down: number;
  error: number;
  last?: { time: Date; seq: number; result: ProbeResult };
  state?: ProbeStatus;
  stateSince?: Date;
  /** The address ping last used (a name's, as resolved). */
  addr?: string;
  /** Loss and median RTT over the last 1, 5 and 15 minutes (recent.ts). */
  windows?: Record<WindowName, WindowFigures>;
}

export type WindowName = `${(typeof WINDOWS_MIN)[number]}m`;

/** How long `status`'s window figures may be: computing them for 1,000 hosts is not free. */
const WINDOWS_EVERY_MS = 10_000;

export interface ServiceStats {
  hosts: Record<string, HostStats>;
  /** Lines the ping log could not take (disk full, directory gone). */
  lostLines: number;
  /** What is wrong with the ping log now, and since when; absent while nothing is. */
  logProblem?: { text: string; since: Date };
}

interface InFlight {
  probe: RunningProbe;
  done: Promise<void>;
  /** Writes the end line now, for an exit that cannot wait for the probe. */
  abandon(): void;
}

/** One host: its schedule, its sequence numbers, its probe in flight, its counters. */
interface Runner {
  target: ProbeTarget;
  /** Its ticks; absent with the fleet prober, whose loops keep the time. */
  schedule: Schedule | undefined;
  seq: number;
  inFlight: InFlight | undefined;
  skipStreak: number;
  stats: HostStats;
  recent: RecentProbes;
  /** When `stats.windows` was last worked out (wall clock, ms). */
  windowsAt: number;
}

/** The window of the service log's rate limits (EventLimiter). */
export const LOG_WINDOW_MS = 60_000;

const newStats = (): HostStats => ({ probes: 0, skipped: 0, missed: 0, up: 0, down: 0, error: 0 });

/** Where host `index` of `count` starts within its interval, so spawns do not bunch. */
export function spreadDelay(index: number, count: number, intervalMs: number): number {
  return count <= 1 ? 0 : Math.floor((index * intervalMs) / count);
}

/** Whether a reload changes how a host is probed: its timing or its probe options. */
function probedDifferently(a: ProbeTarget, b: ProbeTarget): boolean {
  return (
    a.intervalMs !== b.intervalMs ||
    a.timeoutMs !== b.timeoutMs ||
    a.count !== b.count ||
    JSON.stringify(a.options ?? {}) !== JSON.stringify(b.options ?? {})
  );
}

export class PingService {
  #settings: LiveSettings;
  readonly #parts: ServiceParts;
  readonly #runners = new Map<string, Runner>();
  /** Removed hosts whose last probe is still running: their end lines still come. */
  readonly #leaving = new Set<Runner>();
  #running = 0;
  #writeError: string | undefined;
  #logProblem: { text: string; since: Date } | undefined;
  #lostLines = 0;
  /** The lines of a write, put together as bytes (line-buffer.ts). */
  readonly #lines = new LineBuffer();
  readonly #sentTime = new Date(0);

  readonly #limiter: EventLimiter;
  readonly #fleet: FleetControl | undefined;

  constructor(parts: ServiceParts) {
    this.#parts = parts;
    this.#settings = { ...parts.settings };
    this.#limiter = new EventLimiter({
      clock: parts.clock,
      timers: parts.timers,
      windowMs: LOG_WINDOW_MS,
      perKind: 10,
      perKey: 3,
      report: ({ kind, count, keys }) =>
        parts.logger.warn(
          { event: kind, notLogged: count, hosts: keys },
          `${kind}: ${count} more in the last ${formatDuration(LOG_WINDOW_MS)} (${keys} ${keys === 1 ? 'host' : 'hosts'}), not logged one by one; status has the counts`,
        ),
    });
    this.#fleet = parts.fleet?.({
      report: (reports) => this.#report(reports),
      log: (level, kind, key, fields, message) => this.#limited(level, kind, key, fields, message),
    });
  }

  /** Logs `message` unless `kind` has been logged too often lately (see EventLimiter). */
  #limited(
    level: 'info' | 'warn',
    kind: string,
    host: string,
    fields: object,
    message: string,
  ): void {
    if (this.#limiter.admit(kind, host)) this.#parts.logger[level](fields, message);
  }

  get settings(): LiveSettings {
    return this.#settings;
  }

  get stats(): ServiceStats {
    const hosts: Record<string, HostStats> = {};
    const now = this.#parts.wallClock().getTime();
    for (const [host, runner] of this.#runners) {
      // At most every 10 s, but at once while they are empty (a host just added).
      const empty = (runner.stats.windows?.['15m'].probes ?? 0) === 0;
      if (now - runner.windowsAt >= WINDOWS_EVERY_MS || (empty && runner.stats.probes > 0)) {
        runner.windowsAt = now;
        runner.stats.windows = runner.recent.allFigures(now);
      }
      hosts[host] = runner.stats;
    }
    return {
      hosts,
      lostLines: this.#lostLines,
      ...(this.#logProblem ? { logProblem: this.#logProblem } : {}),
    };
  }

  /** What `stats` says of the ping log, without the hosts' figures. */
  get logHealth(): Pick<ServiceStats, 'lostLines' | 'logProblem'> {
    this.#checkLog();
    return { lostLines: this.#lostLines, logProblem: this.#logProblem };
  }

  /** The ping log's trouble now: a write that failed, or a rotation it could not follow. */
  #checkLog(): void {
    const reopen = this.#parts.log.reopenProblem;
    const text =
      this.#writeError !== undefined
        ? `cannot write: ${this.#writeError}`
        : reopen !== undefined
          ? `cannot reopen: ${reopen}; lines go to the file opened before`
          : undefined;
    if (text === this.#logProblem?.text) return;
    this.#logProblem = text === undefined ? undefined : { text, since: this.#parts.wallClock() };
  }

  /**
   * Starts every host, spread over its interval. The runners are made first and the schedules
   * started after, in a quick loop: made one by one as they start, 10,000 hosts took 0.3 s, and
   * the first hosts' ticks, due meanwhile, came together.
   */
  start(): void {
    const { targets } = this.#settings;
    const runners = targets.map((t) => this.#create(t));
    for (const [i, runner] of runners.entries()) {
      const t = runner.target;
      runner.schedule?.start(spreadDelay(i, targets.length, t.intervalMs));
      this.#fleet?.add(t);
    }
  }

  /**
   * Applies new settings from each host's next tick: hosts added start, hosts removed stop
   * after their probe in flight, the others keep their schedules and sequence numbers.
   * Returns what changed, for the log.
   */
  reload(next: LiveSettings): { added: string[]; removed: string[]; changed: string[] } {
    const wanted = new Map(next.targets.map((t) => [t.host, t]));
    const removed = [...this.#runners.keys()].filter((host) => !wanted.has(host));
    for (const host of removed) this.#remove(host);
    const added: string[] = [];
    const changed: string[] = [];
    next.targets.forEach((target, i) => {
      const runner = this.#runners.get(target.host);
      if (!runner) {
        added.push(target.host);
        this.#add(target, spreadDelay(i, next.targets.length, target.intervalMs));
      } else if (probedDifferently(runner.target, target)) {
        changed.push(target.host);
        runner.target = target;
        runner.schedule?.setInterval(target.intervalMs);
        // A loop's hosts share their timing and options: the host moves to another loop.
        this.#fleet?.remove(target.host);
        this.#fleet?.add(target);
      }
    });
    if (next.format !== this.#settings.format) changed.push('format');
    if (next.maxInflight !== this.#settings.maxInflight) changed.push('maxInflight');
    this.#settings = { ...next };
    return { added, removed, changed };
  }

  /** Stops scheduling and waits for the probes in flight to finish and write their end lines. */
  async stop(): Promise<void> {
    const all = [...this.#runners.values(), ...this.#leaving];
    for (const runner of all) runner.schedule?.stop();
    await Promise.all([...all.map((runner) => runner.inFlight?.done), this.#fleet?.stop()]);
    this.#limiter.stop();
    await this.#parts.endProbes?.();
  }

  /**
   * Stops at once: kills the probes in flight and writes their end lines as errors. Resolves once
   * what ran them has gone.
   */
  abort(): Promise<void> {
    this.#limiter.stop();
    this.#fleet?.abort();
    for (const runner of [...this.#runners.values(), ...this.#leaving]) {
      runner.schedule?.stop();
      const inFlight = runner.inFlight;
      if (inFlight) {
        inFlight.probe.kill();
        inFlight.abandon();
      }
    }
    return this.#parts.endProbes?.() ?? Promise.resolve();
  }

  #add(target: ProbeTarget, delayMs: number): void {
    const runner = this.#create(target);
    runner.schedule?.start(delayMs);
    this.#fleet?.add(target);
  }

  /** A host's runner, in the map, its schedule not started. */
  #create(target: ProbeTarget): Runner {
    const runner: Runner = {
      target,
      seq: 0,
      inFlight: undefined,
      skipStreak: 0,
      stats: newStats(),
      recent: new RecentProbes(target.intervalMs, this.#parts.wallClock().getTime()),
      windowsAt: Number.NEGATIVE_INFINITY,
      schedule: this.#fleet
        ? undefined
        : new Schedule({
            clock: this.#parts.clock,
            timers: this.#parts.timers,
            intervalMs: target.intervalMs,
            onTick: (tick) => this.#tick(runner, tick),
          }),
    };
    this.#runners.set(target.host, runner);
    return runner;
  }

  #remove(host: string): void {
    const runner = this.#runners.get(host);
    if (!runner) return;
    runner.schedule?.stop();
    this.#fleet?.remove(host);
    this.#runners.delete(host);
    // Its metrics go after its last result, and only if the host was not added back meanwhile.
    const gone = (): void => {
      if (!this.#runners.has(host)) this.#parts.onRemove?.(host);
    };
    if (runner.inFlight) {
      this.#leaving.add(runner);
      runner.inFlight.done.then(() => {
        this.#leaving.delete(runner);
        gone();
      });
    } else {
      gone();
    }
  }

  #skip(runner: Runner, why: string): void {
    runner.stats.skipped++;
    // The first tick of a run of skipped ones is reported, not every one.
    if (runner.skipStreak++ === 0) {
      const { host } = runner.target;
      this.#limited(
        'warn',
        'tick skipped',
        host,
        { host, seq: runner.seq, skipped: runner.stats.skipped },
        `tick skipped: ${why}`,
      );
    }
  }

  #tick(runner: Runner, tick: Tick): void {
    const { host, count, timeoutMs, options } = runner.target;
    const { format } = this.#settings;
    if (tick.missed > 0) {
      runner.stats.missed += tick.missed;
      this.#limited(
        'warn',
        'ticks missed',
        host,
        { host, missed: tick.missed },
        'ticks missed: the process was not running on time',
      );
    }
    if (runner.inFlight) {
      this.#skip(runner, 'the previous probe is still running');
      return;
    }
    if (this.#running >= this.#settings.maxInflight) {
      this.#skip(runner, `${this.#running} probes are running, the --max-inflight limit`);
      return;
    }
    if (runner.skipStreak > 1) {
      this.#limited(
        'info',
        'ticks run again',
        host,
        { host, skipped: runner.skipStreak },
        'ticks run again after skipping',
      );
    }
    runner.skipStreak = 0;
    const seq = ++runner.seq;
    const startedAt = this.#parts.clock.now();
    const { vantage } = this.#parts;
    this.#lines.clear();
    putStart(this.#lines, format, { time: this.#parts.wallClock(), host, vantage, seq });
    this.#write();
    const probe = this.#parts.probe({ ...options, host, count, timeoutMs });
    this.#running++;
    let ended = false;
    const end = (result: ProbeResult): void => {
      if (ended) return;
      ended = true;
      this.#running--;
      runner.inFlight = undefined;
      const durationMs = this.#parts.clock.now() - startedAt;
      const time = this.#parts.wallClock();
      // The format the start line was written in: a reload between the two lines must not pair a
      // text start line with a JSON end line.
      this.#lines.clear();
      putEnd(this.#lines, format, { time, host, vantage, seq, result, durationMs });
      this.#write();
      this.#record(runner, seq, result, time);
      // A removed host's last probe still gets its end line, but no longer counts.
      if (this.#runners.get(host) === runner) this.#parts.onResult?.(host, result, time, seq);
    };
    runner.inFlight = {
      probe,
      done: probe.result.then(end),
      abandon: () => end({ status: 'error', error: 'stopped by shutdown' }),
    };
  }

  /**
   * Ticks of the fleet prober, each with its start line (the time its echo request went) and its
   * end line, all in one write.
   */
  #report(reports: LoopReport[]): void {
    const { format } = this.#settings;
    const { vantage } = this.#parts;
    const out = this.#lines;
    out.clear();
    // Per report, its host's runner (undefined: gone), its number and the end line's time: three
    // arrays for all the lines of a read rather than a tuple a probe (docs/performance.md).
    const runners: (Runner | undefined)[] = [];
    const seqs: number[] = [];
    const times: Date[] = [];
    let lines = 0;
    for (const { host, sentAt, endedAt, result } of reports) {
      // A host removed by a reload is no longer reported, even for packets already sent.
      const runner = this.#runners.get(host);
      const seq = runner ? ++runner.seq : 0;
      const time = new Date(endedAt);
      runners.push(runner);
      seqs.push(seq);
      times.push(time);
      if (!runner) continue;
      // One Date for every start line, set to each one's time: it is only read to write the line.
      this.#sentTime.setTime(sentAt);
      putStart(out, format, { time: this.#sentTime, host, vantage, seq });
      putEnd(out, format, { time, host, vantage, seq, result, durationMs: endedAt - sentAt });
      lines += 2;
    }
    if (lines > 0) this.#write(lines);
    for (let i = 0; i < reports.length; i++) {
      const runner = runners[i];
      if (runner === undefined) continue;
      const { result } = reports[i] as LoopReport;
      const seq = seqs[i] as number;
      const time = times[i] as Date;
      this.#record(runner, seq, result, time);
      this.#parts.onResult?.(runner.target.host, result, time, seq);
    }
  }

  #record(runner: Runner, seq: number, result: ProbeResult, time: Date): void {
    const { stats } = runner;
    const { host } = runner.target;
    if (result.error === UNKNOWN_HOST && stats.last?.result.error !== UNKNOWN_HOST) {
      // Under systemd no `start` is there to warn of it: the service log does.
      this.#limited(
        'warn',
        'unresolved names',
        host,
        { host, seq },
        `${host} does not resolve (ping: unknown host); trying it again every tick`,
      );
    }
    stats.probes++;
    stats[result.status]++;
    stats.last = { time, seq, result };
    runner.recent.add(time.getTime(), result.rttMs, result.lossPct);
    if (result.addr !== undefined) {
      if (stats.addr !== undefined && stats.addr !== result.addr) {
        // A name served round-robin changes at every probe: told a few times a window, then
        // counted.
        this.#limited(
          'info',
          'address changes',
          host,
          { host, from: stats.addr, to: result.addr, seq },
          `${host}: address changed from ${stats.addr} to ${result.addr}`,
        );
      }
      stats.addr = result.addr;
    }
    // The service log hears of the host's state for people (alerts/monitor.ts), not of each
    // probe's: this is the run of equal results `status` shows.
    if (result.status === stats.state) return;
    stats.state = result.status;
    stats.stateSince = time;
  }

  /**
   * Writes the `lines` lines put into #lines; a failing ping log is reported once per change, not
   * once per line.
   */
  #write(lines = 1): void {
    const { logger } = this.#parts;
    try {
      this.#parts.log.write(this.#lines.view());
      if (this.#writeError !== undefined) {
        logger.info({ lostLines: this.#lostLines }, 'ping log writable again');
        this.#writeError = undefined;
      }
    } catch (err) {
      this.#lostLines += lines;
      const reason = describeErrno(err);
      if (reason !== this.#writeError) {
        logger.error({ err, reason }, `cannot write the ping log: ${reason}`);
        this.#writeError = reason;
      }
    }
    this.#checkLog();
  }
}
