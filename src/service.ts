// The service: on every tick of a fixed-rate schedule, write a start line, run one probe, write
// its end line. Built from its parts (clock, timers, probe, ping log, logger), so tests give it a
// fake clock or a stand-in probe. It owns the schedule's timer and the probe in flight, and
// stop() ends both.
import { describeErrno } from './errors.js';
import { formatEnd, formatStart } from './line-format.js';
import type { ProbeResult, ProbeStatus } from './ping-result.js';
import type { ProbeFn, RunningProbe } from './probe.js';
import { type Clock, Schedule, type Tick, type Timers } from './schedule.js';
import type { Logger } from './service-log.js';
import type { Settings } from './settings.js';

/** The part of Settings that SIGHUP may change while running. */
export type LiveSettings = Pick<Settings, 'host' | 'intervalMs' | 'timeoutMs' | 'count' | 'format'>;

export interface LineSink {
  write(line: string): void;
}

export interface ServiceParts {
  settings: LiveSettings;
  probe: ProbeFn;
  log: LineSink;
  logger: Logger;
  clock: Clock;
  timers: Timers;
  /** Wall-clock time for the log lines. */
  wallClock: () => Date;
  /** Called after every probe's end line (the daemon publishes its state from here). */
  onProbe?: () => void;
}

/** Counters a status report can show. */
export interface ServiceStats {
  probes: number;
  skipped: number;
  missed: number;
  lostLines: number;
  up: number;
  down: number;
  error: number;
  last?: { time: Date; seq: number; result: ProbeResult };
  state?: ProbeStatus;
  stateSince?: Date;
}

interface InFlight {
  probe: RunningProbe;
  done: Promise<void>;
  /** Writes the end line now, for an exit that cannot wait for the probe. */
  abandon(): void;
}

export class PingService {
  #settings: LiveSettings;
  readonly #parts: ServiceParts;
  readonly #schedule: Schedule;
  #seq = 0;
  #inFlight: InFlight | undefined;
  #writeError: string | undefined;
  readonly stats: ServiceStats = {
    probes: 0,
    skipped: 0,
    missed: 0,
    lostLines: 0,
    up: 0,
    down: 0,
    error: 0,
  };

  constructor(parts: ServiceParts) {
    this.#parts = parts;
    this.#settings = { ...parts.settings };
    this.#schedule = new Schedule({
      clock: parts.clock,
      timers: parts.timers,
      intervalMs: parts.settings.intervalMs,
      onTick: (tick) => this.#tick(tick),
    });
  }

  get settings(): LiveSettings {
    return this.#settings;
  }

  start(): void {
    this.#schedule.start();
  }

  /** Applies new settings from the next tick on; returns the names of those that changed. */
  reload(next: LiveSettings): string[] {
    const changed = (Object.keys(next) as (keyof LiveSettings)[]).filter(
      (key) => next[key] !== this.#settings[key],
    );
    this.#settings = { ...next };
    this.#schedule.setInterval(next.intervalMs);
    return changed;
  }

  /** Stops scheduling and waits for the probe in flight to finish and write its end line. */
  async stop(): Promise<void> {
    this.#schedule.stop();
    await this.#inFlight?.done;
  }

  /** Stops at once: kills the probe in flight and writes its end line as an error. */
  abort(): void {
    this.#schedule.stop();
    const inFlight = this.#inFlight;
    if (inFlight) {
      inFlight.probe.kill();
      inFlight.abandon();
    }
  }

  #tick(tick: Tick): void {
    const { logger } = this.#parts;
    const { host, count, timeoutMs, format } = this.#settings;
    if (tick.missed > 0) {
      this.stats.missed += tick.missed;
      logger.warn(
        { host, missed: tick.missed },
        'ticks missed: the process was not running on time',
      );
    }
    if (this.#inFlight) {
      this.stats.skipped++;
      logger.warn(
        { host, seq: this.#seq, skipped: this.stats.skipped },
        'tick skipped: the previous probe is still running',
      );
      return;
    }
    const seq = ++this.#seq;
    const startedAt = this.#parts.clock.now();
    this.#write(formatStart(format, { time: this.#parts.wallClock(), host, seq }));
    const probe = this.#parts.probe({ host, count, timeoutMs });
    let ended = false;
    const end = (result: ProbeResult): void => {
      if (ended) return;
      ended = true;
      this.#inFlight = undefined;
      const durationMs = this.#parts.clock.now() - startedAt;
      this.#write(
        formatEnd(format, { time: this.#parts.wallClock(), host, seq, result, durationMs }),
      );
      this.#record(host, seq, result);
      this.#parts.onProbe?.();
    };
    this.#inFlight = {
      probe,
      done: probe.result.then(end),
      abandon: () => end({ status: 'error', error: 'stopped by shutdown' }),
    };
  }

  #record(host: string, seq: number, result: ProbeResult): void {
    const { stats } = this;
    const time = this.#parts.wallClock();
    stats.probes++;
    stats[result.status]++;
    stats.last = { time, seq, result };
    if (result.status === stats.state) return;
    // State changes, not ticks, reach the service log (SPEC §5).
    const fields = { host, seq, status: result.status, previous: stats.state, error: result.error };
    const message = `${host} is ${result.status}`;
    if (result.status === 'up') this.#parts.logger.info(fields, message);
    else this.#parts.logger.warn(fields, message);
    stats.state = result.status;
    stats.stateSince = time;
  }

  /** Writes one line; a failing ping log is reported once per change, not once per line. */
  #write(line: string): void {
    const { logger } = this.#parts;
    try {
      this.#parts.log.write(line);
      if (this.#writeError !== undefined) {
        logger.info({ lostLines: this.stats.lostLines }, 'ping log writable again');
        this.#writeError = undefined;
      }
    } catch (err) {
      this.stats.lostLines++;
      const reason = describeErrno(err);
      if (reason !== this.#writeError) {
        logger.error({ err, reason }, `cannot write the ping log: ${reason}`);
        this.#writeError = reason;
      }
    }
  }
}
