// Publishes the daemon's state file (what `status` reads): every probe asks for it, and it is
// written at most once a second, within half a period of the ask once it is due. An ask that
// finds it due writes it at once, in the wake-up that brought the probe's result; a timer is only
// the fallback for when no further result comes, so a busy daemon is not woken again for it.
//
// Writing it is the daemon's largest fixed cost: a file created, written and renamed over, once a
// second, costs 0.4-0.6 ms of CPU even for one host (the caches are cold by then: the same
// syscalls in a loop cost a fifth), and some 1.9 ms at 100 hosts, which was a third of the fleet
// prober's own CPU. New figures alone (no change of state) are therefore published at most every
// 4,000 times what a write costs (0.025 % of a core), but at least every 3 s, so that `status` is
// never more than a few seconds behind; and whatever that makes it, never more often than every
// 1,000 times the cost (0.1 % of a core: a few seconds for thousands of hosts). The cost is CPU
// time, not the time it took (a busy machine would stretch that), and the lower of the last two
// writes, so that one slow write (the first, before V8 has compiled it) does not leave the file
// old for long. A change of a host's state is published promptly, unless the file is so big that
// doing so as often as hosts change would cost more than 5 % of a core. Owns that timer; stop()
// clears it.
import { performance } from 'node:perf_hooks';
import { describeErrno } from '../errors.js';
import { type Clock, nodeTimers, type Timers } from '../probing/schedule.js';
import type { Logger } from '../telemetry/service-log.js';
import { type DaemonState, writeState } from './state-file.js';

export const PUBLISH_EVERY_MS = 1000;
/** New figures wait this many times what a write costs (0.025 % of a core)... */
const FIGURES_COST_FACTOR = 4000;
/** ...but no longer than this... */
const FIGURES_WAIT_MS = 3000;
/** ...unless that would cost more: two writes are at least this many times the cost apart. */
const COST_FACTOR = 1000;
/** A change of state is published within this: changes that come together are written once. */
export const PROMPTLY_MS = 100;
/** ...but no sooner than this many times what the last write cost, CPU. */
const PROMPT_COST_FACTOR = 20;

export interface PublisherParts {
  logger: Logger;
  /** The file written; the daemon's is writeState. */
  write?: (path: string, state: DaemonState) => void;
  clock?: Clock;
  timers?: Timers;
  /** The process's CPU time so far, ms. */
  cpuMs?: () => number;
}

function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export class StatePublisher {
  readonly #path: string;
  readonly #snapshot: () => DaemonState;
  readonly #logger: Logger;
  readonly #write: (path: string, state: DaemonState) => void;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #cpuMs: () => number;
  #timer: unknown;
  /** What the last write cost, CPU ms. */
  #lastCostMs = 0;
  /** When the pending timer fires (clock time). */
  #dueAt = Number.POSITIVE_INFINITY;
  #publishedAt = Number.NEGATIVE_INFINITY;
  #everyMs = PUBLISH_EVERY_MS;
  /** The last failure reported: a failing write is told once, not every second. */
  #failure: string | undefined;

  constructor(path: string, snapshot: () => DaemonState, parts: PublisherParts) {
    this.#path = path;
    this.#snapshot = snapshot;
    this.#logger = parts.logger;
    this.#write = parts.write ?? writeState;
    this.#clock = parts.clock ?? performance;
    this.#timers = parts.timers ?? nodeTimers;
    this.#cpuMs = parts.cpuMs ?? processCpuMs;
  }

  /** Publishes now if the last write is old enough, else within half a period after it is. */
  soon(): void {
    const waitMs = this.#publishedAt + this.#everyMs - this.#clock.now();
    if (waitMs <= 0) this.now();
    else this.#within(waitMs + this.#everyMs / 2);
  }

  /**
   * Publishes within PROMPTLY_MS (a host changed state), or, for a file that costs more than
   * 5 ms to write, after 20 times that cost: 10,000 hosts coming up one by one would otherwise
   * have their 3.5 MB state written ten times a second, each write 0.1 s of a core.
   */
  promptly(): void {
    this.#within(Math.max(PROMPTLY_MS, Math.round(this.#lastCostMs * PROMPT_COST_FACTOR)));
  }

  #within(ms: number): void {
    const at = this.#clock.now() + ms;
    if (this.#timer !== undefined && this.#dueAt <= at) return;
    this.stop();
    this.#dueAt = at;
    this.#timer = this.#timers.setTimeout(() => this.now(), ms);
  }

  /** Publishes at once if that is cheap (under 5 ms), else as promptly() does. */
  nowIfCheap(): void {
    if (this.#lastCostMs * PROMPT_COST_FACTOR <= PROMPTLY_MS) this.now();
    else this.promptly();
  }

  /** Publishes at once (start, reload). */
  now(): void {
    this.stop();
    this.#publishedAt = this.#clock.now();
    const cpuBefore = this.#cpuMs();
    try {
      this.#write(this.#path, this.#snapshot());
      const costMs = this.#cpuMs() - cpuBefore;
      const lowerMs = Math.min(costMs, this.#lastCostMs);
      this.#lastCostMs = costMs;
      this.#everyMs = Math.round(
        Math.max(
          PUBLISH_EVERY_MS,
          Math.min(FIGURES_WAIT_MS, lowerMs * FIGURES_COST_FACTOR),
          lowerMs * COST_FACTOR,
        ),
      );
      if (this.#failure !== undefined)
        this.#logger.info({ path: this.#path }, 'state file written again');
      this.#failure = undefined;
    } catch (err) {
      const reason = describeErrno(err);
      if (reason !== this.#failure) {
        this.#logger.warn({ path: this.#path, reason }, `cannot write the state file: ${reason}`);
      }
      this.#failure = reason;
    }
  }

  stop(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
  }
}
