// Rate limits for the service log: an event that repeats (a tick skipped on a thousand hosts, a
// host flapping every probe) is told the first few times in a window, then counted, and the
// count told in one line when the window ends. The service log stays one line per event that a
// person needs, not one per tick. Clock and timers are passed in; it owns its one timer.
import type { Clock, Timers } from '../probing/schedule.js';

export interface Suppressed {
  kind: string;
  /** Occurrences not logged in the window. */
  count: number;
  /** The distinct keys (hosts) among them. */
  keys: number;
  windowMs: number;
}

interface Window {
  startedAt: number;
  admitted: Map<string, number>;
  admittedTotal: number;
  suppressed: number;
  keys: Set<string>;
}

export interface LimiterOptions {
  clock: Clock;
  timers: Timers;
  windowMs: number;
  /** Occurrences of one kind logged per window, all keys together. */
  perKind: number;
  /** Occurrences of one kind for one key logged per window. */
  perKey: number;
  /** Told at the end of a window in which something was suppressed. */
  report: (summary: Suppressed) => void;
}

export class EventLimiter {
  readonly #options: LimiterOptions;
  readonly #windows = new Map<string, Window>();
  #timer: unknown;

  constructor(options: LimiterOptions) {
    this.#options = options;
  }

  /** Whether this occurrence of `kind` for `key` is logged (true) or only counted (false). */
  admit(kind: string, key: string): boolean {
    const { clock, perKind, perKey } = this.#options;
    let window = this.#windows.get(kind);
    if (!window) {
      window = {
        startedAt: clock.now(),
        admitted: new Map(),
        admittedTotal: 0,
        suppressed: 0,
        keys: new Set(),
      };
      this.#windows.set(kind, window);
      this.#arm();
    }
    const forKey = window.admitted.get(key) ?? 0;
    if (window.admittedTotal < perKind && forKey < perKey) {
      window.admitted.set(key, forKey + 1);
      window.admittedTotal++;
      return true;
    }
    window.suppressed++;
    window.keys.add(key);
    return false;
  }

  /** Ends the windows that are over (the timer calls it; tests may too). */
  flush(all = false): void {
    const { clock, windowMs, report } = this.#options;
    for (const [kind, window] of this.#windows) {
      if (!all && clock.now() - window.startedAt < windowMs) continue;
      this.#windows.delete(kind);
      if (window.suppressed > 0) {
        report({ kind, count: window.suppressed, keys: window.keys.size, windowMs });
      }
    }
  }

  /** Reports what is still counted and clears the timer (shutdown). */
  stop(): void {
    this.#options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.flush(true);
  }

  /** One timer, for the window that ends first. */
  #arm(): void {
    if (this.#timer !== undefined || this.#windows.size === 0) return;
    const { clock, timers, windowMs } = this.#options;
    const ends = Math.min(...[...this.#windows.values()].map((w) => w.startedAt + windowMs));
    this.#timer = timers.setTimeout(
      () => {
        this.#timer = undefined;
        this.flush();
        this.#arm();
      },
      Math.max(0, ends - clock.now()),
    );
  }
}
