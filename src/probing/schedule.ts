// A fixed-rate schedule: tick k is due at t0 + k·interval on a monotonic clock, however long each
// tick's work takes (the tutorial slept after working, so it drifted by the work's length every
// tick). The clock and the timers are passed in, so tests drive it with a fake clock.

export interface Clock {
  /** Monotonic milliseconds (performance.now() in production). */
  now(): number;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's own timers, as Timers. */
export const nodeTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface Tick {
  /** The tick's index since the schedule was (re)anchored. */
  k: number;
  /** When it was due, on the monotonic clock. */
  dueAt: number;
  /** Ticks whose time passed while the process could not run (suspend, a stalled event loop). */
  missed: number;
}

/** The index of the tick due at or most recently before `now` (never below `from`). */
export function dueIndex(t0: number, intervalMs: number, now: number, from: number): number {
  return Math.max(from, Math.floor((now - t0) / intervalMs));
}

/**
 * Where a schedule goes when its interval changes: the tick that was already due next keeps its
 * time unless the new interval would bring the next one sooner.
 */
export function reanchor(pendingAt: number, now: number, newIntervalMs: number): number {
  return Math.min(pendingAt, now + newIntervalMs);
}

/** Node fires a timer of more than 2^31-1 ms after 1 ms: longer waits are taken in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class Schedule {
  #t0 = 0;
  #k = 0;
  #intervalMs: number;
  #handle: unknown;
  #running = false;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #onTick: (tick: Tick) => void;

  constructor(opts: {
    clock: Clock;
    timers: Timers;
    intervalMs: number;
    onTick: (tick: Tick) => void;
  }) {
    this.#clock = opts.clock;
    this.#timers = opts.timers;
    this.#intervalMs = opts.intervalMs;
    this.#onTick = opts.onTick;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** Starts with tick 0 due in `delayMs` (now by default). */
  start(delayMs = 0): void {
    this.#running = true;
    this.#t0 = this.#clock.now() + delayMs;
    this.#k = 0;
    this.#arm();
  }

  /** Applies a new interval from the next tick on (SIGHUP). */
  setInterval(intervalMs: number): void {
    if (intervalMs === this.#intervalMs) return;
    const pendingAt = this.#t0 + this.#k * this.#intervalMs;
    this.#t0 = reanchor(pendingAt, this.#clock.now(), intervalMs);
    this.#k = 0;
    this.#intervalMs = intervalMs;
    if (this.#running) {
      this.#timers.clearTimeout(this.#handle);
      this.#arm();
    }
  }

  stop(): void {
    this.#running = false;
    this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #arm(): void {
    const dueAt = this.#t0 + this.#k * this.#intervalMs;
    this.#handle = this.#timers.setTimeout(
      () => this.#fire(),
      Math.min(MAX_TIMER_MS, Math.max(0, dueAt - this.#clock.now())),
    );
  }

  #fire(): void {
    if (!this.#running) return;
    // One step of a long wait (see MAX_TIMER_MS): not due yet.
    if (this.#t0 + this.#k * this.#intervalMs - this.#clock.now() > 1) {
      this.#arm();
      return;
    }
    // A timer may fire a fraction of a millisecond early on the monotonic clock, or very late
    // after a suspend; in the latter case the ticks in between are reported missed, not run.
    const k = dueIndex(this.#t0, this.#intervalMs, this.#clock.now(), this.#k);
    const missed = k - this.#k;
    this.#k = k + 1;
    this.#arm();
    this.#onTick({ k, dueAt: this.#t0 + k * this.#intervalMs, missed });
  }
}
